"""The layout's rules, read from every import statement of the package and the pages (ast, inside functions too).

- core imports no task, and only its `ui` package imports Streamlit; the registry imports only core;
- a task imports only core, itself and the `api` module of each task its registry line names in `uses`;
  a task registered inside another's folder (the Tang poems in the Generation task's) is a task of its own;
- a task's `api` module imports no Streamlit, nor does anything of the package it imports;
- no `cnnrnn` import inside a function or class (the registry's `Task.module` is the one lazy step);
- no import cycle among the package's modules, and none among its tasks (package-level);
- a page imports only core, its own task and the tasks shown on its page, and no Keras or TensorFlow;
- nothing the app runs (core, the tasks, the pages, the entry point) imports Playwright;
- no file under cnnrnn/core/ mentions digits, sheets or scenes outside its docstrings.

`Layout` reads any project tree, so the rules are also checked on a small tree that breaks each of them.
"""

from __future__ import annotations

import ast
import io
import re
import subprocess
import sys
import tokenize
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from cnnrnn.core.task import Task
from cnnrnn.tasks import all_tasks, page_tasks

ROOT = Path(__file__).resolve().parents[2]
TASK_WORDS = re.compile(r"digit|sheet|scene", re.I)  # what core must not speak of


@dataclass(frozen=True)
class Import:
    target: str  # the imported module (a cnnrnn module by its full name; any other by its top-level name)
    nested: bool  # inside a function, lambda or class
    line: int


def module_name(root: Path, path: Path) -> str:
    parts = list(path.relative_to(root).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def read_imports(path: Path, module: str, known: set[str]) -> list[Import]:
    """Every import statement of a file: cnnrnn modules by full name (relative imports resolved), others by top."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    package = module if path.name == "__init__.py" else module.rpartition(".")[0]
    found: list[Import] = []

    def visit(node, nested: bool):
        for child in ast.iter_child_nodes(node):
            inner = nested or isinstance(child, (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda, ast.ClassDef))
            if isinstance(child, ast.Import):
                for alias in child.names:
                    top = alias.name.split(".")[0]
                    found.append(Import(alias.name if top == "cnnrnn" else top, inner, child.lineno))
            elif isinstance(child, ast.ImportFrom):
                base = child.module or ""
                if child.level:
                    anchor = package.split(".")
                    anchor = anchor[: len(anchor) - child.level + 1]
                    base = ".".join(anchor + ([base] if base else []))
                if base.split(".")[0] == "cnnrnn":
                    for alias in child.names:  # `from cnnrnn.core.ui import app` imports the module cnnrnn.core.ui.app
                        target = f"{base}.{alias.name}"
                        found.append(Import(target if target in known else base, inner, child.lineno))
                else:
                    found.append(Import(base.split(".")[0], inner, child.lineno))
            visit(child, inner)

    visit(tree, False)
    return found


def code_text(path: Path) -> str:
    """A file's code and comments without its docstrings (module, class and function)."""
    source = path.read_text(encoding="utf-8")
    docstrings = set()
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, (ast.Module, ast.ClassDef, ast.FunctionDef, ast.AsyncFunctionDef)) and node.body:
            first = node.body[0]
            if (
                isinstance(first, ast.Expr)
                and isinstance(first.value, ast.Constant)
                and isinstance(first.value.value, str)
            ):
                docstrings.add(first.lineno)
    kept = []
    for token in tokenize.generate_tokens(io.StringIO(source).readline):
        if token.type == tokenize.STRING and token.start[0] in docstrings:
            continue
        kept.append(token.string)
    return " ".join(kept)


