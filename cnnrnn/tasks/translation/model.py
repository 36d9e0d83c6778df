"""The three encoder-decoders, each with a full-sequence call (training) and a one-token step (decoding).

Every model shares one joint subword embedding between its encoder input, its decoder input and
its output layer (tied, Press and Wolf 2017), which keeps the three of them small enough to ship.

- `FixedVectorRNN` (`rnn_fixed`, Cho et al. 2014): a GRU reads the English; its last state `c`
  is the only thing the decoder gets: `c` starts the decoder's state and is fed to every step.
- `AttentionRNN` (`rnn_attention`, Luong et al. 2015): a bidirectional GRU keeps a state per
  English token; at each French token the decoder's GRU state scores them (bilinear), and the
  weighted sum joins the state to predict the token.
- `ConvS2S` (`cnn`, Gehring et al. 2017): gated convolutions (GLU) with residual connections,
  sinusoidal positions, a causal decoder whose every layer attends to the encoder.

`step(token, position, state, memory)` advances one token for a batch (the beam); the decoder
state is a fixed-shape tensor tuple, so one traced function serves any input length.
Weights ship as int8 with one float scale per output channel (`save_weights_int8`).
"""

from __future__ import annotations

import math

import keras
import numpy as np
from keras import layers, ops

from cnnrnn.tasks.translation.text import PAD_ID

NEG = -1e9


def positions(length_or_index, dim: int):
    """Sinusoidal position vectors (Vaswani et al. 2017): [length, dim] for an int, [n, dim] for an index tensor."""
    index = ops.cast(length_or_index, "float32")
    half = dim // 2
    freq = ops.exp(-math.log(10000.0) * ops.arange(half, dtype="float32") / half)
    angle = ops.expand_dims(index, -1) * freq
    return ops.concatenate([ops.sin(angle), ops.cos(angle)], axis=-1)


def _attend(scores, mask, values):
    """Softmax over the source (padding masked out) and the weighted sum of `values`."""
    scores = ops.where(ops.expand_dims(mask, 1), scores, NEG)
    weights = ops.softmax(scores, axis=-1)
    return ops.matmul(weights, values), weights


class Translator(keras.Model):
    """What the three share: the tied embedding and output, the loss, the call used in training."""

    kind = ""
    state_batch_axis = 0  # the batch axis of the decoder state's tensors (beam search gathers along it)

    def __init__(self, config, vocab_size: int, **kwargs):
        super().__init__(**kwargs)
        self.config_ = config
        self.vocab_size = vocab_size
        self.embed = layers.Embedding(vocab_size, config.embedding_dim, name="embedding")
        self.drop = layers.Dropout(config.dropout)
        self.out_bias = self.add_weight(shape=(vocab_size,), initializer="zeros", name="out_bias")

    def tied_logits(self, h):
        return ops.matmul(h, ops.transpose(self.embed.embeddings)) + self.out_bias

    def call(self, inputs, training=False):
        src, tin = inputs
        memory = self.encode(src, training=training)
        return self.decode_all(memory, tin, training=training)[0]

    def build_all(self):
        """Create every weight (one tiny forward pass), so weights can be loaded or counted."""
        self((np.ones((1, 3), np.int32), np.ones((1, 2), np.int32)))
        return self


class FixedVectorRNN(Translator):
    kind = "rnn_fixed"

    def __init__(self, config, vocab_size: int, **kwargs):
        super().__init__(config, vocab_size, **kwargs)
        units = config.rnn_units
        self.encoder = layers.GRU(units, name="encoder_gru")
        self.bridge = layers.Dense(units, activation="tanh", name="bridge")
        self.decoder = layers.GRU(units, return_sequences=True, name="decoder_gru")
        self.readout = layers.Dense(config.embedding_dim, activation="tanh", name="readout")

    def encode(self, src, training=False):
        mask = ops.not_equal(src, PAD_ID)
        vector = self.encoder(self.drop(self.embed(src), training=training), mask=mask, training=training)
        return (vector,)

    def initial_state(self, memory):
        return (self.bridge(memory[0]),)

    def decode_all(self, memory, tin, training=False):
        (vector,) = memory
        emb = self.drop(self.embed(tin), training=training)
        steps = ops.shape(tin)[1]
        ctx = ops.repeat(ops.expand_dims(vector, 1), steps, axis=1)
        states = self.decoder(
            ops.concatenate([emb, ctx], -1), initial_state=self.initial_state(memory)[0], training=training
        )
        out = self.readout(self.drop(ops.concatenate([states, ctx, emb], -1), training=training))
        return self.tied_logits(out), None

    def step(self, token, position, state, memory):
        (vector,) = memory
        emb = self.embed(token)
        h, _ = self.decoder.cell(ops.concatenate([emb, vector], -1), [state[0]])
        out = self.readout(ops.concatenate([h, vector, emb], -1))
        return self.tied_logits(out), (h,), ops.zeros((ops.shape(token)[0], 1))


