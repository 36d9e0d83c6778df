"""The three image models: their builders, their predictor, and what each one is handed and holds inside.

Every model takes float32 images in [0, 1], light ink on a dark ground (MNIST's
polarity), shaped (batch, height, width, 1), and returns softmax probabilities
(batch, num_classes).

- `cnn_fixed`: conv-pool-conv-pool-flatten-dense: keras-io's simple MNIST
  convnet (34,826 parameters) with a 128-unit hidden dense layer added, which
  absorbs the augmentation. The Flatten ties it to 28x28 input.
- `cnn_gap`: five stages of batch-normalised convolutions with max pools between,
  then global average pooling: any height and width; its 122-pixel receptive field
  and its training at sides 12 to 128 let it read a digit at any size from 16 to 112.
- `cnn_gap_1scale`: the pooled CNN as first shipped (two conv-conv-pool blocks, a
  last conv, global pooling; a 24-pixel receptive field, trained at 16 to 56 px): free
  of the input size in its layers, but reading only the scales it was trained at.
- `rnn_rows`: two stacked LSTMs reading the image one row per step. Any number
  of rows; the row width is its feature size, fixed at 28.

`model_view` is what each model can be given for an s x s image; `ImagePredictor`
is the compiled single-image forward pass; `fixed_size_error`, `conv_feature_maps` and
`rnn_hidden_states` look inside (the row RNN's first LSTM is `ROW_LSTM`, named here).
"""

from __future__ import annotations

import threading

import keras
import numpy as np
import tensorflow as tf
from keras import layers

from cnnrnn.core.inflight import inference
from cnnrnn.core.predictor import Predictor, input_signature, keras_error
from cnnrnn.tasks.digits.config import MNIST, MnistConfig

ROW_LSTM = "lstm1"  # the row RNN's first LSTM: its state after each row is what the page shows
NATIVE = MNIST.image_size  # the side the models were trained at (cnn_fixed's only one)


def build_cnn_fixed(config: MnistConfig = MNIST) -> keras.Model:
    """(batch, 28, 28, 1) float32 -> (batch, 10) probabilities."""
    size = config.image_size
    inputs = keras.Input(shape=(size, size, 1), name="image")
    x = layers.Conv2D(32, 3, activation="relu", name="conv1")(inputs)
    x = layers.MaxPooling2D(2, name="pool1")(x)
    x = layers.Conv2D(64, 3, activation="relu", name="conv2")(x)
    x = layers.MaxPooling2D(2, name="pool2")(x)
    x = layers.Flatten(name="flatten")(x)
    x = layers.Dense(config.dense_units, activation="relu", name="dense")(x)
    x = layers.Dropout(0.5)(x)
    outputs = layers.Dense(config.num_classes, activation="softmax", name="probs")(x)
    return keras.Model(inputs, outputs, name="cnn_fixed")


def build_cnn_gap(config: MnistConfig = MNIST) -> keras.Model:
    """(batch, H, W, 1) float32, any H, W >= 1 -> (batch, 10) probabilities.

    Five stages of batch-normalised 3x3 convolutions (`config.gap_stages`), a 2x2 max
    pool ("same" padding, so even a tiny input keeps one pixel) between stages, then global
    average pooling. Its receptive field (`receptive_field(config.gap_stages)`, 122 px)
    covers a whole digit at 112 px, where cnn_gap_1scale's 24 px sees only a stroke.
    """
    inputs = keras.Input(shape=(None, None, 1), name="image")
    x = inputs
    index = 0
    for stage, widths in enumerate(config.gap_stages):
        if stage:
            x = layers.MaxPooling2D(2, padding="same", name=f"pool{stage}")(x)
        for filters in widths:
            index += 1
            x = layers.Conv2D(filters, 3, padding="same", use_bias=False, name=f"conv{index}")(x)
            x = layers.BatchNormalization(name=f"bn{index}")(x)
            x = layers.Activation("relu", name=f"relu{index}")(x)
    x = layers.GlobalAveragePooling2D(name="gap")(x)
    x = layers.Dropout(0.3)(x)
    outputs = layers.Dense(config.num_classes, activation="softmax", name="probs")(x)
    return keras.Model(inputs, outputs, name="cnn_gap")


def build_cnn_gap_1scale(config: MnistConfig = MNIST) -> keras.Model:
    """(batch, H, W, 1) float32, any H, W >= 4 -> (batch, 10) probabilities.

    The pooled CNN as first shipped: two conv-conv-pool blocks and a last conv, each
    batch-normalised, then global average pooling: no layer depends on the image size,
    but its receptive field is 24 pixels, and it was trained at sides 16 to 56 only.
    """
    f1, f2, f3 = config.gap_filters
    inputs = keras.Input(shape=(None, None, 1), name="image")
    x = inputs
    for i, filters in enumerate((f1, f1, "pool", f2, f2, "pool", f3)):
        if filters == "pool":
            x = layers.MaxPooling2D(2, name=f"pool{i}")(x)
            continue
        x = layers.Conv2D(filters, 3, padding="same", use_bias=False, name=f"conv{i + 1}")(x)
        x = layers.BatchNormalization(name=f"bn{i + 1}")(x)
        x = layers.Activation("relu", name=f"relu{i + 1}")(x)
    x = layers.GlobalAveragePooling2D(name="gap")(x)
    x = layers.Dropout(0.3)(x)
    outputs = layers.Dense(config.num_classes, activation="softmax", name="probs")(x)
    return keras.Model(inputs, outputs, name="cnn_gap_1scale")


