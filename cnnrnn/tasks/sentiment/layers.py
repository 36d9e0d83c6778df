"""What both sentiment models share: raw strings in, ids, word features, a P(positive) head.

Both models take a batch of raw strings, shape (batch,), dtype string, and return
(batch, 1) float32 probabilities that the text is positive. The text is standardised
in the graph (`Standardize`, the rules of `text`), split on spaces and looked up in
the training vocabulary (`TextVectorization`; 0 is padding, 1 an unknown word), so a
saved .keras file is the whole pipeline (`text_pipeline`). Its trainable part is a
"core" model, ids in, P(positive) out, that `model_rnn` and `model_cnn` each build
from `word_features` (a learned embedding plus each word's frozen naive-Bayes
log-count ratio, and for the CNN its word pair's) and `head`.

The pipeline's parts are found by the names below: the shipped files hold them, so
they never change. The accessors at the end (`text_ids`, `core_of`, `nb_tables`...)
are the one place that looks them up; the predictor and the trainer use those.

The custom layers are registered as "cnnrnn>ClassName" (the names the shipped files
were saved with): importing this module is what lets `keras.saving.load_model(...,
safe_mode=True)` load them.
"""

from __future__ import annotations

import keras
import numpy as np
import tensorflow as tf
from keras import layers, ops

from cnnrnn.tasks.sentiment.text import CONTROL_RULES, STANDARDIZE_RULES

# The names of the pipeline's parts, as saved in the shipped .keras files.
TEXT_INPUT = "text"
STANDARDIZE = "standardize"
VECTORIZE = "vectorize"
MIN_LENGTH = "min_length"
NB_RATIO = "nb_ratio"  # the frozen per-word ratio table (an Embedding of width 1)
NB_BIGRAM_RATIO = "nb_bigram_ratio"  # the frozen per-pair table (the CNN's)
NB_SCORE = "nb_score"  # the CNN's summed ratios, read by its output unit
NB_TABLES = (NB_RATIO, NB_BIGRAM_RATIO)
OUTPUT = "positive"


def model_name(name: str) -> str:
    """The whole pipeline's name: "sentiment_rnn"."""
    return f"sentiment_{name}"


def core_name(name: str) -> str:
    """The trainable core's name inside the pipeline: "rnn_core"."""
    return f"{name}_core"


# --- custom layers ---------------------------------------------------------------


@keras.saving.register_keras_serializable(package="cnnrnn")
class Standardize(layers.Layer):
    """(batch,) string -> (batch,) string: `text.CONTROL_RULES`, lower-case, `text.STANDARDIZE_RULES`."""

    def __init__(self, **kwargs):
        kwargs.setdefault("trainable", False)
        super().__init__(**kwargs)

    def call(self, inputs):
        x = inputs
        for pattern, rewrite in CONTROL_RULES:
            x = tf.strings.regex_replace(x, pattern, rewrite)
        x = tf.strings.lower(x, encoding="utf-8")
        for pattern, rewrite in STANDARDIZE_RULES:
            x = tf.strings.regex_replace(x, pattern, rewrite)
        return x

    def compute_output_shape(self, input_shape):
        return input_shape


@keras.saving.register_keras_serializable(package="cnnrnn")
class PadToMinLength(layers.Layer):
    """(batch, steps) int ids -> (batch, max(steps, min_length)), padded with 0 at the end.

    An all-empty batch vectorises to zero steps, which an RNN cannot run; one
    padding step (masked out) gives it the empty sequence's answer instead.
    """

    def __init__(self, min_length: int = 1, **kwargs):
        kwargs.setdefault("trainable", False)
        super().__init__(**kwargs)
        self.min_length = int(min_length)

    def call(self, inputs):
        missing = tf.maximum(0, self.min_length - tf.shape(inputs)[1])
        return tf.pad(inputs, [[0, 0], [0, missing]])

    def compute_output_shape(self, input_shape):
        return input_shape

    def get_config(self):
        return {**super().get_config(), "min_length": self.min_length}


