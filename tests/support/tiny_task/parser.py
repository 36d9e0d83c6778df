"""The tiny task's arguments: one model name and one command of its own (no TensorFlow)."""

MODELS = ("double",)


def add_commands(sub) -> None:
    double = sub.add_parser("tiny-double", help="the tiny task's own command: a number's double, as JSON")
    double.add_argument("number", type=float)
    double.set_defaults(task="tiny", run="double")
