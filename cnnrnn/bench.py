"""The benchmark behind `python -m cnnrnn bench`: latency, traces, memory, start-up, over the registry.

Everything is measured in this process on the shipped models, through the same
predictors the dashboard uses, with `model.predict` timed in the same run for
comparison. Each task's `cli.bench()` gives its rows; `cli.bench_calls(rng)` gives
the calls the memory-growth loop mixes. `--startup` also starts `streamlit run` and
times, in a real browser (Debian's Chromium via Playwright), the home page and every
page. `--live` adds what a task measures only on request (the generation page's live
training on the first 100 KB of tiny Shakespeare).
"""

from __future__ import annotations

import os
import platform
import time

import numpy as np

from cnnrnn.core.server import start_streamlit, wait_rendered
from cnnrnn.core.timing import rss_mb
from cnnrnn.tasks import all_tasks, page_tasks


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
    return {"memory_growth": {"interactions": interactions, "rss_before_mb": round(before, 1),
                              "rss_after_mb": round(after, 1), "growth_mb": round(after - before, 1)}}


def bench_startup(timeout: float = 120.0) -> dict:
    """Seconds from `streamlit run` to each page rendered in a real browser, and the server's memory.

    Keys: startup_s (page -> seconds; "health" is the server answering,
    "home" the home page rendered), server_rss_mb (after every page was used).
    """
    import shutil

    from playwright.sync_api import sync_playwright

    start = time.perf_counter()
    server, url = start_streamlit(timeout)
    result: dict = {"startup_s": {"health": round(time.perf_counter() - start, 2)}}
    try:
        chromium = shutil.which("chromium") or "/usr/bin/chromium"
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path=chromium, headless=True,
                                                 args=["--no-sandbox", "--disable-gpu",
                                                       "--disable-background-networking"])
            page = browser.new_page()
            page.goto(url)
            page.get_by_text("Headline numbers").wait_for(timeout=timeout * 1000)
            result["startup_s"]["home"] = round(time.perf_counter() - start, 2)
            for task in page_tasks():
                begin = time.perf_counter()
                page.goto(f"{url}/{task.url_path}")
                wait_rendered(page, timeout)
                result["startup_s"][task.url_path] = round(time.perf_counter() - begin, 2)
            browser.close()
        result["server_rss_mb"] = round(rss_mb(server.pid), 1)
    finally:
        server.terminate()
        server.wait(timeout=30)
    return result


def run(startup: bool = False, live: bool = False) -> dict:
    """Every figure of the benchmark as one dict (see the module docstring)."""
    import tensorflow as tf

    result = {"machine": f"{platform.machine()}, {os.cpu_count()} cores, {platform.system()}",
              "tensorflow": tf.__version__, "latency_ms": {}, "traces": {}}
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


def format_table(result: dict) -> str:
    """The benchmark as plain-text tables (what `bench` prints without --json)."""
    lines = [f"machine: {result['machine']}, tensorflow {result['tensorflow']}", "",
             f"{'model':<30}{'p50 ms':>9}{'p95 ms':>9}{'predict ms':>12}{'ratio':>8}{'traces':>8}"]
    for name, row in result["latency_ms"].items():  # NaN: not timed through model.predict
        lines.append(f"{name:<30}{row['p50']:>9.2f}{row['p95']:>9.2f}"
                     f"{row.get('predict_p50', float('nan')):>12.2f}{row.get('ratio', float('nan')):>8.1f}"
                     f"{result['traces'].get(name.split()[0], '-'):>8}")
    for name, value in result.get("chars_per_second", {}).items():
        lines.append(f"generation {name}: {value:,.0f} characters/s")
    for name, value in result.get("tang_poems_per_second", {}).items():
        lines.append(f"poems {name}: {value:,.1f} 五言絕句 per second")
    if "room_speaker_view_s" in result:
        room = result["room_speaker_view_s"]
        lines.append(f"audience room, speaker's view of {room['submissions']} submissions: {room['p50']:.2f} s "
                     f"(first {room['first']:.2f} s, slowest {room['max']:.2f} s)")
    lines.append(f"resident memory after loading every model: {result['rss_mb']:.0f} MB")
    if "memory_growth" in result:
        growth = result["memory_growth"]
        lines.append(f"resident memory growth over {growth['interactions']:,} mixed calls: "
                     f"{growth['growth_mb']:+.1f} MB ({growth['rss_before_mb']:.0f} -> {growth['rss_after_mb']:.0f} MB)")
    for page, seconds in result.get("startup_s", {}).items():
        lines.append(f"start-up {page}: {seconds:.2f} s")
    if "server_rss_mb" in result:
        lines.append(f"server resident memory after every page: {result['server_rss_mb']:.0f} MB")
    if "live" in result:
        live = result["live"]
        lines += [f"live training on {live['corpus_chars']:,} characters: {live['steps']:,} steps in "
                  f"{live['seconds']:.0f} s, held-out {live['best_val_loss']:.3f} nats/char; "
                  f"{live['real_word_share']:.0%} of the sample's {live['sample_words']} words are real words",
                  live["sample"]]
    return "\n".join(lines)
