"""The room's command-line interface (see `cnnrnn.core.task`): the benchmark row only.

The room trains nothing (`parser.MODELS` is empty), so it has no `train`, `evaluate` or
`manifest_figures`: its models are the image and sentiment tasks', evaluated there. `bench()`
times the speaker's view, rendered by the page itself under AppTest, over a room of simulated
submissions (real test digits and sentences, read by the shipped models).
"""

from __future__ import annotations

import os
import statistics
import tempfile
import time
from contextlib import contextmanager
from pathlib import Path

from cnnrnn.core.warm import ENV as WARM_ENV
from cnnrnn.tasks.digits import api as digits
from cnnrnn.tasks.room import store
from cnnrnn.tasks.room.ui import ROOM_DIR_ENV
from cnnrnn.tasks.sentiment import api as sentiment

ROOT = Path(__file__).resolve().parents[3]
PAGE = "pages/room.py"


def simulated_room(engine, submissions: int = 30, sentences: int = 6) -> tuple[str, str]:
    """Open a room and fill it: `submissions` in all, the last `sentences` of them sentences (the rest digits).

    Each comes from its own session (the per-minute limit is per session). Returns (code, key).
    """
    code, key = store.open_room(engine)
    count = max(submissions - sentences, 0)
    images, labels = digits.test_digits(count) if count else ([], [])
    for i, (image, label) in enumerate(zip(images, labels)):
        found = digits.digit_verdicts(image)
        sent = store.add_submission(
            engine, code, f"bench-{i}", "digit", int(label), found, digit=store.digit_bytes(image)
        )
        assert sent.id is not None, sent.message
    for i in range(submissions - count):
        sentence = sentiment.EXAMPLE_SENTENCES[i % len(sentiment.EXAMPLE_SENTENCES)][:200]
        found = sentiment.sentence_verdicts(sentence)
        store.add_submission(engine, code, f"bench-s{i}", "sentence", found["rnn"]["label"], found, sentence=sentence)
    return code, key


@contextmanager
def _environ(values: dict):
    """These environment variables set inside the block, and as they were after it."""
    saved = {name: os.environ.get(name) for name in values}
    os.environ.update(values)
    try:
        yield
    finally:
        for name, value in saved.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value


def bench(live: bool = False, submissions: int = 30, repeats: int = 5) -> dict:
    """Seconds to render the speaker's view of a room of `submissions` (the page under AppTest).

    Row "room_speaker_view_s": submissions, first (the first run, the models already loaded by the
    filling), p50 and max of `repeats` further runs. `live` adds nothing here.
    """
    from streamlit.testing.v1 import AppTest  # the benchmark's own tool, not the dashboard's

    # No warm start: the page under AppTest would start one, whose thread would load every model a second
    # time (the dashboard's caches, not this benchmark's) while the benchmarks after this one run.
    with tempfile.TemporaryDirectory() as folder, _environ({ROOM_DIR_ENV: folder, WARM_ENV: "0"}):
        engine = store.sqlite_engine(Path(folder) / "rooms.sqlite")
        store.create_tables(engine)
        code, key = simulated_room(engine, submissions)
        engine.dispose()
        at = AppTest.from_file(str(ROOT / "streamlit_app.py"), default_timeout=180)
        at.query_params["room"] = code
        at.query_params["key"] = key
        at.run()
        at.switch_page(PAGE)
        start = time.perf_counter()
        at.run()
        first = time.perf_counter() - start
        if at.exception:
            raise RuntimeError(f"the speaker's view failed: {at.exception[0].value}")
        shown = [m.value for m in at.metric if m.label in ("Digits", "Sentences")]
        runs = []
        for _ in range(repeats):
            start = time.perf_counter()
            at.run()
            runs.append(time.perf_counter() - start)
    return {
        "room_speaker_view_s": {
            "submissions": submissions,
            "shown": shown,
            "first": round(first, 3),
            "p50": round(statistics.median(runs), 3) if runs else None,
            "max": round(max(runs), 3) if runs else None,
        }
    }
