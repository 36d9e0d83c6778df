"""`python -m cnnrnn bench --room N`: a room of N browser sessions on one cold `streamlit run`.

What a talk or a class does to one link: the server starts cold; one visitor reads the home page
for a while and then opens a model page (the warm start's figure); then N sessions (Playwright
contexts of one headless Chromium, as Streamlit's own load tests use) spread over every page, one
of them training on the Sequence Lab, and each does its page's main interaction several times:
pick a digit photo, draw a digit, type a sentence, generate, caption a new scene, translate.

An action's time runs from the input (click, keys, upload, stroke) to the end of the script run
it caused: the app root's `data-test-script-state` goes to "running" and back to "notRunning"
(fragment runs included), with the page's result element checked after. Reported per page: p50
and p95 seconds, errors (a result that did not come, a Streamlit error box) and exceptions (a
traceback element); the server's peak and final resident memory, sampled every 0.2 s; and how
many trainings waited for a training slot.
"""

from __future__ import annotations

import asyncio
import os
import threading
import time
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from cnnrnn.browser import CHROMIUM, POLL_MS, SCRIPT_STATE, locate, start_streamlit, wait_rendered_async
from cnnrnn.core.timing import rss_mb
from cnnrnn.tasks import page_tasks

ROOT = Path(__file__).resolve().parents[1]
PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1280, "height": 720}
ACTION_TIMEOUT = 120.0  # seconds: an action slower than this counts as an error
READING_SECONDS = 15.0  # the warm-start figure: the home page is read this long first


def inference_actions() -> list[tuple[str, str, dict]]:
    """(label, url path, action) for the interactions each page declares (its task's checks.LOAD_ACTIONS), in
    the order sessions are spread over them: every page's first in the navigation's order, then every second.
    An action's label is its page's url path, with ":<view>" when the action names a view of the page."""
    declared = [(task, getattr(task.module("checks"), "LOAD_ACTIONS", ())) for task in page_tasks()]
    spread = []
    for index in range(max((len(actions) for _, actions in declared), default=0)):
        for task, actions in declared:
            if index < len(actions):
                view = actions[index].get("view")
                spread.append((f"{task.url_path}:{view}" if view else task.url_path, task.url_path, actions[index]))
    return spread


def training_page() -> tuple[str, dict] | None:
    """(url path, spec) of the first page whose task declares the load test's training session (LOAD_TRAINING)."""
    for task in page_tasks():
        spec = getattr(task.module("checks"), "LOAD_TRAINING", None)
        if spec:
            return task.url_path, spec
    return None


@dataclass
class Record:
    """What one session saw."""

    page: str
    times: list[float] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    exceptions: int = 0
    waited_for_slot: bool = False


class MemorySampler(threading.Thread):
    """The server's resident memory every `every` seconds, until stopped; keeps the peak and the last."""

    def __init__(self, pid: int, every: float = 0.2):
        super().__init__(daemon=True)
        self.pid, self.every, self.peak, self.last = pid, every, 0.0, 0.0
        self._halt = threading.Event()

    def run(self) -> None:
        while not self._halt.is_set():
            try:
                self.last = rss_mb(self.pid)
            except (OSError, ValueError):
                break
            self.peak = max(self.peak, self.last)
            self._halt.wait(self.every)

    def stop(self) -> dict:
        self._halt.set()
        self.join(timeout=5)
        return {"peak": round(self.peak, 1), "final": round(self.last, 1)}


# Waits run inside the page, not as a loop of round trips: a poll from here (a DevTools call per
# attribute read, every 20 ms) cost a page's renderer about 15% of a core while it waited, so a room of
# eight waiting sessions spent a core on its own measuring. The app root's script state is watched by a
# MutationObserver the context installs before any page script runs (WATCH), which counts the runs that
# ended; a wait is a cheap in-page predicate checked every POLL_MS (cnnrnn.browser's, as its waits).
WATCH = """(() => {
  window.__cnnrnnEnded = 0;
  new MutationObserver((records) => {
    for (const record of records) if (record.oldValue === "running") window.__cnnrnnEnded += 1;
  }).observe(document, {attributes: true, subtree: true, attributeOldValue: true,
                        attributeFilter: ["data-test-script-state"]});
})();"""


