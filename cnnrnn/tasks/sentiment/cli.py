"""The sentiment task on the command line: train, evaluate, `predict-sentiment`, and its benchmark rows.

The interface `cnnrnn/core/task.py` describes: train(args, log), evaluate(weights_dir),
manifest_figures(entry), cmd_predict_sentiment(args), bench(live) and bench_calls(rng).
"""

from __future__ import annotations

import functools
import sys

import numpy as np
import tensorflow as tf

from cnnrnn.core.cli import epoch_printer, print_json
from cnnrnn.core.timing import latency_summary, time_ms
from cnnrnn.core.weights import WEIGHTS_DIR, have_files
from cnnrnn.tasks.sentiment.config import SENTIMENT_NAMES, sentiment_preset
from cnnrnn.tasks.sentiment.experiments import evaluate_sentiment
from cnnrnn.tasks.sentiment.parser import MODELS  # noqa: F401  (the command line checks --models against it)
from cnnrnn.tasks.sentiment.predict import load_sentiment_predictors, weights_file
from cnnrnn.tasks.sentiment.text import check_text, clean, limit_text
from cnnrnn.tasks.sentiment.train import train_sentiment

SENTIMENT_LENGTHS = (10, 50, 100, 1000)  # tokens, the benchmark's rows


def train(args, log) -> dict:
    """Train the preset's models (args.models: a subset) into args.out; the JSON to print."""
    config = sentiment_preset(args.preset)
    out = args.out or WEIGHTS_DIR
    entry = train_sentiment(config, out, on_epoch=epoch_printer(config.epochs, log), log=log, models=args.models)
    return {
        "task": "sentiment",
        "weights": str(out),
        "accuracy": {k: v["test_accuracy"] for k, v in entry["models"].items()},
    }


def evaluate(weights_dir=None) -> dict:
    """The shipped models re-measured on the test split.

    {"task": "sentiment", "test_size": 1067, "accuracy": {"rnn": ..., "cnn": ...}}; each accuracy is the
    manifest's `sentiment.models.<name>.test_accuracy` rounded to 4 places.
    """
    return evaluate_sentiment(weights_dir)


# --- predict-sentiment ------------------------------------------------------------------


def manifest_figures(entry: dict) -> dict:
    """What `evaluate` prints, as the manifest section recorded it when the weights were trained."""
    return {
        "task": "sentiment",
        "test_size": entry["data"]["test_size"],
        "accuracy": {name: round(info["test_accuracy"], 4) for name, info in entry["models"].items()},
    }


def _read_stdin_lines() -> list[str]:
    """Non-blank lines of standard input, decoded as UTF-8 (bad bytes replaced)."""
    raw = sys.stdin.buffer.read() if hasattr(sys.stdin, "buffer") else sys.stdin.read().encode("utf-8", "replace")
    lines = raw.decode("utf-8", "replace").split("\n")
    return [line.rstrip("\r") for line in lines if line.strip()]


def cmd_predict_sentiment(args) -> int:
    """One JSON line per text and model: {"text", "model", "positive"}; {"text", "error"} for blank text (exit 1)."""
    texts = list(args.texts)
    if not texts:
        if sys.stdin is None or sys.stdin.isatty():
            raise ValueError("no text: give TEXT arguments or pipe lines on standard input")
        texts = _read_stdin_lines()
        if not texts:
            raise ValueError("standard input holds no text")
    if hasattr(sys.stdout, "reconfigure"):
        sys.stdout.reconfigure(errors="backslashreplace")
    predictors = load_sentiment_predictors(args.weights)
    if args.model != "all":
        predictors = {args.model: predictors[args.model]}
    failed = False
    for number, text in enumerate(texts, start=1):
        text = clean(text)
        message = check_text(text)
        if message:
            print_json({"text": text, "error": message})
            failed = True
            continue
        if args.max_chars > 0:
            limited = limit_text(text, args.max_chars)
            if limited.cut:
                print(f"note: text {number}: {limited.notice}", file=sys.stderr, flush=True)
            text_read = limited.text
        else:
            text_read = text
        for name, predictor in predictors.items():
            print_json({"text": text, "model": name, "positive": round(predictor.predict_one(text_read), 4)})
    return 1 if failed else 0


# --- the benchmark ------------------------------------------------------------------------


def _shipped() -> bool:
    return have_files([weights_file(n) for n in SENTIMENT_NAMES])


@functools.cache
def _predictors() -> dict:
    """The shipped predictors, loaded once per process (the benchmark's rows and its memory loop share them)."""
    return load_sentiment_predictors()


def _sentence(rng, words: list[str], length: int) -> str:
    return " ".join(rng.choice(words, length))


def bench(live: bool = False, repeats: int = 100) -> dict:
    """One-sentence latency of both sentiment models at 10 to 1,000 tokens, and traces after mixed lengths.

    Rows "sentiment_rnn 50 tokens"...; the 50-token rows also time `model.predict`. {} without the weights.
    """
    if not _shipped():
        return {}
    rng = np.random.default_rng(0)
    latency, traces = {}, {}
    for name, predictor in _predictors().items():
        words = sorted(predictor.vocabulary)
        for length in SENTIMENT_LENGTHS:
            text = _sentence(rng, words, length)
            fast = time_ms(lambda p=predictor, x=text: p.predict_one(x), repeats)
            slow = None
            if length == 50:
                batch = tf.constant([text])
                slow = time_ms(lambda p=predictor, x=batch: p.model.predict(x, verbose=0), max(repeats // 4, 20))
            latency[f"sentiment_{name} {length} tokens"] = latency_summary(fast, slow)
        for _ in range(200):
            predictor.predict_one(_sentence(rng, words, int(rng.integers(1, 400))))
        traces[f"sentiment_{name}"] = predictor.traces
    return {"latency_ms": latency, "traces": traces}


def bench_calls(rng) -> list:
    """The memory loop's sentiment calls: one sentence of 1 to 299 known words per model ([] without weights)."""
    if not _shipped():
        return []
    calls = []
    for predictor in _predictors().values():
        words = sorted(predictor.vocabulary)
        calls.append(lambda p=predictor, w=words: p.predict_one(_sentence(rng, w, int(rng.integers(1, 300)))))
    return calls
