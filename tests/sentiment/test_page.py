"""AppTest for pages/sentiment.py, reached from the app.

It runs, typing updates both verdicts, odd text gets a message.
"""

from __future__ import annotations

import pytest
from app_pages import chart_titles, open_page
from sentiment_support import HAS_WEIGHTS
from streamlit.testing.v1 import AppTest

PAGE = "pages/sentiment.py"

pytestmark = pytest.mark.skipif(not HAS_WEIGHTS, reason="shipped sentiment weights are missing")


def _verdicts(at: AppTest) -> dict[str, str]:
    return {m.label: m.value for m in at.metric if m.label.startswith(("RNN", "CNN"))}


@pytest.fixture
def app() -> AppTest:
    return open_page(PAGE)


def _captions(at: AppTest) -> list[str]:
    return [c.value for c in at.caption]


def test_page_runs_and_shows_both_verdicts(app):
    from cnnrnn.tasks.sentiment.charts import SENTIMENT_LABELS

    assert app.title[0].value == "Many to one: sentence -> sentiment"
    verdicts = _verdicts(app)
    assert set(verdicts) == set(SENTIMENT_LABELS.values()) and set(verdicts.values()) <= {"positive", "negative"}
    # The first example ("A warm, funny and beautifully acted film ...") is positive to both.
    assert list(verdicts.values()) == ["positive", "positive"]
    titles = chart_titles(app)
    for title in (
        "Prediction after each word read",
        "Word importance: the change when the word is dropped",
        "Counted evidence the CNN reads beside each embedding",
        "Held-out accuracy by sentence length",
        "Held-out accuracy with neutral filler words added",
        "Latency of one prediction against input length",
    ):
        assert title in titles
    assert not app.error


def test_page_numbers_come_from_the_manifest_and_config(app):
    from cnnrnn.core.weights import read_manifest
    from cnnrnn.tasks.sentiment.config import LONGEST_MR_TOKENS, SENTIMENT

    entry = read_manifest()["sentiment"]
    data = entry["data"]
    assert any(h.value == f"On {data['test_size']:,} held-out sentences" for h in app.subheader)
    total = data["train_size"] + data["val_size"] + data["test_size"]
    assert f"{total:,} movie-review snippets" in app.caption[0].value
    accuracy = next(c for c in _captions(app) if c.startswith("Test accuracy: "))
    for name in ("rnn", "cnn"):
        assert f"{entry['models'][name]['test_accuracy']:.1%}" in accuracy
    assert (
        "Kim's CNN from scratch 76.1%, with pretrained word2vec 81.5%; the VADER sentiment lexicon 61.3%." in accuracy
    )
    low, high = min(SENTIMENT.latency_lengths), max(SENTIMENT.latency_lengths)
    assert any(f"One text at a time, {low:,} to {high:,} tokens." in c for c in _captions(app))
    assert any(f"the longest training sentence has {LONGEST_MR_TOKENS} tokens" in c for c in _captions(app))
    assert any(f"their {data['train_size']:,} training sentences" in c for c in _captions(app))
    assert "filters 3, 4 and 5 words wide" in " ".join(m.value for m in app.markdown)


def test_cnn_counted_evidence_follows_the_typed_words(app):
    import pyarrow as pa

    app.text_area(key="sentiment_text").input("A dull film, not funny at all.").run()
    assert not app.exception
    titles = chart_titles(app)
    evidence = app.get("vega_lite_chart")[titles.index("Counted evidence the CNN reads beside each embedding")]
    data = pa.ipc.open_stream(evidence.proto.datasets[0].data.data).read_all().to_pandas()
    assert list(data.loc[data["kind"] == "word", "text"]) == [
        "a",
        "dull",
        "film",
        ",",
        "not",
        "funny",
        "at",
        "all",
        ".",
    ]
    assert "not funny" in set(data.loc[data["kind"] != "word", "text"])
    # The summed score the CNN's output unit reads is stated, and matches the words' numbers in the chart.
    from cnnrnn.tasks.sentiment.predict import load_sentiment_predictors

    cnn = load_sentiment_predictors()["cnn"]
    score = cnn.counted_score(cnn.counted_evidence("A dull film, not funny at all."))
    line = next(m.value for m in app.markdown if "naive-Bayes score" in m.value)
    assert f"**{score['word']:+.2f}** for the words and **{score['pair']:+.2f}** for the pairs" in line
    assert "the 9 words the CNN reads" in line
    assert data.loc[data["kind"] == "word", "ratio"].sum() == pytest.approx(score["word"], abs=1e-4)
    assert data.loc[data["kind"] != "word", "ratio"].sum() == pytest.approx(score["pair"], abs=1e-4)
    assert score["word"] < 0


