"""The audience room in a real browser: a speaker opens a room, five phones draw a digit each and send it,
the speaker's screen shows them within 5 s, and a restarted server still has the room and its five.

Its own `streamlit run` (this test restarts it); the room's SQLite file is in CNNRNN_ROOM_DIR (tests/conftest.py
points it at a folder of this test run, which the restarted server reads again). Skipped only where no
Chromium exists and CNNRNN_REQUIRE_BROWSER is unset, as tests/test_browser.py is.
"""

from __future__ import annotations

import re
import time
from pathlib import Path

import pytest
from browser_support import ARTIFACTS, CHROMIUM, CHROMIUM_ARGS, SCREENSHOTS, close_notice, require_chromium, settle

ROOT = Path(__file__).resolve().parents[1]
pytestmark = pytest.mark.slow  # the whole-suite tier: a real server and Chromium
require_chromium()

from playwright.sync_api import expect, sync_playwright  # noqa: E402

from cnnrnn.browser import start_streamlit, wait_rendered  # noqa: E402

PHONE = {"width": 390, "height": 844}
PHONES = 5


def _digits_shown(page):
    return page.locator('[data-testid="stMetric"]').filter(has_text="Digits").locator('[data-testid="stMetricValue"]')


def _send_a_one(browser, link: str) -> list[str]:
    """A phone-sized context opens the audience link, draws a "1", says it is a 1, sends; the verdicts it sees."""
    context = browser.new_context(viewport=PHONE)
    page = context.new_page()
    try:
        page.goto(link)
        wait_rendered(page)
        close_notice(page)
        canvas = page.locator("canvas.upper-canvas")
        expect(canvas).to_have_count(1, timeout=30_000)
        page.get_by_role("radiogroup", name="Which digit is it?").get_by_text("1", exact=True).click()
        settle(page)
        box = canvas.bounding_box()
        assert box["x"] >= 0 and box["x"] + box["width"] <= PHONE["width"], box
        page.mouse.move(box["x"] + 140, box["y"] + 45)  # one stroke from top to bottom
        page.mouse.down()
        page.mouse.move(box["x"] + 134, box["y"] + 235, steps=25)
        page.mouse.up()
        settle(page)
        page.get_by_role("button", name="Send the digit").click()
        values = page.locator('[data-testid="stMetricValue"]')
        expect(values).to_have_count(3, timeout=90_000)
        expect(page.locator('[data-testid="stException"]')).to_have_count(0)
        return [v.inner_text().strip() for v in values.all()]
    except Exception:
        page.screenshot(path=str(ARTIFACTS / "room_phone.png"), full_page=True)
        raise
    finally:
        context.close()


def test_five_phones_send_digits_and_the_room_survives_a_restart(browser_room):
    browser, start = browser_room
    url = start()
    speaker = browser.new_context(viewport={"width": 1400, "height": 1000}).new_page()
    try:
        speaker.goto(f"{url}/Room")
        wait_rendered(speaker)
        close_notice(speaker)
        speaker.get_by_role("button", name="Open a room").click()
        heading = speaker.get_by_role("heading", name=re.compile(r"^Room [A-Z0-9]{4}-[A-Z0-9]{4}$"))
        expect(heading).to_be_visible(timeout=60_000)
        expect(speaker).to_have_url(re.compile(r"room=[A-Z0-9]{8}&key="))
        link = speaker.locator('[data-testid="stCode"]').first.inner_text().strip()
        code = re.search(r"room=([A-Z0-9]{8})", speaker.url).group(1)
        assert link.endswith(f"/Room?room={code}") and "key=" not in link, link
        expect(speaker.locator('[data-testid="stImage"] img').first).to_be_visible()  # the QR code
        expect(_digits_shown(speaker)).to_have_text("0", timeout=30_000)
        seen = [_send_a_one(browser, link) for _ in range(PHONES)]
        sent_at = time.monotonic()
        # Within 5 s of the last: five submissions, the accuracy and the confusion matrix.
        expect(_digits_shown(speaker)).to_have_text(str(PHONES), timeout=5_000)
        charts = speaker.locator('[data-testid="stVegaLiteChart"]')
        expect(charts).to_have_count(2, timeout=max(100, int((5 - (time.monotonic() - sent_at)) * 1000)))
        expect(speaker.get_by_text(re.compile(rf"RNN over rows: \d of {PHONES} right"))).to_be_visible(timeout=1_000)
        fixed_right = sum(v[0] == "1" for v in seen)
        expect(speaker.get_by_text(re.compile(rf"\(Flatten\): {fixed_right} of {PHONES} right"))).to_be_visible(
            timeout=1_000
        )
        # A click on a cell of the matrix (drew 1, the fixed CNN read 1) shows those drawings.
        charts.nth(1).scroll_into_view_if_needed()  # a click lands only inside the screen
        matrix = charts.nth(1).bounding_box()
        speaker.mouse.click(matrix["x"] + matrix["width"] * 0.2, matrix["y"] + matrix["height"] * 0.25)
        expect(speaker.get_by_text(f"Drew 1, read as 1: {fixed_right} drawing", exact=False)).to_be_visible(
            timeout=10_000
        )
        speaker.screenshot(path=str(ARTIFACTS / "room_speaker.png"), full_page=True)
        speaker.screenshot(path=str(SCREENSHOTS / "Room_speaker.jpg"), type="jpeg", quality=70)
        speaker_query = speaker.url.split("?", 1)[1]

        # Restart the server: the room and its five submissions are still there.
        url = start()
        speaker.goto(f"{url}/Room?{speaker_query}")
        wait_rendered(speaker)
        close_notice(speaker)
        expect(heading).to_be_visible(timeout=60_000)
        expect(_digits_shown(speaker)).to_have_text(str(PHONES), timeout=30_000)
        expect(speaker.locator('[data-testid="stVegaLiteChart"]')).to_have_count(2, timeout=30_000)
        expect(speaker.locator('[data-testid="stException"]')).to_have_count(0)
    except Exception:
        speaker.screenshot(path=str(ARTIFACTS / "room_speaker_failed.png"), full_page=True)
        raise
    finally:
        speaker.context.close()


@pytest.fixture
def browser_room():
    """(browser, start): start() (re)starts `streamlit run` and returns its url; both stop at the end."""
    ARTIFACTS.mkdir(exist_ok=True)
    servers = []
    log = open(ARTIFACTS / "streamlit_room.log", "w")

    def start() -> str:
        while servers:
            old = servers.pop()
            old.terminate()
            old.wait(timeout=30)
        try:
            proc, url = start_streamlit(90, log)
        except RuntimeError as error:
            pytest.fail(str(error))
        servers.append(proc)
        return url

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM,
            headless=True,
            args=CHROMIUM_ARGS,
        )
        try:
            yield browser, start
        finally:
            browser.close()
            for proc in servers:
                proc.terminate()
                proc.wait(timeout=30)
            log.close()
