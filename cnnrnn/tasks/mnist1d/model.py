"""The sequence lab's four models and their predictor: 1D signals in, digit probabilities out.

Every model takes float32 signals shaped (batch, length) and returns (batch, 10)
softmax probabilities.
- `logreg`: one Dense layer on the 40 points (the paper's logistic regression).
- `mlp`: two hidden ReLU layers of `mlp_units` on the 40 points.
- `cnn`: Conv1D layers with "same" padding, then global max and average pooling
  over time: any length of 4 points or more.
- `gru`: a (bidirectional) GRU reading one point per step: any length.
logreg and mlp are tied to `sequence_length` points; cnn and gru are not.
`SignalPredictor` runs any of them on one compiled trace for every batch size and length.
With `seed`, a builder takes its initializers from that seed alone (`LocalSeeds`: the page's live
runs); without, Keras's defaults, seeded by the command line's global seed (the shipped files).
"""

from __future__ import annotations

import keras
import numpy as np
from keras import layers

from cnnrnn.core.fitting import LocalSeeds
from cnnrnn.core.predictor import Predictor
from cnnrnn.tasks.mnist1d.config import MNIST1D

MNIST1D_NAMES = ("logreg", "mlp", "cnn", "gru")


def _signal_input(config, free_length: bool):
    return keras.Input(shape=(None if free_length else config.sequence_length,), dtype="float32", name="signal")


def build_mnist1d_logreg(config=None, seed: int | None = None) -> keras.Model:
    """(batch, 40) float32 -> (batch, 10) probabilities: multinomial logistic regression."""
    config, seeds = config or MNIST1D, LocalSeeds(seed)
    inputs = _signal_input(config, False)
    outputs = layers.Dense(
        config.num_classes, activation="softmax", name="probs", kernel_initializer=seeds.initializer("glorot_uniform")
    )(inputs)
    return keras.Model(inputs, outputs, name="mnist1d_logreg")


def build_mnist1d_mlp(config=None, seed: int | None = None) -> keras.Model:
    """(batch, 40) float32 -> (batch, 10) probabilities: two hidden ReLU layers."""
    config, seeds = config or MNIST1D, LocalSeeds(seed)
    inputs = _signal_input(config, False)
    x = layers.Dense(
        config.mlp_units, activation="relu", name="hidden1", kernel_initializer=seeds.initializer("glorot_uniform")
    )(inputs)
    x = layers.Dense(
        config.mlp_units, activation="relu", name="hidden2", kernel_initializer=seeds.initializer("glorot_uniform")
    )(x)
    outputs = layers.Dense(
        config.num_classes, activation="softmax", name="probs", kernel_initializer=seeds.initializer("glorot_uniform")
    )(x)
    return keras.Model(inputs, outputs, name="mnist1d_mlp")


def build_mnist1d_cnn(config=None, seed: int | None = None) -> keras.Model:
    """(batch, length) float32, any length >= 4 -> (batch, 10) probabilities.

    Conv1D layers (kernel `cnn_kernel_size`, strides `cnn_strides`, "same"
    padding, ReLU), then the max and the mean of each channel over time: no
    layer depends on the length.
    """
    config, seeds = config or MNIST1D, LocalSeeds(seed)
    inputs = _signal_input(config, True)
    x = layers.Reshape((-1, 1), name="points")(inputs)
    for i, (filters, stride) in enumerate(zip(config.cnn_filters, config.cnn_strides), start=1):
        x = layers.Conv1D(
            filters,
            config.cnn_kernel_size,
            strides=stride,
            padding="same",
            activation="relu",
            name=f"conv{i}",
            kernel_initializer=seeds.initializer("glorot_uniform"),
        )(x)
    x = layers.Concatenate(name="pooled")(
        [layers.GlobalMaxPooling1D(name="max_over_time")(x), layers.GlobalAveragePooling1D(name="mean_over_time")(x)]
    )
    outputs = layers.Dense(
        config.num_classes, activation="softmax", name="probs", kernel_initializer=seeds.initializer("glorot_uniform")
    )(x)
    return keras.Model(inputs, outputs, name="mnist1d_cnn")


def build_mnist1d_gru(config=None, seed: int | None = None) -> keras.Model:
    """(batch, length) float32, any length -> (batch, 10) probabilities.

    `gru_layers` stacked GRUs of `gru_units` reading one point per step (both
    directions when `gru_bidirectional`); the last state is classified.
    """
    config, seeds = config or MNIST1D, LocalSeeds(seed)
    inputs = _signal_input(config, True)
    x = layers.Reshape((-1, 1), name="points")(inputs)
    for i in range(1, config.gru_layers + 1):
        gru = layers.GRU(
            config.gru_units,
            return_sequences=i < config.gru_layers,
            name=f"gru{i}",
            kernel_initializer=seeds.initializer("glorot_uniform"),
            recurrent_initializer=seeds.initializer("orthogonal"),
            seed=seeds.next(),
        )
        if config.gru_bidirectional:
            backward = None  # Keras copies the forward GRU (a seeded copy would start from the same weights)
            if seed is not None:
                backward = layers.GRU(
                    config.gru_units,
                    return_sequences=i < config.gru_layers,
                    go_backwards=True,
                    name=f"gru{i}_backward",
                    kernel_initializer=seeds.initializer("glorot_uniform"),
                    recurrent_initializer=seeds.initializer("orthogonal"),
                    seed=seeds.next(),
                )
            x = layers.Bidirectional(gru, backward_layer=backward, name=f"bigru{i}")(x)
        else:
            x = gru(x)
    outputs = layers.Dense(
        config.num_classes, activation="softmax", name="probs", kernel_initializer=seeds.initializer("glorot_uniform")
    )(x)
    return keras.Model(inputs, outputs, name="mnist1d_gru")


_BUILDERS = {
    "logreg": build_mnist1d_logreg,
    "mlp": build_mnist1d_mlp,
    "cnn": build_mnist1d_cnn,
    "gru": build_mnist1d_gru,
}


def build_mnist1d(name: str, config=None, seed: int | None = None) -> keras.Model:
    """Build the MNIST-1D model of kind `name` (one of MNIST1D_NAMES); `seed`: its own initializers' seed."""
    if name not in _BUILDERS:
        raise ValueError(f"unknown MNIST-1D model {name!r}; choose one of {', '.join(MNIST1D_NAMES)}")
    return _BUILDERS[name](config, seed)


class SignalPredictor(Predictor):
    """Call with float32 signals (n, length); returns (n, 10) float32 probabilities.

    The forward pass is a tf.function with input signature (None, length) for
    the models tied to 40 points and (None, None) for the CNN and the GRU, so
    every batch size and every length runs on one trace.
    """

    def __init__(self, model: keras.Model, name: str | None = None):
        super().__init__(model, name or model.name.removeprefix("mnist1d_"))
        self.length = model.inputs[0].shape[1]  # None: any length

    def _prepare(self, signals) -> np.ndarray:
        x = np.asarray(signals, np.float32)
        if x.ndim != 2:
            raise ValueError(f"expected signals shaped (n, length), got shape {x.shape}")
        if self.length is not None and x.shape[1] != self.length:
            raise ValueError(f"{self.name} reads exactly {self.length} points, not {x.shape[1]}")
        return x

    def accuracy(self, signals: np.ndarray, labels: np.ndarray) -> float:
        """The share of `signals` whose most probable digit is their label."""
        return float(np.mean(self.predict_batches(signals).argmax(1) == np.asarray(labels)))
