"""Dataset loaders: the data directory first, a download as fallback; seeded splits.

`CNNRNN_DATA_DIR` names a folder laid out like the project's shared mirror
(`mnist/mnist.npz`, `rt-polarity/...`). Without it, loaders download through
`keras.utils.get_file` into the Keras cache.
"""

from __future__ import annotations

import hashlib
import os
from dataclasses import dataclass
from pathlib import Path

import numpy as np


def data_dir() -> Path | None:
    """The directory named by CNNRNN_DATA_DIR, or None when unset or empty."""
    value = os.environ.get("CNNRNN_DATA_DIR", "").strip()
    return Path(value).expanduser() if value else None


def sha256_file(path: str | os.PathLike) -> str:
    """Hex sha256 of a file's bytes (read in 1 MiB chunks)."""
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for chunk in iter(lambda: handle.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


@dataclass(frozen=True)
class MnistSplits:
    """MNIST as uint8 arrays: images (n, 28, 28), labels (n,).

    `x_val`/`y_val` come out of the 60,000 training images by a seeded
    permutation; the test set is MNIST's own 10,000.
    """

    x_train: np.ndarray
    y_train: np.ndarray
    x_val: np.ndarray
    y_val: np.ndarray
    x_test: np.ndarray
    y_test: np.ndarray
    source: str  # the file read
    sha256: str


def _read_mnist() -> tuple[tuple[np.ndarray, ...], Path]:
    """The four MNIST arrays and the file they came from."""
    root = data_dir()
    if root is not None:
        path = root / "mnist" / "mnist.npz"
        if not path.is_file():
            raise FileNotFoundError(f"CNNRNN_DATA_DIR is set but {path} does not exist")
        with np.load(path) as npz:
            arrays = tuple(npz[k] for k in ("x_train", "y_train", "x_test", "y_test"))
        return arrays, path
    import keras

    (x_train, y_train), (x_test, y_test) = keras.datasets.mnist.load_data()
    cache = Path(os.environ.get("KERAS_HOME", Path.home() / ".keras")) / "datasets" / "mnist.npz"
    return (x_train, y_train, x_test, y_test), cache


def load_mnist(val_size: int = 5000, seed: int = 1337, max_train: int | None = None,
               max_test: int | None = None) -> MnistSplits:
    """Load MNIST with a fixed validation split of `val_size` training images.

    The split depends only on `seed`; `max_train`/`max_test` keep the first
    images of the (permuted) training set and of the test set, for quick runs.
    """
    (x_train, y_train, x_test, y_test), path = _read_mnist()
    order = np.random.default_rng(seed).permutation(len(x_train))
    val_idx, train_idx = order[:val_size], order[val_size:]
    if max_train is not None:
        train_idx = train_idx[:max_train]
    if max_test is not None:
        x_test, y_test = x_test[:max_test], y_test[:max_test]
    return MnistSplits(
        x_train=x_train[train_idx], y_train=y_train[train_idx].astype(np.int64),
        x_val=x_train[val_idx], y_val=y_train[val_idx].astype(np.int64),
        x_test=x_test, y_test=y_test.astype(np.int64),
        source=str(path), sha256=sha256_file(path) if path.is_file() else "",
    )


# --- Sentence polarity (Pang & Lee 2005, "MR"): the sentiment page's data ---

POLARITY_URL = "http://www.cs.cornell.edu/people/pabo/movie-review-data/rt-polaritydata.tar.gz"
POLARITY_FILES = ("rt-polarity.pos", "rt-polarity.neg")


@dataclass(frozen=True)
class PolaritySplits:
    """The 10,662 sentences as lists of str and labels as int64 arrays (1 positive, 0 negative).

    The test split is the first `test_size` sentences of a permutation seeded by
    `split_seed` alone, so it never moves when models are retuned; validation is
    the next `val_size`; training is the rest.
    """

    x_train: list
    y_train: np.ndarray
    x_val: list
    y_val: np.ndarray
    x_test: list
    y_test: np.ndarray
    files: dict  # file name -> sha256


def _polarity_paths() -> list[Path]:
    """rt-polarity.pos and .neg from the data directory, or downloaded from Cornell."""
    root = data_dir()
    if root is not None:
        paths = [root / "rt-polarity" / name for name in POLARITY_FILES]
        missing = [str(p) for p in paths if not p.is_file()]
        if missing:
            raise FileNotFoundError(f"CNNRNN_DATA_DIR is set but {', '.join(missing)} does not exist")
        return paths
    import keras

    fetched = Path(keras.utils.get_file("rt-polaritydata.tar.gz", POLARITY_URL, extract=True))
    search = fetched if fetched.is_dir() else fetched.parent
    paths = []
    for name in POLARITY_FILES:
        found = sorted(search.rglob(name))
        if not found:
            raise FileNotFoundError(f"{name} not found in the downloaded archive under {search}")
        paths.append(found[0])
    return paths


def read_polarity_lines(path: str | os.PathLike) -> list[str]:
    """One sentence per line, decoded as latin-1 (never fails), split on LF only.

    (str.splitlines would also split at the 0x85 bytes some sentences contain.)
    """
    text = Path(path).read_bytes().decode("latin-1")
    return [line.strip() for line in text.split("\n") if line.strip()]


def load_polarity(val_size: int = 1000, test_size: int = 1067, split_seed: int = 2005,
                  max_train: int | None = None) -> PolaritySplits:
    """Load the sentence polarity dataset with fixed, seeded test and validation splits.

    `max_train` keeps the first training sentences (tiny presets).
    """
    pos_path, neg_path = _polarity_paths()
    pos, neg = read_polarity_lines(pos_path), read_polarity_lines(neg_path)
    texts = pos + neg
    labels = np.array([1] * len(pos) + [0] * len(neg), np.int64)
    order = np.random.default_rng(split_seed).permutation(len(texts))
    test_idx, val_idx = order[:test_size], order[test_size:test_size + val_size]
    train_idx = order[test_size + val_size:]
    if max_train is not None:
        train_idx = train_idx[:max_train]
    pick = lambda idx: [texts[i] for i in idx]  # noqa: E731
    return PolaritySplits(
        x_train=pick(train_idx), y_train=labels[train_idx],
        x_val=pick(val_idx), y_val=labels[val_idx],
        x_test=pick(test_idx), y_test=labels[test_idx],
        files={p.name: sha256_file(p) for p in (pos_path, neg_path)},
    )
