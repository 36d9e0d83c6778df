"""The benchmark behind `python -m cnnrnn bench`: latency, traces, memory, start-up, over the registry.

Everything is measured in this process on the shipped models, through the same
predictors the dashboard uses, with `model.predict` timed in the same run for
comparison. Each task's `cli.bench()` gives its rows; `cli.bench_calls(rng)` gives
the calls the memory-growth loop mixes. `--startup` also starts `streamlit run` and
times, in a real browser (Debian's Chromium via Playwright), the home page and every
page, the Generation page's stream (characters per second the browser shows, per model), and on
a second cold server a model page opened first, while the warm start still loads (when the loading
message shows, when the page is ready). `--live` adds what a task measures only on request (the generation page's live
training on the first 100 KB of tiny Shakespeare).
"""

from __future__ import annotations

import json
import os
import platform
import subprocess
import time
from datetime import UTC, datetime
from pathlib import Path

import numpy as np

from cnnrnn.browser import CHROMIUM, start_streamlit, wait_rendered
from cnnrnn.core.timing import rss_mb
from cnnrnn.tasks import all_tasks, page_tasks

ROOT = Path(__file__).resolve().parents[1]
LATEST = ROOT / "docs" / "bench-latest.json"  # `bench --save` with no path; `python -m cnnrnn docs` renders it


def _clis() -> list:
    return [task.module("cli") for task in all_tasks()]


def bench_memory(interactions: int = 1000) -> dict:
    """Resident memory before and after `interactions` mixed calls (every task's `bench_calls`).

    Every model is loaded and warmed first, so the difference is what use adds.
    """
    rng = np.random.default_rng(1)
    calls = [call for cli in _clis() if hasattr(cli, "bench_calls") for call in cli.bench_calls(rng)]
    for call in calls:  # warm: every trace made before the first reading
        call()
    before = rss_mb()
    for i in range(interactions):
        calls[i % len(calls)]()
    after = rss_mb()
    return {
        "memory_growth": {
            "interactions": interactions,
            "rss_before_mb": round(before, 1),
            "rss_after_mb": round(after, 1),
            "growth_mb": round(after - before, 1),
        }
    }


STREAM_PAGE, STREAM_MODELS, STREAM_LENGTH = "Generation", ("lstm", "cnn"), 2000
OPEN_FIRST = "Image_CNN"  # the model page a visitor opens first on a cold server
# Records (ms, characters shown) each time the streamed text's length changes, frame by frame.
_STREAM_PROBE = """(prime) => {
  const samples = [];
  let stopped = false;
  const tick = () => {
    let n = 0;
    for (const el of document.querySelectorAll('[data-testid="stMarkdownContainer"]')) {
      if (el.innerText.startsWith(prime)) { n = el.innerText.length; break; }
    }
    if (!samples.length || samples[samples.length - 1][1] !== n) samples.push([performance.now(), n]);
    if (!stopped) requestAnimationFrame(tick);
  };
  tick();
  window.__cnnrnnStream = () => { stopped = true; return samples; };
}"""


def _browser(playwright):
    return playwright.chromium.launch(
        executable_path=CHROMIUM,
        headless=True,
        args=["--no-sandbox", "--disable-gpu", "--disable-background-networking"],
    )


def stream_rates(page, url: str, timeout: float = 120.0) -> dict:
    """Characters per second the Generation page's stream shows in the browser, per shipped model.

    For each model: open the page with that model and STREAM_LENGTH characters, press Generate and
    record, frame by frame, how many characters of the streamed text are shown. The rate is the
    characters shown after the prime's first frame over the time to the last one.
    model -> {"chars_per_s", "chars", "seconds"}.
    """
    rates = {}
    for model in STREAM_MODELS:
        page.goto(f"{url}/{STREAM_PAGE}?gen_model={model}&gen_length={STREAM_LENGTH}")
        wait_rendered(page, timeout)
        page.evaluate(_STREAM_PROBE, "ROMEO:")
        page.get_by_role("button", name="Generate").click()
        wait_rendered(page, timeout, started_within=3.0)  # the run the click started, to its end
        samples = [(t, n) for t, n in page.evaluate("window.__cnnrnnStream()") if n > 0]
        if len(samples) < 2:
            rates[model] = {"chars_per_s": None, "chars": samples[-1][1] if samples else 0, "seconds": None}
            continue
        (t0, n0), (t1, n1) = samples[0], max(samples, key=lambda s: (s[1], -s[0]))
        seconds = (t1 - t0) / 1000
        rates[model] = {
            "chars_per_s": round((n1 - n0) / seconds) if seconds > 0 else None,
            "chars": n1,
            "seconds": round(seconds, 2),
        }
    return rates


