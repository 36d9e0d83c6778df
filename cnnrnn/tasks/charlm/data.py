"""Character corpora (tiny Shakespeare and the user's own text), the vocabulary, generation settings.

No TensorFlow here: the command line checks generation settings before a model loads.
Tiny Shakespeare comes from CNNRNN_DATA_DIR (`tinyshakespeare/input.txt`) or a download
into the Keras cache (`cnnrnn.core.data`). Two pieces of it ship inside the package
(`heldout/`, 85 KB gzipped, public domain), so the page runs offline: the held-out last 10%
the "Recompute" button scores, and the first 100,000 characters "Train your own" offers.
"""

from __future__ import annotations

import gzip
import hashlib
import json
import math
import os
import re
import unicodedata
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from cnnrnn.core.data import data_dir, download, sha256_file

SHAKESPEARE_URL = "https://raw.githubusercontent.com/karpathy/char-rnn/master/data/tinyshakespeare/input.txt"
SHAKESPEARE_SHA256 = "86c4e6aa9db7c042ec79f339dcb96d42b0075e16b8fc2e86bf0ca57e2dc565ed"
HELDOUT_DIR = Path(__file__).resolve().parent / "heldout"
SHIPPED_HELDOUT = HELDOUT_DIR / "shakespeare_heldout.txt.gz"  # the last 10% of tiny Shakespeare
SHIPPED_SAMPLE = HELDOUT_DIR / "shakespeare_first100k.txt.gz"  # its first 100,000 characters
SHIPPED_VAL_FRACTION = 0.1  # the split the shipped held-out text was cut at
MAX_CORPUS_BYTES = 2 * 2**20  # uploads and pasted text: 2 MB of UTF-8
MIN_CORPUS_CHARS = 200  # less than this cannot be split into training and held-out windows
MAX_VOCAB = 8000  # distinct characters (Chinese lyrics have ~2,600; binary junk has far more)


class CorpusError(ValueError):
    """Text that cannot be trained on; the message says why, in plain words."""


@dataclass(frozen=True)
class CharCorpus:
    """A text to model character by character; the last `val_fraction` is held out."""

    text: str
    source: str  # a file name, or "pasted text"
    sha256: str  # of the UTF-8 bytes read
    val_fraction: float = 0.1

    @property
    def split(self) -> int:
        """Index of the first held-out character (nanoGPT's int(n * 0.9))."""
        return int(len(self.text) * (1.0 - self.val_fraction))

    @property
    def train_text(self) -> str:
        return self.text[: self.split]

    @property
    def val_text(self) -> str:
        return self.text[self.split :]


class CharVocab:
    """The characters a model knows, in sorted order: char <-> id (int32).

    Stored as JSON next to the model (`save`, `load`): {"chars": [...]}.
    """

    def __init__(self, chars):
        self.chars = tuple(chars)
        if len(set(self.chars)) != len(self.chars) or not all(isinstance(c, str) and len(c) == 1 for c in self.chars):
            raise ValueError("a vocabulary is a list of distinct single characters")
        self.index = {c: i for i, c in enumerate(self.chars)}

    @classmethod
    def from_text(cls, text: str) -> CharVocab:
        return cls(sorted(set(text)))

    def __len__(self) -> int:
        return len(self.chars)

    def __contains__(self, char) -> bool:
        return char in self.index

    def __eq__(self, other) -> bool:
        return isinstance(other, CharVocab) and self.chars == other.chars

    def encode(self, text: str) -> np.ndarray:
        """(len(text),) int32 ids; raises CorpusError naming characters it does not know."""
        unknown = self.unknown(text)
        if unknown:
            raise CorpusError(f"characters the model has never seen: {show_chars(unknown)}")
        return np.fromiter((self.index[c] for c in text), np.int32, len(text))

    def encode_known(self, text: str) -> tuple[np.ndarray, str, list[str]]:
        """Drop unknown characters: (ids int32, the text kept, the distinct characters dropped)."""
        kept = "".join(c for c in text if c in self.index)
        return self.encode(kept), kept, self.unknown(text)

    def unknown(self, text: str) -> list[str]:
        """Distinct characters of `text` not in the vocabulary, in order of appearance."""
        return list(dict.fromkeys(c for c in text if c not in self.index))

    def decode(self, ids) -> str:
        return "".join(self.chars[int(i)] for i in np.asarray(ids).reshape(-1))

    def to_json(self) -> dict:
        return {"chars": list(self.chars)}

    def save(self, path: str | os.PathLike) -> Path:
        """Write the vocabulary to `path` whole (a temporary file replaces it), so that another process training
        the other model beside this one never reads it half-written."""
        path = Path(path)
        tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
        tmp.write_text(json.dumps(self.to_json(), ensure_ascii=False) + "\n", encoding="utf-8")
        tmp.replace(path)
        return path

    @classmethod
    def load(cls, path: str | os.PathLike) -> CharVocab:
        return cls(json.loads(Path(path).read_text(encoding="utf-8"))["chars"])


