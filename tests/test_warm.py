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
from pathlib import Path

import pytest

from cnnrnn.core import st as core_st
from cnnrnn.core import timing, warm
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
    thread = core_st.start_warm(warm_tasks())
    assert thread is not None and thread.name == warm.THREAD_NAME and thread.daemon
    assert core_st.start_warm(warm_tasks()) is thread  # once per process
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
stats = [open(p).read() for p in glob.glob("/proc/self/task/*/stat")]
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
    assert later >= max(start, timing.BACKGROUND_NICE), "the loads after the first run at the lower priority"
    assert highest == start and threads > 2, f"TensorFlow's pool threads kept the process's: {out.stderr[-300:]}"
