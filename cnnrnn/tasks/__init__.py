"""The registry: one `Task` line per task. Imports no task module and no TensorFlow.

The home page, the navigation (`streamlit_app.py`), the command line (`python -m cnnrnn`)
and the benchmark read this list; a task's own modules load only when its page or command
runs (`Task.module`). To add a task, see the README's "Adding a task".

`CNNRNN_EXTRA_TASKS="module:ATTR"` (comma-separated; ATTR a Task or a tuple of them) adds tasks after these:
the tests register a tiny task of their own (tests/support/tiny_task) in every process they start, the command
line and a `streamlit run` included (the module must be importable there: PYTHONPATH).
"""

from __future__ import annotations

import importlib
import os

from cnnrnn.core.task import SECTIONS, Task

EXTRA_ENV = "CNNRNN_EXTRA_TASKS"

TASKS: tuple[Task, ...] = (
    Task(
        name="mnist",
        package="cnnrnn.tasks.digits",
        title="Image CNN",
        url_path="Image_CNN",
        icon=":material/image:",
        page="pages/digits.py",
        pattern="One to one",
        shape="image -> label",
        blurb="Upload, photograph or draw a digit; see what a fixed 28x28 input costs.",
        loaders=("image_predictors", "first_view"),
    ),
    Task(
        name="captions",
        package="cnnrnn.tasks.captions",
        title="Captioning",
        url_path="Captioning",
        icon=":material/subtitles:",
        page="pages/captions.py",
        pattern="One to many",
        shape="image -> sentence",
        blurb="A CNN encoder and an RNN decoder describe a scene.",
        loaders=("caption_predictor",),
    ),
    Task(
        name="sentiment",
        package="cnnrnn.tasks.sentiment",
        title="Sentiment",
        url_path="Sentiment",
        icon=":material/reviews:",
        page="pages/sentiment.py",
        pattern="Many to one",
        shape="sentence -> sentiment",
        blurb="Type a sentence; an RNN and a 1D CNN judge it.",
        loaders=("sentiment_predictors", "first_view"),
    ),
    Task(
        name="charlm",
        package="cnnrnn.tasks.charlm",
        title="Generation",
        url_path="Generation",
        icon=":material/edit_note:",
        page="pages/charlm.py",
        pattern="Many to many",
        shape="text -> text",
        blurb="A character-level RNN writes in the style of a corpus.",
        loaders=("charlm_predictors", "first_view"),
    ),
    Task(
        name="tang",
        package="cnnrnn.tasks.charlm.tang",
        title="Tang poems",
        url_path="Generation",
        icon=":material/edit_note:",
        page="pages/charlm.py",
        pattern="Many to many",
        shape="text -> poem",
        blurb="A character LSTM and a causal CNN write Tang poems in form.",
        shown_on="charlm",
        uses=("charlm",),
        loaders=("tang_predictors",),
    ),
    Task(
        name="translation",
        package="cnnrnn.tasks.translation",
        title="Translation",
        url_path="Translation",
        icon=":material/translate:",
        page="pages/translation.py",
        pattern="Many to many, unaligned",
        shape="English -> French",
        blurb="Three encoder-decoders translate your sentence: a fixed-vector RNN, an RNN and a CNN with attention.",
        loaders=("translators", "first_view"),
    ),
    Task(
        name="mnist1d",
        package="cnnrnn.tasks.mnist1d",
        title="Sequence Lab",
        url_path="Sequence_Lab",
        icon=":material/timeline:",
        page="pages/mnist1d.py",
        section="Labs",
        pattern="Sequence lab",
        shape="signal -> digit (MNIST-1D)",
        blurb="A CNN against a GRU on 1D signals: the paper's table, live training, length, shift and latency.",
        loaders=("mnist1d_predictors", "mnist1d_data"),
    ),
    Task(
        name="room",
        package="cnnrnn.tasks.room",
        title="Audience room",
        url_path="Room",
        icon=":material/groups:",
        page="pages/room.py",
        section="Labs",
        pattern="Audience room",
        shape="the room's digits and sentences -> every model",
        blurb="Phones draw digits and type sentences; the screen shows each architecture's accuracy live.",
        uses=("mnist", "sentiment"),
    ),
)


def extra_tasks(spec: str | None = None) -> tuple[Task, ...]:
    """The tasks CNNRNN_EXTRA_TASKS (or `spec`) names, "module:ATTR,..." (() when unset)."""
    found: list[Task] = []
    for entry in (part.strip() for part in (os.environ.get(EXTRA_ENV, "") if spec is None else spec).split(",")):
        if entry:
            module, _, attr = entry.partition(":")
            value = getattr(importlib.import_module(module), attr)
            found.extend(value if isinstance(value, tuple) else (value,))
    if not all(isinstance(task, Task) for task in found):
        raise TypeError(f"{EXTRA_ENV} names something that is not a Task: {found!r}")
    return tuple(found)


TASKS += extra_tasks()


def all_tasks() -> tuple[Task, ...]:
    """Every registered task (the command line, the manifest, the benchmark), in the registry's order."""
    return TASKS


def page_tasks() -> tuple[Task, ...]:
    """The tasks with a page of their own, in the order of the navigation and the home cards."""
    return tuple(task for task in all_tasks() if task.has_page)


def warm_tasks() -> tuple[Task, ...]:
    """The tasks with loaders for the warm start, in the order a visitor most likely needs them: every
    page's own task in the navigation's order (Patterns, then Labs), then the tasks shown on another's page
    behind a choice (the Tang poems, on the Generation page once its corpus is picked), in the same order.
    A page's first view needs only its own task, so a guest's models do not hold up the pages after it."""
    ordered = [task for section in SECTIONS for task in page_tasks() if task.section == section]
    guests = [guest for host in ordered for guest in all_tasks() if guest.shown_on == host.name]
    return tuple(task for task in ordered + guests if task.loaders)


def trained_tasks() -> tuple[Task, ...]:
    """The tasks with models of their own (`train`, `evaluate`, a manifest section): a non-empty parser.MODELS.

    The audience room trains nothing (it uses the image and sentiment tasks' models), so it is not here.
    Reads only each task's parser module (no TensorFlow).
    """
    return tuple(task for task in all_tasks() if task.module("parser").MODELS)


def get_task(name: str) -> Task:
    """The task called `name` (ValueError naming the known ones otherwise)."""
    for task in all_tasks():
        if task.name == name:
            return task
    raise ValueError(f"unknown task {name!r}; choose from {', '.join(t.name for t in all_tasks())}")
