"""Simulated phones: Streamlit sessions driven over Streamlit's own websocket protocol, with no browser per phone.

A browser tab of the app is one websocket at `/_stcore/stream`: it sends `BackMsg` protobufs (a rerun of the page
with the current value of every widget) and receives `ForwardMsg` protobufs (the elements each run draws, then
"script finished"). `Session` does the same from Python with the `streamlit` package's own message classes, so a
load test can open a hundred sessions where a hundred browsers would need many machines. What it does not do: run
the page's JavaScript (the canvas is set by the value its component would send, not by drawing) or lay out the
page.

Used by `python -m cnnrnn bench --audience N` (`cnnrnn.loadtest`); no Streamlit runtime is started here and
nothing here imports Playwright.
"""

from __future__ import annotations

import base64
import gzip
import io
import json
import re
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from cnnrnn.bench import provenance
from cnnrnn.browser import CHROMIUM, start_streamlit, wait_rendered, wait_rendered_async
from cnnrnn.core import warm
from cnnrnn.loadtest import MemorySampler
from cnnrnn.tasks import get_task

_WIDGET_KINDS = {  # element type -> the WidgetState field a browser fills for it
    "text_input": "string_value",
    "text_area": "string_value",
    "radio": "string_value",
    "selectbox": "string_value",
    "button_group": "string_array_value",
    "checkbox": "bool_value",
    "button": "trigger_value",
    "bidi_component": "json_value",
}
_SCRIPTS = re.compile(r'<(?:script|link)[^>]+(?:src|href)="(\./static/[^"]+)"')


class SessionError(RuntimeError):
    """A session that could not connect, or a run that did not finish in time."""


@dataclass
class Drawn:
    """What one element of a run says: its type, its widget key (if any) and its visible text."""

    kind: str
    key: str | None
    text: str
    widget_id: str = ""
    label: str = ""


@dataclass
class Run:
    """One script run as the session saw it: the elements drawn (in arrival order), exceptions, seconds."""

    elements: list[Drawn] = field(default_factory=list)
    exceptions: list[str] = field(default_factory=list)
    seconds: float = 0.0
    reruns: int = 0  # runs the script ended early for (st.rerun) before this one finished
    received_bytes: int = 0  # what the server sent for it (every message, the early-ended runs' included)
    sizes: dict = field(default_factory=dict)  # element type -> bytes of its messages

    def texts(self, kind: str | None = None) -> list[str]:
        return [e.text for e in self.elements if kind is None or e.kind == kind]

    def metrics(self) -> list[tuple[str, str]]:
        """(label, value) of every st.metric drawn."""
        return [(e.label, e.text) for e in self.elements if e.kind == "metric"]


def _key_of(widget_id: str) -> str | None:
    """The user's key in a widget id ("$$ID-<hash>-<key>"), or None for a widget without one."""
    match = re.match(r"\$\$ID-[0-9a-f]+-(.+)$", widget_id)
    return match.group(1) if match else None


def _element(msg) -> Drawn | None:
    element = msg.delta.new_element
    kind = element.WhichOneof("type")
    if kind is None:
        return None
    inner = getattr(element, kind)
    fields = inner.DESCRIPTOR.fields_by_name if hasattr(inner, "DESCRIPTOR") else {}
    widget_id = inner.id if "id" in fields else ""
    label = inner.label if "label" in fields else ""
    if kind == "exception":
        text = f"{inner.type}: {inner.message}"
    else:  # what it shows: a body (markdown, metric, alert, heading, text), code, or else its label
        text = next((getattr(inner, name) for name in ("body", "code_text") if name in fields), label)
    return Drawn(kind, _key_of(widget_id) if widget_id else None, text, widget_id, label)


def canvas_value(image) -> str:
    """The drawing canvas component's state as its browser side sends it: a PNG data URL of the drawing (the
    page reads only that), for an (H, W) or (H, W, 4) uint8 array, white strokes on black."""
    import numpy as np
    from PIL import Image

    array = np.asarray(image, np.uint8)
    if array.ndim == 2:
        array = np.dstack([array, array, array, np.full_like(array, 255)])
    buffer = io.BytesIO()
    Image.fromarray(array, "RGBA").save(buffer, format="PNG")
    url = "data:image/png;base64," + base64.b64encode(buffer.getvalue()).decode("ascii")
    return json.dumps({"drawing": {"raw": {"objects": [], "background": "#000000"}, "data": url}})


