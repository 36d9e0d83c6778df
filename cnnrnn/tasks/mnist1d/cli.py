"""The sequence lab's command-line interface (see `cnnrnn.core.task`): train, evaluate, bench.

`python -m cnnrnn train mnist1d [--preset tiny] [--models cnn,gru]`, `python -m cnnrnn evaluate mnist1d`;
the task adds no commands of its own.
"""

from __future__ import annotations

import numpy as np

from cnnrnn.core.timing import latency_summary, time_ms
from cnnrnn.core.weights import have_files
from cnnrnn.tasks.mnist1d.config import (
    MNIST1D_MODELS,
    SINGLE_LENGTH_MODELS,
    TASK,
    mnist1d_preset,
    weights_file,
)
from cnnrnn.tasks.mnist1d.experiments import evaluate_mnist1d
from cnnrnn.tasks.mnist1d.parser import MODELS  # noqa: F401  (the command line checks --models against it)
from cnnrnn.tasks.mnist1d.predict import check_mnist1d_weights, load_mnist1d_predictors
from cnnrnn.tasks.mnist1d.train import train_mnist1d

BENCH_MODELS = ("cnn", "gru")  # the models that take any length


def train(args, log) -> dict:
    """Train the preset's models (args.models, or all eight) into args.out under the fair-fight protocol
    (args.seeds seeds each, else the preset's); the JSON to print."""
    config = mnist1d_preset(args.preset)
    entry = train_mnist1d(config, args.out, models=args.models, log=log, seeds=getattr(args, "seeds", None))
    return {
        "task": TASK,
        "weights": str(args.out),
        "accuracy": {k: v["test_accuracy"] for k, v in entry["models"].items()},
        "accuracy_mean": {k: v.get("metric_mean") for k, v in entry["models"].items()},
        "shipped_seed": {k: v.get("shipped_seed") for k, v in entry["models"].items()},
        "train_seconds": {k: v["train_seconds"] for k, v in entry["models"].items()},
    }


def evaluate(weights_dir=None) -> dict:
    """The single-length models re-measured on the test signals (their files are checked first)."""
    check_mnist1d_weights(weights_dir, SINGLE_LENGTH_MODELS)
    return evaluate_mnist1d(weights_dir)


def manifest_figures(entry: dict) -> dict:
    """What `evaluate` prints, as the manifest section recorded it when the weights were trained."""
    figures = {"task": TASK, "accuracy": {}, "shuffled": {}}
    for name in SINGLE_LENGTH_MODELS:
        kind, variant, _ = MNIST1D_MODELS[name]
        figures["accuracy" if variant == "normal" else "shuffled"][kind] = round(
            entry["models"][name]["test_accuracy"], 4
        )
    return figures


def _shipped() -> bool:
    return have_files([weights_file(name) for name in BENCH_MODELS])


def bench(live: bool = False, repeats: int = 100) -> dict:
    """One signal through the CNN and the GRU at 40 and 160 points; traces over 20 to 160 ({} without weights)."""
    if not _shipped():
        return {}
    rng = np.random.default_rng(2)
    latency, traces = {}, {}
    for name, predictor in load_mnist1d_predictors(names=list(BENCH_MODELS)).items():
        for length in (40, 160):
            signal = rng.standard_normal(length).astype(np.float32)
            fast = time_ms(lambda p=predictor, x=signal: p.predict_one(x), repeats)
            slow = None
            if length == 40:
                slow = time_ms(lambda p=predictor, x=signal: p.model.predict(x[None], verbose=0), max(repeats // 4, 20))
            latency[f"mnist1d_{name} {length} points"] = latency_summary(fast, slow)
        for _ in range(200):
            predictor.predict_one(rng.standard_normal(int(rng.integers(20, 161))).astype(np.float32))
        traces[f"mnist1d_{name}"] = predictor.traces
    return {"latency_ms": latency, "traces": traces}


def bench_calls(rng: np.random.Generator) -> list:
    """Calls for the benchmark's memory loop: one signal of 20 to 160 points through the CNN and the GRU."""
    if not _shipped():
        return []
    predictors = load_mnist1d_predictors(names=list(BENCH_MODELS))
    return [
        lambda p=predictor: p.predict_one(rng.standard_normal(int(rng.integers(20, 161))).astype(np.float32))
        for predictor in predictors.values()
    ]
