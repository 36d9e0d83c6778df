"""The Tang poems: reading and cleaning them, the marks, the vocabulary, the held-out split, sequences.

No TensorFlow here. The poems come from CNNRNN_DATA_DIR (`tang-poems/quantangshi.tsv`, 57,603
poems, and `tang-poems/tangshi300.tsv`, the 300 anthology with each poem's form); there is no
download: without the folder, one FileNotFoundError line says where the data comes from.

A poem's sequence: its start mark (its form, or "any form"), then optionally its title and the
title mark, then the poem, then the end mark. Starting from the mark alone writes a poem from
nothing; from the mark, a title and the title mark, a poem to a title; from the mark and a
first line, the rest of a poem.
"""

from __future__ import annotations

import collections
import csv
import re
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from cnnrnn.core.data import data_dir, sha256_file
from cnnrnn.tasks.charlm.api import CharVocab
from cnnrnn.tasks.charlm.tang.config import TANG
from cnnrnn.tasks.charlm.tang.form import FORM_NAMES, form_of

FOLDER = "tang-poems"
CORPUS_FILE = "quantangshi.tsv"
ANTHOLOGY_FILE = "tangshi300.tsv"
CORPUS_SHA256 = "5d184cb2a5b9a84a30ca796a9bcbe1e300bed971c792df7491b1132dcbdc530e"
SOURCE = (
    "the chinese-poetry database (github.com/chinese-poetry/chinese-poetry, MIT licence; npm package "
    "chinese-poetry 2.0.1)"
)

# Marks: private-use characters, which never occur in the poems. PAD is id 0 (never a target).
PAD = "\ue000"
ANY_FORM = "\ue001"
FORM_MARKS = {"五言絕句": "\ue002", "七言絕句": "\ue003", "五言律詩": "\ue004", "七言律詩": "\ue005"}
TITLE_END = "\ue006"
END = "\ue007"
UNKNOWN = "□"  # the corpus's own sign for a lost character; every character outside the vocabulary
MARKS = (PAD, ANY_FORM, *FORM_MARKS.values(), TITLE_END, END)
SPECIALS = (*MARKS, UNKNOWN)
MARK_LABELS = {
    PAD: "<pad>",
    ANY_FORM: "<start>",
    **{m: f"<{f}>" for f, m in FORM_MARKS.items()},
    TITLE_END: "<title end>",
    END: "<end>",
}
_NOTES = re.compile(r"[（(〖\[{【][^）)〗\]}】]*[）)〗\]}】]")  # editors' notes: (一作「叉」), [...]


def clean_poem(text: str) -> str:
    """A poem without editors' notes in brackets and without whitespace (the marks kept as they are)."""
    return "".join(_NOTES.sub("", str(text)).split())


def start_mark(form: str | None) -> str:
    """The mark a sequence starts with: the form's, or "any form" for None."""
    if form is None:
        return ANY_FORM
    if form not in FORM_MARKS:
        raise ValueError(f"unknown form {form!r}; choose one of {', '.join(FORM_NAMES)} or none")
    return FORM_MARKS[form]


def show_marks(text: str) -> str:
    """Text with its marks written out (<start>, <end>, ...): for tables of what a model read or wrote."""
    return "".join(MARK_LABELS.get(c, c) for c in text)


@dataclass(frozen=True)
class Poem:
    title: str
    author: str
    text: str  # cleaned
    form: str | None  # the regular form it keeps, or None


@dataclass(frozen=True)
class TangCorpus:
    """The poems, cleaned, and which of them are held out."""

    poems: tuple[Poem, ...]
    heldout: np.ndarray  # (n,) bool: held-out poems
    source: str
    sha256: str

    @property
    def train_poems(self) -> list[Poem]:
        return [p for p, h in zip(self.poems, self.heldout) if not h]

    @property
    def heldout_poems(self) -> list[Poem]:
        return [p for p, h in zip(self.poems, self.heldout) if h]


def _folder() -> Path:
    root = data_dir()
    if root is None:
        raise FileNotFoundError(
            f"the Tang poems are not shipped: set CNNRNN_DATA_DIR to a folder holding "
            f"{FOLDER}/{CORPUS_FILE} (from {SOURCE}); the shipped models need no data"
        )
    folder = root / FOLDER
    if not (folder / CORPUS_FILE).is_file():
        raise FileNotFoundError(
            f"CNNRNN_DATA_DIR is set but {folder / CORPUS_FILE} does not exist (the Tang poems come from {SOURCE})"
        )
    return folder


def _rows(path: Path) -> list[dict]:
    with open(path, encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle, delimiter="\t", quoting=csv.QUOTE_NONE))


