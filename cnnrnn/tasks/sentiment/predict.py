"""The shipped sentiment models: `sentiment_rnn.keras` and `sentiment_cnn.keras`, loaded in safe mode.

Importing `model` (through `layers`) registers the custom layers the files name.
"""

from __future__ import annotations

import keras

from cnnrnn.core.predictor import load_model
from cnnrnn.core.weights import require_files
from cnnrnn.tasks.sentiment.config import SENTIMENT_NAMES
from cnnrnn.tasks.sentiment.model import TextPredictor

TASK = "sentiment"


def weights_file(name: str) -> str:
    """The shipped file of model `name`: "sentiment_rnn.keras"."""
    return f"sentiment_{name}.keras"


def load_sentiment_models(weights_dir=None) -> dict[str, keras.Model]:
    """The two shipped sentiment models, "rnn" and "cnn" -> keras.Model, from `weights_dir` (default: shipped).

    FileNotFoundError (one line naming the missing files and `python -m cnnrnn train sentiment`) without them.
    """
    root = require_files([weights_file(n) for n in SENTIMENT_NAMES], weights_dir, TASK)
    return {name: load_model(root / weights_file(name)) for name in SENTIMENT_NAMES}


def load_sentiment_predictors(weights_dir=None) -> dict[str, TextPredictor]:
    """ "rnn" and "cnn" -> TextPredictor over the shipped models."""
    return {name: TextPredictor(model) for name, model in load_sentiment_models(weights_dir).items()}
