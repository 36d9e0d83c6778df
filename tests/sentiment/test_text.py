"""The sentiment text helpers and data: cleaning, tokens, limits, naive-Bayes ratios, templates, MR splits."""

from __future__ import annotations

import numpy as np
import pytest
from sentiment_support import HAS_DATA, ODD_TEXTS, SENTENCES, probe_lines

from cnnrnn.tasks.sentiment import text as T

needs_data = pytest.mark.skipif(not HAS_DATA, reason="CNNRNN_DATA_DIR with rt-polarity/ is not available")


def test_tokenize_brings_typed_text_to_the_datas_form():
    assert T.tokenize("Doesn't it?") == ["doesn't", "it", "?"]
    assert T.tokenize("dont do that, it isnt good") == ["don't", "do", "that", ",", "it", "isn't", "good"]
    assert T.tokenize("it’s “great”—really…") == ["it's", '"', "great", '"', "--", "really", ".", ".", "."]
    assert T.tokenize("a co-writer/director--sadly") == ["a", "co-writer", "/", "director", "--", "sadly"]
    assert T.tokenize("'quoted' kids'") == ["'", "quoted", "'", "kids", "'"]
    assert T.tokenize("") == [] and T.tokenize(" \t\x00 ") == []


@pytest.mark.parametrize("text", ODD_TEXTS + SENTENCES)
def test_standardize_is_idempotent(text):
    once = T.standardize(text)
    assert T.standardize(once) == once
    assert "  " not in once and once == once.strip()


def test_python_and_graph_standardisation_agree():
    """The model's in-graph Standardize layer gives exactly text.standardize's string."""
    import tensorflow as tf

    from cnnrnn.tasks.sentiment.layers import Standardize

    texts = (
        ODD_TEXTS
        + SENTENCES
        + [line for _, line in probe_lines()]
        + [line for _, line in probe_lines("dev_probes.tsv")]
        + ["İstanbul É café's münch's 1.5 $9 [a]"]
    )
    if HAS_DATA:
        from cnnrnn.tasks.sentiment.data import load_polarity

        texts += load_polarity().x_test
    cleaned = [T.clean(t) for t in texts]
    graph = Standardize()(tf.constant([t.encode("utf-8") for t in cleaned])).numpy()
    assert [g.decode("utf-8") for g in graph] == [T.standardize(t) for t in cleaned]


def test_limit_text_cuts_with_a_notice():
    short = T.limit_text("a fine film")
    assert not short.cut and short.notice is None and short.text == "a fine film"
    long = T.limit_text("word " * 10_000, max_chars=1000)
    assert long.cut and len(long.text) <= 1000 and not long.text.endswith(" wor")
    assert "50,000" in long.notice and "1,000" in long.notice


def test_check_text_messages():
    assert "empty" in T.check_text("")
    assert "empty" in T.check_text("  \n\t ")
    assert T.check_text("\x00\x01\x02") == "The text has only spaces or control characters. Type a sentence."
    assert T.check_text("😀") is None and T.check_text("good") is None


def test_prefixes_occlusions_filler_and_cnn_view():
    tokens = ["not", "bad", "at", "all"]
    assert T.prefixes(tokens) == ["not", "not bad", "not bad at", "not bad at all"]
    assert T.prefixes(tokens, limit=2) == ["not", "not bad"]
    assert T.occlusions(tokens) == ["bad at all", "not at all", "not bad all", "not bad at"]
    before, after = T.with_filler(tokens, 3, "before").split(), T.with_filler(tokens, 3, "after").split()
    assert before[3:] == tokens and after[:4] == tokens and len(before) == len(after) == 7
    with pytest.raises(ValueError, match="where must be 'before' or 'after', not 'middle'"):
        T.with_filler(tokens, 1, "middle")
    view = T.cnn_view(tokens, 3)
    assert view == {"kept": ["not", "bad", "at"], "truncated": ["all"], "padding": 0, "sequence_length": 3}
    assert T.cnn_view(tokens, 10)["padding"] == 6


def test_build_vocabulary_orders_by_count_then_alphabet():
    assert T.build_vocabulary(["b a b", "c b a", "d"], 3) == ["b", "a", "c"]
    assert T.known_fraction(["a", "z"], {"a"}) == 0.5 and T.known_fraction([], {"a"}) == 0.0


def test_nb_log_ratios_count_sentences_per_class():
    texts = ["good good film", "good plot", "bad film", "bad bad plot", "film"]
    labels = [1, 1, 0, 0, 1]
    vocabulary = ["film", "good", "bad", "plot", "unseen"]
    ratios = T.nb_log_ratios(texts, labels, vocabulary, alpha=1.0)
    assert ratios.shape == (7,) and ratios.dtype == np.float32
    assert ratios[0] == ratios[1] == 0  # padding and [UNK]
    # Sentences holding each word (a word counts once per sentence): positive p, negative q, alpha 1.
    p = np.array([2, 2, 0, 1, 0]) + 1.0
    q = np.array([1, 0, 2, 1, 0]) + 1.0
    expected = np.log(p / p.sum()) - np.log(q / q.sum())
    expected[4] = 0.0  # "unseen" is in no sentence: no evidence either way
    np.testing.assert_allclose(ratios[2:], expected, rtol=1e-6)
    assert ratios[3] > 0 > ratios[4]  # "good" leans positive, "bad" negative
    rare = T.nb_log_ratios(texts, labels, vocabulary, alpha=1.0, min_count=3)
    np.testing.assert_allclose(rare[2:], np.where([True, False, False, False, False], expected, 0.0), rtol=1e-6)


