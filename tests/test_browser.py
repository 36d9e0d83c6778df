"""Real-browser tests: `streamlit run` on a free port, driven by Playwright in Debian's Chromium.

Skipped only where no Chromium exists and CNNRNN_REQUIRE_BROWSER is unset; CI sets it.
A failing test saves a screenshot under test-artifacts/.
"""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest
from browser_support import ARTIFACTS, CHROMIUM, CHROMIUM_ARGS, SCREENSHOTS, close_notice, require_chromium, settle

ROOT = Path(__file__).resolve().parents[1]
pytestmark = pytest.mark.slow  # the whole-suite tier: a real server and Chromium
require_chromium()

from playwright.sync_api import expect, sync_playwright  # noqa: E402

from cnnrnn.browser import locate, start_streamlit, wait_rendered  # noqa: E402
from cnnrnn.core.weights import read_manifest  # noqa: E402
from cnnrnn.tasks import page_tasks  # noqa: E402


@pytest.fixture(scope="module")
def server():
    ARTIFACTS.mkdir(exist_ok=True)
    for name in ("widths.txt", "phone_key_results.txt", "present_key_results.txt"):  # appended to by this module
        (ARTIFACTS / name).unlink(missing_ok=True)
    with open(ARTIFACTS / "streamlit.log", "w") as log:
        try:
            proc, url = start_streamlit(90, log)
        except RuntimeError as error:
            pytest.fail(str(error))
        yield url
        proc.terminate()
        try:  # A fresh server stops on SIGTERM in about 2 s; after this module's live runs it took 40 s, waited
            # for nothing (its log has been read by then): killed after 10.
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(timeout=30)


@pytest.fixture(scope="module")
def browser():
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM,
            headless=True,
            args=CHROMIUM_ARGS,
        )
        yield browser
        browser.close()


@pytest.fixture
def page(browser, request):
    context = browser.new_context(viewport={"width": 1400, "height": 1000})
    page = context.new_page()
    yield page
    if getattr(request.node, "rep_call", None) is not None and request.node.rep_call.failed:
        page.screenshot(path=str(ARTIFACTS / f"{request.node.name}.png"), full_page=True)
    context.close()


def test_a_link_to_a_page_opens_that_page_on_a_fresh_server(browser, tmp_path):
    """The first visitor of a cold server who follows a shared link sees the page, with no "Page not found" box."""
    with open(tmp_path / "streamlit.log", "w") as log:
        proc, url = start_streamlit(90, log)
        try:
            context = browser.new_context(viewport={"width": 1280, "height": 720})
            page = context.new_page()
            page.goto(f"{url}/Sequence_Lab?seqlab_epochs_a=3")
            wait_rendered(page)
            expect(page.get_by_role("heading", name="Sequence lab: CNN against GRU on MNIST-1D")).to_be_visible()
            page.wait_for_timeout(1500)  # the box, when it comes, comes with the first messages
            expect(page.get_by_role("dialog").filter(has_text="Page not found")).to_have_count(0)
            expect(page.get_by_role("slider", name="Epochs").first).to_have_attribute("aria-valuetext", "3")
            context.close()
        finally:
            proc.terminate()
            proc.wait(timeout=20)


def test_a_model_page_opened_at_once_on_a_cold_server_says_what_loads_then_shows_its_result(browser, tmp_path):
    """Warm start on (CNNRNN_WARM=1): the first visitor opens Sentiment while the start-up thread still imports
    and loads models; the page shows a spinner that says what is loading (never a blank page), then verdicts."""
    with open(tmp_path / "streamlit.log", "w") as log:
        proc, url = start_streamlit(90, log, env={"CNNRNN_WARM": "1"})
        try:
            context = browser.new_context(viewport={"width": 1280, "height": 720})
            page = context.new_page()
            page.goto(f"{url}/Sentiment")
            notice = page.locator('[data-testid="stSpinner"]').filter(has_text="Loading")
            expect(notice.first).to_be_visible(timeout=60_000)
            assert "Loading" in notice.first.inner_text()
            _expect_verdicts(page, "positive")  # the example sentence shown first is a warm review
            wait_rendered(page)
            expect(page.locator('[data-testid="stSpinner"]')).to_have_count(0)
            _no_exception(page)
            context.close()
        finally:
            proc.terminate()
            proc.wait(timeout=20)


