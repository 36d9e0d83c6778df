"""The character LSTM: its builder and the stepper that generates from it one character at a time.

The model takes (batch, length) int32 character ids, any length, and returns
(batch, length, vocab_size) float32 logits: position t predicts character t + 1.
The stepper finds the layers by the names the builder gives them (the constants below),
so a saved model of this file's builder is all it needs.
"""

from __future__ import annotations

import keras
import tensorflow as tf
from keras import layers

from cnnrnn.core.fitting import LocalSeeds
from cnnrnn.tasks.charlm.config import CHARLM
from cnnrnn.tasks.charlm.snapshot import weight_reader

NAME = "charlm_lstm"  # the Keras model's name
INPUT = "chars"
EMBEDDING = "embedding"
LOGITS = "logits"


def build_char_lstm(vocab_size: int, config=None, seed: int | None = None) -> keras.Model:
    """Embedding, `rnn_layers` stacked LSTMs with dropout between them, a Dense to logits.

    seed: the model's own initializer and dropout seeds (`LocalSeeds`: the page's live model);
    None: Keras's defaults, seeded by the command line's global seed (the shipped files).
    """
    config, seeds = config or CHARLM, LocalSeeds(seed)
    inputs = keras.Input(shape=(None,), dtype="int32", name=INPUT)
    x = layers.Embedding(
        vocab_size, config.embedding_dim, name=EMBEDDING, embeddings_initializer=seeds.initializer("uniform")
    )(inputs)
    for i in range(1, config.rnn_layers + 1):
        x = layers.LSTM(
            config.rnn_units,
            return_sequences=True,
            name=f"lstm{i}",
            kernel_initializer=seeds.initializer("glorot_uniform"),
            recurrent_initializer=seeds.initializer("orthogonal"),
            seed=seeds.next(),
        )(x)
        x = layers.Dropout(config.dropout, name=f"dropout{i}", seed=seeds.next())(x)
    outputs = layers.Dense(vocab_size, name=LOGITS, kernel_initializer=seeds.initializer("glorot_uniform"))(x)
    return keras.Model(inputs, outputs, name=NAME)


def lstm_layers(model: keras.Model) -> list:
    """The model's LSTM layers, in order (none: it is not an LSTM model)."""
    return [layer for layer in model.layers if isinstance(layer, keras.layers.LSTM)]


class LSTMStepper:
    """One character in, next-character logits out, carrying (h, c) per LSTM layer.

    Keras's LSTM: z = [x, h] [W; U] + b split into gates i, f, g, o;
    c' = sigmoid(f) c + sigmoid(i) tanh(g); h' = sigmoid(o) tanh(c').
    `weights()` runs once per compiled call (it fuses W and U into one matrix);
    `__call__` once per character.
    """

    receptive_field = None  # the LSTM carries its state from the first character on

    def __init__(self, model: keras.Model, live: bool = False):
        read = weight_reader(live)
        self.embedding = read(model.get_layer(EMBEDDING).embeddings)
        self.cells = []
        for layer in lstm_layers(model):
            cell = layer.cell
            if (
                cell.activation is not keras.activations.tanh
                or cell.recurrent_activation is not keras.activations.sigmoid
            ):
                raise ValueError("the stepper supports tanh/sigmoid LSTMs only")
            self.cells.append((read(cell.kernel), read(cell.recurrent_kernel), read(cell.bias), cell.units))
        dense = model.get_layer(LOGITS)
        self.out_kernel, self.out_bias = read(dense.kernel), read(dense.bias)
        self.state_specs = tuple(tf.TensorSpec([1, units], tf.float32) for (*_, units) in self.cells for _ in (0, 1))

    def initial_state(self) -> tuple:
        return tuple(tf.zeros(spec.shape, tf.float32) for spec in self.state_specs)

    def weights(self) -> dict:
        return {
            "embedding": self.embedding,
            "out": (self.out_kernel, self.out_bias),
            "cells": [(tf.concat([kernel, recurrent], axis=0), bias) for kernel, recurrent, bias, _ in self.cells],
        }

    def batch_state(self, batch: int) -> tuple:
        """Zero states for `batch` texts at once (for `step_batch`)."""
        return tuple(tf.zeros([batch, spec.shape[1]], tf.float32) for spec in self.state_specs)

    def __call__(self, weights: dict, state: tuple, char_id: tf.Tensor):
        state, logits = self.step_batch(weights, state, char_id[None])
        return state, logits[0]

    def step_batch(self, weights: dict, state: tuple, char_ids: tf.Tensor):
        """(batch,) int32 ids and (batch, units) states -> new states, (batch, vocab_size) logits."""
        x = tf.gather(weights["embedding"], char_ids)  # (batch, embedding_dim)
        new_state = []
        for i, (fused, bias) in enumerate(weights["cells"]):
            h, c = state[2 * i], state[2 * i + 1]
            z = tf.matmul(tf.concat([x, h], axis=1), fused) + bias
            zi, zf, zg, zo = tf.split(z, 4, axis=1)
            c = tf.sigmoid(zf) * c + tf.sigmoid(zi) * tf.tanh(zg)
            h = tf.sigmoid(zo) * tf.tanh(c)
            new_state += [h, c]
            x = h
        kernel, bias = weights["out"]
        return tuple(new_state), tf.matmul(x, kernel) + bias
