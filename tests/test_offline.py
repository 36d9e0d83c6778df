"""Offline to the last button: every page's every button, clicked with no data directory and no network.

A visitor who installed the app has no data mirror; a talk has no wifi. Here CNNRNN_DATA_DIR is
unset, the Keras cache is an empty folder and every socket connect fails, and a crawler clicks each
button it finds on each page (and on the views behind the page's mode switches), again and again
until none is left unclicked. Each click must end in a result or a clear disabled state, never an
exception. The held-out samples shipped for this are also held equal to the data mirror's.

What each page's crawl sets, expects and empties comes from its task's `checks` module (OFFLINE_VIEWS,
OFFLINE_CLICKS, OFFLINE_DISABLED, OFFLINE_LAST, OFFLINE_JOBS, OFFLINE_CACHES; see cnnrnn/core/task.py), so a new task is
crawled the day it is registered.
"""

from __future__ import annotations

import gzip
import json
import re
import socket

import numpy as np
import pyarrow as pa
import pytest
from app_pages import open_page, run_until_trained

from cnnrnn.core.data import data_dir
from cnnrnn.tasks import all_tasks, page_tasks
from cnnrnn.tasks.charlm import data as charlm_data
from cnnrnn.tasks.digits import data as digits_data

MIRROR = data_dir()  # read before the offline fixture unsets it


def _checks(task, name: str, default):
    return getattr(task.module("checks"), name, default)


class NetworkBlocked(OSError):
    pass


def _no_network(*args, **kwargs):
    raise NetworkBlocked("the network is blocked by this test")


@pytest.fixture
def offline(monkeypatch, tmp_path):
    """No data directory, an empty Keras cache, no network; the caches of data-reading functions emptied."""
    monkeypatch.delenv("CNNRNN_DATA_DIR", raising=False)
    monkeypatch.setenv("KERAS_HOME", str(tmp_path / "keras"))
    monkeypatch.setattr(socket.socket, "connect", _no_network)
    monkeypatch.setattr(socket.socket, "connect_ex", _no_network)
    monkeypatch.setattr(socket, "create_connection", _no_network)
    fresh = _offline_caches()
    for cached in fresh:  # what the buttons compute, and the loaders behind them, run afresh offline
        cached.clear()
    yield
    for cached in fresh:  # and nothing computed offline answers later tests
        cached.clear()


def _offline_caches() -> list:
    """The cached functions behind the pages' buttons and data loaders, as each task names them (the others read
    only shipped files: the models and the samples, whose cached results are the same with or without data)."""
    return [getattr(task.module("ui"), name) for task in all_tasks() for name in _checks(task, "OFFLINE_CACHES", ())]


def _set(at, kind, key, value):
    getattr(at, kind)(key=key).set_value(value).run()
    assert not at.exception, [e.value for e in at.exception]


def _specs(at) -> list[str]:
    return [chart.proto.spec for chart in at.get("vega_lite_chart")]


def _titles(at) -> list[str]:
    titles = []
    for spec in map(json.loads, _specs(at)):
        title = spec.get("title") or (spec.get("layer") or [{}])[0].get("title")
        titles.append(title.get("text") if isinstance(title, dict) else title)
    return titles


def _captions(at) -> str:
    return "\n".join(c.value for c in at.caption)


def _seqlab_recompute(at) -> bool:
    """The length table redrawn from the test signals, and the caption's band read from it (not typed)."""
    from cnnrnn.tasks.mnist1d.experiments import mixed_length_band

    chart = next(
        c
        for c in at.get("vega_lite_chart")
        if json.loads(c.proto.spec).get("title") == "Test accuracy with the signals resampled to each length"
    )
    tables = [pa.ipc.open_stream(d.data.data).read_all().to_pandas() for d in chart.proto.datasets]
    recomputed = next(t for t in tables if "model" in t.columns)  # the lines (the other layer is the rule)
    assert set(recomputed["model"]) == {"cnn", "gru", "cnn_mixed", "gru_mixed"}
    low, high = mixed_length_band(recomputed, 40)
    assert f"stay between {low:.2f} and {high:.2f} from 40 to 160 points" in _captions(at)
    return True


def _seqlab_latency(at) -> bool:
    measured = [t for t in _titles(at) if t and t.startswith("Measured on this machine")]
    assert len(measured) == 1, _titles(at)
    assert re.fullmatch(r"Measured on this machine on \d{4}-\d\d-\d\d at \d\d:\d\d UTC", measured[0])
    return True


def _captions_recompute(at) -> bool:
    assert [t for t in _titles(at) if t and t.startswith("Recomputed ")] and len(
        [t for t in _titles(at) if t and t.startswith("Recomputed ")]
    ) == 2, "both recomputed charts"
    stamp = re.compile(r"Measured on this machine at \d{4}-\d\d-\d\d \d\d:\d\d UTC on the first 300 test scenes")
    assert stamp.search(_captions(at)), "a recomputed table says when it was measured"
    return True


def _polls_until(at, test, timeout: float = 180.0) -> bool:
    """Rerun the page as its training fragment polls (every 0.5 s) until `test(at)` holds (live training runs
    on the pool's thread, so its result comes after the click's run)."""
    import time

    deadline = time.monotonic() + timeout
    while not test(at):
        if time.monotonic() > deadline:
            return False
        time.sleep(0.5)
        at.run()
    return True


