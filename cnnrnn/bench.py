"""The benchmark behind `python -m cnnrnn bench`: latency, traces, memory, start-up.

Everything is measured in this process on the shipped models, through the same
predictors the dashboard uses, with `model.predict` timed in the same run for
comparison. `--startup` also starts `streamlit run` and times, in a real
browser (Debian's Chromium via Playwright), the home page and every page.
`--live` trains the generation page's live LSTM on the first 100 KB of tiny
Shakespeare for its two minutes and scores the sample it writes.
"""

from __future__ import annotations

import functools
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


@functools.lru_cache(maxsize=None)
def _loaded(kind: str):
    """The shipped models of one kind, loaded once per benchmark process (the dashboard shares them too)."""
    from cnnrnn import inference

    return {"image": inference.load_image_models, "sentiment": inference.load_sentiment_predictors,
            "charlm": inference.load_charlm}[kind]()


def bench_images(repeats: int = 200) -> dict:
    """Single-image latency of the three MNIST models, and their trace counts after mixed sizes."""
    from cnnrnn.inference import ImagePredictor

    rng = np.random.default_rng(0)
    latency, traces = {}, {}
    for name, model in _loaded("image").items():
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


SENTIMENT_LENGTHS = (10, 50, 100, 1000)  # tokens


def _sentence(rng, words: list[str], length: int) -> str:
    return " ".join(rng.choice(words, length))


