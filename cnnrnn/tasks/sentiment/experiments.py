"""The sentiment sweeps: tidy pandas DataFrames, ready for `charts`.

`predictors` below map "rnn"/"cnn" to `model.TextPredictor`s: lists of str in, (n,)
float32 P(positive) out. `sentiment_experiments` makes the four tables the manifest
stores; `evaluate_sentiment` re-measures the shipped models on the test split.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from cnnrnn.core.timing import median_ms
from cnnrnn.tasks.sentiment.config import SENTIMENT
from cnnrnn.tasks.sentiment.data import load_polarity
from cnnrnn.tasks.sentiment.predict import load_sentiment_predictors
from cnnrnn.tasks.sentiment.text import (
    FILLER_WORDS,
    MAX_VIEW_TOKENS,
    PROBES,
    occlusions,
    prefixes,
    tokenize,
    with_filler,
)


def sentiment_verdicts(predictors: dict, text: str) -> dict[str, float]:
    """model -> P(positive) for one text."""
    return {name: predictor.predict_one(text) for name, predictor in predictors.items()}


def prefix_predictions(predictors: dict, text: str, limit: int | None = None) -> pd.DataFrame:
    """Each model's P(positive) after the first 1, 2, ..., n tokens (n <= limit).

    Columns: step (1-based), token, label ("3 film"), model, positive.
    """
    tokens = tokenize(text)[: limit or MAX_VIEW_TOKENS]
    texts = prefixes(tokens, len(tokens))
    rows = []
    for name, predictor in predictors.items():
        probs = predictor.predict_batches(texts, batch_size=64)
        rows += [
            {"step": i + 1, "token": tokens[i], "label": f"{i + 1} {tokens[i]}", "model": name, "positive": float(p)}
            for i, p in enumerate(probs)
        ]
    return pd.DataFrame(rows, columns=["step", "token", "label", "model", "positive"])


def occlusion_importance(predictors: dict, text: str, limit: int | None = None) -> pd.DataFrame:
    """Word importance by occlusion: drop token i, see how P(positive) moves.

    importance = P(positive | text) - P(positive | text without token i): above 0
    the word pushed towards positive, below 0 towards negative.
    Columns: position (1-based), token, label, model, positive_without, importance.
    """
    tokens = tokenize(text)[: limit or MAX_VIEW_TOKENS]
    texts = occlusions(tokens, len(tokens))
    full = " ".join(tokens)
    rows = []
    for name, predictor in predictors.items():
        base = predictor.predict_one(full)
        probs = predictor.predict_batches(texts, batch_size=64)
        rows += [
            {
                "position": i + 1,
                "token": tokens[i],
                "label": f"{i + 1} {tokens[i]}",
                "model": name,
                "positive_without": float(p),
                "importance": float(base - p),
            }
            for i, p in enumerate(probs)
        ]
    return pd.DataFrame(rows, columns=["position", "token", "label", "model", "positive_without", "importance"])


def _bucket_label(lo: int, hi: int | None) -> str:
    return f"{lo}+" if hi is None else f"{lo}-{hi}"


def length_buckets(predictors: dict, texts, labels, edges=(10, 15, 20, 25, 30, 40)) -> pd.DataFrame:
    """Held-out accuracy by sentence length in tokens; buckets end at each of `edges`.

    Columns: model, bucket ("1-10", ..., "41+"), order, accuracy, n.
    """
    labels = np.asarray(labels)
    lengths = np.array([len(tokenize(t)) for t in texts])
    bounds = [0, *edges, None]
    rows = []
    for name, predictor in predictors.items():
        right = (predictor.predict_batches(texts) >= 0.5) == labels
        for order, (lo, hi) in enumerate(zip(bounds[:-1], bounds[1:])):
            inside = (lengths > lo) & (lengths <= hi) if hi is not None else lengths > lo
            if inside.any():
                rows.append(
                    {
                        "model": name,
                        "bucket": _bucket_label(lo + 1, hi),
                        "order": order,
                        "accuracy": float(right[inside].mean()),
                        "n": int(inside.sum()),
                    }
                )
    return pd.DataFrame(rows, columns=["model", "bucket", "order", "accuracy", "n"])


def filler_sweep(predictors: dict, texts, labels, counts=(0, 5, 10, 20, 40, 80, 160)) -> pd.DataFrame:
    """Held-out accuracy when N neutral filler words go before or after each sentence.

    Before: a fixed-length CNN truncates the sentence away. After: an RNN must
    carry the sentence through N more steps. Columns: model, where, filler, accuracy, n.
    """
    labels = np.asarray(labels)
    tokens = [tokenize(t) for t in texts]
    rows = []
    for where in ("before", "after"):
        for count in counts:
            padded = [with_filler(t, count, where) for t in tokens]
            for name, predictor in predictors.items():
                accuracy = float(np.mean((predictor.predict_batches(padded, batch_size=128) >= 0.5) == labels))
                rows.append(
                    {"model": name, "where": where, "filler": int(count), "accuracy": accuracy, "n": int(len(labels))}
                )
    return pd.DataFrame(rows, columns=["model", "where", "filler", "accuracy", "n"])


def filler_summary(df: pd.DataFrame) -> dict:
    """The filler table at its largest count: {"filler": n, (model, where): accuracy, ...}."""
    if df is None or df.empty:
        return {}
    most = int(df["filler"].max())
    rows = df[df["filler"] == most]
    return {"filler": most, **{(r.model, r.where): float(r.accuracy) for r in rows.itertuples()}}


def latency_sweep(
    predictors: dict, lengths=(1, 2, 5, 10, 20, 50, 100, 200, 500, 1000, 2000), repeats: int = 7
) -> pd.DataFrame:
    """Single-text latency against input length: the median of `repeats` calls, in ms.

    The text is `lengths[i]` known, neutral words. Columns: model, tokens, ms.
    """
    rows = []
    for length in lengths:
        text = " ".join(FILLER_WORDS[i % len(FILLER_WORDS)] for i in range(length))
        for name, predictor in predictors.items():
            rows.append({"model": name, "tokens": int(length), "ms": median_ms(predictor.predict_one, text, repeats)})
    return pd.DataFrame(rows, columns=["model", "tokens", "ms"])


def probe_table(predictors: dict, probes=None) -> pd.DataFrame:
    """The negation and contrast probes with each model's P(positive).

    Columns: text, expected, then per model `<model>` (P(positive)) and `<model>_right` (bool).
    """
    probes = list(probes or PROBES)
    texts = [t for t, _ in probes]
    df = pd.DataFrame({"text": texts, "expected": [e for _, e in probes]})
    for name, predictor in predictors.items():
        probs = predictor(texts) if texts else np.zeros(0, np.float32)
        df[name] = probs.astype(float)
        df[f"{name}_right"] = (probs >= 0.5) == (df["expected"] == "positive")
    return df


def sentiment_experiments(predictors: dict, texts, labels, config) -> dict[str, pd.DataFrame]:
    """All four sentiment tables, as stored in the manifest: length_buckets, filler, latency, probes."""
    return {
        "length_buckets": length_buckets(predictors, texts, labels, config.length_edges),
        "filler": filler_sweep(predictors, texts, labels, config.filler_counts),
        "latency": latency_sweep(predictors, config.latency_lengths, config.latency_repeats),
        "probes": probe_table(predictors),
    }


def held_out_tables(predictors: dict, config=SENTIMENT) -> dict[str, pd.DataFrame]:
    """The length-bucket and filler tables recomputed on the test split (the page's "Re-run")."""
    splits = load_polarity(config.val_size, config.test_size, config.split_seed)
    return {
        "length_buckets": length_buckets(predictors, splits.x_test, splits.y_test, config.length_edges),
        "filler": filler_sweep(predictors, splits.x_test, splits.y_test, config.filler_counts),
    }


def evaluate_sentiment(weights_dir=None) -> dict:
    """Test accuracy of the shipped sentiment models on the fixed 1,067-sentence test split.

    Returns {"task": "sentiment", "test_size": 1067, "accuracy": {"rnn": fraction, "cnn": fraction}}:
    each fraction is the manifest's `models.<name>.test_accuracy` rounded to 4 places.
    The data is read first, so an offline machine without it says so before the models load.
    """
    splits = load_polarity(SENTIMENT.val_size, SENTIMENT.test_size, SENTIMENT.split_seed)
    accuracy = {}
    for name, predictor in load_sentiment_predictors(weights_dir).items():
        probs = predictor.predict_batches(splits.x_test)
        accuracy[name] = round(float(np.mean((probs >= 0.5) == splits.y_test)), 4)
    return {"task": "sentiment", "test_size": int(len(splits.y_test)), "accuracy": accuracy}