def _expect_verdicts(page, verdict: str, timeout: int = 90_000):
    """The sentiment page's two verdicts, the RNN's ("any length") and the CNN's ("fixed length"), both read
    `verdict`."""
    metrics = page.locator('[data-testid="stMetric"]')
    for label in ("any length", "fixed length"):
        expect(metrics.filter(has_text=label).locator('[data-testid="stMetricValue"]')).to_have_text(
            verdict, timeout=timeout
        )


def _no_exception(page):
    expect(page.locator('[data-testid="stException"]')).to_have_count(0)


def test_home_page_loads_with_the_four_patterns(server, page):
    page.goto(server)
    expect(page.get_by_text("CNN vs RNN, side by side")).to_be_visible(timeout=30_000)
    for pattern in ("One to one", "One to many", "Many to one", "Many to many"):
        expect(page.get_by_text(pattern, exact=True)).to_be_visible()
    _no_exception(page)


def test_image_page_upload_reads_the_digit(server, page):
    page.goto(f"{server}/Image_CNN")
    # Streamlit's markdown turns "->" into an arrow.
    expect(page.get_by_role("heading", name="One to one: image → label")).to_be_visible(timeout=60_000)
    page.get_by_role("radio", name="Upload", exact=True).click()
    photo = next((ROOT / "cnnrnn" / "tasks" / "digits" / "samples").glob("photo_*"))
    page.locator('input[type="file"]').set_input_files(str(photo))
    values = page.locator('[data-testid="stMetricValue"]')
    expect(values).to_have_count(3, timeout=90_000)
    assert values.first.inner_text().strip() == photo.stem.rsplit("_", 1)[-1]
    _no_exception(page)


def test_sentiment_page_typed_sentence_gets_verdicts(server, page):
    page.goto(f"{server}/Sentiment")
    expect(page.get_by_role("heading", name="Many to one: sentence → sentiment")).to_be_visible(timeout=60_000)
    _expect_verdicts(page, "positive")  # the example sentence shown first is a warm review
    box = page.get_by_role("textbox", name="Your sentence")
    box.fill("A dull, boring and lifeless film. A total waste of time.")
    box.press("Control+Enter")  # Streamlit's text area applies its value on Ctrl+Enter
    _expect_verdicts(page, "negative")
    _no_exception(page)


def test_generation_page_streams_generated_text(server, page):
    page.goto(f"{server}/Generation")
    expect(page.locator("h1").filter(has_text="Many to many")).to_be_visible(timeout=60_000)
    page.get_by_role("button", name="Generate", exact=True).click()
    expect(page.get_by_text("characters per second", exact=False)).to_be_visible(timeout=90_000)
    written = page.locator('[data-testid="stMarkdownContainer"]').filter(has_text="ROMEO:")
    text = written.first.inner_text()
    assert text.startswith("ROMEO:") and len(text) > 300, text[:200]
    _no_exception(page)


def test_generation_page_writes_tang_poems_in_chinese(server, page):
    """The poems side by side, each line checked; the screenshot shows Chinese (CI installs fonts-noto-cjk)."""
    import re

    page.goto(f"{server}/Generation")
    expect(page.locator("h1").filter(has_text="Many to many")).to_be_visible(timeout=60_000)
    close_notice(page)
    page.get_by_role("radio", name="Tang poems", exact=True).click()
    write = page.get_by_role("button", name="Write a poem", exact=True)
    expect(write).to_be_visible(timeout=90_000)
    settle(page)
    write.click()
    verdicts = page.get_by_text(re.compile(r"(carries its state|fixed window)\): (In|Out of) form"))
    expect(verdicts).to_have_count(2, timeout=90_000)
    poems = page.locator('[data-testid="stMarkdownContainer"]').filter(
        has_text=re.compile(r"^[\u4e00-\u9fff]+[，。？！；]")
    )
    text = poems.first.inner_text()
    assert sum("\u4e00" <= c <= "\u9fff" for c in text) >= 10, text
    poems.first.scroll_into_view_if_needed()
    page.screenshot(path=str(ARTIFACTS / "tang_poems.png"))
    _no_exception(page)


