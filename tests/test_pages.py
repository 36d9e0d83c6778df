"""Every page under AppTest on the shipped weights, plus the image page's interactions."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

ROOT = Path(__file__).resolve().parents[1]
PAGES = sorted(str(p.relative_to(ROOT)) for p in (ROOT / "pages").glob("*.py"))
TIMEOUT = 180  # TensorFlow's import and the first model loads take seconds on 2 cores
SAMPLES = ROOT / "cnnrnn" / "samples"


def _app(path: str) -> AppTest:
    return AppTest.from_file(str(ROOT / path), default_timeout=TIMEOUT)


@pytest.mark.parametrize("page", ["streamlit_app.py", *PAGES])
def test_page_runs_without_exception(page):
    at = _app(page).run()
    assert not at.exception, [e.value for e in at.exception]
    assert at.title, "every page has a title"


def test_home_links_every_pattern_and_shows_the_manifest_table():
    at = _app("streamlit_app.py").run()
    headers = [h.value for h in at.subheader]
    for pattern in ("One to one", "One to many", "Many to one", "Many to many"):
        assert pattern in headers
    table = at.dataframe[0].value
    mnist = table[table["task"] == "mnist"].set_index("model")
    assert set(mnist.index) == {"cnn_fixed", "cnn_gap", "rnn_rows"}
    assert (mnist["test accuracy"] > 0.98).all()
    charlm = table[table["task"] == "charlm"].set_index("model")
    if len(charlm):  # the generators report loss per character, not accuracy
        assert charlm["held-out loss (nats/char)"].between(0.5, 3.0).all()
        assert charlm["test accuracy"].isna().all()


def test_home_renders_without_importing_tensorflow():
    code = (
        "import sys\n"
        "from streamlit.testing.v1 import AppTest\n"
        f"at = AppTest.from_file({str(ROOT / 'streamlit_app.py')!r}, default_timeout=60).run()\n"
        "assert not at.exception\n"
        "print('tensorflow' in sys.modules, 'keras' in sys.modules)\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120, cwd=ROOT)
    assert out.returncode == 0, out.stderr[-2000:]
    assert out.stdout.strip().splitlines()[-1] == "False False"


def _image_page() -> AppTest:
    at = _app("pages/digits.py").run()
    assert not at.exception
    return at


def _verdicts(at: AppTest) -> list[str]:
    return [m.value for m in at.metric]


def test_image_page_sample_gives_three_verdicts():
    at = _image_page()
    assert len(_verdicts(at)) == 3
    sample = at.selectbox(key="cnn_sample").value
    label = sample.rsplit(".", 1)[0].rsplit("_", 1)[-1]
    assert _verdicts(at)[0] == label, "the fixed CNN reads the first sample right"


def test_image_page_upload_predicts_the_digit():
    at = _image_page()
    at.segmented_control(key="cnn_source").set_value("Upload").run()
    assert not at.exception and not _verdicts(at)
    photo = next(SAMPLES.glob("photo_*"))
    at.file_uploader(key="cnn_upload").set_value((photo.name, photo.read_bytes(), "image/jpeg")).run()
    assert not at.exception, [e.value for e in at.exception]
    assert _verdicts(at)[0] == photo.stem.rsplit("_", 1)[-1]
    # The fixed CNN's real shape error is shown for a non-28 array.
    assert any("28x28" in m.value for m in at.markdown)
    assert at.code, "Keras's own error message is shown"


@pytest.mark.parametrize("name,payload", [
    ("notes.png", b"this is not an image at all"),
    ("empty.png", b""),
    ("cut.png", None),
])
def test_image_page_bad_upload_shows_a_message_and_keeps_working(name, payload):
    if payload is None:  # a truncated PNG: the first half of a real one
        real = next(SAMPLES.glob("*.png")).read_bytes()
        payload = real[: len(real) // 2]
    at = _image_page()
    at.segmented_control(key="cnn_source").set_value("Upload").run()
    at.file_uploader(key="cnn_upload").set_value((name, payload, "image/png")).run()
    assert not at.exception, [e.value for e in at.exception]
    assert at.error, "a clear message is shown"
    # The page still works: switching back to the samples predicts again.
    at.segmented_control(key="cnn_source").set_value("Samples").run()
    assert not at.exception and len(_verdicts(at)) == 3


def test_image_page_camera_input_predicts():
    at = _image_page()
    at.segmented_control(key="cnn_source").set_value("Camera").run()
    photo = next(SAMPLES.glob("photo_*"))
    at.camera_input(key="cnn_camera").set_value((photo.name, photo.read_bytes(), "image/jpeg")).run()
    assert not at.exception
    assert _verdicts(at)[0] == photo.stem.rsplit("_", 1)[-1]


def test_image_page_resize_controls_change_the_input():
    at = _image_page()
    at.selectbox(key="cnn_method").set_value("nearest").run()
    at.radio(key="cnn_aspect").set_value("stretch").run()
    assert not at.exception and len(_verdicts(at)) == 3
    at.slider(key="cnn_side").set_value(28).run()
    assert any("At 28x28 the fixed CNN runs" in s.value for s in at.success)
