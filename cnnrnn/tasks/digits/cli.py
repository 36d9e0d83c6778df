"""The image task's command-line interface (see `cnnrnn.core.task`): train, evaluate, predict-image, bench.

`python -m cnnrnn train mnist`, `evaluate mnist` and `predict-image PATH...` end here;
`bench` takes its image rows from `bench()` and its memory-loop calls from `bench_calls`.
"""

from __future__ import annotations

import functools

import numpy as np

from cnnrnn.core.cli import epoch_printer, prepared_files, print_json
from cnnrnn.core.images import ImageError
from cnnrnn.core.timing import latency_summary, time_ms
from cnnrnn.tasks.digits.config import MODEL_NAMES, preset
from cnnrnn.tasks.digits.experiments import evaluate_mnist
from cnnrnn.tasks.digits.model import NATIVE, ImagePredictor
from cnnrnn.tasks.digits.parser import MODELS  # noqa: F401  (the command line checks --models against it)
from cnnrnn.tasks.digits.predict import TASK, load_image_models
from cnnrnn.tasks.digits.prepare import prepare_digit
from cnnrnn.tasks.digits.train import train_mnist


def train(args, log) -> dict:
    """Train the image models of preset `args.preset` into `args.out` (the compared ones under the fair-fight
    protocol, `args.seeds` seeds each, else the preset's); the JSON line to print."""
    config = preset(args.preset)
    entry = train_mnist(
        config,
        args.out,
        on_epoch=epoch_printer(config.epochs, log),
        log=log,
        models=args.models,
        seeds=getattr(args, "seeds", None),
    )
    return {
        "task": TASK,
        "weights": str(args.out),
        "accuracy": {k: v["test_accuracy"] for k, v in entry["models"].items()},
        "accuracy_mean": {k: v.get("metric_mean") for k, v in entry["models"].items()},
        "shipped_seed": {k: v.get("shipped_seed") for k, v in entry["models"].items()},
    }


def evaluate(weights_dir) -> dict:
    """The shipped models' accuracy on MNIST's 10,000 test images."""
    return evaluate_mnist(weights_dir)


def manifest_figures(entry: dict) -> dict:
    """What `evaluate` prints, as the manifest section recorded it when the weights were trained."""
    return {
        "task": TASK,
        "test_size": entry["data"]["test_size"],
        "accuracy": {name: round(info["test_accuracy"], 4) for name, info in entry["models"].items()},
    }


def cmd_predict_image(args) -> int:
    """One JSON line per path and model ({"path", "error"} for a file that cannot be read); 1 if any failed."""
    models = load_image_models(args.weights)
    wanted = MODEL_NAMES if args.model == "all" else (args.model,)
    predictors = {name: ImagePredictor(models[name]) for name in wanted}
    failed = False
    prepare = functools.partial(prepare_digit, method=args.resize, aspect=args.aspect)
    for path, prepared in prepared_files(args.paths, prepare, (ImageError,)):
        if prepared is None:
            failed = True
            continue
        for name, predictor in predictors.items():
            probs = predictor.predict_one(prepared.model_input)
            label = int(probs.argmax())
            print_json({"path": path, "model": name, "label": label, "confidence": round(float(probs[label]), 4)})
    return 1 if failed else 0


@functools.cache
def _models() -> dict:
    """The shipped models, loaded once per benchmark process (the dashboard shares them too)."""
    return load_image_models()


def bench(live: bool = False, repeats: int = 200) -> dict:
    """Single-image latency of the three MNIST models, and their trace counts after mixed sizes.

    Rows "cnn_fixed", "cnn_gap", "rnn_rows" (each also timed through `model.predict`).
    `live` adds nothing here.
    """
    rng = np.random.default_rng(0)
    latency, traces = {}, {}
    for name, model in _models().items():
        predictor = ImagePredictor(model)
        image = rng.random((NATIVE, NATIVE), dtype=np.float32)
        fast = time_ms(lambda p=predictor, x=image: p.predict_one(x), repeats)
        slow = time_ms(lambda m=model, x=image: m.predict(x[None, :, :, None], verbose=0), max(repeats // 4, 20))
        latency[name] = latency_summary(fast, slow)
        # 200 inputs of random sizes (rows for the row RNN, sides for the pooled CNN).
        for _ in range(200):
            side = int(rng.integers(8, 113))
            if name == "cnn_gap":
                predictor.predict_one(rng.random((side, side), dtype=np.float32))
            elif name == "rnn_rows":
                predictor.predict_one(rng.random((side, NATIVE), dtype=np.float32))
            else:
                predictor.predict_one(image)
        traces[name] = predictor.traces
    return {"latency_ms": latency, "traces": traces}


def bench_calls(rng) -> list:
    """The memory loop's image calls: one random image through each model (sides 8 to 112 where free)."""
    images = {name: ImagePredictor(model) for name, model in _models().items()}
    return [
        lambda: images["cnn_fixed"].predict_one(rng.random((NATIVE, NATIVE), dtype=np.float32)),
        lambda: images["cnn_gap"].predict_one(rng.random((int(rng.integers(8, 113)),) * 2, dtype=np.float32)),
        lambda: images["rnn_rows"].predict_one(rng.random((int(rng.integers(8, 113)), NATIVE), dtype=np.float32)),
    ]
