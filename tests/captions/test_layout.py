"""The captioning package's import rules: only core and itself, every project import at the top, no cycles."""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
PACKAGE = ROOT / "cnnrnn" / "tasks" / "captions"
OWN = "cnnrnn.tasks.captions"


def _imports(path: Path):
    """(module name, at the top of the file) for every import in `path`, inside functions too."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    top = {id(node) for node in tree.body}
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                yield alias.name, id(node) in top
        elif isinstance(node, ast.ImportFrom) and node.module:
            yield node.module, id(node) in top


def test_task_modules_and_page_import_only_core_and_the_task_at_the_top():
    files = sorted(PACKAGE.glob("*.py")) + [ROOT / "pages" / "captions.py"]
    for path in files:
        for name, at_top in _imports(path):
            if name == "cnnrnn" or name.startswith("cnnrnn."):
                assert name.startswith(("cnnrnn.core.", OWN + ".")) or name == OWN, f"{path.name} imports {name}"
                assert at_top, f"{path.name} imports {name} inside a function"


def test_task_modules_have_no_import_cycle():
    graph = {path.stem: {name.rsplit(".", 1)[1] for name, _ in _imports(path) if name.startswith(OWN + ".")}
             for path in PACKAGE.glob("*.py")}
    done, visiting = set(), []

    def visit(module):
        assert module not in visiting, f"import cycle: {' -> '.join(visiting + [module])}"
        if module in done:
            return
        visiting.append(module)
        for other in graph.get(module, ()):
            visit(other)
        visiting.pop()
        done.add(module)

    for module in graph:
        visit(module)
