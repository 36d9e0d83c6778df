"""The sentiment CNN, after Kim (2014): filters 3, 4 and 5 words wide over a fixed `sequence_length`.

Longer texts are truncated, shorter ones padded. Each filter is pooled over time by its max
and, with `cnn_mean_pool`, by its mean over the windows that start on a word. Each word
brings its learned embedding, its frozen naive-Bayes ratio and, with `cnn_bigram_buckets`,
that of the (hashed) word pair it starts; with `cnn_nb_score` the output unit also reads
those ratios summed over the window (`layers.SumOverWords`, the naive-Bayes score).
"""

from __future__ import annotations

import keras
from keras import layers

from cnnrnn.tasks.sentiment.config import SENTIMENT
from cnnrnn.tasks.sentiment.layers import (
    NB_SCORE,
    MeanOverWindows,
    SumOverWords,
    build_vectorizer,
    core_name,
    head,
    keep_ids_of,
    text_pipeline,
    word_features,
)

NAME = "cnn"


def sequence_length(config) -> int:
    """The fixed number of tokens the CNN reads."""
    return config.sequence_length


def pair_buckets(config) -> int:
    """How many hashed word-pair buckets the CNN has a ratio channel for (0: none)."""
    return config.cnn_bigram_buckets if config.nb_channel != "off" else 0


def nb_folds(config) -> int:
    """>= 2: in training, each MR sentence reads ratios counted on the other folds (`text.nb_out_of_fold_ratios`)."""
    return config.cnn_nb_folds if config.nb_channel == "frozen" and config.cnn_nb_folds >= 2 else 0


def build_cnn_core(vocab_size: int, config=None, keep_ids=(), ratio_input: bool = False) -> keras.Model:
    """(batch, sequence_length) int ids -> (batch, 1) P(positive).

    vocab_size: vocabulary plus padding and unknown (the vectorizer's size); keep_ids: ids word
    dropout never hides; ratio_input: take the ratios as a second input (see `layers.word_features`).
    """
    config = config or SENTIMENT
    ids = keras.Input(shape=(config.sequence_length,), dtype="int64", name="ids")
    inputs, words, x, ratios = word_features(
        ids,
        vocab_size,
        config,
        word_dropout=config.word_dropout,
        seed=config.model_seed(NAME),
        keep_ids=keep_ids,
        pair_buckets=pair_buckets(config),
        ratio_input=ratio_input,
    )
    pooled = []
    for k in config.cnn_kernel_sizes:
        maps = layers.Conv1D(config.cnn_filters, k, activation="relu", name=f"conv{k}")(x)
        pooled.append(layers.GlobalMaxPooling1D(name=f"max_over_time{k}")(maps))
        if config.cnn_mean_pool:
            pooled.append(MeanOverWindows(name=f"mean_over_time{k}")([maps, words]))
    x = layers.Concatenate(name="features")(pooled) if len(pooled) > 1 else pooled[0]
    score = None
    if ratios is not None and config.cnn_nb_score:
        score = SumOverWords(config.cnn_nb_score, name=NB_SCORE)(ratios)
    return keras.Model(inputs, head(x, config, score), name=core_name(NAME))


def build_sentiment_cnn(vocabulary, config=None, core: keras.Model | None = None) -> keras.Model:
    """Kim-style CNN on `sequence_length` tokens: (batch,) string -> (batch, 1) P(positive).

    core: a trained `build_cnn_core` model to wrap (a fresh one when None).
    """
    config = config or SENTIMENT
    vocabulary = list(vocabulary)
    vectorizer = build_vectorizer(vocabulary, config.sequence_length)
    core = core or build_cnn_core(vectorizer.vocabulary_size(), config, keep_ids_of(vocabulary))
    return text_pipeline(NAME, vectorizer, core)
