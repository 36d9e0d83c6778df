"""The sentiment task's command-line arguments, without TensorFlow: `MODELS` and `predict-sentiment`.

`python -m cnnrnn` reads every task's parser module to build its arguments, then loads the one
task's `cli` (and TensorFlow) only for the command it runs.
"""

from __future__ import annotations

from cnnrnn.tasks.sentiment.config import SENTIMENT_NAMES
from cnnrnn.tasks.sentiment.text import MAX_CHARS

MODELS = SENTIMENT_NAMES


def add_commands(sub) -> None:
    """`predict-sentiment TEXT... [--model all|rnn|cnn] [--max-chars N] [--weights DIR]`."""
    sentiment = sub.add_parser(
        "predict-sentiment", help="P(positive) of texts (or stdin lines); one JSON line per text and model"
    )
    sentiment.add_argument("texts", nargs="*", metavar="TEXT", help="texts; without any, lines of standard input")
    sentiment.add_argument("--model", default="all", choices=("all", *SENTIMENT_NAMES))
    sentiment.add_argument(
        "--max-chars",
        type=int,
        default=MAX_CHARS,
        help=f"read at most this many characters per text (default {MAX_CHARS:,}; 0: no limit)",
    )
    sentiment.add_argument("--weights", help="weights directory (default: the shipped cnnrnn/weights)")
    sentiment.set_defaults(task="sentiment", run="cmd_predict_sentiment")
