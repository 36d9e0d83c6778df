"""The character models on the command line: `train charlm`, `evaluate charlm`, `generate`, and the benchmark rows.

The interface every task's cli provides is in `cnnrnn/core/task.py`'s docstring.
"""

from __future__ import annotations

import functools
import re
import sys

from cnnrnn.core.weights import have_files
from cnnrnn.tasks.charlm.config import CHARLM_LIVE, charlm_preset
from cnnrnn.tasks.charlm.data import (
    check_generation_settings,
    corpus_from_text,
    load_shakespeare,
)
from cnnrnn.tasks.charlm.experiments import evaluate_charlm, generation_speed
from cnnrnn.tasks.charlm.parser import MODELS  # noqa: F401  (the command line checks --models against it)
from cnnrnn.tasks.charlm.predict import CHARLM_VOCAB, check_charlm_weights, load_charlm
from cnnrnn.tasks.charlm.train import start_live_model, train_charlm, train_live


def train(args, log) -> dict:
    """`python -m cnnrnn train charlm`: args.preset, args.out, args.models, args.seeds (the fair-fight protocol's
    seeds, else the preset's); the shipped seed's held-out loss per model, the mean over seeds and which seed."""
    entry = train_charlm(
        charlm_preset(args.preset), args.out, models=args.models, log=log, seeds=getattr(args, "seeds", None)
    )
    models = entry["models"]
    return {
        "task": "charlm",
        "weights": str(args.out),
        "loss": {k: v["heldout_loss"] for k, v in models.items()},
        "loss_mean": {k: v["metric_mean"] for k, v in models.items() if "metric_mean" in v},
        "shipped_seed": {k: v["shipped_seed"] for k, v in models.items() if "shipped_seed" in v},
    }


def evaluate(weights_dir=None) -> dict:
    """`python -m cnnrnn evaluate charlm`: held-out nats per character of the shipped models."""
    return evaluate_charlm(weights_dir)


def manifest_figures(entry: dict) -> dict:
    """What `evaluate` prints, as the manifest section recorded it when the weights were trained."""
    return {
        "task": "charlm",
        "eval_length": entry["eval_length"],
        "loss": {name: info["heldout_loss"] for name, info in entry["models"].items()},
    }


def cmd_generate(args) -> int:
    """Continue a prime with one character model; the prime and the text on stdout, notes on stderr.

    (`--corpus tang` runs the Tang task's `cli.cmd_generate` instead: see parser.CORPORA.)
    """
    if args.form is not None or args.title is not None:
        raise ValueError("--form and --title are for --corpus tang")
    prime = "ROMEO:\n" if args.prime is None else args.prime
    length = 400 if args.length is None else args.length
    check_generation_settings(length, args.temperature, args.top_k, args.seed)  # before the model loads
    check_charlm_weights(args.weights, (args.model,))
    predictor = load_charlm(args.weights, names=(args.model,))[args.model]
    run = predictor.stream(prime, length, args.temperature, args.top_k, args.seed)
    for note in run.notes:
        print(f"note: {note}", file=sys.stderr, flush=True)
    if hasattr(sys.stdout, "reconfigure"):
        sys.stdout.reconfigure(errors="backslashreplace")
    sys.stdout.write(run.prime)
    for piece in run:
        sys.stdout.write(piece)
        sys.stdout.flush()
    sys.stdout.write("\n")
    return 0


# --- The benchmark's rows ---------------------------------------------------------------


def _shipped() -> bool:
    return have_files([CHARLM_VOCAB])


@functools.cache
def _predictors() -> dict:
    """The shipped character models, loaded once per benchmark process (the dashboard shares them too)."""
    return load_charlm()


def bench_live(chars: int = 100_000, seconds: float | None = None, sample_length: int = 600) -> dict:
    """Live training as the page runs it: `chars` of tiny Shakespeare for the live preset's time limit.

    Reports steps, seconds, the best held-out loss and, for a 600-character sample
    (temperature 0.7, seed 0), the share of its words that are words of the corpus.
    """
    text = load_shakespeare().text[:chars]
    corpus = corpus_from_text(text, "tiny Shakespeare, first 100 KB")
    live = start_live_model(corpus)
    limit = CHARLM_LIVE.time_limit if seconds is None else seconds
    train_live(live, corpus, time_limit=limit)
    prime = "ROMEO:\n"
    sample = live.predictor.generate(prime, sample_length, 0.7, 0, 0)
    known = set(re.findall(r"[a-z]+", text.lower()))
    words = re.findall(r"[a-z]+", sample.lower())
    real = sum(word in known for word in words)
    return {
        "live": {
            "corpus_chars": len(text),
            "time_limit_s": limit,
            "steps": live.history["step"],
            "seconds": live.history["seconds"],
            "best_val_loss": live.history.get("best_val_loss"),
            "sample_words": len(words),
            "real_word_share": round(real / max(len(words), 1), 3),
            "sample": prime + sample,
        }
    }


def bench(live: bool = False, length: int = 2000, repeats: int = 3) -> dict:
    """Characters per second of stateful generation ({} without the weights); with `live`, the live training run.

    Each model writes `length` characters (temperature 0.8) `repeats` times after a warm-up;
    the best run counts. One compiled call per 32 characters, one step per character.
    """
    result = {"chars_per_second": generation_speed(_predictors(), length, repeats)} if _shipped() else {}
    if live:
        result.update(bench_live())
    return result


def bench_calls(rng) -> list:
    """The memory loop's generation calls: 64 characters from each shipped model, a random seed each time."""
    if not _shipped():
        return []
    return [
        lambda p=predictor: p.generate("ROMEO:\n", 64, 0.8, 0, int(rng.integers(0, 1000)))
        for predictor in _predictors().values()
    ]
