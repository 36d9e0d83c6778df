"""The warm start (cnnrnn.core.warm): loaders load once whichever thread asks, and the start-up thread fills
every task's model sets so that pages find them loaded; in a real browser, a model page opened on a cold
server says what is loading, then shows its result.

conftest.py turns the warm start off for every other test (CNNRNN_WARM=0); these tests turn it on.
"""

from __future__ import annotations

import os
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

from cnnrnn.core import process, warm
from cnnrnn.core.ui import app
from cnnrnn.core.weights import WEIGHTS_DIR
from cnnrnn.tasks import all_tasks, page_tasks, warm_tasks

ROOT = Path(__file__).resolve().parents[1]


def test_a_loader_loads_once_for_threads_asking_at_once_and_retries_after_a_failure():
    calls = []
    start = threading.Barrier(6)

    def load():
        calls.append(1)
        if len(calls) == 1:
            raise OSError("the first try fails")
        return object()

    flaky = warm.Loader(load, "a test set")
    assert flaky.state == warm.PENDING
    with pytest.raises(OSError):
        flaky()
    assert (flaky.state, flaky.load_count) == (warm.FAILED, 1)

    results = []

    def ask():
        start.wait()
        results.append(flaky())

    threads = [threading.Thread(target=ask) for _ in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert (flaky.state, flaky.load_count, len(calls)) == (warm.READY, 2, 2)  # one retry, shared by all six
    assert all(result is results[0] for result in results)


def test_the_warm_start_is_off_when_cnnrnn_warm_is_0(monkeypatch):
    monkeypatch.setenv(warm.ENV, "0")
    monkeypatch.setattr(warm, "_started", None)
    assert not warm.enabled()
    assert warm.start([lambda: []]) is None


def test_every_task_with_models_declares_loaders_that_exist_and_the_plan_follows_the_navigation():
    planned = warm_tasks()
    assert [task.name for task in planned if task.has_page] == [t.name for t in page_tasks() if t.loaders]
    hosts = [task.name for task in planned if not task.shown_on]
    assert [task.name for task in planned] == hosts + [task.name for task in planned if task.shown_on], (
        "a task shown behind a choice on another page loads after every page's own"
    )
    assert "tang" in [task.name for task in planned if task.shown_on]
    assert {task.name for task in planned} == {task.name for task in all_tasks() if task.loaders}
    assert {task.name for task in all_tasks() if not task.loaders} == {"room"}  # it uses the image and text models
    for task in planned:
        for name in task.loaders:
            assert isinstance(getattr(task.module("ui"), name), warm.Loader), f"{task.name}.ui.{name}"


@pytest.mark.skipif(not (WEIGHTS_DIR / "manifest.json").is_file(), reason="shipped weights are missing")
def test_the_warm_start_thread_fills_every_model_set_and_pages_do_not_load_them_again(monkeypatch):
    monkeypatch.setenv(warm.ENV, "1")
    monkeypatch.setattr(warm, "_started", None)
    loaders = [getattr(task.module("ui"), name) for task in warm_tasks() for name in task.loaders]
    before = {id(item): (item.state, item.load_count) for item in loaders}
    thread = app.start_warm(warm_tasks())
    assert thread is not None and thread.name == warm.THREAD_NAME and thread.daemon
    assert app.start_warm(warm_tasks()) is thread  # once per process
    thread.join(timeout=600)
    assert not thread.is_alive()
    for item in loaders:
        state, count = before[id(item)]
        assert item.state == warm.READY, f"{item.label}: {item.state} ({item.error!r})"
        if state != warm.READY:  # this process had not loaded it: the warm start did, once
            assert item.load_count == count + 1 and item.loaded_by == warm.THREAD_NAME, item
        value = item()  # what a page's call gets now: the same objects, not a second load
        assert item() is value and item.load_count == (count + 1 if state != warm.READY else count), item


def test_the_warm_start_runs_below_the_pages_but_leaves_tensorflows_pools_at_their_priority():
    """After its first load (which creates TensorFlow's thread pools) the warm-start thread lowers its own CPU
    priority; the pools, which every page's predictions run on, keep the process's. A fresh process, so that
    the warm start is the first to start TensorFlow."""
    code = """
import glob, os, threading
from cnnrnn.core import warm
seen = {"start": os.getpriority(os.PRIO_PROCESS, 0)}
def first():
    import tensorflow as tf
    x = tf.random.normal((300, 300))
    tf.function(lambda a: tf.reduce_sum(a @ a))(x).numpy()
    return True
def later():
    seen["later"] = os.getpriority(os.PRIO_PROCESS, threading.get_native_id())
    return True
plan = [lambda: [warm.Loader(first, "first"), warm.Loader(later, "later")]]
thread = threading.Thread(target=warm.warm, args=(plan,), name=warm.THREAD_NAME)
thread.start(); thread.join()
# the warm-start thread itself may linger in /proc for a moment after join(): only the others count
stats = [open(p).read() for p in glob.glob("/proc/self/task/*/stat")
         if os.path.basename(os.path.dirname(p)) != str(thread.native_id)]
nices = [int(st.rsplit(")", 1)[1].split()[16]) for st in stats]
import sys
print([st.split("(", 1)[1].rsplit(")", 1)[0] for st, n in zip(stats, nices) if n], file=sys.stderr)
print(seen["start"], seen["later"], max(nices), len(nices))
"""
    if not hasattr(os, "getpriority") or not os.path.isdir("/proc/self/task"):
        pytest.skip("per-thread niceness is Linux's")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=180, cwd=ROOT)
    assert out.returncode == 0, out.stderr[-2000:]
    start, later, highest, threads = map(int, out.stdout.split()[-4:])
    assert later >= max(start, process.BACKGROUND_NICE), "the loads after the first run at the lower priority"
    assert highest == start and threads > 2, f"TensorFlow's pool threads kept the process's: {out.stderr[-300:]}"


