"""The one core module that imports Streamlit: navigation, page header, errors, the cached manifest.

Each task's `ui.py` is its own bridge to Streamlit; this module knows no task: it draws the
navigation and the home cards from the `Task` records it is given.
"""

from __future__ import annotations

import logging
import sys
from contextlib import contextmanager, nullcontext
from pathlib import Path

import pandas as pd
import streamlit as st
from streamlit.runtime import Runtime
from streamlit.runtime.pages_manager import PagesManager
from streamlit.runtime.scriptrunner import get_script_run_ctx
from streamlit.runtime.scriptrunner import script_runner as _script_runner

from cnnrnn.core import ui_share, warm
from cnnrnn.core.task import SECTIONS, Task
from cnnrnn.core.process import server_settings
from cnnrnn.core.jobs import Run, training_pool
from cnnrnn.core.weights import read_manifest

ROOT = Path(__file__).resolve().parents[2]
_log = logging.getLogger(__name__)
HOME = "pages/home.py"

# Streamlit runs the first session of a fresh server as a pages-folder (v1) app until `st.navigation`
# runs once: a link to a page (Image_CNN, ...) finds no such v1 page, and the browser gets a "Page not
# found" dialog while the right page draws behind it. This closes that dialog, and only that one.
_CLOSE_PAGE_NOT_FOUND = """<script>
(() => {
  let tries = 0;
  const timer = setInterval(() => {
    for (const dialog of document.querySelectorAll('[role="dialog"]')) {
      if (dialog.textContent.includes("Page not found")) {
        const close = dialog.querySelector('button[aria-label="Close"]');
        if (close) { close.click(); clearInterval(timer); return; }
      }
    }
    if (++tries > 100) clearInterval(timer);
  }, 100);
})();
</script>"""


def _clean_after_run_keeping_keras() -> None:
    """What Streamlit does after each script run, less `keras.backend.clear_session()` (see below)."""
    pyplot = sys.modules.get("matplotlib.pyplot")
    if pyplot is not None:
        pyplot.close("all")


def keep_keras_session() -> None:
    """Stop Streamlit from calling `keras.backend.clear_session()` after every script run of the process.

    Streamlit does so whenever Keras is imported (`script_runner._clean_problem_modules`): for an app
    that builds a new model in each run. Here the models are loaded once per process and shared by
    every session, and each clear is a full `gc.collect()` (it holds the GIL for a fraction of a second
    with TensorFlow loaded) plus a flush of TensorFlow's kernel cache, after every run and every
    fragment run of every session: in a room of 8 sessions, one training, 43% of the server's
    GIL-holding samples were in it (py-spy). Matplotlib's figures are still closed, as Streamlit does.
    """
    _script_runner._clean_problem_modules = _clean_after_run_keeping_keras


@st.cache_data(show_spinner=False)
def manifest() -> dict:
    """The shipped weights' manifest (no TensorFlow import), read once per process."""
    return read_manifest()


@contextmanager
def _loading_notice(label: str):
    """While a page waits for a loader: a spinner that says what loads (nothing outside a script run)."""
    if get_script_run_ctx(suppress_warning=True) is None:  # the warm-start thread, a test, the command line
        yield
        return
    with st.spinner(f"Loading {label}: the first visit after the server starts waits for this once...",
                    show_time=True):
        yield


def loader(label: str):
    """Decorator for a task's model loader: once per process, shared by every session, warmed at startup.

    `label` says what loads ("the image models"); a page that needs it before it is ready shows
    "Loading the image models..." under a spinner while it waits (see cnnrnn.core.warm).
    """
    return warm.loader(label, notice=_loading_notice)


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


def _warm_step(task: Task):
    """One step of the warm start: import the task's ui module and return its declared loaders."""
    def step():
        module = task.module("ui")
        return [getattr(module, name) for name in task.loaders]
    step.__name__ = f"{task.name} ({task.package}.ui)"
    return step


def start_warm(tasks: tuple[Task, ...]):
    """Start the process's warm-start thread (once; not when CNNRNN_WARM=0) over the tasks' loaders, in order."""
    return warm.start([_warm_step(task) for task in tasks if task.loaders])


def _imported(name: str) -> bool:
    """Whether the module `name` is in sys.modules and done running (not halfway through another
    thread's import)."""
    module = sys.modules.get(name)
    spec = getattr(module, "__spec__", None)
    return module is not None and not getattr(spec, "_initializing", False)


