"""A new task is a folder, a page and one registry line: the tests' tiny task (tests/support/tiny_task) appears in
the navigation, the home cards and the command line (train, evaluate and its own command). tests/test_new_task.py
runs the suite's registry-wide tests with it registered."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import tiny_task as tiny_task_package
from app_pages import open_app

import cnnrnn.tasks
from cnnrnn.__main__ import build_parser, main
from cnnrnn.core.task import Task

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def tiny_task(monkeypatch):
    """The tests' tiny task (tests/support/tiny_task: parser, cli, ui, checks and a page), registered here."""
    if tiny_task_package.TASK not in cnnrnn.tasks.TASKS:  # not already registered by CNNRNN_EXTRA_TASKS
        monkeypatch.setattr(cnnrnn.tasks, "TASKS", cnnrnn.tasks.TASKS + (tiny_task_package.TASK,))
    return tiny_task_package.TASK


def test_a_registered_task_is_in_the_navigation_and_the_home_cards(tiny_task):
    at = open_app()
    assert "Tiny lab" in [h.value for h in at.subheader], "the home page has a card for the new task"
    at.switch_page(tiny_task.page).run()
    assert not at.exception, [e.value for e in at.exception]
    assert [t.value for t in at.title] == ["Tiny task: a number and its double"]


def test_a_registered_task_is_on_the_command_line(tiny_task, capsys):
    parser = build_parser()
    choices = parser._subparsers._group_actions[0].choices
    assert "tiny" in choices["train"]._actions[1].choices and "tiny" in choices["evaluate"]._actions[1].choices
    assert main(["evaluate", "tiny"]) == 0
    assert json.loads(capsys.readouterr().out) == {"task": "tiny", "accuracy": {"double": 1.0}}
    assert main(["train", "tiny", "--preset", "tiny", "--models", "double", "--out", "somewhere"]) == 0
    out = capsys.readouterr()
    assert json.loads(out.out) == {"task": "tiny", "preset": "tiny", "models": ["double"], "out": "somewhere"}
    assert "training double" in out.err
    assert main(["train", "tiny", "--models", "large"]) == 2
    assert "unknown tiny model(s) large; choose from double" in capsys.readouterr().err
    assert main(["tiny-double", "21"]) == 0
    assert json.loads(capsys.readouterr().out) == {"number": 21.0, "double": 42.0}


def test_extra_tasks_come_from_the_environment_and_must_be_tasks(monkeypatch):
    """CNNRNN_EXTRA_TASKS is how a test registers its task in the processes it starts (the CLI, a server)."""
    assert cnnrnn.tasks.extra_tasks("") == ()
    assert cnnrnn.tasks.extra_tasks(" tiny_task:TASK ") == (tiny_task_package.TASK,)
    monkeypatch.setenv(cnnrnn.tasks.EXTRA_ENV, "tiny_task:TASK")
    assert cnnrnn.tasks.extra_tasks() == (tiny_task_package.TASK,)
    with pytest.raises(TypeError, match="not a Task"):
        cnnrnn.tasks.extra_tasks("tiny_task.cli:FIGURES")


def test_an_unknown_section_is_refused_when_registering():
    with pytest.raises(ValueError, match="section must be one of Patterns, Labs"):
        Task(name="x", package="x", title="X", url_path="x", icon=":material/star:", page="pages/x.py", section="Misc")


def test_a_task_shown_on_another_page_has_no_page_of_its_own_but_its_own_commands():
    """The Tang poems are a corpus of the Generation page: in the registry (train, evaluate, manifest), not in
    the navigation or the home cards."""
    from cnnrnn.tasks import all_tasks, get_task, page_tasks

    tang = get_task("tang")
    assert not tang.has_page and tang not in page_tasks() and tang in all_tasks()
    host = get_task(tang.shown_on)
    assert host.has_page and tang.page == host.page and tang.url_path == host.url_path
    for task in all_tasks():
        assert not task.shown_on or get_task(task.shown_on).has_page, f"{task.name} is shown on a page-less task"
    choices = build_parser()._subparsers._group_actions[0].choices
    assert "tang" in choices["train"]._actions[1].choices and "tang" in choices["evaluate"]._actions[1].choices