def show_chars(chars, limit: int = 12) -> str:
    """Characters for a message: repr-quoted, at most `limit` of them."""
    shown = " ".join(repr(c) for c in chars[:limit])
    return shown + (f" and {len(chars) - limit} more" if len(chars) > limit else "")


def _shakespeare_path() -> Path:
    root = data_dir()
    if root is not None:
        path = root / "tinyshakespeare" / "input.txt"
        if not path.is_file():
            raise FileNotFoundError(f"CNNRNN_DATA_DIR is set but {path} does not exist")
        return path
    import keras

    return Path(
        download(
            "tiny Shakespeare",
            lambda: keras.utils.get_file("tinyshakespeare.txt", SHAKESPEARE_URL, file_hash=SHAKESPEARE_SHA256),
        )
    )


def load_shakespeare(val_fraction: float = 0.1, max_chars: int | None = None) -> CharCorpus:
    """Tiny Shakespeare (1,115,394 characters, 65 distinct); the last `val_fraction` held out.

    `max_chars` keeps the first characters only (tiny presets; the split moves with it).
    """
    path = _shakespeare_path()
    text = path.read_bytes().decode("utf-8")
    if max_chars is not None:
        text = text[:max_chars]
    return CharCorpus(text=text, source=path.name, sha256=sha256_file(path), val_fraction=val_fraction)


def _read_gzip_text(path: Path) -> str:
    return gzip.decompress(path.read_bytes()).decode("utf-8")


def shakespeare_heldout_text(val_fraction: float = SHIPPED_VAL_FRACTION) -> str:
    """Tiny Shakespeare's held-out last `val_fraction` (111,540 characters at 0.1), from the shipped copy.

    The same text as `load_shakespeare(val_fraction).val_text` (a test holds the two equal), with no
    data directory and no network. ValueError for another split (the shipped copy is cut at 0.1).
    """
    if val_fraction != SHIPPED_VAL_FRACTION:
        raise ValueError(f"the shipped held-out text is the last {SHIPPED_VAL_FRACTION:.0%}, not {val_fraction:.0%}")
    return _read_gzip_text(SHIPPED_HELDOUT)


def shakespeare_sample(chars: int) -> str:
    """Tiny Shakespeare's first `chars` characters (at most 100,000), from the shipped copy."""
    text = _read_gzip_text(SHIPPED_SAMPLE)
    if chars > len(text):
        raise ValueError(f"the shipped sample holds {len(text):,} characters, not {chars:,}")
    return text[:chars]


def write_shipped_text(sample_chars: int = 100_000) -> tuple[Path, Path]:
    """Rebuild the two shipped pieces from tiny Shakespeare (the data directory or the download)."""
    corpus = load_shakespeare(SHIPPED_VAL_FRACTION)
    SHIPPED_HELDOUT.write_bytes(gzip.compress(corpus.val_text.encode("utf-8"), 9, mtime=0))
    SHIPPED_SAMPLE.write_bytes(gzip.compress(corpus.text[:sample_chars].encode("utf-8"), 9, mtime=0))
    return SHIPPED_HELDOUT, SHIPPED_SAMPLE


