"""The two character models by name: build one, tell which one a model is, get its stepper.

Both take (batch, length) int32 character ids, any length, and return
(batch, length, vocab_size) float32 logits: position t predicts character t + 1.
Logits rather than probabilities, so that sampling can divide by a temperature.
Each model's builder and stepper live together in `model_lstm.py` and `model_cnn.py`.
"""

from __future__ import annotations

import keras

from cnnrnn.tasks.charlm.config import CHARLM_NAMES
from cnnrnn.tasks.charlm.model_cnn import CNNStepper, build_char_cnn
from cnnrnn.tasks.charlm.model_lstm import LSTMStepper, build_char_lstm, lstm_layers

BUILDERS = {"lstm": build_char_lstm, "cnn": build_char_cnn}
STEPPERS = {"lstm": LSTMStepper, "cnn": CNNStepper}


def build_charlm(name: str, vocab_size: int, config=None) -> keras.Model:
    """Build the character model called `name` ("lstm" or "cnn")."""
    if name not in BUILDERS:
        raise ValueError(f"unknown character model {name!r}; choose one of {CHARLM_NAMES}")
    return BUILDERS[name](vocab_size, config)


def model_kind(model: keras.Model) -> str:
    """ "lstm" when the model has LSTM layers, else "cnn"."""
    return "lstm" if lstm_layers(model) else "cnn"


def stepper_for(model: keras.Model, live: bool = False):
    """The one-character stepper of `model` (an LSTMStepper or a CNNStepper)."""
    return STEPPERS[model_kind(model)](model, live)
