"""The image task's command-line arguments, without TensorFlow: `MODELS` and `predict-image`.

`python -m cnnrnn` reads every task's parser module to build its arguments, then loads the one
task's `cli` (and TensorFlow) only for the command it runs.
"""

from __future__ import annotations

from cnnrnn.core.images import RESIZE_METHODS
from cnnrnn.tasks.digits.config import MODEL_NAMES, SHIPPED_NAMES
from cnnrnn.tasks.digits.prepare import ASPECTS

MODELS = SHIPPED_NAMES  # what `train mnist --models` may name

PROTOCOL = True  # the compared models train under the fair-fight protocol: `train mnist --seeds N`


def add_commands(sub) -> None:
    """`predict-image PATH... [--model] [--resize] [--aspect] [--weights]` (runs `cli.cmd_predict_image`)."""
    predict = sub.add_parser("predict-image", help="classify digit images; one JSON line per path and model")
    predict.add_argument("paths", nargs="+", metavar="PATH")
    predict.add_argument("--model", default="all", choices=("all", *MODEL_NAMES))
    predict.add_argument("--resize", default="area", help=f"resize method: {', '.join(RESIZE_METHODS)}")
    predict.add_argument("--aspect", default="pad", choices=ASPECTS)
    predict.add_argument("--weights", help="weights directory (default: the shipped cnnrnn/weights)")
    predict.set_defaults(task="mnist", run="cmd_predict_image")
