"""The server's glibc heaps: capped, so that many threads do not each keep a heap of freed memory."""

from __future__ import annotations

import platform
import subprocess
import sys

import pytest

from cnnrnn.core import timing

# Eight threads allocate and free at the same time; glibc's malloc_stats() then prints one "Arena N:" per heap.
CODE = """
import sys, threading
from cnnrnn.core import timing
if sys.argv[1] == "capped":
    assert timing.limit_malloc_arenas()
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

    assert arenas("free") > timing.MALLOC_ARENAS, "without the cap, busy threads get heaps of their own"
    assert arenas("capped") <= timing.MALLOC_ARENAS
