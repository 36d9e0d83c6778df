"""The Stanford Sentiment Treebank (Socher et al., EMNLP 2013): its trees, every labelled phrase, SST-2.

Each line of `CNNRNN_DATA_DIR/sst/{train,dev,test}.txt` is one binarised parse tree in PTB brackets, every node
labelled 0 to 4 (very negative .. very positive): `(3 (2 The) (4 (3 (2 is) ...)))`. `parse_tree` reads one line;
`Tree.phrases()` lists every node's words and label; `binary` maps a label to SST-2's (0-1 negative, 3-4
positive, 2 neutral: None). The words are re-joined as a person would type them (`detokenize`: "does n't" ->
"doesn't", `` -> "), so that a model trained on the treebank reads the page's text the way it read its own.

No TensorFlow here.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from pathlib import Path

from cnnrnn.core.data import data_dir

SPLITS = ("train", "dev", "test")
SST_CITATION = (
    'Socher, Perelygin, Wu, Chuang, Manning, Ng and Potts, "Recursive Deep Models for Semantic '
    'Compositionality Over a Sentiment Treebank", EMNLP 2013'
)
_BRACKETS = {"-LRB-": "(", "-RRB-": ")", "-LSB-": "[", "-RSB-": "]", "-LCB-": "{", "-RCB-": "}"}
_ATTACH_LEFT = {".", ",", "!", "?", ";", ":", ")", "]", "}", "%", "...", "n't", "'s", "'re", "'ve", "'ll", "'d", "'m"}
_ATTACH_RIGHT = {"(", "[", "{", "$"}


class TreebankError(ValueError):
    """A tree line that is not a labelled PTB bracketing, or a treebank file that is missing."""


@dataclass(frozen=True)
class Tree:
    """One node: its label (0-4), and either a word (a leaf) or two children."""

    label: int
    word: str | None = None
    children: tuple[Tree, ...] = ()

    def words(self) -> list[str]:
        """The leaves' words under this node, left to right (as the treebank wrote them)."""
        if self.word is not None:
            return [self.word]
        return [w for child in self.children for w in child.words()]

    def text(self) -> str:
        """This node's words as a person types them (`detokenize`)."""
        return detokenize(self.words())

    def nodes(self) -> list[Tree]:
        """Every node under this one (itself first), depth first, left to right."""
        out = [self]
        for child in self.children:
            out += child.nodes()
        return out

    def phrases(self) -> list[tuple[str, int]]:
        """(text, label) for every node: each word and each phrase, this whole node included (root first)."""
        out: list[tuple[str, int]] = []

        def walk(node: Tree) -> list[str]:
            at = len(out)
            out.append(("", node.label))  # the node's place, filled once its words are known
            words = [node.word] if node.word is not None else [w for child in node.children for w in walk(child)]
            out[at] = (detokenize(words), node.label)
            return words

        walk(self)
        return out


def binary(label: int) -> int | None:
    """SST-2's label: 0 for labels 0-1 (negative), 1 for 3-4 (positive), None for the neutral 2."""
    return None if label == 2 else int(label >= 3)


def detokenize(words: list[str]) -> str:
    """The treebank's tokens joined as typed text: brackets restored, quotes as ", clitics and punctuation
    attached ("It 's not bad ." -> "It's not bad.")."""
    out = ""
    glue = True  # no space before the next token
    for raw in words:
        word = _BRACKETS.get(raw, raw).replace("\\/", "/").replace("\\*", "*")
        if word in ("``", "''"):
            word = '"'
        lower = word.lower()
        if out and not glue and lower not in _ATTACH_LEFT:
            out += " "
        out += word
        glue = word in _ATTACH_RIGHT
    return out


def parse_tree(line: str) -> Tree:
    """One PTB line -> its Tree. TreebankError with the position for anything else."""
    text = line.strip()
    pos = 0

    def fail(why: str) -> TreebankError:
        return TreebankError(f"not a treebank tree ({why} at character {pos}): {text[:60]!r}")

    def skip() -> None:
        nonlocal pos
        while pos < len(text) and text[pos] == " ":
            pos += 1

    def node() -> Tree:
        nonlocal pos
        skip()
        if pos >= len(text) or text[pos] != "(":
            raise fail("expected '('")
        pos += 1
        start = pos
        while pos < len(text) and text[pos].isdigit():
            pos += 1
        if start == pos or int(text[start:pos]) > 4:
            raise fail("expected a label 0 to 4")
        label = int(text[start:pos])
        skip()
        if pos < len(text) and text[pos] == "(":
            children = []
            while True:
                skip()
                if pos < len(text) and text[pos] == ")":
                    break
                children.append(node())
            pos += 1
            return Tree(label, children=tuple(children))
        start = pos
        while pos < len(text) and text[pos] not in "()":
            pos += 1
        word = text[start:pos].strip()
        if not word or pos >= len(text):
            raise fail("expected a word and ')'")
        pos += 1
        return Tree(label, word=word)

    tree = node()
    skip()
    if pos != len(text):
        raise fail("text after the tree")
    return tree


def treebank_path(split: str, root: Path | None = None) -> Path:
    """The file of one split; TreebankError in one sentence when there is no data directory or no file."""
    if split not in SPLITS:
        raise TreebankError(f"unknown treebank split {split!r}: one of {', '.join(SPLITS)}")
    base = Path(root) if root is not None else data_dir()
    if base is None:
        raise TreebankError(
            "the Stanford Sentiment Treebank is needed here: set CNNRNN_DATA_DIR to the data mirror (its sst/ folder)"
        )
    path = base / "sst" / f"{split}.txt"
    if not path.is_file():
        raise TreebankError(f"no {path}: the data mirror's sst/ folder holds the treebank (see its SOURCE.md)")
    return path


def load_trees(split: str, root: Path | None = None) -> list[Tree]:
    """Every tree of a split ("train", "dev", "test"), in file order."""
    path = treebank_path(split, root)
    return [parse_tree(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


def sha256_of(split: str, root: Path | None = None) -> str:
    """The sha256 of a split's file (the manifest records it)."""
    return hashlib.sha256(treebank_path(split, root).read_bytes()).hexdigest()


def sentences(trees: list[Tree]) -> tuple[list[str], list[int]]:
    """SST-2's sentence-level set: the roots whose label is not neutral, as (texts, 0/1 labels)."""
    texts, labels = [], []
    for tree in trees:
        label = binary(tree.label)
        if label is not None:
            texts.append(tree.text())
            labels.append(label)
    return texts, labels


def labelled_phrases(trees: list[Tree], dedupe: bool = True) -> tuple[list[str], list[int]]:
    """Every non-neutral phrase of the trees (each word and each phrase), as (texts, 0/1 labels).

    dedupe: a phrase that recurs with the same text ("the film", "is") is kept once, with the label most of its
    occurrences carry (ties: the first one's), as the treebank's own dictionary has one label per phrase.
    """
    if not dedupe:
        pairs = [(text, binary(label)) for tree in trees for text, label in tree.phrases()]
        kept = [(t, y) for t, y in pairs if y is not None]
        return [t for t, _ in kept], [y for _, y in kept]
    votes: dict[str, list[int]] = {}
    for tree in trees:
        for text, label in tree.phrases():
            votes.setdefault(text, []).append(label)
    texts, labels = [], []
    for text, seen in votes.items():
        label = max(set(seen), key=lambda v: (seen.count(v), -seen.index(v)))
        positive = binary(label)
        if positive is not None:
            texts.append(text)
            labels.append(positive)
    return texts, labels
