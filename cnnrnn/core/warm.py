"""Once-per-process model loaders, and the warm start that fills them in the background.

A `Loader` wraps a zero-argument function (`load the image models`) and runs it at most once per
process, whichever thread asks first: a page's script thread or the warm-start thread. Every loader
has a lock (held while it loads), a state (pending, loading, ready, failed), a load count and a human
label ("the image models") that a page shows while it waits. A failed load is not kept: the next call
tries again and raises the new error (weights installed after the server started are found).

`start(plan)` runs once per process (the entry point calls it on its first script run): one daemon
thread imports each task's modules and calls its loaders one after another, in the order given (the
navigation's: the order a visitor most likely opens pages). `CNNRNN_WARM=0` turns it off (the tests do).

Task modules are imported, and loaders run, by one thread at a time (`imports()`): first imports of
TensorFlow and Keras modules from two threads at once break, and loading a Keras model imports modules
lazily. The entry point imports a page's modules under the same lock before the page runs. The lock is
always taken after a loader's own lock, never before it, so the two cannot deadlock.

Pages go first. Between its steps the warm start waits while any page's script runs (`page_running`,
around every full run) or waits for the lock or a load (`page_first`). Inside a long load it waits at
`checkpoint()` (a no-op on any other thread) while a page runs that is not itself waiting, since a
waiting page may be waiting for this very load. Each wait is capped (`PAUSE_CAP_S`), so a busy room
still gets its models warmed. When it ends the warm start prints one line of what it loaded, and when.

At interpreter exit the warm start stops (`stop()`, registered when the thread starts): it ends at its next
step or `checkpoint()` and the exit waits for it (`STOP_WAIT_S` at most). A daemon thread abandoned in the
middle of a load, inside h5py or TensorFlow, crashed or hung the interpreter's finalisation (an in-process
AppTest of the app exited with a segmentation fault or an abort, or waited forever on h5py's lock).

This module knows no task and imports no Streamlit: a loader's `notice` (a context manager factory) is what
says so on the page while it waits; without one of its own a loader uses the process's default notice,
which `cnnrnn.core.ui.loading` sets when the app imports it (a task's Streamlit-free `api.py` declares its
loaders here and still gets the page's notice).
"""

from __future__ import annotations

import functools
import os
import sys
import threading
import time
from collections.abc import Callable, Iterable
from contextlib import AbstractContextManager, contextmanager, nullcontext

from cnnrnn.core.process import background_priority

PENDING, LOADING, READY, FAILED = "pending", "loading", "ready", "failed"
ENV = "CNNRNN_WARM"  # "0" (or "false", "no", "off") turns the warm start off
THREAD_NAME = "cnnrnn-warm-start"

_IMPORTS = threading.RLock()  # one thread imports task modules at a time
_PAGES = threading.Condition()  # pages waiting for the import lock or a load: the warm start lets them go first
_waiting = 0
_running = 0  # page script runs in progress (page_running)
PAUSE_CAP_S = 2.0  # the longest the warm start waits for pages at one step or checkpoint
_START = threading.Lock()
_started: threading.Thread | None = None
_LOG: list[tuple[str, str, float]] = []  # (label, state, seconds) per loader the warm start ran
_STOP = threading.Event()  # set at interpreter exit: the warm start ends at its next step or checkpoint
STOP_WAIT_S = 30.0  # the longest the interpreter's exit waits for the warm start to end


class Stopped(BaseException):
    """Raised on the warm-start thread, at a step or checkpoint, once the process exits. Not an Exception:
    the loaders' and the plan's handlers let it through, and the load it interrupts is not kept."""


def imports() -> AbstractContextManager:
    """The process-wide lock under which task modules are imported (re-entrant)."""
    return _IMPORTS


@contextmanager
def page_running():
    """Around a page's whole script run: the warm start pauses at its next step or checkpoint meanwhile."""
    global _running
    with _PAGES:
        _running += 1
    try:
        yield
    finally:
        with _PAGES:
            _running -= 1
            _PAGES.notify_all()


@contextmanager
def page_first():
    """Around a page's wait for the import lock or a load: the warm start starts nothing new meanwhile,
    so a visitor's page goes before the models of pages nobody has opened yet."""
    global _waiting
    if threading.current_thread().name == THREAD_NAME:
        yield
        return
    with _PAGES:
        _waiting += 1
        _PAGES.notify_all()  # a checkpoint waiting for running pages lets this one through
    try:
        yield
    finally:
        with _PAGES:
            _waiting -= 1
            _PAGES.notify_all()


def _pause(busy: Callable[[], bool]) -> None:
    """Wait while busy() (checked under _PAGES), PAUSE_CAP_S at most."""
    deadline = time.monotonic() + PAUSE_CAP_S
    with _PAGES:
        while busy() and not _STOP.is_set():
            left = deadline - time.monotonic()
            if left <= 0:
                return
            _PAGES.wait(left)


def _after_pages() -> None:
    """The warm start's turn between steps: wait while a page runs or waits (capped); Stopped at exit."""
    _pause(lambda: _running or _waiting)
    if _STOP.is_set():
        raise Stopped


def checkpoint() -> None:
    """Inside a long load, between its parts: on the warm-start thread, wait (capped) while a page runs
    that is not waiting for a load (it may wait for this one), and raise Stopped once the process exits;
    on any other thread, return at once."""
    if threading.current_thread().name == THREAD_NAME:
        _pause(lambda: _running > _waiting)
        if _STOP.is_set():
            raise Stopped


