"""The command line as a user runs it: `python -m cnnrnn ARGS` in a subprocess from the project root.

Every test that runs the command line goes through `run_cli`, so they all run it the same way: this Python,
the project root as the working directory, UTF-8 in and out, standard input given (empty unless a test pipes
text), and a timeout.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def run_cli(
    *args: str, input: str | bytes = "", env: dict[str, str | None] | None = None, timeout: float = 300
) -> subprocess.CompletedProcess:
    """Run `python -m cnnrnn ARGS`; the finished process with `stdout` and `stderr` as text.

    input: standard input (text is sent as UTF-8; bytes as they are, for input that is not valid UTF-8).
    env: variables set on top of this process's environment; a value of None removes the variable.
    Output is decoded as UTF-8 (the subprocess writes UTF-8: PYTHONIOENCODING).
    """
    merged = {**os.environ, "PYTHONIOENCODING": "utf-8"}
    for key, value in (env or {}).items():
        if value is None:
            merged.pop(key, None)
        else:
            merged[key] = value
    data = input.encode("utf-8") if isinstance(input, str) else input
    done = subprocess.run(
        [sys.executable, "-m", "cnnrnn", *args], input=data, capture_output=True, cwd=ROOT, env=merged, timeout=timeout
    )
    return subprocess.CompletedProcess(
        done.args, done.returncode, done.stdout.decode("utf-8"), done.stderr.decode("utf-8")
    )


def json_lines(text: str) -> list[dict]:
    """The JSON objects of a command that prints one per line (predict-image, caption, predict-sentiment)."""
    return [json.loads(line) for line in text.splitlines()]


# Every download goes to a proxy that refuses connections: offline, whatever this machine has.
OFFLINE = {
    "http_proxy": "http://127.0.0.1:9",
    "https_proxy": "http://127.0.0.1:9",
    "HTTP_PROXY": "http://127.0.0.1:9",
    "HTTPS_PROXY": "http://127.0.0.1:9",
    "no_proxy": "",
    "NO_PROXY": "",
}
