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


def pytest_collection_modifyitems(config, items):
    """The files that hold slow tests first, each file's tests in their order: the suite runs a file per worker
    at a time (pytest.ini: --dist loadfile), so the long files start at once and the short ones fill in at the
    end, instead of one long file running alone after the rest."""
    slow_files = {item.path for item in items if item.get_closest_marker("slow")}
    items.sort(key=lambda item: item.path not in slow_files)  # stable: the order within each group stays
