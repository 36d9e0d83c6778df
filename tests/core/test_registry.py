"""A sixth task is a folder, a page and one registry line: a tiny task of the test's own appears in the
navigation, the home cards and the command line (train, evaluate and its own command)."""

from __future__ import annotations

import json
import sys
import textwrap
from pathlib import Path

import pytest
from app_pages import open_app

import cnnrnn.tasks
from cnnrnn.__main__ import build_parser, main
from cnnrnn.core.task import Task

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def tiny_task(tmp_path, monkeypatch):
    """A task package `tinytask` (cli with MODELS, train, evaluate and one command) and its page, registered."""
    package = tmp_path / "tinytask"
    package.mkdir()
    (package / "__init__.py").write_text('"""A tiny task for the registry test."""\n')
    (package / "parser.py").write_text(textwrap.dedent('''
        """The tiny task's arguments."""
        MODELS = ("small",)

        def add_commands(sub):
            hello = sub.add_parser("tiny-hello", help="say hello")
            hello.add_argument("name")
            hello.set_defaults(task="tiny", run="hello")
    '''))
    (package / "cli.py").write_text(textwrap.dedent('''
        """The tiny task's command line."""
        def train(args, log):
            log("training small")
            return {"task": "tiny", "preset": args.preset, "models": args.models, "out": str(args.out)}

        def evaluate(weights_dir):
            return {"task": "tiny", "accuracy": {"small": 1.0}}

        def hello(args):
            print("hello " + args.name)
            return 0
    '''))
    page = ROOT / "pages" / "_tiny_registry_test.py"
    page.write_text('import streamlit as st\n\nst.title("Tiny task page")\nst.write("tiny and working")\n')
    monkeypatch.syspath_prepend(str(tmp_path))
    task = Task(name="tiny", package="tinytask", title="Tiny task", url_path="tiny", icon=":material/star:",
                page="pages/_tiny_registry_test.py", section="Labs", pattern="Tiny lab", shape="nothing -> nothing",
                blurb="A task made by the registry test.")
    monkeypatch.setattr(cnnrnn.tasks, "TASKS", cnnrnn.tasks.TASKS + (task,))
    yield task
    page.unlink(missing_ok=True)
    sys.modules.pop("tinytask.cli", None)
    sys.modules.pop("tinytask.parser", None)
    sys.modules.pop("tinytask", None)


def test_a_registered_task_is_in_the_navigation_and_the_home_cards(tiny_task):
    at = open_app()
    assert "Tiny lab" in [h.value for h in at.subheader], "the home page has a card for the new task"
    at.switch_page(tiny_task.page).run()
    assert not at.exception, [e.value for e in at.exception]
    assert [t.value for t in at.title] == ["Tiny task page"]


def test_a_registered_task_is_on_the_command_line(tiny_task, capsys):
    parser = build_parser()
    choices = parser._subparsers._group_actions[0].choices
    assert "tiny" in choices["train"]._actions[1].choices and "tiny" in choices["evaluate"]._actions[1].choices
    assert main(["evaluate", "tiny"]) == 0
    assert json.loads(capsys.readouterr().out) == {"task": "tiny", "accuracy": {"small": 1.0}}
    assert main(["train", "tiny", "--preset", "tiny", "--models", "small", "--out", "somewhere"]) == 0
    out = capsys.readouterr()
    assert json.loads(out.out) == {"task": "tiny", "preset": "tiny", "models": ["small"], "out": "somewhere"}
    assert "training small" in out.err
    assert main(["train", "tiny", "--models", "large"]) == 2
    assert "unknown tiny model(s) large; choose from small" in capsys.readouterr().err
    assert main(["tiny-hello", "room"]) == 0
    assert capsys.readouterr().out == "hello room\n"


def test_an_unknown_section_is_refused_when_registering():
    with pytest.raises(ValueError, match="section must be one of Patterns, Labs"):
        Task(name="x", package="x", title="X", url_path="x", icon=":material/star:", page="pages/x.py",
             section="Misc")


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