@keras.saving.register_keras_serializable(package="cnnrnn")
class MaskedPoolOverTime(layers.Layer):
    """(batch, steps, features) + mask -> (batch, features): max or mean over the unmasked steps.

    A text with no steps at all (every step masked) pools to zeros.
    """

    def __init__(self, mode: str = "max", **kwargs):
        super().__init__(**kwargs)
        if mode not in ("max", "mean"):
            raise ValueError(f"mode must be 'max' or 'mean', not {mode!r}")
        self.mode = mode
        self.supports_masking = True

    def call(self, inputs, mask=None):
        if mask is None:
            mask = ops.ones(ops.shape(inputs)[:2], dtype="bool")
        keep = ops.expand_dims(ops.cast(mask, inputs.dtype), -1)
        count = ops.sum(keep, axis=1)
        if self.mode == "mean":
            return ops.sum(inputs * keep, axis=1) / ops.maximum(count, 1.0)
        pooled = ops.max(ops.where(keep > 0, inputs, ops.full_like(inputs, -1e9)), axis=1)
        return ops.where(count > 0, pooled, ops.zeros_like(pooled))

    def compute_mask(self, inputs, mask=None):
        return None

    def compute_output_shape(self, input_shape):
        return (input_shape[0], input_shape[2])

    def get_config(self):
        return {**super().get_config(), "mode": self.mode}


@keras.saving.register_keras_serializable(package="cnnrnn")
class WordDropout(layers.Layer):
    """Training only: each token id becomes 1 ([UNK]) with probability `rate`; padding and `keep_ids` stay.

    (batch, steps) int -> (batch, steps) int. Negations and "but" are kept, so
    a dropped word never turns "not dull" into "dull" under a positive label.
    """

    def __init__(self, rate: float = 0.0, keep_ids=(), seed: int | None = None, **kwargs):
        kwargs.setdefault("trainable", False)
        super().__init__(**kwargs)
        self.rate = float(rate)
        self.keep_ids = [int(i) for i in keep_ids]
        self.seed = seed
        self.seed_generator = keras.random.SeedGenerator(seed)

    def call(self, inputs, training=False):
        if not training or self.rate <= 0:
            return inputs
        drop = keras.random.uniform(ops.shape(inputs), seed=self.seed_generator) < self.rate
        drop = ops.logical_and(drop, inputs > 1)
        for keep in self.keep_ids:
            drop = ops.logical_and(drop, ops.not_equal(inputs, keep))
        return ops.where(drop, ops.ones_like(inputs), inputs)

    def compute_output_shape(self, input_shape):
        return input_shape

    def get_config(self):
        return {**super().get_config(), "rate": self.rate, "keep_ids": self.keep_ids, "seed": self.seed}


BIGRAM_MULTIPLIER = 1_000_003  # the pair hash: (first * M + second) mod (buckets - 2) + 2


def bigram_buckets(ids, buckets: int):
    """Hash each token id and the next one to a bucket in 2..buckets-1: (batch, steps) -> same shape.

    A pair holding padding or [UNK] (ids 0, 1), and the last step, go to bucket 0. The
    same arithmetic (int64) on numpy arrays and on tensors, so training and the graph agree.
    """
    ids = ops.cast(ids, "int64")
    following = ops.concatenate([ids[:, 1:], ops.zeros_like(ids[:, :1])], axis=1)
    hashed = ops.mod(ids * BIGRAM_MULTIPLIER + following, buckets - 2) + 2
    return ops.where(ops.logical_and(ids > 1, following > 1), hashed, ops.zeros_like(hashed))


@keras.saving.register_keras_serializable(package="cnnrnn")
class BigramBuckets(layers.Layer):
    """(batch, steps) int ids -> (batch, steps) int64 bucket of (token, next token); see `bigram_buckets`."""

    def __init__(self, buckets: int, **kwargs):
        kwargs.setdefault("trainable", False)
        super().__init__(**kwargs)
        self.buckets = int(buckets)

    def call(self, inputs):
        return bigram_buckets(inputs, self.buckets)

    def compute_output_shape(self, input_shape):
        return input_shape

    def get_config(self):
        return {**super().get_config(), "buckets": self.buckets}


@keras.saving.register_keras_serializable(package="cnnrnn")
class MeanOverWindows(layers.Layer):
    """[(batch, windows, filters) conv maps, (batch, steps) ids] -> (batch, filters): the mean over the
    windows that start on a word (not on padding); a text with no words pools to zeros."""

    def call(self, inputs):
        maps, ids = inputs
        keep = ops.cast(ops.not_equal(ids[:, : ops.shape(maps)[1]], 0), maps.dtype)[..., None]
        return ops.sum(maps * keep, axis=1) / ops.maximum(ops.sum(keep, axis=1), 1.0)

    def compute_output_shape(self, input_shape):
        return (input_shape[0][0], input_shape[0][2])


