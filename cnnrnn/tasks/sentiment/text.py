"""Text helpers for the sentiment models: cleaning, standardising, tokenising, limits.

Python and numpy, no TensorFlow. The sentiment models standardise raw strings inside
their graph (`layers.Standardize`) with the very same rules (`CONTROL_RULES`, `STANDARDIZE_RULES`),
applied here with Python's `re` in ASCII mode and there with RE2, so that
`tokenize(text)` is exactly the list of tokens a model looks up. Tests check the
two agree on the whole corpus and on odd input.

The sentence polarity data (Pang & Lee 2005) is lower-cased with punctuation
split off ("it's a good place to start . "); the rules bring typed text to that
form: curly quotes to straight ones, punctuation as separate tokens, in-word
apostrophes and hyphens kept ("doesn't", "too-tepid"), "dont" read as "don't".

Interactive text is capped at `MAX_CHARS` characters (`limit_text` cuts and
says so); the prefix and occlusion views read at most `MAX_VIEW_TOKENS` tokens.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

import numpy as np

# The longest text the page (and the command line, by default) reads: about
# 3,000 words, more than a long review. Longer input is cut with a notice.
MAX_CHARS = 20_000
# Prefix-by-prefix and drop-one-word views cost O(tokens^2): they read this many.
MAX_VIEW_TOKENS = 120

_CONTRACTION = (
    r"(^|[^\w'])(don|doesn|didn|isn|wasn|aren|weren|couldn|wouldn|shouldn|haven|hasn|hadn"
    r"|can|ain)t([^\w']|$)"
)

# (pattern, replacement) pairs. Written in the subset of syntax that Python's
# `re` (with re.ASCII) and RE2 read the same way: no lookarounds, \w and \s are
# ASCII, characters above U+00FF written literally.
# First, before lower-casing (TensorFlow's UTF-8 lower-casing stops at a NUL):
CONTROL_RULES: tuple[tuple[str, str], ...] = (
    # Windows-1252 quotes and dashes, as they appear in latin-1 decoded data.
    (r"[\x91\x92]", "'"),
    (r"[\x93\x94]", '"'),
    (r"[\x96\x97]", " -- "),
    # Other control characters (C0, DEL, C1) and invisible or odd spaces become spaces.
    (r"[\x00-\x1f\x7f-\x9f]", " "),
    ("[\u00a0\u1680\u2000-\u200f\u2028\u2029\u202f\u205f\u2060\u3000\ufeff]", " "),
)
# Then, after lower-casing:
STANDARDIZE_RULES: tuple[tuple[str, str], ...] = (
    # Curly quotes and dashes to their plain forms (the data's own ' " and --).
    ("[\u2018\u2019\u201a\u201b\u2032\u00b4`]", "'"),
    ("[\u201c\u201d\u201e\u201f\u2033\u00ab\u00bb]", '"'),
    ("[\u2013\u2014\u2015\u2212]", " -- "),
    ("\u2026", " . . . "),
    # Typed contractions without the apostrophe: "dont" -> "don't" (twice: matches overlap).
    (_CONTRACTION, r"\1\2't\3"),
    (_CONTRACTION, r"\1\2't\3"),
    # In-word apostrophes and hyphens ("it's", "co-writer") are kept: mark them
    # (control characters are gone by now, so \x01 and \x02 are free) ...
    (r"(\w)'(\w)", "\\1\x01\\2"),
    (r"(\w)'(\w)", "\\1\x01\\2"),
    (r"(\w)-(\w)", "\\1\x02\\2"),
    (r"(\w)-(\w)", "\\1\x02\\2"),
    # ... make every other punctuation mark a token of its own, "--" for dashes ...
    (r"-{2,}", " -- "),
    (r"([!\"#$%&'()*+,./:;<=>?@\[\\\]^_{|}~]|-(?:-)?)", r" \1 "),
    # ... and put the marked ones back.
    (r"\x01", "'"),
    (r"\x02", "-"),
    # One space between tokens, none at the ends.
    (r"\s+", " "),
    (r"^ | $", ""),
)

_CONTROL = tuple((re.compile(p, re.ASCII), r) for p, r in CONTROL_RULES)
_COMPILED = tuple((re.compile(p, re.ASCII), r) for p, r in STANDARDIZE_RULES)

EXAMPLE_SENTENCES = (
    "A warm, funny and beautifully acted film that I would happily watch again.",
    "The plot is a mess and the jokes fall flat; two hours I will never get back.",
    "Not bad at all.",
    "Great cast, but a terrible script.",
    "I expected to hate it, but it won me over completely.",
    "It's not a good movie, and the ending is not even surprising.",
)

# The negation and contrast probes: (text, the label a reader gives it).
PROBES = (
    ("good", "positive"),
    ("not good", "negative"),
    ("bad", "negative"),
    ("not bad", "positive"),
    ("not bad at all", "positive"),
    ("great cast but a terrible script", "negative"),
    ("a terrible script but a great cast", "positive"),
    ("i loved it", "positive"),
    ("i did not love it", "negative"),
    ("i didn't like it at all", "negative"),
    ("it is not a great movie", "negative"),
    ("never boring", "positive"),
    ("the acting is wonderful", "positive"),
    ("the acting is not wonderful", "negative"),
    ("it could have been great , but it is dull", "negative"),
    ("it starts slow but ends up being brilliant", "positive"),
)

# Neutral words added before or after a sentence in the filler experiment: each
# is about as frequent in MR's positive training sentences as in its negative ones.
FILLER_WORDS = "it is about the people in the new place as we watch the man at the screen once again".split()


def clean(text: str) -> str:
    """Make any Python string safe for the models: valid UTF-8, NFC, no NULs."""
    if not isinstance(text, str):
        raise TypeError(f"expected text, got {type(text).__name__}")
    text = text.encode("utf-8", "replace").decode("utf-8")  # lone surrogates -> "?"
    return unicodedata.normalize("NFC", text)


def standardize(text: str) -> str:
    """Apply `CONTROL_RULES`, lower-case, apply `STANDARDIZE_RULES`: the string the models tokenise."""
    out = clean(text)
    for pattern, replacement in _CONTROL:
        out = pattern.sub(replacement, out)
    out = out.lower()
    for pattern, replacement in _COMPILED:
        out = pattern.sub(replacement, out)
    return out


def tokenize(text: str) -> list[str]:
    """The tokens a sentiment model reads, in order (standardise, split on spaces)."""
    out = standardize(text)
    return out.split(" ") if out else []


@dataclass(frozen=True)
class LimitedText:
    """Text after `limit_text`: what is read, and whether (and how much) was cut."""

    text: str
    cut: bool
    original_chars: int
    limit: int = MAX_CHARS

    @property
    def notice(self) -> str | None:
        if not self.cut:
            return None
        return (
            f"The text has {self.original_chars:,} characters; only the first {len(self.text):,} "
            f"are read (the limit is {self.limit:,})."
        )


def limit_text(text: str, max_chars: int = MAX_CHARS) -> LimitedText:
    """Cut `text` to at most `max_chars` characters, at a space when one is near the end."""
    text = clean(text)
    if len(text) <= max_chars:
        return LimitedText(text, False, len(text), max_chars)
    head = text[:max_chars]
    space = head.rfind(" ", max_chars - 200)
    return LimitedText(head[:space] if space > 0 else head, True, len(text), max_chars)


def check_text(text: str) -> str | None:
    """A message for text the models cannot judge (empty, or nothing but spaces and controls), else None.

    Text of symbols or emoji alone is judged (its tokens are unknown words, and the page says so).
    """
    if not clean(text).strip():
        return "The text is empty. Type a sentence, for example: the acting is wonderful."
    if not tokenize(text):
        return "The text has only spaces or control characters. Type a sentence."
    return None


def build_vocabulary(texts, max_tokens: int) -> list[str]:
    """The `max_tokens` most frequent tokens of `texts`, most frequent first (ties alphabetical)."""
    from collections import Counter

    counts = Counter(token for text in texts for token in tokenize(text))
    ranked = sorted(counts.items(), key=lambda item: (-item[1], item[0]))
    return [token for token, _ in ranked[: max(0, int(max_tokens))]]


def nb_log_ratios(texts, labels, vocabulary, alpha: float = 1.0, min_count: int = 1) -> np.ndarray:
    """Naive-Bayes log-count ratio of each token, for a vectorizer's ids: (len(vocabulary) + 2,) float32.

    r = log((p + alpha) / |p + alpha|_1) - log((q + alpha) / |q + alpha|_1), with p and q
    the number of positive and negative sentences holding the token (Wang & Manning 2012).
    Ids 0 (padding) and 1 ([UNK]) get 0; id i + 2 is `vocabulary[i]`. A token in fewer than
    `min_count` sentences gets 0 too: on the sentences it was counted on, a rare token's
    ratio all but names their label, and a network learns to trust it.
    """
    index = {token: i + 2 for i, token in enumerate(vocabulary)}
    rows = [[index[t] for t in tokenize(text) if t in index] for text in texts]
    ids = np.zeros((len(rows), max(map(len, rows), default=0) or 1), np.int64)  # padded with 0, never counted
    for row, known in zip(ids, rows):
        row[: len(known)] = known
    return nb_id_ratios(ids, labels, len(index) + 2, alpha, min_count)


def nb_id_ratios(ids, labels, vocab_size: int, alpha: float = 1.0, min_count: int = 1) -> np.ndarray:
    """`nb_log_ratios` counted from vectorized texts: (vocab_size,) float32, ids 0 and 1 get 0.

    ids: (n, steps) ids in [0, vocab_size) (0 padding, 1 [UNK] or "no pair"); each id counts once per text.
    """
    ids = np.asarray(ids, np.int64)
    labels = np.asarray(labels).reshape(-1)
    size = int(vocab_size)
    # Each (text, id) once: unique codes text * size + id, then a count per id and class.
    text, token = np.divmod(np.unique(np.arange(len(ids))[:, None] * size + ids), size)
    positive = labels[text].astype(int) == 1
    q, p = (np.bincount(token[rows], minlength=size)[2:].astype(np.float64) for rows in (~positive, positive))
    ratios = np.log((p + alpha) / (p + alpha).sum()) - np.log((q + alpha) / (q + alpha).sum())
    ratios[p + q < min_count] = 0.0
    return np.concatenate([[0.0, 0.0], ratios]).astype(np.float32)


def nb_out_of_fold_ratios(
    ids, labels, counted, vocab_size: int, folds: int = 5, seed: int = 0, alpha: float = 1.0, min_count: int = 1
) -> np.ndarray:
    """Each token's ratio as the model will meet it on a text it was not counted on: (n, steps) float32.

    ids: (n, steps) vectorized texts (id 0 padding, 1 [UNK]); labels: (n,);
    counted: (n,) bool, the texts the ratios are counted on; vocab_size: the
    vectorizer's (vocabulary + 2), as in `nb_log_ratios`. The counted texts are
    cut into `folds` seeded folds, and a text's ratios come from the counts of
    the other folds only, so a word seen once, in this very text, does not give
    its label away (a network trained on in-sample ratios learns to trust them
    too much). Texts not counted read the ratios of all counted texts.
    """
    ids = np.asarray(ids)
    labels = np.asarray(labels).reshape(-1)
    counted = np.asarray(counted, bool).reshape(-1)
    fold = np.full(len(ids), -1)
    fold[counted] = np.random.default_rng(seed).permutation(int(counted.sum())) % folds
    out = np.zeros(ids.shape, np.float32)
    out[~counted] = nb_id_ratios(ids[counted], labels[counted], vocab_size, alpha, min_count)[ids[~counted]]
    for k in range(folds):
        rows = fold == k
        others = counted & ~rows
        out[rows] = nb_id_ratios(ids[others], labels[others], vocab_size, alpha, min_count)[ids[rows]]
    return out


# --- Negation and contrast templates (training-data augmentation) ---
#
# MR's 8,595 training sentences hold one "not good" and three "not bad": no
# model can learn from them that "not" flips what follows. `negation_templates`
# writes short sentences in MR's own form from MR's own most polar words and a
# few basic ones ("the plot is not dull ." -> positive; "the cast is lively ,
# but the script is tedious ." -> negative; "i didn't like it ." -> negative),
# added to the training split only. Validation and test stay pure MR.

_INTENSIFIERS = frozenset("is was are were so very too most more quite really pretty rather less as be been".split())
_NOT_POLAR = frozenset(
    "the and not but too more most much all its it's this that one than you film movie very so "
    "really quite just even enough such nothing never neither nor anything none".split()
)
# The most basic evaluative words, whose polarity MR's counts miss ("good" is as
# common in its negative sentences, mostly as "not very good", as in its
# positive ones), and verbs for "i loved it" / "i didn't like it".
BASIC_POSITIVE = (
    "good",
    "great",
    "excellent",
    "wonderful",
    "fun",
    "funny",
    "enjoyable",
    "entertaining",
    "interesting",
    "brilliant",
    "beautiful",
    "amazing",
    "clever",
    "moving",
    "charming",
    "perfect",
)
BASIC_NEGATIVE = (
    "bad",
    "terrible",
    "awful",
    "boring",
    "dull",
    "stupid",
    "poor",
    "weak",
    "silly",
    "annoying",
    "predictable",
    "pointless",
    "tedious",
    "lame",
    "bland",
    "mediocre",
)
BASIC_VERBS = (
    ("loved", "love", 1),
    ("enjoyed", "enjoy", 1),
    ("liked", "like", 1),
    ("admired", "admire", 1),
    ("hated", "hate", 0),
    ("disliked", "dislike", 0),
)
TEMPLATE_SUBJECTS = (
    "the film",
    "this movie",
    "it",
    "the story",
    "the acting",
    "the script",
    "the plot",
    "the cast",
    "the ending",
    "the dialogue",
    "the direction",
    "the characters",
    "the music",
)


def polar_words(
    texts, labels, min_count: int = 10, min_log_odds: float = 1.0, min_after_intensifier: int = 3
) -> tuple[list[str], list[str]]:
    """Evaluative words of `texts` by their class log-odds: (positive, negative), strongest first.

    A word qualifies when it is alphabetic, occurs in at least `min_count`
    sentences, follows "is", "very", "so"... at least `min_after_intensifier`
    times (a rough test for adjectives and adverbs), and its smoothed log-odds
    log((pos + 1) / (neg + 1)) is at least `min_log_odds` in size.
    """
    import math
    from collections import Counter

    positive, negative, after = Counter(), Counter(), Counter()
    for text, label in zip(texts, labels):
        tokens = tokenize(text)
        after.update(b for a, b in zip(tokens, tokens[1:]) if a in _INTENSIFIERS)
        (positive if int(label) == 1 else negative).update(set(tokens))
    scored = []
    for word in set(positive) | set(negative):
        if (
            positive[word] + negative[word] < min_count
            or not word.isalpha()
            or len(word) < 3
            or word in _NOT_POLAR
            or after[word] < min_after_intensifier
        ):
            continue
        score = math.log((positive[word] + 1) / (negative[word] + 1))
        if abs(score) >= min_log_odds:
            scored.append((score, word))
    scored.sort()
    return [w for v, w in reversed(scored) if v > 0], [w for v, w in scored if v < 0]


def negation_templates(texts, labels, n: int, seed: int = 0, part: str = "all") -> tuple[list[str], list[int]]:
    """`n` template sentences (with labels 1/0) from the polar words of `texts`.

    A quarter plain ("the plot is dull ."), half negated ("... is not dull .",
    "... isn't dull", "never dull", "not dull at all", "far from dull"), a quarter
    contrasts ("the cast is lively , but the script is tedious ."; the clause
    after "but" decides). part="all" uses every polar word; "train" four in
    five, "val" the fifth (to test the rule on words never seen negated: the
    models here barely carry it over, so training uses "all", and a second
    seed for its held-out templates).
    """
    import random

    if part not in ("all", "train", "val"):
        raise ValueError(f"part must be 'all', 'train' or 'val', not {part!r}")
    keep = {"all": lambda i: True, "train": lambda i: i % 5 != 4, "val": lambda i: i % 5 == 4}[part]
    positive, negative = ([w for i, w in enumerate(words) if keep(i)] for words in polar_words(texts, labels))
    if not positive or not negative or n <= 0:
        return [], []
    vocabulary = {token for text in texts for token in tokenize(text)}
    basic = {1: [w for w in BASIC_POSITIVE if w in vocabulary], 0: [w for w in BASIC_NEGATIVE if w in vocabulary]}
    verbs = [v for v in BASIC_VERBS if v[0] in vocabulary and v[1] in vocabulary]
    rng = random.Random(seed)
    out, out_labels = [], []
    for _ in range(n):
        label = rng.random() < 0.5
        pool = basic[int(label)] if basic[int(label)] and rng.random() < 0.4 else (positive if label else negative)
        word = rng.choice(pool)
        subject, be = rng.choice(TEMPLATE_SUBJECTS), rng.choice(("is", "was"))
        kind = rng.random()
        if verbs and kind < 0.1:  # "i loved it ." / "i didn't like it ."
            past, base, polar = rng.choice(verbs)
            if rng.random() < 0.5:
                out.append(f"i {past} {rng.choice(('it', subject))} .")
                out_labels.append(polar)
            else:
                negator = rng.choice(("did not", "didn't", "do not", "don't"))
                out.append(f"i {negator} {base} {rng.choice(('it', subject))} .")
                out_labels.append(1 - polar)
            continue
        if kind < 0.3:
            adverb = rng.choice(("", "", "very ", "really ", "so "))
            out.append(f"{subject} {be} {adverb}{word} .")
        elif kind < 0.75:
            form = rng.choice(
                (
                    f"{subject} {be} not {word} .",
                    f"{subject} {be}n't {word} .",
                    f"{subject} {be} not very {word} .",
                    f"{subject} {be} never {word} .",
                    f"{subject} {be} not {word} at all .",
                    f"not {word} .",
                    f"never {word} .",
                    f"{subject} {be} far from {word} .",
                    f"{subject} {be} not {word} , not at all .",
                )
            )
            out.append(form)
            label = not label
        else:
            other = rng.choice(negative if label else positive)
            second = rng.choice([s for s in TEMPLATE_SUBJECTS if s != subject])
            out.append(f"{subject} {be} {other} , but {second} {be} {word} .")
        out_labels.append(int(label))
    return out, out_labels


def known_fraction(tokens: list[str], vocabulary) -> float:
    """The fraction of `tokens` in `vocabulary` (a set or list of strings); 0 for no tokens."""
    if not tokens:
        return 0.0
    vocab = vocabulary if isinstance(vocabulary, (set, frozenset, dict)) else set(vocabulary)
    return sum(t in vocab for t in tokens) / len(tokens)


def prefixes(tokens: list[str], limit: int = MAX_VIEW_TOKENS) -> list[str]:
    """The first 1, 2, ..., n tokens joined by spaces (n = min(len(tokens), limit))."""
    return [" ".join(tokens[:k]) for k in range(1, min(len(tokens), limit) + 1)]


def occlusions(tokens: list[str], limit: int = MAX_VIEW_TOKENS) -> list[str]:
    """The text with token i dropped, for each i < min(len(tokens), limit)."""
    tokens = tokens[:limit]
    return [" ".join(tokens[:i] + tokens[i + 1 :]) for i in range(len(tokens))]


def with_filler(tokens: list[str], n: int, where: str) -> str:
    """The sentence with `n` neutral filler words added `where` ("before" or "after")."""
    if where not in ("before", "after"):
        raise ValueError(f"where must be 'before' or 'after', not {where!r}")
    filler = [FILLER_WORDS[i % len(FILLER_WORDS)] for i in range(n)]
    return " ".join(filler + tokens if where == "before" else tokens + filler)


def cnn_view(tokens: list[str], sequence_length: int) -> dict:
    """What a fixed-length CNN reads of `tokens`: kept, truncated and padding counts.

    Returns {"kept": [...], "truncated": [...], "padding": int, "sequence_length": int}.
    """
    return {
        "kept": tokens[:sequence_length],
        "truncated": tokens[sequence_length:],
        "padding": max(0, sequence_length - len(tokens)),
        "sequence_length": int(sequence_length),
    }
