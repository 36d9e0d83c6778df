"""What a task declares to the registry, and what its package provides.

A task is a folder `cnnrnn/tasks/<package>/`, a page `pages/<package>.py` and one `Task(...)`
line in `cnnrnn/tasks/__init__.py`. A task may instead be shown on another task's page
(`shown_on`: the Tang poems are a corpus of the Generation page): it then has no navigation
entry and no home card of its own, but its own `train`, `evaluate` and manifest section. The registry line is
all the home page, the navigation
and the command line need to show the task without importing it; the rest is loaded on
demand, from two modules of the task.

A task may import core, itself and the `api` module of each task it names in `uses` (the audience room
reads digits and sentences with the image and sentiment tasks' models). A task that others use offers
that one small interface module, `api.py`, without Streamlit: its models' loader, predicting one input,
its labels. A task registered inside another's folder (the Tang poems) is a task of its own all the same.
tests/core/test_layout.py allows exactly those edges and no cycle between tasks.

`loaders` names the task's `ui` functions decorated with `cnnrnn.core.ui.loading.loader` (its models, loaded
once per process): the entry point's warm-start thread imports the ui module and calls them, in the
registry's navigation order, so that a page opened later finds them loaded.

`parser` (imports no TensorFlow: the command line reads every task's to build its arguments):

    MODELS: tuple[str, ...]          the model names `train --models` takes; () for a task that trains
                                     nothing of its own (the room): it then has no `train`, `evaluate`
                                     or manifest section, and `train`/`evaluate` do not offer it
    add_commands(subparsers)         the task's own commands (optional); each sets the defaults
                                     task=<its name> and run=<the name of a function in cli>

`cli` (loaded only for the command that runs):

    train(args, log) -> dict         args.preset ("full", "quick", "tiny"), args.out (Path),
                                     args.models (list or None); returns the JSON to print
    evaluate(weights_dir) -> dict    the shipped models re-measured on the test split
    manifest_figures(entry) -> dict  what evaluate prints, as the manifest section recorded it
                                     (tests/test_evaluate.py holds evaluate to it)
    <run>(args) -> int               each command its parser declared
    bench(live=False, **small) -> dict
                                     benchmark rows (optional): "latency_ms" and "traces" are merged
                                     across tasks, other keys are added as they are; keyword counts
                                     (repeats=...) let the tests run it small; live=True adds what
                                     is measured only on request
    bench_calls(rng) -> list         zero-argument calls the memory-growth loop mixes (optional)

`checks` (plain data, no Streamlit, no TensorFlow): what the suite and the load test check of the task, so that
a new task brings its own and no test file keeps a list of tasks. Every name is optional; its default follows.

    OFFLINE_VIEWS                    the offline crawl's views of the page (tests/test_offline.py): each a list
                                     of (widget kind, key, value) set before its buttons are clicked; [[]]
    OFFLINE_CLICKS                   keys of the buttons the crawl must have clicked; set()
    OFFLINE_DISABLED                 key -> what the page says of a button shown disabled offline; {}
    OFFLINE_LAST                     keys of buttons that throw away what the others need, clicked last; ()
    OFFLINE_JOBS                     session-state keys of training runs the crawl waits for to end; ()
    OFFLINE_CACHES                   names of the `ui` module's cached functions behind buttons and data
                                     loaders, emptied for the offline crawl; ()
    KEY_RESULT                       the page's key result, as a `cnnrnn.browser.locate` spec (the browser
                                     walk: on a phone within two screens, in presenter mode on the first)
    WALK_CLICK                       {"button", "result"}: pressed before the walk measures the page; none
    CANVAS_QUERY                     a link's query that opens the page's drawing canvas (fits a phone); none
    BENCH_SMALL                      keyword counts for `cli.bench` that make the tests' run take seconds; {}
    LOAD_ACTIONS                     the load test's interactions of the page (cnnrnn/loadtest.py); ()
    LOAD_TRAINING                    the load test's training session on this page; none
"""

from __future__ import annotations

import importlib
from dataclasses import dataclass
from types import ModuleType

SECTIONS = ("Patterns", "Labs")


@dataclass(frozen=True)
class Task:
    """One task of the dashboard, as the registry knows it (nothing here imports the task).

    For example the image task: name "mnist", package "cnnrnn.tasks.digits", title "Image CNN", url_path
    "Image_CNN", icon ":material/image:", page "pages/digits.py", pattern "One to one", shape "image -> label".
    """

    name: str  # the command line's and the manifest's name
    package: str  # the importable package: "cnnrnn.tasks.<folder>"
    title: str  # the page's title and navigation label
    url_path: str  # the page's address under the app
    icon: str  # a Material icon: ":material/<name>:"
    page: str  # the page file, relative to the project root: "pages/<folder>.py"
    section: str = "Patterns"  # "Patterns" (the article's four) or "Labs"
    pattern: str = ""  # the home card's heading
    shape: str = ""  # what goes in and out
    blurb: str = ""  # one sentence for the home card
    shown_on: str = ""  # the name of the task whose page shows this one ("": it has its own page)
    uses: tuple[str, ...] = ()  # tasks whose `api` module this one may import
    loaders: tuple[str, ...] = ()  # names of `ui` functions made with core.ui.loading.loader that the warm start fills

    def __post_init__(self):
        if self.section not in SECTIONS:
            raise ValueError(f"task {self.name}: section must be one of {', '.join(SECTIONS)}, not {self.section!r}")

    @property
    def has_page(self) -> bool:
        """Whether the task has a page, a navigation entry and a home card of its own."""
        return not self.shown_on

    def module(self, name: str = "cli") -> ModuleType:
        """Import one of the task's modules on demand (the one lazy import of the package)."""
        return importlib.import_module(f"{self.package}.{name}")