class Session:
    """One simulated browser tab on `page` (its url path) of the app at `base` (http://host:port), opened with
    `query` (the address's query string, without "?").

    `open()` fetches the page's HTML and its scripts once, as a browser does, connects and runs the page; `send()`
    sets widgets by their keys (and presses one button) and waits for the run to finish, following st.rerun."""

    def __init__(self, base: str, page: str, query: str = "", timeout: float = 60.0):
        self.base, self.page, self.query, self.timeout = base.rstrip("/"), page, query, timeout
        self.widgets: dict[str, tuple[str, str]] = {}  # key -> (widget id, element type)
        self.values: dict[str, Any] = {}  # key -> value, sent with every run as a browser sends them all
        self.socket = None
        self.fetched_bytes = 0
        # Cookies, as a browser keeps them (a load balancer's sticky-session cookie, Streamlit's XSRF cookie), and
        # its connections kept alive between requests, as a browser keeps them.
        import requests  # here: `python -m cnnrnn` loads no HTTP client

        self._http = requests.Session()
        self.cookies = self._http.cookies

    # -- connecting
    def _fetch(self, path: str) -> bytes:
        # Compressed where the server compresses, as a browser asks (the bytes counted are those sent).
        import requests

        try:
            response = self._http.get(
                f"{self.base}/{path}", headers={"Accept-Encoding": "gzip"}, timeout=self.timeout, stream=True
            )
            body = response.raw.read(decode_content=False)
            response.raise_for_status()
        except requests.RequestException as error:
            raise OSError(f"could not fetch /{path}: {error}") from error
        self.fetched_bytes += len(body)
        packed = response.headers.get("Content-Encoding", "") == "gzip"
        return gzip.decompress(body) if packed else body

    def cookie(self, name: str) -> str | None:
        """The value of the cookie `name` this session holds (e.g. the balancer's replica), or None."""
        return next((c.value for c in self.cookies if c.name == name), None)

    def key(self, prefix: str) -> str:
        """The key of the widget the page draws now whose key starts with `prefix` (a page that numbers its
        widgets, as the room numbers each send's fresh canvas and choices)."""
        found = sorted(k for k in self.widgets if k.startswith(prefix))
        if not found:
            raise KeyError(f"no widget whose key starts with {prefix!r} on {self.page}")
        return found[-1]

    def reconnect(self) -> Run:
        """What a browser does when its socket drops: load the page again (through a balancer, to a live replica)
        and open a new session with the widgets' values it holds."""
        self.close()
        return self.open(assets=False)

    def open(self, assets: bool = True) -> Run:
        """Load the page as a browser does (HTML, then its scripts and styles unless `assets` is False: a browser
        with them cached), connect, run the page; returns that first run."""
        html = self._fetch(f"{self.page}?{self.query}" if self.query else self.page).decode("utf-8", "replace")
        if assets:
            for path in dict.fromkeys(_SCRIPTS.findall(html)):
                self._fetch(path.removeprefix("./"))
        from websockets.exceptions import ConnectionClosed  # here: `python -m cnnrnn` loads no websockets
        from websockets.sync.client import connect

        ws_url = self.base.replace("http://", "ws://").replace("https://", "wss://") + "/_stcore/stream"
        cookies = "; ".join(f"{c.name}={c.value}" for c in self.cookies)
        try:
            self.socket = connect(
                ws_url,
                subprotocols=["streamlit"],
                max_size=2**26,
                open_timeout=self.timeout,
                additional_headers={"Cookie": cookies} if cookies else None,
            )
        except (OSError, TimeoutError, ConnectionClosed) as error:
            raise SessionError(f"could not connect to {ws_url}: {error}") from error
        return self._run(None)

    def close(self) -> None:
        """Close the websocket (the page's session ends); the kept-alive HTTP connections close with the object."""
        if self.socket is not None:
            self.socket.close()
            self.socket = None

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()

    # -- running
    def send(self, values: dict[str, Any] | None = None, press: str | None = None) -> Run:
        """Set the widgets `values` names (by key; kept for later runs), press the button `press` (a key), and
        return the run that follows (after any st.rerun). A key the page has not drawn raises KeyError."""
        for key, value in (values or {}).items():
            if key not in self.widgets:
                raise KeyError(f"no widget with key {key!r} on {self.page} (drawn: {', '.join(sorted(self.widgets))})")
            self.values[key] = value
        if press is not None and press not in self.widgets:
            raise KeyError(f"no button with key {press!r} on {self.page}")
        return self._run(press)

    def _message(self, press: str | None) -> bytes:
        from streamlit.proto.BackMsg_pb2 import BackMsg  # Streamlit's own messages, loaded when first used

        msg = BackMsg()
        state = msg.rerun_script
        state.query_string = self.query
        state.page_name = self.page
        for key, value in self.values.items():
            widget_id, kind = self.widgets[key]
            widget = state.widget_states.widgets.add()
            widget.id = widget_id
            slot = _WIDGET_KINDS[kind]
            if slot == "string_array_value":
                widget.string_array_value.data.extend([str(v) for v in value])
            else:
                setattr(widget, slot, value)
        if press is not None:
            widget = state.widget_states.widgets.add()
            widget.id = self.widgets[press][0]
            widget.trigger_value = True
        return msg.SerializeToString()

    def _run(self, press: str | None) -> Run:
        from streamlit.proto.ForwardMsg_pb2 import ForwardMsg
        from websockets.exceptions import ConnectionClosed

        if self.socket is None:
            raise SessionError("the session is not open")
        start = time.perf_counter()
        try:
            self.socket.send(self._message(press))
        except ConnectionClosed as error:
            raise SessionError(f"{self.page}: the connection closed ({error})") from error
        run = Run()
        deadline = start + self.timeout
        while True:
            left = deadline - time.perf_counter()
            if left <= 0:
                raise SessionError(f"{self.page}: the run did not finish within {self.timeout:.0f} s")
            try:
                raw = self.socket.recv(timeout=left)
            except TimeoutError as error:
                raise SessionError(f"{self.page}: the run did not finish within {self.timeout:.0f} s") from error
            except ConnectionClosed as error:
                raise SessionError(f"{self.page}: the connection closed ({error})") from error
            run.received_bytes += len(raw)
            msg = ForwardMsg()
            msg.ParseFromString(raw)
            kind = msg.WhichOneof("type")
            if kind == "delta" and msg.delta.WhichOneof("type") == "new_element":
                drawn = _element(msg)
                if drawn is None:
                    continue
                run.sizes[drawn.kind] = run.sizes.get(drawn.kind, 0) + len(raw)
                if drawn.kind == "exception":
                    run.exceptions.append(drawn.text)
                if drawn.key and drawn.kind in _WIDGET_KINDS:
                    self.widgets[drawn.key] = (drawn.widget_id, drawn.kind)
                run.elements.append(drawn)
            elif kind == "script_finished":
                status = msg.script_finished
                if status == ForwardMsg.FINISHED_EARLY_FOR_RERUN:
                    run.reruns += 1
                    run.elements.clear()
                    continue
                if status == ForwardMsg.FINISHED_FRAGMENT_RUN_SUCCESSFULLY:
                    continue  # a fragment's own rerun (run_every), not the page's
                run.seconds = time.perf_counter() - start
                drawn = {e.key for e in run.elements if e.key and e.kind in _WIDGET_KINDS}
                self.widgets = {k: v for k, v in self.widgets.items() if k in drawn}  # as a browser holds them
                self.values = {k: v for k, v in self.values.items() if k in drawn}
                return run


