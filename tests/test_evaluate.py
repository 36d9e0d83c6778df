"""`python -m cnnrnn evaluate TASK` re-measures the shipped models on the test split: it equals the manifest, for every task.

Parametrized over the registry, so a new task is held to its manifest the day it is added. Each task's
`cli.manifest_figures(entry)` says what its `evaluate` prints, as the manifest recorded it at training.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from cnnrnn.core.weights import read_manifest
from cnnrnn.tasks import all_tasks

ROOT = Path(__file__).resolve().parents[1]


def _close(got, want, where: str) -> None:
    if isinstance(want, dict):
        assert isinstance(got, dict) and set(want) <= set(got), f"{where}: {sorted(want)} not in {got}"
        for key, value in want.items():
            _close(got[key], value, f"{where}.{key}")
    elif isinstance(want, float):
        assert got == pytest.approx(want, abs=1e-4), f"{where}: measured {got}, the manifest says {want}"
    else:
        assert got == want, f"{where}: measured {got!r}, the manifest says {want!r}"


@pytest.mark.parametrize("task", all_tasks(), ids=lambda t: t.name)
def test_evaluate_equals_the_manifest(task):
    entry = read_manifest().get(task.name)
    assert entry and entry.get("models"), f"the manifest has no shipped models for {task.name}"
    cli = task.module("cli")
    want = cli.manifest_figures(entry)
    assert want, "a task states at least one figure"
    out = subprocess.run([sys.executable, "-m", "cnnrnn", "evaluate", task.name], capture_output=True, text=True,
                         cwd=ROOT, timeout=900)
    assert out.returncode == 0, out.stderr[-2000:]
    _close(json.loads(out.stdout), want, task.name)
