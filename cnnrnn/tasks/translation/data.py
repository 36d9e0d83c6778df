"""The Tatoeba English-French pairs: reading, checking, the split by English sentence, batches.

No TensorFlow at import. `fra-eng/fra.txt` comes from CNNRNN_DATA_DIR, else it is downloaded
once into the Keras cache with `keras.utils.get_file` (the d2l.ai copy of the 2019 release) and
its sha256 checked: a file that does not match is refused with one line.
Pairs from www.manythings.org/anki and tatoeba.org (CC-BY 2.0).
"""

from __future__ import annotations

import collections
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from cnnrnn.core.data import data_dir, download, sha256_file
from cnnrnn.tasks.translation.text import END_ID, PAD_ID, START_ID, normalise

FOLDER = "fra-eng"
PAIRS_FILE = "fra.txt"
PAIRS_SHA256 = "0bb85dbaa1c896844649094d7eaf2e34bee34e84fe362b26ce7e8f2e12aae104"
DOWNLOAD_URL = "http://d2l-data.s3-accelerate.amazonaws.com/fra-eng.zip"
ATTRIBUTION = "www.manythings.org/anki and tatoeba.org"
SOURCE = "Tatoeba sentence pairs as packaged by manythings.org (2019 release, CC-BY 2.0)"


def pairs_path() -> Path:
    """The pairs file: the data folder's, else the Keras cache's (downloaded on first use)."""
    root = data_dir()
    if root is not None:
        path = root / FOLDER / PAIRS_FILE
        if not path.is_file():
            raise FileNotFoundError(f"no {FOLDER}/{PAIRS_FILE} in CNNRNN_DATA_DIR ({root})")
        return path

    def fetch():
        import keras

        folder = Path(keras.utils.get_file("fra-eng.zip", DOWNLOAD_URL, extract=True))
        found = sorted(folder.parent.rglob(PAIRS_FILE)) if folder.is_file() else sorted(folder.rglob(PAIRS_FILE))
        if not found:
            raise FileNotFoundError(f"the download has no {PAIRS_FILE}")
        return found[0]

    return download(f"{FOLDER}/{PAIRS_FILE}", fetch)


def check_sha256(path: Path) -> str:
    """The file's sha256, or one ValueError line when it is not the 2019 release the models were trained on."""
    digest = sha256_file(path)
    if digest != PAIRS_SHA256:
        raise ValueError(
            f"{path} is not the 2019 fra-eng release (sha256 {digest[:12]}..., "
            f"expected {PAIRS_SHA256[:12]}...); remove it or point CNNRNN_DATA_DIR at the data mirror"
        )
    return digest


@dataclass(frozen=True)
class Corpus:
    """Distinct English sentences, each with every French translation, and which split each is in."""

    english: tuple[str, ...]
    french: tuple[tuple[str, ...], ...]  # french[i]: every translation of english[i]
    split: np.ndarray  # 0 train, 1 validation, 2 test, one per English sentence
    sha256: str

    def indices(self, part: str) -> np.ndarray:
        return np.flatnonzero(self.split == {"train": 0, "val": 1, "test": 2}[part])

    def pairs(self, part: str) -> list[tuple[str, str]]:
        return [(self.english[i], fr) for i in self.indices(part) for fr in self.french[i]]


def read_pairs(path: Path) -> tuple[list[str], list[list[str]]]:
    """English sentences in file order, each with its French translations (normalised)."""
    grouped: dict[str, list[str]] = collections.OrderedDict()
    with open(path, encoding="utf-8") as handle:
        for line in handle:
            parts = line.rstrip("\n").split("\t")
            if len(parts) < 2:
                continue
            en, fr = normalise(parts[0]), normalise(parts[1])
            if en and fr:
                grouped.setdefault(en, [])
                if fr not in grouped[en]:
                    grouped[en].append(fr)
    return list(grouped), list(grouped.values())


def load_corpus(config, path: Path | None = None) -> Corpus:
    """The pairs, checked, grouped by English sentence and split (seeded) into train, validation and test."""
    path = Path(path) if path is not None else pairs_path()
    digest = check_sha256(path)
    english, french = read_pairs(path)
    if config.max_pairs:
        english, french = english[: config.max_pairs], french[: config.max_pairs]
    order = np.random.default_rng(config.split_seed).permutation(len(english))
    split = np.zeros(len(english), dtype=np.int8)
    split[order[: config.test_sentences]] = 2
    split[order[config.test_sentences : config.test_sentences + config.val_sentences]] = 1
    return Corpus(english=tuple(english), french=tuple(tuple(f) for f in french), split=split, sha256=digest)


def token_batches(source: list[list[int]], target: list[list[int]], batch_tokens: int, rng) -> list[tuple]:
    """Padded (source, target-in, target-out) batches of pairs of similar length, about batch_tokens targets each.

    Pairs are sorted by target length (with a random tie-break, so batches change between
    epochs), cut into batches, and the batches shuffled.
    """
    lengths = np.array([len(t) + 1 for t in target])
    order = np.lexsort((rng.random(len(target)), np.array([len(s) for s in source]), lengths))
    batches, start = [], 0
    while start < len(order):
        longest = lengths[order[start]]
        size = max(1, batch_tokens // max(1, int(lengths[order[min(len(order) - 1, start + batch_tokens // longest)]])))
        chunk = order[start : start + size]
        batches.append(pad_batch([source[i] for i in chunk], [target[i] for i in chunk]))
        start += size
    rng.shuffle(batches)
    return batches


def pad_batch(source, target):
    s_len = max(1, max(len(s) for s in source))
    t_len = max(len(t) for t in target) + 1
    src = np.full((len(source), s_len), PAD_ID, np.int32)
    tin = np.full((len(source), t_len), PAD_ID, np.int32)
    tout = np.full((len(source), t_len), PAD_ID, np.int32)
    for k, (s, t) in enumerate(zip(source, target)):
        src[k, : len(s)] = s
        tin[k, : len(t) + 1] = [START_ID, *t]
        tout[k, : len(t) + 1] = [*t, END_ID]
    return src, tin, tout
