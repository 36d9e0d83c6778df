"""The command line: `python -m cnnrnn COMMAND ...` (see `--help`).

Commands print JSON where their output is data. Bad input gives a one-line
error on stderr and a non-zero exit, never a traceback.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

TASKS = ("mnist",)


def _print_json(obj) -> None:
    print(json.dumps(obj, ensure_ascii=False), flush=True)


def cmd_train(args) -> int:
    from cnnrnn.config import preset
    from cnnrnn.train import WEIGHTS_DIR, train_mnist

    config = preset("quick" if args.quick else args.preset)
    out = Path(args.out) if args.out else WEIGHTS_DIR

    def on_epoch(model, epoch, logs):
        shown = " ".join(f"{k}={v:.4f}" for k, v in sorted(logs.items()) if k.endswith(("loss", "accuracy")))
        print(f"  {model} epoch {epoch + 1}/{config.epochs}: {shown}", file=sys.stderr, flush=True)

    entry = train_mnist(config, out, on_epoch=on_epoch, log=lambda m: print(m, file=sys.stderr, flush=True))
    _print_json({"task": "mnist", "weights": str(out),
                 "accuracy": {k: v["test_accuracy"] for k, v in entry["models"].items()}})
    return 0


def cmd_evaluate(args) -> int:
    from cnnrnn.experiments import evaluate_mnist

    _print_json(evaluate_mnist(args.weights))
    return 0


def cmd_predict_image(args) -> int:
    from cnnrnn.images import ImageError, prepare_digit
    from cnnrnn.inference import ImagePredictor, load_image_models
    from cnnrnn.models import MODEL_NAMES

    models = load_image_models(args.weights)
    wanted = MODEL_NAMES if args.model == "all" else (args.model,)
    predictors = {name: ImagePredictor(models[name]) for name in wanted}
    failed = False
    for path in args.paths:
        try:
            data = Path(path).read_bytes()
            prepared = prepare_digit(data, method=args.resize, aspect=args.aspect)
        except (OSError, ImageError) as error:
            message = error.strerror if isinstance(error, OSError) and error.strerror else str(error)
            _print_json({"path": path, "error": message})
            failed = True
            continue
        for name, predictor in predictors.items():
            probs = predictor.predict_one(prepared.model_input)
            label = int(probs.argmax())
            _print_json({"path": path, "model": name, "label": label, "confidence": round(float(probs[label]), 4)})
    return 1 if failed else 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m cnnrnn", description=__doc__.splitlines()[0])
    sub = parser.add_subparsers(dest="command", required=True)

    train = sub.add_parser("train", help="train a task's models and write weights + manifest")
    train.add_argument("task", choices=TASKS)
    train.add_argument("--quick", action="store_true", help="a short run on part of the data (minutes)")
    train.add_argument("--preset", default="full", choices=("full", "quick", "tiny"))
    train.add_argument("--out", help="weights directory (default: the shipped cnnrnn/weights)")
    train.set_defaults(func=cmd_train)

    evaluate = sub.add_parser("evaluate", help="evaluate shipped models on the test split; prints JSON")
    evaluate.add_argument("task", choices=TASKS)
    evaluate.add_argument("--weights", help="weights directory (default: the shipped cnnrnn/weights)")
    evaluate.set_defaults(func=cmd_evaluate)

    predict = sub.add_parser("predict-image", help="classify digit images; one JSON line per path and model")
    predict.add_argument("paths", nargs="+", metavar="PATH")
    predict.add_argument("--model", default="all", choices=("all", "cnn_fixed", "cnn_gap", "rnn_rows"))
    predict.add_argument("--resize", default="area", help="resize method: nearest, bilinear, bicubic, area, lanczos")
    predict.add_argument("--aspect", default="pad", choices=("pad", "stretch", "crop"))
    predict.add_argument("--weights", help="weights directory (default: the shipped cnnrnn/weights)")
    predict.set_defaults(func=cmd_predict_image)
    return parser


def main(argv=None) -> int:
    args = build_parser().parse_args(argv)
    try:
        return args.func(args)
    except KeyboardInterrupt:
        print("error: interrupted", file=sys.stderr)
        return 130
    except (FileNotFoundError, ValueError) as error:
        print(f"error: {error}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
