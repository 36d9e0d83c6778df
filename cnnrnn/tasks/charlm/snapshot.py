"""How a stepper reads a model's weights: a snapshot (shipped models) or the live variables (training)."""

from __future__ import annotations

import numpy as np
import tensorflow as tf


def weight_reader(live: bool):
    """Weights as tf.constant snapshots (shipped models), or the live variables (a model in training)."""
    if live:
        return lambda variable: variable.value
    return lambda variable: tf.constant(np.asarray(variable))
