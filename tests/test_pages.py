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