# --- The benchmark: a room of simulated phones, the speaker in a real browser ------------------------------------

# The targets of one server (docs/benchmarks.md): a phone joined within this long of the first phone; a send
# answered within; a submission on the speaker's view within; memory at the peak.
JOIN_WINDOW_S = 15.0  # the phones join over this many seconds (a room filling from a QR code: 15 s is a rush)
TARGETS = {"join_max_s": 60.0, "send_p95_s": 2.0, "speaker_lag_max_s": 3.0, "server_peak_mb": 1536.0}
SENTENCES = (
    ("the acting is wonderful", "positive"),
    ("a dull and lifeless film", "negative"),
    ("I laughed the whole way through", "positive"),
    ("not worth the ticket", "negative"),
)


@dataclass
class Phone:
    """What one simulated phone saw: when it joined, each send's seconds to its verdicts, what went wrong."""

    index: int
    browser: bool = False  # a real Chromium (`_browser_phone`), else simulated (`_phone`)
    joined_s: float | None = None  # from the first phone's start
    join_took_s: float | None = None  # from its own start: the page fetched, connected and drawn
    sends: list[float] = field(default_factory=list)
    acked: list[float] = field(default_factory=list)  # monotonic time of each acknowledged send
    errors: list[str] = field(default_factory=list)
    exceptions: int = 0


def _digits(count: int):
    """Canvas drawings (280 px, white on black) of MNIST test digits, with their labels: the phones' drawings."""
    import numpy as np
    from PIL import Image

    images, labels = get_task("mnist").module("api").test_digits(count)
    drawings = []
    for image, label in zip(images, labels):
        grey = np.asarray(image, np.float32)
        grey = (grey * 255 if grey.max() <= 1.0 else grey).astype(np.uint8)
        drawings.append((np.asarray(Image.fromarray(grey).resize((280, 280), Image.BILINEAR)), int(label)))
    return drawings


