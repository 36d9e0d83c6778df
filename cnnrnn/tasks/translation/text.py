"""Raw strings to subword ids and back: normalising, splitting into words, byte-pair merges.

No TensorFlow. A text is normalised (Unicode NFC, every kind of space a plain space, control
characters dropped), split into words and single punctuation marks, each marked with a leading
"▁" when a space came before it, and each piece is split into characters and merged by the
learnt byte-pair merges (Sennrich et al. 2016), one joint vocabulary for English and French.
Joining the pieces back and turning "▁" into spaces gives the normalised text again, so
detokenising is exact: French keeps its space before "!" and "?".
"""

from __future__ import annotations

import collections
import json
import re
import unicodedata
from dataclasses import dataclass, field

SPACE = "\u2581"  # "▁": a space came before this piece
PAD, START, END, UNK = "<pad>", "<s>", "</s>", "<unk>"
SPECIALS = (PAD, START, END, UNK)  # ids 0, 1, 2, 3
PAD_ID, START_ID, END_ID, UNK_ID = range(4)
_PIECE = re.compile(r"(\s*)(\w+|[^\w\s])")
_SPACES = re.compile(r"\s+")


def normalise(text: str) -> str:
    """NFC, control and format characters dropped, every run of spaces one plain space, stripped."""
    text = unicodedata.normalize("NFC", str(text))
    if not text.isprintable():  # printable text has no control or format character (category C): most lines
        text = "".join(ch if unicodedata.category(ch)[0] != "C" or ch in "\t\n\r" else "" for ch in text)
    return _SPACES.sub(" ", text).strip()


def words(text: str) -> list[str]:
    """The normalised text as words and single marks, each with "▁" in front when a space preceded it."""
    out = []
    for match in _PIECE.finditer(normalise(text)):
        space, piece = match.groups()
        out.append((SPACE if space or match.start() == 0 else "") + piece)
    return out


def detokenise(pieces) -> str:
    """Pieces joined back into text ("▁" becomes a space)."""
    return "".join(pieces).replace(SPACE, " ").strip()


def learn_merges(word_counts: dict[str, int], n_merges: int) -> list[tuple[str, str]]:
    """Byte-pair merges learnt from word counts: the most frequent adjacent pair is merged, n_merges times.

    Pair counts are updated only for the words a merge touches, so learning 8,000 merges on the
    corpus's 40,000 word types takes seconds. Ties go to the pair seen first (deterministic).
    """
    vocab = [list(w) for w in word_counts]
    counts = list(word_counts.values())
    pairs: collections.Counter = collections.Counter()
    where: dict[tuple[str, str], set[int]] = collections.defaultdict(set)
    for i, symbols in enumerate(vocab):
        for pair in zip(symbols, symbols[1:]):
            pairs[pair] += counts[i]
            where[pair].add(i)
    merges = []
    for _ in range(n_merges):
        if not pairs:
            break
        best, freq = max(pairs.items(), key=lambda item: item[1])
        if freq < 2:
            break
        merges.append(best)
        joined = best[0] + best[1]
        for i in list(where.get(best, ())):
            symbols = vocab[i]
            for pair in zip(symbols, symbols[1:]):
                pairs[pair] -= counts[i]
                if pairs[pair] <= 0:
                    del pairs[pair]
            merged, j = [], 0
            while j < len(symbols):
                if j + 1 < len(symbols) and symbols[j] == best[0] and symbols[j + 1] == best[1]:
                    merged.append(joined)
                    j += 2
                else:
                    merged.append(symbols[j])
                    j += 1
            vocab[i] = merged
            for pair in zip(merged, merged[1:]):
                pairs[pair] += counts[i]
                where[pair].add(i)
        where.pop(best, None)
    return merges


@dataclass
class Subwords:
    """The joint vocabulary: the specials, the characters, the merged pieces; and the merges in order."""

    pieces: list[str]
    merges: list[tuple[str, str]]
    _ids: dict = field(default_factory=dict, repr=False)
    _ranks: dict = field(default_factory=dict, repr=False)
    _cache: dict = field(default_factory=dict, repr=False)

    def __post_init__(self):
        self._ids = {p: i for i, p in enumerate(self.pieces)}
        self._ranks = {tuple(m): r for r, m in enumerate(self.merges)}

    @classmethod
    def learn(cls, texts, n_merges: int, min_char_count: int = 1) -> Subwords:
        word_counts = collections.Counter(w for text in texts for w in words(text))
        chars = collections.Counter()
        for word, count in word_counts.items():
            for ch in word:
                chars[ch] += count
        alphabet = sorted(ch for ch, n in chars.items() if n >= min_char_count)
        merges = learn_merges(dict(sorted(word_counts.items(), key=lambda kv: (-kv[1], kv[0]))), n_merges)
        pieces = list(SPECIALS) + alphabet + [a + b for a, b in merges]
        return cls(pieces=list(dict.fromkeys(pieces)), merges=[tuple(m) for m in merges])

    def __len__(self) -> int:
        return len(self.pieces)

    def split_word(self, word: str) -> list[str]:
        """One word as pieces: its characters merged by rank until no learnt merge applies."""
        cached = self._cache.get(word)
        if cached is not None:
            return cached
        symbols = list(word)
        while len(symbols) > 1:
            ranked = [(self._ranks.get(pair, 1 << 30), k) for k, pair in enumerate(zip(symbols, symbols[1:]))]
            rank, k = min(ranked)
            if rank == 1 << 30:
                break
            symbols[k : k + 2] = [symbols[k] + symbols[k + 1]]
        if len(self._cache) < 200_000:
            self._cache[word] = symbols
        return symbols

    def tokenise(self, text: str) -> list[str]:
        return [piece for word in words(text) for piece in self.split_word(word)]

    def ids(self, pieces) -> list[int]:
        """Ids of pieces; a piece outside the vocabulary (an unseen character) is <unk>."""
        return [self._ids.get(piece, UNK_ID) for piece in pieces]

    def encode(self, text: str) -> list[int]:
        """Ids of the text's pieces (no start or end mark); characters outside the vocabulary are <unk>."""
        return self.ids(self.tokenise(text))

    def decode(self, ids) -> str:
        """Text of ids, stopping at the end mark; padding and the start mark are skipped."""
        out = []
        for i in ids:
            i = int(i)
            if i == END_ID:
                break
            if i in (PAD_ID, START_ID):
                continue
            out.append(self.pieces[i] if 0 <= i < len(self.pieces) else UNK)
        return detokenise(out)

    def piece(self, i: int) -> str:
        return self.pieces[int(i)] if 0 <= int(i) < len(self.pieces) else UNK

    def to_json(self) -> str:
        return json.dumps({"pieces": self.pieces, "merges": [list(m) for m in self.merges]}, ensure_ascii=False)

    @classmethod
    def from_json(cls, text: str) -> Subwords:
        data = json.loads(text)
        return cls(pieces=list(data["pieces"]), merges=[tuple(m) for m in data["merges"]])
