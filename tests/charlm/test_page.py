"""The generation page (many to many) under AppTest: generating, reading, bad input, live training.

Each test starts the whole app (`streamlit_app.py`) and switches to the page, as a visitor does.
"""

from __future__ import annotations

import math
import os
import zipfile
from pathlib import Path

import pytest
from app_pages import open_page, run_until_trained
from streamlit.testing.v1 import AppTest

from cnnrnn.tasks.charlm.config import CHARLM_LIVE

ROOT = Path(__file__).resolve().parents[2]
PAGE = "pages/charlm.py"
LYRICS = (
    Path(os.environ.get("CNNRNN_DATA_DIR", ROOT.parent / "shared" / "data"))
    / "jaychou-lyrics"
    / "jaychou_lyrics.txt.zip"
)

pytestmark = pytest.mark.skipif(
    not (ROOT / "cnnrnn" / "weights" / "charlm_lstm.keras").is_file(),
    reason="the shipped character models are not trained yet",
)


def _page() -> AppTest:
    return open_page(PAGE)


def _ok(at: AppTest) -> None:
    assert not at.exception, [e.value for e in at.exception]


def test_page_generates_text_and_compares_temperatures():
    at = _page()
    assert any("Many to many" in t.value for t in at.title)
    assert len(at.metric) == 2, "read my text: one score per model"
    for metric in at.metric:  # the default text is Shakespeare: both models expect most of it
        value = float(metric.value.removesuffix(" nats/char"))
        assert 0.3 < value < 4.0, metric.value
    at.button(key="gen_go").click().run()
    _ok(at)
    last = at.session_state["gen_last"]
    assert len(last["text"]) == 400 and len(last["steps"]) == 400
    streamed = [m.value for m in at.markdown if m.value.startswith("ROMEO")]
    assert streamed and len(streamed[0]) > 400, "the streamed text is on the page"
    assert any(
        "LSTM (carries its state): 400 characters at" in c.value and "characters per second" in c.value
        for c in at.caption
    )
    assert any(f"ln 65 = {math.log(65):.1f}: no idea" in c.value for c in at.caption), "from the vocabulary's size"
    # The other model, and the same prime at four temperatures.
    at.radio(key="gen_model").set_value("cnn").run()
    at.button(key="gen_go").click().run()
    _ok(at)
    assert at.session_state["gen_last"]["model"] == "cnn"
    at.button(key="gen_temps_go").click().run()
    _ok(at)
    assert len(at.session_state["gen_temps"]) == 4 and len(at.code) >= 4
    assert [m.value for m in at.markdown if m.value.startswith("**T = ")] == [
        "**T = 0**",
        "**T = 0.5**",
        "**T = 1**",
        "**T = 1.5**",
    ]


def test_page_odd_settings_give_notes_not_tracebacks():
    at = _page()
    at.text_area(key="gen_prime").set_value("你好, ROMEO ✓").run()
    at.slider(key="gen_temperature").set_value(0.0).run()
    at.number_input(key="gen_top_k").set_value(5000).run()
    at.slider(key="gen_length").set_value(50).run()
    at.button(key="gen_go").click().run()
    _ok(at)
    assert any("never seen" in c.value for c in at.caption)
    assert len(at.session_state["gen_last"]["text"]) == 50
    at.text_area(key="gen_prime").set_value("").run()
    at.slider(key="gen_temperature").set_value(3.0).run()
    at.button(key="gen_go").click().run()
    _ok(at)
    assert len(at.session_state["gen_last"]["text"]) == 50 and at.session_state["gen_last"]["prime"] == "\n"
    at.text_area(key="gen_read_text").set_value("   ").run()
    _ok(at)
    assert any("Type or paste a text to see how expected each character is." in i.value for i in at.info), (
        "an empty text to read asks for one"
    )
    assert not at.metric, "and nothing is scored"


def test_page_bad_uploads_show_messages():
    at = _page()
    cases = [
        ("empty.txt", b"", "empty"),
        ("photo.txt", b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 8, "binary"),
        ("latin1.txt", "café crème brûlée, ".encode("latin-1") * 30, "not UTF-8"),
        ("huge.txt", b"to be or not to be " * 120_000, "limit is 2 MB"),
    ]
    for name, payload, message in cases:
        at.file_uploader(key="gen_live_upload").set_value((name, payload, "text/plain")).run()
        _ok(at)
        assert any(message in e.value for e in at.error), (name, [e.value for e in at.error])
    at.segmented_control(key="gen_live_source").set_value("Paste").run()
    at.text_area(key="gen_live_paste").set_value("too short").run()
    _ok(at)
    assert any("at least 200" in e.value for e in at.error)


