"""Shared test setup: the data directory, the shipped weights, tiny models."""

from __future__ import annotations

import os
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
# Test helpers shared by several test folders (generated digit photos, hand-drawn scenes).
sys.path.insert(0, str(ROOT / "tests" / "support"))
os.environ.setdefault("KERAS_BACKEND", "tensorflow")
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

# Tests read data from the shared mirror beside the checkout, as CI does.
_MIRROR = ROOT.parent / "shared" / "data"
if not os.environ.get("CNNRNN_DATA_DIR") and _MIRROR.is_dir():
    os.environ["CNNRNN_DATA_DIR"] = str(_MIRROR)

# The audience rooms' SQLite file goes to a folder of this test run, never to ~/.cnnrnn/rooms (the browser
# tests' servers inherit it, so a restarted server finds the rooms an earlier one stored).
if not os.environ.get("CNNRNN_ROOM_DIR"):
    import tempfile

    os.environ["CNNRNN_ROOM_DIR"] = tempfile.mkdtemp(prefix="cnnrnn-rooms-")

# No warm-start thread in tests (it would load every model in the background and burn the shared CPUs);
# the tests of the warm start turn it on for themselves (tests/test_warm.py). Browser tests' servers inherit it.
os.environ.setdefault("CNNRNN_WARM", "0")

WEIGHTS = ROOT / "cnnrnn" / "weights"


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    """Expose each phase's report on the test item (the browser tests screenshot failures)."""
    outcome = yield
    report = outcome.get_result()
    setattr(item, f"rep_{report.when}", report)


DURATIONS = ROOT / "tests" / "durations.json"  # seconds per test file, from a whole-suite run (see below)


def _recorded() -> dict[str, float]:
    import json

    try:
        return json.loads(DURATIONS.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}


def pytest_collection_modifyitems(config, items):
    """The longest files first, each file's tests in their order: the suite runs a file per worker at a time
    (pytest.ini: --dist loadfile), so the long files start at once and the short ones fill in at the end,
    instead of one long file running alone after the rest. A file's length is its seconds in
    tests/durations.json (written by a whole-suite run with CNNRNN_RECORD_DURATIONS=1); a file not in it counts
    as long when it holds a slow test."""
    recorded = _recorded()
    slow_files = {item.path for item in items if item.get_closest_marker("slow")}
    longest = max(recorded.values(), default=0.0)

    def length(item) -> float:
        name = item.path.relative_to(ROOT).as_posix()
        if name in recorded:
            return recorded[name]
        return longest + 1 if item.path in slow_files else 0.0

    items.sort(key=lambda item: -length(item))  # stable: the order within each file stays


_SPENT: dict[str, float] = {}


def pytest_runtest_logreport(report):
    """With CNNRNN_RECORD_DURATIONS=1: add each test phase's seconds to its file's total (on the controller too,
    which receives every worker's reports)."""
    if os.environ.get("CNNRNN_RECORD_DURATIONS"):
        name = report.nodeid.split("::")[0]
        _SPENT[name] = _SPENT.get(name, 0.0) + report.duration


def pytest_sessionfinish(session, exitstatus):
    """With CNNRNN_RECORD_DURATIONS=1, on the controller of a whole-suite run: write tests/durations.json."""
    import json

    if os.environ.get("CNNRNN_RECORD_DURATIONS") and _SPENT and not os.environ.get("PYTEST_XDIST_WORKER"):
        totals = {name: round(seconds, 1) for name, seconds in sorted(_SPENT.items())}
        DURATIONS.write_text(json.dumps(totals, indent=1) + "\n", encoding="utf-8")
