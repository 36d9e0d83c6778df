"""The training pool (cnnrnn/core/jobs.py): queue, Stop, closed sessions, time limits, seeds.

Most tests train nothing: a fake step function sleeps a few milliseconds per "batch". The
seed tests build and train a tiny Keras model twice.
"""

from __future__ import annotations

import os
import random
import threading
import time

import numpy as np
import pytest

from cnnrnn.core import inflight, jobs, process
from cnnrnn.core.jobs import DONE, FAILED, QUEUED, RUNNING, STOPPED, TrainingPool


def steps(batches: int = 10_000, every: float = 0.005):
    """A fake training function: `batches` sleeps of `every` s, stopping when asked; returns batches done."""

    def train(run):
        done = 0
        while done < batches and not run.should_stop():
            time.sleep(every)
            done += 1
            run.report(done / batches, batches=done)
        return done

    return train


def _until(test, timeout: float = 5.0) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if test():
            return True
        time.sleep(0.01)
    return test()


def test_a_run_trains_below_the_pages_cpu_priority_and_the_submitter_keeps_its_own():
    if not hasattr(os, "getpriority"):
        pytest.skip("per-thread niceness is Linux's")
    own = os.getpriority(os.PRIO_PROCESS, threading.get_native_id())
    run = TrainingPool(slots=1).submit(
        lambda r: os.getpriority(os.PRIO_PROCESS, threading.get_native_id()), time_limit=30, session="a"
    )
    assert run.wait(10) and run.state == DONE
    assert run.result >= process.BACKGROUND_NICE, "the worker thread lowered its priority"
    assert os.getpriority(os.PRIO_PROCESS, threading.get_native_id()) == own


def test_a_second_run_queues_and_is_admitted_when_the_first_ends():
    pool = TrainingPool(slots=1)
    first = pool.submit(steps(40), time_limit=30, session="a")
    second = pool.submit(steps(5), time_limit=30, session="b")
    third = pool.submit(steps(5), time_limit=30, session="c")
    assert _until(lambda: first.state == RUNNING)
    assert (second.state, second.place, third.state, third.place) == (QUEUED, 1, QUEUED, 2)
    for run in (first, second):
        run.touch()
    assert first.wait(10) and first.state == DONE and first.result == 40 and first.progress == 1.0
    assert _until(lambda: second.state != QUEUED), "the queued run is admitted when the first ends"
    assert third.place in (0, 1)  # it moved up (or already started)
    assert second.wait(10) and third.wait(10)
    assert (second.state, second.result, third.state, third.result) == (DONE, 5, DONE, 5)
    assert second.started >= first.ended, "the second run waited for the slot"
    assert not pool.queued() and not pool.running()


def test_two_slots_run_two_at_once(monkeypatch):
    monkeypatch.setenv(jobs.SLOTS_ENV, "2")
    pool = TrainingPool()
    assert pool.slots == 2
    runs = [pool.submit(steps(), time_limit=30, session=s) for s in "abc"]
    assert _until(lambda: [r.state for r in runs] == [RUNNING, RUNNING, QUEUED])
    for run in runs:
        run.stop()
    assert all(run.wait(5) for run in runs)


@pytest.mark.parametrize("value", ["0", "-3", "two", "1.5"])
def test_a_bad_slot_count_falls_back_to_one(monkeypatch, value):
    monkeypatch.setenv(jobs.SLOTS_ENV, value)
    assert jobs.slots_from_env() == 1


def test_stop_ends_a_run_within_a_second_and_frees_the_slot():
    pool = TrainingPool(slots=1)
    first = pool.submit(steps(every=0.05), time_limit=60, session="a")
    second = pool.submit(steps(3), time_limit=60, session="b")
    assert _until(lambda: first.progress > 0)
    pressed = time.monotonic()
    first.stop()
    assert first.wait(1.0), "Stop lands within a second"
    assert time.monotonic() - pressed < 1.0
    assert (first.state, first.reason) == (STOPPED, "stopped") and 0 < first.result < 10_000
    assert second.wait(5) and second.state == DONE, "the freed slot goes to the queued run"


def test_stop_of_a_queued_run_takes_it_out_of_the_queue():
    pool = TrainingPool(slots=1)
    first = pool.submit(steps(), time_limit=60, session="a")
    second = pool.submit(steps(), time_limit=60, session="b")
    third = pool.submit(steps(), time_limit=60, session="c")
    second.stop()
    assert second.wait(0.5) and second.state == STOPPED and second.started is None
    assert third.place == 1
    first.stop()
    third.touch()
    assert _until(lambda: third.state == RUNNING)
    third.stop()
    assert third.wait(1)


def test_a_closed_session_frees_its_slot_and_its_queued_entry(monkeypatch):
    """A session whose heartbeat stops (its tab closed) loses its running run and its queued one."""
    monkeypatch.setattr(jobs, "WATCH_EVERY", 0.05)
    pool = TrainingPool(slots=1, heartbeat_timeout=0.3)
    closed = pool.submit(steps(), time_limit=60, session="gone")
    also_closed = pool.submit(steps(), time_limit=60, session="gone")
    waiting = pool.submit(steps(), time_limit=60, session="here")
    stop = threading.Event()

    def heartbeat():  # the open session's polling fragment
        while not stop.is_set():
            waiting.touch()
            time.sleep(0.05)

    beating = threading.Thread(target=heartbeat, daemon=True)
    beating.start()
    try:
        assert closed.wait(2) and (closed.state, closed.reason) == (STOPPED, "session closed")
        assert also_closed.wait(2) and also_closed.reason == "session closed" and also_closed.started is None
        assert _until(lambda: waiting.state == RUNNING), "the open session gets the slot"
        time.sleep(0.5)
        assert waiting.state == RUNNING, "a session that keeps polling keeps training"
    finally:
        stop.set()
        beating.join()
    waiting.stop()
    assert waiting.wait(1)


