"""Keras model builders: each `build_*` returns an uncompiled `keras.Model`.

Every image model takes float32 images in [0, 1], light ink on a dark ground
(MNIST's polarity), shaped (batch, height, width, 1), and returns softmax
probabilities (batch, num_classes).

- `cnn_fixed`: conv-pool-conv-pool-flatten-dense: keras-io's simple MNIST
  convnet (34,826 parameters) with a 128-unit hidden dense layer added, which
  absorbs the augmentation. The Flatten ties it to 28x28 input.
- `cnn_gap`: a conv-pool trunk like cnn_fixed's (two convs per block,
  batch-normalised), one more conv, then global average pooling: any height
  and width of 4 pixels or more.
- `rnn_rows`: two stacked LSTMs reading the image one row per step. Any number
  of rows; the row width is its feature size, fixed at 28.

The character models (`build_char_lstm`, `build_char_cnn`) take int32 character
ids and return next-character logits at every position.
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
    """(batch, H, W, 1) float32, any H, W >= 4 -> (batch, 10) probabilities.

    Two conv-conv-pool blocks and a last conv, each conv batch-normalised, then
    global average pooling: no layer depends on the image size.
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


# --- Character language models (the generation page, many to many) ------------
# Both take (batch, length) int32 character ids, any length, and return
# (batch, length, vocab_size) float32 logits: position t predicts character t + 1.
# Logits rather than probabilities, so that sampling can divide by a temperature.
CHARLM_NAMES = ("lstm", "cnn")


def build_char_lstm(vocab_size: int, config=None) -> keras.Model:
    """Embedding, `rnn_layers` stacked LSTMs with dropout between them, a Dense to logits."""
    from cnnrnn.config import CHARLM

    config = config or CHARLM
    inputs = keras.Input(shape=(None,), dtype="int32", name="chars")
    x = layers.Embedding(vocab_size, config.embedding_dim, name="embedding")(inputs)
    for i in range(1, config.rnn_layers + 1):
        x = layers.LSTM(config.rnn_units, return_sequences=True, name=f"lstm{i}")(x)
        x = layers.Dropout(config.dropout, name=f"dropout{i}")(x)
    outputs = layers.Dense(vocab_size, name="logits")(x)
    return keras.Model(inputs, outputs, name="charlm_lstm")


def build_char_cnn(vocab_size: int, config=None) -> keras.Model:
    """A causal dilated CNN: embedding, residual blocks, layer norm, a Dense to logits.

    Block i: x + Dropout(Conv1D_1x1(ReLU(CausalConv1D_dilated(LayerNorm(x))))).
    Position t sees characters t - receptive_field + 1 .. t and nothing later.
    """
    from cnnrnn.config import CHARLM

    config = config or CHARLM
    filters = config.cnn_filters
    inputs = keras.Input(shape=(None,), dtype="int32", name="chars")
    x = layers.Embedding(vocab_size, filters, name="embedding")(inputs)
    for i, dilation in enumerate(config.cnn_dilations, start=1):
        y = layers.LayerNormalization(name=f"norm{i}")(x)
        y = layers.Conv1D(filters, config.cnn_kernel_size, dilation_rate=dilation, padding="causal",
                          activation="relu", name=f"conv{i}")(y)
        y = layers.Conv1D(filters, 1, name=f"mix{i}")(y)
        y = layers.Dropout(config.dropout, name=f"dropout{i}")(y)
        x = layers.Add(name=f"residual{i}")([x, y])
    x = layers.LayerNormalization(name="norm_out")(x)
    outputs = layers.Dense(vocab_size, name="logits")(x)
    return keras.Model(inputs, outputs, name="charlm_cnn")


def build_charlm(name: str, vocab_size: int, config=None) -> keras.Model:
    """Build the character model called `name` ("lstm" or "cnn")."""
    builders = {"lstm": build_char_lstm, "cnn": build_char_cnn}
    if name not in builders:
        raise ValueError(f"unknown character model {name!r}; choose one of {CHARLM_NAMES}")
    return builders[name](vocab_size, config)


