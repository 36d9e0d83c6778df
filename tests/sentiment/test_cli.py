"""The sentiment commands on the shipped weights, through `python -m cnnrnn` in a subprocess."""

from __future__ import annotations

import pytest
from cli import OFFLINE, json_lines, run_cli
from sentiment_support import HAS_DATA, HAS_WEIGHTS

needs_weights = pytest.mark.skipif(not HAS_WEIGHTS, reason="shipped sentiment weights are missing")


@needs_weights
@pytest.mark.skipif(not HAS_DATA, reason="CNNRNN_DATA_DIR with rt-polarity/ is not available")
def test_the_shipped_figures_are_the_manifests():
    """tests/test_evaluate.py re-measures them; here, what the task says its evaluate prints."""
    from cnnrnn.core.weights import read_manifest
    from cnnrnn.tasks.sentiment.cli import manifest_figures

    result = manifest_figures(read_manifest()["sentiment"])
    recorded = read_manifest()["sentiment"]
    assert result == {
        "task": "sentiment",
        "test_size": recorded["data"]["test_size"],
        "accuracy": {name: round(recorded["models"][name]["test_accuracy"], 4) for name in ("rnn", "cnn")},
    }
    assert result["accuracy"] == {"rnn": 0.7723, "cnn": 0.7807}


@needs_weights
def test_predict_sentiment_on_the_shipped_models():
    done = run_cli(
        "predict-sentiment", "A wonderful, moving and beautifully acted film.", "a dull , boring mess", "--model", "all"
    )
    assert done.returncode == 0, done.stderr[-2000:]
    rows = json_lines(done.stdout)
    assert [(r["model"], r["positive"] >= 0.5) for r in rows] == [
        ("rnn", True),
        ("cnn", True),
        ("rnn", False),
        ("cnn", False),
    ]
    assert all(set(r) == {"text", "model", "positive"} for r in rows)


def test_evaluate_without_data_offline_is_one_line(tmp_path):
    """No data directory and no network: one error line naming the data and CNNRNN_DATA_DIR, nothing on stdout."""
    done = run_cli("evaluate", "sentiment", env={"CNNRNN_DATA_DIR": "", "KERAS_HOME": str(tmp_path), **OFFLINE})
    stderr = done.stderr
    error = [line for line in stderr.splitlines() if line.startswith("error:")]
    assert done.returncode == 2 and done.stdout == "" and "Traceback" not in stderr
    assert len(error) == 1 and error[0].startswith("error: The sentence polarity data is not in the Keras cache")
    assert "CNNRNN_DATA_DIR" in error[0]


def test_help_lists_the_predict_sentiment_options():
    done = run_cli("predict-sentiment", "--help")
    assert done.returncode == 0
    text = " ".join(done.stdout.split())  # argparse wraps the help
    assert all(option in text for option in ("--model", "--max-chars", "--weights", "{all,rnn,cnn}"))
    assert "default 20,000" in text


@pytest.mark.slow  # the benchmark's rows
@needs_weights
def test_bench_rows_traces_and_memory_calls():
    import math

    import numpy as np

    from cnnrnn.tasks.sentiment import cli

    result = cli.bench(repeats=3)
    assert set(result["latency_ms"]) == {
        f"sentiment_{n} {k} tokens" for n in ("rnn", "cnn") for k in (10, 50, 100, 1000)
    }
    for row in result["latency_ms"].values():
        assert 0 < row["p50"] <= row["p95"] and all(math.isfinite(v) for v in row.values())
    assert all("ratio" in result["latency_ms"][f"sentiment_{n} 50 tokens"] for n in ("rnn", "cnn"))
    assert result["traces"] == {"sentiment_rnn": 1, "sentiment_cnn": 1}  # 200 mixed lengths, one trace each
    calls = cli.bench_calls(np.random.default_rng(1))
    assert len(calls) == 2 and all(0 <= call() <= 1 for call in calls)