def test_an_alive_test_replaces_the_heartbeat_and_a_short_drop_is_forgiven():
    """With Streamlit's session check passed as `alive`, a run lives without touches until it says closed
    for longer than the heartbeat's timeout (a dropped connection that comes back keeps its run)."""
    pool = TrainingPool(slots=1, heartbeat_timeout=0.5)
    open_ = {"yes": True}
    run = pool.submit(steps(), time_limit=60, session="a", alive=lambda: open_["yes"])
    time.sleep(1.0)
    assert run.state == RUNNING, "no heartbeat needed while the session manager says it is open"
    open_["yes"] = False
    time.sleep(0.2)
    open_["yes"] = True  # back within the timeout
    time.sleep(0.7)
    assert run.state == RUNNING, "a short drop does not end the run"
    open_["yes"] = False
    dropped = time.monotonic()
    assert run.wait(2) and run.reason == "session closed"
    assert 0.4 < time.monotonic() - dropped < 1.5


def test_a_run_ends_at_its_time_limit_with_nobody_polling():
    pool = TrainingPool(slots=1, heartbeat_timeout=30)
    run = pool.submit(steps(every=0.01), time_limit=0.5, session="a")
    assert run.wait(2.0), "the time limit ends the run with no one watching"
    assert (run.state, run.reason) == (DONE, "time limit")
    assert 0.5 <= run.elapsed() < 1.5


def test_a_failing_run_reports_its_error_and_frees_the_slot():
    pool = TrainingPool(slots=1)

    def broken(run):
        raise ValueError("the text is too short to train on")

    bad = pool.submit(broken, time_limit=10, session="a")
    good = pool.submit(steps(2), time_limit=10, session="b")
    assert bad.wait(2) and bad.state == FAILED and bad.error == "the text is too short to train on"
    assert good.wait(2) and good.state == DONE


def test_training_waits_while_a_prediction_is_in_flight():
    pool = TrainingPool(slots=1)
    with inflight.inference():
        run = pool.submit(steps(), time_limit=10, session="a")
        time.sleep(0.3)
        held = run.info.get("batches", 0)
        assert held <= 1, "no batch runs while a prediction is in flight"
        assert inflight.inference_in_flight() == 1
    assert _until(lambda: run.info.get("batches", 0) > 5), "training resumes when the prediction ends"
    run.stop()
    assert run.wait(1) and run.waited_for_inference > 0.2


def test_the_wait_for_predictions_is_bounded():
    with inflight.inference():
        start = time.perf_counter()
        waited = inflight.wait_for_inference(0.2)
    assert 0.15 < waited < 0.5 and time.perf_counter() - start < 0.5


def test_a_time_limit_must_be_positive():
    with pytest.raises(ValueError, match="above 0"):
        TrainingPool(slots=1).submit(steps(), time_limit=0, session="a")


# --- Seeds: local generators only -------------------------------------------------------------


def _tiny_training(seed: int):
    """A tiny Keras model built from LocalSeeds and trained a few batches with a local generator."""
    import keras

    from cnnrnn.core.fitting import LocalSeeds

    def train(run):
        seeds = LocalSeeds(seed)
        rng = np.random.default_rng(seed)
        inputs = keras.Input((8,))
        x = keras.layers.Dense(16, activation="relu", kernel_initializer=seeds.initializer("glorot_uniform"))(inputs)
        x = keras.layers.Dropout(0.2, seed=seeds.next())(x)
        outputs = keras.layers.Dense(3, kernel_initializer=seeds.initializer("glorot_uniform"))(x)
        model = keras.Model(inputs, outputs)
        model.compile(
            optimizer=keras.optimizers.Adam(0.01), loss=keras.losses.SparseCategoricalCrossentropy(from_logits=True)
        )
        x_train = rng.normal(size=(64, 8)).astype("float32")
        y_train = rng.integers(0, 3, 64)
        for _ in range(4):
            if run.should_stop():
                break
            model.train_on_batch(x_train, y_train)
        return [w.copy() for w in model.get_weights()]

    return train


def test_two_sessions_training_with_the_same_seed_get_the_same_result():
    pool = TrainingPool(slots=1)
    a = pool.submit(_tiny_training(7), time_limit=120, session="a")
    b = pool.submit(_tiny_training(7), time_limit=120, session="b")
    c = pool.submit(_tiny_training(8), time_limit=120, session="c")
    for run in (a, b, c):
        while not run.wait(0.5):
            for other in (a, b, c):
                other.touch()
        assert run.state == DONE, run.error
    assert all(np.array_equal(x, y) for x, y in zip(a.result, b.result))
    assert not all(np.array_equal(x, y) for x, y in zip(a.result, c.result)), "another seed, other weights"


def test_a_live_run_leaves_the_global_generators_alone():
    """Another session's random draws (Python, NumPy, TensorFlow) are the same with or without a live run."""
    from global_seeds import global_draws, seed_global

    seed_global(3)
    expected = global_draws()
    seed_global(3)
    state = (random.getstate(), np.random.get_state()[1].copy())
    run = TrainingPool(slots=1).submit(_tiny_training(7), time_limit=120, session="a")
    while not run.wait(0.5):
        run.touch()
    assert run.state == DONE, run.error
    assert random.getstate() == state[0] and np.array_equal(np.random.get_state()[1], state[1])
    assert global_draws() == expected
