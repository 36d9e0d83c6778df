"""Opening the app as a visitor does, under AppTest: Home first, then a page through the navigation."""

from __future__ import annotations

import json
from pathlib import Path

from streamlit.testing.v1 import AppTest

ROOT = Path(__file__).resolve().parents[2]
APP = str(ROOT / "streamlit_app.py")
TIMEOUT = 180  # TensorFlow's import and the first model loads take seconds on 2 cores


def open_app(timeout: int = TIMEOUT) -> AppTest:
    """The app run once from its entry point (Home), with no exception."""
    at = AppTest.from_file(APP, default_timeout=timeout).run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def open_page(page: str, timeout: int = TIMEOUT) -> AppTest:
    """The app opened at Home, then switched to `page` (e.g. "pages/digits.py"), with no exception."""
    at = open_app(timeout)
    at.switch_page(page).run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def chart_titles(at: AppTest) -> list[str | None]:
    """One title per Altair chart, in page order: the chart's own, or its first layer's."""
    titles = []
    for chart in at.get("vega_lite_chart"):
        spec = json.loads(chart.proto.spec)
        title = spec.get("title") or (spec.get("layer") or [{}])[0].get("title")
        titles.append(title.get("text") if isinstance(title, dict) else title)
    return titles


def run_until_trained(at: AppTest, job_key: str, timeout: float = 240.0, poll: float = 0.5) -> AppTest:
    """Rerun the page as its polling fragment does (every `poll` s) until the training run in
    st.session_state[job_key] has ended and the page has drawn the result (AppTest runs no timers).
    """
    import time

    deadline = time.monotonic() + timeout
    while job_key in at.session_state and at.session_state[job_key] is not None:
        assert not at.exception, [e.value for e in at.exception]
        assert time.monotonic() < deadline, f"the training run did not end within {timeout:.0f} s"
        time.sleep(poll)
        at.run()
    return at
