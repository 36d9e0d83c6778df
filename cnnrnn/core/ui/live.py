"""The live-training panel: the polled fragment that shows a session's run on the training pool (core.jobs).

A task's ui module passes what is its own: the session's run (`core.ui.runs.SessionRun`), how to draw the run's
progress and live charts, the Stop button's key and what the page says while the run stops.
"""

from __future__ import annotations

from collections.abc import Callable

import streamlit as st

from cnnrnn.core.jobs import Run
from cnnrnn.core.ui.runs import TRAINING_POLL_SECONDS, SessionRun, queue_message


@st.fragment(run_every=TRAINING_POLL_SECONDS)
def live_panel(session_run: SessionRun, draw: Callable[[Run], None], *, stop_key: str, stopping: str) -> None:
    """The session's running training, polled every TRAINING_POLL_SECONDS: its queue place, `draw(run)`, Stop.

    Each poll is this session's heartbeat on the pool. When the run ends, the whole page reruns
    (`SessionRun.finish`). Stop lands at the run's next batch; `stopping` is said until then.
    """
    job = session_run.polled()
    if job is None:
        return
    job.touch()
    if not job.active:
        session_run.finish(job)
    if job.state == "queued":
        st.info(queue_message(job), icon=":material/hourglass_top:")
    draw(job)
    if st.button("Stop", key=stop_key, icon=":material/stop:"):
        job.stop()
        if job.wait(1.0):  # stopped at the next batch (and, where the run keeps its best weights, put them back)
            session_run.finish(job)
        st.caption(stopping)  # else the next poll reruns the page once the run has ended
