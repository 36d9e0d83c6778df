"""Compiled single-item predictors: one `tf.function` per model, any batch size (and free length) on one trace.

`model.predict` is never used for single items: it costs tens of milliseconds of setup
per call. A `Predictor` wraps the forward pass in a `tf.function` whose input signature
leaves the batch, and every dimension the model leaves free, as None. tf.function calls
are thread-safe, so one predictor serves every session of the dashboard.
"""

from __future__ import annotations

import keras
import numpy as np
import tensorflow as tf

from cnnrnn.core.inflight import inference


def input_signature(model: keras.Model, dtype=tf.float32) -> tf.TensorSpec:
    """The model's first input as a TensorSpec with a free batch: (None, *shape) with None where free."""
    shape = list(model.inputs[0].shape)
    return tf.TensorSpec([None, *shape[1:]], dtype)


def in_batches(predict, items, batch_size: int, empty: np.ndarray) -> np.ndarray:
    """`predict` on `items` `batch_size` at a time, the results concatenated (`empty` for no items)."""
    out = [predict(items[i : i + batch_size]) for i in range(0, len(items), batch_size)]
    return np.concatenate(out) if out else empty


def keras_error(run) -> str | None:
    """Call `run()`; return Keras's (or TensorFlow's) error message, cut to 400 characters, or None.

    This is how a page shows the real error a fixed-size model raises for a wrong shape.
    """
    try:
        run()
    except Exception as error:  # Keras raises ValueError; TF may raise InvalidArgumentError
        text = str(error).strip()
        return text.splitlines()[0] if len(text) < 400 else text[:400] + "..."
    return None


def load_model(path) -> keras.Model:
    """Load one shipped `.keras` file with Keras's safe mode on (no arbitrary code)."""
    return keras.saving.load_model(path, compile=False, safe_mode=True)


class Predictor:
    """A model's forward pass compiled once: call with a float32 batch, get its outputs as numpy.

    signature: the input TensorSpec (default: the model's own input with a free batch).
    """

    def __init__(self, model: keras.Model, name: str | None = None, signature: tf.TensorSpec | None = None):
        self.model = model
        self.name = name or model.name
        self._forward = tf.function(
            lambda x: model(x, training=False), input_signature=[signature or input_signature(model)]
        )

    def _prepare(self, items) -> np.ndarray:
        """Turn the caller's batch into the array the signature takes (subclasses check shapes here)."""
        return np.asarray(items, np.float32)

    def __call__(self, items) -> np.ndarray:
        with inference():  # live training waits between its batches while a prediction runs
            return self._forward(tf.constant(self._prepare(items))).numpy()

    def predict_one(self, item) -> np.ndarray:
        """One item (without its batch axis) -> its output (without the batch axis)."""
        return self(np.asarray(item, np.float32)[None])[0]

    def predict_batches(self, items, batch_size: int = 1000) -> np.ndarray:
        """Outputs for many items, `batch_size` at a time."""
        return in_batches(self, items, batch_size, np.zeros((0, self.model.outputs[0].shape[-1]), np.float32))

    @property
    def traces(self) -> int:
        """How many concrete functions the predictor has traced (1 is the goal)."""
        return self._forward.experimental_get_tracing_count()