def bench_open_first(path: str = OPEN_FIRST, timeout: float = 120.0) -> dict:
    """A cold `streamlit run` whose first visitor opens a model page at once (the warm start has just begun).

    {"page", "health_s", "message_s" (the page's loading message shown; None if it never showed),
     "message", "ready_s" (the page's run over, its result drawn)}, seconds from the page's request.
    """
    from playwright.sync_api import sync_playwright

    start = time.perf_counter()
    server, url = start_streamlit(timeout)
    result = {"page": path, "health_s": round(time.perf_counter() - start, 2), "message_s": None, "message": ""}
    try:
        with sync_playwright() as playwright:
            browser = _browser(playwright)
            page = browser.new_page()
            begin = time.perf_counter()
            page.goto(f"{url}/{path}")
            spinner = page.locator('[data-testid="stSpinner"]').first
            try:
                spinner.wait_for(timeout=timeout * 1000)
                result["message_s"] = round(time.perf_counter() - begin, 2)
                result["message"] = spinner.inner_text().strip().splitlines()[0]
            except Exception:  # noqa: BLE001 - the page drew before any spinner could show
                pass
            wait_rendered(page, timeout)
            result["ready_s"] = round(time.perf_counter() - begin, 2)
            browser.close()
    finally:
        server.terminate()
        server.wait(timeout=30)
    return result


def bench_startup(timeout: float = 120.0) -> dict:
    """Seconds from `streamlit run` to each page rendered in a real browser, and the server's memory.

    Keys: startup_s (page -> seconds; "health" is the server answering,
    "home" the home page rendered), stream_chars_per_s (model -> the Generation page's stream in the
    browser, see `stream_rates`), server_rss_mb (after every page was used), open_first (a model page
    opened first on another cold server, see `bench_open_first`).
    """
    from playwright.sync_api import sync_playwright

    start = time.perf_counter()
    server, url = start_streamlit(timeout)
    result: dict = {"startup_s": {"health": round(time.perf_counter() - start, 2)}}
    try:
        with sync_playwright() as playwright:
            browser = _browser(playwright)
            page = browser.new_page()
            page.goto(url)
            page.get_by_text("Headline numbers").wait_for(timeout=timeout * 1000)
            result["startup_s"]["home"] = round(time.perf_counter() - start, 2)
            for task in page_tasks():
                begin = time.perf_counter()
                page.goto(f"{url}/{task.url_path}")
                wait_rendered(page, timeout)
                result["startup_s"][task.url_path] = round(time.perf_counter() - begin, 2)
            result["stream_chars_per_s"] = stream_rates(page, url, timeout)
            browser.close()
        result["server_rss_mb"] = round(rss_mb(server.pid), 1)
    finally:
        server.terminate()
        server.wait(timeout=30)
    result["open_first"] = bench_open_first(OPEN_FIRST, timeout)
    return result


def run(startup: bool = False, live: bool = False) -> dict:
    """Every figure of the benchmark as one dict (see the module docstring)."""
    import tensorflow as tf

    result = {
        "machine": f"{platform.machine()}, {os.cpu_count()} cores, {platform.system()}",
        "tensorflow": tf.__version__,
        "latency_ms": {},
        "traces": {},
    }
    for cli in _clis():
        if not hasattr(cli, "bench"):
            continue
        for key, values in cli.bench(live=live).items():
            if key in ("latency_ms", "traces"):
                result[key].update(values)
            else:
                result[key] = values
    result["rss_mb"] = round(rss_mb(), 1)
    result.update(bench_memory())
    if startup:
        result.update(bench_startup())
    return result


def cpu_name() -> str:
    """The processor's model name from /proc/cpuinfo (Linux), else what `platform` knows ("" if nothing)."""
    info = Path("/proc/cpuinfo")
    if info.is_file():
        for line in info.read_text(errors="replace").splitlines():
            if line.startswith("model name"):
                return line.partition(":")[2].strip()
    return platform.processor()


def git_commit(root: Path = ROOT) -> str | None:
    """The checkout's commit (with "+changes" when the work tree differs from it), or None outside git."""
    try:
        commit = subprocess.run(
            ["git", "rev-parse", "HEAD"], cwd=root, capture_output=True, text=True, timeout=10, check=True
        ).stdout.strip()
        dirty = subprocess.run(
            ["git", "status", "--porcelain", "--untracked-files=no"],
            cwd=root,
            capture_output=True,
            text=True,
            timeout=10,
            check=True,
        ).stdout.strip()
    except (OSError, subprocess.SubprocessError):
        return None
    return commit + ("+changes" if dirty else "") if commit else None


