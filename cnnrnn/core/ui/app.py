"""The app's start-up: page config, logo, navigation over the registry's tasks, the warm start, the page's run.

`run_page` is the entry point's whole work (streamlit_app.py). It also keeps Streamlit from clearing
the shared Keras session after every run (the models are loaded once per process) and closes the
"Page not found" dialog a fresh server shows for a page's own link. This module knows no task: it
draws the navigation from the `Task` records it is given.
"""

from __future__ import annotations

import logging
import sys
from contextlib import nullcontext
from pathlib import Path

import streamlit as st
from streamlit.runtime.pages_manager import PagesManager
from streamlit.runtime.scriptrunner import script_runner as _script_runner

from cnnrnn.core import warm
from cnnrnn.core.process import server_settings
from cnnrnn.core.task import SECTIONS, Task
from cnnrnn.core.ui import share

ROOT = Path(__file__).resolve().parents[3]
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
    wanted = [task for task in tasks if task.url_path == url_path and url_path and not _imported(f"{task.package}.ui")]
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
    presenting = share.start_session_page(page.url_path)
    st.set_page_config(
        page_title="CNN vs RNN",
        page_icon=":material/compare:",
        layout="wide",
        initial_sidebar_state="collapsed" if presenting else "auto",
    )
    st.logo(str(ROOT / "cnnrnn" / "logo.svg"), size="large")
    with warm.page_running():  # the warm start pauses at its next step or checkpoint (core.warm)
        _import_page_modules(tasks + warmed, page.url_path)
        page.run()
