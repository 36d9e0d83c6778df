"""Loading the shipped captioner: the `.keras` file, checked and opened in Keras's safe mode."""

from __future__ import annotations

import keras

from cnnrnn.core.predictor import load_model
from cnnrnn.core.weights import require_files
from cnnrnn.tasks.captions.model import CaptionPredictor  # also registers BroadcastSteps for safe-mode loading

CAPTIONS_FILE = "captions_model.keras"


def load_caption_model(weights_dir=None) -> keras.Model:
    """The shipped captioning model from `weights_dir` (default: shipped); FileNotFoundError if missing."""
    root = require_files([CAPTIONS_FILE], weights_dir, task="captions")
    return load_model(root / CAPTIONS_FILE)


def load_caption_predictor(weights_dir=None) -> CaptionPredictor:
    """The shipped captioner as a `CaptionPredictor` (greedy and beam decoding)."""
    return CaptionPredictor(load_caption_model(weights_dir))
