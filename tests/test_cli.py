"""The command line, run as a user runs it: `python -m cnnrnn ...` in a subprocess.

What every task shares (usage errors, the offline message); each task's own commands are tested in
tests/<task>/test_cli.py.
"""

from __future__ import annotations

import argparse
import re

from cli import OFFLINE, run_cli

from cnnrnn.tasks import all_tasks, trained_tasks


def test_bad_arguments_give_usage_not_a_traceback():
    out = run_cli("evaluate", "nonsense")
    assert out.returncode == 2 and "invalid choice" in out.stderr and "Traceback" not in out.stderr


def test_missing_data_without_network_is_one_line_not_a_traceback(tmp_path):
    """No data directory, an empty Keras cache and no way out: each task says what to do."""
    env = {"CNNRNN_DATA_DIR": None, "KERAS_HOME": str(tmp_path), **OFFLINE}
    for task, name in (("mnist", "MNIST"), ("sentiment", "sentence polarity")):
        out = run_cli("evaluate", task, env=env)
        assert out.returncode == 2, out.stderr[-2000:]
        assert "Traceback" not in out.stderr
        error = [line for line in out.stderr.splitlines() if line.startswith("error:")]
        assert len(error) == 1 and name in error[0] and "CNNRNN_DATA_DIR" in error[0], out.stderr[-1000:]
        assert out.stdout == "", "standard output is for JSON results only"


def test_every_task_is_on_the_command_line():
    """train and evaluate offer every task with models; every task's own commands are listed (from the registry)."""
    for command in ("train", "evaluate"):
        out = run_cli(command, "--help", timeout=120)
        assert out.returncode == 0, out.stderr[-2000:]
        choices = re.search(r"positional arguments:\n\s+\{([^}]*)\}", out.stdout).group(1).split(",")
        assert choices == [task.name for task in trained_tasks()], out.stdout
    listed = run_cli("--help", timeout=120)
    for task in all_tasks():
        adds = getattr(task.module("parser"), "add_commands", None)
        if adds:
            own = argparse.ArgumentParser().add_subparsers()
            adds(own)
            assert all(name in listed.stdout for name in own.choices), (task.name, sorted(own.choices))
