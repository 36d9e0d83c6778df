"""The captioner, one model one file: the Keras graph, its custom layer and the step-by-step decoder.

`build_caption_model` is the training graph (teacher forcing): inputs
"image" (batch, 64, 64, 3) float32 RGB in [0, 1] and "tokens" (batch, steps)
int32 (<start> and the true caption so far), output (batch, steps, vocab)
float32 logits for the next word. The encoder (a strided 5x5 convolution,
then 3x3 convolutions with pooling, 64 -> 8) ends in a Flatten, so it takes
64x64 only (the fixed-size constraint, on the encoder side). Its image vector
sets the LSTM's initial state and is fed again at every step.
`CaptionPredictor` reuses the same layers, found by the names the builder gives
them, one step at a time.
"""

from __future__ import annotations

import keras
import numpy as np
import tensorflow as tf
from keras import layers, ops

from cnnrnn.core.predictor import keras_error
from cnnrnn.tasks.captions.config import CAPTIONS
from cnnrnn.tasks.captions.data import CAPTION_VOCAB, END, START, decode_caption

CAPTION_TOP = 5  # candidates recorded per decoding step


# The shipped file names this layer "cnnrnn>BroadcastSteps": the package string must stay "cnnrnn".
@keras.saving.register_keras_serializable(package="cnnrnn")
class BroadcastSteps(layers.Layer):
    """[(batch, features), (batch, steps, any)] -> (batch, steps, features): the vector at every step."""

    def call(self, inputs):
        vector, sequence = inputs
        steps = ops.shape(sequence)[1]
        return ops.repeat(ops.expand_dims(vector, 1), steps, axis=1)

    def compute_output_shape(self, input_shape):
        vector, sequence = input_shape
        return (vector[0], sequence[1], vector[1])


def build_caption_model(config=None) -> keras.Model:
    """(image (batch, 64, 64, 3) float32, tokens (batch, steps) int32) -> (batch, steps, vocab) logits."""
    config = config or CAPTIONS
    side = config.image_size
    image = keras.Input(shape=(side, side, 3), name="image")
    tokens = keras.Input(shape=(None,), dtype="int32", name="tokens")
    x = image
    last = len(config.encoder_filters)
    for i, filters in enumerate(config.encoder_filters, start=1):
        # The first convolution (5x5, stride 2) halves the side; the others are 3x3, then pooled.
        first = i == 1
        # No batch normalisation: training batches hold captions of one length (one number of
        # objects), so batch statistics would tell the model what it should read from the image.
        x = layers.Conv2D(
            filters,
            5 if first else 3,
            strides=2 if first else 1,
            padding="same",
            activation="relu",
            name=f"enc_conv{i}",
        )(x)
        if 1 < i < last:
            x = layers.MaxPooling2D(2, name=f"enc_pool{i}")(x)
    columns = side // 2 ** (last - 1)
    x = layers.MaxPooling2D((columns, 1), name="enc_rows_max")(x)  # (batch, 1, columns, filters)
    x = layers.Flatten(name="enc_flatten")(x)
    features = layers.Dense(config.feature_dim, activation="relu", name="enc_features")(x)
    h0 = layers.Dense(config.rnn_units, activation="tanh", name="init_h")(features)
    c0 = layers.Dense(config.rnn_units, name="init_c")(features)
    words = layers.Embedding(len(CAPTION_VOCAB), config.embedding_dim, name="embedding")(tokens)
    step_in = words
    if config.step_features:
        context = layers.Dense(config.step_features, activation="relu", name="step_context")(features)
        step_in = layers.Concatenate(name="step_inputs")([words, BroadcastSteps(name="broadcast")([context, words])])
    sequence = layers.LSTM(config.rnn_units, return_sequences=True, name="decoder")(step_in, initial_state=[h0, c0])
    logits = layers.Dense(len(CAPTION_VOCAB), name="logits")(sequence)
    return keras.Model([image, tokens], logits, name="captioner")


