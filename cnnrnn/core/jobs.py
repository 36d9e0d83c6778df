"""Live training off the script thread: a process-wide pool of training slots, a FIFO queue, one thread per run.

A page submits a `Run` with a function that trains step by step: `train(run)` calls
`run.should_stop()` between batches (and `run.report(...)` to publish progress) and returns
its result. The pool (`training_pool()`, one per process) runs at most `slots` runs at once
(1 by default; the `CNNRNN_TRAINING_SLOTS` environment variable sets another number); the
others wait in submission order and know their place. A run's state is "queued", "running",
"done", "stopped" (Stop, its time limit or its closed session ended it) or "failed" (its
function raised; `error` holds the message), and `reason` says why it ended.

Stop lands within a second: `stop()` sets an event that `should_stop()` reads between
batches, not between epochs (a model's first batch also traces its training step, which
takes seconds and cannot be cut short; every later batch takes milliseconds). A run ends at its time limit
(seconds of running) whether or
not anyone polls it. A closed session frees its slot: each run has a liveness test,
- `alive`, when the caller passes one (the pages pass Streamlit's runtime session manager,
  `Runtime.is_active_session`, which turns False when the browser tab's websocket closes);
- and a heartbeat: `touch()`, which the page's polling fragment calls about once a second
  (and which `alive` saying True also counts as).
No sign of the session for `heartbeat_timeout` seconds (10) means it is gone: a phone whose
wifi drops for a few seconds keeps its run; a closed tab frees the slot 10 s later.
A queued entry of a closed session is dropped by the pool's watcher thread (every 0.5 s), and
a running one stops at its next batch.

Inference stays responsive while a run trains. TensorFlow's intra- and inter-op thread pools
are process-wide: a training step and a visitor's prediction share the same threads, and a
prediction queued behind a big training step waits for it. So predictions mark themselves in
flight (`cnnrnn.core.inflight.inference()`, a counter around `Predictor.__call__`), and `should_stop()` waits,
between batches, until no prediction is in flight (at most `INFERENCE_WAIT` seconds, so a
stream of predictions slows training without starving it). The live models train on small
batches (32 to 100 items), so one step is tens of milliseconds at most and a prediction that
arrives during a step waits at most that long. (Limiting TensorFlow's threads instead would
slow every prediction too, and can only be set before TensorFlow starts.) Measured on this
project's 2 shared cores (2026-12-02): the shipped MNIST-1D CNN's single-signal call took
1.95 / 2.17 ms (p50 / p95) alone and 4.80 / 10.5 ms while a live GRU trained (3.50 / 9.09 ms
with the wait turned off: at this size a prediction is rarely in flight between two steps, so
the wait is for longer calls; what the small batches buy is the bound).

Seeds: nothing here touches the global NumPy, Python or TensorFlow generators; the training
functions build their models with seeded initializers (`cnnrnn.core.fitting.LocalSeeds`).
This module imports neither Streamlit nor TensorFlow.
"""

from __future__ import annotations

import itertools
import logging
import os
import threading
import time
from collections import deque
from collections.abc import Callable
from typing import Any

from cnnrnn.core.inflight import INFERENCE_WAIT, wait_for_inference
from cnnrnn.core.process import background_priority

SLOTS_ENV = "CNNRNN_TRAINING_SLOTS"
DEFAULT_SLOTS = 1  # runs training at once when SLOTS_ENV is not set (a 2-core server: one)
HEARTBEAT_TIMEOUT = 10.0  # seconds without a touch() before a run's session counts as closed
WATCH_EVERY = 0.5  # seconds between the watcher's passes over the queue

QUEUED, RUNNING, DONE, STOPPED, FAILED = "queued", "running", "done", "stopped", "failed"
ENDED = (DONE, STOPPED, FAILED)

_log = logging.getLogger(__name__)

# --- Runs ----------------------------------------------------------------------------------


