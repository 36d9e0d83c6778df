"""The command line: `python -m cnnrnn COMMAND ...` (see `--help`).

Commands print JSON where their output is data. Bad input gives a one-line
error on stderr and a non-zero exit, never a traceback.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

TASKS = ("mnist", "sentiment", "charlm", "captions", "mnist1d")


def _print_json(obj) -> None:
    print(json.dumps(obj, ensure_ascii=False), flush=True)


def _log(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def _epoch_printer(epochs: int):
    """An on_epoch callback printing a model's losses and accuracies to stderr."""

    def on_epoch(model, epoch, logs):
        shown = " ".join(f"{k}={v:.4f}" for k, v in sorted(logs.items()) if k.endswith(("loss", "accuracy")))
        _log(f"  {model} epoch {epoch + 1}/{epochs}: {shown}")

    return on_epoch


def cmd_train(args) -> int:
    if args.task == "captions":
        return cmd_train_captions(args)
    if args.task == "mnist1d":
        return cmd_train_mnist1d(args)
    if args.task == "charlm":
        return cmd_train_charlm(args)
    if args.task == "sentiment":
        return cmd_train_sentiment(args)
    from cnnrnn.config import preset
    from cnnrnn.train import WEIGHTS_DIR, train_mnist

    config = preset("quick" if args.quick else args.preset)
    out = Path(args.out) if args.out else WEIGHTS_DIR

    models = args.models.split(",") if args.models else None
    entry = train_mnist(config, out, on_epoch=_epoch_printer(config.epochs), log=_log,
                        models=models)
    _print_json({"task": "mnist", "weights": str(out),
                 "accuracy": {k: v["test_accuracy"] for k, v in entry["models"].items()}})
    return 0


def cmd_evaluate(args) -> int:
    if args.task == "captions":
        from cnnrnn.experiments import evaluate_captions

        _print_json(evaluate_captions(args.weights))
        return 0
    if args.task == "mnist1d":
        from cnnrnn.train import MNIST1D_MODELS, check_mnist1d_weights

        check_mnist1d_weights(args.weights, [n for n, (_, _, mixed) in MNIST1D_MODELS.items() if not mixed])
        from cnnrnn.experiments import evaluate_mnist1d

        _print_json(evaluate_mnist1d(args.weights))
        return 0
    if args.task == "charlm":
        from cnnrnn.experiments import evaluate_charlm

        _print_json(evaluate_charlm(args.weights))
        return 0
    if args.task == "sentiment":
        from cnnrnn.experiments import evaluate_sentiment

        _print_json(evaluate_sentiment(args.weights))
        return 0
    from cnnrnn.experiments import evaluate_mnist

    _print_json(evaluate_mnist(args.weights))
    return 0


def cmd_predict_image(args) -> int:
    from cnnrnn.core.images import ImageError, prepare_digit
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


def cmd_bench(args) -> int:
    from cnnrnn.bench import format_table, run

    result = run(startup=args.startup, live=args.live)
    if args.json:
        _print_json(result)
    else:
        print(format_table(result))
    return 0


def cmd_train_sentiment(args) -> int:
    from cnnrnn.config import sentiment_preset
    from cnnrnn.train import WEIGHTS_DIR, train_sentiment

    config = sentiment_preset("quick" if args.quick else args.preset)
    out = Path(args.out) if args.out else WEIGHTS_DIR

    models = args.models.split(",") if args.models else None
    entry = train_sentiment(config, out, on_epoch=_epoch_printer(config.epochs), log=_log,
                            models=models)
    _print_json({"task": "sentiment", "weights": str(out),
                 "accuracy": {k: v["test_accuracy"] for k, v in entry["models"].items()}})
    return 0


def _read_stdin_lines() -> list[str]:
    """Non-blank lines of standard input, decoded as UTF-8 (bad bytes replaced)."""
    raw = sys.stdin.buffer.read() if hasattr(sys.stdin, "buffer") else sys.stdin.read().encode("utf-8", "replace")
    lines = raw.decode("utf-8", "replace").split("\n")
    return [line.rstrip("\r") for line in lines if line.strip()]