@dataclass
class Layout:
    """A project tree: its package's modules, its pages and entry point, each file's imports, and its tasks."""

    root: Path
    tasks: tuple[Task, ...]
    package: str = "cnnrnn"
    modules: dict[str, Path] = field(init=False)
    graph: dict[str, list[Import]] = field(init=False)
    pages: dict[str, list[Import]] = field(init=False)

    def __post_init__(self):
        self.modules = {module_name(self.root, p): p for p in sorted((self.root / self.package).rglob("*.py"))}
        known = set(self.modules)
        self.graph = {name: read_imports(path, name, known) for name, path in self.modules.items()}
        files = sorted((self.root / "pages").glob("*.py")) + [self.root / "streamlit_app.py"]
        self.pages = {
            str(p.relative_to(self.root)): read_imports(p, module_name(self.root, p), known)
            for p in files
            if p.is_file()
        }
        # Longest package first, so a task registered inside another's folder is found before its host.
        self._owners = sorted(((t.package, t.name) for t in self.tasks), key=lambda pair: -len(pair[0]))

    def owner(self, module: str) -> str:
        """ "core", "registry", "task:<name>" (by the registry's packages) or "top" (the command line, the tools)."""
        if module == f"{self.package}.core" or module.startswith(f"{self.package}.core."):
            return "core"
        if module == f"{self.package}.tasks":
            return "registry"
        for package, name in self._owners:
            if module == package or module.startswith(package + "."):
                return f"task:{name}"
        return "top"

    def task(self, name: str) -> Task:
        return next(task for task in self.tasks if task.name == name)

    def violations(self) -> list[str]:
        """Every broken rule, one line each ("" none)."""
        found = []
        for module, imports in self.graph.items():
            found += self._module_rules(module, imports)
        found += self._api_rules() + self._cycles() + self._task_cycles() + self._page_rules() + self._core_words()
        return found

    def _module_rules(self, module: str, imports: list[Import]) -> list[str]:
        me, out = self.owner(module), []
        for imp in imports:
            cnnrnn = imp.target.split(".")[0] == self.package
            if cnnrnn and imp.nested:
                out.append(f"{module}:{imp.line} imports {imp.target} inside a function or class")
            if imp.target == "playwright" and me != "top":
                out.append(f"{module}:{imp.line} imports Playwright: the app never does (tools only)")
            if imp.target == "streamlit" and me == "core" and not module.startswith(f"{self.package}.core.ui"):
                out.append(f"{module}:{imp.line} imports Streamlit: in core only core.ui does")
            if not cnnrnn:
                continue
            them = self.owner(imp.target)
            if me == "core" and them != "core":
                out.append(f"core module {module} imports {imp.target}")
            elif me == "registry" and them != "core":
                out.append(f"the registry imports {imp.target}")
            elif me.startswith("task:") and them not in ("core", me):
                used = them.startswith("task:") and them[5:] in self.task(me[5:]).uses
                api = f"{self.task(them[5:]).package}.api" if them.startswith("task:") else ""
                if not (used and imp.target == api):
                    out.append(
                        f"{module} imports {imp.target}: a task imports only core, itself and the `api` "
                        "module of the tasks its registry line names in `uses`"
                    )
        return out

    def _reach(self, start: str) -> set[str]:
        seen, todo = set(), [start]
        while todo:
            module = todo.pop()
            if module in seen or module not in self.graph:
                continue
            seen.add(module)
            todo += [imp.target for imp in self.graph[module] if imp.target in self.modules]
        return seen

    def _api_rules(self) -> list[str]:
        out = []
        for task in self.tasks:
            api = f"{task.package}.api"
            if api not in self.modules:
                if any(task.name in other.uses for other in self.tasks):
                    out.append(f"{task.name} is used by another task but has no api module")
                continue
            for module in sorted(self._reach(api)):
                if any(imp.target == "streamlit" for imp in self.graph[module]):
                    out.append(f"{api} reaches {module}, which imports Streamlit: an api module is Streamlit-free")
        return out

    def _cycles(self) -> list[str]:
        edges = {
            m: sorted({i.target for i in self.graph[m] if i.target in self.modules and i.target != m})
            for m in self.modules
        }
        return [f"import cycle: {' -> '.join(cycle)}" for cycle in find_cycles(edges)]

    def _task_cycles(self) -> list[str]:
        edges: dict[str, set[str]] = {}
        for module, imports in self.graph.items():
            me = self.owner(module)
            for imp in imports:
                them = self.owner(imp.target) if imp.target.split(".")[0] == self.package else ""
                if me.startswith("task:") and them.startswith("task:") and them != me:
                    edges.setdefault(me, set()).add(them)
        edges = {node: sorted(targets) for node, targets in edges.items()}
        return [f"task cycle: {' -> '.join(cycle)}" for cycle in find_cycles(edges)]

    def _page_rules(self) -> list[str]:
        out = []
        by_page = {task.page: task for task in self.tasks if task.has_page}
        for page, imports in self.pages.items():
            task = by_page.get(page)
            allowed = [f"{self.package}.core"]
            if task is not None:
                allowed += [task.package] + [t.package for t in self.tasks if t.shown_on == task.name]
            elif page in ("pages/home.py", "streamlit_app.py"):
                allowed += [f"{self.package}.tasks"]  # the registry only: the home page renders without TensorFlow
            for imp in imports:
                if imp.target in ("keras", "tensorflow"):
                    out.append(f"{page} imports {imp.target}: pages hold no Keras code")
                if imp.target == "playwright":
                    out.append(f"{page} imports Playwright: the app never does")
                if imp.target.split(".")[0] == self.package and not any(
                    imp.target == a or imp.target.startswith(a + ".") for a in allowed
                ):
                    out.append(f"{page} imports {imp.target}")
                if (
                    (imp.target == f"{self.package}.tasks" or imp.target.startswith(f"{self.package}.tasks."))
                    and page in ("pages/home.py", "streamlit_app.py")
                    and imp.target != f"{self.package}.tasks"
                ):
                    out.append(f"{page} imports {imp.target}: the home page and the entry point import no task")
        return out

    def _core_words(self) -> list[str]:
        out = []
        for module, path in self.modules.items():
            if self.owner(module) == "core":
                words = sorted({w.lower() for w in TASK_WORDS.findall(code_text(path))})
                if words:
                    out.append(f"{module} speaks of {', '.join(words)} outside its docstrings: core knows no task")
        return out


