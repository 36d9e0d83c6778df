"""The causal dilated CNN: its builder and the stepper that generates from it one character at a time.

The model takes (batch, length) int32 character ids, any length, and returns
(batch, length, vocab_size) float32 logits: position t predicts character t + 1, seeing
characters t - receptive_field + 1 .. t and nothing later. The stepper finds the layers by
the names the builder gives them (the constants and name patterns below).
"""

from __future__ import annotations

import keras
import tensorflow as tf
from keras import layers

from cnnrnn.tasks.charlm.config import CHARLM
from cnnrnn.tasks.charlm.snapshot import weight_reader

NAME = "charlm_cnn"  # the Keras model's name
INPUT = "chars"
EMBEDDING = "embedding"
NORM_OUT = "norm_out"
LOGITS = "logits"


def _block(kind: str, i: int) -> str:
    """The name of block i's layer of one kind: norm, conv, mix, dropout, residual (norm1, conv1, ...)."""
    return f"{kind}{i}"


def build_char_cnn(vocab_size: int, config=None) -> keras.Model:
    """A causal dilated CNN: embedding, residual blocks, layer norm, a Dense to logits.

    Block i: x + Dropout(Conv1D_1x1(ReLU(CausalConv1D_dilated(LayerNorm(x))))).
    Position t sees characters t - receptive_field + 1 .. t and nothing later.
    """
    config = config or CHARLM
    filters = config.cnn_filters
    inputs = keras.Input(shape=(None,), dtype="int32", name=INPUT)
    x = layers.Embedding(vocab_size, filters, name=EMBEDDING)(inputs)
    for i, dilation in enumerate(config.cnn_dilations, start=1):
        y = layers.LayerNormalization(name=_block("norm", i))(x)
        y = layers.Conv1D(
            filters,
            config.cnn_kernel_size,
            dilation_rate=dilation,
            padding="causal",
            activation="relu",
            name=_block("conv", i),
        )(y)
        y = layers.Conv1D(filters, 1, name=_block("mix", i))(y)
        y = layers.Dropout(config.dropout, name=_block("dropout", i))(y)
        x = layers.Add(name=_block("residual", i))([x, y])
    x = layers.LayerNormalization(name=NORM_OUT)(x)
    outputs = layers.Dense(vocab_size, name=LOGITS)(x)
    return keras.Model(inputs, outputs, name=NAME)


class CNNStepper:
    """One character in, next-character logits out, for the causal dilated CNN.

    Fast (WaveNet-style) generation: each block keeps a buffer of its last
    (kernel - 1) * dilation + 1 inputs, so a step costs one position per layer
    instead of a pass over the whole receptive field. Zeros in the buffers are
    exactly the causal zero padding the full model sees at the start of a text.
    """

    def __init__(self, model: keras.Model, live: bool = False):
        read = weight_reader(live)
        self.embedding = read(model.get_layer(EMBEDDING).embeddings)
        self.blocks = []
        names = {layer.name for layer in model.layers}
        i = 1
        while _block("conv", i) in names:
            conv, norm, mix = (model.get_layer(_block(kind, i)) for kind in ("conv", "norm", "mix"))
            size, dilation = conv.kernel_size[0], conv.dilation_rate[0]
            self.blocks.append(
                {
                    "norm": (read(norm.gamma), read(norm.beta), norm.epsilon),
                    "kernel": read(conv.kernel),
                    "bias": read(conv.bias),
                    "dilation": dilation,
                    "span": (size - 1) * dilation + 1,
                    "mix": (read(mix.kernel), read(mix.bias)),
                }
            )
            i += 1
        out_norm = model.get_layer(NORM_OUT)
        self.out_norm = (read(out_norm.gamma), read(out_norm.beta), out_norm.epsilon)
        dense = model.get_layer(LOGITS)
        self.out_kernel, self.out_bias = read(dense.kernel), read(dense.bias)
        self.receptive_field = 1 + sum(b["span"] - 1 for b in self.blocks)
        channels = int(self.embedding.shape[1])
        self.state_specs = tuple(tf.TensorSpec([b["span"], channels], tf.float32) for b in self.blocks)

    def initial_state(self) -> tuple:
        return tuple(tf.zeros(spec.shape, tf.float32) for spec in self.state_specs)

    def weights(self) -> dict:
        blocks = []
        for b in self.blocks:
            kernel = b["kernel"]  # (size, channels, filters) -> (size * channels, filters), taps oldest first
            blocks.append(
                {
                    "norm": b["norm"],
                    "dilation": b["dilation"],
                    "bias": b["bias"],
                    "kernel": tf.reshape(kernel, [-1, tf.shape(kernel)[2]]),
                    "mix": (b["mix"][0][0], b["mix"][1]),
                }
            )
        return {
            "embedding": self.embedding,
            "blocks": blocks,
            "norm": self.out_norm,
            "out": (self.out_kernel, self.out_bias),
        }

    @staticmethod
    def _norm(x, params):
        gamma, beta, epsilon = params
        centred = x - tf.reduce_mean(x, axis=-1, keepdims=True)
        variance = tf.reduce_mean(tf.square(centred), axis=-1, keepdims=True)
        return centred * (tf.math.rsqrt(variance + epsilon) * gamma) + beta

    def batch_state(self, batch: int) -> tuple:
        """Zero buffers for `batch` texts at once (for `step_batch`): (batch, span, channels) each."""
        return tuple(tf.zeros([batch, *spec.shape], tf.float32) for spec in self.state_specs)

    def __call__(self, weights: dict, state: tuple, char_id: tf.Tensor):
        state, logits = self.step_batch(weights, tuple(b[None] for b in state), char_id[None])
        return tuple(b[0] for b in state), logits[0]

    def step_batch(self, weights: dict, state: tuple, char_ids: tf.Tensor):
        """(batch,) int32 ids and (batch, span, channels) buffers -> new buffers, (batch, vocab_size) logits."""
        x = tf.gather(weights["embedding"], char_ids)  # (batch, channels)
        batch = tf.shape(char_ids)[0]
        new_state = []
        for buffer, block in zip(state, weights["blocks"]):
            buffer = tf.concat([buffer[:, 1:], self._norm(x, block["norm"])[:, None]], axis=1)  # oldest first
            taps = tf.reshape(buffer[:, :: block["dilation"]], [batch, -1])  # t - (size-1)d, ..., t - d, t
            y = tf.nn.relu(tf.matmul(taps, block["kernel"]) + block["bias"])
            mix_kernel, mix_bias = block["mix"]
            x = x + tf.matmul(y, mix_kernel) + mix_bias
            new_state.append(buffer)
        x = self._norm(x, weights["norm"])
        kernel, bias = weights["out"]
        return tuple(new_state), tf.matmul(x, kernel) + bias