async def _new_page(browser, viewport: dict):
    """A fresh context (a visitor) with the run watcher installed; returns (context, page)."""
    context = await browser.new_context(viewport=viewport)
    await context.add_init_script(WATCH)
    return context, await context.new_page()


async def _runs_ended(page) -> int:
    """How many script runs (fragment runs included) this page has finished so far."""
    return await page.evaluate("window.__cnnrnnEnded || 0")


async def _rerun_done(page, before: int, timeout: float = ACTION_TIMEOUT, started_within: float = 3.0) -> None:
    """Wait for the run an input started to end: a run ended after `before` (`_runs_ended` read before the
    input) and none is running now. No run started within `started_within` s: the input caused none."""
    try:
        await page.wait_for_function(
            f"(n) => window.__cnnrnnEnded > n || {SCRIPT_STATE} === 'running'",
            arg=before,
            polling=POLL_MS,
            timeout=started_within * 1000,
        )
    except Exception as error:  # noqa: BLE001 - Playwright's TimeoutError: no run came
        if "Timeout" not in type(error).__name__:
            raise
        return
    await page.wait_for_function(
        f"(n) => window.__cnnrnnEnded > n && {SCRIPT_STATE} === 'notRunning'",
        arg=before,
        polling=POLL_MS,
        timeout=timeout * 1000,
    )


@asynccontextmanager
async def _one_run(page):
    """Around an input (a click, keys, an upload, a stroke): on leaving, wait for the run it started to end."""
    before = await _runs_ended(page)
    yield
    await _rerun_done(page, before)


async def _open(page, url: str, timeout: float = ACTION_TIMEOUT) -> float:
    begin = time.perf_counter()
    await page.goto(url)
    await wait_rendered_async(page, timeout)
    return time.perf_counter() - begin


async def _count(page, selector: str) -> int:
    return await page.locator(selector).count()