def load_average() -> float | None:
    """The machine's 1-minute load average (None where the system has none): how busy it was around a run."""
    try:
        return round(os.getloadavg()[0], 2)
    except (AttributeError, OSError):
        return None


def context() -> dict:
    """What to record before a run that will be saved: the commit measured and how busy the machine is."""
    return {"commit": git_commit(), "load_average": {"before": load_average()}}


def provenance(command: str, before: dict) -> dict:
    """Where a result came from: command, commit (from `before`, `context()` taken at the start), date (UTC),
    cpu and load_average (1-minute, before and after)."""
    return {
        "command": command,
        "commit": before.get("commit"),
        "date": datetime.now(UTC).isoformat(timespec="seconds"),
        "cpu": cpu_name(),
        "load_average": {**before.get("load_average", {}), "after": load_average()},
    }


def save(result: dict, path: Path, command: str, before: dict) -> Path:
    """Write a benchmark result as JSON, with what `python -m cnnrnn docs` needs to say where it came from.

    Adds to a copy of `result` "command" (how it was run), "commit" (the checkout measured, from `before`,
    `context()` taken at the start; None outside git), "date" (UTC, to the second), "cpu" (the processor's
    name) and "load_average" (1-minute, before and after the run).
    """
    record = {**result, **provenance(command, before)}
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(record, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")  # rows in run order
    return path


def format_table(result: dict) -> str:
    """The benchmark as plain-text tables (what `bench` prints without --json)."""
    lines = [
        f"machine: {result['machine']}, tensorflow {result['tensorflow']}",
        "",
        f"{'model':<30}{'p50 ms':>9}{'p95 ms':>9}{'predict ms':>12}{'ratio':>8}{'traces':>8}",
    ]
    for name, row in result["latency_ms"].items():  # NaN: not timed through model.predict
        lines.append(
            f"{name:<30}{row['p50']:>9.2f}{row['p95']:>9.2f}"
            f"{row.get('predict_p50', float('nan')):>12.2f}{row.get('ratio', float('nan')):>8.1f}"
            f"{result['traces'].get(name.split()[0], '-'):>8}"
        )
    for name, value in result.get("chars_per_second", {}).items():
        lines.append(f"generation {name}: {value:,.0f} characters/s")
    for name, value in result.get("tang_poems_per_second", {}).items():
        lines.append(f"poems {name}: {value:,.1f} 五言絕句 per second")
    if "room_speaker_view_s" in result:
        room = result["room_speaker_view_s"]
        lines.append(
            f"audience room, speaker's view of {room['submissions']} submissions: {room['p50']:.2f} s "
            f"(first {room['first']:.2f} s, slowest {room['max']:.2f} s)"
        )
    lines.append(f"resident memory after loading every model: {result['rss_mb']:.0f} MB")
    if "memory_growth" in result:
        growth = result["memory_growth"]
        lines.append(
            f"resident memory growth over {growth['interactions']:,} mixed calls: "
            f"{growth['growth_mb']:+.1f} MB ({growth['rss_before_mb']:.0f} -> {growth['rss_after_mb']:.0f} MB)"
        )
    for page, seconds in result.get("startup_s", {}).items():
        lines.append(f"start-up {page}: {seconds:.2f} s")
    for model, row in result.get("stream_chars_per_s", {}).items():
        rate = "-" if row["chars_per_s"] is None else f"{row['chars_per_s']:,}"
        lines.append(f"generation stream in the browser, {model}: {rate} characters/s ({row['chars']:,} shown)")
    if "open_first" in result:
        first = result["open_first"]
        shown = "never" if first["message_s"] is None else f"{first['message_s']:.2f} s ({first['message']})"
        lines.append(
            f"cold server, {first['page']} opened first: loading message {shown}, ready {first['ready_s']:.2f} s"
        )
    if "server_rss_mb" in result:
        lines.append(f"server resident memory after every page: {result['server_rss_mb']:.0f} MB")
    if "live" in result:
        live = result["live"]
        lines += [
            f"live training on {live['corpus_chars']:,} characters: {live['steps']:,} steps in "
            f"{live['seconds']:.0f} s, held-out {live['best_val_loss']:.3f} nats/char; "
            f"{live['real_word_share']:.0%} of the sample's {live['sample_words']} words are real words",
            live["sample"],
        ]
    return "\n".join(lines)
