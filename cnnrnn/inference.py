"""Fast predictors and model introspection for single images and small batches.

A predictor wraps a model's forward pass in a `tf.function` whose input
signature leaves the batch (and, for the size-agnostic models, height and
width) as None, so every input size runs on one trace. `model.predict` is never
used for single items: it costs tens of milliseconds of setup per call.
tf.function calls are thread-safe, so one predictor serves every session.
"""

from __future__ import annotations

import numpy as np
import tensorflow as tf
import keras


def _signature(model: keras.Model) -> tf.TensorSpec:
    shape = list(model.inputs[0].shape)  # (None, H, W, 1) with H/W None when free
    return tf.TensorSpec([None, *shape[1:]], tf.float32)


class ImagePredictor:
    """Call with float32 images (n, H, W) or (n, H, W, 1) in [0, 1]; returns (n, classes) float32."""

    def __init__(self, model: keras.Model):
        self.model = model
        self.name = model.name
        self.input_shape = tuple(model.inputs[0].shape[1:])  # (H, W, 1); None where free
        self._forward = tf.function(lambda x: model(x, training=False),
                                    input_signature=[_signature(model)])

    def __call__(self, images: np.ndarray) -> np.ndarray:
        x = np.asarray(images, dtype=np.float32)
        if x.ndim == 3:
            x = x[..., None]
        return self._forward(tf.constant(x)).numpy()

    def predict_one(self, image: np.ndarray) -> np.ndarray:
        """(H, W) float32 image -> (classes,) probabilities."""
        return self(np.asarray(image, np.float32)[None])[0]

    def predict_batches(self, images: np.ndarray, batch_size: int = 1000) -> np.ndarray:
        """Probabilities for many images, `batch_size` at a time."""
        out = [self(images[i:i + batch_size]) for i in range(0, len(images), batch_size)]
        return np.concatenate(out) if out else np.zeros((0, self.model.outputs[0].shape[-1]), np.float32)

    @property
    def traces(self) -> int:
        """How many concrete functions the predictor has traced (1 is the goal)."""
        return self._forward.experimental_get_tracing_count()


def fixed_size_error(model: keras.Model, image: np.ndarray) -> str | None:
    """Run `model` eagerly on one (H, W) image and return Keras's own error, or None.

    This is what happens when a Flatten-headed CNN is handed an input that is
    not the size it was built for.
    """
    x = np.asarray(image, np.float32)[None, :, :, None]
    try:
        model(x, training=False)
    except Exception as error:  # Keras raises ValueError; TF may raise InvalidArgumentError
        text = str(error).strip()
        return text.splitlines()[0] if len(text) < 400 else text[:400] + "..."
    return None


def conv_feature_maps(model: keras.Model, image: np.ndarray) -> dict[str, np.ndarray]:
    """Activations of each Conv2D layer for one (H, W) image: name -> (h, w, channels)."""
    convs = [layer for layer in model.layers if isinstance(layer, keras.layers.Conv2D)]
    probe = keras.Model(model.inputs, [layer.output for layer in convs])
    outputs = probe(np.asarray(image, np.float32)[None, :, :, None], training=False)
    if not isinstance(outputs, (list, tuple)):
        outputs = [outputs]
    return {layer.name: np.asarray(out)[0] for layer, out in zip(convs, outputs)}


def rnn_hidden_states(model: keras.Model, image: np.ndarray, layer: str = "lstm1") -> np.ndarray:
    """The row RNN's hidden state after each row: (rows, units) float32."""
    probe = keras.Model(model.inputs, model.get_layer(layer).output)
    return np.asarray(probe(np.asarray(image, np.float32)[None, :, :, None], training=False))[0]


def load_model(path) -> keras.Model:
    """Load one shipped `.keras` file with Keras's safe mode on (no arbitrary code)."""
    return keras.saving.load_model(path, compile=False, safe_mode=True)


def load_image_models(weights_dir=None) -> dict[str, keras.Model]:
    """The three shipped MNIST models, name -> keras.Model, from `weights_dir` (default: shipped)."""
    from pathlib import Path

    from cnnrnn.models import MODEL_NAMES
    from cnnrnn.train import WEIGHTS_DIR

    root = Path(weights_dir) if weights_dir else WEIGHTS_DIR
    missing = [n for n in MODEL_NAMES if not (root / f"mnist_{n}.keras").is_file()]
    if missing:
        raise FileNotFoundError(f"no weights for {', '.join(missing)} in {root}; run: python -m cnnrnn train mnist")
    return {name: load_model(root / f"mnist_{name}.keras") for name in MODEL_NAMES}
