"""The captioning page under AppTest, on the shipped weights: scenes, uploads, bad input.

Each test starts the app (`streamlit_app.py`, the navigation) and switches to the page.
"""

from __future__ import annotations

import re
from pathlib import Path

import hand_drawn
import numpy as np
import pytest
from app_pages import open_page
from streamlit.testing.v1 import AppTest

from cnnrnn.core.weights import read_manifest
from cnnrnn.tasks.captions.data import caption_is_valid

ROOT = Path(__file__).resolve().parents[2]
PAGE = "pages/captions.py"


def _page() -> AppTest:
    return open_page(PAGE)


def _said(at: AppTest) -> dict:
    """The page's captions: "Greedy decoding", "Beam search, width k" and "True caption" -> text."""
    out = {}
    for block in at.markdown:
        text = block.value
        if text.startswith("**") and ":** " in text:
            label, caption = text[2:].split(":** ", 1)
            out[label] = caption.split(" (probability")[0]
    return out


def test_page_captions_the_first_generated_scene_right_with_both_decoders():
    at = _page()
    said = _said(at)
    truth = said["True caption"]
    assert caption_is_valid(truth)
    assert said["Greedy decoding"] == truth
    assert said["Beam search, width 3"] == truth
    assert at.success and "exactly right" in at.success[0].value
    assert len(at.get("vega_lite_chart")) == 3, "the step-by-step chart and both held-out charts"
    finalists = at.dataframe[0].value
    assert finalists["caption"].iloc[0] == truth and len(finalists) == 3, "beam search's finalists, best first"
    assert at.slider(key="captions_side").value == 96
    assert "expected shape=(None, 64, 64, 3), found shape=(1, 96, 96, 3)" in at.code[0].value, (
        "Keras's own error for a picture that is not 64x64"
    )
    at.slider(key="captions_side").set_value(64).run()
    assert not at.code and any("At 64x64 the encoder runs" in s.value for s in at.success)


def test_new_scene_button_draws_another_scene_and_objects_choice_is_obeyed():
    at = _page()
    first = _said(at)["True caption"]
    at.radio(key="captions_objects").set_value("3").run()
    at.button(key="captions_new").click().run()
    assert not at.exception, [e.value for e in at.exception]
    said = _said(at)
    assert said["True caption"] != first and said["True caption"].count(" left of ") == 2
    assert caption_is_valid(said["Greedy decoding"])
    at.slider(key="captions_beam").set_value(5).run()
    assert "Beam search, width 5" in _said(at)


def test_uploaded_hand_drawn_scene_is_captioned_right():
    at = _page()
    at.segmented_control(key="captions_source").set_value("Upload").run()
    assert not at.exception and "Greedy decoding" not in _said(at)
    caption, items = hand_drawn.DRAWINGS[1]
    png = hand_drawn.png_bytes(hand_drawn.draw(items, seed=1, paper=True))
    at.file_uploader(key="captions_upload").set_value(("my_scene.png", png, "image/png")).run()
    assert not at.exception, [e.value for e in at.exception]
    assert _said(at)["Greedy decoding"] == caption


WORDS = {"notes.png": "not an image", "empty.png": "empty", "blank.png": "blank", "night.png": "dark"}


@pytest.mark.parametrize(
    "name,payload",
    [
        ("notes.png", b"this is not an image at all"),
        ("empty.png", b""),
        ("blank.png", hand_drawn.png_bytes(np.full((200, 200, 3), 255, np.uint8))),
        ("night.png", hand_drawn.png_bytes(np.zeros((200, 200, 3), np.uint8))),
    ],
    ids=["text", "empty", "blank", "dark"],
)
def test_bad_upload_shows_a_message_and_the_page_keeps_working(name, payload):
    """Each bad upload gets its own message (the words `prepare_scene` uses), and the page recovers."""
    at = _page()
    at.segmented_control(key="captions_source").set_value("Upload").run()
    at.file_uploader(key="captions_upload").set_value((name, payload, "image/png")).run()
    assert not at.exception, [e.value for e in at.exception]
    assert at.error, "a clear message is shown"
    assert re.search(WORDS[name], at.error[0].value.lower()), at.error[0].value
    assert "Greedy decoding" not in _said(at)
    at.segmented_control(key="captions_source").set_value("Random scene").run()
    assert not at.exception and "Greedy decoding" in _said(at)


def test_draw_mode_waits_for_a_drawing():
    at = _page()
    at.segmented_control(key="captions_source").set_value("Draw").run()
    assert not at.exception and "Greedy decoding" not in _said(at)
    assert at.info and at.info[0].value == "Draw one to three shapes or upload a picture of them to begin."
    at.segmented_control(key="captions_source").set_value("Random scene").run()
    assert at.button(key="captions_recompute").label == "Recompute on 300 test scenes"
    # The recompute itself is clicked, and its two charts and time stamp checked, offline in tests/test_offline.py.


def test_page_numbers_come_from_the_manifest_and_say_exact_match():
    at = _page()
    section = read_manifest()["captions"]
    info = section["models"]["captioner"]
    assert any(h.value == f"On {section['data']['test_size']:,} held-out scenes" for h in at.subheader)
    charts = at.get("vega_lite_chart")
    titles = [c.proto.spec for c in charts]
    assert any("Held-out exact match by number of objects" in spec for spec in titles), (
        "the chart of the manifest's exact match says exact match"
    )
    assert not any("caption accuracy" in spec for spec in titles)
    about = next(m.value for m in at.markdown if m.value.startswith("- **Encoder:**"))
    assert f"Test: exact match {info['exact_match']:.4f} (greedy)" in about
    assert f"trained in {info['train_seconds'] / 60:.0f} minutes" in about
    assert "test accuracy" not in about.lower()
