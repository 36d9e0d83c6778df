"""Links that reproduce a view, the QR code of the link, presenter mode: under AppTest, from the app's entry point.

A link is opened as a visitor opens it: the app's entry point with the link's query parameters,
then the page. The controls must read the link, the result must follow them, and the page's own
Share link must carry them again (and open the same view a second time).
"""

from __future__ import annotations

import io
from urllib.parse import parse_qsl, urlsplit

import pytest
import zxingcpp
from app_pages import APP, TIMEOUT
from PIL import Image
from streamlit.testing.v1 import AppTest

from cnnrnn.core.ui import share


def _open(page: str, params: dict[str, str]) -> AppTest:
    at = AppTest.from_file(APP, default_timeout=TIMEOUT)
    for key, value in params.items():
        at.query_params[key] = value
    at.run()
    at.switch_page(page).run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def _link(at: AppTest) -> str:
    links = [m.value for m in at.markdown if m.value.startswith(f"<{share.LOCAL_BASE}")]
    assert len(links) == 1, "one Share link on the page"
    return links[0].strip("<>")


def _params(link: str) -> dict[str, str]:
    return dict(parse_qsl(urlsplit(link).query, keep_blank_values=True))


def test_url_form_is_what_the_binding_reads():
    assert share.url_form(0.8) == "0.8" and share.url_form(0.85) == "0.85" and share.url_form(1.0) == "1"
    assert share.url_form(7) == "7" and share.url_form(True) == "true" and share.url_form(None) == ""
    assert share.url_form("photo_7.jpg", lambda n: n.split(".")[0].replace("_", " ")) == "photo 7"
    link = share.share_link({"gen_prime": "ROMEO:\n", "cnn_sample": "photo 7"}, path="Generation")
    assert link == "http://localhost:8501/Generation?gen_prime=ROMEO%3A%0A&cnn_sample=photo%207"


def test_the_qr_code_decodes_back_to_the_link():
    link = (
        "http://localhost:8501/Image_CNN?cnn_source=Samples&cnn_method=nearest&cnn_aspect=stretch"
        "&cnn_sample=photo%207&cnn_side=28&cnn_maps_model=CNN%2C%20fixed%2028x28%20%28Flatten%29&present=1"
    )
    decoded = zxingcpp.read_barcodes(Image.open(io.BytesIO(share.qr_png(link))))
    assert [d.text for d in decoded] == [link]
    assert decoded[0].format == zxingcpp.BarcodeFormat.QRCode
    svg = share.qr_svg(link)
    assert svg.startswith("<svg") and "path" in svg


@pytest.mark.parametrize(
    "view,params",
    [
        ("Any array size", {"cnn_side": "28"}),
        ("Inside the models", {"cnn_maps_model": "CNN, global pooling"}),
    ],
)
def test_an_image_page_link_sets_its_controls_view_and_result_and_its_share_link_reopens_it(view, params):
    params = {"cnn_sample": "photo 7", "cnn_method": "nearest", "cnn_aspect": "stretch", "cnn_view": view, **params}
    at = _open("pages/digits.py", params)
    assert at.selectbox(key="cnn_sample").value == "photo_7.jpg"
    assert at.selectbox(key="cnn_method").value == "nearest"
    assert at.radio(key="cnn_aspect").value == "stretch"
    verdicts = [m.value for m in at.metric]
    assert verdicts[0] == "7"
    if "cnn_side" in params:
        assert at.slider(key="cnn_side").value == 28
        assert any("At 28x28 the fixed CNN runs" in s.value for s in at.success)
    else:  # the link opened its tab: the feature maps are drawn, the other tabs' controls are not
        assert at.radio(key="cnn_maps_model").value == "cnn_gap"
        assert not at.slider and not at.success
    link = _link(at)
    assert link.startswith("http://localhost:8501/Image_CNN?")
    shared = _params(link)
    assert {k: shared[k] for k in params} == params, "the Share link carries every control and the open tab"
    again = _open("pages/digits.py", shared)
    assert [m.value for m in again.metric] == verdicts
    assert _link(again) == link