class CaptionPredictor:
    """Greedy and beam-search decoding with a trained `build_caption_model`.

    Two tf.functions reuse the trained layers: `encode` (images (n, 64, 64, 3)
    float32 in [0, 1] -> the decoder's initial state h, c and the per-step image
    context) and `step` (previous word ids (n,) int32 and the state -> log
    probabilities of the next word (n, vocab) and the new state). Their input
    signatures leave the batch free, so greedy decoding of 1 or 1,000 images
    and beam search over width x images all run on one trace each.
    Thread-safe: the functions only read the weights.
    """

    def __init__(self, model: keras.Model, max_length: int | None = None):
        self.model = model
        self.vocab = CAPTION_VOCAB
        self.max_length = int(max_length or CAPTIONS.max_length)
        image = model.get_layer("image").output
        side = int(image.shape[1])
        self.image_size = side
        names = {layer.name for layer in model.layers}
        has_context = "step_context" in names
        outputs = [model.get_layer("init_h").output, model.get_layer("init_c").output]
        if has_context:
            outputs.append(model.get_layer("step_context").output)
        encoder = keras.Model(model.inputs[0], outputs, name="caption_encoder")
        embedding, cell = model.get_layer("embedding"), model.get_layer("decoder").cell
        head = model.get_layer("logits")
        units = int(model.get_layer("init_h").output.shape[-1])
        context_dim = int(model.get_layer("step_context").output.shape[-1]) if has_context else 0
        self.units, self.context_dim = units, context_dim

        def encode(images):
            out = encoder(images, training=False)
            h, c = out[0], out[1]
            context = out[2] if has_context else tf.zeros([tf.shape(images)[0], 0])
            return h, c, context

        def step(tokens, h, c, context):
            x = embedding(tokens)
            if has_context:
                x = tf.concat([x, context], axis=-1)
            out, (h_next, c_next) = cell(x, [h, c], training=False)
            return tf.nn.log_softmax(head(out), axis=-1), h_next, c_next

        state = tf.TensorSpec([None, units], tf.float32)
        self._encode = tf.function(encode, input_signature=[tf.TensorSpec([None, side, side, 3], tf.float32)])
        self._step = tf.function(
            step,
            input_signature=[
                tf.TensorSpec([None], tf.int32),
                state,
                state,
                tf.TensorSpec([None, context_dim], tf.float32),
            ],
        )

    def _images(self, images) -> tf.Tensor:
        x = np.asarray(images, np.float32)
        if x.ndim == 3:
            x = x[None]
        if x.shape[1:] != (self.image_size, self.image_size, 3):
            raise ValueError(f"the encoder takes (n, {self.image_size}, {self.image_size}, 3) images, not {x.shape}")
        return tf.constant(x)

    def greedy_ids(self, images, record_top: int = 0):
        """(n, 64, 64, 3) float32 -> (n, max_length) int32 word ids (the likeliest word at each step).

        With record_top > 0, also returns, per step, the top candidates of the
        first image: a list of {"step", "chosen", "candidates": [(word, p), ...]}.
        """
        x = self._images(images)
        h, c, context = self._encode(x)
        n = int(x.shape[0])
        tokens = tf.fill([n], START)
        out = np.zeros((n, self.max_length), np.int32)
        done = np.zeros(n, bool)
        steps = []
        for t in range(self.max_length):
            logp, h, c = self._step(tokens, h, c, context)
            logp = logp.numpy()
            chosen = logp.argmax(axis=1).astype(np.int32)
            chosen[done] = 0
            out[:, t] = chosen
            if record_top and not done[0]:
                order = np.argsort(-logp[0])[:record_top]
                steps.append(
                    {
                        "step": t + 1,
                        "chosen": self.vocab[chosen[0]],
                        "candidates": [(self.vocab[i], float(np.exp(logp[0, i]))) for i in order],
                    }
                )
            done |= chosen == END
            if done.all():
                break
            tokens = tf.constant(chosen)
        return (out, steps) if record_top else out

    def greedy(self, images, batch_size: int = 500) -> list[str]:
        """Captions of (n, 64, 64, 3) float32 images by greedy decoding."""
        x = np.asarray(images, np.float32)
        ids = [self.greedy_ids(x[i : i + batch_size]) for i in range(0, len(x), batch_size)]
        return [decode_caption(row) for part in ids for row in part]

    def beam_ids(self, images, width: int = 3):
        """Beam search: keep the `width` likeliest partial captions at every step.

        Returns (ids (n, width, max_length) int32, log probabilities (n, width)
        float32), the beams of each image best first, and the per-step beams of
        the first image: [{"step", "beams": [(words so far, p), ...]}].
        """
        x = self._images(images)
        n, w, vocab = int(x.shape[0]), int(width), len(self.vocab)
        h, c, context = self._encode(x)
        repeat = lambda t: tf.repeat(t, w, axis=0)  # noqa: E731  (n, ...) -> (n * w, ...)
        h, c, context = repeat(h), repeat(c), repeat(context)
        scores = np.full((n, w), -np.inf, np.float64)
        scores[:, 0] = 0.0  # one live beam to start with: the others are copies
        seqs = np.zeros((n, w, self.max_length), np.int32)
        finished = np.zeros((n, w), bool)
        tokens = np.full(n * w, START, np.int32)
        history = []
        for t in range(self.max_length):
            logp, h, c = self._step(tf.constant(tokens), h, c, context)
            logp = logp.numpy().astype(np.float64).reshape(n, w, vocab)
            # A finished beam only continues with padding, at no cost.
            logp[finished] = -np.inf
            logp[finished, 0] = 0.0
            total = (scores[:, :, None] + logp).reshape(n, w * vocab)
            best = np.argsort(-total, axis=1, kind="stable")[:, :w]
            parent, word = best // vocab, (best % vocab).astype(np.int32)
            scores = np.take_along_axis(total, best, axis=1)
            seqs = np.take_along_axis(seqs, parent[:, :, None], axis=1)
            seqs[:, :, t] = word
            finished = np.take_along_axis(finished, parent, axis=1) | (word == END) | (word == 0)
            rows = (np.arange(n)[:, None] * w + parent).reshape(-1)
            h, c = tf.gather(h, rows), tf.gather(c, rows)
            tokens = word.reshape(-1)
            history.append(
                {
                    "step": t + 1,
                    "beams": [
                        (
                            decode_caption(seqs[0, b, : t + 1]) + (" <end>" if finished[0, b] else ""),
                            float(np.exp(scores[0, b])),
                        )
                        for b in range(w)
                        if np.isfinite(scores[0, b])
                    ],
                }
            )
            if finished.all():
                break
        return seqs, scores.astype(np.float32), history

    def beam(self, images, width: int = 3, batch_size: int = 250) -> list[str]:
        """Captions of (n, 64, 64, 3) float32 images by beam search (the best beam of each)."""
        x = np.asarray(images, np.float32)
        out = []
        for i in range(0, len(x), batch_size):
            seqs, _, _ = self.beam_ids(x[i : i + batch_size], width)
            out += [decode_caption(row[0]) for row in seqs]
        return out

    def caption_one(self, image: np.ndarray, width: int = 3) -> dict:
        """One (64, 64, 3) image: greedy and beam captions with their step-by-step record.

        Returns {"greedy": str, "greedy_steps": [...], "beam": str, "beam_probability": float,
        "beams": [(caption, p), ...], "beam_steps": [...]}.
        """
        ids, steps = self.greedy_ids(np.asarray(image, np.float32)[None], record_top=CAPTION_TOP)
        seqs, scores, history = self.beam_ids(np.asarray(image, np.float32)[None], width)
        beams = [
            (decode_caption(seqs[0, b]), float(np.exp(scores[0, b])))
            for b in range(seqs.shape[1])
            if np.isfinite(scores[0, b])
        ]
        return {
            "greedy": decode_caption(ids[0]),
            "greedy_steps": steps,
            "beam": beams[0][0],
            "beam_probability": beams[0][1],
            "beams": beams,
            "beam_steps": history,
        }

    @property
    def traces(self) -> int:
        """Concrete functions traced by encode and step together (2 is the goal)."""
        return self._encode.experimental_get_tracing_count() + self._step.experimental_get_tracing_count()


def fixed_size_error_rgb(model: keras.Model, image: np.ndarray) -> str | None:
    """Run the captioner's encoder eagerly on one (H, W, 3) image and return Keras's error, or None."""
    x = np.asarray(image, np.float32)[None]
    return keras_error(lambda: model([x, np.array([[START]], np.int32)], training=False))