async def _type(page, box: str, texts: tuple[str, ...], round_: int) -> None:
    """Type this round's text in the text area `box` and apply it (Ctrl+Enter).

    Every round's text differs (a trailing space per pass through `texts`), so each one reruns the page.
    """
    area = page.get_by_role("textbox", name=box)
    await area.fill(texts[round_ % len(texts)] + " " * (round_ // len(texts)))
    async with _one_run(page):
        await area.press("Control+Enter")


async def _action(page, action: dict, round_: int) -> None:
    """One declared interaction of a page (see cnnrnn/core/task.py, LOAD_ACTIONS); returns when its result is
    drawn (raises when it is not). Keys: "radio" (a view picked first), then one of "upload" (files, one per
    round), "draw" (a stroke on the canvas), "type" (a text box's label, with "texts") or "click" (a button);
    "result" (a `locate` spec)."""
    switched = False
    if "radio" in action:
        radio = page.get_by_role("radio", name=action["radio"], exact=True)
        if await radio.is_checked() is False:
            async with _one_run(page):
                await radio.click()
            switched = True
    if "upload" in action:
        files = action["upload"]
        async with _one_run(page):
            await page.locator('input[type="file"]').set_input_files(str(files[round_ % len(files)]))
    elif action.get("draw"):
        canvas = page.locator("canvas.upper-canvas")
        await canvas.wait_for(timeout=ACTION_TIMEOUT * 1000)
        if switched:
            await asyncio.sleep(0.5)  # the canvas component mounts after the run
        await canvas.scroll_into_view_if_needed()  # the mouse draws only where the screen shows the canvas
        box = await canvas.bounding_box()
        x = box["x"] + 110 + 15 * (round_ % 4)
        await page.mouse.move(x, box["y"] + 45)
        async with _one_run(page):
            await page.mouse.down()
            await page.mouse.move(x - 5, box["y"] + 235, steps=12)
            await page.mouse.up()
    elif "type" in action:
        await _type(page, action["type"], action["texts"], round_)
    elif "click" in action:
        async with _one_run(page):
            await page.get_by_role("button", name=action["click"], exact=True).click()
    else:
        raise ValueError(f"no interaction in {action!r}")
    await locate(page, action["result"]).wait_for(timeout=ACTION_TIMEOUT * 1000)


async def _errors_on(page) -> tuple[int, int]:
    return (
        await _count(page, '[data-testid="stException"]'),
        await _count(page, '[data-testid="stAlertContentError"]'),
    )


async def _inference_session(
    browser,
    url: str,
    planned: tuple[str, str, dict],
    rounds: int,
    think: float,
    viewport: dict,
    start: asyncio.Event,
    seed: int,
) -> Record:
    label, path, action = planned
    record = Record(label)
    rng = np.random.default_rng(seed)
    context, page = await _new_page(browser, viewport)
    try:
        await _open(page, f"{url}/{path}")
        await start.wait()
        for round_ in range(rounds):
            await asyncio.sleep(float(rng.uniform(0.5, 1.5)) * think)
            begin = time.perf_counter()
            try:
                await _action(page, action, round_)
            except Exception as error:  # noqa: BLE001 - a failed action is a measured error, not a crash
                record.errors.append(f"round {round_}: {type(error).__name__}: {str(error).splitlines()[0][:160]}")
                continue
            record.times.append(time.perf_counter() - begin)
            exceptions, alerts = await _errors_on(page)
            record.exceptions = max(record.exceptions, exceptions)
            if alerts:
                record.errors.append(f"round {round_}: an error box on the page")
    except Exception as error:  # noqa: BLE001
        record.errors.append(f"open: {type(error).__name__}: {str(error).splitlines()[0][:160]}")
    finally:
        await context.close()
    return record


async def _training_session(
    browser, url: str, training: tuple[str, dict], seconds: float, started: asyncio.Event
) -> Record:
    """The page that declares LOAD_TRAINING (the Sequence Lab): train, stop after `seconds`; sees whether it
    queued. spec: "query" (the link's, for a long run), the "train", "stop" and "done" buttons' names."""
    path, spec = training
    record = Record(f"{path} (training)")
    context, page = await _new_page(browser, DESKTOP)
    try:
        await _open(page, f"{url}/{path}?{spec['query']}")
        begin = time.perf_counter()
        await page.get_by_role("button", name=spec["train"]).click()
        await page.locator('[data-testid="stProgress"]').first.wait_for(timeout=ACTION_TIMEOUT * 1000)
        record.times.append(time.perf_counter() - begin)  # click to the first progress drawn
        started.set()
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline:
            if await page.get_by_text("Waiting for a training slot", exact=False).count():
                record.waited_for_slot = True
            await asyncio.sleep(0.5)
        await page.get_by_role("button", name=spec["stop"]).click()
        await page.get_by_role("button", name=spec["done"]).wait_for(timeout=ACTION_TIMEOUT * 1000)
        exceptions, alerts = await _errors_on(page)
        record.exceptions = exceptions
        if alerts:
            record.errors.append("an error box on the page")
    except Exception as error:  # noqa: BLE001
        record.errors.append(f"{type(error).__name__}: {str(error).splitlines()[0][:160]}")
        started.set()
    finally:
        await context.close()
    return record


async def _room(url: str, sessions: int, rounds: int, think: float, train_seconds: float) -> dict:
    from playwright.async_api import async_playwright

    async with async_playwright() as playwright:
        browser = await playwright.chromium.launch(
            executable_path=CHROMIUM,
            headless=True,
            args=["--no-sandbox", "--disable-gpu", "--disable-background-networking"],
        )
        # The warm start: one visitor reads the home page, then opens each model page.
        context, page = await _new_page(browser, DESKTOP)
        home = await _open(page, url)
        await asyncio.sleep(READING_SECONDS)
        after_reading = {}
        for task in page_tasks():
            if task.loaders:  # a page with models of its own
                after_reading[task.url_path] = round(await _open(page, f"{url}/{task.url_path}"), 2)
        await context.close()

        started = asyncio.Event()
        training, planned = training_page(), inference_actions()
        jobs = [_training_session(browser, url, training, train_seconds, started)] if sessions > 1 and training else []
        if not jobs:
            started.set()
        for index in range(sessions - len(jobs)):
            viewport = PHONE if index % 2 == 0 else DESKTOP
            jobs.append(
                _inference_session(
                    browser, url, planned[index % len(planned)], rounds, think, viewport, started, seed=index
                )
            )
        records = await asyncio.gather(*jobs)
        await browser.close()
    return {"home_s": round(home, 2), "after_reading_s": after_reading, "records": records}


def _percentile(values: list[float], q: float) -> float | None:
    return round(float(np.percentile(values, q)), 2) if values else None


def bench_room(
    sessions: int = 8, rounds: int = 4, think: float = 2.0, train_seconds: float = 40.0, timeout: float = 120.0
) -> dict:
    """Start `streamlit run` cold, then the room (see the module docstring); one JSON-ready dict.

    Keys: sessions, rounds; cold (home_s, after_reading_s page -> seconds to ready after the home page
    was read for READING_SECONDS); pages (page -> sessions, actions, p50_s, p95_s, errors, exceptions);
    inference_p95_s (all inference actions); trainings, trainings_waited; server_rss_mb (peak, final);
    errors (the messages, first 20).
    """
    log_path = ROOT / "test-artifacts" / "room.log"
    log_path.parent.mkdir(exist_ok=True)
    with open(log_path, "w") as log:
        start = time.perf_counter()
        server, url = start_streamlit(timeout, log)
        healthy = time.perf_counter() - start
        sampler = MemorySampler(server.pid)
        sampler.start()
        try:
            room = asyncio.run(_room(url, sessions, rounds, think, train_seconds))
        finally:
            memory = sampler.stop()
            server.terminate()
            server.wait(timeout=30)
    pages: dict[str, dict] = {}
    inference: list[float] = []
    messages: list[str] = []
    for record in room["records"]:
        row = pages.setdefault(record.page, {"sessions": 0, "times": [], "errors": 0, "exceptions": 0})
        row["sessions"] += 1
        row["times"] += record.times
        row["errors"] += len(record.errors)
        row["exceptions"] += record.exceptions
        messages += [f"{record.page}: {message}" for message in record.errors]
        if "training" not in record.page:
            inference += record.times
    table = {
        name: {
            "sessions": row["sessions"],
            "actions": len(row["times"]),
            "p50_s": _percentile(row["times"], 50),
            "p95_s": _percentile(row["times"], 95),
            "errors": row["errors"],
            "exceptions": row["exceptions"],
        }
        for name, row in pages.items()
    }
    trainings = [record for record in room["records"] if "training" in record.page]
    return {
        "room": {
            "sessions": sessions,
            "rounds": rounds,
            "think_s": think,
            "train_s": train_seconds,
            "machine_cores": os.cpu_count(),
            "health_s": round(healthy, 2),
            "cold": {
                "home_s": room["home_s"],
                "reading_s": READING_SECONDS,
                "after_reading_s": room["after_reading_s"],
            },
            "pages": table,
            "inference_p95_s": _percentile(inference, 95),
            "errors_total": sum(row["errors"] for row in table.values()),
            "exceptions_total": sum(row["exceptions"] for row in table.values()),
            "trainings": len(trainings),
            "trainings_waited": sum(r.waited_for_slot for r in trainings),
            "server_rss_mb": memory,
            "errors": messages[:20],
        }
    }


def format_room(result: dict) -> str:
    """The room benchmark as plain text."""
    room = result["room"]
    cold = room["cold"]
    lines = [
        f"room of {room['sessions']} sessions, {room['rounds']} actions each, on {room['machine_cores']} cores "
        f"(server healthy after {room['health_s']:.1f} s)",
        f"cold start: home page {cold['home_s']:.2f} s; after reading it {cold['reading_s']:.0f} s: "
        + ", ".join(f"{name} {seconds:.2f} s" for name, seconds in cold["after_reading_s"].items()),
        "",
        f"{'page':<26}{'sessions':>9}{'actions':>9}{'p50 s':>8}{'p95 s':>8}{'errors':>8}{'exceptions':>12}",
    ]
    for name, row in room["pages"].items():
        p50 = "-" if row["p50_s"] is None else f"{row['p50_s']:.2f}"
        p95 = "-" if row["p95_s"] is None else f"{row['p95_s']:.2f}"
        lines.append(
            f"{name:<26}{row['sessions']:>9}{row['actions']:>9}{p50:>8}{p95:>8}{row['errors']:>8}"
            f"{row['exceptions']:>12}"
        )
    lines += [
        "",
        f"inference p95 while one session trains: {room['inference_p95_s']} s",
        f"trainings: {room['trainings']}, waited for a slot: {room['trainings_waited']}",
        f"server resident memory: peak {room['server_rss_mb']['peak']:.0f} MB, "
        f"final {room['server_rss_mb']['final']:.0f} MB",
    ]
    lines += [f"error: {message}" for message in room["errors"]]
    return "\n".join(lines)
