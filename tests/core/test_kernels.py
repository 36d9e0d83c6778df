"""The server's TensorFlow kernels: its own (Eigen) rather than oneDNN's, whose per-shape primitives grow memory."""

from __future__ import annotations

import os
import subprocess
import sys

from cnnrnn.core import process

CODE = """
import os, sys
from cnnrnn.core import process
took = process.prefer_eigen_kernels()
import tensorflow
print(took, os.environ.get("TF_ENABLE_ONEDNN_OPTS"))
"""


def _run(env: dict) -> subprocess.CompletedProcess:
    out = subprocess.run([sys.executable, "-c", CODE], capture_output=True, text=True, timeout=300, env=env)
    assert out.returncode == 0, out.stderr[-1000:]
    return out


def test_oneDNN_is_off_before_tensorflow_loads_unless_the_deployer_chose():
    unset = {key: value for key, value in os.environ.items() if key != process.ONEDNN_ENV}
    out = _run(unset)
    assert out.stdout.split() == ["True", "0"]
    assert "oneDNN custom operations are on" not in out.stderr  # TensorFlow's own notice when oneDNN is used
    chosen = _run({**unset, process.ONEDNN_ENV: "1"})
    assert chosen.stdout.split() == ["False", "1"], "a value the deployer set is kept"


def test_too_late_once_tensorflow_is_imported(monkeypatch):
    monkeypatch.delenv(process.ONEDNN_ENV, raising=False)
    monkeypatch.setitem(sys.modules, "tensorflow", sys.modules.get("tensorflow", object()))
    assert process.prefer_eigen_kernels() is False and os.environ[process.ONEDNN_ENV] == "0"


def test_the_server_settings_are_the_kernels_and_both_malloc_settings(monkeypatch):
    calls = []
    for name in ("prefer_eigen_kernels", "limit_malloc_arenas", "fix_malloc_thresholds"):
        monkeypatch.setattr(process, name, lambda name=name: calls.append(name) or True)
    process.server_settings()
    assert calls == ["prefer_eigen_kernels", "limit_malloc_arenas", "fix_malloc_thresholds"]
