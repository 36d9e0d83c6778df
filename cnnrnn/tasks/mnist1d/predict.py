"""Loading the shipped MNIST-1D models: the weight-file check and name -> SignalPredictor."""

from __future__ import annotations

from pathlib import Path

from cnnrnn.core.predictor import load_model
from cnnrnn.core.weights import require_files
from cnnrnn.tasks.mnist1d.config import MNIST1D_MODELS, TASK, weights_file
from cnnrnn.tasks.mnist1d.model import SignalPredictor


def check_mnist1d_weights(weights_dir=None, names=None) -> Path:
    """The weights directory, once the named models' files exist (all of MNIST1D_MODELS by default).

    Else one FileNotFoundError line naming the missing files and `python -m cnnrnn train mnist1d`.
    Loads no model, so the command line can fail fast.
    """
    return require_files([weights_file(name) for name in (names or MNIST1D_MODELS)], weights_dir, TASK)


def load_mnist1d_predictors(weights_dir=None, names=None) -> dict:
    """The shipped MNIST-1D models as name -> SignalPredictor (all of MNIST1D_MODELS by default)."""
    names = list(names or MNIST1D_MODELS)
    root = check_mnist1d_weights(weights_dir, names)
    return {name: SignalPredictor(load_model(root / weights_file(name)), name) for name in names}