def heldout_mask(count: int, fraction: float = TANG.heldout_fraction, seed: int = TANG.split_seed) -> np.ndarray:
    """(count,) bool: a fixed, seeded `fraction` of the poems (round(count * fraction) of them)."""
    chosen = np.random.default_rng(seed).permutation(count)[: int(round(count * fraction))]
    mask = np.zeros(count, bool)
    mask[chosen] = True
    return mask


def load_tang(config=None) -> TangCorpus:
    """The 全唐詩 poems (poems with no text left after cleaning are dropped), with the held-out split.

    The split is drawn over all poems, before `config.max_poems` keeps the first ones (tiny presets).
    """
    config = config or TANG
    path = _folder() / CORPUS_FILE
    poems = []
    for row in _rows(path):
        text = clean_poem(row.get("poem") or "")
        if text:
            poems.append(
                Poem(clean_poem(row.get("title") or ""), (row.get("author") or "").strip(), text, form_of(text))
            )
    heldout = heldout_mask(len(poems), config.heldout_fraction, config.split_seed)
    if config.max_poems is not None:
        poems, heldout = poems[: config.max_poems], heldout[: config.max_poems]
    return TangCorpus(tuple(poems), heldout, path.name, sha256_file(path))


def load_anthology() -> list[dict]:
    """The 300 anthology (tangshi300.tsv): dicts of form, title, author, poem (as in the file) and text (cleaned)."""
    path = _folder() / ANTHOLOGY_FILE
    if not path.is_file():
        raise FileNotFoundError(f"no {path} (the 300 anthology comes from {SOURCE})")
    return [{**row, "text": clean_poem(row["poem"])} for row in _rows(path)]


def build_vocab(poems, size: int = TANG.vocab_size) -> CharVocab:
    """The marks, the unknown symbol, then the `size - len(SPECIALS)` most frequent characters of the poems
    and titles."""
    counts = collections.Counter()
    for poem in poems:
        counts.update(poem.text)
        counts.update(poem.title)
    for special in SPECIALS:
        counts.pop(special, None)
    ranked = sorted(counts, key=lambda c: (-counts[c], c))[: max(size - len(SPECIALS), 0)]
    return CharVocab((*SPECIALS, *ranked))


def encode(vocab: CharVocab, text: str) -> np.ndarray:
    """(len(text),) int32 ids, characters outside the vocabulary as the unknown symbol."""
    unknown = vocab.index[UNKNOWN]
    return np.fromiter((vocab.index.get(c, unknown) for c in text), np.int32, len(text))


def sequence_text(poem: Poem, index: int, config=None) -> str:
    """The training text of poem number `index`: mark [title TITLE_END] poem END.

    Whether it carries its title and whether a regular poem is marked with its form or "any form"
    is drawn from a generator seeded with (config.seed, index): the same every run.
    """
    config = config or TANG
    rng = np.random.default_rng([config.seed, index])
    titled, any_form = rng.random(2)
    form = poem.form if poem.form and any_form >= config.any_form_share else None
    title = (
        poem.title + TITLE_END
        if poem.title and len(poem.title) <= config.max_title and titled < config.title_share
        else ""
    )
    return start_mark(form) + title + poem.text + END


def sequences(vocab: CharVocab, poems, config=None, offset: int = 0) -> list[np.ndarray]:
    """Each poem's sequence as int32 ids, cut to config.max_length + 1 (inputs and targets)."""
    config = config or TANG
    return [encode(vocab, sequence_text(p, offset + i, config))[: config.max_length + 1] for i, p in enumerate(poems)]


def corpus_sequences(corpus: TangCorpus, vocab: CharVocab, config=None) -> tuple[list[np.ndarray], list[np.ndarray]]:
    """(training sequences, held-out sequences), each seeded by the poem's place in the corpus."""
    config = config or TANG
    index = np.arange(len(corpus.poems))
    train, held = [], []
    for i, poem, is_held in zip(index, corpus.poems, corpus.heldout):
        ids = encode(vocab, sequence_text(poem, int(i), config))[: config.max_length + 1]
        (held if is_held else train).append(ids)
    return train, held


def pad_batch(seqs, length: int | None = None) -> np.ndarray:
    """(batch, length) int32: the sequences padded at the end with PAD (id 0)."""
    length = length or max(len(s) for s in seqs)
    out = np.zeros((len(seqs), length), np.int32)
    for i, s in enumerate(seqs):
        out[i, : len(s)] = s[:length]
    return out


def bucket_edges(max_length: int) -> tuple[int, ...]:
    """Padded lengths (inputs + target) of the training buckets: 27, 35, 51, 67 (the four forms) and max_length + 1."""
    edges = [e for e in (27, 35, 51, 67) if e < max_length + 1]
    return (*edges, max_length + 1)


def form_share(poems) -> dict:
    """How many poems keep each regular form, and how many keep none."""
    counts = collections.Counter(p.form or "irregular" for p in poems)
    return {name: counts.get(name, 0) for name in (*FORM_NAMES, "irregular")}
