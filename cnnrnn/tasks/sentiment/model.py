"""The two sentiment models by name, and `TextPredictor`, the compiled forward pass over either.

`ARCHITECTURES` maps "rnn" and "cnn" to their modules (`model_rnn`, `model_cnn`): each has
its builder, its core builder and what the trainer asks of it (`sequence_length`,
`pair_buckets`, `nb_folds`). `build_sentiment_model(name, ...)` and
`build_sentiment_core(name, ...)` pick one. `TextPredictor` reads a pipeline's internals only
through `layers`' accessors.
"""

from __future__ import annotations

import threading

import keras
import numpy as np
import tensorflow as tf

from cnnrnn.core.predictor import Predictor, in_batches
from cnnrnn.tasks.sentiment import model_cnn, model_rnn
from cnnrnn.tasks.sentiment.config import SENTIMENT, SENTIMENT_NAMES
from cnnrnn.tasks.sentiment.layers import (
    bigram_buckets,
    core_of,
    nb_tables,
    reads_nb_score,
    sequence_length,
    short_name,
    text_ids,
    vocabulary_of,
)
from cnnrnn.tasks.sentiment.model_cnn import build_cnn_core, build_sentiment_cnn
from cnnrnn.tasks.sentiment.model_rnn import build_rnn_core, build_sentiment_rnn
from cnnrnn.tasks.sentiment.text import clean, tokenize

ARCHITECTURES = {model_rnn.NAME: model_rnn, model_cnn.NAME: model_cnn}
assert tuple(ARCHITECTURES) == SENTIMENT_NAMES

__all__ = [
    "ARCHITECTURES",
    "SENTIMENT_NAMES",
    "TextPredictor",
    "architecture",
    "build_cnn_core",
    "build_rnn_core",
    "build_sentiment_cnn",
    "build_sentiment_core",
    "build_sentiment_model",
    "build_sentiment_rnn",
    "sentiment_bigram_buckets",
]


def architecture(name: str):
    """The module of model `name` ("rnn" or "cnn"); ValueError naming the choices otherwise."""
    if name not in ARCHITECTURES:
        raise ValueError(f"unknown sentiment model {name!r}; choose one of {SENTIMENT_NAMES}")
    return ARCHITECTURES[name]


def build_sentiment_core(
    name: str, vocab_size: int, config=None, keep_ids=(), ratio_input: bool = False
) -> keras.Model:
    """The trainable part of model `name`: (batch, steps) int ids -> (batch, 1) P(positive).

    vocab_size: vocabulary plus padding and unknown (the vectorizer's size).
    keep_ids: token ids word dropout never hides (see `layers.KEEP_WORDS`).
    ratio_input: training only: the naive-Bayes ratios come in as a second input,
    (batch, steps, channels) floats (out-of-fold ones: the word's, and for the
    CNN the pair's), instead of from the frozen `nb_ratio` / `nb_bigram_ratio`
    tables; every trained layer has the same name and weights either way.
    """
    arch = architecture(name)
    build = build_rnn_core if arch is model_rnn else build_cnn_core
    return build(vocab_size, config or SENTIMENT, keep_ids, ratio_input)


def build_sentiment_model(name: str, vocabulary, config=None, core: keras.Model | None = None) -> keras.Model:
    """(batch,) string -> (batch, 1) float32 P(positive), the whole pipeline of model `name`.

    core: a trained `build_sentiment_core` model to wrap (a fresh one when None).
    """
    arch = architecture(name)
    build = build_sentiment_rnn if arch is model_rnn else build_sentiment_cnn
    return build(vocabulary, config or SENTIMENT, core)


def sentiment_bigram_buckets(name: str, config) -> int:
    """How many hashed word-pair buckets model `name` has a ratio channel for (0: none; the CNN only)."""
    return architecture(name).pair_buckets(config)


