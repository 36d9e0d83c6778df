"""MNIST: the data directory first, a download as fallback; a seeded validation split.

`CNNRNN_DATA_DIR` names a folder laid out like the project's shared mirror
(`mnist/mnist.npz`). Without it, MNIST is downloaded through
`keras.datasets.mnist.load_data` into the Keras cache.

The first 1,000 test digits also ship inside the package (`heldout/`, 160 KB), so the
page's "Recompute" runs offline, with no data directory (`load_test_sample`).
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from cnnrnn.core.data import data_dir, download, sha256_file

HELDOUT_DIR = Path(__file__).resolve().parent / "heldout"
TEST_SAMPLE = HELDOUT_DIR / "mnist_test_first1000.npz"  # MNIST's first 1,000 test digits (see heldout/SOURCE.md)


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
    import keras  # only for the download: reading the mirror needs no TensorFlow

    (x_train, y_train), (x_test, y_test) = download("MNIST", keras.datasets.mnist.load_data)
    cache = Path(os.environ.get("KERAS_HOME", Path.home() / ".keras")) / "datasets" / "mnist.npz"
    return (x_train, y_train, x_test, y_test), cache


def load_mnist(
    val_size: int = 5000, seed: int = 1337, max_train: int | None = None, max_test: int | None = None
) -> MnistSplits:
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
        x_train=x_train[train_idx],
        y_train=y_train[train_idx].astype(np.int64),
        x_val=x_train[val_idx],
        y_val=y_train[val_idx].astype(np.int64),
        x_test=x_test,
        y_test=y_test.astype(np.int64),
        source=str(path),
        sha256=sha256_file(path) if path.is_file() else "",
    )


def scaled(images: np.ndarray) -> np.ndarray:
    """uint8 MNIST images as float32 in [0, 1], what the models take."""
    return images.astype(np.float32) / 255.0


def load_test_sample(n: int | None = None) -> tuple[np.ndarray, np.ndarray]:
    """The first `n` (at most 1,000) of MNIST's test digits, from the copy shipped in the package.

    Returns images (n, 28, 28) uint8 and labels (n,) int64: the same digits, in the same
    order, as `load_mnist().x_test[:n]` (a test holds the two equal). Needs no data
    directory and no network. ValueError when `n` is more than the shipped sample holds.
    """
    with np.load(TEST_SAMPLE) as npz:
        x_test, y_test = npz["x_test"], npz["y_test"].astype(np.int64)
    if n is not None and n > len(x_test):
        raise ValueError(f"the shipped sample holds {len(x_test):,} test digits, not {n:,}")
    return x_test[:n], y_test[:n]


def write_test_sample(n: int = 1000, path: str | os.PathLike = TEST_SAMPLE) -> Path:
    """Rebuild the shipped sample from MNIST (the data directory or the download): its first `n` test digits."""
    splits = load_mnist(max_test=n)
    np.savez_compressed(path, x_test=splits.x_test, y_test=splits.y_test.astype(np.uint8))
    return Path(path)