def build_rnn_rows(config: MnistConfig = MNIST) -> keras.Model:
    """(batch, rows, 28, 1) float32, any number of rows -> (batch, 10) probabilities."""
    width = config.image_size
    inputs = keras.Input(shape=(None, width, 1), name="image")
    x = layers.Reshape((-1, width), name="rows")(inputs)
    x = layers.LSTM(config.rnn_units, return_sequences=True, name=ROW_LSTM)(x)
    x = layers.LSTM(config.rnn_units, name="lstm2")(x)
    outputs = layers.Dense(config.num_classes, activation="softmax", name="probs")(x)
    return keras.Model(inputs, outputs, name="rnn_rows")


BUILDERS = {
    "cnn_fixed": build_cnn_fixed,
    "cnn_gap": build_cnn_gap,
    "rnn_rows": build_rnn_rows,
    "cnn_gap_1scale": build_cnn_gap_1scale,
}


def build_model(name: str, config: MnistConfig = MNIST) -> keras.Model:
    """Build the image model called `name` (one of SHIPPED_NAMES)."""
    return BUILDERS[name](config)


def build_augmenter(config: MnistConfig = MNIST) -> keras.Sequential:
    """Random rotation, shift and zoom for (batch, H, W, 1) images in [0, 1]."""
    return keras.Sequential(
        [
            layers.RandomRotation(config.rotation, fill_mode="constant", seed=config.seed),
            layers.RandomTranslation(
                config.translation, config.translation, fill_mode="constant", seed=config.seed + 1
            ),
            layers.RandomZoom(config.zoom, fill_mode="constant", seed=config.seed + 2),
        ],
        name="augment",
    )


# ----------------------------------------------------------------------------- what each model is handed


def resize_batch(images: np.ndarray, height: int, width: int, method: str = "bilinear") -> np.ndarray:
    """(n, H, W) float32 -> (n, height, width) float32, antialiased when shrinking."""
    x = tf.convert_to_tensor(np.asarray(images, np.float32)[..., None])
    out = tf.image.resize(x, (height, width), method=method, antialias=method != "nearest")
    return np.clip(out.numpy()[..., 0], 0.0, 1.0)


def model_view(name: str, images: np.ndarray, native: int = NATIVE) -> np.ndarray:
    """What model `name` is given for (n, s, s) images.

    - cnn_fixed: the s x s image resized back to 28x28 (its Flatten needs that);
    - cnn_gap, cnn_gap_1scale: the s x s image as it is;
    - rnn_rows: s rows, each resized to the 28 values per step it was built for.
    """
    n, height, width = images.shape
    if name == "cnn_fixed" and (height, width) != (native, native):
        return resize_batch(images, native, native)
    if name == "rnn_rows" and width != native:
        return resize_batch(images, height, native)
    return images


# ----------------------------------------------------------------------------- the predictor and the insides


class ImagePredictor(Predictor):
    """Call with float32 images (n, H, W) or (n, H, W, 1) in [0, 1]; returns (n, classes) float32.

    One trace serves every size the model leaves free (rows, or height and width).
    """

    def __init__(self, model: keras.Model):
        super().__init__(model)
        self.input_shape = tuple(model.inputs[0].shape[1:])  # (H, W, 1); None where free

    def _prepare(self, images) -> np.ndarray:
        x = np.asarray(images, dtype=np.float32)
        return x[..., None] if x.ndim == 3 else x


def fixed_size_error(model: keras.Model, image: np.ndarray) -> str | None:
    """Run `model` eagerly on one (H, W) image and return Keras's own error, or None.

    This is what happens when a Flatten-headed CNN is handed an input that is
    not the size it was built for.
    """
    x = np.asarray(image, np.float32)[None, :, :, None]
    return keras_error(lambda: model(x, training=False))


_PROBES: dict = {}  # (id(model), layer names) -> (model, compiled forward pass to those layers' outputs)
_PROBES_LOCK = threading.Lock()


def _probe(model: keras.Model, names: tuple[str, ...]):
    """A compiled forward pass from `model`'s input to the outputs of the layers `names`, built once per
    model and layers under a lock (the page asks for every new picture; building a Keras model and calling
    it eagerly each time cost 80 ms of the image page's rerun)."""
    key = (id(model), names)
    with _PROBES_LOCK:
        if key not in _PROBES:
            sub = keras.Model(model.inputs[0], [model.get_layer(name).output for name in names])
            forward = tf.function(lambda x: sub(x, training=False), input_signature=[input_signature(model)])
            _PROBES[key] = (model, forward)  # the model is kept, so its id is not reused
        return _PROBES[key][1]


def _probe_outputs(model: keras.Model, names: tuple[str, ...], image: np.ndarray) -> list[np.ndarray]:
    with inference():
        outputs = _probe(model, names)(tf.constant(np.asarray(image, np.float32)[None, :, :, None]))
    if not isinstance(outputs, (list, tuple)):  # Keras returns one output as a tensor, not a list of one
        outputs = [outputs]
    return [np.asarray(out)[0] for out in outputs]


def conv_feature_maps(model: keras.Model, image: np.ndarray) -> dict[str, np.ndarray]:
    """Activations of each Conv2D layer for one (H, W) image: name -> (h, w, channels)."""
    names = tuple(layer.name for layer in model.layers if isinstance(layer, keras.layers.Conv2D))
    return dict(zip(names, _probe_outputs(model, names, image)))


def rnn_hidden_states(model: keras.Model, image: np.ndarray, layer: str = ROW_LSTM) -> np.ndarray:
    """The row RNN's hidden state after each row: (rows, units) float32."""
    return _probe_outputs(model, (layer,), image)[0]