def _in_warm_thread(plan) -> threading.Thread:
    thread = threading.Thread(target=warm.warm, args=(plan,), name=warm.THREAD_NAME, daemon=True)
    thread.start()
    return thread


def test_the_warm_start_waits_while_a_page_runs_and_logs_what_it_loaded(monkeypatch, capfd):
    monkeypatch.setattr(warm, "PAUSE_CAP_S", 30.0)
    loaded = threading.Event()
    plan = [lambda: [warm.Loader(lambda: loaded.set() or True, "a test model")]]
    with warm.page_running():
        thread = _in_warm_thread(plan)
        assert not loaded.wait(0.6), "the warm start loaded while a page's script ran"
    assert loaded.wait(5), "the warm start went on once the page's run ended"
    thread.join(5)
    line = capfd.readouterr().err.strip().splitlines()[-1]
    assert line.startswith("cnnrnn warm start: done in ") and "a test model ready at " in line


def test_inside_a_load_the_warm_start_yields_to_a_running_page_but_not_to_one_waiting_for_it(monkeypatch):
    monkeypatch.setattr(warm, "PAUSE_CAP_S", 30.0)
    entered, go, passed = threading.Event(), threading.Event(), threading.Event()

    def load():
        entered.set()
        go.wait(10)
        warm.checkpoint()  # between two parts of a long load
        passed.set()
        return True

    thread = _in_warm_thread([lambda: [warm.Loader(load, "a long load")]])
    assert entered.wait(5)
    with warm.page_running():
        go.set()
        assert not passed.wait(0.6), "the warm start went on while the page ran"
        started = time.monotonic()
        warm.checkpoint()  # on the page's own thread it never waits
        assert time.monotonic() - started < 0.1
        with warm.page_first():  # the page now waits for a load: it may be this one, so the warm start goes on
            assert passed.wait(5)
    thread.join(5)


