"""A page's live training on the process's pool (cnnrnn.core.jobs): submit, the queue's message, the session's run.

`SessionRun` keeps a page's one run in `st.session_state` (queued or training, then how it ended, taken once);
the liveness test lets the pool free the slot of a closed tab.
"""

from __future__ import annotations

import streamlit as st
from streamlit.runtime import Runtime
from streamlit.runtime.scriptrunner import get_script_run_ctx

from cnnrnn.core.jobs import Run, training_pool
from cnnrnn.core.ui.page import show_error

TRAINING_POLL_SECONDS = 1.0  # how often a page's training fragment polls its run (and refreshes its heartbeat);
# each poll is a script run that competes with the training thread for the GIL, so not faster


def session_id() -> str:
    """This browser session's id ("" outside a Streamlit run)."""
    ctx = get_script_run_ctx()
    return ctx.session_id if ctx is not None else ""


def session_alive_test(session: str):
    """A liveness test for `session` from Streamlit's runtime session manager, or None without a runtime.

    `Runtime.is_active_session` turns False when the tab's websocket closes (the pool then gives
    the session its heartbeat timeout, 10 s, to come back). Without a runtime (AppTest, scripts)
    the heartbeat the polling fragment refreshes decides alone.
    """
    if not session or not Runtime.exists():
        return None
    runtime = Runtime.instance()
    return lambda: runtime.is_active_session(session)


def submit_training(train, *, time_limit: float | None, name: str, history=None) -> Run:
    """Queue `train(run)` on the process's training pool for this session (see cnnrnn.core.jobs)."""
    session = session_id()
    return training_pool().submit(
        train,
        time_limit=time_limit,
        session=session or name,
        alive=session_alive_test(session),
        name=name,
        history=history,
    )


def queue_message(run: Run) -> str:
    """What a visitor waiting for a slot reads: their place and how many train now."""
    pool = training_pool()
    busy = len(pool.running())
    return (
        f"Waiting for a training slot: you are number {run.place} in the queue "
        f"({busy} of {pool.slots} slot{'s' if pool.slots != 1 else ''} training now). "
        "Training starts by itself when a slot frees; you can keep using the page."
    )


class SessionRun:
    """A page's one run on the pool for this session, kept in st.session_state.

    Under `key` while it is queued or training; once it has ended, under `ended_key` until the page
    takes it (once) to draw how it ended. `current()` moves a run that has ended, so a page run drawn
    after the end draws its results at once (the polling fragment reruns the page only when it sees
    the end itself, through `finish`).
    """

    def __init__(self, key: str, ended_key: str):
        self.key, self.ended_key = key, ended_key

    def keep(self, run: Run) -> Run:
        """Keep a run just submitted as this session's."""
        st.session_state[self.key] = run
        return run

    def polled(self) -> Run | None:
        """The run as the polling fragment sees it (ended or not), None when there is none."""
        return st.session_state.get(self.key)

    def current(self) -> Run | None:
        """The queued or running run, or None (one that has ended moves to `take_ended`)."""
        run = st.session_state.get(self.key)
        if run is not None and not run.active:
            self._move(run)
            return None
        return run

    def take_ended(self) -> Run | None:
        """The run that ended since the page last ran (once), or None."""
        return st.session_state.pop(self.ended_key, None)

    def finish(self, run: Run) -> None:
        """The run has ended: keep it for `take_ended` and rerun the whole page to draw its results."""
        self._move(run)
        st.rerun()

    def _move(self, run: Run) -> None:
        st.session_state.pop(self.key, None)
        st.session_state[self.ended_key] = run


def run_ended_message(run: Run, what: str = "training") -> tuple[str, str] | None:
    """(kind, text) for a run that ended other than by finishing: "info" or "error"; None when it finished."""
    if run.state == "failed":
        return "error", f"The {what} failed: {run.error}"
    if run.reason == "time limit":
        return "info", f"The {what} reached its time limit of {run.time_limit:.0f} s."
    if run.reason == "session closed":
        return "info", f"The {what} ended: this page was closed while it ran."
    return None


def show_run_end(run: Run, what: str = "training") -> None:
    """Say how `run` ended when it did not simply finish (run_ended_message): an info or an error box."""
    ended = run_ended_message(run, what)
    if ended and ended[0] == "error":
        show_error(ended[1])
    elif ended:
        st.info(ended[1])
