"""The image page under AppTest, from the app's navigation: samples, uploads, camera, controls, errors."""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np
import pytest
from app_pages import chart_titles, open_page
from streamlit.testing.v1 import AppTest

from cnnrnn.core.images import RESIZE_METHODS
from cnnrnn.core.weights import read_manifest
from cnnrnn.tasks.digits import ui
from cnnrnn.tasks.digits.config import MNIST
from cnnrnn.tasks.digits.model import fixed_size_error
from cnnrnn.tasks.digits.prepare import ASPECTS, prepare_digit

ROOT = Path(__file__).resolve().parents[2]
SAMPLES = ROOT / "cnnrnn" / "tasks" / "digits" / "samples"
PAGE = "pages/digits.py"
REFUSAL = "**CNN, fixed 28x28** refuses it. Keras says:"


def _image_page() -> AppTest:
    return open_page(PAGE)


def _open_view(at: AppTest, view: str) -> AppTest:
    """Click the image page's tab `view` (AppTest has no tab click; the tab's key takes the same value)."""
    assert view in [tab.label for tab in at.tabs]
    at.session_state["cnn_view"] = view
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def _verdicts(at: AppTest) -> list[str]:
    return [m.value for m in at.metric]


def _keras_error(image_predictors, side: int) -> str:
    """What Keras itself says when the fixed CNN is handed a side x side array."""
    return fixed_size_error(image_predictors["cnn_fixed"].model, np.zeros((side, side), np.float32))


def test_image_page_sample_gives_three_verdicts():
    at = _image_page()
    assert at.title[0].value == "One to one: image -> label"
    assert len(_verdicts(at)) == 3
    sample = at.selectbox(key="cnn_sample").value
    label = sample.rsplit(".", 1)[0].rsplit("_", 1)[-1]
    assert _verdicts(at)[0] == label, "the fixed CNN reads the first sample right"
    assert any(c.value == f"This sample is a {label}." for c in at.caption)


def test_image_page_upload_predicts_the_digit(image_predictors):
    at = _image_page()
    at.segmented_control(key="cnn_source").set_value("Upload").run()
    assert not at.exception and not _verdicts(at)
    photo = next(SAMPLES.glob("photo_*"))
    at.file_uploader(key="cnn_upload").set_value((photo.name, photo.read_bytes(), "image/jpeg")).run()
    assert not at.exception, [e.value for e in at.exception]
    assert _verdicts(at)[0] == photo.stem.rsplit("_", 1)[-1]
    # The fixed CNN's real shape error is shown for the default 48x48 array: Keras's own words for that side.
    assert at.slider(key="cnn_side").value == 48
    assert any(m.value == REFUSAL for m in at.markdown), "the refusal is shown for a non-28 array"
    assert [c.value for c in at.code] == [_keras_error(image_predictors, 48)]
    assert "expected shape=(None, 28, 28, 1)" in at.code[0].value and "found shape=(1, 48, 48" in at.code[0].value
    assert not at.success, "no 'runs' message while it refuses"