def test_nb_id_ratios_match_the_text_counts():
    from cnnrnn.tasks.sentiment.layers import build_vectorizer

    texts = ["good good film", "good plot", "bad film", "bad bad plot", "film"]
    labels = [1, 1, 0, 0, 1]
    vocabulary = ["film", "good", "bad", "plot", "unseen"]
    ids = build_vectorizer(vocabulary, 6)(np.array(texts)).numpy()
    for min_count in (1, 3):
        np.testing.assert_allclose(
            T.nb_id_ratios(ids, labels, 7, 1.0, min_count),
            T.nb_log_ratios(texts, labels, vocabulary, 1.0, min_count),
            rtol=1e-6,
        )


def test_out_of_fold_ratios_hide_each_texts_own_label():
    # ids 2..5 are words; 9 occurs once, in a positive text: counted in-sample it leans positive,
    # out of fold it is unseen (0), as it would be in a new text.
    ids = np.array([[2, 3, 9, 0], [2, 4, 0, 0], [3, 5, 0, 0], [4, 5, 2, 0], [2, 3, 0, 0], [9, 4, 0, 0]])
    labels = np.array([1, 0, 1, 0, 1, 0])
    counted = np.array([True, True, True, True, True, False])
    full = T.nb_id_ratios(ids[counted], labels[counted], 10)
    assert full[9] > 0
    for folds in (2, 5):
        oof = T.nb_out_of_fold_ratios(ids, labels, counted, 10, folds=folds, seed=0)
        assert oof.shape == ids.shape and oof.dtype == np.float32
        assert oof[0, 2] == 0.0  # word 9: its only counted text is this one
        np.testing.assert_allclose(oof[5], full[ids[5]])  # not counted: the full table
        assert np.all(oof[ids == 0] == 0)  # padding
        # A counted text's ratios are those of a table counted without its fold.
        fold = np.random.default_rng(0).permutation(5) % folds
        for row in range(5):
            others = counted & np.append(fold != fold[row], False)
            np.testing.assert_allclose(oof[row], T.nb_id_ratios(ids[others], labels[others], 10)[ids[row]], rtol=1e-6)


def test_negation_templates_flip_polar_words():
    texts = [
        "a wonderful , moving film",
        "so wonderful and moving",
        "wonderful",
        "is wonderful",
        "a dull , boring mess",
        "so dull and boring",
        "dull",
        "is dull",
    ] * 5
    labels = [1, 1, 1, 1, 0, 0, 0, 0] * 5
    positive, negative = T.polar_words(texts, labels, min_count=5, min_after_intensifier=1)
    assert positive == ["wonderful"] and negative == ["dull"]
    sentences, ys = T.negation_templates(texts * 2, labels * 2, 300, seed=1)
    assert len(sentences) == len(ys) == 300 and set(ys) == {0, 1}
    polarity = {"wonderful": True, "moving": True, "dull": False, "boring": False}  # MR-style and basic words
    for sentence, y in zip(sentences, ys):
        words = sentence.split()
        last_polar = [w for w in words if w in polarity][-1]
        negated = any(w in words for w in ("not", "never", "isn't", "wasn't", "far"))
        assert y == (polarity[last_polar] != negated), sentence
    assert T.negation_templates(texts, labels, 10, part="val")[0] == []  # too few words to hold any out
    with pytest.raises(ValueError, match="part must be 'all', 'train' or 'val', not 'test'"):
        T.negation_templates(texts, labels, 1, part="test")


def test_unknown_preset_names_the_choices():
    from cnnrnn.tasks.sentiment.config import SENTIMENT_TINY, sentiment_preset

    assert sentiment_preset("tiny") is SENTIMENT_TINY
    with pytest.raises(ValueError, match=r"unknown preset 'huge'; choose one of \['full', 'quick', 'tiny'\]"):
        sentiment_preset("huge")


# --- data ----------------------------------------------------------------------------


@needs_data
def test_load_polarity_fixed_splits():
    from cnnrnn.tasks.sentiment.data import load_polarity

    splits = load_polarity()
    assert (len(splits.x_train), len(splits.x_val), len(splits.x_test)) == (8595, 1000, 1067)
    assert len(set(splits.x_test) & set(splits.x_train)) < 10  # a few sentences occur twice in MR
    assert splits.files["rt-polarity.pos"].startswith("d79ef140")
    assert splits.files["rt-polarity.neg"].startswith("4af43bf4")
    again = load_polarity(max_train=100)
    assert again.x_test == splits.x_test and again.x_val == splits.x_val and len(again.x_train) == 100


@needs_data
def test_the_longest_sentence_the_page_names_is_mrs():
    from cnnrnn.tasks.sentiment.config import LONGEST_MR_TOKENS, SENTIMENT
    from cnnrnn.tasks.sentiment.data import load_polarity

    splits = load_polarity()
    assert max(len(T.tokenize(t)) for t in splits.x_train) == LONGEST_MR_TOKENS
    assert max(len(T.tokenize(t)) for t in splits.x_train + splits.x_val + splits.x_test) == LONGEST_MR_TOKENS
    assert LONGEST_MR_TOKENS <= SENTIMENT.sequence_length  # the CNN's window cuts no MR sentence


def test_missing_data_directory_names_the_files(tmp_path, monkeypatch):
    from cnnrnn.tasks.sentiment.data import load_polarity

    monkeypatch.setenv("CNNRNN_DATA_DIR", str(tmp_path))
    with pytest.raises(FileNotFoundError, match=r"CNNRNN_DATA_DIR is set but .*rt-polarity\.pos.* does not exist"):
        load_polarity()
