"""`python -m cnnrnn bench`: every figure docs/benchmarks.md shows is there, the table prints, and --save
records the run.

Timings are reported by the benchmark, never asserted here; trace counts are behaviour and are checked.
"""

from __future__ import annotations

import math
from pathlib import Path

import pytest
from cli import run_cli

from cnnrnn.tasks import all_tasks

ROOT = Path(__file__).resolve().parents[1]
WEIGHTS = ROOT / "cnnrnn" / "weights"

pytestmark = pytest.mark.skipif(
    not all((WEIGHTS / f).is_file() for f in ("mnist_cnn_fixed.keras", "sentiment_rnn.keras", "charlm_vocab.json")),
    reason="shipped weights are missing",
)


_ROWS: dict[str, dict] = {}  # task name -> its bench() rows with small counts, measured once per test process


def _rows(task) -> dict:
    """The task's benchmark rows with small counts (its checks.BENCH_SMALL), so the test takes seconds;
    `python -m cnnrnn bench` uses the defaults."""
    if task.name not in _ROWS:
        small = getattr(task.module("checks"), "BENCH_SMALL", {})
        _ROWS[task.name] = task.module("cli").bench(**small)
    return _ROWS[task.name]


@pytest.fixture(scope="module")
def bench() -> dict:
    """Every task's benchmark rows, merged as `bench.run` merges them, and the memory loop."""
    from cnnrnn import bench as B
    from cnnrnn.core.timing import rss_mb
    from cnnrnn.tasks import all_tasks

    result = {"machine": "test", "tensorflow": "test", "latency_ms": {}, "traces": {}}
    for task in all_tasks():
        for key, values in _rows(task).items():
            if key in ("latency_ms", "traces"):
                result[key].update(values)
            else:
                result[key] = values
    result["rss_mb"] = round(rss_mb(), 1)
    result.update(B.bench_memory(interactions=200))
    return result


def _numbers(value):
    """Every number in a benchmark result, however deep."""
    if isinstance(value, dict):
        for item in value.values():
            yield from _numbers(item)
    elif isinstance(value, (list, tuple)):
        for item in value:
            yield from _numbers(item)
    elif isinstance(value, (int, float)) and not isinstance(value, bool):
        yield value


@pytest.mark.slow  # the task's benchmark
@pytest.mark.parametrize("task", all_tasks(), ids=lambda task: task.name)
def test_every_task_benchmarks_itself_and_feeds_the_memory_loop(task):
    """Each registered task (a new one the day it is added) gives benchmark rows whose numbers are finite, latency
    rows with 0 < p50 <= p95, and memory-loop calls that run."""
    import numpy as np

    rows = _rows(task)
    numbers = list(_numbers(rows))
    assert numbers, f"{task.name}: bench() gave no figures"
    assert all(math.isfinite(x) for x in numbers), rows
    for name, row in rows.get("latency_ms", {}).items():
        assert 0 < row["p50"] <= row["p95"], (name, row)
    cli = task.module("cli")
    for call in cli.bench_calls(np.random.default_rng(0)) if hasattr(cli, "bench_calls") else ():
        call()


def test_bench_command_has_json_and_startup_options():
    out = run_cli("bench", "--help", timeout=120)
    assert out.returncode == 0 and all(option in out.stdout for option in ("--json", "--startup", "--live", "--save"))