def find_cycles(edges: dict[str, list[str]]) -> list[list[str]]:
    """One cycle per strongly connected part met by a depth-first walk (each as a -> ... -> a)."""
    state: dict[str, int] = {}
    stack: list[str] = []
    cycles = []

    def visit(node):
        state[node] = 1
        stack.append(node)
        for nxt in edges.get(node, []):
            if state.get(nxt) == 1:
                cycles.append(stack[stack.index(nxt) :] + [nxt])
            elif nxt not in state:
                visit(nxt)
        stack.pop()
        state[node] = 2

    for node in sorted(edges):
        if node not in state:
            visit(node)
    return cycles


PROJECT = Layout(ROOT, all_tasks())


def test_the_package_has_the_layout():
    assert {"cnnrnn.core.weights", "cnnrnn.core.predictor", "cnnrnn.core.task", "cnnrnn.tasks"} <= set(PROJECT.modules)
    for task in all_tasks():
        assert task.package in PROJECT.modules, f"{task.package} is registered but has no package"
        assert f"{task.package}.cli" in PROJECT.modules, f"{task.name} has no cli module"
        assert f"{task.package}.parser" in PROJECT.modules, f"{task.name} has no parser module"
        assert f"{task.package}.checks" in PROJECT.modules, (
            f"{task.name} has no checks module (see cnnrnn/core/task.py)"
        )
        assert (ROOT / task.page).is_file(), f"{task.name}'s page {task.page} is missing"
        assert set(task.uses) <= {t.name for t in all_tasks()} - {task.name}, f"{task.name} uses {task.uses}"


def test_the_project_follows_every_rule():
    assert PROJECT.violations() == []


def test_a_nested_task_is_a_task_of_its_own_and_the_room_meets_others_only_through_their_api():
    assert PROJECT.owner("cnnrnn.tasks.charlm.tang.ui") == "task:tang"
    assert PROJECT.owner("cnnrnn.tasks.charlm.ui") == "task:charlm"
    room = [
        imp.target
        for module, imports in PROJECT.graph.items()
        if PROJECT.owner(module) == "task:room"
        for imp in imports
        if PROJECT.owner(imp.target) not in ("core", "task:room", "top")
    ]
    assert set(room) == {"cnnrnn.tasks.digits.api", "cnnrnn.tasks.sentiment.api"}


def write_tree(root: Path, files: dict[str, str]) -> None:
    for name, text in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")