def cmd_predict_sentiment(args) -> int:
    from cnnrnn.text import check_text, clean, limit_text

    texts = list(args.texts)
    if not texts:
        if sys.stdin is None or sys.stdin.isatty():
            raise ValueError("no text: give TEXT arguments or pipe lines on standard input")
        texts = _read_stdin_lines()
        if not texts:
            raise ValueError("standard input holds no text")
    if hasattr(sys.stdout, "reconfigure"):
        sys.stdout.reconfigure(errors="backslashreplace")
    from cnnrnn.inference import load_sentiment_predictors

    predictors = load_sentiment_predictors(args.weights)
    if args.model != "all":
        predictors = {args.model: predictors[args.model]}
    failed = False
    for number, text in enumerate(texts, start=1):
        text = clean(text)
        message = check_text(text)
        if message:
            _print_json({"text": text, "error": message})
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
            _print_json({"text": text, "model": name, "positive": round(predictor.predict_one(text_read), 4)})
    return 1 if failed else 0


def cmd_train_charlm(args) -> int:
    from cnnrnn.config import charlm_preset
    from cnnrnn.train import WEIGHTS_DIR, train_charlm

    config = charlm_preset("quick" if args.quick else args.preset)
    out = Path(args.out) if args.out else WEIGHTS_DIR
    models = args.models.split(",") if args.models else None
    entry = train_charlm(config, out, models=models, log=lambda m: print(m, file=sys.stderr, flush=True))
    _print_json({"task": "charlm", "weights": str(out),
                 "loss": {k: v["heldout_loss"] for k, v in entry["models"].items()}})
    return 0


def cmd_train_captions(args) -> int:
    from cnnrnn.config import captions_preset
    from cnnrnn.train import WEIGHTS_DIR, train_captions

    config = captions_preset("quick" if args.quick else args.preset)
    out = Path(args.out) if args.out else WEIGHTS_DIR
    entry = train_captions(config, out, on_epoch=_epoch_printer(config.epochs), log=_log)
    info = entry["models"]["captioner"]
    _print_json({"task": "captions", "weights": str(out), "exact_match": info["exact_match"],
                 "token_accuracy": info["token_accuracy"], "beam_exact_match": info["beam_exact_match"]})
    return 0


def cmd_caption(args) -> int:
    from cnnrnn.core.images import ImageError, prepare_scene
    from cnnrnn.train import WEIGHTS_DIR

    root = Path(args.weights) if args.weights else WEIGHTS_DIR
    if not (root / "captions_model.keras").is_file():
        raise FileNotFoundError(f"no captions_model.keras in {root}; run: python -m cnnrnn train captions")
    from cnnrnn.inference import load_caption_predictor

    predictor = load_caption_predictor(args.weights)
    failed = False
    for path in args.paths:
        try:
            prepared = prepare_scene(Path(path).read_bytes())
        except (OSError, ImageError) as error:
            message = error.strerror if isinstance(error, OSError) and error.strerror else str(error)
            _print_json({"path": path, "error": message})
            failed = True
            continue
        image = prepared.model_input[None]
        caption = predictor.beam(image, args.beam)[0] if args.beam > 1 else predictor.greedy(image)[0]
        _print_json({"path": path, "caption": caption})
    return 1 if failed else 0


def cmd_train_mnist1d(args) -> int:
    from cnnrnn.config import mnist1d_preset
    from cnnrnn.train import MNIST1D_MODELS, WEIGHTS_DIR, train_mnist1d

    config = mnist1d_preset("quick" if args.quick else args.preset)
    out = Path(args.out) if args.out else WEIGHTS_DIR
    models = [m.strip() for m in args.models.split(",") if m.strip()] if args.models else None
    unknown = sorted(set(models or ()) - set(MNIST1D_MODELS))
    if unknown:  # before TensorFlow loads
        raise ValueError(f"unknown MNIST-1D model(s) {', '.join(unknown)}; choose from {', '.join(MNIST1D_MODELS)}")

    def on_epoch(model, epoch, logs):
        shown = " ".join(f"{k}={v:.4f}" for k, v in sorted(logs.items()))
        _log(f"  {model} epoch {epoch + 1}: {shown}")

    entry = train_mnist1d(config, out, models=models, log=_log, on_epoch=on_epoch)
    _print_json({"task": "mnist1d", "weights": str(out),
                 "accuracy": {k: v["test_accuracy"] for k, v in entry["models"].items()},
                 "train_seconds": {k: v["train_seconds"] for k, v in entry["models"].items()}})
    return 0