@pytest.mark.slow  # every task's benchmark and the memory loop
def test_bench_reports_every_model_and_figure(bench):
    latency = bench["latency_ms"]
    for name in ("cnn_fixed", "cnn_gap", "rnn_rows"):
        assert {"p50", "p95", "predict_p50", "ratio"} <= set(latency[name])
    for name in ("rnn", "cnn"):
        for length in (10, 50, 100, 1000):
            row = latency[f"sentiment_{name} {length} tokens"]
            assert 0 < row["p50"] <= row["p95"]
        assert "ratio" in latency[f"sentiment_{name} 50 tokens"]
    for row in latency.values():
        assert all(math.isfinite(v) and v > 0 for v in row.values())
    assert {"captions greedy", "captions beam 3", "mnist1d_cnn 40 points", "mnist1d_gru 160 points"} <= set(latency)
    assert "ratio" in latency["mnist1d_gru 40 points"]
    assert set(bench["chars_per_second"]) == {"lstm", "cnn"}
    if (WEIGHTS / "tang_lstm.keras").is_file():
        assert set(bench["tang_poems_per_second"]) == {"tang_lstm", "tang_cnn"}
    if (WEIGHTS / "translation_cnn.npz").is_file():
        for name in ("rnn_fixed", "rnn_attention", "cnn"):
            assert {f"translation_{name} beam4 15 words", f"translation_{name} beam1 15 words"} <= set(latency)
    assert bench["rss_mb"] > 100
    growth = bench["memory_growth"]
    assert growth["interactions"] == 200 and growth["rss_after_mb"] > 0
    # Every call was made once before the first reading: 200 more must not keep allocating (a leak,
    # a retrace per call, a growing cache would). Memory is behaviour here, not a speed.
    assert growth["growth_mb"] < 64, growth


@pytest.mark.slow  # every task's benchmark (the bench fixture)
def test_predictors_trace_at_most_twice_over_mixed_lengths(bench):
    traces = bench["traces"]
    translation = {f"translation_{n}" for n in ("rnn_fixed", "rnn_attention", "cnn")}
    assert set(traces) - translation == {
        "cnn_fixed",
        "cnn_gap",
        "rnn_rows",
        "sentiment_rnn",
        "sentiment_cnn",
        "captions",
        "mnist1d_cnn",
        "mnist1d_gru",
    }
    if (WEIGHTS / "translation_cnn.npz").is_file():  # the encoder and the one step, each traced once
        assert {traces[name] for name in translation} == {2}
    assert all(1 <= count <= 2 for count in traces.values()), traces


@pytest.mark.slow  # every task's benchmark (the bench fixture)
def test_bench_table_prints_every_row(bench):
    from cnnrnn.bench import format_table

    table = format_table(bench)
    for name in bench["latency_ms"]:
        assert name in table
    assert "generation lstm" in table and "mixed calls" in table
    if "tang_poems_per_second" in bench:
        assert "poems tang_lstm" in table
    assert "speaker's view of 8 submissions" in table


def test_room_bench_refuses_a_room_of_nobody_in_one_line():
    out = run_cli("bench", "--room", "0", timeout=120)
    assert out.returncode == 2
    assert out.stderr.strip() == "error: --room and --rounds take a whole number of at least 1"
    assert "Traceback" not in out.stderr


def test_room_bench_table_shows_every_page_and_the_room_figures():
    from cnnrnn.loadtest import format_room

    result = {
        "room": {
            "sessions": 2,
            "rounds": 1,
            "machine_cores": 2,
            "health_s": 1.0,
            "cold": {"home_s": 2.0, "reading_s": 15.0, "after_reading_s": {"Image_CNN": 1.5}},
            "pages": {
                "Sequence_Lab (training)": {
                    "sessions": 1,
                    "actions": 1,
                    "p50_s": 3.0,
                    "p95_s": 3.0,
                    "errors": 0,
                    "exceptions": 0,
                },
                "Image_CNN": {"sessions": 1, "actions": 0, "p50_s": None, "p95_s": None, "errors": 1, "exceptions": 0},
            },
            "inference_p95_s": None,
            "trainings": 1,
            "trainings_waited": 0,
            "server_rss_mb": {"peak": 900.0, "final": 880.0},
            "errors": ["Image_CNN: round 0: TimeoutError"],
        }
    }
    text = format_room(result)
    assert "Image_CNN 1.50 s" in text
    assert "peak 900 MB, final 880 MB" in text
    assert "error: Image_CNN: round 0: TimeoutError" in text
    assert any(line.startswith("Image_CNN") and line.split()[3:5] == ["-", "-"] for line in text.splitlines())