def _phone(phone: Phone, base: str, code: str, start: float, at: float, sends: int, think, drawings, rng) -> None:
    """One phone: joins at `at` seconds, then sends `sends` submissions (a digit, a sentence, ...) at a human pace."""
    time.sleep(max(0.0, start + at - time.monotonic()))
    session = Session(base, "Room", f"room={code}")
    began = time.monotonic()
    try:
        session.open()
        phone.joined_s = time.monotonic() - start
        phone.join_took_s = time.monotonic() - began
        for n in range(sends):
            time.sleep(rng.uniform(*think))
            mode = "A digit" if n % 2 == 0 else "A sentence"
            if session.values.get("room_what", ["A digit"]) != [mode]:  # a tap on "Send: A digit | A sentence"
                session.send({"room_what": [mode]})
            if mode == "A digit":
                image, label = drawings[(phone.index + n) % len(drawings)]
                values = {session.key("room_canvas_"): canvas_value(image), session.key("room_label_"): str(label)}
                button, expected = "room_send_digit", 3
            else:
                sentence, said = SENTENCES[(phone.index + n) % len(SENTENCES)]
                values = {session.key("room_sentence_"): sentence, session.key("room_said_"): said}
                button, expected = "room_send_sentence", 2
            run = session.send(values, press=button)
            phone.exceptions += len(run.exceptions)
            if len(run.metrics()) != expected or not any(t.startswith("**Sent:") for t in run.texts("markdown")):
                said = run.texts("alert") or run.texts("markdown")[-1:]
                phone.errors.append(f"phone {phone.index} send {n + 1}: no verdicts ({'; '.join(said)[:120]})")
                continue
            phone.sends.append(run.seconds)
            phone.acked.append(time.monotonic())
    except (SessionError, KeyError, OSError) as error:
        phone.errors.append(f"phone {phone.index}: {error}")
    finally:
        session.close()


PHONE_VIEWPORT = {"width": 390, "height": 844}
BROWSER_SENDS = 2  # a browser phone draws a 1, then types a sentence: each send's verdicts read differently


async def _browser_phone(phone: Phone, browser, base: str, code: str, start: float, at: float, sends, think, rng):
    """One phone as a real browser page at a phone's size, in its own browser context (its own cookies and
    storage, as its own device): opens the room's link, draws a "1" on the canvas with the mouse and sends it,
    then types a sentence and sends it; each send timed from the tap on Send to its verdicts on the screen."""
    import asyncio

    from playwright.async_api import Error as PlaywrightError
    from playwright.async_api import expect

    await asyncio.sleep(max(0.0, start + at - time.monotonic()))
    began = time.monotonic()
    context = await browser.new_context(viewport=PHONE_VIEWPORT)
    try:
        page = await context.new_page()
        await page.goto(f"{base}/Room?room={code}", timeout=120_000)
        canvas = page.locator("canvas.upper-canvas")
        await expect(canvas).to_have_count(1, timeout=120_000)
        await wait_rendered_async(page, 120)
        phone.joined_s = time.monotonic() - start
        phone.join_took_s = time.monotonic() - began
        for n in range(min(sends, BROWSER_SENDS)):
            await page.wait_for_timeout(1000 * rng.uniform(*think))
            if n == 0:
                await page.get_by_role("radiogroup", name="Which digit is it?").get_by_text("1", exact=True).click()
                await wait_rendered_async(page, 60, started_within=3.0)
                await page.wait_for_timeout(500)  # the canvas component re-mounts after the run ends
                box = await canvas.bounding_box()
                await page.mouse.move(box["x"] + 140, box["y"] + 45)  # one stroke from top to bottom
                await page.mouse.down()
                await page.mouse.move(box["x"] + 134, box["y"] + 235, steps=15)
                await page.mouse.up()
                await wait_rendered_async(page, 60, started_within=3.0)
                button, told = "Send the digit", "Sent: your 1."
            else:
                sentence, said = SENTENCES[phone.index % len(SENTENCES)]
                await page.locator(".st-key-room_what").get_by_text("A sentence", exact=True).click()
                await wait_rendered_async(page, 60, started_within=3.0)
                await page.get_by_label("Your sentence").fill(sentence)
                await page.get_by_role("radiogroup", name="Is it positive or negative?").get_by_text(said).click()
                await wait_rendered_async(page, 60, started_within=3.0)
                button, told = "Send the sentence", f"Sent: a {said} sentence."
            tapped = time.monotonic()
            await page.get_by_role("button", name=button).click()
            await expect(page.get_by_text(told)).to_be_visible(timeout=60_000)
            phone.sends.append(round(time.monotonic() - tapped, 3))
            phone.acked.append(time.monotonic())
        phone.exceptions += await page.locator('[data-testid="stException"]').count()
    except (PlaywrightError, AssertionError, OSError) as error:
        phone.errors.append(f"phone {phone.index} (browser): {str(error).splitlines()[0][:160]}")
    finally:
        await context.close()


