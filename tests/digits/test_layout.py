"""The image task's package keeps to the layout: core and its own modules only, imported at the top."""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
PACKAGE = ROOT / "cnnrnn" / "tasks" / "digits"
ALLOWED = ("cnnrnn.core", "cnnrnn.tasks.digits")


def _project_imports(path: Path):
    tree = ast.parse(path.read_text(encoding="utf-8"))
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names = [node.module]
        elif isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        else:
            continue
        for name in names:
            if name == "cnnrnn" or name.startswith("cnnrnn."):
                yield name, node in tree.body


def test_task_modules_import_only_core_and_the_task_at_the_top():
    files = sorted(PACKAGE.glob("*.py")) + [ROOT / "pages" / "digits.py"]
    bad = [f"{path.relative_to(ROOT)}: {name}{'' if top else ' (inside a function)'}"
           for path in files for name, top in _project_imports(path)
           if not top or not name.startswith(ALLOWED)]
    assert bad == []


def test_no_cycles_among_the_task_modules():
    graph = {path.stem: {name.rsplit(".", 1)[-1] for name, _ in _project_imports(path)
                         if name.startswith("cnnrnn.tasks.digits.")}
             for path in PACKAGE.glob("*.py")}
    done, path = set(), []

    def visit(module):
        assert module not in path, f"import cycle: {' -> '.join(path + [module])}"
        if module in done:
            return
        path.append(module)
        for child in graph.get(module, ()):
            visit(child)
        path.pop()
        done.add(module)

    for module in graph:
        visit(module)


def test_the_samples_live_with_the_task():
    samples = sorted(p.name for p in (PACKAGE / "samples").iterdir())
    assert len(samples) >= 6 and all(name.rsplit(".", 1)[0].rsplit("_", 1)[-1].isdigit() for name in samples)
    assert not (ROOT / "cnnrnn" / "samples").exists()
