"""The sentiment RNN: a masked embedding and a GRU reading left to right, any number of tokens.

Its verdict is its state after the last word (a bidirectional GRU, and max or mean pooling
over the steps, are options of the config). Each word brings its learned embedding and its
frozen naive-Bayes ratio (`layers.word_features`); the ratios count the negation templates
too (`config.nb_with_templates`).
"""

from __future__ import annotations

import keras
from keras import layers

from cnnrnn.tasks.sentiment.config import SENTIMENT
from cnnrnn.tasks.sentiment.layers import (
    MaskedPoolOverTime,
    build_vectorizer,
    core_name,
    head,
    keep_ids_of,
    text_pipeline,
    word_features,
)

NAME = "rnn"


def sequence_length(config) -> None:
    """The RNN reads any number of tokens."""
    return None


def pair_buckets(config) -> int:
    """The RNN has no word-pair channel."""
    return 0


def nb_folds(config) -> int:
    """The RNN trains on the tables' own ratios (no out-of-fold ratios)."""
    return 0


def build_rnn_core(vocab_size: int, config=None, keep_ids=(), ratio_input: bool = False) -> keras.Model:
    """(batch, steps) int ids, any steps -> (batch, 1) P(positive); 0 ids (padding) are masked.

    vocab_size: vocabulary plus padding and unknown (the vectorizer's size); keep_ids: ids word
    dropout never hides; ratio_input: take the ratios as a second input (see `layers.word_features`).
    """
    config = config or SENTIMENT
    ids = keras.Input(shape=(None,), dtype="int64", name="ids")
    inputs, _, x, _ = word_features(
        ids,
        vocab_size,
        config,
        word_dropout=config.rnn_word_dropout,
        seed=config.model_seed(NAME),
        keep_ids=keep_ids,
        mask_zero=True,
        ratio_input=ratio_input,
    )
    pooling = config.rnn_pooling
    cell = {"gru": layers.GRU, "lstm": layers.LSTM}[config.rnn_cell]
    rnn = cell(config.rnn_units, return_sequences=pooling != "last", name=config.rnn_cell)
    x = layers.Bidirectional(rnn, name="birnn")(x) if config.bidirectional else rnn(x)
    if pooling in ("max", "mean"):
        x = MaskedPoolOverTime(pooling, name=f"{pooling}_over_time")(x)
    return keras.Model(inputs, head(x, config), name=core_name(NAME))


def build_sentiment_rnn(vocabulary, config=None, core: keras.Model | None = None) -> keras.Model:
    """Embedding (masked) + GRU: (batch,) string, any length -> (batch, 1) P(positive).

    core: a trained `build_rnn_core` model to wrap (a fresh one when None). An all-empty batch
    is padded to one (masked) step, so it still runs.
    """
    config = config or SENTIMENT
    vocabulary = list(vocabulary)
    vectorizer = build_vectorizer(vocabulary, None)
    core = core or build_rnn_core(vectorizer.vocabulary_size(), config, keep_ids_of(vocabulary))
    return text_pipeline(NAME, vectorizer, core, min_length=1)
