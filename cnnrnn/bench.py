"""The benchmark behind `python -m cnnrnn bench`: latency, traces, memory, start-up.

Everything is measured in this process on the shipped models, through the same
predictors the dashboard uses, with `model.predict` timed in the same run for
comparison. `--startup` also starts `streamlit run` and times, in a real
browser (Debian's Chromium via Playwright), the home page and every page.
"""

from __future__ import annotations

import os
import platform
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]


def rss_mb(pid: int | None = None) -> float:
    """Resident set size of a process (this one by default) in MB, from /proc."""
    path = Path(f"/proc/{pid or os.getpid()}/status")
    if path.is_file():
        for line in path.read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    import resource  # not Linux: the peak is the best we have

    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024 / (1024 if platform.system() == "Darwin" else 1)


def time_ms(fn, repeats: int, warmup: int = 5) -> np.ndarray:
    """Wall time of `repeats` calls of fn() in milliseconds (after `warmup` calls)."""
    for _ in range(warmup):
        fn()
    times = np.empty(repeats)
    for i in range(repeats):
        start = time.perf_counter()
        fn()
        times[i] = (time.perf_counter() - start) * 1000
    return times


def _summary(fast: np.ndarray, slow: np.ndarray | None) -> dict:
    out = {"p50": round(float(np.percentile(fast, 50)), 3), "p95": round(float(np.percentile(fast, 95)), 3)}
    if slow is not None:
        out["predict_p50"] = round(float(np.percentile(slow, 50)), 3)
        out["ratio"] = round(out["predict_p50"] / max(out["p50"], 1e-9), 1)
    return out


def bench_images(repeats: int = 200) -> dict:
    """Single-image latency of the three MNIST models, and their trace counts after mixed sizes."""
    from cnnrnn.inference import ImagePredictor, load_image_models

    rng = np.random.default_rng(0)
    latency, traces = {}, {}
    for name, model in load_image_models().items():
        predictor = ImagePredictor(model)
        image = rng.random((28, 28), dtype=np.float32)
        fast = time_ms(lambda: predictor.predict_one(image), repeats)
        slow = time_ms(lambda: model.predict(image[None, :, :, None], verbose=0), max(repeats // 4, 20))
        latency[name] = _summary(fast, slow)
        # 200 inputs of random sizes (rows for the row RNN, sides for the pooled CNN).
        for _ in range(200):
            side = int(rng.integers(8, 113))
            if name == "cnn_gap":
                predictor.predict_one(rng.random((side, side), dtype=np.float32))
            elif name == "rnn_rows":
                predictor.predict_one(rng.random((side, 28), dtype=np.float32))
            else:
                predictor.predict_one(image)
        traces[name] = predictor.traces
    return {"latency_ms": latency, "traces": traces}


def bench_startup(timeout: float = 120.0) -> dict:
    """Seconds from `streamlit run` to each page rendered in a real browser, and the server's memory.

    Keys: startup_s (page -> seconds; "health" is the server answering,
    "home" the home page rendered), server_rss_mb (after every page was used).
    """
    import shutil
    import socket
    import subprocess
    import sys
    import urllib.request

    from playwright.sync_api import sync_playwright

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    url = f"http://127.0.0.1:{port}"
    start = time.perf_counter()
    server = subprocess.Popen(
        [sys.executable, "-m", "streamlit", "run", "streamlit_app.py", "--server.port", str(port),
         "--server.address", "127.0.0.1", "--server.headless", "true"],
        cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    result: dict = {"startup_s": {}}
    try:
        while time.perf_counter() - start < timeout:
            try:
                with urllib.request.urlopen(f"{url}/_stcore/health", timeout=2) as response:
                    if response.read().strip() == b"ok":
                        break
            except OSError:
                time.sleep(0.05)
        result["startup_s"]["health"] = round(time.perf_counter() - start, 2)
        chromium = shutil.which("chromium") or "/usr/bin/chromium"
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path=chromium, headless=True,
                                                 args=["--no-sandbox", "--disable-gpu",
                                                       "--disable-background-networking"])
            page = browser.new_page()
            page.goto(url)
            page.get_by_text("Headline numbers").wait_for(timeout=timeout * 1000)
            result["startup_s"]["home"] = round(time.perf_counter() - start, 2)
            for path in sorted((ROOT / "pages").glob("*.py")):
                slug = path.stem.split("_", 1)[1]
                begin = time.perf_counter()
                page.goto(f"{url}/{slug}")
                page.locator("h1").first.wait_for(timeout=timeout * 1000)
                # Rendered: the script finished (no "running" indicator) and something below the title.
                page.wait_for_function(
                    "() => !document.querySelector('[data-testid=\"stStatusWidget\"]')", timeout=timeout * 1000)
                result["startup_s"][slug] = round(time.perf_counter() - begin, 2)
            browser.close()
        result["server_rss_mb"] = round(rss_mb(server.pid), 1)
    finally:
        server.terminate()
        server.wait(timeout=30)
    return result


def bench_generation(length: int = 2000, repeats: int = 3) -> dict:
    """Characters per second of the character models' stateful generation ({} without their weights).

    Each model writes `length` characters (temperature 0.8) `repeats` times after a warm-up;
    the best run counts. One compiled call per 32 characters, one step per character.
    """
    from cnnrnn.train import WEIGHTS_DIR

    if not (WEIGHTS_DIR / "charlm_vocab.json").is_file():
        return {}
    from cnnrnn.experiments import generation_speed
    from cnnrnn.inference import load_charlm

    predictors = load_charlm()
    return {"chars_per_second": generation_speed(predictors, length, repeats)}


def run(startup: bool = False) -> dict:
    """Every figure of the benchmark as one dict (see the module docstring)."""
    import tensorflow as tf

    result = {"machine": f"{platform.machine()}, {os.cpu_count()} cores, {platform.system()}",
              "tensorflow": tf.__version__}
    result.update(bench_images())
    result.update(bench_generation())
    result["rss_mb"] = round(rss_mb(), 1)
    if startup:
        result.update(bench_startup())
    return result


def format_table(result: dict) -> str:
    """The benchmark as plain-text tables (what `bench` prints without --json)."""
    lines = [f"machine: {result['machine']}, tensorflow {result['tensorflow']}", "",
             f"{'model':<22}{'p50 ms':>9}{'p95 ms':>9}{'predict ms':>12}{'ratio':>8}{'traces':>8}"]
    for name, row in result["latency_ms"].items():
        lines.append(f"{name:<22}{row['p50']:>9.2f}{row['p95']:>9.2f}"
                     f"{row.get('predict_p50', float('nan')):>12.2f}{row.get('ratio', float('nan')):>8.1f}"
                     f"{result['traces'].get(name, '-'):>8}")
    for name, value in result.get("chars_per_second", {}).items():
        lines.append(f"generation {name}: {value:,.0f} characters/s")
    lines.append(f"resident memory after loading every model: {result['rss_mb']:.0f} MB")
    for page, seconds in result.get("startup_s", {}).items():
        lines.append(f"start-up {page}: {seconds:.2f} s")
    if "server_rss_mb" in result:
        lines.append(f"server resident memory after every page: {result['server_rss_mb']:.0f} MB")
    return "\n".join(lines)
