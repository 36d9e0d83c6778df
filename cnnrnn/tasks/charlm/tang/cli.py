"""The Tang models on the command line: `train tang`, `evaluate tang`, the poems' `generate`, benchmark rows.

The interface every task's cli provides is in `cnnrnn/core/task.py`'s docstring. `generate
--corpus tang` is parsed by the character models' parser and runs `cmd_generate` here.
"""

from __future__ import annotations

import functools
import sys
import time

from cnnrnn.core.weights import have_files
from cnnrnn.tasks.charlm.api import check_generation_settings
from cnnrnn.tasks.charlm.tang.config import tang_preset
from cnnrnn.tasks.charlm.tang.experiments import evaluate_tang
from cnnrnn.tasks.charlm.tang.form import FORM_CHOICES
from cnnrnn.tasks.charlm.tang.parser import MODELS  # noqa: F401  (the command line checks --models against it)
from cnnrnn.tasks.charlm.tang.predict import TANG_VOCAB, check_tang_weights, load_tang, model_file
from cnnrnn.tasks.charlm.tang.train import train_tang

DEFAULT_LENGTH = 120  # characters at most: a 七言律詩 is 64; generation stops at the poem's end


def train(args, log) -> dict:
    """`python -m cnnrnn train tang`: args.preset, args.out, args.models; the held-out loss per model."""
    entry = train_tang(tang_preset(args.preset), args.out, models=args.models, log=log)
    return {
        "task": "tang",
        "weights": str(args.out),
        "loss": {k: v["heldout_loss"] for k, v in entry["models"].items()},
        "form_accuracy": {k: v["form_accuracy"] for k, v in entry["models"].items()},
    }


def evaluate(weights_dir=None) -> dict:
    """`python -m cnnrnn evaluate tang`: held-out loss, form accuracy and first-line completion, re-measured."""
    return evaluate_tang(weights_dir)


def manifest_figures(entry: dict) -> dict:
    """What `evaluate` prints, as the manifest section recorded it when the weights were trained."""
    models = entry["models"]
    figures = {
        "task": "tang",
        "loss": {name: info["heldout_loss"] for name, info in models.items()},
        "form_accuracy": {name: info["form_accuracy"] for name, info in models.items()},
    }
    if all("first_line_completion" in info for info in models.values()):
        figures["first_line_completion"] = {
            name: info["first_line_completion"]["share"] for name, info in models.items()
        }
    return figures


def cmd_generate(args) -> int:
    """Write a poem: the prime and its continuation, up to the poem's end, on stdout; notes on stderr.

    `generate --corpus tang` (the Generation task's command, parser.CORPORA) runs this.
    """
    if args.form is not None and args.form not in FORM_CHOICES:
        raise ValueError(f"--form must be one of {', '.join(FORM_CHOICES)}, not {args.form!r}")
    length = DEFAULT_LENGTH if args.length is None else args.length
    check_generation_settings(length, args.temperature, args.top_k, args.seed)  # before the model loads
    check_tang_weights(args.weights, (args.model,))
    predictor = load_tang(args.weights, names=(args.model,))[args.model]
    prime = "" if args.prime is None else args.prime
    run = predictor.stream(
        prime, length, args.temperature, args.top_k, args.seed, args.form or "auto", args.title or ""
    )
    for note in run.notes:
        print(f"note: {note}", file=sys.stderr, flush=True)
    if hasattr(sys.stdout, "reconfigure"):
        sys.stdout.reconfigure(errors="backslashreplace")
    if run.title:
        sys.stdout.write(run.title + "\n")
    sys.stdout.write(run.prime)
    for piece in run:
        sys.stdout.write(piece)
        sys.stdout.flush()
    sys.stdout.write("\n")
    if not run.finished:
        print(f"note: the poem did not end within {length:,} characters", file=sys.stderr, flush=True)
    return 0


# --- The benchmark's rows ---------------------------------------------------------------


def _shipped() -> bool:
    return have_files([TANG_VOCAB, model_file("lstm"), model_file("cnn")])


@functools.cache
def _predictors() -> dict:
    return load_tang()


def bench(live: bool = False, repeats: int = 3) -> dict:
    """Poems per second: a 五言絕句 from nothing, one at a time (the page's way), best of `repeats`, per model.

    `live` adds nothing: the poems have no live training.
    """
    if not _shipped():
        return {}
    speed = {}
    for name, predictor in _predictors().items():
        predictor.write("五言絕句", seed=0)
        best = float("inf")
        for seed in range(repeats):
            start = time.perf_counter()
            predictor.write("五言絕句", seed=seed)
            best = min(best, time.perf_counter() - start)
        speed[f"tang_{name}"] = round(1.0 / best, 2)
    return {"tang_poems_per_second": speed}


def bench_calls(rng) -> list:
    """The memory loop's calls: a quatrain from each shipped model, a random seed each time."""
    if not _shipped():
        return []
    return [
        lambda p=predictor: p.write("七言絕句", seed=int(rng.integers(0, 1000))) for predictor in _predictors().values()
    ]