def _import_page_modules(tasks: tuple[Task, ...], url_path: str) -> None:
    """Import the ui modules of the tasks drawn at `url_path` under the import lock (one importer at a time).

    Modules already imported are not imported again, and need no lock: the warm start holds it through
    each load, seconds at a time, and a page whose code is loaded need not wait for another page's models.
    When the warm-start thread holds the lock (it imports or loads another task), the page says so.
    """
    wanted = [task for task in tasks if task.url_path == url_path and url_path
              and not _imported(f"{task.package}.ui")]
    if not wanted:
        return
    lock = warm.imports()
    if lock.acquire(blocking=False):
        lock.release()
        waiting = nullcontext()
    else:
        waiting = st.spinner("Loading this page's code while the server warms up its models...", show_time=True)
    with waiting, warm.page_first(), lock:
        for task in wanted:
            try:
                task.module("ui")
            except ModuleNotFoundError as error:  # a task without a ui module: its page imports what it needs
                if error.name != f"{task.package}.ui":
                    raise


def page_header(title: str, pattern: str, summary: str, guide: str | None = None) -> bool:
    """Title, the pattern badge (one to one, ...), the presenter toggle and Share, the 30-second guide, the summary.

    Returns whether presenter mode is on (see `cnnrnn.core.ui_share`).
    """
    st.title(title)
    st.caption(pattern)
    return ui_share.page_chrome(summary, guide)


def show_error(message: str) -> None:
    """A clear, non-technical error box (never a traceback)."""
    st.error(message, icon=":material/error:")


def task_page(task: Task) -> st.Page:
    """The st.Page of a task: its file, title, icon and url path from the registry."""
    return st.Page(task.page, title=task.title, icon=task.icon, url_path=task.url_path)


def navigation(tasks: tuple[Task, ...]):
    """st.navigation over Home and one page per task, grouped by section (Patterns, then Labs)."""
    home = st.Page(HOME, title="Home", icon=":material/home:", default=True)
    pages = {"": [home]}
    for section in SECTIONS:
        members = [task_page(task) for task in tasks if task.section == section]
        if members:
            pages[section] = members
    return st.navigation(pages)


def run_page(tasks: tuple[Task, ...], warmed: tuple[Task, ...] = ()) -> None:
    """The entry point's work: page config (sidebar collapsed in presenter mode), logo, navigation, the page.

    `warmed`: the tasks whose declared loaders the warm-start thread fills, in that order (it starts on
    the process's first run). The page's own task modules are imported under the warm start's import lock.
    """
    keep_keras_session()
    server_settings()  # before the warm start imports TensorFlow and the threads allocate (process.server_settings)
    start_warm(warmed)
    first_run = bool(PagesManager.uses_pages_directory)  # True until the first st.navigation of the process
    page = navigation(tasks)
    if first_run and page.url_path:  # a page other than Home was asked for by its link
        st.html(_CLOSE_PAGE_NOT_FOUND, unsafe_allow_javascript=True)
    presenting = ui_share.start_session_page(page.url_path)
    st.set_page_config(page_title="CNN vs RNN", page_icon=":material/compare:", layout="wide",
                       initial_sidebar_state="collapsed" if presenting else "auto")
    st.logo(str(ROOT / "cnnrnn" / "logo.svg"), size="large")
    with warm.page_running():  # the warm start pauses at its next step or checkpoint (core.warm)
        _import_page_modules(tasks + warmed, page.url_path)
        page.run()


def task_cards(tasks: tuple[Task, ...], columns: int) -> None:
    """One bordered card per task, `columns` to a row: heading, shape, blurb and a link to its page."""
    for start in range(0, len(tasks), columns):
        row = st.columns(columns)
        for column, task in zip(row, tasks[start:start + columns]):
            with column.container(border=True):
                st.subheader(task.pattern or task.title)
                st.caption(task.shape)
                st.write(task.blurb)
                st.page_link(task.page, label=f"Open {task.title}", icon=task.icon)


def shipped_tables(task: str, key: str = "experiments") -> dict:
    """The manifest's experiment tables of `task` (its section's `key`), name -> DataFrame ({} when absent)."""
    tables = manifest().get(task, {}).get(key, {})
    return {name: pd.DataFrame(rows) for name, rows in tables.items() if rows}


# --- Live training on the pool (cnnrnn.core.jobs) -------------------------------------

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
    return training_pool().submit(train, time_limit=time_limit, session=session or name,
                                  alive=session_alive_test(session), name=name, history=history)


def queue_message(run: Run) -> str:
    """What a visitor waiting for a slot reads: their place and how many train now."""
    pool = training_pool()
    busy = len(pool.running())
    return (f"Waiting for a training slot: you are number {run.place} in the queue "
            f"({busy} of {pool.slots} slot{'s' if pool.slots != 1 else ''} training now). "
            "Training starts by itself when a slot frees; you can keep using the page.")


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
