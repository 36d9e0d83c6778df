"""What every task's command line shares: JSON lines on standard output, progress on standard error.

No TensorFlow here; `cnnrnn/__main__.py` and each task's `cli.py` use these.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path


def print_json(obj) -> None:
    """One JSON line on standard output (non-ASCII kept as it is)."""
    print(json.dumps(obj, ensure_ascii=False), flush=True)


def log(message: str) -> None:
    """A progress line on standard error (standard output stays JSON)."""
    print(message, file=sys.stderr, flush=True)


def epoch_printer(epochs: int, log=log):
    """An on_epoch(model, epoch, logs) callback printing a model's losses and accuracies through `log`."""

    def on_epoch(model, epoch, logs):
        shown = " ".join(f"{k}={v:.4f}" for k, v in sorted(logs.items()) if k.endswith(("loss", "accuracy")))
        log(f"  {model} epoch {epoch + 1}/{epochs}: {shown}")

    return on_epoch


def prepared_files(paths, prepare, errors: tuple[type[Exception], ...]):
    """(path, prepare(the file's bytes)) for each path, in order; None in place of the result for a file
    that cannot be read or whose `prepare` raises one of `errors`, after printing {"path", "error"}
    for it (the OS's own words for a missing file, else the error's one-line message)."""
    for path in paths:
        try:
            yield path, prepare(Path(path).read_bytes())
        except (OSError, *errors) as error:
            message = error.strerror if isinstance(error, OSError) and error.strerror else str(error)
            print_json({"path": path, "error": message})
            yield path, None
