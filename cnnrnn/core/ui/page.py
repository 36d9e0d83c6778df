"""A page's shared parts: its header (title, pattern, presenter toggle, Share), errors, home cards, the manifest.

No task here: the home cards come from the `Task` records a page passes.
"""

from __future__ import annotations

import pandas as pd
import streamlit as st

from cnnrnn.core.task import Task
from cnnrnn.core.ui import share
from cnnrnn.core.weights import read_manifest


@st.cache_data(show_spinner=False)
def manifest() -> dict:
    """The shipped weights' manifest (no TensorFlow import), read once per process."""
    return read_manifest()


def page_header(title: str, pattern: str, summary: str, guide: str | None = None) -> bool:
    """Title, the pattern badge (one to one, ...), the presenter toggle and Share, the 30-second guide, the summary.

    Returns whether presenter mode is on (see `cnnrnn.core.ui.share`).
    """
    st.title(title)
    st.caption(pattern)
    return share.page_chrome(summary, guide)


def show_error(message: str) -> None:
    """A clear, non-technical error box (never a traceback)."""
    st.error(message, icon=":material/error:")


def task_cards(tasks: tuple[Task, ...], columns: int) -> None:
    """One bordered card per task, `columns` to a row: heading, shape, blurb and a link to its page."""
    for start in range(0, len(tasks), columns):
        row = st.columns(columns)
        for column, task in zip(row, tasks[start : start + columns]):
            with column.container(border=True):
                st.subheader(task.pattern or task.title)
                st.caption(task.shape)
                st.write(task.blurb)
                st.page_link(task.page, label=f"Open {task.title}", icon=task.icon)


def shipped_tables(task: str, key: str = "experiments") -> dict:
    """The manifest's experiment tables of `task` (its section's `key`), name -> DataFrame ({} when absent)."""
    tables = manifest().get(task, {}).get(key, {})
    return {name: pd.DataFrame(rows) for name, rows in tables.items() if rows}
