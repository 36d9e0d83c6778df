"""Helpers of the sentiment tests (tests/sentiment/): data and weights checks, the probe files."""

from __future__ import annotations

import os
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
WEIGHTS = ROOT / "cnnrnn" / "weights"
PROBES_DIR = ROOT / "tests" / "sentiment"
HAS_DATA = (
    bool(os.environ.get("CNNRNN_DATA_DIR"))
    and (Path(os.environ.get("CNNRNN_DATA_DIR", "")) / "rt-polarity" / "rt-polarity.pos").is_file()
)
HAS_WEIGHTS = all((WEIGHTS / f"sentiment_{n}.keras").is_file() for n in ("rnn", "cnn"))

# Texts every entry point must take: empty, blank, emoji, Chinese, control characters, a lone
# surrogate, punctuation only, 5,000 letters, odd spaces and quotes.
ODD_TEXTS = [
    "",
    "   \t\n ",
    "😀😀 👍",
    "这部电影很好看",
    "ctrl\x00\x01\x07\x7f\x85chars",
    "\ud800 lone surrogate",
    "CAPS!!! ... ???",
    "a" * 5000,
    "don't\u00a0stop\u3000\ufeff",
    "'''---\"\"\"",
]

# Plain review sentences, positive and negative, short and long.
SENTENCES = [
    "a wonderful , moving film",
    "a dull and boring mess",
    "good",
    "not good at all",
    "the acting is great but the script is terrible",
    "i loved it",
    "i hated it",
    "fine",
]


def probe_lines(name: str = "probes.tsv") -> list[tuple[str, str]]:
    """(label, sentence) rows of tests/sentiment/probes.tsv (held out) or dev_probes.tsv (for tuning)."""
    rows = []
    for line in (PROBES_DIR / name).read_text(encoding="utf-8").splitlines():
        if line.strip() and not line.startswith("#"):
            label, sentence = line.split("\t", 1)
            rows.append((label, sentence))
    return rows
