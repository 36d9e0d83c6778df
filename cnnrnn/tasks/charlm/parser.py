"""The character models' command-line arguments, without TensorFlow: `MODELS` and `generate`.

`python -m cnnrnn` reads every task's parser module to build its arguments, then loads the one
task's `cli` (and TensorFlow) only for the command it runs. `generate --corpus tang` runs the Tang
task's `cli.cmd_generate` (the task the corpus names), so this task imports nothing of that one.
"""

from __future__ import annotations

import argparse

from cnnrnn.tasks.charlm.config import CHARLM_NAMES

MODELS = CHARLM_NAMES

PROTOCOL = True  # trained under the fair-fight protocol: `train charlm --seeds N` (`--models cnn`: that model only)

CORPORA = {"shakespeare": "charlm", "tang": "tang"}  # corpus -> the registered task whose models write it


class _Corpus(argparse.Action):
    """`--corpus NAME`: the corpus, and the task whose `cli.cmd_generate` runs."""

    def __call__(self, parser, namespace, value, option_string=None):
        namespace.corpus, namespace.task = value, CORPORA[value]


def add_commands(sub) -> None:
    """The task's own command: `generate` (runs `cli.cmd_generate`; `--corpus tang` writes a poem)."""
    generate = sub.add_parser("generate", help="continue a prime with a character model; prints the text")
    generate.add_argument(
        "--corpus",
        default="shakespeare",
        choices=tuple(CORPORA),
        action=_Corpus,
        help="shakespeare (default): tiny Shakespeare's models; tang: the Tang-poem models",
    )
    generate.add_argument(
        "--prime", default=None, help="the text to continue (default: 'ROMEO:' and a new line; for tang, nothing)"
    )
    generate.add_argument(
        "--length",
        type=int,
        default=None,
        help="characters to generate (default 400; for tang 120, and the poem's end stops it)",
    )
    generate.add_argument("--temperature", type=float, default=0.8, help="0: greedy; 1: the model's own odds")
    generate.add_argument("--top-k", type=int, default=0, help="sample among the k likeliest characters (0: all)")
    generate.add_argument("--seed", type=int, default=0, help="the same seed gives the same text")
    generate.add_argument("--model", default="lstm", choices=MODELS)
    generate.add_argument(
        "--form",
        default=None,
        help="tang only: the form to write (auto, the default: a quatrain as long as the "
        "prime's lines, an octave past 4 lines; any: the model chooses; or one of the "
        "four forms by name, e.g. 五言絕句)",
    )
    generate.add_argument("--title", default=None, help="tang only: the poem's title")
    generate.add_argument("--weights", help="weights directory (default: the shipped cnnrnn/weights)")
    generate.set_defaults(task="charlm", run="cmd_generate")