@keras.saving.register_keras_serializable(package="cnnrnn")
class RatioOfKeptWords(layers.Layer):
    """Training only: [(batch, steps, channels) ratios, (batch, steps) ids] -> the ratios, 0 where the id is
    padding or [UNK] (a word hidden by word dropout loses its ratio, as in the `nb_ratio` table)."""

    def __init__(self, **kwargs):
        kwargs.setdefault("trainable", False)
        super().__init__(**kwargs)

    def call(self, inputs):
        ratios, ids = inputs
        return ops.where(ops.expand_dims(ids > 1, -1), ratios, ops.zeros_like(ratios))

    def compute_output_shape(self, input_shape):
        return input_shape[0]


@keras.saving.register_keras_serializable(package="cnnrnn")
class SumOverWords(layers.Layer):
    """(batch, steps, channels) per-word numbers -> (batch, channels): their sum over the text, times `scale`.

    The CNN's naive-Bayes score: the ratios of padding, unknown words and pairs
    holding them are 0, so only the words read count.
    """

    def __init__(self, scale: float = 1.0, **kwargs):
        kwargs.setdefault("trainable", False)
        super().__init__(**kwargs)
        self.scale = float(scale)

    def call(self, inputs):
        return ops.sum(inputs, axis=1) * self.scale

    def compute_output_shape(self, input_shape):
        return (input_shape[0], input_shape[2])

    def get_config(self):
        return {**super().get_config(), "scale": self.scale}


# --- the shared blocks -------------------------------------------------------------

# Tokens word dropout never hides: negations and contrasts.
KEEP_WORDS = frozenset(
    "not no never nothing nor neither none without but although though yet however hardly barely".split()
)


def keep_ids_of(vocabulary) -> list[int]:
    """The vectorizer ids of `vocabulary`'s words that word dropout never hides (`KEEP_WORDS`, "...n't")."""
    return [i + 2 for i, token in enumerate(vocabulary) if token in KEEP_WORDS or token.endswith("n't")]


def build_vectorizer(vocabulary, sequence_length: int | None = None, name: str = VECTORIZE):
    """TextVectorization over standardised text: (batch,) string -> (batch, steps) int64.

    vocabulary: the tokens, most frequent first (without padding "" and "[UNK]").
    sequence_length: pad or truncate to it; None keeps each batch's longest.
    """
    return layers.TextVectorization(
        standardize=None,
        split="whitespace",
        output_mode="int",
        vocabulary=list(vocabulary),
        output_sequence_length=sequence_length,
        name=name,
    )


def word_features(
    ids,
    vocab_size: int,
    config,
    *,
    word_dropout: float,
    seed: int,
    keep_ids=(),
    mask_zero: bool = False,
    pair_buckets: int = 0,
    ratio_input: bool = False,
):
    """The per-word features both cores start from: (inputs, words, features, ratios).

    ids: the core's (batch, steps) int64 Input. Word dropout (training only) hides words as
    [UNK]; each word is its learned embedding (dropout after it) and, unless
    `config.nb_channel` is "off", its naive-Bayes ratio from the frozen `nb_ratio` table, and
    with `pair_buckets` that of the hashed pair it starts (`nb_bigram_ratio`).
    ratio_input: training only: the ratios come in as a second Input, (batch, steps, channels)
    out-of-fold ratios, instead of from the tables; every trained layer has the same name either way.
    Returns the core's inputs (ids, or [ids, ratios]), the ids after word dropout, the features
    (batch, steps, embedding (+ channels)) and the ratios (None without the channel).
    """
    inputs = ids
    x = ids
    if word_dropout:  # words hidden as [UNK] in training: the model cannot lean on one word
        x = WordDropout(word_dropout, keep_ids, seed=seed, name="word_dropout")(x)
    words = x
    x = layers.Embedding(vocab_size, config.embedding_dim, mask_zero=mask_zero, name="embedding")(words)
    x = layers.Dropout(config.embedding_dropout, name="embedding_dropout")(x)
    ratios = None
    if config.nb_channel != "off" and ratio_input:
        given = keras.Input(shape=(ids.shape[1], 2 if pair_buckets else 1), dtype="float32", name="ratios")
        inputs = [ids, given]
        ratios = RatioOfKeptWords(name="given_ratios")([given, words])
        x = layers.Concatenate(name="word_features")([x, ratios])
    elif config.nb_channel != "off":  # the training sentences' naive-Bayes ratio per word (set by the trainer)
        trainable = config.nb_channel == "trainable"
        ratio = layers.Embedding(
            vocab_size, 1, mask_zero=mask_zero, embeddings_initializer="zeros", trainable=trainable, name=NB_RATIO
        )(words)
        channels = [ratio]
        if pair_buckets:  # and per pair of words (this one and the next), hashed
            pairs = BigramBuckets(pair_buckets, name="bigrams")(words)
            channels.append(
                layers.Embedding(
                    pair_buckets, 1, embeddings_initializer="zeros", trainable=trainable, name=NB_BIGRAM_RATIO
                )(pairs)
            )
        ratios = layers.Concatenate(name="nb_ratios")(channels) if len(channels) > 1 else channels[0]
        x = layers.Concatenate(name="word_features")([x, ratios])
    return inputs, words, x, ratios