# --- Sentiment (many to one): raw strings in, P(positive) out ---
#
# Both models take a batch of raw strings, shape (batch,), dtype string, and
# return (batch, 1) float32 probabilities that the text is positive. The text is
# standardised in the graph (`Standardize`, the rules of `cnnrnn.text`), split on
# spaces and looked up in the training vocabulary (`TextVectorization`; 0 is
# padding, 1 an unknown word), so the saved .keras file is the whole pipeline.
# - `rnn`: embedding with masking, a GRU reading left to right (a bidirectional
#   one and pooling over time are options): any number of tokens.
# - `cnn`: Kim (2014)-style 1D CNN, filter widths 3, 4, 5, max over time (and,
#   with `cnn_mean_pool`, the mean too), on a fixed `sequence_length`: longer
#   texts are truncated, shorter ones padded.
# Each word also brings its naive-Bayes log-count ratio, a frozen number counted
# on the training sentences; the CNN, with `cnn_bigram_buckets`, that of the
# word pair it starts too (hashed), and with `cnn_nb_score` its output unit also
# reads those ratios summed over the window (`SumOverWords`, the naive-Bayes score).
# `train.train_sentiment` trains both on MR plus negation and contrast templates
# (`text.negation_templates`).

SENTIMENT_NAMES = ("rnn", "cnn")


@keras.saving.register_keras_serializable(package="cnnrnn")
class Standardize(layers.Layer):
    """(batch,) string -> (batch,) string: `text.CONTROL_RULES`, lower-case, `text.STANDARDIZE_RULES`."""

    def __init__(self, **kwargs):
        kwargs.setdefault("trainable", False)
        super().__init__(**kwargs)

    def call(self, inputs):
        import tensorflow as tf

        from cnnrnn.text import CONTROL_RULES, STANDARDIZE_RULES

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
        import tensorflow as tf

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
        from keras import ops

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
        from keras import ops

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
    from keras import ops

    ids = ops.cast(ids, "int64")
    following = ops.concatenate([ids[:, 1:], ops.zeros_like(ids[:, :1])], axis=1)
    hashed = ops.mod(ids * BIGRAM_MULTIPLIER + following, buckets - 2) + 2
    return ops.where(ops.logical_and(ids > 1, following > 1), hashed, ops.zeros_like(hashed))


def sentiment_bigram_buckets(name: str, config) -> int:
    """How many hashed word-pair buckets model `name` has a ratio channel for (0: none; the CNN only)."""
    return config.cnn_bigram_buckets if name == "cnn" and config.nb_channel != "off" else 0


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
        from keras import ops

        maps, ids = inputs
        keep = ops.cast(ops.not_equal(ids[:, :ops.shape(maps)[1]], 0), maps.dtype)[..., None]
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
        from keras import ops

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
        from keras import ops

        return ops.sum(inputs, axis=1) * self.scale

    def compute_output_shape(self, input_shape):
        return (input_shape[0], input_shape[2])

    def get_config(self):
        return {**super().get_config(), "scale": self.scale}


# Tokens word dropout never hides: negations and contrasts.
KEEP_WORDS = frozenset("not no never nothing nor neither none without but although though yet however "
                       "hardly barely".split())


def keep_ids_of(vocabulary) -> list[int]:
    """The vectorizer ids of `vocabulary`'s words that word dropout never hides (`KEEP_WORDS`, "...n't")."""
    return [i + 2 for i, token in enumerate(vocabulary) if token in KEEP_WORDS or token.endswith("n't")]


def build_vectorizer(vocabulary, sequence_length: int | None = None, name: str = "vectorize"):
    """TextVectorization over standardised text: (batch,) string -> (batch, steps) int64.

    vocabulary: the tokens, most frequent first (without padding "" and "[UNK]").
    sequence_length: pad or truncate to it; None keeps each batch's longest.
    """
    return layers.TextVectorization(standardize=None, split="whitespace", output_mode="int",
                                    vocabulary=list(vocabulary), output_sequence_length=sequence_length,
                                    name=name)


