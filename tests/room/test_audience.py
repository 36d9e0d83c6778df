"""Simulated phones (`cnnrnn.audience`): Streamlit's own protocol, checked against a real browser, and the audience
benchmark (`python -m cnnrnn bench --audience N`) on a small room."""

from __future__ import annotations

import base64
import io
import json
import re

import numpy as np
import pytest
from cli import run_cli
from PIL import Image, ImageDraw

from cnnrnn.audience import TARGETS, _key_of, canvas_value, format_audience


def test_the_canvas_value_is_the_drawing_as_a_png_data_url():
    drawing = np.zeros((280, 280), np.uint8)
    drawing[40:240, 130:150] = 255
    state = json.loads(canvas_value(drawing))
    url = state["drawing"]["data"]
    assert url.startswith("data:image/png;base64,")
    back = np.asarray(Image.open(io.BytesIO(base64.b64decode(url.split(",", 1)[1]))))
    assert back.shape == (280, 280, 4) and (back[..., 0] == drawing).all() and (back[..., 3] == 255).all()


def test_a_widget_id_gives_back_the_key_the_page_chose():
    assert _key_of("$$ID-5179a7c724f2b9a6950c31d83874927a-room_join_code") == "room_join_code"
    assert _key_of("$$ID-d2e7-FormSubmitter:room_join-Join") == "FormSubmitter:room_join-Join"
    assert _key_of("no-key-here") is None


def test_the_table_says_which_counts_held_and_why_not():
    run = {"phones": 100, "joined": 98, "join_max_s": None, "send_p50_s": 0.4, "send_p95_s": 2.6, "errors": 2}
    run |= {"join_window_s": 15.0}
    browsers = {"phones": 10, "joined": 10, "join_max_s": 16.1, "browsers": 4, "join_window_s": 15.0}
    browsers |= {"browser_send_p50_s": 0.5, "browser_send_p95_s": 0.9, "simulated_send_p50_s": 0.2}
    text = format_audience(
        {"runs": [run | {"error_messages": ["x"]}, browsers], "largest_holding": None, "targets": TARGETS}
    )
    lines = text.splitlines()
    assert lines[0].split()[:2] == ["phones", "joined"]
    assert lines[1].split()[:5] == ["100", "over", "15.0", "s", "98"] and lines[1].split()[5] == "-"
    assert lines[2].split()[:9] == ["10", "(4", "in", "browsers)", "over", "15.0", "s", "10", "16.1"]
    assert "10 phones: send p50/p95 0.5/0.9 s in the 4 browsers, 0.2/- s in the simulated phones" in text
    assert "send p95 at most 2 s" in text and "largest phone count that held them: none of those tried" in text
    assert "error (100 phones): x" in text


def test_the_json_summary_has_the_largest_room_at_its_top_and_every_room_in_runs():
    from cnnrnn.audience import audience_summary

    rooms = [{"phones": n, "send_p95_s": 0.1 * n, "holds": n < 100} for n in (10, 100, 50)]
    summary = audience_summary(rooms)
    assert summary["phones"] == 100 and summary["send_p95_s"] == 10.0 and summary["runs"] == rooms
    assert summary["largest_holding"] == 50 and summary["targets"] == TARGETS


def test_a_count_of_no_phones_is_refused_in_one_line():
    out = run_cli("bench", "--audience", "10,0", timeout=120)
    assert out.returncode == 2 and "Traceback" not in out.stderr
    assert out.stderr.strip() == (
        "error: --audience takes phone counts of at least 1, separated by commas (e.g. 10,50,100)"
    )


# --- Against a real server ---------------------------------------------------------------------------------------


def _stroke() -> np.ndarray:
    """The stroke the browser test draws (tests/test_browser_room.py): top to bottom, 18 px wide, on the canvas."""
    image = Image.new("L", (280, 280), 0)
    ImageDraw.Draw(image).line([(140, 45), (134, 235)], fill=255, width=18)
    return np.asarray(image)


