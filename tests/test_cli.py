"""The command line, run as a user runs it: `python -m cnnrnn ...` in a subprocess.

What every task shares (usage errors, the offline message); each task's own commands are tested in
tests/<task>/test_cli.py.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def cli(*args, input=None):
    return subprocess.run([sys.executable, "-m", "cnnrnn", *args], capture_output=True, text=True,
                          cwd=ROOT, input=input, timeout=300)


def test_bad_arguments_give_usage_not_a_traceback():
    out = cli("evaluate", "nonsense")
    assert out.returncode == 2 and "invalid choice" in out.stderr and "Traceback" not in out.stderr


def test_missing_data_without_network_is_one_line_not_a_traceback(tmp_path):
    """No data directory, an empty Keras cache and no way out: each task says what to do."""
    import os

    env = {k: v for k, v in os.environ.items() if k != "CNNRNN_DATA_DIR"}
    # Every download goes to a proxy that refuses connections: offline, whatever this machine has.
    env.update(KERAS_HOME=str(tmp_path), http_proxy="http://127.0.0.1:9", https_proxy="http://127.0.0.1:9",
               HTTP_PROXY="http://127.0.0.1:9", HTTPS_PROXY="http://127.0.0.1:9", no_proxy="", NO_PROXY="")
    for task, name in (("mnist", "MNIST"), ("sentiment", "sentence polarity")):
        out = subprocess.run([sys.executable, "-m", "cnnrnn", "evaluate", task], capture_output=True, text=True,
                             cwd=ROOT, env=env, timeout=300)
        assert out.returncode == 2, out.stderr[-2000:]
        assert "Traceback" not in out.stderr
        error = [line for line in out.stderr.splitlines() if line.startswith("error:")]
        assert len(error) == 1 and name in error[0] and "CNNRNN_DATA_DIR" in error[0], out.stderr[-1000:]
        assert out.stdout == "", "standard output is for JSON results only"
