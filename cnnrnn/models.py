"""Keras model builders: each `build_*` returns an uncompiled `keras.Model`.

Every image model takes float32 images in [0, 1], light ink on a dark ground
(MNIST's polarity), shaped (batch, height, width, 1), and returns softmax
probabilities (batch, num_classes).

- `cnn_fixed`: conv-pool-conv-pool-flatten-dense: keras-io's simple MNIST
  convnet (34,826 parameters) with a 128-unit hidden dense layer added, which
  absorbs the augmentation. The Flatten ties it to 28x28 input.
- `cnn_gap`: the same conv-pool trunk, one more conv, then global average
  pooling: any height and width of 4 pixels or more.
- `rnn_rows`: two stacked LSTMs reading the image one row per step. Any number
  of rows; the row width is its feature size, fixed at 28.
"""

from __future__ import annotations

import keras
from keras import layers

from cnnrnn.config import MNIST, MnistConfig

MODEL_NAMES = ("cnn_fixed", "cnn_gap", "rnn_rows")


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
    """(batch, H, W, 1) float32, any H, W >= 4 -> (batch, 10) probabilities."""
    f1, f2, f3 = config.gap_filters
    inputs = keras.Input(shape=(None, None, 1), name="image")
    x = layers.Conv2D(f1, 3, padding="same", activation="relu", name="conv1")(inputs)
    x = layers.MaxPooling2D(2, name="pool1")(x)
    x = layers.Conv2D(f2, 3, padding="same", activation="relu", name="conv2")(x)
    x = layers.MaxPooling2D(2, name="pool2")(x)
    x = layers.Conv2D(f3, 3, padding="same", activation="relu", name="conv3")(x)
    x = layers.GlobalAveragePooling2D(name="gap")(x)
    x = layers.Dropout(0.3)(x)
    outputs = layers.Dense(config.num_classes, activation="softmax", name="probs")(x)
    return keras.Model(inputs, outputs, name="cnn_gap")


def build_rnn_rows(config: MnistConfig = MNIST) -> keras.Model:
    """(batch, rows, 28, 1) float32, any number of rows -> (batch, 10) probabilities."""
    width = config.image_size
    inputs = keras.Input(shape=(None, width, 1), name="image")
    x = layers.Reshape((-1, width), name="rows")(inputs)
    x = layers.LSTM(config.rnn_units, return_sequences=True, name="lstm1")(x)
    x = layers.LSTM(config.rnn_units, name="lstm2")(x)
    outputs = layers.Dense(config.num_classes, activation="softmax", name="probs")(x)
    return keras.Model(inputs, outputs, name="rnn_rows")


BUILDERS = {"cnn_fixed": build_cnn_fixed, "cnn_gap": build_cnn_gap, "rnn_rows": build_rnn_rows}


def build_model(name: str, config: MnistConfig = MNIST) -> keras.Model:
    """Build the image model called `name` (one of MODEL_NAMES)."""
    return BUILDERS[name](config)


def build_augmenter(config: MnistConfig = MNIST) -> keras.Sequential:
    """Random rotation, shift and zoom for (batch, H, W, 1) images in [0, 1]."""
    return keras.Sequential(
        [
            layers.RandomRotation(config.rotation, fill_mode="constant", seed=config.seed),
            layers.RandomTranslation(config.translation, config.translation,
                                     fill_mode="constant", seed=config.seed + 1),
            layers.RandomZoom(config.zoom, fill_mode="constant", seed=config.seed + 2),
        ],
        name="augment",
    )
