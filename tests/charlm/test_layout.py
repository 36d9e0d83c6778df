"""The task's package keeps to the layout rules: only core and its own modules, imports at the top, no cycles."""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
PACKAGE = ROOT / "cnnrnn" / "tasks" / "charlm"
OWN = "cnnrnn.tasks.charlm"


def _imports(path: Path):
    """(module imported, at the top of the file) for every import of `path`, inside functions too."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    top = {id(node) for node in tree.body}
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            names = [node.module or ""]
            if node.module in ("cnnrnn", "cnnrnn.tasks", OWN):  # from cnnrnn.tasks.charlm import charts
                names = [f"{node.module}.{alias.name}" for alias in node.names]
        else:
            continue
        for name in names:
            yield name, id(node) in top


def _allowed(name: str) -> bool:
    return name.startswith("cnnrnn.core.") or name == "cnnrnn.core" or name.startswith(OWN + ".")


def test_modules_import_only_core_and_their_own_task_at_the_top():
    files = sorted(PACKAGE.glob("*.py")) + [ROOT / "pages" / "charlm.py"]
    for path in files:
        for name, at_top in _imports(path):
            if name.split(".")[0] != "cnnrnn":
                continue
            assert _allowed(name), f"{path.name} imports {name}"
            assert at_top, f"{path.name} imports {name} inside a function"


def test_no_import_cycles():
    graph = {path.stem: {name.rsplit(".", 1)[1] for name, _ in _imports(path) if name.startswith(OWN + ".")}
             for path in PACKAGE.glob("*.py")}
    done, visiting = set(), []

    def visit(node):
        assert node not in visiting, f"import cycle: {' -> '.join(visiting + [node])}"
        if node in done:
            return
        visiting.append(node)
        for other in graph.get(node, ()):
            visit(other)
        visiting.pop()
        done.add(node)

    for node in graph:
        visit(node)


def test_the_page_sets_no_page_config():
    source = (ROOT / "pages" / "charlm.py").read_text(encoding="utf-8")
    assert "set_page_config" not in source and "keras" not in source and "tensorflow" not in source