class Run:
    """One training run: what it trains, its state, progress, history, result and error.

    Made by `TrainingPool.submit`. `train(run)` is called on the run's own thread; it calls
    `should_stop()` between batches and `report()` to publish progress (0..1) and anything
    else the page draws (`info`); `history` is the training function's to fill (the page
    reads it while the run goes). Read `state`, `place`, `progress`, `info`, `result`,
    `error` and `reason` from any thread.
    """

    _ids = itertools.count(1)

    def __init__(
        self,
        train: Callable[[Run], Any],
        *,
        time_limit: float | None,
        session: str,
        alive: Callable[[], bool] | None = None,
        name: str = "",
        history: Any = None,
        heartbeat_timeout: float = HEARTBEAT_TIMEOUT,
    ):
        if time_limit is not None and not time_limit > 0:
            raise ValueError(f"a run's time limit must be above 0 seconds (got {time_limit})")
        self.id = next(self._ids)
        self.train, self.time_limit, self.session, self.name = train, time_limit, str(session), name
        self.history = history if history is not None else {}
        self.state, self.place, self.progress, self.info = QUEUED, 0, 0.0, {}
        self.result = self.error = self.reason = None
        self.submitted, self.started, self.ended = time.monotonic(), None, None
        self.waited_for_inference = 0.0  # seconds this run's steps waited for predictions
        self.stop_requested = None  # when stop() was first called (time.monotonic)
        self._alive, self._heartbeat_timeout = alive, heartbeat_timeout
        self._touched = time.monotonic()
        self._stop = threading.Event()
        self._finished = threading.Event()
        self._lock = threading.Lock()
        self._pool = None

    # -- read by the page --
    @property
    def ended_already(self) -> bool:
        return self.state in ENDED

    @property
    def active(self) -> bool:
        """Queued or running."""
        return self.state in (QUEUED, RUNNING)

    def elapsed(self) -> float:
        """Seconds of running so far (0 while queued)."""
        if self.started is None:
            return 0.0
        return (self.ended or time.monotonic()) - self.started

    def touch(self) -> None:
        """The heartbeat: the session that owns this run is still there (its polling fragment calls this).

        The heartbeat is the session's (the pool keeps one per session), so it counts for all its runs.
        """
        self._touched = time.monotonic()
        if self._pool is not None:
            self._pool.touch(self.session)

    def _last_touch(self) -> float:
        return self._pool._heartbeats.get(self.session, self._touched) if self._pool is not None else self._touched

    def session_alive(self) -> bool:
        """Whether the run's session is still open: seen (its `alive` test true, or a touch) within the timeout.

        An `alive` test that says True counts as a heartbeat; one that says False (a phone's wifi
        dropped, the tab closed) gives the session `heartbeat_timeout` seconds to come back.
        """
        if self._alive is not None:
            try:
                if self._alive():
                    self.touch()
                    return True
            except Exception:  # a liveness test that breaks must not kill the run: the heartbeat decides
                pass
        return time.monotonic() - self._last_touch() <= self._heartbeat_timeout

    def stop(self) -> None:
        """Ask the run to end (at its next batch); a queued run leaves the queue now."""
        if self.stop_requested is None:
            self.stop_requested = time.monotonic()
        self._stop.set()
        if self._pool is not None:
            self._pool._drop_queued(self, "stopped")

    def wait(self, timeout: float | None = None) -> bool:
        """Block until the run has ended (True) or `timeout` seconds passed (False)."""
        return self._finished.wait(timeout)

    # -- called by the training function --
    def should_stop(self) -> bool:
        """Between batches: True when the run must end now (Stop, its time limit, its session closed).

        Otherwise waits while predictions are in flight (at most INFERENCE_WAIT s), then returns False.
        """
        if self.reason is None:
            if self._stop.is_set():
                self.reason = "stopped"
            elif self.time_limit and self.elapsed() >= self.time_limit:
                self.reason = "time limit"
            elif not self.session_alive():
                self.reason = "session closed"
        if self.reason is not None:
            return True
        self.waited_for_inference += wait_for_inference(INFERENCE_WAIT, self._stop)
        return False

    def report(self, progress: float | None = None, **info) -> None:
        """Publish progress (0..1) and what the page shows (info: any names)."""
        with self._lock:
            if progress is not None:
                self.progress = min(1.0, max(0.0, float(progress)))
            self.info = {**self.info, **info}

    # -- the pool's --
    def _execute(self) -> None:
        try:
            self.result = self.train(self)
        except Exception as error:  # shown to the visitor as a message, never a traceback
            _log.exception("training run %s (%s) failed", self.id, self.name)
            self.error = str(error) or type(error).__name__
            self.state = FAILED
        else:
            self.state = DONE if self.reason in (None, "time limit") else STOPPED
            if self.reason is None:
                self.progress = 1.0
        finally:
            self.ended = time.monotonic()

    def _end_queued(self, reason: str) -> None:
        self.reason, self.state, self.ended = reason, STOPPED, time.monotonic()
        self._finished.set()

    def __repr__(self) -> str:
        return f"Run({self.id}, {self.name!r}, {self.state}, session={self.session!r})"


