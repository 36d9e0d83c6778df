"""The character models' command-line arguments, without TensorFlow: `MODELS` and `generate`.

`python -m cnnrnn` reads every task's parser module to build its arguments, then loads the one
task's `cli` (and TensorFlow) only for the command it runs.
"""

from __future__ import annotations

from cnnrnn.tasks.charlm.config import CHARLM_NAMES
from cnnrnn.tasks.charlm.tang.form import FORM_CHOICES

MODELS = CHARLM_NAMES


CORPORA = ("shakespeare", "tang")


def add_commands(sub) -> None:
    """The task's own command: `generate` (runs `cli.cmd_generate`; `--corpus tang` writes a poem)."""
    generate = sub.add_parser("generate", help="continue a prime with a character model; prints the text")
    generate.add_argument("--corpus", default="shakespeare", choices=CORPORA,
                          help="shakespeare (default): tiny Shakespeare's models; tang: the Tang-poem models")
    generate.add_argument("--prime", default=None,
                          help="the text to continue (default: 'ROMEO:' and a new line; for tang, nothing)")
    generate.add_argument("--length", type=int, default=None,
                          help="characters to generate (default 400; for tang 120, and the poem's end stops it)")
    generate.add_argument("--temperature", type=float, default=0.8, help="0: greedy; 1: the model's own odds")
    generate.add_argument("--top-k", type=int, default=0, help="sample among the k likeliest characters (0: all)")
    generate.add_argument("--seed", type=int, default=0, help="the same seed gives the same text")
    generate.add_argument("--model", default="lstm", choices=MODELS)
    generate.add_argument("--form", default=None, choices=FORM_CHOICES,
                          help="tang only: the form to write (auto, the default: a quatrain as long as the "
                               "prime's lines, an octave past 4 lines; any: the model chooses)")
    generate.add_argument("--title", default=None, help="tang only: the poem's title")
    generate.add_argument("--weights", help="weights directory (default: the shipped cnnrnn/weights)")
    generate.set_defaults(task="charlm", run="cmd_generate")