def head(x, config, score=None):
    """Dropout, then one sigmoid unit (max-norm weights, as Kim 2014): (batch, features) -> (batch, 1).

    score: (batch, channels) numbers the unit reads past the dropout (the CNN's naive-Bayes score).
    """
    x = layers.Dropout(config.dropout, name="dropout")(x)
    if score is not None:  # the naive-Bayes score skips the dropout: the output unit always reads it
        x = layers.Concatenate(name="features_and_score")([x, score])
    constraint = keras.constraints.MaxNorm(config.max_norm) if config.max_norm else None
    return layers.Dense(1, activation="sigmoid", kernel_constraint=constraint, name=OUTPUT)(x)


def text_pipeline(name: str, vectorizer, core: keras.Model, min_length: int = 0) -> keras.Model:
    """(batch,) string -> standardise -> `vectorizer` -> (pad to `min_length` steps) -> `core`: the saved model."""
    text = keras.Input(shape=(), dtype="string", name=TEXT_INPUT)
    ids = vectorizer(Standardize(name=STANDARDIZE)(text))
    if min_length:
        ids = PadToMinLength(min_length, name=MIN_LENGTH)(ids)
    return keras.Model(text, core(ids), name=model_name(name))


# --- the named parts of a built or loaded pipeline ---------------------------------------


def short_name(model: keras.Model) -> str:
    """ "rnn" or "cnn" for a pipeline named "sentiment_rnn" or "sentiment_cnn"."""
    return model.name.removeprefix("sentiment_")


def core_of(model: keras.Model) -> keras.Model:
    """The trainable core inside a pipeline."""
    return model.get_layer(core_name(short_name(model)))


def vectorizer_of(model: keras.Model):
    """The pipeline's TextVectorization layer."""
    return model.get_layer(VECTORIZE)


def text_ids(model: keras.Model, texts) -> np.ndarray:
    """The ids the pipeline's core reads for `texts` (str): (n, steps) int64 (the CNN's steps are fixed)."""
    batch = tf.constant(list(texts), tf.string)
    return vectorizer_of(model)(model.get_layer(STANDARDIZE)(batch)).numpy()


def sequence_length(model: keras.Model) -> int | None:
    """The fixed number of tokens the pipeline reads (the CNN's), or None (the RNN: any)."""
    return vectorizer_of(model).get_config().get("output_sequence_length")


def vocabulary_of(model: keras.Model) -> list[str]:
    """The pipeline's tokens, most frequent first, without padding and [UNK]."""
    return vectorizer_of(model).get_vocabulary()[2:]


def nb_tables(core: keras.Model) -> list[np.ndarray]:
    """A core's frozen ratio tables, (ids,) float32 each: the word's, then the pair's ([] without the channel)."""
    names = {layer.name for layer in core.layers}
    return [core.get_layer(n).get_weights()[0][:, 0] for n in NB_TABLES if n in names]


def set_nb_tables(core: keras.Model, tables) -> None:
    """Write ratio tables (the word's, then the pair's) into a core's frozen `nb_ratio` (`nb_bigram_ratio`) layers."""
    for layer, table in zip(NB_TABLES, tables):
        core.get_layer(layer).set_weights([np.asarray(table)[:, None]])


def reads_nb_score(core: keras.Model) -> bool:
    """Whether the core's output unit reads the summed ratios (`SumOverWords`, the CNN's `nb_score`)."""
    return any(layer.name == NB_SCORE for layer in core.layers)