def test_translation_page_translates_a_typed_sentence_three_ways(server, page):
    """Typed English: three translations side by side and the two attention heat maps."""
    page.goto(f"{server}/Translation")
    expect(page.get_by_role("heading", name="Many to many: English → French")).to_be_visible(timeout=60_000)
    codes = page.locator('[data-testid="stCode"]')
    expect(codes).to_have_count(3, timeout=90_000)
    first = [codes.nth(i).inner_text() for i in range(3)]
    box = page.get_by_role("textbox", name="English")
    box.fill("Where is the train station?")
    box.press("Control+Enter")
    expect(codes.nth(1)).not_to_have_text(first[1], timeout=60_000)
    expect(codes).to_have_count(3, timeout=60_000)
    assert "gare" in codes.nth(1).inner_text().lower()
    # Two attention heat maps, the fixed vector, and the held-out charts (BLEU by length, latency...).
    expect(page.get_by_text("Each row is one French token as it was written")).to_be_visible(timeout=30_000)
    charts = page.locator('[data-testid="stVegaLiteChart"]')
    expect(charts.first).to_be_visible(timeout=30_000)
    assert charts.count() >= 5
    page.screenshot(path=str(ARTIFACTS / "translation.png"))
    _no_exception(page)


def test_captioning_page_new_scene_gets_a_caption(server, page):
    import re

    from cnnrnn.tasks.captions.data import caption_is_valid

    page.goto(f"{server}/Captioning")
    expect(page.get_by_role("heading", name="One to many: image → sentence")).to_be_visible(timeout=60_000)
    greedy = page.locator("p").filter(has_text=re.compile(r"^Greedy decoding:"))
    expect(greedy).to_have_count(1, timeout=90_000)
    scene = page.get_by_text(re.compile(r"^Scene \d+ \(generated"))
    expect(scene).to_be_visible()
    before = scene.inner_text()
    page.get_by_role("button", name="New scene").click()
    expect(scene).not_to_have_text(before, timeout=60_000)
    expect(greedy).to_have_count(1, timeout=60_000)
    caption = greedy.inner_text().split(":", 1)[1].strip()
    assert caption_is_valid(caption), caption
    _no_exception(page)


def _scribble_disc(page, box, cx: int, cy: int, radius: int, step: int = 9):
    """Fill a disc with one zigzag brush stroke, the way a person colours a circle in."""
    page.mouse.move(box["x"] + cx, box["y"] + cy - radius)
    page.mouse.down()
    for y in range(cy - radius, cy + radius + 1, step):
        half = int(max(radius**2 - (y - cy) ** 2, 0) ** 0.5)
        page.mouse.move(box["x"] + cx - half, box["y"] + y, steps=3)
        page.mouse.move(box["x"] + cx + half, box["y"] + y, steps=6)
    page.mouse.up()


def test_captioning_page_reads_a_scene_drawn_on_the_canvas(server, page):
    import re

    page.goto(f"{server}/Captioning")
    expect(page.get_by_role("heading", name="One to many: image → sentence")).to_be_visible(timeout=60_000)
    page.get_by_role("radio", name="Draw", exact=True).click()
    settle(page)
    page.get_by_role("radiogroup", name="Shape tool").get_by_text("brush", exact=True).click()
    canvas = page.locator("canvas.upper-canvas")
    expect(canvas).to_have_count(1, timeout=30_000)
    settle(page)
    box = canvas.bounding_box()
    _scribble_disc(page, box, 90, 160, 42)  # a large red circle (red is the first colour)
    settle(page)
    page.get_by_role("radiogroup", name="Colour").get_by_text("blue", exact=True).click()
    settle(page)
    page.get_by_role("radiogroup", name="Shape tool").get_by_text("square", exact=True).click()
    settle(page)
    box = canvas.bounding_box()
    page.mouse.move(box["x"] + 215, box["y"] + 180)  # a small blue square, dragged corner to corner
    page.mouse.down()
    page.mouse.move(box["x"] + 262, box["y"] + 227, steps=10)
    page.mouse.up()
    greedy = page.locator("p").filter(has_text=re.compile(r"^Greedy decoding:"))
    expect(greedy).to_have_text(re.compile("a large red circle left of a small blue square$"), timeout=90_000)
    _no_exception(page)


def _set_slider(page, label: str, value: int, nth: int = 0):
    """Move a Streamlit slider with the keyboard (Home, then the right arrow) to `value`."""
    wait_rendered(page)  # keys pressed while the script still runs can land on a slider being redrawn
    slider = page.get_by_role("slider", name=label).nth(nth)
    for _attempt in range(3):
        slider.focus()
        slider.press("Home")
        low = int(slider.get_attribute("min") or slider.get_attribute("aria-valuemin") or 0)
        for _ in range(value - low):
            slider.press("ArrowRight")
        settle(page)
        if slider.get_attribute("aria-valuetext") == str(value):
            break
    expect(slider).to_have_attribute("aria-valuetext", str(value))


