"""AppTest for pages/translation.py, reached from the app: three translations, attention, held-out charts."""

from __future__ import annotations

import pytest
from app_pages import chart_titles, open_page
from translation_support import HAS_WEIGHTS

from cnnrnn.tasks.translation.config import MODEL_LABELS, MODEL_NAMES

PAGE = "pages/translation.py"

pytestmark = pytest.mark.skipif(not HAS_WEIGHTS, reason="shipped translation weights are missing")


@pytest.fixture(scope="module")
def app():
    return open_page(PAGE)


def _translations(at) -> list[str]:
    return [c.value for c in at.code]


def test_page_shows_three_translations_attention_and_the_held_out_charts(app):
    assert app.title[0].value == "Many to many: English -> French"
    assert not app.exception and not app.error
    assert len(_translations(app)) == 3 and all(_translations(app))
    labels = [m.value for m in app.markdown]
    for name in MODEL_NAMES:
        assert f"**{MODEL_LABELS[name]}**" in labels
    titles = chart_titles(app)
    for title in (
        "RNN with attention: attention",
        "CNN with attention (ConvS2S): attention",
        "RNN, one fixed vector: everything its decoder is told",
        "BLEU against English sentence length (held-out)",
        "Milliseconds per translation, beam 4",
    ):
        assert title in titles


def test_typing_a_sentence_translates_it(app):
    app.text_area(key="translation_text").input("Where is the train station?").run()
    assert not app.exception
    outputs = _translations(app)
    assert len(outputs) == 3
    assert "gare" in outputs[MODEL_NAMES.index("rnn_attention")].lower()
    app.slider(key="translation_beam").set_value(1).run()
    assert any(h.value == "Translations (greedy)" for h in app.subheader)


def test_an_example_goes_into_the_box_and_an_empty_box_asks_for_text(app):
    app.selectbox(key="translation_example").select("The flowers that he gave her were beautiful.").run()
    assert app.text_area(key="translation_text").value == "The flowers that he gave her were beautiful."
    app.text_area(key="translation_text").input("   ").run()
    assert not app.exception and not _translations(app)
    assert any(i.value == "Type an English sentence to translate." for i in app.info)


def test_held_out_numbers_come_from_the_manifest(app):
    from cnnrnn.core.weights import read_manifest

    entry = read_manifest()["translation"]
    assert any(h.value == f"On {entry['split']['test_sentences']:,} held-out English sentences" for h in app.header)
    table = app.dataframe[0].value.set_index("model")
    for name, info in entry["models"].items():
        assert table.loc[MODEL_LABELS[name], "BLEU"] == info["test"]["bleu"]
        assert table.loc[MODEL_LABELS[name], "chrF"] == info["test"]["chrf"]
    assert "www.manythings.org/anki and tatoeba.org" in app.caption[0].value
