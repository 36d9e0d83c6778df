"""The captioning task's command-line arguments, without TensorFlow: `MODELS` and `caption`.

`python -m cnnrnn` reads every task's parser module to build its arguments, then loads the one
task's `cli` (and TensorFlow) only for the command it runs.
"""

from __future__ import annotations

from cnnrnn.tasks.captions.config import MODEL_NAME

MODELS = (MODEL_NAME,)

PROTOCOL = True  # trained under the fair-fight protocol (seeds and a learning-rate grid): `train captions --seeds N`


def add_commands(sub) -> None:
    """`caption PATH... [--beam K] [--weights DIR]` (runs `cli.cmd_caption`)."""
    caption = sub.add_parser("caption", help="caption scene images; one JSON line per image")
    caption.add_argument("paths", nargs="+", metavar="PATH")
    caption.add_argument("--beam", type=int, default=1, help="beam width (1: greedy, the default)")
    caption.add_argument("--weights", help="weights directory (default: the shipped cnnrnn/weights)")
    caption.set_defaults(task="captions", run="cmd_caption")