FIXTURE_TASKS = (
    Task(name="a", package="cnnrnn.tasks.a", title="A", url_path="A", icon="", page="pages/a.py"),
    Task(name="b", package="cnnrnn.tasks.b", title="B", url_path="B", icon="", page="pages/b.py", uses=("a",)),
    Task(
        name="c",
        package="cnnrnn.tasks.b.c",
        title="C",
        url_path="B",
        icon="",
        page="pages/b.py",
        shown_on="b",
        uses=("b",),
    ),
)
CLEAN = {
    "cnnrnn/__init__.py": "",
    "cnnrnn/core/__init__.py": '"""Shared; the docstring may say: a digit, a sheet, a scene."""\n',
    "cnnrnn/core/images.py": "import numpy\n",
    "cnnrnn/core/ui/__init__.py": "import streamlit\n",
    "cnnrnn/tasks/__init__.py": "from cnnrnn.core import images\n",
    "cnnrnn/tasks/a/__init__.py": "",
    "cnnrnn/tasks/a/api.py": "from cnnrnn.tasks.a import model\n",
    "cnnrnn/tasks/a/model.py": "from cnnrnn.core import images\n",
    "cnnrnn/tasks/a/ui.py": "import streamlit\nfrom cnnrnn.tasks.a import api\n",
    "cnnrnn/tasks/b/__init__.py": "",
    "cnnrnn/tasks/b/api.py": "from cnnrnn.tasks.a.api import model\n",
    "cnnrnn/tasks/b/ui.py": "from . import api\n",
    "cnnrnn/tasks/b/c/__init__.py": "",
    "cnnrnn/tasks/b/c/ui.py": "from cnnrnn.tasks.b import api\n",
    "cnnrnn/bench.py": "import playwright\nfrom cnnrnn.tasks.a import ui\n",
    "pages/a.py": "from cnnrnn.core.ui import images\nfrom cnnrnn.tasks.a import ui\n",
    "pages/b.py": "from cnnrnn.tasks.b import ui\nfrom cnnrnn.tasks.b.c import ui as c\n",
    "pages/home.py": "from cnnrnn.tasks import all_tasks\n",
    "streamlit_app.py": "from cnnrnn.core.ui import app\n",
}
BREACHES = {  # file -> (what it holds, the rule it breaks)
    "cnnrnn/tasks/b/ui.py": ("from cnnrnn.tasks.a import ui\n", "a task imports only core, itself and the `api`"),
    "cnnrnn/tasks/a/model.py": ("from cnnrnn.tasks.b import api\n", "task cycle: task:a -> task:b -> task:a"),
    "cnnrnn/core/images.py": ("def f():\n    from cnnrnn.tasks.a import api\n", "inside a function"),
    "cnnrnn/tasks/a/api.py": ("from cnnrnn.tasks.a import ui\n", "which imports Streamlit"),
    "cnnrnn/core/__init__.py": ("DIGITS = 10  # a digit\n", "speaks of digit"),
    "cnnrnn/core/weights.py": ("import streamlit\n", "in core only core.ui does"),
    "cnnrnn/tasks/a/train.py": ("import playwright\n", "imports Playwright"),
    "pages/a.py": ("from cnnrnn.tasks.b import api\n", "pages/a.py imports cnnrnn.tasks.b.api"),
    "pages/home.py": ("from cnnrnn.tasks.a import ui\n", "the home page and the entry point import no task"),
    "cnnrnn/tasks/b/c/ui.py": ("from cnnrnn.tasks.b import ui\n", "a task imports only core, itself and the `api`"),
}


def test_the_fixture_tree_follows_the_rules(tmp_path):
    write_tree(tmp_path, CLEAN)
    layout = Layout(tmp_path, FIXTURE_TASKS)
    assert layout.owner("cnnrnn.tasks.b.c.ui") == "task:c" and layout.owner("cnnrnn.bench") == "top"
    assert layout.violations() == []


@pytest.mark.parametrize("name", sorted(BREACHES))
def test_a_deliberate_breach_in_the_fixture_fails_the_rules(tmp_path, name):
    text, rule = BREACHES[name]
    write_tree(tmp_path, {**CLEAN, name: text})
    found = Layout(tmp_path, FIXTURE_TASKS).violations()
    assert any(rule in line for line in found), found


def test_a_module_cycle_is_found(tmp_path):
    write_tree(tmp_path, {**CLEAN, "cnnrnn/tasks/a/model.py": "from cnnrnn.tasks.a import api\n"})
    assert any(
        line.startswith("import cycle: cnnrnn.tasks.a.api -> cnnrnn.tasks.a.model")
        for line in Layout(tmp_path, FIXTURE_TASKS).violations()
    )


@pytest.mark.parametrize("task", page_tasks(), ids=lambda t: t.name)
def test_a_page_imports_only_core_and_the_tasks_on_it(task):
    assert [line for line in PROJECT._page_rules() if line.startswith(task.page)] == []


def test_every_tasks_checks_module_is_plain_data():
    """The load test and the tests read every task's checks: importing them loads no TensorFlow, Keras,
    Streamlit or Playwright."""
    code = (
        "import sys\nfrom cnnrnn.tasks import all_tasks\nfor task in all_tasks():\n    task.module('checks')\n"
        "print(sorted(m for m in ('tensorflow', 'keras', 'streamlit', 'playwright') if m in sys.modules))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT, timeout=120)
    assert out.returncode == 0, out.stderr[-2000:]
    assert out.stdout.strip() == "[]", out.stdout