def test_sequence_lab_stop_ends_a_long_run_and_keeps_what_it_reached(server, page):
    """Both models train live in the browser (their progress drawn epoch by epoch); Stop ends the long one and keeps
    what both reached. (A run that ends by itself is the offline crawl's: tests/test_offline.py.)"""
    import re

    page.goto(f"{server}/Sequence_Lab")
    expect(page.get_by_role("heading", name="Sequence lab: CNN against GRU on MNIST-1D")).to_be_visible(timeout=90_000)
    # Model A: the CNN for 1 epoch; model B: the GRU for 40 (minutes of training unless stopped).
    _set_slider(page, "Epochs", 1, nth=0)
    _set_slider(page, "Epochs", 40, nth=1)
    settle(page)
    page.get_by_role("button", name="Train both").click()
    gru = page.locator('[data-testid="stProgress"]').filter(has_text=re.compile(r"epoch [1-9] of 40"))
    expect(gru).to_be_visible(timeout=120_000)
    page.get_by_role("button", name="Stop").click()
    expect(page.get_by_text("Stopped. What the runs reached so far")).to_be_visible(timeout=60_000)
    settle(page)
    expect(gru).to_have_count(0)  # no more epochs are drawn: the run ended
    expect(page.get_by_role("button", name="Clear my runs")).to_be_visible()  # both runs were kept
    _no_exception(page)
    assert not page.locator('[data-testid="stAlertContentError"]').count()


def test_image_page_reads_a_digit_drawn_on_the_canvas(server, page):
    page.goto(f"{server}/Image_CNN")
    expect(page.get_by_role("heading", name="One to one: image → label")).to_be_visible(timeout=60_000)
    page.get_by_role("radio", name="Draw", exact=True).click()
    canvas = page.locator("canvas.upper-canvas")
    expect(canvas).to_have_count(1, timeout=30_000)
    settle(page)
    expect(page.get_by_text("draw a digit", exact=False)).to_be_visible()  # nothing drawn yet
    box = canvas.bounding_box()
    page.mouse.move(box["x"] + 145, box["y"] + 45)  # a "1": one stroke from top to bottom
    page.mouse.down()
    page.mouse.move(box["x"] + 138, box["y"] + 235, steps=25)
    page.mouse.up()
    values = page.locator('[data-testid="stMetricValue"]')
    expect(values).to_have_count(3, timeout=90_000)
    readings = [v.inner_text().strip() for v in values.all()]
    assert readings.count("1") >= 2, readings
    _no_exception(page)


def test_generation_page_trains_your_own_model_and_stops_when_asked(server, page):
    import re

    page.goto(f"{server}/Generation")
    expect(page.locator("h1").filter(has_text="Many to many")).to_be_visible(timeout=60_000)
    page.get_by_role("radio", name="Sample", exact=True).click()
    train = page.get_by_role("button", name="Train", exact=True)
    expect(train).to_be_visible(timeout=60_000)
    settle(page)
    train.click()  # 90 s of training by default: the Stop button ends it early
    progress = page.locator('[data-testid="stProgress"]').filter(has_text=re.compile(r"step [1-9]"))
    expect(progress).to_be_visible(timeout=120_000)
    page.get_by_role("button", name="Stop").click()
    done = page.get_by_text(re.compile(r"Your LSTM: [\d,]+ steps.*\(stopped by you\)"))
    expect(done).to_be_visible(timeout=60_000)
    expect(page.get_by_role("button", name="Keep training")).to_be_visible()
    _no_exception(page)


def test_two_sessions_on_one_page_see_their_own_results(server, browser):
    """Two browsers on the sentiment page at once: each sees the verdict for its own sentence."""
    from cnnrnn.tasks.sentiment.text import tokenize

    sentences = {
        "negative": "A dull, boring and lifeless film. A total waste of time.",
        "positive": "A warm, funny and wonderful film. I loved every minute of it.",
    }
    contexts = {label: browser.new_context(viewport={"width": 1400, "height": 1000}) for label in sentences}
    try:
        pages = {label: context.new_page() for label, context in contexts.items()}
        for tab in pages.values():
            tab.goto(f"{server}/Sentiment")
        for label, tab in pages.items():
            expect(tab.get_by_role("heading", name="Many to one: sentence → sentiment")).to_be_visible(timeout=60_000)
            tab.get_by_role("textbox", name="Your sentence").fill(sentences[label])
        for tab in pages.values():  # both submitted before either is checked
            tab.get_by_role("textbox", name="Your sentence").press("Control+Enter")
        for label, tab in pages.items():
            _expect_verdicts(tab, label)
            expect(tab.get_by_role("textbox", name="Your sentence")).to_have_value(sentences[label])
            kept = tab.locator('[data-testid="stMetric"]').filter(has_text="Words kept")
            expect(kept.locator('[data-testid="stMetricValue"]')).to_have_text(str(len(tokenize(sentences[label]))))
            _no_exception(tab)
    except Exception:
        for label, tab in pages.items():
            tab.screenshot(path=str(ARTIFACTS / f"two_sessions_{label}.png"), full_page=True)
        raise
    finally:
        for context in contexts.values():
            context.close()