@pytest.mark.slow  # every task's benchmark (the bench fixture)
def test_the_room_benchmark_renders_the_speakers_view_of_its_submissions(bench):
    """The page itself drew the simulated room: its counts are the submissions made (6 sentences, the rest digits)."""
    room = bench["room_speaker_view_s"]
    assert room["submissions"] == 8 and room["shown"] == ["2", "6"]
    assert room["first"] > 0 and 0 < room["p50"] <= room["max"]


def test_startup_table_shows_the_browser_stream_rates_and_the_page_opened_first():
    from cnnrnn.bench import format_table

    result = {
        "machine": "x86_64, 2 cores, Linux",
        "tensorflow": "2",
        "latency_ms": {},
        "traces": {},
        "rss_mb": 900.0,
        "startup_s": {"health": 0.7, "home": 3.7},
        "stream_chars_per_s": {
            "lstm": {"chars_per_s": 3259, "chars": 2007, "seconds": 0.61},
            "cnn": {"chars_per_s": None, "chars": 0, "seconds": None},
        },
        "open_first": {
            "page": "Image_CNN",
            "health_s": 0.6,
            "message_s": 3.25,
            "message": "Loading the image models...",
            "ready_s": 11.81,
        },
    }
    table = format_table(result)
    assert "generation stream in the browser, lstm: 3,259 characters/s (2,007 shown)" in table
    assert "generation stream in the browser, cnn: - characters/s (0 shown)" in table
    assert (
        "cold server, Image_CNN opened first: loading message 3.25 s (Loading the image models...), ready 11.81 s"
    ) in table


def test_save_records_where_a_run_came_from_and_docs_renders_it(tmp_path):
    """`bench --save`: the result as JSON, rows in run order, with the command, commit, date, CPU and load."""
    from cnnrnn import bench as B
    from cnnrnn import docs

    result = {
        "machine": "x86_64, 2 cores, Linux",
        "tensorflow": "2",
        "traces": {"b": 1, "a": 1},
        "rss_mb": 900.0,
        "latency_ms": {"b": {"p50": 2.0, "p95": 3.0}, "a": {"p50": 1.0, "p95": 1.5}},
    }
    before = {"commit": "abc", "load_average": {"before": 0.5}}
    path = B.save(result, tmp_path / "run.json", "python -m cnnrnn bench", before)
    saved = docs.read_bench(path)
    assert list(saved["latency_ms"]) == ["b", "a"]
    assert saved["command"] == "python -m cnnrnn bench" and saved["commit"] == "abc"
    assert saved["date"].endswith("+00:00") and "before" in saved["load_average"] and "after" in saved["load_average"]
    text = docs.benchmarks_md(saved)
    assert text.index("| b | 2.00 |") < text.index("| a | 1.00 |") and "commit `abc`" in text


_KINDS = ("upload", "draw", "type", "click")


def test_the_room_spreads_its_sessions_over_the_actions_every_page_declares():
    """The load test's sessions go to each page's declared interactions (its task's checks.LOAD_ACTIONS): every
    page's first in the navigation's order, then every second, ...; one page declares the training session."""
    from cnnrnn.loadtest import inference_actions, training_page
    from cnnrnn.tasks import page_tasks

    declared = {task.url_path: getattr(task.module("checks"), "LOAD_ACTIONS", ()) for task in page_tasks()}
    planned = inference_actions()
    rounds = [
        [(path, action) for path, actions in declared.items() if i < len(actions) for action in [actions[i]]]
        for i in range(max(map(len, declared.values())))
    ]
    assert [(path, action) for _, path, action in planned] == [pair for pairs in rounds for pair in pairs]
    labels = [label for label, _, _ in planned]
    assert len(set(labels)) == len(labels), "each session's record names its page and view once"
    for label, path, action in planned:
        assert label.split(":")[0] == path and "result" in action, label
        assert sum(kind in action for kind in _KINDS) == 1, f"{label}: one of {_KINDS}"
    path, spec = training_page()
    assert path in declared and {"query", "train", "stop", "done"} <= set(spec)