@pytest.mark.slow  # a real server and Chromium
def test_a_simulated_phone_gets_the_verdicts_a_browser_phone_gets(tmp_path):
    from browser_support import CHROMIUM, CHROMIUM_ARGS, close_notice, require_chromium, settle

    require_chromium()
    from playwright.sync_api import expect, sync_playwright

    from cnnrnn.audience import Session
    from cnnrnn.browser import start_streamlit, wait_rendered
    from cnnrnn.tasks.room import store
    from cnnrnn.tasks.room.limits import PER_MINUTE
    from cnnrnn.tasks.room.ui import engine

    code, key = store.open_room(engine())
    with open(tmp_path / "server.log", "w") as log:
        server, url = start_streamlit(120, log)
    try:
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
            page = browser.new_page(viewport={"width": 390, "height": 844})
            page.goto(f"{url}/Room?room={code}")
            wait_rendered(page)
            close_notice(page)
            page.locator(".st-key-room_what").get_by_text("A sentence", exact=True).click()
            settle(page)
            page.get_by_label("Your sentence").fill("not worth the ticket")
            page.get_by_role("radiogroup", name="Is it positive or negative?").get_by_text("negative").click()
            settle(page)
            page.get_by_role("button", name="Send the sentence").click()
            values = page.locator('[data-testid="stMetricValue"]')
            expect(values).to_have_count(2, timeout=90_000)
            in_browser = [v.inner_text().strip() for v in values.all()]
            browser.close()
        with Session(url, "Room", f"room={code}") as phone:
            first = phone.open()
            assert not first.exceptions and "room_send_digit" in phone.widgets
            phone.send({"room_what": ["A sentence"]})
            typed = {"room_sentence_0": "not worth the ticket", "room_said_0": "negative"}
            sent = phone.send(typed, "room_send_sentence")
            assert [value for _, value in sent.metrics()] == in_browser
            assert any(text.startswith("**Sent: a negative sentence.**") for text in sent.texts("markdown"))
            phone.send({"room_what": ["A digit"]})
            drawn = phone.send({"room_canvas_1": canvas_value(_stroke()), "room_label_1": "1"}, "room_send_digit")
            assert [value for _, value in drawn.metrics()] == ["1", "1", "1"], drawn.metrics()
            assert not sent.exceptions and not drawn.exceptions
            with pytest.raises(KeyError, match="no widget with key 'room_nothing'"):
                phone.send({"room_nothing": 1})
            # Bad input at scale. A connection dropped mid-send: the send is not acknowledged, and after the
            # phone reconnects the room holds it at most once.
            phone.send({"room_what": ["A sentence"]})
            phone.values.update({phone.key("room_sentence_"): "dropped mid-send", phone.key("room_said_"): "negative"})
            phone.socket.send(phone._message("room_send_sentence"))
            phone.close()
            phone.reconnect()
            # A phone flooding sends: the first PER_MINUTE of its new session are acknowledged, the rest told why.
            phone.send({"room_what": ["A sentence"]})
            told = []
            for i in range(PER_MINUTE + 2):
                typed = {phone.key("room_sentence_"): f"flood {i}", phone.key("room_said_"): "positive"}
                run = phone.send(typed, "room_send_sentence")
                assert not run.exceptions
                told.append("acknowledged" if len(run.metrics()) == 2 else " ".join(run.texts("alert")))
            assert told[:PER_MINUTE] == ["acknowledged"] * PER_MINUTE, told
            assert all(
                t.startswith(f"Slow down: one phone may send {PER_MINUTE} submissions a minute")
                for t in told[PER_MINUTE:]
            )
            # The room closed while phones send: the phone is told, and nothing more is stored.
            before = len(store.submissions(engine(), code))
            assert store.close_room(engine(), code, key)
            closed = phone.send()
            assert any("The speaker has closed this room" in t for t in closed.texts()), closed.texts()
            assert len(store.submissions(engine(), code)) == before
        rows = store.submissions(engine(), code)
        assert sum(row["sentence"] == "dropped mid-send" for row in rows) <= 1, "stored twice"
        assert sorted(row["sentence"] for row in rows if (row["sentence"] or "").startswith("flood")) == sorted(
            f"flood {i}" for i in range(PER_MINUTE)
        )
        assert [row["kind"] for row in rows].count("digit") == 1
    finally:
        server.terminate()
        server.wait(timeout=30)


@pytest.mark.slow  # a real server, Chromium and a room of phones
def test_the_audience_benchmark_counts_every_phone_and_every_send():
    from cnnrnn.audience import bench_audience

    # One of the three phones a real browser (it draws a 1 and types a sentence), two simulated; the room fills
    # while the server warms (wait_warm=False: the suite's time).
    result = bench_audience(3, sends=2, join_window=2.0, think=(0.3, 0.8), browsers=1, wait_warm=False)
    assert result["joined"] == 3 and result["submissions"] == 6 and result["shown"] == 6, result
    assert result["browsers"] == 1 and result["browser_send_p50_s"] > 0 and result["simulated_send_p50_s"] > 0
    steps = ["first run", "scripts and styles", "a drawn digit", "the switch to a sentence", "a sentence"]
    assert list(result["phone_cost_cpu_s"]) == steps and all(v > 0 for v in result["phone_cost_cpu_s"].values())
    assert result["errors"] == 0 and result["exceptions"] == 0, result["error_messages"]
    assert 0 < result["send_p50_s"] <= result["send_p95_s"] <= result["send_max_s"]
    assert result["speaker_lag_max_s"] is not None and result["server_cpu_s"] > 0 and result["server_peak_mb"] > 100
    assert isinstance(result["holds"], bool)
    assert re.fullmatch(r"\d+", str(result["machine_cores"]))
