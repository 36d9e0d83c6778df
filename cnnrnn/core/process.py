"""The server process's settings: thread priority for background work, TensorFlow's CPU kernels, glibc's heaps.

`server_settings()` is called by the entry point before the warm start imports TensorFlow, and by the
benchmark, so that both run with the same settings. No TensorFlow here.
"""

from __future__ import annotations

import ctypes
import os
import sys
import threading

BACKGROUND_NICE = 10  # how much lower than the pages a background thread runs (Linux niceness, 0 to 19)


def background_priority(nice: int = BACKGROUND_NICE) -> bool:
    """Lower the calling thread's CPU priority (Linux threads each have a niceness); True when it took.

    For the warm start and live training: on two cores shared with every session's page runs, the kernel
    then gives a page's run the CPU first, and the background work what is left. Only the thread's own
    work is lowered (its Python, NumPy and the TensorFlow kernels it runs inline), not TensorFlow's shared
    thread pools, provided they exist already: threads inherit the niceness of the thread that starts
    them. Elsewhere (macOS, Windows, a sandbox that refuses it) nothing changes.
    """
    try:
        thread_id = threading.get_native_id()
        current = os.getpriority(os.PRIO_PROCESS, thread_id)
        os.setpriority(os.PRIO_PROCESS, thread_id, min(19, max(current, nice)))
        return os.getpriority(os.PRIO_PROCESS, thread_id) >= nice
    except (AttributeError, OSError):
        return False


ONEDNN_ENV = "TF_ENABLE_ONEDNN_OPTS"  # TensorFlow's switch for its oneDNN kernels on x86 CPUs


def prefer_eigen_kernels() -> bool:
    """TensorFlow's own CPU kernels rather than oneDNN's, unless TF_ENABLE_ONEDNN_OPTS is set already.

    Call before TensorFlow is imported; True when it takes effect (False: the variable was set, or
    TensorFlow is imported already). TensorFlow turns oneDNN on by default on x86 CPUs with AVX512_VNNI,
    AVX512_BF16 or AMX, and its ops then keep a compiled primitive per input shape: a page meets a new
    shape with every image size and every sentence and text length, so a server's memory grows with
    use. Measured on such a CPU (2026-12-04), 300 mixed calls of every model after a first call of each:
    +39 to +40 MB with oneDNN, +16 MB without; 28 MB less resident after loading every model; the same
    CPU time (28.8 to 29.6 s). `evaluate` gives the manifest's figures either way.
    """
    if os.environ.get(ONEDNN_ENV) is not None:
        return False
    os.environ[ONEDNN_ENV] = "0"
    return "tensorflow" not in sys.modules


MALLOC_ARENAS = 2  # glibc heaps for the server's many threads (glibc's own default: up to 8 per core)
MMAP_THRESHOLD = 256 * 1024  # bytes: a block this large or larger gets pages of its own, unmapped when freed
TRIM_THRESHOLD = 4 * 1024 * 1024  # bytes: free memory at a heap's top beyond this goes back to the system
_M_TRIM_THRESHOLD, _M_MMAP_THRESHOLD, _M_ARENA_MAX = -1, -3, -8  # mallopt's parameter numbers (malloc.h)


def limit_malloc_arenas(arenas: int = MALLOC_ARENAS) -> bool:
    """Cap the glibc heaps the process's threads allocate from, as MALLOC_ARENA_MAX does; True when it took.

    A Streamlit server runs a thread per script run, TensorFlow's pools and live training: glibc gives
    busy threads heaps of their own (up to 16 on two cores) and each keeps the memory it freed, which a
    room of sessions adds up to tens of MB of resident memory. Arenas made before the call stay. Not
    glibc (macOS, Windows, musl): nothing changes.
    """
    return _mallopt(_M_ARENA_MAX, arenas)


def fix_malloc_thresholds(mmap_threshold: int = MMAP_THRESHOLD, trim_threshold: int = TRIM_THRESHOLD) -> bool:
    """Fix glibc's mmap and trim thresholds (True when both took), which glibc otherwise raises as it goes.

    By default each large block that is freed raises the size from which blocks get pages of their own
    (up to 32 MB), and the trim threshold with it: after TensorFlow frees its first large tensors, later
    ones come from the heap, and a heap gives memory back only from its top. In a room of 8 sessions, one
    training (`bench --room 8`, three runs each, 2026-12-04), the server's resident memory peaked at 1,147
    to 1,195 MB that way and at 1,102 to 1,117 MB with these thresholds. The cost is a page fault per new
    page of a large block: +28% minor faults over 300 mixed calls of every model (about 190 a call), and
    no difference in wall time over 450 such calls in three threads (9.2-11.6 s either way). Not glibc:
    nothing changes.
    """
    return _mallopt(_M_MMAP_THRESHOLD, mmap_threshold) & _mallopt(_M_TRIM_THRESHOLD, trim_threshold)


def server_settings() -> None:
    """The server's process settings, before TensorFlow loads and the threads allocate (the entry point and
    the benchmark both call this): TensorFlow's own kernels, two glibc heaps, fixed malloc thresholds."""
    prefer_eigen_kernels()
    limit_malloc_arenas()
    fix_malloc_thresholds()


def _mallopt(parameter: int, value: int) -> bool:
    try:
        return bool(ctypes.CDLL("libc.so.6").mallopt(parameter, int(value)))
    except (OSError, AttributeError):
        return False
