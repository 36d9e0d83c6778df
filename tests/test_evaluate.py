"""`python -m cnnrnn evaluate TASK` re-measures the shipped models on the test split.

It equals the manifest, for every task.

Parametrized over the registry's tasks with models of their own (`trained_tasks`: a non-empty
parser.MODELS), so a new task is held to its manifest the day it is added. Each task's
`cli.manifest_figures(entry)` says what its `evaluate` prints, as the manifest recorded it at training.
The audience room trains nothing (it reads with the image and sentiment models, evaluated here under
their own names): it has no `evaluate`, and the command line does not offer it.
"""

from __future__ import annotations

import json

import pytest
from cli import run_cli

from cnnrnn.core.weights import read_manifest
from cnnrnn.tasks import all_tasks, trained_tasks


def _close(got, want, where: str) -> None:
    if isinstance(want, dict):
        assert isinstance(got, dict) and set(want) <= set(got), f"{where}: {sorted(want)} not in {got}"
        for key, value in want.items():
            _close(got[key], value, f"{where}.{key}")
    elif isinstance(want, float):
        assert got == pytest.approx(want, abs=1e-4), f"{where}: measured {got}, the manifest says {want}"
    else:
        assert got == want, f"{where}: measured {got!r}, the manifest says {want!r}"


def test_only_the_tasks_without_models_are_left_out():
    left_out = {task.name for task in all_tasks()} - {task.name for task in trained_tasks()}
    assert left_out == {"room"}
    for name in left_out:
        task = next(t for t in all_tasks() if t.name == name)
        assert task.module("parser").MODELS == () and task.uses, f"{name} is left out but trains or uses nothing"
        assert not hasattr(task.module("cli"), "evaluate") and name not in read_manifest()
    out = run_cli("evaluate", "room")
    assert out.returncode == 2 and "invalid choice: 'room'" in out.stderr and "Traceback" not in out.stderr


@pytest.mark.slow  # the whole-suite tier: every task's test split, re-measured
@pytest.mark.parametrize("task", trained_tasks(), ids=lambda t: t.name)
def test_evaluate_equals_the_manifest(task):
    entry = read_manifest().get(task.name)
    assert entry and entry.get("models"), f"the manifest has no shipped models for {task.name}"
    cli = task.module("cli")
    want = cli.manifest_figures(entry)
    assert want, "a task states at least one figure"
    out = run_cli("evaluate", task.name, timeout=900)
    assert out.returncode == 0, out.stderr[-2000:]
    _close(json.loads(out.stdout), want, task.name)