# What a click must show, beyond "no exception" (some of these were separate page tests with the data
# mirror; they run here, offline, on the same click).
AFTER_CLICK = {
    "translation_latency": lambda at: any(c.value.startswith("Measured on this machine at ") for c in at.caption),
    "cnn_recompute": lambda at: any("Recomputed on 1,000 test digits at " in s for s in _specs(at)),
    "gen_recompute": lambda at: any("Recomputed at " in s and " UTC on 64 held-out windows" in s for s in _specs(at)),
    "gen_live_train": lambda at: _polls_until(at, lambda at: at.session_state["gen_live"].history.get("step", 0) > 0),
    "seqlab_train": lambda at: _polls_until(
        at, lambda at: len(at.session_state["seqlab_runs"][-2]["history"]["epoch"]) > 0
    ),
    "captions_recompute": _captions_recompute,
    "seqlab_recompute": _seqlab_recompute,
    "seqlab_latency": _seqlab_latency,
}


def _crawl(at, clicked: dict, last: tuple[str, ...]) -> None:
    """Click every enabled button not clicked yet (those in `last` after the others), rerunning after each,
    until none is left."""
    for _ in range(20):  # a generous bound: each pass clicks at least one new button
        fresh = [b for b in at.button if b.key not in clicked and not b.disabled]
        if not fresh:
            return
        button = min(fresh, key=lambda b: b.key in last)
        clicked[button.key] = button.label
        button.click().run()
        assert not at.exception, f"{button.label!r} ({button.key}): {[e.value for e in at.exception]}"
        assert not at.error, f"{button.label!r} ({button.key}): {[e.value for e in at.error]}"
        assert AFTER_CLICK.get(button.key, lambda at: True)(at), f"{button.label!r} showed no result"
    raise AssertionError(f"buttons kept appearing: {sorted(clicked)}")


def test_the_network_block_holds(offline):
    with pytest.raises(OSError):
        socket.create_connection(("example.com", 80), timeout=1)
    assert data_dir() is None


# The whole-suite tier: the crawl trains live (the generation page, the sequence lab) and reruns every experiment
# (the evaluate kind); each page's own AppTests, on the shipped weights, are the quick tier.
@pytest.mark.slow
@pytest.mark.parametrize("task", page_tasks(), ids=lambda t: t.name)
def test_every_button_works_offline(offline, task):
    last, allowed = _checks(task, "OFFLINE_LAST", ()), _checks(task, "OFFLINE_DISABLED", {})
    clicked, disabled = {}, {}
    for view in _checks(task, "OFFLINE_VIEWS", [[]]):
        at = open_page(task.page)
        for kind, key, value in view:
            _set(at, kind, key, value)
        assert not at.error, [e.value for e in at.error]  # e.g. "the sample text is not available offline"
        if ("segmented_control", "gen_live_source", "Sample") in view:
            assert any(c.value.startswith("tiny Shakespeare, first 100 KB: 100,000 characters") for c in at.caption)
        _crawl(at, clicked, last)
        for job in _checks(task, "OFFLINE_JOBS", ()):  # a run still training greys out its Train button
            run_until_trained(at, job)
        _crawl(at, clicked, last)  # and what an ended run shows (Generate, Start over, Clear my runs)
        disabled.update({b.key: b.label for b in at.button if b.disabled})
    assert clicked, f"{task.page}: no button was clicked"
    for key in disabled:  # a button shown disabled offline says why, and how to get the data
        assert key in allowed, f"{key} is disabled offline"
        assert any("CNNRNN_DATA_DIR" in c.value and allowed[key] in c.value for c in at.caption)
    expected = _checks(task, "OFFLINE_CLICKS", set())
    assert expected <= set(clicked), f"not clicked: {expected - set(clicked)}"


@pytest.mark.skipif(MIRROR is None, reason="needs the data mirror (CNNRNN_DATA_DIR)")
def test_shipped_samples_are_the_mirrors_own_slices():
    with np.load(MIRROR / "mnist" / "mnist.npz") as npz:
        x_test, y_test = npz["x_test"][:1000], npz["y_test"][:1000]
    x, y = digits_data.load_test_sample()
    assert x.dtype == np.uint8 and x.shape == (1000, 28, 28)
    np.testing.assert_array_equal(x, x_test)
    np.testing.assert_array_equal(y, y_test)
    text = (MIRROR / "tinyshakespeare" / "input.txt").read_text(encoding="utf-8")
    split = int(len(text) * 0.9)
    assert charlm_data.shakespeare_heldout_text() == text[split:]
    assert charlm_data.shakespeare_sample(100_000) == text[:100_000]
    for path in (charlm_data.SHIPPED_HELDOUT, charlm_data.SHIPPED_SAMPLE):
        assert gzip.decompress(path.read_bytes())  # plain gzip, readable anywhere


def test_shipped_samples_stay_small():
    shipped = [digits_data.TEST_SAMPLE, charlm_data.SHIPPED_HELDOUT, charlm_data.SHIPPED_SAMPLE]
    assert sum(p.stat().st_size for p in shipped) < 300_000, "the weights budget is for models"