def test_typing_a_sentence_updates_both_verdicts(app):
    app.text_area(key="sentiment_text").input("A dull, boring and lifeless film. A total waste of time.").run()
    assert not app.exception
    assert list(_verdicts(app).values()) == ["negative", "negative"]
    assert any(m.label == "Words kept" and m.value == "14" for m in app.metric)
    app.text_area(key="sentiment_text").input("A wonderful, moving and beautifully acted film.").run()
    assert not app.exception
    assert list(_verdicts(app).values()) == ["positive", "positive"]


def test_example_picker_fills_the_text_box(app):
    from cnnrnn.tasks.sentiment.text import EXAMPLE_SENTENCES

    app.selectbox(key="sentiment_example").select(EXAMPLE_SENTENCES[1]).run()
    assert not app.exception
    assert app.text_area(key="sentiment_text").value == EXAMPLE_SENTENCES[1]
    assert list(_verdicts(app).values()) == ["negative", "negative"]  # "The plot is a mess ..." read, not the first


@pytest.mark.parametrize(
    "text, kind, says",
    [
        ("", "info", "The text is empty. Type a sentence, for example: the acting is wonderful."),
        ("   \n\t  ", "info", "The text is empty. Type a sentence, for example: the acting is wonderful."),
        ("\x00\x01\x02", "info", "The text has only spaces or control characters. Type a sentence."),
        ("😀😀😀", "warning", "None of these words is in the models' vocabulary"),
        ("这部电影很好看", "warning", "None of these words is in the models' vocabulary"),
    ],
)
def test_odd_text_gets_a_message_never_an_exception(app, text, kind, says):
    app.text_area(key="sentiment_text").input(text).run()
    assert not app.exception
    messages = [m.value for m in getattr(app, kind)]
    assert any(m.startswith(says) for m in messages), messages
    assert not app.error
    if kind == "info":  # nothing to judge: no verdicts
        assert _verdicts(app) == {}


def test_long_text_is_cut_with_a_notice(app):
    from cnnrnn.tasks.sentiment.text import MAX_CHARS

    app.text_area(key="sentiment_text").input("a fine film " * (MAX_CHARS // 8)).run()
    assert not app.exception
    assert any("only the first" in w.value and f"(the limit is {MAX_CHARS:,})" in w.value for w in app.warning)
    assert any(m.label == "Words cut off" and int(m.value) > 0 for m in app.metric)
    assert len(_verdicts(app)) == 2


def test_measuring_latency_says_when(app):
    app.button(key="sentiment_measure_latency").click().run()
    assert not app.exception
    assert any(c.startswith("Measured on this machine at ") and c.endswith("+00:00.") for c in _captions(app))


def test_rerunning_the_held_out_experiments_says_when(app):
    from sentiment_support import HAS_DATA

    if not HAS_DATA:
        pytest.skip("CNNRNN_DATA_DIR with rt-polarity/ is not available")
    app.button(key="sentiment_rerun").click().run(timeout=600)
    assert not app.exception and not app.error
    assert any(c.startswith("Length buckets and filler words measured on this machine at ") for c in _captions(app))
    assert any(c.startswith("With 160 filler words before each sentence: RNN ") for c in _captions(app))