def _hostile_uploads():
    import io as _io

    import digit_photos as digits
    from PIL import Image

    good = _io.BytesIO()
    Image.new("RGB", (120, 120), "white").save(good, "JPEG")
    white = _io.BytesIO()
    Image.new("RGB", (120, 120), "white").save(white, "PNG")
    return [
        ("Image_CNN", "Upload", "bomb.png", digits.png_header_only(50_000, 50_000), "megapixels"),
        ("Image_CNN", "Upload", "notes.png", b"Dear diary, this is not a picture.\n" * 40, "not an image"),
        ("Image_CNN", "Upload", "cut.jpg", good.getvalue()[:300], "damaged|truncated"),
        ("Image_CNN", "Upload", "empty.png", b"", "empty"),
        ("Captioning", "Upload", "bomb.png", digits.png_header_only(50_000, 50_000), "megapixels"),
        ("Captioning", "Upload", "blank.png", white.getvalue(), "blank"),
        ("Generation", None, "binary.txt", bytes(range(256)) * 40, "binary"),
        (
            "Generation",
            None,
            "latin1.txt",
            "Caf\u00e9 cr\u00e8me br\u00fbl\u00e9e. ".encode("latin-1") * 40,
            "not UTF-8",
        ),
    ]


@pytest.mark.parametrize(
    "path, segment, name, data, message",
    _hostile_uploads(),
    ids=lambda v: v if isinstance(v, str) and len(v) < 20 else None,
)
def test_hostile_uploads_get_a_message_not_a_traceback(server, page, path, segment, name, data, message):
    import re

    page.goto(f"{server}/{path}")
    expect(page.locator("h1").first).to_be_visible(timeout=90_000)
    if segment:
        page.get_by_role("radio", name=segment, exact=True).click()
    uploader = page.locator('input[type="file"]')
    expect(uploader).to_have_count(1, timeout=30_000)
    mime = "text/plain" if name.endswith(".txt") else "image/png"
    uploader.set_input_files({"name": name, "mimeType": mime, "buffer": data})
    error = page.locator('[data-testid="stAlertContentError"]')
    expect(error).to_have_text(re.compile(message), timeout=90_000)
    assert "Traceback" not in error.inner_text()
    _no_exception(page)


def test_sentiment_page_reads_the_first_20000_characters_of_100000_words(server, page):
    page.goto(f"{server}/Sentiment")
    expect(page.get_by_role("heading", name="Many to one: sentence → sentiment")).to_be_visible(timeout=60_000)
    box = page.get_by_role("textbox", name="Your sentence")
    text = "A dull and lifeless film. " + "boring " * 100_000
    box.fill(text)
    box.press("Control+Enter")
    notice = page.get_by_text(f"The text has {len(text):,} characters; only the first", exact=False)
    expect(notice).to_be_visible(timeout=90_000)
    _expect_verdicts(page, "negative")
    _no_exception(page)


def test_generation_page_shows_typed_markup_as_text(server, page):
    """'Read my text' colours each character in HTML: what a person types must stay text."""
    page.goto(f"{server}/Generation")
    expect(page.locator("h1").filter(has_text="Many to many")).to_be_visible(timeout=60_000)
    box = page.get_by_role("textbox", name="A text for both models to read")
    hostile = "<b>bold</b> <img src=x onerror=\"document.title='pwned'\"> &amp; <script>x=1</script>"
    box.fill(hostile)
    box.press("Control+Enter")
    coloured = page.locator('div[style*="ui-monospace"]')
    expect(coloured).to_have_count(2, timeout=90_000)  # one per model
    for i in range(2):
        expect(coloured.nth(i)).to_have_text(hostile, timeout=90_000)
        expect(coloured.nth(i).locator("b, img, script")).to_have_count(0)
    assert page.title() != "pwned"
    _no_exception(page)


# --- Made for a talk, a classroom and a phone (issue 16) ------------------------------------------------

VIEWPORTS = ((1400, 1000), (1280, 720), (390, 844))