def _browser_phones(crowd: list[Phone], base: str, code: str, start: float, window: float, sends, think, seed):
    """The crowd's browser phones: one headless Chromium (launched as the room starts filling: the first phone's
    join includes the launch) with a context per phone, all driven from this thread's event loop."""
    import asyncio

    import numpy as np
    from playwright.async_api import async_playwright

    async def main():
        async with async_playwright() as playwright:
            browser = await playwright.chromium.launch(executable_path=CHROMIUM, headless=True, args=["--no-sandbox"])
            try:
                await asyncio.gather(
                    *(
                        _browser_phone(
                            p,
                            browser,
                            base,
                            code,
                            start,
                            window * p.index / max(len(crowd), 1),
                            sends,
                            think,
                            np.random.default_rng(seed + 1 + p.index),
                        )
                        for p in crowd
                        if p.browser
                    )
                )
            finally:
                await browser.close()

    asyncio.run(main())


def _probe(base: str, server_pid: int, drawings, repeats: int = 3) -> dict:
    """What one phone costs the server, step by step, on the warm server before the room fills: the median over
    `repeats` phones (in a room of their own, so the speaker's count is the crowd's alone) of the server's
    CPU seconds for the page's scripts and styles (fetched as a browser does, once), the page's first run, a
    drawn digit sent, the switch to a sentence and a sentence sent."""
    import numpy as np

    room = get_task("room")
    code, _ = room.module("store").open_room(room.module("ui").engine())
    steps: dict[str, list[float]] = {}
    last = [0.0]

    def mark(name: str | None = None) -> None:  # the CPU seconds since the last mark go to `name`
        now = _cpu_seconds(server_pid)
        if name:
            steps.setdefault(name, []).append(now - last[0])
        last[0] = now

    for n in range(repeats):
        with Session(base, "Room", f"room={code}") as phone:
            mark()
            phone.open(assets=False)
            mark("first run")
            html = phone._fetch(f"Room?room={code}").decode("utf-8", "replace")
            mark()
            for path in dict.fromkeys(_SCRIPTS.findall(html)):
                phone._fetch(path.removeprefix("./"))
            mark("scripts and styles")
            image, label = drawings[n % len(drawings)]
            phone.send(
                {phone.key("room_canvas_"): canvas_value(image), phone.key("room_label_"): str(label)},
                "room_send_digit",
            )
            mark("a drawn digit")
            phone.send({"room_what": ["A sentence"]})
            mark("the switch to a sentence")
            sentence = SENTENCES[n % len(SENTENCES)][0]
            phone.send(
                {phone.key("room_sentence_"): sentence, phone.key("room_said_"): "positive"}, "room_send_sentence"
            )
            mark("a sentence")
    return {name: round(float(np.median(values)), 3) for name, values in steps.items()}


def _percentile(values: list[float], q: float) -> float | None:
    import numpy as np

    return round(float(np.percentile(values, q)), 2) if values else None


def _p50(values: list[float]) -> float | None:
    return _percentile(values, 50)


def _p95(values: list[float]) -> float | None:
    return _percentile(values, 95)


def _cpu_seconds(pid: int) -> float:
    """User and system CPU seconds of process `pid` so far (Linux /proc)."""
    import os

    fields = open(f"/proc/{pid}/stat").read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def _wait_warm(log_path: Path, began: float, timeout: float) -> float | None:
    """Seconds from the server's start until its log says the warm start is done (None: not within `timeout`)."""
    while time.monotonic() - began < timeout:
        if warm.DONE in log_path.read_text(errors="replace"):
            return round(time.monotonic() - began, 1)
        time.sleep(0.5)
    return None


@dataclass
class _Servers:
    """What the room runs on: `url` (the one address phones and the speaker use), the server processes' `pids`
    and their `logs`, and how to stop them."""

    url: str
    pids: list[int]
    logs: list[Path]
    stop: Any
    replica_urls: list[str] = field(default_factory=list)

    def wait_warm(self, began: float) -> float | None:
        """Seconds from the start until every server's warm start is done (None: not within 300 s). A replica
        starts its warm start at its first page run: each is opened once directly, as a balancer's health
        check does not run a page."""
        for base in self.replica_urls:
            with Session(base, "Room") as visit:
                visit.open(assets=False)
        waited = [_wait_warm(log, began, 300) for log in self.logs]
        return None if None in waited else max(waited)