def _sentiment_head(x, config, name: str, score=None):
    x = layers.Dropout(config.dropout, name="dropout")(x)
    if score is not None:  # the naive-Bayes score skips the dropout: the output unit always reads it
        x = layers.Concatenate(name="features_and_score")([x, score])
    constraint = keras.constraints.MaxNorm(config.max_norm) if config.max_norm else None
    outputs = layers.Dense(1, activation="sigmoid", kernel_constraint=constraint, name="positive")(x)
    return outputs


def build_sentiment_core(name: str, vocab_size: int, config=None, keep_ids=(), ratio_input: bool = False
                         ) -> keras.Model:
    """The trainable part: (batch, steps) int ids -> (batch, 1) P(positive).

    vocab_size: vocabulary plus padding and unknown (the vectorizer's size).
    keep_ids: token ids word dropout never hides (see `KEEP_WORDS`).
    ratio_input: training only: the naive-Bayes ratios come in as a second input,
    (batch, steps, channels) floats (out-of-fold ones: the word's, and for the
    CNN the pair's), instead of from the frozen `nb_ratio` / `nb_bigram_ratio`
    tables; every trained layer has the same name and weights either way.
    """
    from cnnrnn.config import SENTIMENT

    config = config or SENTIMENT
    if name not in SENTIMENT_NAMES:
        raise ValueError(f"unknown sentiment model {name!r}; choose one of {SENTIMENT_NAMES}")
    steps = None if name == "rnn" else config.sequence_length
    ids = keras.Input(shape=(steps,), dtype="int64", name="ids")
    inputs = ids
    x = ids
    word_dropout = config.rnn_word_dropout if name == "rnn" else config.word_dropout
    if word_dropout:  # words hidden as [UNK] in training: the model cannot lean on one word
        seed = getattr(config, f"{name}_seed", None) or config.seed
        x = WordDropout(word_dropout, keep_ids, seed=seed, name="word_dropout")(x)
    words = x
    x = layers.Embedding(vocab_size, config.embedding_dim, mask_zero=name == "rnn", name="embedding")(words)
    x = layers.Dropout(config.embedding_dropout, name="embedding_dropout")(x)
    ratios = None
    nb_channel = getattr(config, "nb_channel", "off")
    buckets = sentiment_bigram_buckets(name, config)
    if nb_channel != "off" and ratio_input:
        given = keras.Input(shape=(steps, 2 if buckets else 1), dtype="float32", name="ratios")
        inputs = [ids, given]
        ratios = RatioOfKeptWords(name="given_ratios")([given, words])
        x = layers.Concatenate(name="word_features")([x, ratios])
    elif nb_channel != "off":  # the training sentences' naive-Bayes ratio per word (set by the trainer)
        ratio = layers.Embedding(vocab_size, 1, mask_zero=name == "rnn", embeddings_initializer="zeros",
                                 trainable=nb_channel == "trainable", name="nb_ratio")(words)
        features = [x, ratio]
        if buckets:  # and per pair of words (this one and the next), hashed
            pairs = BigramBuckets(buckets, name="bigrams")(words)
            features.append(layers.Embedding(buckets, 1, embeddings_initializer="zeros",
                                             trainable=nb_channel == "trainable", name="nb_bigram_ratio")(pairs))
        ratios = layers.Concatenate(name="nb_ratios")(features[1:]) if len(features) > 2 else features[1]
        x = layers.Concatenate(name="word_features")([x, ratios])
    if name == "rnn":
        cell = {"gru": layers.GRU, "lstm": layers.LSTM}[config.rnn_cell]
        pooling = config.rnn_pooling
        rnn = cell(config.rnn_units, return_sequences=pooling != "last", name=config.rnn_cell)
        x = layers.Bidirectional(rnn, name="birnn")(x) if config.bidirectional else rnn(x)
        if pooling in ("max", "mean"):
            x = MaskedPoolOverTime(pooling, name=f"{pooling}_over_time")(x)
    else:
        pooled = []
        for k in config.cnn_kernel_sizes:
            maps = layers.Conv1D(config.cnn_filters, k, activation="relu", name=f"conv{k}")(x)
            pooled.append(layers.GlobalMaxPooling1D(name=f"max_over_time{k}")(maps))
            if config.cnn_mean_pool:
                pooled.append(MeanOverWindows(name=f"mean_over_time{k}")([maps, words]))
        x = layers.Concatenate(name="features")(pooled) if len(pooled) > 1 else pooled[0]
    score = None
    if name == "cnn" and ratios is not None and getattr(config, "cnn_nb_score", 0):
        score = SumOverWords(config.cnn_nb_score, name="nb_score")(ratios)
    return keras.Model(inputs, _sentiment_head(x, config, name, score), name=f"{name}_core")