@pytest.mark.parametrize(
    "name,payload,message",
    [
        (
            "notes.png",
            b"this is not an image at all",
            "This file is not an image that can be read: upload a PNG, JPEG, WebP, BMP, TIFF or GIF.",
        ),
        ("empty.png", b"", "The file is empty (0 bytes)."),
        ("cut.png", None, "The image file is damaged or truncated and could not be decoded"),
    ],
)
def test_image_page_bad_upload_shows_a_message_and_keeps_working(name, payload, message):
    if payload is None:  # a truncated PNG: the first half of a real one
        real = next(SAMPLES.glob("*.png")).read_bytes()
        payload = real[: len(real) // 2]
    at = _image_page()
    at.segmented_control(key="cnn_source").set_value("Upload").run()
    at.file_uploader(key="cnn_upload").set_value((name, payload, "image/png")).run()
    assert not at.exception, [e.value for e in at.exception]
    assert at.error, "a clear message is shown"
    assert len(at.error) == 1 and at.error[0].value.startswith(message), at.error[0].value
    assert not _verdicts(at), "no verdict for a file that could not be read"
    # The page still works: switching back to the samples predicts again.
    at.segmented_control(key="cnn_source").set_value("Samples").run()
    assert not at.exception and len(_verdicts(at)) == 3
    assert not at.error


def test_image_page_camera_input_predicts():
    at = _image_page()
    at.segmented_control(key="cnn_source").set_value("Camera").run()
    photo = next(SAMPLES.glob("photo_*"))
    at.camera_input(key="cnn_camera").set_value((photo.name, photo.read_bytes(), "image/jpeg")).run()
    assert not at.exception
    assert _verdicts(at)[0] == photo.stem.rsplit("_", 1)[-1]


def test_image_page_resize_controls_change_the_input(image_predictors):
    at = _image_page()
    at.selectbox(key="cnn_method").set_value("nearest").run()
    at.radio(key="cnn_aspect").set_value("stretch").run()
    assert not at.exception and len(_verdicts(at)) == 3
    assert not any("per resize method" in (t or "") for t in chart_titles(at)), "a closed tab is not computed"
    titles = chart_titles(_open_view(at, "Resize and aspect"))
    assert "Confidence in 3 per resize method (stretch)" in titles and "Confidence in 3 per aspect (nearest)" in titles
    assert not any(s.key == "cnn_side" for s in at.slider), "the array-size tab is closed: its slider is not drawn"
    _open_view(at, "Any array size").slider(key="cnn_side").set_value(28).run()
    assert any("At 28x28 the fixed CNN runs" in s.value for s in at.success)
    assert not at.code and not any(m.value == REFUSAL for m in at.markdown), "no refusal at 28x28"
    at.slider(key="cnn_side").set_value(40).run()
    assert not at.success
    assert [c.value for c in at.code] == [_keras_error(image_predictors, 40)], "the error follows the side"


def test_image_page_numbers_come_from_the_manifest_and_config():
    at = _image_page()
    headers = [h.value for h in at.subheader]
    n = read_manifest()["mnist"]["resolution_sweep"][0]["n"]
    assert f"On {n:,} held-out test digits: accuracy against resolution" in headers
    _open_view(at, "Across sizes")
    headers = [h.value for h in at.subheader]
    assert any(h.startswith("This digit at 8 to 112 pixels (confidence that it is a ") for h in headers), headers
    assert at.button(key="cnn_recompute").label == "Recompute on 1,000 test digits"


def test_recomputed_table_says_when_it_was_measured():
    """The page's Recompute (cached for the process) returns its table and the time it was measured."""
    table, measured = ui.recompute_resolution_sweep(50)
    assert set(table["model"]) == {"cnn_fixed", "cnn_gap", "rnn_rows"}
    assert sorted(set(table["size"])) == list(MNIST.sweep_sizes) and set(table["n"]) == {50}
    assert re.fullmatch(r"\d{4}-\d\d-\d\d \d\d:\d\d UTC", measured), measured
    assert ui.recompute_resolution_sweep(50)[1] == measured, "cached: the same measurement, the same time"


def test_each_conv_layer_is_one_picture_of_its_first_maps_pixel_for_pixel(image_predictors):
    """The Inside section sends one picture per layer (not one per map); each tile is that map, scaled to [0, 1]
    and blown up by whole-pixel blocks, in reading order."""
    raw, _ = next(iter(ui.sample_images().values()))
    image = ui.prepare(raw, "area", "pad").model_input
    maps = ui.feature_maps("cnn_gap", image)
    tiles = ui.feature_tiles("cnn_gap", image)
    assert [caption.split(":")[0] for caption, _ in tiles] == list(maps)
    for (caption, picture), layer in zip(tiles, maps.values()):
        shown = min(ui.MAX_MAPS, layer.shape[2])
        assert f"first {shown} shown" in caption
        rows = -(-shown // ui.MAP_COLUMNS)
        assert picture.shape == (rows * ui.MAP_TILE + (rows - 1) * 4, ui.MAP_COLUMNS * ui.MAP_TILE + 7 * 4)
        for i in (0, 5, shown - 1):
            top, left = (i // ui.MAP_COLUMNS) * (ui.MAP_TILE + 4), (i % ui.MAP_COLUMNS) * (ui.MAP_TILE + 4)
            tile = picture[top : top + ui.MAP_TILE, left : left + ui.MAP_TILE]
            expected = ui.normalise(layer[:, :, i])
            rows_at = np.arange(ui.MAP_TILE) * expected.shape[0] // ui.MAP_TILE  # nearest neighbour, no pixel lost
            cols_at = np.arange(ui.MAP_TILE) * expected.shape[1] // ui.MAP_TILE
            assert set(rows_at) == set(range(expected.shape[0])) and set(cols_at) == set(range(expected.shape[1]))
            np.testing.assert_allclose(tile, expected[np.ix_(rows_at, cols_at)], atol=1e-6)


def test_the_page_finds_the_digit_once_and_every_choice_matches_prepare_digit():
    """ui.prepare reframes one found digit per resize method and aspect; each result is what prepare_digit
    gives for that choice on its own, and a second picture does not get the first one's digit."""
    first, second = [raw for raw, _ in list(ui.sample_images().values())[:2]]
    for raw in (first, second):
        for method in RESIZE_METHODS:
            for aspect in ASPECTS:
                alone = prepare_digit(raw, method=method, aspect=aspect)
                cached = ui.prepare(raw, method, aspect)
                np.testing.assert_array_equal(cached.model_input, alone.model_input)
                assert cached.notes == alone.notes and [t for t, _ in cached.steps] == [t for t, _ in alone.steps]