def cmd_generate(args) -> int:
    from cnnrnn.data import check_generation_settings
    from cnnrnn.train import check_charlm_weights

    check_generation_settings(args.length, args.temperature, args.top_k, args.seed)  # fail before TensorFlow loads
    check_charlm_weights(args.weights, (args.model,))
    from cnnrnn.inference import load_charlm

    predictor = load_charlm(args.weights, names=(args.model,))[args.model]
    run = predictor.stream(args.prime, args.length, args.temperature, args.top_k, args.seed)
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


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m cnnrnn", description=__doc__.splitlines()[0])
    sub = parser.add_subparsers(dest="command", required=True)

    train = sub.add_parser("train", help="train a task's models and write weights + manifest")
    train.add_argument("task", choices=TASKS)
    train.add_argument("--quick", action="store_true", help="a short run on part of the data (minutes)")
    train.add_argument("--preset", default="full", choices=("full", "quick", "tiny"))
    train.add_argument("--out", help="weights directory (default: the shipped cnnrnn/weights)")
    train.add_argument("--models", help="comma-separated subset to retrain (mnist: cnn_fixed,cnn_gap,rnn_rows; sentiment: rnn,cnn; charlm: lstm,cnn; mnist1d: logreg,mlp,cnn,gru,cnn_shuffled,gru_shuffled,cnn_mixed,gru_mixed)")
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

    from cnnrnn.text import MAX_CHARS

    sentiment = sub.add_parser("predict-sentiment", help="P(positive) of texts (or stdin lines); "
                               "one JSON line per text and model")
    sentiment.add_argument("texts", nargs="*", metavar="TEXT", help="texts; without any, lines of standard input")
    sentiment.add_argument("--model", default="all", choices=("all", "rnn", "cnn"))
    sentiment.add_argument("--max-chars", type=int, default=MAX_CHARS,
                           help=f"read at most this many characters per text (default {MAX_CHARS:,}; 0: no limit)")
    sentiment.add_argument("--weights", help="weights directory (default: the shipped cnnrnn/weights)")
    sentiment.set_defaults(func=cmd_predict_sentiment)
    generate = sub.add_parser("generate", help="continue a prime with a character model; prints the text")
    generate.add_argument("--prime", default="ROMEO:\n", help="the text to continue (default: 'ROMEO:' and a new line)")
    generate.add_argument("--length", type=int, default=400, help="characters to generate (default 400)")
    generate.add_argument("--temperature", type=float, default=0.8, help="0: greedy; 1: the model's own odds")
    generate.add_argument("--top-k", type=int, default=0, help="sample among the k likeliest characters (0: all)")
    generate.add_argument("--seed", type=int, default=0, help="the same seed gives the same text")
    generate.add_argument("--model", default="lstm", choices=("lstm", "cnn"))
    generate.add_argument("--weights", help="weights directory (default: the shipped cnnrnn/weights)")
    generate.set_defaults(func=cmd_generate)
    caption = sub.add_parser("caption", help="caption scene images; one JSON line per image")
    caption.add_argument("paths", nargs="+", metavar="PATH")
    caption.add_argument("--beam", type=int, default=1, help="beam width (1: greedy, the default)")
    caption.add_argument("--weights", help="weights directory (default: the shipped cnnrnn/weights)")
    caption.set_defaults(func=cmd_caption)
    bench = sub.add_parser("bench", help="latency, traces and memory of the shipped models")
    bench.add_argument("--json", action="store_true", help="print one JSON object instead of a table")
    bench.add_argument("--startup", action="store_true",
                       help="also time `streamlit run` and every page in a real browser (needs Chromium)")
    bench.add_argument("--live", action="store_true",
                       help="also time the generation page's live training on 100 KB of text (two minutes)")
    bench.set_defaults(func=cmd_bench)
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