def build_sentiment_model(name: str, vocabulary, config=None, core: keras.Model | None = None) -> keras.Model:
    """(batch,) string -> (batch, 1) float32 P(positive), the whole pipeline.

    core: a trained `build_sentiment_core` model to wrap (a fresh one when None).
    """
    from cnnrnn.config import SENTIMENT

    config = config or SENTIMENT
    vocabulary = list(vocabulary)
    vectorizer = build_vectorizer(vocabulary, None if name == "rnn" else config.sequence_length)
    keep_ids = keep_ids_of(vocabulary)
    core = core or build_sentiment_core(name, vectorizer.vocabulary_size(), config, keep_ids)
    text = keras.Input(shape=(), dtype="string", name="text")
    ids = vectorizer(Standardize(name="standardize")(text))
    if name == "rnn":
        ids = PadToMinLength(1, name="min_length")(ids)
    return keras.Model(text, core(ids), name=f"sentiment_{name}")


def build_sentiment_rnn(vocabulary, config=None) -> keras.Model:
    """Embedding (masked) + GRU: (batch,) string, any length -> (batch, 1) P(positive)."""
    return build_sentiment_model("rnn", vocabulary, config)


def build_sentiment_cnn(vocabulary, config=None) -> keras.Model:
    """Kim-style CNN on `sequence_length` tokens: (batch,) string -> (batch, 1) P(positive)."""
    return build_sentiment_model("cnn", vocabulary, config)


# --- Captioning (one to many): a CNN encoder and an LSTM decoder ---
#
# `build_caption_model` is the training graph (teacher forcing): inputs
# "image" (batch, 64, 64, 3) float32 RGB in [0, 1] and "tokens" (batch, steps)
# int32 (<start> and the true caption so far), output (batch, steps, vocab)
# float32 logits for the next word. The encoder (a strided 5x5 convolution,
# then 3x3 convolutions with pooling, 64 -> 8) ends in a Flatten, so it takes
# 64x64 only (the fixed-size constraint, on the encoder side). Its image vector
# sets the LSTM's initial state and is fed again at every step.
# `inference.CaptionPredictor` reuses the same layers one step at a time.


@keras.saving.register_keras_serializable(package="cnnrnn")
class BroadcastSteps(layers.Layer):
    """[(batch, features), (batch, steps, any)] -> (batch, steps, features): the vector at every step."""

    def call(self, inputs):
        from keras import ops

        vector, sequence = inputs
        steps = ops.shape(sequence)[1]
        return ops.repeat(ops.expand_dims(vector, 1), steps, axis=1)

    def compute_output_shape(self, input_shape):
        vector, sequence = input_shape
        return (vector[0], sequence[1], vector[1])


def build_caption_model(config=None) -> keras.Model:
    """(image (batch, 64, 64, 3) float32, tokens (batch, steps) int32) -> (batch, steps, vocab) logits."""
    from cnnrnn.config import CAPTIONS
    from cnnrnn.data import CAPTION_VOCAB

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
        x = layers.Conv2D(filters, 5 if first else 3, strides=2 if first else 1, padding="same",
                          activation="relu", name=f"enc_conv{i}")(x)
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


# --- MNIST-1D (the sequence lab): 1D signals in, digit probabilities out ---
#
# Every model takes float32 signals shaped (batch, length) and returns
# (batch, 10) softmax probabilities.
# - `logreg`: one Dense layer on the 40 points (the paper's logistic regression).
# - `mlp`: two hidden ReLU layers of `mlp_units` on the 40 points.
# - `cnn`: Conv1D layers with "same" padding, then global max and average pooling
#   over time: any length of 4 points or more.
# - `gru`: a (bidirectional) GRU reading one point per step: any length.
# logreg and mlp are tied to `sequence_length` points; cnn and gru are not.

