"""Timing and memory helpers for the benchmark and the latency sweeps (no TensorFlow)."""

from __future__ import annotations

import os
import platform
import time
from pathlib import Path

import numpy as np


def rss_mb(pid: int | None = None) -> float:
    """Resident set size of a process (this one by default) in MB, from /proc."""
    path = Path(f"/proc/{pid or os.getpid()}/status")
    if path.is_file():
        for line in path.read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    import resource  # not Linux: the peak is the best we have

    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024 / (1024 if platform.system() == "Darwin" else 1)


def time_ms(fn, repeats: int, warmup: int = 5) -> np.ndarray:
    """Wall time of `repeats` calls of fn() in milliseconds (after `warmup` calls): (repeats,) float64."""
    for _ in range(warmup):
        fn()
    times = np.empty(repeats)
    for i in range(repeats):
        start = time.perf_counter()
        fn()
        times[i] = (time.perf_counter() - start) * 1000
    return times


def median_ms(call, item, repeats: int) -> float:
    """Median milliseconds of call(item) over `repeats` runs, after one warm-up run for this size."""
    call(item)
    times = []
    for _ in range(max(1, repeats)):
        start = time.perf_counter()
        call(item)
        times.append(time.perf_counter() - start)
    return float(np.median(times) * 1000)


def latency_summary(fast: np.ndarray, slow: np.ndarray | None = None) -> dict:
    """p50 and p95 of `fast` (ms); with `slow` (the same calls through model.predict), its p50 and the ratio."""
    out = {"p50": round(float(np.percentile(fast, 50)), 3), "p95": round(float(np.percentile(fast, 95)), 3)}
    if slow is not None:
        out["predict_p50"] = round(float(np.percentile(slow, 50)), 3)
        out["ratio"] = round(out["predict_p50"] / max(out["p50"], 1e-9), 1)
    return out
