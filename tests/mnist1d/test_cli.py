"""`python -m cnnrnn` for the sequence lab: evaluate, train, and their one-line errors."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from cli import run_cli

ROOT = Path(__file__).resolve().parents[2]
WEIGHTS = ROOT / "cnnrnn" / "weights"

# Without TensorFlow's oneDNN start-up notice on stderr: every task's cli (which loads TensorFlow) is imported to
# build the parser, and TensorFlow 2.21 prints that notice whatever TF_CPP_MIN_LOG_LEVEL says; the error line is
# what we check.
QUIET = {"TF_ENABLE_ONEDNN_OPTS": "0"}


@pytest.mark.slow  # evaluates every shipped model
@pytest.mark.skipif(not (WEIGHTS / "mnist1d_cnn.keras").is_file(), reason="no shipped MNIST-1D weights")
def test_evaluate_mnist1d_reproduces_the_paper():
    out = run_cli("evaluate", "mnist1d")
    assert out.returncode == 0, out.stderr[-2000:]
    result = json.loads(out.stdout)
    assert result["task"] == "mnist1d" and result["test_size"] == 1000
    accuracy, shuffled = result["accuracy"], result["shuffled"]
    assert accuracy["cnn"] >= 0.94 and accuracy["gru"] >= 0.91
    assert abs(shuffled["cnn"] - 0.56) <= 0.05 and abs(shuffled["gru"] - 0.57) <= 0.05
    assert accuracy["logreg"] < accuracy["mlp"] < accuracy["cnn"]
    assert result["train_seconds"]["gru"] > result["train_seconds"]["cnn"] > 0
    assert result["gru_cnn_time_ratio"] > 1
    # The shipped models score exactly what the manifest recorded when they were trained.
    records = json.loads((WEIGHTS / "manifest.json").read_text())["mnist1d"]["models"]
    assert accuracy == {name: records[name]["test_accuracy"] for name in ("logreg", "mlp", "cnn", "gru")}
    assert shuffled == {kind: records[f"{kind}_shuffled"]["test_accuracy"] for kind in ("cnn", "gru")}
    assert result["train_seconds"] == {kind: records[kind]["train_seconds"] for kind in ("cnn", "gru")}
    assert result["paper"]["accuracy"]["cnn"] == 0.94 and result["paper"]["shuffled"]["gru"] == 0.57


def test_evaluate_mnist1d_without_weights_is_a_one_line_error(tmp_path):
    out = run_cli("evaluate", "mnist1d", "--weights", str(tmp_path), env=QUIET)
    assert out.returncode == 2
    assert out.stderr.startswith(
        f"error: no mnist1d_logreg.keras, mnist1d_mlp.keras, mnist1d_cnn.keras, "
        f"mnist1d_gru.keras, mnist1d_cnn_shuffled.keras, mnist1d_gru_shuffled.keras "
        f"in {tmp_path}; run: python -m cnnrnn train mnist1d"
    ), out.stderr
    assert "Traceback" not in out.stderr and "mixed" not in out.stderr, "only the models evaluate reads"
    assert len(out.stderr.strip().splitlines()) == 1
    out = run_cli("train", "mnist1d", "--preset", "tiny", "--out", str(tmp_path), "--models", "cnn,resnet", env=QUIET)
    assert (
        out.returncode == 2
        and "error: unknown mnist1d model(s) resnet; choose from logreg, mlp, cnn, gru, "
        "cnn_shuffled, gru_shuffled, cnn_mixed, gru_mixed"
        in out.stderr
    ), out.stderr
    assert "Traceback" not in out.stderr and not list(tmp_path.iterdir()), "nothing trained or written"


@pytest.mark.slow  # trains
def test_train_tiny_writes_the_chosen_models_and_prints_json(tmp_path):
    out = run_cli("train", "mnist1d", "--preset", "tiny", "--out", str(tmp_path), "--models", "logreg,cnn")
    assert out.returncode == 0, out.stderr[-2000:]
    result = json.loads(out.stdout)
    assert result["task"] == "mnist1d" and result["weights"] == str(tmp_path)
    assert set(result["accuracy"]) == set(result["train_seconds"]) == {"logreg", "cnn"}
    assert all(0.0 <= value <= 1.0 for value in result["accuracy"].values())
    assert sorted(p.name for p in tmp_path.glob("*.keras")) == ["mnist1d_cnn.keras", "mnist1d_logreg.keras"]
    manifest = json.loads((tmp_path / "manifest.json").read_text())["mnist1d"]
    assert set(manifest["models"]) == {"logreg", "cnn"} and "experiments" not in manifest, "tables need all eight"
    assert "  cnn lr=0.01 seed=1 steps=3: training" in out.stderr, out.stderr[-2000:]
    assert result["shipped_seed"]["cnn"] in (1, 2) and 0 <= result["accuracy_mean"]["cnn"] <= 1
    # The same command again continues the protocol: the finished runs are read back, not trained again, and a
    # third seed (--seeds 3) adds one run per model at its chosen rate.
    again = run_cli(
        "train", "mnist1d", "--preset", "tiny", "--out", str(tmp_path), "--models", "logreg,cnn", "--seeds", "3"
    )
    assert again.returncode == 0, again.stderr[-2000:]
    assert re.search(r"  cnn lr=[\d.]+ seed=2 steps=3: done before", again.stderr), again.stderr[-2000:]
    assert again.stderr.count(": training") == 2 and again.stderr.count("seed=3 steps=3: training") == 2
    entry = json.loads((tmp_path / "manifest.json").read_text())["mnist1d"]
    assert [s["seed"] for s in entry["models"]["cnn"]["seeds"]] == [1, 2, 3] and entry["models"]["cnn"]["shipped_seed"]


def test_train_seeds_is_refused_where_the_task_has_no_protocol_yet(tmp_path):
    from cnnrnn.tasks import trained_tasks

    legacy = [t.name for t in trained_tasks() if not getattr(t.module("parser"), "PROTOCOL", False)]
    if not legacy:
        pytest.skip("every task trains under the protocol")
    out = run_cli("train", legacy[0], "--seeds", "3", "--out", str(tmp_path))
    assert out.returncode != 0 and "not trained under the fair-fight protocol yet" in out.stderr
    assert "Traceback" not in out.stderr and not list(tmp_path.iterdir())