def test_a_generation_link_sets_the_sampling_and_writes_the_same_text():
    params = {
        "gen_model": "causal CNN (fixed window)",
        "gen_temperature": "0.5",
        "gen_top_k": "5",
        "gen_seed": "7",
        "gen_length": "100",
        "gen_prime": "JULIET:\n",
    }
    at = _open("pages/charlm.py", params)
    assert at.radio(key="gen_model").value == "cnn"
    assert at.slider(key="gen_temperature").value == 0.5 and at.slider(key="gen_length").value == 100
    assert at.number_input(key="gen_top_k").value == 5 and at.number_input(key="gen_seed").value == 7
    assert at.text_area(key="gen_prime").value == "JULIET:\n"
    at.button(key="gen_go").click().run()
    first = at.session_state["gen_last"]["text"]
    assert len(first) == 100
    shared = _params(_link(at))
    assert {k: shared[k] for k in params} == params
    again = _open("pages/charlm.py", shared)
    again.button(key="gen_go").click().run()
    assert again.session_state["gen_last"]["text"] == first, "same link, same seed: the same text"


def test_a_caption_link_keeps_the_scene_and_the_beam():
    at = _open("pages/captions.py", {"captions_seed": "12345", "captions_beam": "5", "captions_objects": "2"})
    assert at.number_input(key="captions_seed").value == 12345 and at.slider(key="captions_beam").value == 5
    assert any(m.value.startswith("**Beam search, width 5:**") for m in at.markdown)
    truth = next(m.value for m in at.markdown if m.value.startswith("**True caption:**"))
    assert truth.count(" left of ") == 1, "two objects"
    at.button(key="captions_new").click().run()
    assert at.number_input(key="captions_seed").value != 12345, "New scene draws another number"
    shared = _params(_link(at))
    again = _open("pages/captions.py", shared)
    assert again.number_input(key="captions_seed").value == int(shared["captions_seed"])
    assert next(m.value for m in again.markdown if m.value.startswith("**True caption:**")) == next(
        m.value for m in at.markdown if m.value.startswith("**True caption:**")
    )


def test_bad_values_in_a_link_are_ignored_with_no_error():
    at = _open("pages/digits.py", {"cnn_sample": "no such sample", "cnn_side": "9999", "cnn_method": "<script>"})
    assert not at.error
    assert at.selectbox(key="cnn_method").value == "area" and at.slider(key="cnn_side").value == 48
    assert len(at.metric) == 3


@pytest.mark.parametrize("value", ["1", "true"])
def test_present_in_the_link_turns_presenter_mode_on_and_folds_the_summary(value):
    at = _open("pages/sentiment.py", {"present": value})
    assert at.toggle(key="talk_present_toggle").value is True
    assert "What this page shows" in [e.label for e in at.expander]
    folded = [e for e in at.expander if e.label == "Why"]
    assert folded and any("Each point is a model's verdict" in c.value for e in folded for c in e.caption), (
        "explanations under the results are folded"
    )
    assert _params(_link(at))["present"] == "1", "the Share link keeps presenter mode"
    at.toggle(key="talk_present_toggle").set_value(False).run()
    assert "What this page shows" not in [e.label for e in at.expander]
    assert "Why" not in [e.label for e in at.expander]
    assert any("Each point is a model's verdict" in c.value for c in at.caption)
    assert "present" not in _params(_link(at))


def test_typing_a_sentence_clears_the_example_picked_before():
    at = _open("pages/sentiment.py", {})
    at.selectbox(key="sentiment_example").set_value(at.selectbox(key="sentiment_example").options[1]).run()
    assert at.selectbox(key="sentiment_example").value is not None
    at.text_area(key="sentiment_text").input("My own words, not an example.").run()
    assert at.selectbox(key="sentiment_example").value is None
    assert _params(_link(at))["sentiment_text"] == "My own words, not an example."


def test_a_text_too_long_for_a_link_stays_out_and_the_qr_code_still_fits():
    essay = "A long and winding review of a film. " * 40  # 1,480 characters
    at = _open("pages/sentiment.py", {})
    at.text_area(key="sentiment_text").input(essay).run()
    assert not at.exception
    link = _link(at)
    assert "sentiment_text" not in _params(link) and len(link) < 500
    assert any("stay out of the link" in c.value for c in at.caption)
    assert [d.text for d in zxingcpp.read_barcodes(Image.open(io.BytesIO(share.qr_png(link))))] == [link]
