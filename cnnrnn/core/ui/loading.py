"""Model loaders for pages: once per process, shared by every session, with a notice while a page waits.

`loader(label)` wraps `cnnrnn.core.warm.loader` with a spinner that says what loads; `await_first_view`
lets a page wait for the first view the warm start is computing instead of computing it beside it.
"""

from __future__ import annotations

import logging
from contextlib import contextmanager

import streamlit as st
from streamlit.runtime.scriptrunner import get_script_run_ctx

from cnnrnn.core import warm

_log = logging.getLogger(__name__)


@contextmanager
def _loading_notice(label: str):
    """While a page waits for a loader: a spinner that says what loads (nothing outside a script run)."""
    if get_script_run_ctx(suppress_warning=True) is None:  # the warm-start thread, a test, the command line
        yield
        return
    with st.spinner(f"Loading {label}: the first visit after the server starts waits for this once...", show_time=True):
        yield


def loader(label: str):
    """Decorator for a task's model loader: once per process, shared by every session, warmed at startup.

    `label` says what loads ("the image models"); a page that needs it before it is ready shows
    "Loading the image models..." under a spinner while it waits (see cnnrnn.core.warm).
    """
    return warm.loader(label)


def await_first_view(view: warm.Loader) -> None:
    """Before a page computes what it shows first: its task's first-view loader (`view`), once per process.

    While the warm start is computing that view, the page waits for it under its loading notice instead of
    computing the same views beside it (two threads at half the speed each, and the warm start pausing
    for the page at every checkpoint: the translation page took 16 s cold where its first view takes 6 s).
    Once it is ready this returns at once; when nobody has started it, the page computes it here. A failure
    is left to the page, which computes and reports what it shows itself.
    """
    try:
        view()
    except Exception:  # noqa: BLE001 - the page's own calls report the error
        _log.warning("the first view %r failed; the page computes its own", getattr(view, "label", view), exc_info=True)


warm.set_default_notice(_loading_notice)  # loaders declared without Streamlit (a task's api.py) say so too
