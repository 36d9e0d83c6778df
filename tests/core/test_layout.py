"""The layout's rules, read from every import statement of the package and the pages (ast, inside functions too).

- core imports no task; the registry imports only core; a task imports only core, itself and the
  packages of the tasks its registry line names in `uses` (the audience room: mnist's and sentiment's);
- no `cnnrnn` import inside a function or class (the registry's `Task.module` is the one lazy step);
- no import cycle among the package's modules;
- a page imports only core and the task the registry gives it, and no Keras or TensorFlow.
"""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

import pytest

from cnnrnn.tasks import all_tasks, page_tasks

ROOT = Path(__file__).resolve().parents[2]
PACKAGE = ROOT / "cnnrnn"


def module_name(path: Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


MODULES = {module_name(p): p for p in sorted(PACKAGE.rglob("*.py"))}


def imports(path: Path, module: str) -> list[tuple[str, bool]]:
    """(imported cnnrnn module, inside a function or class) for every import statement of a file."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    package = module if path.name == "__init__.py" else module.rpartition(".")[0]
    found = []

    def visit(node, nested: bool):
        for child in ast.iter_child_nodes(node):
            inner = nested or isinstance(child, (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda, ast.ClassDef))
            if isinstance(child, ast.Import):
                found.extend((alias.name, inner) for alias in child.names if alias.name.split(".")[0] == "cnnrnn")
            elif isinstance(child, ast.ImportFrom):
                base = child.module or ""
                if child.level:
                    anchor = package.split(".")
                    anchor = anchor[:len(anchor) - child.level + 1]
                    base = ".".join(anchor + ([base] if base else []))
                if base.split(".")[0] == "cnnrnn":
                    for alias in child.names:  # `from cnnrnn.core import st` imports the module cnnrnn.core.st
                        target = f"{base}.{alias.name}"
                        found.append((target if target in MODULES else base, inner))
            visit(child, inner)

    visit(tree, False)
    return found


GRAPH = {name: imports(path, name) for name, path in MODULES.items()}
# "task:<folder>" -> the owners it may import besides core and itself: the packages of the tasks it `uses`.
_FOLDER = {task.name: task.package.split(".")[2] for task in all_tasks()}
USES = {f"task:{task.package.split('.')[2]}": {f"task:{_FOLDER[name]}" for name in task.uses}
        for task in all_tasks() if task.uses}


def owner(module: str) -> str:
    """"core", "registry", "task:<package>" or "top" (the command line, the benchmark, the package itself)."""
    parts = module.split(".")
    if parts[:2] == ["cnnrnn", "core"]:
        return "core"
    if parts[:2] == ["cnnrnn", "tasks"]:
        return "registry" if len(parts) == 2 else f"task:{parts[2]}"
    return "top"


def test_the_package_has_the_layout():
    assert {"cnnrnn.core.weights", "cnnrnn.core.predictor", "cnnrnn.core.task", "cnnrnn.tasks"} <= set(MODULES)
    for task in all_tasks():
        assert task.package in MODULES, f"{task.package} is registered but has no package"
        assert f"{task.package}.cli" in MODULES, f"{task.name} has no cli module"
        assert f"{task.package}.parser" in MODULES, f"{task.name} has no parser module"
        assert f"{task.package}.checks" in MODULES, f"{task.name} has no checks module (see cnnrnn/core/task.py)"
        assert (ROOT / task.page).is_file(), f"{task.name}'s page {task.page} is missing"


@pytest.mark.parametrize("module", sorted(MODULES))
def test_imports_follow_the_rules(module):
    check_imports(module, GRAPH[module])


def check_imports(module: str, found: list[tuple[str, bool]]) -> None:
    """Fail on the first import of `found` that breaks the rules for `module`."""
    me = owner(module)
    for target, nested in found:
        assert not nested, f"{module} imports {target} inside a function or class"
        them = owner(target)
        if me == "core":
            assert them == "core", f"core module {module} imports {target}"
        elif me == "registry":
            assert them == "core", f"the registry imports {target}"
        elif me.startswith("task:"):
            allowed = {"core", me} | USES.get(me, set())
            assert them in allowed, (f"{module} imports {target}: a task imports only core, itself and the tasks "
                                     "its registry line names in `uses`")


def test_uses_names_registered_tasks_and_allows_exactly_those_edges():
    """`uses` names tasks of the registry; the room may import the image and sentiment tasks, nothing else."""
    for task in all_tasks():
        assert set(task.uses) <= set(_FOLDER) and task.name not in task.uses, f"{task.name} uses {task.uses}"
    assert USES["task:room"] == {"task:digits", "task:sentiment"}
    check_imports("cnnrnn.tasks.room.x", [("cnnrnn.tasks.digits.ui", False), ("cnnrnn.tasks.sentiment.ui", False)])
    for target in ("cnnrnn.tasks.charlm.ui", "cnnrnn.tasks.translation", "cnnrnn.tasks.captions.model"):
        with pytest.raises(AssertionError, match="names in `uses`"):
            check_imports("cnnrnn.tasks.room.x", [(target, False)])
    with pytest.raises(AssertionError, match="names in `uses`"):  # the edge runs one way only
        check_imports("cnnrnn.tasks.digits.x", [("cnnrnn.tasks.room.store", False)])
    with pytest.raises(AssertionError, match="inside a function"):
        check_imports("cnnrnn.tasks.room.x", [("cnnrnn.tasks.digits.ui", True)])


def test_no_import_cycles():
    edges = {m: sorted({t for t, _ in GRAPH[m] if t in MODULES and t != m}) for m in MODULES}
    state: dict[str, int] = {}
    stack: list[str] = []

    def visit(node):
        state[node] = 1
        stack.append(node)
        for nxt in edges[node]:
            if state.get(nxt) == 1:
                cycle = stack[stack.index(nxt):] + [nxt]
                pytest.fail("import cycle: " + " -> ".join(cycle))
            if nxt not in state:
                visit(nxt)
        stack.pop()
        state[node] = 2

    for node in edges:
        if node not in state:
            visit(node)


def test_the_rules_are_checked_on_a_file_that_breaks_them(tmp_path):
    """The reader sees imports inside functions and relative imports (so the tests above can fail)."""
    bad = tmp_path / "bad.py"
    bad.write_text("from . import model\n\ndef f():\n    from cnnrnn.tasks.sentiment import text\n")
    found = imports(bad, "cnnrnn.tasks.digits.bad")
    assert ("cnnrnn.tasks.sentiment.text", True) in found or ("cnnrnn.tasks.sentiment", True) in found
    assert any(target.startswith("cnnrnn.tasks.digits") and not nested for target, nested in found)


@pytest.mark.parametrize("task", page_tasks(), ids=lambda t: t.name)
def test_a_page_imports_only_core_and_its_own_task(task):  # not the tasks it `uses`: its package does
    path = ROOT / task.page
    tree = ast.parse(path.read_text(encoding="utf-8"))
    for node in ast.walk(tree):
        names = ([a.name for a in node.names] if isinstance(node, ast.Import)
                 else [node.module or ""] if isinstance(node, ast.ImportFrom) else [])
        for name in names:
            top = name.split(".")[0]
            assert top not in ("keras", "tensorflow"), f"{task.page} imports {name}: pages hold no Keras code"
            if top == "cnnrnn":
                assert name.startswith(("cnnrnn.core", task.package)), f"{task.page} imports {name}"


def test_every_tasks_checks_module_is_plain_data():
    """The load test and the tests read every task's checks: importing them loads no TensorFlow, Keras,
    Streamlit or Playwright."""
    code = ("import sys\nfrom cnnrnn.tasks import all_tasks\nfor task in all_tasks():\n    task.module('checks')\n"
            "print(sorted(m for m in ('tensorflow', 'keras', 'streamlit', 'playwright') if m in sys.modules))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT, timeout=120)
    assert out.returncode == 0, out.stderr[-2000:]
    assert out.stdout.strip() == "[]", out.stdout
