"""The command line, run as a user runs it: `python -m cnnrnn ...` in a subprocess."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SAMPLES = ROOT / "cnnrnn" / "samples"


def cli(*args, input=None):
    return subprocess.run([sys.executable, "-m", "cnnrnn", *args], capture_output=True, text=True,
                          cwd=ROOT, input=input, timeout=300)


def test_evaluate_mnist_prints_the_accuracy_of_each_model():
    out = cli("evaluate", "mnist")
    assert out.returncode == 0, out.stderr[-2000:]
    result = json.loads(out.stdout)
    assert result["task"] == "mnist" and result["test_size"] == 10000
    assert set(result["accuracy"]) == {"cnn_fixed", "cnn_gap", "rnn_rows"}
    assert result["accuracy"]["cnn_fixed"] >= 0.992
    assert result["accuracy"]["cnn_gap"] >= 0.990
    assert result["accuracy"]["rnn_rows"] >= 0.985


def test_predict_image_reports_each_model_and_survives_bad_files(tmp_path):
    good = sorted(SAMPLES.glob("*_[0-9].*"))[:2]
    bad = tmp_path / "broken.png"
    bad.write_bytes(b"\x89PNG\r\n\x1a\n not really")
    missing = tmp_path / "missing.jpg"
    out = cli("predict-image", str(good[0]), str(bad), str(missing), str(good[1]))
    assert out.returncode == 1, "a failed file makes the exit code 1"
    assert "Traceback" not in out.stderr
    lines = [json.loads(line) for line in out.stdout.splitlines()]
    errors = {line["path"]: line["error"] for line in lines if "error" in line}
    assert set(errors) == {str(bad), str(missing)} and all(errors.values())
    verdicts = [line for line in lines if "model" in line]
    assert len(verdicts) == 6  # two good files x three models
    for line in verdicts:
        assert set(line) == {"path", "model", "label", "confidence"}
        assert 0.0 <= line["confidence"] <= 1.0
    fixed = {line["path"]: line["label"] for line in verdicts if line["model"] == "cnn_fixed"}
    for path in good:
        assert fixed[str(path)] == int(path.stem.rsplit("_", 1)[-1])


def test_predict_image_all_good_exits_zero_and_model_filter_works():
    sample = next(SAMPLES.glob("*_[0-9].*"))
    out = cli("predict-image", "--model", "cnn_gap", str(sample))
    assert out.returncode == 0, out.stderr[-2000:]
    lines = [json.loads(line) for line in out.stdout.splitlines()]
    assert [line["model"] for line in lines] == ["cnn_gap"]


def test_bad_arguments_give_usage_not_a_traceback():
    out = cli("evaluate", "nonsense")
    assert out.returncode == 2 and "invalid choice" in out.stderr and "Traceback" not in out.stderr


def test_missing_data_without_network_is_one_line_not_a_traceback(tmp_path):
    """No data directory, an empty Keras cache and no way out: each task says what to do."""
    import os

    env = {k: v for k, v in os.environ.items() if k != "CNNRNN_DATA_DIR"}
    # Every download goes to a proxy that refuses connections: offline, whatever this machine has.
    env.update(KERAS_HOME=str(tmp_path), http_proxy="http://127.0.0.1:9", https_proxy="http://127.0.0.1:9",
               HTTP_PROXY="http://127.0.0.1:9", HTTPS_PROXY="http://127.0.0.1:9", no_proxy="", NO_PROXY="")
    for task, name in (("mnist", "MNIST"), ("sentiment", "sentence polarity")):
        out = subprocess.run([sys.executable, "-m", "cnnrnn", "evaluate", task], capture_output=True, text=True,
                             cwd=ROOT, env=env, timeout=300)
        assert out.returncode == 2, out.stderr[-2000:]
        assert "Traceback" not in out.stderr
        error = [line for line in out.stderr.splitlines() if line.startswith("error:")]
        assert len(error) == 1 and name in error[0] and "CNNRNN_DATA_DIR" in error[0], out.stderr[-1000:]
        assert out.stdout == "", "standard output is for JSON results only"
