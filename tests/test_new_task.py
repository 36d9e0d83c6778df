"""A new task is covered by the suite the day it is registered: the tests' tiny task (tests/support/tiny_task),
registered through CNNRNN_EXTRA_TASKS in a pytest run of the registry-wide tests, appears in the navigation, the
home cards, the command line, the offline crawl, the benchmark, the load test's plan and the browser walk, and no
test file names it. What each of those checks of a page comes from the task's own checks module.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from cli import run_cli

ROOT = Path(__file__).resolve().parents[1]
SUPPORT = ROOT / "tests" / "support"
ENV = {
    "CNNRNN_EXTRA_TASKS": "tiny_task:TASK",
    "PYTHONPATH": os.pathsep.join(filter(None, [str(SUPPORT), os.environ.get("PYTHONPATH")])),
}

# The registry-wide tests that must now cover the tiny task, each by the name pytest reports it under.
COVERED = [
    "tests/test_app.py::test_every_page_opens_from_the_app_without_exception[tiny]",  # the navigation
    "tests/test_app.py::test_home_has_a_card_per_task_in_registry_order_and_the_manifest_table",  # the home cards
    "tests/test_cli.py::test_every_task_is_on_the_command_line",
    "tests/test_offline.py::test_every_button_works_offline[tiny]",
    "tests/test_bench.py::test_every_task_benchmarks_itself_and_feeds_the_memory_loop[tiny]",
    "tests/test_bench.py::test_the_room_spreads_its_sessions_over_the_actions_every_page_declares",
    "tests/test_browser.py::test_every_page_fits_phone_projector_and_desktop_widths[tiny]",  # the browser walk
    "tests/test_browser.py::test_presenter_mode_puts_each_key_result_on_the_first_projector_screen[tiny]",
]


def test_the_tiny_task_runs_its_commands_through_the_registry():
    evaluated = run_cli("evaluate", "tiny", env=ENV, timeout=120)
    assert evaluated.returncode == 0, evaluated.stderr[-2000:]
    assert evaluated.stdout.strip() == '{"task": "tiny", "accuracy": {"double": 1.0}}'
    doubled = run_cli("tiny-double", "21", env=ENV, timeout=120)
    assert doubled.returncode == 0 and doubled.stdout.strip() == '{"number": 21.0, "double": 42.0}', doubled.stderr
    assert run_cli("evaluate", "tiny", timeout=120).returncode == 2, "registered only where the variable says so"


@pytest.mark.slow  # reruns the browser walk, the benchmark and page tests with the tiny task registered
def test_the_registry_wide_tests_cover_a_new_task_with_no_line_about_it():
    files = sorted({name.split("::")[0] for name in COVERED})
    for file in files:
        text = (ROOT / file).read_text(encoding="utf-8")
        assert not any(name in text for name in ("tiny_task", '"tiny"', "'tiny'", "Tiny")), f"{file} names it"
    out = subprocess.run(
        [sys.executable, "-m", "pytest", "-n", "0", "-p", "no:cacheprovider", "-rA", "--durations=0", *COVERED],
        capture_output=True,
        text=True,
        cwd=ROOT,
        timeout=1500,
        env={**os.environ, **ENV},
    )
    assert out.returncode == 0, out.stdout[-6000:]
    passed = {line.split()[1] for line in out.stdout.splitlines() if line.startswith("PASSED ")}
    assert passed == set(COVERED), out.stdout[-4000:]
