"""The translation task's command-line arguments, without TensorFlow: `MODELS` and `translate`."""

from __future__ import annotations

from cnnrnn.tasks.translation.config import MODEL_NAMES

MODELS = MODEL_NAMES


def add_commands(sub) -> None:
    """`translate [TEXT...] [--model all|rnn_fixed|rnn_attention|cnn] [--beam K] [--weights DIR]`."""
    translate = sub.add_parser(
        "translate", help="English to French (texts, or lines of standard input); one JSON line per text and model"
    )
    translate.add_argument(
        "texts", nargs="*", metavar="TEXT", help="English texts; without any, lines of standard input"
    )
    translate.add_argument("--model", default="all", choices=("all", *MODEL_NAMES))
    translate.add_argument("--beam", type=int, default=4, help="beam width (1: greedy; default 4)")
    translate.add_argument("--weights", help="weights directory (default: the shipped cnnrnn/weights)")
    translate.set_defaults(task="translation", run="cmd_translate")