def test_a_capped_pause_lets_the_warm_start_go_on_under_a_page_that_runs_for_long(monkeypatch):
    monkeypatch.setattr(warm, "PAUSE_CAP_S", 0.3)
    loaded = threading.Event()
    with warm.page_running():
        thread = _in_warm_thread([lambda: [warm.Loader(lambda: loaded.set() or True, "a test model")]])
        assert loaded.wait(5), "the warm start waited past its cap"
    thread.join(5)


def test_a_page_whose_code_is_loaded_does_not_wait_for_the_lock_the_warm_start_holds_through_a_load():
    digits = next(task for task in page_tasks() if task.package.endswith(".digits"))
    digits.module("ui")  # imported: the page only needs the lock for code not yet loaded
    held, release, done = threading.Event(), threading.Event(), threading.Event()

    def warm_load():
        with warm.imports():
            held.set()
            release.wait(30)

    holder = threading.Thread(target=warm_load, daemon=True)
    holder.start()
    assert held.wait(5)
    page = threading.Thread(
        target=lambda: (app._import_page_modules(page_tasks(), digits.url_path), done.set()), daemon=True
    )
    page.start()
    try:
        assert done.wait(5), "the page waited for the warm start's lock to import code it already had"
    finally:
        release.set()
        holder.join(5)
        page.join(5)


def test_at_exit_the_warm_start_ends_at_its_next_checkpoint_and_the_exit_waits_for_it(monkeypatch, capfd):
    monkeypatch.setattr(warm, "_STOP", threading.Event())  # this process goes on: a stop of its own
    inside, parts = threading.Event(), []

    def load():  # a long load in parts, as the model loaders are
        while len(parts) < 100_000:
            inside.set()
            warm.checkpoint()
            parts.append(1)
            time.sleep(0.001)
        return True

    after = warm.Loader(lambda: True, "a model after it")
    thread = _in_warm_thread([lambda: [warm.Loader(load, "a long load"), after]])
    assert inside.wait(5)
    warm.stop(thread, timeout=10)
    assert not thread.is_alive(), "stop() returned before the warm start ended"
    assert len(parts) < 100_000 and after.state == warm.PENDING, "it stopped inside the load, before the next"
    line = capfd.readouterr().err.strip().splitlines()[-1]
    assert "a long load" not in line and "stopped: the process exits" in line, line


EXIT_MID_LOAD = """
import sys, threading, time
from streamlit.testing.v1 import AppTest
from cnnrnn.core import warm
at = AppTest.from_file({app!r}, default_timeout=120).run()
assert not at.exception, at.exception
thread = next(t for t in threading.enumerate() if t.name == warm.THREAD_NAME)
deadline = time.monotonic() + 300
while thread.is_alive() and time.monotonic() < deadline:
    # Exit while the warm start is inside a model load (h5py reads a weights file), after its first model.
    frame, files = sys._current_frames().get(thread.ident), []
    while frame is not None:
        files.append(frame.f_code.co_filename)
        frame = frame.f_back
    if warm.warm_log() and any("h5py" in name for name in files):
        print("exiting inside a load", flush=True)
        break
    time.sleep(0.001)
"""


@pytest.mark.slow  # a fresh process imports TensorFlow and loads models: about 20 s
@pytest.mark.skipif(not (WEIGHTS_DIR / "manifest.json").is_file(), reason="shipped weights are missing")
def test_an_apptest_of_the_app_with_the_warm_start_on_exits_cleanly_in_the_middle_of_a_load():
    """Before the warm start stopped at exit, this exit hung (the main thread waiting on h5py's lock, which the
    abandoned daemon thread held), aborted or crashed with a segmentation fault: each of 4 runs failed."""
    code = EXIT_MID_LOAD.format(app=str(ROOT / "streamlit_app.py"))
    out = subprocess.run(
        [sys.executable, "-c", code],
        capture_output=True,
        text=True,
        cwd=ROOT,
        timeout=240,
        env={**os.environ, warm.ENV: "1"},
    )
    assert out.returncode == 0, out.stderr[-3000:]
    assert out.stdout.strip() == "exiting inside a load", (out.stdout, out.stderr[-2000:])
    assert "stopped: the process exits" in out.stderr
