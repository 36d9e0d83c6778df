"""The package's import rules: only the core and this task, every project import at the top, no cycles."""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
PACKAGE = ROOT / "cnnrnn" / "tasks" / "mnist1d"
FILES = sorted(PACKAGE.glob("*.py")) + [ROOT / "pages" / "mnist1d.py"]
ALLOWED = ("cnnrnn.core", "cnnrnn.tasks.mnist1d")


def _imports(path: Path):
    """(module, at the top) for every `import`/`from` of a cnnrnn module in the file."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    top = set(map(id, tree.body))
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.module:
            names = [node.module] + [f"{node.module}.{a.name}" for a in node.names if node.module == "cnnrnn.tasks.mnist1d"
                                     or node.module == "cnnrnn.core"]
        elif isinstance(node, ast.Import):
            names = [a.name for a in node.names]
        else:
            continue
        for name in names:
            if name.split(".")[0] == "cnnrnn":
                yield name, id(node) in top


def test_only_the_core_and_this_task_are_imported_and_only_at_the_top():
    for path in FILES:
        for name, at_top in _imports(path):
            assert name.startswith(ALLOWED), f"{path.name} imports {name}"
            assert at_top, f"{path.name} imports {name} inside a function or block"


def test_the_modules_import_each_other_without_cycles():
    graph = {path.stem: {name.rsplit(".", 1)[-1] for name, _ in _imports(path)
                         if name.startswith("cnnrnn.tasks.mnist1d.")} for path in sorted(PACKAGE.glob("*.py"))}

    def visit(module, seen):
        assert module not in seen, f"import cycle: {' -> '.join([*seen, module])}"
        for other in graph.get(module, ()):
            visit(other, [*seen, module])

    for module in graph:
        visit(module, [])