def bench_sentiment(repeats: int = 100) -> dict:
    """One-sentence latency of both sentiment models at 10 to 1,000 tokens, and traces after mixed lengths.

    Rows "sentiment_rnn 50 tokens"...; the 50-token rows also time `model.predict`.
    """
    from cnnrnn.train import WEIGHTS_DIR

    if not all((WEIGHTS_DIR / f"sentiment_{n}.keras").is_file() for n in ("rnn", "cnn")):
        return {}
    rng = np.random.default_rng(0)
    latency, traces = {}, {}
    for name, predictor in _loaded("sentiment").items():
        words = sorted(predictor.vocabulary)
        for length in SENTIMENT_LENGTHS:
            text = _sentence(rng, words, length)
            fast = time_ms(lambda: predictor.predict_one(text), repeats)
            slow = None
            if length == 50:
                import tensorflow as tf

                batch = tf.constant([text])
                slow = time_ms(lambda: predictor.model.predict(batch, verbose=0), max(repeats // 4, 20))
            latency[f"sentiment_{name} {length} tokens"] = _summary(fast, slow)
        for _ in range(200):
            predictor.predict_one(_sentence(rng, words, int(rng.integers(1, 400))))
        traces[f"sentiment_{name}"] = predictor.traces
    return {"latency_ms": latency, "traces": traces}


def bench_captions(repeats: int = 50) -> dict:
    """One scene captioned greedily, and with beam search (width 3), through the page's predictor."""
    from cnnrnn.train import WEIGHTS_DIR

    if not (WEIGHTS_DIR / "captions_model.keras").is_file():
        return {}
    from cnnrnn.data import make_scenes
    from cnnrnn.experiments import scene_inputs
    from cnnrnn.inference import load_caption_predictor

    predictor = load_caption_predictor()
    images = scene_inputs(make_scenes(8, seed=4242).images)
    latency = {"captions greedy": _summary(time_ms(lambda: predictor.greedy(images[:1]), repeats), None),
               "captions beam 3": _summary(time_ms(lambda: predictor.beam(images[:1], 3), repeats), None)}
    for image in images:  # other scenes, other caption lengths
        predictor.caption_one(image)
    return {"latency_ms": latency, "traces": {"captions": predictor.traces}}


def bench_mnist1d(repeats: int = 100) -> dict:
    """One signal through the sequence lab's CNN and GRU at 40 and 160 points; traces over 20 to 160."""
    from cnnrnn.train import WEIGHTS_DIR

    if not all((WEIGHTS_DIR / f"mnist1d_{n}.keras").is_file() for n in ("cnn", "gru")):
        return {}
    from cnnrnn.inference import load_mnist1d_predictors

    rng = np.random.default_rng(2)
    latency, traces = {}, {}
    for name, predictor in load_mnist1d_predictors(names=["cnn", "gru"]).items():
        for length in (40, 160):
            signal = rng.standard_normal(length).astype(np.float32)
            fast = time_ms(lambda: predictor.predict_one(signal), repeats)
            slow = None
            if length == 40:
                slow = time_ms(lambda: predictor.model.predict(signal[None], verbose=0), max(repeats // 4, 20))
            latency[f"mnist1d_{name} {length} points"] = _summary(fast, slow)
        for _ in range(200):
            predictor.predict_one(rng.standard_normal(int(rng.integers(20, 161))).astype(np.float32))
        traces[f"mnist1d_{name}"] = predictor.traces
    return {"latency_ms": latency, "traces": traces}


def bench_memory(interactions: int = 1000) -> dict:
    """Resident memory before and after `interactions` mixed calls (images, sentences, generation).

    Every model is loaded and warmed first, so the difference is what use adds.
    """
    from cnnrnn.inference import ImagePredictor

    rng = np.random.default_rng(1)
    images = {name: ImagePredictor(model) for name, model in _loaded("image").items()}
    calls = [lambda: images["cnn_fixed"].predict_one(rng.random((28, 28), dtype=np.float32)),
             lambda: images["cnn_gap"].predict_one(rng.random((int(rng.integers(8, 113)),) * 2, dtype=np.float32)),
             lambda: images["rnn_rows"].predict_one(rng.random((int(rng.integers(8, 113)), 28), dtype=np.float32))]
    from cnnrnn.train import WEIGHTS_DIR

    if (WEIGHTS_DIR / "sentiment_rnn.keras").is_file():
        for predictor in _loaded("sentiment").values():
            words = sorted(predictor.vocabulary)
            calls.append(lambda p=predictor, w=words: p.predict_one(_sentence(rng, w, int(rng.integers(1, 300)))))
    if (WEIGHTS_DIR / "charlm_vocab.json").is_file():
        for predictor in _loaded("charlm").values():
            calls.append(lambda p=predictor: p.generate("ROMEO:\n", 64, 0.8, 0, int(rng.integers(0, 1000))))
    for call in calls:  # warm: every trace made before the first reading
        call()
    before = rss_mb()
    for i in range(interactions):
        calls[i % len(calls)]()
    after = rss_mb()
    return {"memory_growth": {"interactions": interactions, "rss_before_mb": round(before, 1),
                              "rss_after_mb": round(after, 1), "growth_mb": round(after - before, 1)}}


def start_streamlit(timeout: float = 90.0, log=None):
    """`streamlit run streamlit_app.py` on a free local port, returned once /_stcore/health says ok.

    Returns (process, url). log: a file for the server's output (discarded when None).
    Raises RuntimeError, with the server stopped, when it does not answer within `timeout` s.
    """
    import socket
    import subprocess
    import sys
    import urllib.request

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    url = f"http://127.0.0.1:{port}"
    output = log if log is not None else subprocess.DEVNULL
    server = subprocess.Popen(
        [sys.executable, "-m", "streamlit", "run", "streamlit_app.py", "--server.port", str(port),
         "--server.address", "127.0.0.1", "--server.headless", "true"],
        cwd=ROOT, stdout=output, stderr=subprocess.STDOUT if log is not None else subprocess.DEVNULL)
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(f"{url}/_stcore/health", timeout=2) as response:
                if response.read().strip() == b"ok":
                    return server, url
        except OSError:
            time.sleep(0.05)
    server.terminate()
    server.wait(timeout=30)
    raise RuntimeError(f"streamlit did not become healthy within {timeout:.0f} s")


def wait_rendered(page, timeout: float = 90.0) -> None:
    """Block until the page's script has run to its end (models loaded, results drawn).

    The app root's data-test-script-state goes "initial", "running", then "notRunning";
    Streamlit's status widget shows only after a delay, so it cannot tell.
    """
    from playwright.sync_api import expect

    page.locator("h1").first.wait_for(timeout=timeout * 1000)
    expect(page.locator('[data-testid="stApp"]')).to_have_attribute("data-test-script-state", "notRunning",
                                                                    timeout=timeout * 1000)


def bench_startup(timeout: float = 120.0) -> dict:
    """Seconds from `streamlit run` to each page rendered in a real browser, and the server's memory.

    Keys: startup_s (page -> seconds; "health" is the server answering,
    "home" the home page rendered), server_rss_mb (after every page was used).
    """
    import shutil

    from playwright.sync_api import sync_playwright

    from cnnrnn.tasks import all_tasks

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
            for task in all_tasks():
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


def bench_generation(length: int = 2000, repeats: int = 3) -> dict:
    """Characters per second of the character models' stateful generation ({} without their weights).

    Each model writes `length` characters (temperature 0.8) `repeats` times after a warm-up;
    the best run counts. One compiled call per 32 characters, one step per character.
    """
    from cnnrnn.train import WEIGHTS_DIR

    if not (WEIGHTS_DIR / "charlm_vocab.json").is_file():
        return {}
    from cnnrnn.experiments import generation_speed
    predictors = _loaded("charlm")
    return {"chars_per_second": generation_speed(predictors, length, repeats)}


def bench_live(chars: int = 100_000, seconds: float | None = None, sample_length: int = 600) -> dict:
    """Live training as the page runs it: `chars` of tiny Shakespeare for the live preset's time limit.

    Reports steps, seconds, the best held-out loss and, for a 600-character sample
    (temperature 0.7, seed 0), the share of its words that are words of the corpus.
    """
    import re

    from cnnrnn.config import CHARLM_LIVE
    from cnnrnn.data import corpus_from_text, load_shakespeare
    from cnnrnn.train import start_live_model, train_live

    text = load_shakespeare().text[:chars]
    corpus = corpus_from_text(text, "tiny Shakespeare, first 100 KB")
    live = start_live_model(corpus)
    limit = CHARLM_LIVE.time_limit if seconds is None else seconds
    train_live(live, corpus, time_limit=limit)
    prime = "ROMEO:\n"
    sample = live.predictor.generate(prime, sample_length, 0.7, 0, 0)
    known = set(re.findall(r"[a-z]+", text.lower()))
    words = re.findall(r"[a-z]+", sample.lower())
    real = sum(word in known for word in words)
    return {"live": {"corpus_chars": len(text), "time_limit_s": limit, "steps": live.history["step"],
                     "seconds": live.history["seconds"], "best_val_loss": live.history.get("best_val_loss"),
                     "sample_words": len(words), "real_word_share": round(real / max(len(words), 1), 3),
                     "sample": prime + sample}}


def run(startup: bool = False, live: bool = False) -> dict:
    """Every figure of the benchmark as one dict (see the module docstring)."""
    import tensorflow as tf

    result = {"machine": f"{platform.machine()}, {os.cpu_count()} cores, {platform.system()}",
              "tensorflow": tf.__version__}
    result.update(bench_images())
    for extra in (bench_sentiment(), bench_captions(), bench_mnist1d()):
        for key, values in extra.items():
            result[key].update(values)
    result.update(bench_generation())
    result["rss_mb"] = round(rss_mb(), 1)
    result.update(bench_memory())
    if startup:
        result.update(bench_startup())
    if live:
        result.update(bench_live())
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
