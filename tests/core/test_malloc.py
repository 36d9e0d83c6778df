"""The server's glibc heaps: capped, so that many threads do not each keep a heap of freed memory."""

from __future__ import annotations

import platform
import subprocess
import sys

import pytest

from cnnrnn.core import process

# Eight threads allocate and free at the same time; glibc's malloc_stats() then prints one "Arena N:" per heap.
CODE = """
import sys, threading
from cnnrnn.core import process
if sys.argv[1] == "capped":
    assert process.limit_malloc_arenas()
start = threading.Barrier(8)
def churn():
    start.wait()
    for _ in range(2000):
        blocks = [bytearray(4096) for _ in range(20)]
        del blocks
threads = [threading.Thread(target=churn) for _ in range(8)]
[t.start() for t in threads]; [t.join() for t in threads]
import ctypes
ctypes.CDLL("libc.so.6").malloc_stats()
"""


@pytest.mark.skipif(platform.system() != "Linux" or platform.libc_ver()[0] != "glibc", reason="glibc's heaps")
def test_the_entry_points_cap_holds_the_heaps_to_two_for_many_threads():
    def arenas(mode: str) -> int:
        out = subprocess.run([sys.executable, "-c", CODE, mode], capture_output=True, text=True, timeout=120)
        assert out.returncode == 0, out.stderr[-1000:]
        return sum(line.startswith("Arena ") for line in out.stderr.splitlines())

    assert arenas("free") > process.MALLOC_ARENAS, "without the cap, busy threads get heaps of their own"
    assert arenas("capped") <= process.MALLOC_ARENAS


# A 4 MB block is freed (by default glibc then serves blocks up to that size from its heap), then 60 blocks of
# 1 MB are written and freed, all but the last; prints how many MB the process kept of the 59 freed ones.
THRESHOLDS = """
import sys
from cnnrnn.core import process, timing
if sys.argv[1] == "fixed":
    assert process.fix_malloc_thresholds()
def block(size):
    data = bytearray(size)
    data[::4096] = b"\\x01" * len(range(0, size, 4096))  # every page written: resident
    return data
first = block(4 << 20)
del first
blocks = [block(1 << 20) for _ in range(60)]
before = timing.rss_mb()
del blocks[:-1]
print(round(before - timing.rss_mb()))
"""


@pytest.mark.skipif(platform.system() != "Linux" or platform.libc_ver()[0] != "glibc", reason="glibc's heaps")
def test_fixed_thresholds_give_freed_large_blocks_back_to_the_system():
    def released_mb(mode: str) -> int:
        out = subprocess.run([sys.executable, "-c", THRESHOLDS, mode], capture_output=True, text=True, timeout=120)
        assert out.returncode == 0, out.stderr[-1000:]
        return int(out.stdout.strip())

    assert released_mb("default") < 10, "by default the freed blocks stay in the heap under the last one"
    assert released_mb("fixed") >= 55, "with fixed thresholds each freed 1 MB block is unmapped"
