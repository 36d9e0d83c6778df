"""The sentence polarity data (Pang & Lee 2005, "MR"): 10,662 movie-review sentences, seeded splits.

`CNNRNN_DATA_DIR` names a folder holding `rt-polarity/rt-polarity.pos` and `.neg`; without
it the archive is downloaded from Cornell into the Keras cache (`cnnrnn.core.data`).
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from cnnrnn.core.data import data_dir, download, sha256_file

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


EVERYDAY = {"dev": "everyday_dev.tsv", "test": "everyday.tsv"}  # in this package: no data directory needed


def everyday(split: str = "test") -> list[tuple[str, int]]:
    """The everyday sentences about films written for this project (none from MR or the treebank), as
    (sentence, 1 positive / 0 negative): "dev" to choose among recipes, "test" only to report."""
    if split not in EVERYDAY:
        raise ValueError(f"split must be one of {', '.join(EVERYDAY)}")
    rows = []
    for line in (Path(__file__).with_name(EVERYDAY[split])).read_text(encoding="utf-8").splitlines():
        if line.strip() and not line.startswith("#"):
            label, sentence = line.split("\t")
            rows.append((sentence, {"positive": 1, "negative": 0}[label]))
    return rows


def _polarity_paths() -> list[Path]:
    """rt-polarity.pos and .neg from the data directory, or downloaded from Cornell."""
    root = data_dir()
    if root is not None:
        paths = [root / "rt-polarity" / name for name in POLARITY_FILES]
        missing = [str(p) for p in paths if not p.is_file()]
        if missing:
            raise FileNotFoundError(f"CNNRNN_DATA_DIR is set but {', '.join(missing)} does not exist")
        return paths
    import keras  # only for the download: the data directory needs no TensorFlow

    fetched = Path(
        download(
            "The sentence polarity data",
            lambda: keras.utils.get_file("rt-polaritydata.tar.gz", POLARITY_URL, extract=True),
        )
    )
    search = fetched if fetched.is_dir() else fetched.parent
    paths = []
    for name in POLARITY_FILES:
        found = sorted(search.rglob(name))
        if not found:
            raise FileNotFoundError(f"{name} not found in the downloaded archive under {search}")
        paths.append(found[0])
    return paths


def polarity_on_disk() -> bool:
    """Whether both polarity files can be read without the network (the data directory or the Keras cache).

    The sentences cannot ship with the app (their authors state no licence), so the page
    asks this before offering to re-run the held-out experiments. Never downloads.
    """
    root = data_dir()
    if root is not None:
        return all((root / "rt-polarity" / name).is_file() for name in POLARITY_FILES)
    cache = Path(os.environ.get("KERAS_HOME", Path.home() / ".keras")) / "datasets"
    return cache.is_dir() and all(any(cache.rglob(name)) for name in POLARITY_FILES)


def read_polarity_lines(path: str | os.PathLike) -> list[str]:
    """One sentence per line, decoded as latin-1 (never fails), split on LF only.

    (str.splitlines would also split at the 0x85 bytes some sentences contain.)
    """
    text = Path(path).read_bytes().decode("latin-1")
    return [line.strip() for line in text.split("\n") if line.strip()]


def load_polarity(
    val_size: int = 1000, test_size: int = 1067, split_seed: int = 2005, max_train: int | None = None
) -> PolaritySplits:
    """Load the sentence polarity dataset with fixed, seeded test and validation splits.

    `max_train` keeps the first training sentences (tiny presets).
    """
    pos_path, neg_path = _polarity_paths()
    pos, neg = read_polarity_lines(pos_path), read_polarity_lines(neg_path)
    texts = pos + neg
    labels = np.array([1] * len(pos) + [0] * len(neg), np.int64)
    order = np.random.default_rng(split_seed).permutation(len(texts))
    test_idx, val_idx = order[:test_size], order[test_size : test_size + val_size]
    train_idx = order[test_size + val_size :]
    if max_train is not None:
        train_idx = train_idx[:max_train]
    pick = lambda idx: [texts[i] for i in idx]  # noqa: E731
    return PolaritySplits(
        x_train=pick(train_idx),
        y_train=labels[train_idx],
        x_val=pick(val_idx),
        y_val=labels[val_idx],
        x_test=pick(test_idx),
        y_test=labels[test_idx],
        files={p.name: sha256_file(p) for p in (pos_path, neg_path)},
    )