def _start_servers(replicas: int, log_path: Path, log) -> _Servers:
    """One `streamlit run` (replicas 0), or `replicas` replicas behind HAProxy with PostgreSQL as the rooms'
    store (deploy/start.py, which needs Debian's haproxy and postgresql)."""
    if not replicas:
        server, url = start_streamlit(120, log)

        def stop() -> None:
            server.terminate()
            server.wait(timeout=30)

        return _Servers(url, [server.pid], [log_path], stop)
    import importlib.util
    import sys

    path = Path(__file__).resolve().parents[1] / "deploy" / "start.py"
    spec = importlib.util.spec_from_file_location("deploy_start", path)
    deploy = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = deploy  # its dataclasses look their module up there
    spec.loader.exec_module(deploy)
    folder = log_path.parent / "audience-replicas"
    folder.mkdir(exist_ok=True)
    deployment = deploy.start(replicas, log_dir=folder)
    return _Servers(
        deployment.url,
        [r.process.pid for r in deployment.replicas],
        [folder / f"replica{i}.log" for i in range(replicas)],
        deployment.stop,
        [r.url for r in deployment.replicas],
    )


def bench_audience(
    phones: int,
    sends: int = 2,
    join_window: float = JOIN_WINDOW_S,
    think=(3.0, 6.0),
    seed: int = 0,
    browsers: int = 0,
    wait_warm: bool = True,
    probe: bool = True,
    replicas: int = 0,
) -> dict:
    """A cold `streamlit run`, a speaker who opens a room in a real browser, and `phones` phones that join over
    `join_window` seconds and each send `sends` submissions (digits and sentences, alternately): the first
    `browsers` of them real Chromium pages (`_browser_phones`), the rest simulated (`_phone`). The room fills once
    the server's warm start is done (`wait_warm`); before it, `probe` measures what one phone costs (`_probe`).

    `replicas` K: the room runs on K replicas behind HAProxy with PostgreSQL (deploy/start.py) instead of one
    `streamlit run`; the server figures are then the replicas' (CPU summed, memory the largest replica's), and
    there is no probe (it opens its room through this process's store, which is not theirs).

    Returns phones, join_max_s, send_p50_s, send_p95_s, send_max_s (and per kind of phone), speaker_lag_max_s
    (from a send's verdict to the speaker's count including it), submissions (acknowledged) and shown (on the
    speaker's view at the end), errors, exceptions, server_cpu_s (during the room), phones_cpu_s (this process),
    server_peak_mb and server_final_mb, phone_cost_cpu_s, and `holds` (whether every target in TARGETS held, with
    no error and no exception).
    """
    import os
    import threading

    import numpy as np
    from playwright.sync_api import sync_playwright

    drawings = _digits(20)
    log_path = Path(__file__).resolve().parents[1] / "test-artifacts" / "audience.log"
    log_path.parent.mkdir(exist_ok=True)
    with open(log_path, "w") as log, sync_playwright() as playwright:
        began = time.monotonic()
        servers = _start_servers(replicas, log_path, log)
        url = servers.url
        samplers = [MemorySampler(pid) for pid in servers.pids]
        for sampler in samplers:
            sampler.start()
        browser = playwright.chromium.launch(executable_path=CHROMIUM, headless=True, args=["--no-sandbox"])
        try:
            speaker = browser.new_page(viewport={"width": 1280, "height": 720})
            speaker.goto(f"{url}/Room")
            wait_rendered(speaker, 120)
            speaker.get_by_role("button", name="Open a room").click()
            speaker.wait_for_url(re.compile(r"room=[A-Z0-9]+"), timeout=60_000)
            code = re.search(r"room=([A-Z0-9]+)", speaker.url).group(1)
            wait_rendered(speaker, 60)
            # The room fills once the server is warm, as in a talk: the speaker's first page started the warm
            # start (every task's models loaded in the background), which ends before the QR code goes up.
            warm_s = servers.wait_warm(began) if wait_warm else None
            cost = _probe(url, servers.pids[0], drawings) if probe and not replicas else None
            cpu0, own0 = sum(map(_cpu_seconds, servers.pids)), _cpu_seconds(os.getpid())
            start = time.monotonic()
            crowd = [Phone(i, browser=i < browsers) for i in range(phones)]
            threads = [
                threading.Thread(
                    target=_phone,
                    args=(p, url, code, start, join_window * i / max(phones, 1), sends, think, drawings)
                    + (np.random.default_rng(seed + 1 + i),),
                    daemon=True,
                )
                for i, p in enumerate(crowd)
                if not p.browser
            ]
            if browsers:
                threads.append(
                    threading.Thread(
                        target=_browser_phones,
                        args=(crowd, url, code, start, join_window, sends, think, seed),
                        daemon=True,
                    )
                )
            for thread in threads:
                thread.start()
            shown_at: list[float] = []  # monotonic time at which the speaker's count first reached k + 1
            count = (
                "Array.from(document.querySelectorAll('[data-testid=\"stMetricValue\"]')).slice(0, 2)"
                ".reduce((n, e) => n + (parseInt(e.innerText) || 0), 0)"
            )
            while any(t.is_alive() for t in threads):
                seen = int(speaker.evaluate(f"() => {count}"))
                now = time.monotonic()
                shown_at += [now] * max(0, seen - len(shown_at))
                speaker.wait_for_timeout(200)
            for thread in threads:
                thread.join()
            acked = sorted(t for p in crowd for t in p.acked)
            settle = time.monotonic() + TARGETS["speaker_lag_max_s"] * 3
            while len(shown_at) < len(acked) and time.monotonic() < settle:
                seen = int(speaker.evaluate(f"() => {count}"))
                shown_at += [time.monotonic()] * max(0, seen - len(shown_at))
                speaker.wait_for_timeout(200)
            cpu, own = sum(map(_cpu_seconds, servers.pids)) - cpu0, _cpu_seconds(os.getpid()) - own0
        finally:
            browser.close()
            memories = [sampler.stop() for sampler in samplers]
            servers.stop()
    memory = {"peak": max(m["peak"] for m in memories), "final": max(m["final"] for m in memories)}
    times = [s for p in crowd for s in p.sends]
    joined = [p.joined_s for p in crowd if p.joined_s is not None]
    lags = [shown - ack for shown, ack in zip(shown_at, acked)]
    missing = len(acked) - len(shown_at)
    errors = [e for p in crowd for e in p.errors]
    if missing > 0:
        errors.append(f"{missing} acknowledged submissions never reached the speaker's view")
    result = {
        "phones": phones,
        "browsers": min(browsers, phones),
        "replicas": replicas,
        "sends_per_phone": sends,
        "join_window_s": join_window,
        "machine_cores": os.cpu_count(),
        "warm_start_s": warm_s,
        "joined": len(joined),
        "join_max_s": round(max(joined), 2) if len(joined) == phones and joined else None,
        "join_each_p95_s": _p95([p.join_took_s for p in crowd if p.join_took_s is not None]),
        "send_p50_s": _p50(times),
        "send_p95_s": _p95(times),
        "send_max_s": round(max(times), 2) if times else None,
        "browser_send_p50_s": _p50([s for p in crowd if p.browser for s in p.sends]),
        "browser_send_p95_s": _p95([s for p in crowd if p.browser for s in p.sends]),
        "simulated_send_p50_s": _p50([s for p in crowd if not p.browser for s in p.sends]),
        "simulated_send_p95_s": _p95([s for p in crowd if not p.browser for s in p.sends]),
        "speaker_lag_max_s": round(max(lags), 2) if lags else None,
        "submissions": len(acked),
        "shown": len(shown_at),
        "errors": len(errors),
        "error_messages": errors[:20],
        "exceptions": sum(p.exceptions for p in crowd),
        "server_cpu_s": round(cpu, 1),
        "phones_cpu_s": round(own, 1),  # this process: the simulated phones and the speaker's browser driver
        "server_peak_mb": memory["peak"],
        "phone_cost_cpu_s": cost,
        "server_final_mb": memory["final"],
    }
    result["holds"] = bool(
        result["errors"] == 0
        and result["exceptions"] == 0
        and all(result[key] is not None and result[key] <= limit for key, limit in TARGETS.items())
    )
    return result


