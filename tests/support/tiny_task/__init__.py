"""A tiny task of the tests' own: a number and its double, with a page, a command and a benchmark row.

Registered with `CNNRNN_EXTRA_TASKS=tiny_task:TASK` (and tests/support on PYTHONPATH) in every process a test starts,
or by patching the registry in-process (tests/core/test_registry.py): the tests over the registry then cover it as
they cover a shipped task (tests/test_new_task.py), with no line about it in their files.
"""

from cnnrnn.core.task import Task

TASK = Task(
    name="tiny",
    package="tiny_task",
    title="Tiny task",
    url_path="Tiny",
    icon=":material/star:",
    page="tests/support/tiny_task/page.py",
    section="Labs",
    pattern="Tiny lab",
    shape="a number -> its double",
    blurb="A task made by the tests.",
)