@pytest.mark.slow  # trains live
@pytest.mark.skipif(not LYRICS.is_file(), reason="the Chinese lyrics corpus is not in the data directory")
def test_page_live_training_on_chinese_lyrics_writes_chinese():
    """Upload the article's corpus (in memory only), train a few seconds, generate from it."""
    with zipfile.ZipFile(LYRICS) as archive:
        text = archive.read(archive.namelist()[0]).decode("utf-8")[:15_000]
    at = _page()
    at.file_uploader(key="gen_live_upload").set_value(("lyrics.txt", text.encode("utf-8"), "text/plain")).run()
    _ok(at)
    at.slider(key="gen_live_seconds").set_value(5).run()
    at.button(key="gen_live_train").click().run()
    _ok(at)
    assert at.button(key="gen_live_train").disabled, "no second run while this one trains"
    run_until_trained(at, "gen_live_job")
    _ok(at)
    assert at.success and "Your LSTM" in at.success[0].value
    live = at.session_state["gen_live"]
    assert live.history["step"] > 0 and live.history["loss"]
    at.button(key="FormSubmitter:gen_live_form-Generate").click().run()
    _ok(at)

    # The sample is Chinese: most of what is not white space are CJK characters (a 5-second model
    # writes as many line breaks as the lyrics have, so a count of characters depends on the machine).
    def chinese_share(text):
        shown = [c for c in text if not c.isspace()]
        return sum("\u4e00" <= c <= "\u9fff" for c in shown) / max(len(shown), 1), len(shown)

    share, length = max(chinese_share(m.value) for m in at.markdown)
    assert share >= 0.8 and length >= 100, ("the streamed sample is Chinese", share, length)


def test_page_texts_come_from_the_config_and_the_manifest():
    """The numbers the page states are the ones the live preset and the manifest hold."""
    import json

    at = _page()
    blurb = [m.value for m in at.markdown if "learns it here" in m.value]
    assert blurb and f"({CHARLM_LIVE.rnn_units} units)" in blurb[0] and "up to 2 MB" in blurb[0]
    assert f"within {CHARLM_LIVE.time_limit / 60:g} minutes" in blurb[0]
    manifest = json.loads((ROOT / "cnnrnn" / "weights" / "manifest.json").read_text())["charlm"]
    heldout = [c.value for c in at.caption if "of tiny Shakespeare, in" in c.value]
    assert heldout, "the held-out caption is on the page"
    assert (
        f"The last {manifest['data']['val_fraction']:.0%} of tiny Shakespeare, in {manifest['eval_length']}"
        in heldout[0]
    )
    for name, label in (("lstm", "LSTM (carries its state)"), ("cnn", "causal CNN (fixed window)")):
        assert f"{label} {manifest['models'][name]['heldout_loss']:.3f}" in heldout[0]
    assert f"The CNN sees the last {manifest['models']['cnn']['receptive_field']} characters" in heldout[0]


# The page's Recompute is clicked (and its chart title checked) offline, in tests/test_offline.py.


TANG = pytest.mark.skipif(
    not (ROOT / "cnnrnn" / "weights" / "tang_lstm.keras").is_file(), reason="the shipped Tang models are missing"
)


@TANG
def test_page_writes_tang_poems_side_by_side_checks_each_line_and_charts_form_from_the_manifest():
    """One app run for the poems: write (from nothing, a first line, a title), read, temperatures, the figures."""
    from app_pages import chart_titles

    from cnnrnn.core.weights import read_manifest
    from cnnrnn.tasks.charlm.tang.form import check_form

    entry = read_manifest()["tang"]
    at = _page()
    at.segmented_control(key="gen_corpus").set_value("Tang poems").run()
    _ok(at)
    titles = chart_titles(at)
    assert "Form kept against the length of the poem" in titles and "Held-out loss along the poem" in titles
    frames = [d.value for d in at.dataframe]
    accuracy = next(f for f in frames if "form" in f.columns).set_index("form")
    assert (
        accuracy.loc["五言絕句 (five-character quatrain)", "LSTM (carries its state)"]
        == entry["models"]["lstm"]["form_accuracy"]["五言絕句"]
    ), "the figures come from the manifest"
    assert len(at.metric) == 2, "read my poem: one score per model"
    at.button(key="tang_go").click().run()  # a 五言絕句 from nothing
    _ok(at)
    written = at.session_state["tang_last"]
    assert set(written) == {"lstm", "cnn"}
    checks = [d.value for d in at.dataframe if "form kept" in d.value.columns]
    assert len(checks) == 2, "each model's poem checked line by line"
    for (_name, record), table in zip(written.items(), checks):
        poem = record["prime"] + record["text"]
        assert sum("\u4e00" <= c <= "\u9fff" for c in poem) >= 10, poem
        assert list(table["text"]) == [line.text for line in check_form(poem, "五言絕句").lines]
    verdicts = [c.value for c in at.caption if ": In form" in c.value or ": Out of form" in c.value]
    assert len(verdicts) == 2
    assert any("⏹ is the end mark" in c.value for c in at.caption)
    at.radio(key="tang_start").set_value("a first line").run()
    at.text_input(key="tang_prime").set_value("ROMEO 床前明月光，").run()
    at.button(key="tang_go").click().run()
    _ok(at)
    assert all(r["prime"] == "床前明月光，" for r in at.session_state["tang_last"].values())
    assert any("never seen: 'R' 'O' 'M' 'E'." in c.value for c in at.caption)
    at.radio(key="tang_start").set_value("a title").run()
    at.selectbox(key="tang_form").set_value("七言律詩").run()
    at.button(key="tang_go").click().run()
    _ok(at)
    assert all(r["title"] == "秋夜" and r["form"] == "七言律詩" for r in at.session_state["tang_last"].values())
    at.text_area(key="tang_read_text").set_value("").run()
    _ok(at)
    assert any("Type or paste a poem" in i.value for i in at.info) and not at.metric
    at.button(key="tang_temps_go").click().run()
    _ok(at)
    assert len(at.session_state["tang_temps"]) == 4
