"""The captioning page under AppTest, on the shipped weights: scenes, uploads, bad input."""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np
import pytest
from streamlit.testing.v1 import AppTest

from cnnrnn.data import caption_is_valid

ROOT = Path(__file__).resolve().parents[1]
import hand_drawn

TIMEOUT = 180  # TensorFlow's import and the first model load take seconds on 2 cores
PAGE = str(ROOT / "pages" / "captions.py")


def _page() -> AppTest:
    at = AppTest.from_file(PAGE, default_timeout=TIMEOUT).run()
    assert not at.exception, [e.value for e in at.exception]
    return at


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
    assert at.code, "Keras's own error for a picture that is not 64x64"


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


@pytest.mark.parametrize("name,payload", [
    ("notes.png", b"this is not an image at all"),
    ("empty.png", b""),
    ("blank.png", hand_drawn.png_bytes(np.full((200, 200, 3), 255, np.uint8))),
    ("night.png", hand_drawn.png_bytes(np.zeros((200, 200, 3), np.uint8))),
], ids=["text", "empty", "blank", "dark"])
def test_bad_upload_shows_a_message_and_the_page_keeps_working(name, payload):
    at = _page()
    at.segmented_control(key="captions_source").set_value("Upload").run()
    at.file_uploader(key="captions_upload").set_value((name, payload, "image/png")).run()
    assert not at.exception, [e.value for e in at.exception]
    assert at.error, "a clear message is shown"
    assert "Greedy decoding" not in _said(at)
    at.segmented_control(key="captions_source").set_value("Random scene").run()
    assert not at.exception and "Greedy decoding" in _said(at)


def test_draw_mode_waits_for_a_drawing_and_recompute_adds_both_charts():
    at = _page()
    at.segmented_control(key="captions_source").set_value("Draw").run()
    assert not at.exception and at.info and "Greedy decoding" not in _said(at)
    at.segmented_control(key="captions_source").set_value("Random scene").run()
    before = len(at.get("vega_lite_chart"))
    at.button(key="captions_recompute").click().run()
    assert not at.exception, [e.value for e in at.exception]
    assert len(at.get("vega_lite_chart")) == before + 2