class TextPredictor(Predictor):
    """Call with a list of str; returns (n,) float32 probabilities that each text is positive.

    The forward pass is a tf.function with input signature `TensorSpec([None],
    tf.string)`: every batch size and every text length runs on one trace
    (`traces` stays 1). Texts are made valid UTF-8 first (`text.clean`).
    """

    def __init__(self, model: keras.Model):
        super().__init__(model, short_name(model), signature=tf.TensorSpec([None], tf.string))
        self._reading = threading.Lock()  # sessions share the predictor: its lazy tables are read once, by one

    def _prepare(self, texts) -> list[bytes]:
        return [clean(t).encode("utf-8") for t in texts]

    def __call__(self, texts) -> np.ndarray:
        if isinstance(texts, str):
            raise TypeError("pass a list of texts; use predict_one for a single text")
        texts = self._prepare(texts)
        if not texts:
            return np.zeros((0,), np.float32)
        return self._forward(tf.constant(texts, tf.string)).numpy().reshape(-1)

    def predict_one(self, text: str) -> float:
        """One text -> P(positive) in [0, 1]."""
        return float(self([text])[0])

    def predict_batches(self, texts, batch_size: int = 256) -> np.ndarray:
        """(n,) float32 P(positive) for many texts, `batch_size` at a time."""
        return in_batches(self, list(texts), batch_size, np.zeros((0,), np.float32))

    @property
    def sequence_length(self) -> int | None:
        """The fixed number of tokens the model reads (the CNN's), or None (the RNN: any)."""
        return sequence_length(self.model)

    @property
    def vocabulary(self) -> frozenset:
        """The tokens the model knows (without padding and [UNK])."""
        with self._reading:
            if not hasattr(self, "_vocabulary"):
                self._vocabulary = frozenset(vocabulary_of(self.model))
        return self._vocabulary

    def counted_evidence(self, text: str, limit: int | None = None) -> list[dict]:
        """The fixed naive-Bayes numbers the model reads beside each word's learned embedding.

        One dict per token read (the CNN's first `sequence_length`; at most `limit`):
        position (1-based), token, known (in the vocabulary), word_ratio (the word's
        log-count ratio on the training sentences, > 0 leaning positive, 0 for unknown
        words), and for a model with a word-pair channel (the CNN) pair (this word and
        the next) and pair_ratio (0 for a pair it never saw). [] without the channel.
        """
        tables = self._counted()["tables"]
        if not tables:
            return []
        text = clean(text)
        tokens = tokenize(text)
        ids = text_ids(self.model, [text])
        read = min(len(tokens), ids.shape[1])  # the CNN's window cuts the rest
        count = min(read, limit) if limit is not None else read
        words = tables[0]
        rows = [
            {"position": i + 1, "token": tokens[i], "known": bool(ids[0, i] > 1), "word_ratio": float(words[ids[0, i]])}
            for i in range(count)
        ]
        if len(tables) > 1:
            pairs = tables[1]
            buckets = np.asarray(bigram_buckets(ids, len(pairs)))[0]
            for i, row in enumerate(rows):
                following = tokens[i + 1] if i + 1 < read else None
                row["pair"] = f"{tokens[i]} {following}" if following else None
                row["pair_ratio"] = float(pairs[buckets[i]])
        return rows

    def counted_score(self, evidence: list[dict]) -> dict | None:
        """The CNN's naive-Bayes score: `counted_evidence(text)`'s ratios summed over the words it reads.

        {"word": sum of the word ratios, "pair": sum of the pair ratios (None without
        a pair channel)}: the numbers its output unit reads beside its filters
        (`layers.SumOverWords`). None for a model that does not read them (the RNN).
        """
        counted = self._counted()
        if not counted["score"]:
            return None
        return {
            "word": float(sum(r["word_ratio"] for r in evidence)),
            "pair": float(sum(r["pair_ratio"] for r in evidence)) if len(counted["tables"]) > 1 else None,
        }

    def _counted(self) -> dict:
        """Read once from the core: "tables", its frozen ratio tables (word, then pair; [] without
        the channel), and "score", whether its output unit reads their sums (`nb_score`)."""
        with self._reading:
            if not hasattr(self, "_counted_parts"):
                core = core_of(self.model)
                self._counted_parts = {"tables": nb_tables(core), "score": reads_nb_score(core)}
        return self._counted_parts