MNIST1D_NAMES = ("logreg", "mlp", "cnn", "gru")


def _signal_input(config, free_length: bool):
    return keras.Input(shape=(None if free_length else config.sequence_length,), dtype="float32", name="signal")


def build_mnist1d_logreg(config=None) -> keras.Model:
    """(batch, 40) float32 -> (batch, 10) probabilities: multinomial logistic regression."""
    from cnnrnn.config import MNIST1D

    config = config or MNIST1D
    inputs = _signal_input(config, False)
    outputs = layers.Dense(config.num_classes, activation="softmax", name="probs")(inputs)
    return keras.Model(inputs, outputs, name="mnist1d_logreg")


def build_mnist1d_mlp(config=None) -> keras.Model:
    """(batch, 40) float32 -> (batch, 10) probabilities: two hidden ReLU layers."""
    from cnnrnn.config import MNIST1D

    config = config or MNIST1D
    inputs = _signal_input(config, False)
    x = layers.Dense(config.mlp_units, activation="relu", name="hidden1")(inputs)
    x = layers.Dense(config.mlp_units, activation="relu", name="hidden2")(x)
    outputs = layers.Dense(config.num_classes, activation="softmax", name="probs")(x)
    return keras.Model(inputs, outputs, name="mnist1d_mlp")


def build_mnist1d_cnn(config=None) -> keras.Model:
    """(batch, length) float32, any length >= 4 -> (batch, 10) probabilities.

    Conv1D layers (kernel `cnn_kernel_size`, strides `cnn_strides`, "same"
    padding, ReLU), then the max and the mean of each channel over time: no
    layer depends on the length.
    """
    from cnnrnn.config import MNIST1D

    config = config or MNIST1D
    inputs = _signal_input(config, True)
    x = layers.Reshape((-1, 1), name="points")(inputs)
    for i, (filters, stride) in enumerate(zip(config.cnn_filters, config.cnn_strides), start=1):
        x = layers.Conv1D(filters, config.cnn_kernel_size, strides=stride, padding="same", activation="relu",
                          name=f"conv{i}")(x)
    x = layers.Concatenate(name="pooled")([layers.GlobalMaxPooling1D(name="max_over_time")(x),
                                           layers.GlobalAveragePooling1D(name="mean_over_time")(x)])
    outputs = layers.Dense(config.num_classes, activation="softmax", name="probs")(x)
    return keras.Model(inputs, outputs, name="mnist1d_cnn")


def build_mnist1d_gru(config=None) -> keras.Model:
    """(batch, length) float32, any length -> (batch, 10) probabilities.

    `gru_layers` stacked GRUs of `gru_units` reading one point per step (both
    directions when `gru_bidirectional`); the last state is classified.
    """
    from cnnrnn.config import MNIST1D

    config = config or MNIST1D
    inputs = _signal_input(config, True)
    x = layers.Reshape((-1, 1), name="points")(inputs)
    for i in range(1, config.gru_layers + 1):
        gru = layers.GRU(config.gru_units, return_sequences=i < config.gru_layers, name=f"gru{i}")
        x = layers.Bidirectional(gru, name=f"bigru{i}")(x) if config.gru_bidirectional else gru(x)
    outputs = layers.Dense(config.num_classes, activation="softmax", name="probs")(x)
    return keras.Model(inputs, outputs, name="mnist1d_gru")


def build_mnist1d(name: str, config=None) -> keras.Model:
    """Build the MNIST-1D model of kind `name` (one of MNIST1D_NAMES)."""
    builders = {"logreg": build_mnist1d_logreg, "mlp": build_mnist1d_mlp, "cnn": build_mnist1d_cnn,
                "gru": build_mnist1d_gru}
    if name not in builders:
        raise ValueError(f"unknown MNIST-1D model {name!r}; choose one of {', '.join(MNIST1D_NAMES)}")
    return builders[name](config)