# How far the page and each chart reach, measured in the page: the document's and the main area's scroll
# widths, and every drawn chart's right edge against the column (or main block) that holds it.
_MEASURE = """() => {
  const main = document.querySelector('[data-testid="stMainBlockContainer"]');
  const area = document.querySelector('[data-testid="stMain"]') || document.scrollingElement;
  const charts = [];
  document.querySelectorAll('[data-testid="stVegaLiteChart"]').forEach((el) => {
    const drawn = el.querySelector('canvas, svg.marks') || el;
    const box = drawn.getBoundingClientRect();
    if (box.width === 0 || box.height === 0) return;  // in a closed tab or expander
    const holder = (el.closest('[data-testid="stColumn"]') || main).getBoundingClientRect();
    charts.push({right: box.right, column: holder.right, width: box.width,
                 label: (el.getAttribute('aria-label') || '').slice(0, 60) || String(charts.length)});
  });
  return {viewport: window.innerWidth, document: document.scrollingElement.scrollWidth,
          area: area.scrollWidth, areaClient: area.clientWidth, charts};
}"""


def _checks(task, name: str, default=None):
    """What the task's checks module declares for the walk (KEY_RESULT, WALK_CLICK, CANVAS_QUERY)."""
    return getattr(task.module("checks"), name, default)


def _key_result(page, task):
    """The page's key result (its task's checks.KEY_RESULT): what must be inside the first screen at 1280x720 in
    presenter mode, and within two screens on a phone."""
    spec = _checks(task, "KEY_RESULT")
    assert spec, f"{task.name} declares no key result (checks.KEY_RESULT)"
    return locate(page, spec)


def _fits(page, where: str) -> list[str]:
    """What passes the screen's or its column's right edge ([] when everything fits)."""
    page.wait_for_timeout(700)  # charts re-measure their container after a resize
    m = page.evaluate(_MEASURE)
    worst = max([c["right"] - c["column"] for c in m["charts"]], default=0)
    with (ARTIFACTS / "widths.txt").open("a") as out:  # the numbers behind the verdict, for the record
        out.write(
            f"{where}: document {m['document']} of {m['viewport']} px, main area {m['area']} of "
            f"{m['areaClient']}, {len(m['charts'])} charts, the worst {worst:+.0f} px past its column\n"
        )
    problems = []
    if m["document"] > m["viewport"]:
        problems.append(f"{where}: the page scrolls sideways by {m['document'] - m['viewport']} px")
    if m["area"] > m["areaClient"] + 1:
        problems.append(f"{where}: the main area scrolls sideways by {m['area'] - m['areaClient']} px")
    for chart in m["charts"]:
        if chart["right"] > chart["column"] + 1.5:
            problems.append(
                f"{where}: chart {chart['label']!r} passes its column by {chart['right'] - chart['column']:.0f} px"
            )
    return problems


def _check_navigation(page, path: str) -> None:
    """The page rendered cleanly; the sidebar lists Home and every task in sections, none as "streamlit app"."""
    _no_exception(page)
    assert not page.locator('[data-testid="stAlertContentError"]').count()
    titles = {task.url_path: task.title for task in page_tasks()}
    heading = page.locator("h1").first.inner_text()
    assert (heading == "CNN vs RNN, side by side") == (path == ""), heading
    # Each link reads its Material icon's name, then its label.
    links = page.locator('[data-testid="stSidebarNav"] a').all_inner_texts()
    names = [text.strip().splitlines()[-1].strip() for text in links]
    assert names == ["Home"] + list(titles.values()), names
    assert not any("streamlit app" in name.lower() for name in names)
    headers = [t.strip().lower() for t in page.locator('[data-testid="stNavSectionHeader"]').all_inner_texts()]
    assert headers == ["patterns", "labs"], headers