class AttentionRNN(Translator):
    kind = "rnn_attention"

    def __init__(self, config, vocab_size: int, **kwargs):
        super().__init__(config, vocab_size, **kwargs)
        units = config.rnn_units
        self.encoder = layers.Bidirectional(
            layers.GRU(units // 2, return_sequences=True, return_state=True), name="encoder_bigru"
        )
        self.bridge = layers.Dense(units, activation="tanh", name="bridge")
        self.decoder = layers.GRU(units, return_sequences=True, name="decoder_gru")
        self.score = layers.Dense(units, use_bias=False, name="attention")
        self.combine = layers.Dense(units, activation="tanh", name="combine")
        self.readout = layers.Dense(config.embedding_dim, name="readout")

    def encode(self, src, training=False):
        mask = ops.not_equal(src, PAD_ID)
        states, forward, backward = self.encoder(
            self.drop(self.embed(src), training=training), mask=mask, training=training
        )
        return states, mask, self.bridge(ops.concatenate([forward, backward], -1))

    def initial_state(self, memory):
        return (memory[2],)

    def _out(self, h, memory, training=False):
        states, mask, _ = memory
        ctx, weights = _attend(ops.matmul(self.score(h), ops.transpose(states, (0, 2, 1))), mask, states)
        mixed = self.combine(ops.concatenate([h, ctx], -1))
        return self.tied_logits(self.readout(self.drop(mixed, training=training))), weights

    def decode_all(self, memory, tin, training=False):
        emb = self.drop(self.embed(tin), training=training)
        h = self.decoder(emb, initial_state=memory[2], training=training)
        return self._out(h, memory, training)

    def step(self, token, position, state, memory):
        h, _ = self.decoder.cell(self.embed(token), [state[0]])
        logits, weights = self._out(ops.expand_dims(h, 1), memory)
        return logits[:, 0], (h,), weights[:, 0]


class ConvS2S(Translator):
    kind = "cnn"
    state_batch_axis = 1  # its state is [layers, batch, kernel - 1, channels]

    def __init__(self, config, vocab_size: int, **kwargs):
        super().__init__(config, vocab_size, **kwargs)
        d, e, k = config.cnn_units, config.embedding_dim, config.cnn_kernel
        self.enc_in = layers.Dense(d, name="enc_in")
        self.enc_convs = [
            layers.Conv1D(2 * d, k, padding="same", name=f"enc_conv{i}") for i in range(config.cnn_encoder_layers)
        ]
        self.enc_out = layers.Dense(e, name="enc_out")
        self.dec_in = layers.Dense(d, name="dec_in")
        self.dec_convs = [
            layers.Conv1D(2 * d, k, padding="causal", name=f"dec_conv{i}") for i in range(config.cnn_decoder_layers)
        ]
        self.att_in = [layers.Dense(e, name=f"att_in{i}") for i in range(config.cnn_decoder_layers)]
        self.att_out = [layers.Dense(d, name=f"att_out{i}") for i in range(config.cnn_decoder_layers)]
        self.dec_out = layers.Dense(e, name="dec_out")
        self.scale = math.sqrt(0.5)
        # Token vectors scaled up to the positions' size (Vaswani et al. 2017), else the sinusoids drown them.
        self.embed_scale = math.sqrt(e)

    def _embed(self, ids, training):
        e = self.embed(ids) * self.embed_scale + positions(ops.arange(ops.shape(ids)[1]), self.config_.embedding_dim)
        return self.drop(e, training=training)

    def encode(self, src, training=False):
        mask = ops.not_equal(src, PAD_ID)
        keep = ops.expand_dims(ops.cast(mask, "float32"), -1)
        e = self._embed(src, training)
        x = self.enc_in(e) * keep
        for conv in self.enc_convs:
            y = conv(self.drop(x, training=training))
            a, b = ops.split(y, 2, axis=-1)
            x = (a * ops.sigmoid(b) + x) * self.scale * keep
        keys = self.enc_out(x)
        return keys, (keys + e) * self.scale, mask

    def _attention_layer(self, i, h, g, memory):
        keys, values, mask = memory
        query = (self.att_in[i](h) + g) * self.scale
        ctx, weights = _attend(ops.matmul(query, ops.transpose(keys, (0, 2, 1))), mask, values)
        return (h + self.att_out[i](ctx)) * self.scale, weights

    def decode_all(self, memory, tin, training=False):
        g = self._embed(tin, training)
        x = self.dec_in(g)
        weights = []
        for i, conv in enumerate(self.dec_convs):
            a, b = ops.split(conv(self.drop(x, training=training)), 2, axis=-1)
            h, w = self._attention_layer(i, a * ops.sigmoid(b), g, memory)
            x = (h + x) * self.scale
            weights.append(w)
        out = self.dec_out(self.drop(x, training=training))
        return self.tied_logits(out), ops.mean(ops.stack(weights), 0)

    def initial_state(self, memory):
        batch = ops.shape(memory[0])[0]
        c = self.config_
        return (ops.zeros((c.cnn_decoder_layers, batch, c.cnn_kernel - 1, c.cnn_units)),)

    def step(self, token, position, state, memory):
        g = self.embed(token) * self.embed_scale + positions(
            ops.ones_like(token) * position, self.config_.embedding_dim
        )
        g = ops.expand_dims(g, 1)
        x = self.dec_in(g)[:, 0]
        buffers, new, weights = state[0], [], []
        for i, conv in enumerate(self.dec_convs):
            window = ops.concatenate([buffers[i], ops.expand_dims(x, 1)], axis=1)  # [B, k, d]
            new.append(window[:, 1:])
            y = ops.einsum("bkd,kde->be", window, conv.kernel) + conv.bias
            a, b = ops.split(y, 2, axis=-1)
            h, w = self._attention_layer(i, ops.expand_dims(a * ops.sigmoid(b), 1), g, memory)
            x = (h[:, 0] + x) * self.scale
            weights.append(w[:, 0])
        logits = self.tied_logits(self.dec_out(x))
        return logits, (ops.stack(new),), ops.mean(ops.stack(weights), 0)


ARCHITECTURES = {"rnn_fixed": FixedVectorRNN, "rnn_attention": AttentionRNN, "cnn": ConvS2S}


def build_model(name: str, config, vocab_size: int) -> Translator:
    if name not in ARCHITECTURES:
        raise ValueError(f"unknown translation model {name!r}; choose from {', '.join(ARCHITECTURES)}")
    return ARCHITECTURES[name](config, vocab_size, name=name).build_all()


def count_params(model) -> int:
    return int(sum(np.prod(w.shape) for w in model.weights))


def save_weights_int8(model, path) -> None:
    """Every weight as int8 with a float32 scale per output channel (its last axis), compressed."""
    arrays = {}
    for k, w in enumerate(model.get_weights()):
        w = np.asarray(w, np.float32)
        axes = tuple(range(w.ndim - 1))
        scale = np.max(np.abs(w), axis=axes, keepdims=True) / 127.0 if w.ndim > 1 else np.max(np.abs(w)) / 127.0
        scale = np.where(scale == 0, 1.0, scale).astype(np.float32)
        arrays[f"q{k}"] = np.clip(np.round(w / scale), -127, 127).astype(np.int8)
        arrays[f"s{k}"] = np.asarray(scale, np.float32)
    np.savez_compressed(path, **arrays)


def load_weights_int8(model, path) -> None:
    with np.load(path) as data:
        n = len([key for key in data.files if key.startswith("q")])
        model.set_weights([data[f"q{k}"].astype(np.float32) * data[f"s{k}"] for k in range(n)])
