"""The shipped image models: their files, loading them (safe mode) and their predictors."""

from __future__ import annotations

import keras

from cnnrnn.core.predictor import load_model
from cnnrnn.core.weights import have_files, require_files
from cnnrnn.tasks.digits.config import MODEL_NAMES, SHIPPED_NAMES
from cnnrnn.tasks.digits.model import ImagePredictor

TASK = "mnist"  # the command line's and the manifest's name


def weight_file(name: str) -> str:
    """The weights file of model `name`: "mnist_cnn_fixed.keras"."""
    return f"{TASK}_{name}.keras"


def load_image_models(weights_dir=None, names=MODEL_NAMES) -> dict[str, keras.Model]:
    """Shipped MNIST models, name -> keras.Model, from `weights_dir` (default: shipped).

    names: the page's three (MODEL_NAMES, the default) or SHIPPED_NAMES (with cnn_gap_1scale).
    A missing file is one FileNotFoundError line naming it and `python -m cnnrnn train mnist`.
    """
    root = require_files([weight_file(n) for n in names], weights_dir, TASK)
    return {name: load_model(root / weight_file(name)) for name in names}


def load_predictors(weights_dir=None, names=MODEL_NAMES) -> dict[str, ImagePredictor]:
    """name -> ImagePredictor for the shipped models called `names` (default: the page's three)."""
    return {name: ImagePredictor(model) for name, model in load_image_models(weights_dir, names).items()}


def weights_present(weights_dir=None, names=SHIPPED_NAMES) -> bool:
    """Whether every image model's weights file is in `weights_dir` (default: shipped)."""
    return have_files([weight_file(n) for n in names], weights_dir)
