"""AppTest for pages/sentiment.py: it runs, typing updates both verdicts, odd text gets a message."""

from __future__ import annotations

from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

ROOT = Path(__file__).resolve().parents[1]
PAGE = str(ROOT / "pages" / "sentiment.py")
WEIGHTS = ROOT / "cnnrnn" / "weights"

pytestmark = pytest.mark.skipif(
    not all((WEIGHTS / f"sentiment_{n}.keras").is_file() for n in ("rnn", "cnn")),
    reason="shipped sentiment weights are missing")


def _verdicts(at: AppTest) -> dict[str, str]:
    return {m.label: m.value for m in at.metric if m.label.startswith(("RNN", "CNN"))}


@pytest.fixture
def app() -> AppTest:
    at = AppTest.from_file(PAGE, default_timeout=120)
    at.run()
    assert not at.exception, [e.message for e in at.exception]
    return at


def _chart_titles(at: AppTest) -> list[str]:
    import json

    titles = []
    for chart in at.get("vega_lite_chart"):
        spec = json.loads(chart.proto.spec)
        titles.append(spec.get("title") or spec.get("layer", [{}])[0].get("title"))
    return titles


def test_page_runs_and_shows_both_verdicts(app):
    verdicts = _verdicts(app)
    assert len(verdicts) == 2 and set(verdicts.values()) <= {"positive", "negative"}
    assert len(app.get("vega_lite_chart")) >= 5  # prefixes, occlusion and the held-out charts
    assert not app.error


def test_cnn_counted_evidence_follows_the_typed_words(app):
    import pyarrow as pa

    app.text_area(key="sentiment_text").input("A dull film, not funny at all.").run()
    assert not app.exception
    titles = _chart_titles(app)
    evidence = app.get("vega_lite_chart")[titles.index("Counted evidence the CNN reads beside each embedding")]
    data = pa.ipc.open_stream(evidence.proto.datasets[0].data.data).read_all().to_pandas()
    assert list(data.loc[data["kind"] == "word", "text"]) == ["a", "dull", "film", ",", "not", "funny", "at", "all", "."]
    assert "not funny" in set(data.loc[data["kind"] != "word", "text"])
    # The summed score the CNN's output unit reads is stated, and matches the words' numbers in the chart.
    from cnnrnn.inference import load_sentiment_predictors

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
    app.text_area(key="sentiment_text").input("A wonderful, moving and beautifully acted film.").run()
    assert not app.exception
    assert list(_verdicts(app).values()) == ["positive", "positive"]


def test_example_picker_fills_the_text_box(app):
    from cnnrnn.text import EXAMPLE_SENTENCES

    app.selectbox(key="sentiment_example").select(EXAMPLE_SENTENCES[1]).run()
    assert not app.exception
    assert app.text_area(key="sentiment_text").value == EXAMPLE_SENTENCES[1]


@pytest.mark.parametrize("text, kind", [
    ("", "info"), ("   \n\t  ", "info"), ("\x00\x01\x02", "info"),
    ("😀😀😀", "warning"), ("这部电影很好看", "warning"),
])
def test_odd_text_gets_a_message_never_an_exception(app, text, kind):
    app.text_area(key="sentiment_text").input(text).run()
    assert not app.exception
    assert len(getattr(app, kind)) >= 1
    assert not app.error


def test_long_text_is_cut_with_a_notice(app):
    from cnnrnn.text import MAX_CHARS

    app.text_area(key="sentiment_text").input("a fine film " * (MAX_CHARS // 8)).run()
    assert not app.exception
    assert any("only the first" in w.value for w in app.warning)
    assert any(m.label == "Words cut off" and int(m.value) > 0 for m in app.metric)
    assert len(_verdicts(app)) == 2
