"""The pairs file: its sha256 checked, the split by English sentence, batches of similar length."""

from __future__ import annotations

import numpy as np
import pytest
from translation_support import needs_data

from cnnrnn.tasks.translation import data
from cnnrnn.tasks.translation.config import TRANSLATION
from cnnrnn.tasks.translation.text import END_ID, PAD_ID, START_ID


@needs_data
def test_split_is_by_english_sentence_seeded_and_has_5000_test_sentences():
    corpus = data.load_corpus(TRANSLATION)
    assert corpus.sha256 == data.PAIRS_SHA256
    assert len(corpus.english) == 116_830 and sum(len(f) for f in corpus.french) >= 160_000
    test, val, train = (set(corpus.english[i] for i in corpus.indices(p)) for p in ("test", "val", "train"))
    assert len(test) == TRANSLATION.test_sentences >= 5000 and len(val) == TRANSLATION.val_sentences
    assert not (test & val) and not (test & train) and not (val & train)
    # every translation of a test sentence is in the test pairs, none in training
    test_pairs = corpus.pairs("test")
    train_english = {en for en, _ in corpus.pairs("train")}
    assert len(test_pairs) == sum(len(corpus.french[i]) for i in corpus.indices("test"))
    assert not {en for en, _ in test_pairs} & train_english
    again = data.load_corpus(TRANSLATION)
    assert np.array_equal(again.split, corpus.split)


def test_a_file_that_is_not_the_release_is_refused_in_one_line(tmp_path, monkeypatch):
    folder = tmp_path / "fra-eng"
    folder.mkdir()
    (folder / "fra.txt").write_text("Go.\tVa !\n", encoding="utf-8")
    monkeypatch.setenv("CNNRNN_DATA_DIR", str(tmp_path))
    with pytest.raises(ValueError) as error:
        data.load_corpus(TRANSLATION)
    assert "is not the 2019 fra-eng release" in str(error.value) and "\n" not in str(error.value)


def test_offline_without_a_data_folder_says_where_the_data_comes_from(monkeypatch):
    import keras

    monkeypatch.delenv("CNNRNN_DATA_DIR", raising=False)

    def offline(*args, **kwargs):
        raise Exception("URL fetch failure on http://d2l-data...: None -- [Errno -2] Name or service not known")

    monkeypatch.setattr(keras.utils, "get_file", offline)
    with pytest.raises(FileNotFoundError) as error:
        data.pairs_path()
    message = str(error.value)
    assert message.startswith("fra-eng/fra.txt is not in the Keras cache and could not be downloaded")
    assert "set CNNRNN_DATA_DIR" in message and "\n" not in message


def test_batches_hold_similar_lengths_within_the_token_budget():
    rng = np.random.default_rng(0)
    sources = [list(range(4, 4 + int(n))) for n in rng.integers(1, 20, 300)]
    targets = [list(range(4, 4 + int(n))) for n in rng.integers(1, 25, 300)]
    batches = data.token_batches(sources, targets, 200, rng)
    assert sum(len(b[0]) for b in batches) == 300
    for _src, tin, tout in batches:
        assert tin.shape == tout.shape and tin.size <= 200 + tin.shape[1]
        assert (tin[:, 0] == START_ID).all()
        lengths = (tout != PAD_ID).sum(1)
        assert (tout[np.arange(len(tout)), lengths - 1] == END_ID).all()
        assert lengths.max() - lengths.min() <= 2
