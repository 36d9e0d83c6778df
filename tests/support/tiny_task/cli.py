"""The tiny task's command line: train, evaluate, its own command and a benchmark row."""

from __future__ import annotations

from cnnrnn.core.cli import print_json
from cnnrnn.core.timing import latency_summary, time_ms

FIGURES = {"task": "tiny", "accuracy": {"double": 1.0}}


def train(args, log) -> dict:
    log("training double")
    return {"task": "tiny", "preset": args.preset, "models": args.models, "out": str(args.out)}


def evaluate(weights_dir) -> dict:
    return dict(FIGURES)


def manifest_figures(entry) -> dict:
    return dict(FIGURES)


def double(args) -> int:
    print_json({"number": args.number, "double": 2 * args.number})
    return 0


def _work() -> int:
    return 2 * sum(range(20_000))  # long enough to time in milliseconds


def bench(live: bool = False, repeats: int = 50) -> dict:
    return {"latency_ms": {"tiny double": latency_summary(time_ms(_work, repeats))}}


def bench_calls(rng) -> list:
    return [_work]