def audience_summary(runs: list[dict]) -> dict:
    """What `bench --audience N[,N...] --json` prints: one object with the fields of its largest room (phones,
    join_max_s, send_p50_s, send_p95_s, speaker_lag_max_s, errors, exceptions, server_cpu_s, server_peak_mb, ...)
    at its top, every room in `runs`, the largest phone count that held the targets and the targets."""
    held = [run["phones"] for run in runs if run["holds"]]
    largest = max(runs, key=lambda run: run["phones"])
    return {**largest, "runs": runs, "largest_holding": max(held) if held else None, "targets": TARGETS}


AUDIENCE_JSON = Path(__file__).resolve().parents[1] / "docs" / "bench-audience.json"  # `bench --audience --save`


def _run_key(run: dict) -> tuple:
    return (
        run.get("replicas") or 0,
        run.get("join_window_s"),
        run.get("browsers") or 0,
        run.get("sends_per_phone"),
        run["phones"],
    )


def save_audience(summary: dict, path: Path, command: str, before: dict) -> Path:
    """Add this command's runs to the saved audience benchmarks at `path`, each with its own command, commit, date,
    CPU and load (a benchmark run twice keeps both: the machine is noisy); the file keeps the runs in order of join
    window, browsers, sends, phones and date, for `python -m cnnrnn docs`."""
    path = Path(path)
    saved = json.loads(path.read_text(encoding="utf-8")) if path.is_file() else {}
    where = provenance(command, before)
    runs = saved.get("runs", []) + [{**run, **where} for run in summary["runs"]]
    runs.sort(key=lambda run: (*(-1 if v is None else v for v in _run_key(run)), run.get("date", "")))
    record = {"targets": summary["targets"], "runs": runs}
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(record, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    return path


def largest_holding(runs: list[dict]) -> dict:
    """(replicas, join window s) -> the largest phone count that held every target in every run of it there
    (None: none of those tried). Replicas 0: one server, no balancer."""
    verdicts: dict = {}
    for run in runs:
        window = verdicts.setdefault((run.get("replicas") or 0, run.get("join_window_s")), {})
        window[run["phones"]] = window.get(run["phones"], True) and bool(run.get("holds"))
    return {window: max((n for n, held in counts.items() if held), default=None) for window, counts in verdicts.items()}


def format_audience(summary: dict) -> str:
    """The audience benchmark as a table: a row per phone count, then the largest count that held the targets."""
    head = (
        "phones",
        "joined",
        "join max s",
        "each join p95 s",
        "send p50 s",
        "p95 s",
        "max s",
        "speaker lag s",
        "errors",
        "exceptions",
        "server CPU s",
        "peak MB",
        "holds",
    )
    keys = (
        "phones",
        "joined",
        "join_max_s",
        "join_each_p95_s",
        "send_p50_s",
        "send_p95_s",
        "send_max_s",
        "speaker_lag_max_s",
        "errors",
        "exceptions",
        "server_cpu_s",
        "server_peak_mb",
        "holds",
    )
    rows = [[("-" if run.get(k) is None else str(run[k])) for k in keys] for run in summary["runs"]]
    for row, run in zip(rows, summary["runs"]):
        real = run.get("browsers") or 0
        row[0] += f" ({real} in browsers)" if real else ""
        row[0] += f" on {run['replicas']} replicas" if run.get("replicas") else ""
        row[0] += f" over {run.get('join_window_s', '?')} s"
    widths = [max(len(h), *(len(r[i]) for r in rows)) for i, h in enumerate(head)]
    lines = ["  ".join(h.ljust(w) for h, w in zip(head, widths))]
    lines += ["  ".join(c.ljust(w) for c, w in zip(row, widths)) for row in rows]
    targets = summary["targets"]
    lines.append(
        f"targets: every phone joined within {targets['join_max_s']:.0f} s of the first, send p95 at most "
        f"{targets['send_p95_s']:.0f} s, on the speaker's view within {targets['speaker_lag_max_s']:.0f} s, peak "
        f"memory at most {targets['server_peak_mb']:,.0f} MB, no error and no exception"
    )
    largest = summary.get("largest_holding")
    lines.append(f"largest phone count that held them: {largest if largest else 'none of those tried'}")
    for run in summary["runs"]:
        if run.get("browsers"):
            real, fake = (
                "/".join("-" if run.get(f"{kind}_send_{q}_s") is None else str(run[f"{kind}_send_{q}_s"]) for q in qs)
                for kind, qs in (("browser", ("p50", "p95")), ("simulated", ("p50", "p95")))
            )
            lines.append(
                f"{run['phones']} phones: send p50/p95 {real} s in the {run['browsers']} browsers, "
                f"{fake} s in the simulated phones"
            )
        lines += [f"error ({run['phones']} phones): {message}" for message in run.get("error_messages", [])]
    return "\n".join(lines)


__all__ = [
    "Drawn",
    "Phone",
    "Run",
    "Session",
    "SessionError",
    "AUDIENCE_JSON",
    "TARGETS",
    "audience_summary",
    "bench_audience",
    "largest_holding",
    "save_audience",
    "canvas_value",
    "format_audience",
]
