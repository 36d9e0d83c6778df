"""The shipped image models: their files, loading them (safe mode) and their predictors."""

from __future__ import annotations

import keras

from cnnrnn.core.predictor import load_model
from cnnrnn.core.weights import have_files, require_files
from cnnrnn.tasks.digits.config import MODEL_NAMES
from cnnrnn.tasks.digits.model import ImagePredictor

TASK = "mnist"  # the command line's and the manifest's name


def weight_file(name: str) -> str:
    """The weights file of model `name`: "mnist_cnn_fixed.keras"."""
    return f"{TASK}_{name}.keras"


def load_image_models(weights_dir=None) -> dict[str, keras.Model]:
    """The three shipped MNIST models, name -> keras.Model, from `weights_dir` (default: shipped).

    A missing file is one FileNotFoundError line naming it and `python -m cnnrnn train mnist`.
    """
    root = require_files([weight_file(n) for n in MODEL_NAMES], weights_dir, TASK)
    return {name: load_model(root / weight_file(name)) for name in MODEL_NAMES}


def load_predictors(weights_dir=None) -> dict[str, ImagePredictor]:
    """name -> ImagePredictor for the three shipped models."""
    return {name: ImagePredictor(model) for name, model in load_image_models(weights_dir).items()}


def weights_present(weights_dir=None) -> bool:
    """Whether every image model's weights file is in `weights_dir` (default: shipped)."""
    return have_files([weight_file(n) for n in MODEL_NAMES], weights_dir)
