"""Reading the Stanford Sentiment Treebank: trees, phrases, SST-2 and the typed text a model reads."""

from __future__ import annotations

import pytest

from cnnrnn.core.data import data_dir
from cnnrnn.tasks.sentiment.treebank import (
    TreebankError,
    binary,
    detokenize,
    labelled_phrases,
    load_trees,
    parse_tree,
    sentences,
    treebank_path,
)

LINE = "(1 (2 It) (1 (2 (2 's) (1 (2 not) (3 good))) (2 .)))"


def test_a_tree_gives_every_phrase_with_its_label_as_typed_text():
    tree = parse_tree(LINE)
    assert tree.label == 1 and tree.words() == ["It", "'s", "not", "good", "."]
    assert tree.phrases() == [
        ("It's not good.", 1),
        ("It", 2),
        ("'s not good.", 1),
        ("'s not good", 2),
        ("'s", 2),
        ("not good", 1),
        ("not", 2),
        ("good", 3),
        (".", 2),
    ]


def test_detokenize_writes_the_treebank_tokens_as_people_type_them():
    assert detokenize(["It", "does", "n't", "work", ",", "-LRB-", "sadly", "-RRB-", "."]) == "It doesn't work, (sadly)."
    assert detokenize(["``", "Conan", "''"]) == '" Conan "'
    assert detokenize(["co-writer\\/director"]) == "co-writer/director"


def test_sst2_labels_drop_the_neutral_middle():
    assert [binary(label) for label in range(5)] == [0, 0, None, 1, 1]
    trees = [parse_tree(LINE), parse_tree("(2 (2 Fine) (2 .))"), parse_tree("(4 (4 Superb) (2 .))")]
    assert sentences(trees) == (["It's not good.", "Superb."], [0, 1])
    texts, labels = labelled_phrases(trees)
    assert dict(zip(texts, labels)) == {
        "It's not good.": 0,
        "'s not good.": 0,
        "not good": 0,
        "good": 1,
        "Superb.": 1,
        "Superb": 1,
    }


def test_a_recurring_phrase_keeps_the_label_most_of_its_occurrences_carry():
    trees = [parse_tree("(3 (3 fun) (2 .))"), parse_tree("(1 (1 fun) (2 !))"), parse_tree("(3 (3 fun) (2 ?))")]
    texts, labels = labelled_phrases(trees)
    assert labels[texts.index("fun")] == 1
    assert labelled_phrases(trees, dedupe=False)[0].count("fun") == 3


@pytest.mark.parametrize("bad", ["", "(5 word)", "(2 (2 a)", "2 word)", "(2 (3 a) (3 b)) extra", "(x a)"])
def test_a_broken_line_is_a_clear_error(bad):
    with pytest.raises(TreebankError, match="not a treebank tree"):
        parse_tree(bad)


def test_without_the_data_directory_the_treebank_is_one_sentence(monkeypatch, tmp_path):
    monkeypatch.delenv("CNNRNN_DATA_DIR", raising=False)
    with pytest.raises(TreebankError, match="set CNNRNN_DATA_DIR to the data mirror"):
        load_trees("train")
    with pytest.raises(TreebankError, match="sst/ folder holds the treebank"):
        treebank_path("dev", tmp_path)
    with pytest.raises(TreebankError, match="unknown treebank split"):
        treebank_path("validation", tmp_path)


@pytest.mark.skipif(data_dir() is None or not (data_dir() / "sst").is_dir(), reason="no treebank in the data mirror")
def test_the_mirror_holds_the_standard_split():
    test = load_trees("test")
    texts, labels = sentences(test)
    assert len(test) == 2210 and len(texts) == 1821, "SST-2's test set: the 1,821 non-neutral roots"
    assert test[0].text() == "Effective but too-tepid biopic" and binary(test[0].label) is None, "neutral: left out"
    assert texts[0].startswith("If you sometimes like to go to the movies to have fun, Wasabi") and labels[0] == 1
    assert len(load_trees("dev")) == 1101


def test_the_everyday_sets_are_apart_balanced_and_typed_as_people_type():
    from cnnrnn.tasks.sentiment.data import everyday

    dev, test = everyday("dev"), everyday("test")
    assert len(dev) >= 100 and len(test) >= 100
    for rows in (dev, test):
        labels = [label for _, label in rows]
        assert set(labels) == {0, 1} and abs(sum(labels) - len(labels) / 2) <= len(labels) * 0.05
        assert all(sentence[:1].isupper() and len(sentence.split()) <= 16 for sentence, _ in rows)
    same = lambda s: "".join(c for c in s.lower() if c.isalnum())  # noqa: E731
    assert not {same(s) for s, _ in dev} & {same(s) for s, _ in test}, "a dev sentence is also a test sentence"
    with pytest.raises(ValueError, match="split must be one of dev, test"):
        everyday("train")