@pytest.mark.parametrize("task", [None, *page_tasks()], ids=lambda task: task.name if task else "home")
def test_every_page_fits_phone_projector_and_desktop_widths(server, browser, task):
    """Home and every task's url path (from the registry: a new task is covered the day it is added) render
    cleanly with the registry's navigation; at 1400x1000, 1280x720 and 390x844 the page does not scroll sideways
    and no chart passes its column; on a phone its key result is within two screens; a page of trained models shows
    how fair their fight is. Also the README's screenshots (desktop and phone), so that they show the app as it is."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    context = browser.new_context(viewport={"width": 1400, "height": 1000})
    page = context.new_page()
    problems = []
    path = task.url_path if task else ""
    name = path or "Home"
    shipped = task is None or task.package.startswith("cnnrnn.")  # the README's pictures: shipped pages only
    try:
        page.goto(f"{server}/{path}")
        wait_rendered(page)  # the app marks the end of a script run on its root: the whole page has rendered
        close_notice(page)
        _check_navigation(page, path)
        click = task and _checks(task, "WALK_CLICK")
        if click:  # e.g. the Generation page's candidates chart is drawn once text is written
            page.get_by_role("button", name=click["button"], exact=True).click()
            expect(locate(page, click["result"])).to_be_visible(timeout=90_000)
            wait_rendered(page)
        for width, height in VIEWPORTS:
            page.set_viewport_size({"width": width, "height": height})
            problems += _fits(page, f"{name} at {width}x{height}")
            if width == 1400 and shipped:
                page.screenshot(path=str(SCREENSHOTS / f"{name}.jpg"), type="jpeg", quality=70)
            if width == 390 and path:
                if shipped:
                    page.screenshot(path=str(SCREENSHOTS / f"{name}_phone.jpg"), type="jpeg", quality=70)
                box = _key_result(page, task).bounding_box()  # the page is at its top
                reach = box and round(box["y"] + box["height"])
                with (ARTIFACTS / "phone_key_results.txt").open("a") as out:
                    out.write(f"{path} {reach}\n")
                if box is None or box["y"] + box["height"] > 2 * height:
                    problems.append(f"{path} at 390x844: the key result ends at {reach} px, past the second screen")
        if task and task.module("parser").MODELS:  # a page of trained models: how fair is their fight
            page.set_viewport_size({"width": 1400, "height": 1000})
            panel = page.locator(".st-key-fair_fight")
            expect(panel.get_by_role("heading", name="How fair is this fight")).to_be_visible()
            entry = read_manifest().get(task.name, {})
            expect(panel.locator('[data-testid="stDataFrame"]')).to_have_count(1 if entry.get("models") else 0)
            if entry.get("protocol"):  # both learning curves, drawn
                charts = panel.locator('[data-testid="stVegaLiteChart"]')
                expect(charts).to_have_count(2)
                for chart in charts.all():
                    chart.scroll_into_view_if_needed()
                    expect(chart.locator("canvas, svg").first).to_be_visible()
                panel.screenshot(path=str(ARTIFACTS / f"fair_{name}.png"))
    except Exception:
        page.screenshot(path=str(ARTIFACTS / f"fits_{name}.png"), full_page=True)
        raise
    finally:
        context.close()
    assert not problems, "\n".join(problems)


def test_the_drawing_canvases_fit_a_phone(server, browser):
    """Every page that declares a drawing canvas (checks.CANVAS_QUERY), opened on its Draw view by a link at
    390x844: the canvas lies inside the screen and nothing scrolls sideways."""
    links = [
        f"{task.url_path}?{_checks(task, 'CANVAS_QUERY')}" for task in page_tasks() if _checks(task, "CANVAS_QUERY")
    ]
    assert links, "no page declares a drawing canvas (checks.CANVAS_QUERY)"
    context = browser.new_context(viewport={"width": 390, "height": 844})
    page = context.new_page()
    problems = []
    try:
        for link in links:
            page.goto(f"{server}/{link}")
            wait_rendered(page)
            close_notice(page)
            canvas = page.locator("canvas.upper-canvas")
            expect(canvas).to_have_count(1, timeout=30_000)
            problems += _fits(page, f"{link} at 390x844")
            box = canvas.bounding_box()
            if box["x"] < 0 or box["x"] + box["width"] > 390:
                problems.append(
                    f"{link} at 390x844: the canvas spans {box['x']:.0f} to {box['x'] + box['width']:.0f} px"
                )
    except Exception:
        page.screenshot(path=str(ARTIFACTS / "canvas_fits.png"), full_page=True)
        raise
    finally:
        context.close()
    assert not problems, "\n".join(problems)


_BRIGHTNESS = """(el) => {
  const color = getComputedStyle(el).backgroundColor.match(/[\\d.]+/g).map(Number);
  return (color[0] + color[1] + color[2]) / 3;
}"""


def _frame_brightness(png: bytes) -> float:
    """How light a chart's own background is: the median of its outermost pixels (0 black to 255 white).

    The frame is mostly background (axis labels, legend, margins), whatever the marks inside are.
    """
    import io as _io

    import numpy as np
    from PIL import Image

    grey = np.asarray(Image.open(_io.BytesIO(png)).convert("L"), np.float32)
    frame = np.concatenate([grey[:3].ravel(), grey[-3:].ravel(), grey[:, :3].ravel(), grey[:, -3:].ravel()])
    return float(np.median(frame))


@pytest.mark.parametrize("task", page_tasks(), ids=lambda task: task.name)
def test_presenter_mode_puts_each_key_result_on_the_first_projector_screen(server, browser, task):
    """At 1280x720 with ?present=1, on a machine set to dark mode: the toggle on, the sidebar collapsed, the page's
    key result inside the first screen, and the page and its charts dark (they follow Streamlit's theme)."""
    context = browser.new_context(viewport={"width": 1280, "height": 720}, color_scheme="dark")
    page = context.new_page()
    late = []
    try:
        page.goto(f"{server}/{task.url_path}?present=1")
        wait_rendered(page)
        close_notice(page)
        _no_exception(page)
        expect(page.get_by_role("switch", name="Presenter mode")).to_be_checked()
        sidebar = page.locator('[data-testid="stSidebar"]')
        assert sidebar.get_attribute("data-collapsed") == "true", f"{task.url_path}: the sidebar is open"
        key = _key_result(page, task)
        expect(key).to_be_visible()
        box = key.bounding_box()
        with (ARTIFACTS / "present_key_results.txt").open("a") as out:
            out.write(f"{task.url_path} {box and round(box['y'] + box['height'])}\n")
        if box is None or box["y"] + box["height"] > 720:
            late.append(f"{task.url_path}: the key result ends at {box and box['y'] + box['height']:.0f} px")
        page.screenshot(path=str(ARTIFACTS / f"present_{task.url_path}.png"))
        app = page.locator('[data-testid="stApp"]').evaluate(_BRIGHTNESS)
        if app > 80:
            late.append(f"{task.url_path}: the page is not dark in dark mode (background {app:.0f} of 255)")
        chart = page.locator('[data-testid="stVegaLiteChart"]:visible').first
        if chart.count():
            shade = _frame_brightness(chart.screenshot())
            if shade > 80:  # a chart left in the light theme would be a white box (255) on the dark page
                late.append(f"{task.url_path}: the first chart stays light in dark mode ({shade:.0f} of 255)")
        assert not late, "\n".join(late)
    finally:
        context.close()


def test_a_link_opens_the_same_view_and_the_share_panel_shows_it_with_a_qr_code(server, page):
    import re

    page.goto(f"{server}/Image_CNN?cnn_sample=photo%207&cnn_side=28&cnn_method=nearest")
    wait_rendered(page)
    close_notice(page)
    values = page.locator('[data-testid="stMetricValue"]')
    expect(values).to_have_count(3, timeout=90_000)
    assert values.first.inner_text().strip() == "7"
    expect(page.get_by_text("At 28x28 the fixed CNN runs", exact=False)).to_be_visible()
    expect(page.get_by_role("slider", name="Array side (pixels)")).to_have_attribute("aria-valuetext", "28")
    # A control changed on the page is written back to the address bar.
    page.get_by_role("radiogroup", name="Aspect").get_by_text("stretch", exact=True).click()
    settle(page)
    expect(page).to_have_url(re.compile(r"cnn_aspect=stretch"))
    page.get_by_role("button", name="Share this view").click()
    link = page.locator('[data-testid="stPopoverBody"] a').first
    expect(link).to_be_visible(timeout=30_000)
    href = link.get_attribute("href")
    assert href.startswith(server + "/Image_CNN?") and "cnn_aspect=stretch" in href and "cnn_side=28" in href
    expect(page.locator('[data-testid="stPopoverBody"] img')).to_have_count(1)
    # The link itself, in a fresh tab, gives the same verdicts.
    other = page.context.new_page()
    other.goto(href)
    wait_rendered(other)
    expect(other.locator('[data-testid="stMetricValue"]')).to_have_count(3, timeout=90_000)
    assert [v.inner_text() for v in other.locator('[data-testid="stMetricValue"]').all()] == [
        v.inner_text() for v in values.all()
    ]
    other.close()
    _no_exception(page)


def test_zz_no_keras_warning_in_the_server_log(server):
    """Runs after the other browser tests of this module (by name and place): the log of the whole visit."""
    log = (ARTIFACTS / "streamlit.log").read_text(encoding="utf-8", errors="replace")
    assert "The structure of `inputs` doesn't match" not in log, "Keras warned while serving the pages"
    assert "UserWarning" not in log, [line for line in log.splitlines() if "UserWarning" in line][:3]
    assert "Traceback" not in log