def slots_from_env(default: int = DEFAULT_SLOTS) -> int:
    """The number of training slots: CNNRNN_TRAINING_SLOTS (a whole number, 1 or more), else `default`."""
    text = os.environ.get(SLOTS_ENV, "").strip()
    if not text:
        return default
    try:
        slots = int(text)
    except ValueError:
        slots = 0
    if slots < 1:
        _log.warning("%s=%r is not a whole number of 1 or more; using %d training slot(s)", SLOTS_ENV, text, default)
        return default
    return slots


class TrainingPool:
    """At most `slots` runs train at once, each on its own thread; the rest wait first come, first served."""

    def __init__(self, slots: int | None = None, heartbeat_timeout: float = HEARTBEAT_TIMEOUT):
        self.slots = int(slots) if slots is not None else slots_from_env()
        if self.slots < 1:
            raise ValueError(f"a training pool needs 1 slot or more (got {self.slots})")
        self.heartbeat_timeout = heartbeat_timeout
        self._queue: deque[Run] = deque()
        self._running: list[Run] = []
        self._lock = threading.Lock()
        self._watcher: threading.Thread | None = None
        self._heartbeats: dict[str, float] = {}  # session -> when it last polled (or submitted)

    def touch(self, session: str) -> None:
        """`session` is still open (its page polled just now)."""
        self._heartbeats[str(session)] = time.monotonic()

    def submit(
        self,
        train: Callable[[Run], Any],
        *,
        time_limit: float | None,
        session: str,
        alive: Callable[[], bool] | None = None,
        name: str = "",
        history: Any = None,
    ) -> Run:
        """Queue a run of `train(run)` for `session`, ending at `time_limit` seconds of running; returns the Run."""
        run = Run(
            train,
            time_limit=time_limit,
            session=session,
            alive=alive,
            name=name,
            history=history,
            heartbeat_timeout=self.heartbeat_timeout,
        )
        run._pool = self
        self.touch(session)
        with self._lock:
            self._queue.append(run)
            self._renumber()
            self._admit()
            self._ensure_watcher()
        return run

    def queued(self) -> list[Run]:
        with self._lock:
            return list(self._queue)

    def running(self) -> list[Run]:
        with self._lock:
            return list(self._running)

    def stop_session(self, session: str) -> None:
        """Stop every run (queued or running) of `session`."""
        for run in self.queued() + self.running():
            if run.session == str(session):
                run.stop()

    # -- inside the lock --
    def _renumber(self) -> None:
        for place, run in enumerate(self._queue, start=1):
            run.place = place

    def _admit(self) -> None:
        admitted = []
        while self._queue and len(self._running) < self.slots:
            run = self._queue.popleft()
            if not run.session_alive():  # its tab closed while it waited: it never starts
                run._end_queued("session closed")
                continue
            self._running.append(run)
            admitted.append(run)
        self._renumber()
        for run in admitted:
            run.place, run.started, run.state = 0, time.monotonic(), RUNNING
            threading.Thread(target=self._work, args=(run,), name=f"training-run-{run.id}", daemon=True).start()

    def _ensure_watcher(self) -> None:
        if self._watcher is None or not self._watcher.is_alive():
            self._watcher = threading.Thread(target=self._watch, name="training-pool-watcher", daemon=True)
            self._watcher.start()

    # -- threads --
    def _work(self, run: Run) -> None:
        background_priority()  # the pages' runs get the CPU first (see process.background_priority)
        try:
            run._execute()
        finally:
            with self._lock:
                if run in self._running:
                    self._running.remove(run)
                self._admit()
            run._finished.set()  # after the slot went to the next run: wait() returning means it is free

    def _drop_queued(self, run: Run, reason: str) -> None:
        with self._lock:
            if run not in self._queue:
                return
            self._queue.remove(run)
            self._renumber()
        run._end_queued(reason)

    def _watch(self) -> None:
        """Drop queued entries whose session has closed; ends when nothing is queued or running."""
        while True:
            time.sleep(WATCH_EVERY)
            for run in self.queued():
                if not run.session_alive():
                    self._drop_queued(run, "session closed")
            with self._lock:
                if not self._queue and not self._running:
                    self._heartbeats.clear()
                    self._watcher = None
                    return


_pool: TrainingPool | None = None
_pool_lock = threading.Lock()


def training_pool() -> TrainingPool:
    """The process's training pool (made on first use, with CNNRNN_TRAINING_SLOTS slots)."""
    global _pool
    with _pool_lock:
        if _pool is None:
            _pool = TrainingPool()
        return _pool
