"""The process's global random generators (Python's, NumPy's, TensorFlow's): seed them, draw from them.

Tests that a live run seeds only its own generators: seed the globals, note what they draw next,
seed them again, train, and compare the next draws with the noted ones.
"""

from __future__ import annotations

import random

import numpy as np


def seed_global(seed: int) -> None:
    """Seed Python's, NumPy's and TensorFlow's global generators alike."""
    import tensorflow as tf  # here: a test module that needs no TensorFlow can import this one

    random.seed(seed)
    np.random.seed(seed)
    tf.random.set_seed(seed)


def global_draws() -> tuple[float, float, float]:
    """One draw from each global generator: Python's, NumPy's, TensorFlow's."""
    import tensorflow as tf

    return random.random(), float(np.random.random()), float(tf.random.uniform([]).numpy())