def corpus_from_bytes(
    data: bytes, name: str = "upload", max_bytes: int = MAX_CORPUS_BYTES, val_fraction: float = 0.1
) -> CharCorpus:
    """Check and decode an uploaded text file: UTF-8, not empty, not binary, at most `max_bytes`.

    Line ends become LF and a byte-order mark is dropped. Raises CorpusError with
    a message meant for the person who uploaded the file.
    """
    if data is None or len(data) == 0:
        raise CorpusError(f"{name} is empty. Upload a UTF-8 text file or paste some text.")
    if len(data) > max_bytes:
        raise CorpusError(
            f"{name} is {len(data) / 2**20:.1f} MB; the limit is {max_bytes / 2**20:g} MB. Use a shorter excerpt."
        )
    if b"\x00" in data[: 1 << 16] or data[:4] in (b"PK\x03\x04", b"%PDF") or data[:2] == b"\x89P":
        raise CorpusError(f"{name} looks like a binary file, not plain text. Upload a UTF-8 .txt file.")
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        raise CorpusError(
            f"{name} is not UTF-8 text (byte 0x{data[error.start]:02x} at position {error.start:,}). "
            "Save it as UTF-8 and upload it again."
        ) from None
    return _checked_corpus(text, name, hashlib.sha256(data).hexdigest(), val_fraction)


def corpus_from_text(
    text: str, name: str = "pasted text", max_bytes: int = MAX_CORPUS_BYTES, val_fraction: float = 0.1
) -> CharCorpus:
    """The same checks as `corpus_from_bytes` for text pasted into the page."""
    if not isinstance(text, str):
        raise CorpusError("expected text")
    return corpus_from_bytes(text.encode("utf-8", "replace"), name, max_bytes, val_fraction)


def _checked_corpus(text: str, name: str, digest: str, val_fraction: float) -> CharCorpus:
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    if not text.strip():
        raise CorpusError(f"{name} has no visible characters, only spaces or line breaks.")
    control = sum(1 for c in text if c not in "\n\t" and unicodedata.category(c) in ("Cc", "Cs", "Co", "Cn"))
    if control > max(2, len(text) // 100):
        raise CorpusError(
            f"{name} looks like a binary file, not plain text ({control:,} control or unassigned "
            "characters). Upload a UTF-8 .txt file."
        )
    if len(text) < MIN_CORPUS_CHARS:
        raise CorpusError(
            f"{name} has {len(text):,} characters; at least {MIN_CORPUS_CHARS:,} are needed to train "
            "a model (a few paragraphs)."
        )
    distinct = len(set(text))
    if distinct > MAX_VOCAB:
        raise CorpusError(f"{name} has {distinct:,} distinct characters; at most {MAX_VOCAB:,} are supported.")
    return CharCorpus(text=text, source=name, sha256=digest, val_fraction=val_fraction)


MAX_GENERATE = 100_000  # characters per generation call


def check_generation_settings(length, temperature, top_k, seed) -> tuple[int, float, int, int]:
    """Validated (length, temperature, top_k, seed); ValueError with a plain message otherwise."""
    try:
        length, temperature, top_k, seed = int(length), float(temperature), int(top_k), int(seed)
    except (TypeError, ValueError, OverflowError):
        raise ValueError("length, top-k and seed must be whole numbers and temperature a number") from None
    if not 1 <= length <= MAX_GENERATE:
        raise ValueError(f"length must be between 1 and {MAX_GENERATE:,} characters (got {length:,})")
    if not math.isfinite(temperature) or temperature < 0:
        raise ValueError(f"temperature must be a finite number of 0 or more (got {temperature}); 0 means greedy")
    if top_k < 0:
        raise ValueError(f"top-k must be 0 (no limit) or more (got {top_k})")
    return length, temperature, top_k, seed % 2**63


def escape_markdown(text: str) -> str:
    """Text shown verbatim by st.markdown / st.write_stream: punctuation escaped, line breaks kept."""
    escaped = re.sub(r"([\\`*_{}\[\]()#+\-.!|<>~=:$&^%@\"'])", r"\\\1", text)
    return escaped.replace("\n", "  \n")