class Loader:
    """A once-per-process loader: `loader()` returns the loaded value, loading it first if nobody has.

    state: PENDING (never asked), LOADING (a thread holds the lock and loads), READY, FAILED (the last
    try raised; the next call tries again). load_count: how many times the function has been run.
    """

    def __init__(
        self, function: Callable[[], object], label: str, notice: Callable[[str], AbstractContextManager] | None = None
    ):
        functools.update_wrapper(self, function)
        self.function, self.label, self.notice = function, label, notice
        self.state, self.load_count = PENDING, 0
        self.error: BaseException | None = None
        self.loaded_by = ""  # the name of the thread whose call loaded it
        self._value = None
        self._lock = threading.Lock()

    @property
    def ready(self) -> bool:
        return self.state == READY

    def __call__(self):
        if self.state == READY:
            return self._value
        notice = self.notice or _default_notice
        waiting = notice(self.label) if notice is not None else nullcontext()
        with waiting:
            return self.load()

    def load(self):
        """Load now unless loaded (waits for a thread that is loading it); raises what the function raised."""
        with page_first(), self._lock:
            if self.state == READY:
                return self._value
            self.state, self.error = LOADING, None
            self.load_count += 1
            try:
                with _IMPORTS:  # a load may import modules lazily (Keras does): one thread at a time
                    value = self.function()
            except BaseException as error:
                self.state, self.error = FAILED, error
                raise
            self._value, self.loaded_by, self.state = value, threading.current_thread().name, READY
            return value

    def clear(self) -> None:
        """Forget the loaded value (the next call loads again); the load count stays."""
        with self._lock:
            self._value, self.state, self.error = None, PENDING, None

    def __repr__(self) -> str:
        return f"<Loader {self.label!r}: {self.state}, loaded {self.load_count}x>"


_default_notice: Callable[[str], AbstractContextManager] | None = None


def set_default_notice(notice: Callable[[str], AbstractContextManager] | None) -> None:
    """The notice of every loader made without one (None: no notice), from now on."""
    global _default_notice
    _default_notice = notice


def loader(label: str, notice: Callable[[str], AbstractContextManager] | None = None):
    """Decorator: the function as a `Loader` with this label ("the image models")."""

    def wrap(function):
        return Loader(function, label, notice)

    return wrap


def enabled() -> bool:
    """Whether the warm start runs in this process (CNNRNN_WARM unset or not 0/false/no/off)."""
    return os.environ.get(ENV, "1").strip().lower() not in {"0", "false", "no", "off"}


def warm(plan: Iterable[Callable[[], Iterable[Loader]]]) -> None:
    """Run the plan in this thread: each step, under the import lock, imports and returns its loaders;
    each loader is then loaded (outside the import lock). A failing step or loader is recorded and skipped.
    After its first load the thread runs at a lower CPU priority than the pages (process.background_priority):
    not before, because the first model load creates TensorFlow's shared thread pools, and a thread
    inherits the niceness of the thread that creates it (the pages' predictions run on those pools)."""
    began = time.perf_counter()
    timeline: list[tuple[str, float]] = []  # (what, when it ended: seconds after the warm start began)
    try:
        _run(plan, began, timeline)
    except Stopped:
        timeline.append(("stopped: the process exits", time.perf_counter() - began))
    print(summary(time.perf_counter() - began, timeline), file=sys.stderr, flush=True)


def _run(plan: Iterable[Callable[[], Iterable[Loader]]], began: float, timeline: list[tuple[str, float]]) -> None:
    """warm()'s steps; raises Stopped at a step or checkpoint once the process exits."""
    lowered = False
    for step in plan:
        _after_pages()
        name = getattr(step, "__name__", "a task")
        try:
            with _IMPORTS:
                loaders = list(step())
        except Exception:  # a task whose modules do not import: its page will say why
            _LOG.append((name, FAILED, 0.0))
            timeline.append((f"{name} failed to import", time.perf_counter() - began))
            continue
        timeline.append((f"imported {name}", time.perf_counter() - began))
        for item in loaders:
            _after_pages()
            started = time.perf_counter()
            try:
                item()
            except Exception:  # its page shows the clear message when it asks again
                pass
            ended = time.perf_counter()
            _LOG.append((item.label, item.state, ended - started))
            timeline.append((f"{item.label} {item.state}", ended - began))
            if not lowered:
                lowered = background_priority()


DONE = "cnnrnn warm start: done"  # how the summary line begins: the audience benchmark waits for it


def summary(seconds: float, timeline: list[tuple[str, float]]) -> str:
    """The warm start's line in the server log: each import and load, and when it ended."""
    parts = [f"{what} at {end:.1f} s" for what, end in timeline]
    return f"{DONE} in {seconds:.1f} s ({'; '.join(parts)})"


def start(plan: Iterable[Callable[[], Iterable[Loader]]]) -> threading.Thread | None:
    """Start the warm-start thread once per process (None when it is turned off); later calls return it."""
    global _started
    with _START:
        if _started is None and enabled():
            steps = list(plan)
            _started = threading.Thread(target=warm, args=(steps,), name=THREAD_NAME, daemon=True)
            # Called at exit before daemon threads are abandoned and before atexit's handlers (TensorFlow's,
            # registered after this, would run before an atexit handler of ours).
            threading._register_atexit(stop, _started)
            _started.start()
        return _started


def stop(thread: threading.Thread | None = None, timeout: float = STOP_WAIT_S) -> None:
    """Ask the warm start to end at its next step or checkpoint, and wait for `thread` (at most `timeout` s)."""
    _STOP.set()
    with _PAGES:
        _PAGES.notify_all()  # a pause ends now
    if thread is not None and thread is not threading.current_thread():
        thread.join(timeout)


def warm_log() -> list[tuple[str, str, float]]:
    """(label, state, seconds) for each loader the warm start has run so far, in order."""
    return list(_LOG)
