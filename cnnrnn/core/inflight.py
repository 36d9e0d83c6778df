"""Predictions in flight: a process-wide counter that predictors hold while they run and training steps wait on.

TensorFlow's thread pools are process-wide, so a visitor's prediction queued behind a big training step
waits for it. Predictors mark themselves in flight (`inference()`); the live-training pool
(`cnnrnn.core.jobs`) waits between batches until none is (`wait_for_inference`, at most `INFERENCE_WAIT`).
No TensorFlow, no Streamlit.
"""

from __future__ import annotations

import threading
import time
from contextlib import contextmanager

INFERENCE_WAIT = 1.0  # the longest a training step waits for predictions in flight

_in_flight = 0
_in_flight_changed = threading.Condition()


@contextmanager
def inference():
    """Mark one prediction in flight for its duration (training steps wait while any is)."""
    global _in_flight
    with _in_flight_changed:
        _in_flight += 1
    try:
        yield
    finally:
        with _in_flight_changed:
            _in_flight -= 1
            if not _in_flight:
                _in_flight_changed.notify_all()


def inference_in_flight() -> int:
    """How many predictions are running now."""
    return _in_flight


def wait_for_inference(timeout: float = INFERENCE_WAIT, stop: threading.Event | None = None) -> float:
    """Wait until no prediction is in flight (at most `timeout` s, less when `stop` is set); returns seconds waited."""
    start = time.perf_counter()
    deadline = start + timeout
    with _in_flight_changed:
        while _in_flight and not (stop is not None and stop.is_set()):
            left = deadline - time.perf_counter()
            if left <= 0:
                break
            _in_flight_changed.wait(min(left, 0.05))
    return time.perf_counter() - start
