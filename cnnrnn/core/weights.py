"""The shipped weights folder and its manifest (`manifest.json`): read, update, check files.

Imports no TensorFlow (the home page reads the manifest): `library_versions` imports it
only when a training run records what it ran on.
"""

from __future__ import annotations

import json
import platform
from collections.abc import Iterable
from datetime import UTC, datetime
from pathlib import Path

import numpy as np

WEIGHTS_DIR = Path(__file__).resolve().parents[1] / "weights"
MANIFEST = "manifest.json"


def weights_root(weights_dir=None) -> Path:
    """`weights_dir` as a Path, or the shipped weights folder when None or empty."""
    return Path(weights_dir) if weights_dir else WEIGHTS_DIR


def read_manifest(weights_dir: Path = WEIGHTS_DIR) -> dict:
    """The manifest as a dict ({} when there is none). Imports no TensorFlow."""
    path = Path(weights_dir) / MANIFEST
    if not path.is_file():
        return {}
    return json.loads(path.read_text(encoding="utf-8"))


def update_manifest(task: str, entry: dict, weights_dir: Path = WEIGHTS_DIR) -> Path:
    """Replace the manifest's section for `task`, keeping the other tasks'."""
    weights_dir = Path(weights_dir)
    weights_dir.mkdir(parents=True, exist_ok=True)
    manifest = read_manifest(weights_dir)
    manifest[task] = entry
    path = weights_dir / MANIFEST
    path.write_text(json.dumps(manifest, indent=2, sort_keys=True) + "\n", encoding="utf-8")
    return path


def have_files(files: Iterable[str], weights_dir=None) -> bool:
    """Whether every file named in `files` is in the weights folder (the shipped one by default)."""
    root = weights_root(weights_dir)
    return all((root / name).is_file() for name in files)


def require_files(files: Iterable[str], weights_dir=None, task: str = "") -> Path:
    """The weights folder, once every file named in `files` is in it; else one FileNotFoundError line.

    The message names the missing files and the command that makes them:
    "no mnist_cnn_fixed.keras in DIR; run: python -m cnnrnn train mnist".
    """
    root = weights_root(weights_dir)
    missing = [name for name in files if not (root / name).is_file()]
    if missing:
        hint = f"; run: python -m cnnrnn train {task}" if task else ""
        raise FileNotFoundError(f"no {', '.join(missing)} in {root}{hint}")
    return root


def library_versions() -> dict:
    """The versions a training run used: python, tensorflow, keras, numpy."""
    import keras
    import tensorflow as tf

    return {
        "python": platform.python_version(),
        "tensorflow": tf.__version__,
        "keras": keras.__version__,
        "numpy": np.__version__,
    }


def utc_now() -> str:
    """The time a record was made, ISO 8601 in UTC to the second (the manifest's `trained_at`)."""
    return datetime.now(UTC).isoformat(timespec="seconds")
