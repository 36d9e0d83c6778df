"""The image task's commands, run as a user runs them: `python -m cnnrnn ...` in a subprocess."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from cli import json_lines, run_cli

from cnnrnn.__main__ import main
from cnnrnn.core.weights import read_manifest
from cnnrnn.tasks.digits import cli as cli_module
from cnnrnn.tasks.digits.config import MNIST_TINY

ROOT = Path(__file__).resolve().parents[2]
SAMPLES = ROOT / "cnnrnn" / "tasks" / "digits" / "samples"


def test_the_shipped_models_reach_their_targets():
    """tests/test_evaluate.py re-measures them against the manifest; here, the manifest against the targets."""
    result = cli_module.manifest_figures(read_manifest()["mnist"])
    assert result["task"] == "mnist" and result["test_size"] == 10000
    assert set(result["accuracy"]) == {"cnn_fixed", "cnn_gap", "rnn_rows", "cnn_gap_1scale"}
    assert result["accuracy"]["cnn_fixed"] >= 0.992
    assert result["accuracy"]["cnn_gap"] >= 0.990
    assert result["accuracy"]["rnn_rows"] >= 0.985
    shipped = read_manifest()["mnist"]["models"]
    assert result["accuracy"] == {name: round(info["test_accuracy"], 4) for name, info in shipped.items()}


def test_the_pooled_cnn_reads_every_size_from_16_to_112_px():
    """The manifest's table (10,000 test digits resampled to each side) against the targets, and
    a re-measurement of the shipped file on 300 of them at the extremes, so the table is its own."""
    from cnnrnn.tasks.digits.data import load_mnist, scaled
    from cnnrnn.tasks.digits.predict import load_predictors
    from cnnrnn.tasks.digits.train import scale_accuracy

    sweep = read_manifest()["mnist"]["resolution_sweep"]
    pooled = {row["size"]: row["accuracy"] for row in sweep if row["model"] == "cnn_gap"}
    one_scale = {row["size"]: row["accuracy"] for row in sweep if row["model"] == "cnn_gap_1scale"}
    sides = [side for side in pooled if 16 <= side <= 112]
    assert sides == sorted(sides) and sides[0] == 16 and sides[-1] == 112 and len(sides) >= 8
    assert all(pooled[side] >= 0.97 for side in sides), pooled
    assert pooled[28] >= 0.99
    assert one_scale[112] < 0.5 <= pooled[112], "the lesson: one scale fails where many scales read"
    splits = load_mnist(max_test=300)
    measured = scale_accuracy(
        load_predictors(names=("cnn_gap",))["cnn_gap"], scaled(splits.x_test), splits.y_test, (16, 112)
    )
    assert all(abs(measured[side] - pooled[side]) <= 0.04 for side in (16, 112)), (measured, pooled)


def test_evaluate_without_weights_names_the_files_and_the_command(tmp_path, capsys):
    """In-process through `main` (an uncaught error would raise here); the predict-image tests run processes."""
    assert main(["evaluate", "mnist", "--weights", str(tmp_path)]) == 2
    out = capsys.readouterr()
    assert out.out == "" and out.err.strip().splitlines()[-1] == (
        f"error: no mnist_cnn_fixed.keras, mnist_cnn_gap.keras, mnist_rnn_rows.keras, mnist_cnn_gap_1scale.keras "
        f"in {tmp_path}; run: python -m cnnrnn train mnist"
    )


def test_predict_image_reports_each_model_and_survives_bad_files(tmp_path):
    good = sorted(SAMPLES.glob("*_[0-9].*"))[:2]
    bad = tmp_path / "broken.png"
    bad.write_bytes(b"\x89PNG\r\n\x1a\n not really")
    missing = tmp_path / "missing.jpg"
    out = run_cli("predict-image", str(good[0]), str(bad), str(missing), str(good[1]))
    assert out.returncode == 1, "a failed file makes the exit code 1"
    assert "Traceback" not in out.stderr
    lines = json_lines(out.stdout)
    errors = {line["path"]: line["error"] for line in lines if "error" in line}
    assert set(errors) == {str(bad), str(missing)} and all(errors.values())
    assert errors[str(missing)] == "No such file or directory"
    assert errors[str(bad)].startswith("This file is not an image that can be read"), errors[str(bad)]
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
    out = run_cli("predict-image", "--model", "cnn_gap", "--resize", "bicubic", "--aspect", "stretch", str(sample))
    assert out.returncode == 0, out.stderr[-2000:]
    lines = json_lines(out.stdout)
    assert [line["model"] for line in lines] == ["cnn_gap"]


def test_predict_image_bad_option_is_a_usage_error():
    out = run_cli("predict-image", "--aspect", "squash", str(next(SAMPLES.glob("*.png"))))
    assert out.returncode == 2 and "invalid choice: 'squash'" in out.stderr and "Traceback" not in out.stderr


@pytest.mark.slow  # trains
def test_train_tiny_writes_weights_manifest_and_prints_accuracy(tmp_path):
    out = run_cli(
        "train", "mnist", "--preset", "tiny", "--out", str(tmp_path), "--models", "cnn_fixed,rnn_rows", "--seeds", "1"
    )
    assert out.returncode == 0, out.stderr[-2000:]
    result = json.loads(out.stdout)
    assert result["task"] == "mnist" and result["weights"] == str(tmp_path)
    assert set(result["accuracy"]) == {"cnn_fixed", "rnn_rows"}
    assert all(0.0 <= value <= 1.0 for value in result["accuracy"].values())
    # Progress goes to standard error: the learning-rate grid, each run's checks, each model's result line.
    rates = ", ".join(f"{rate:g}" for rate in MNIST_TINY.lr_grid)
    assert f"mnist cnn_fixed: learning rates {rates} at 4 steps" in out.stderr
    assert "  cnn_fixed lr=0.002 seed=1 steps=4: step 4 loss " in out.stderr and " val " in out.stderr
    # --seeds 1: rnn_rows (reduced in the tiny preset) trains seed 1 at the full budget and at half of it.
    mean = result["accuracy_mean"]["rnn_rows"]
    assert f"mnist rnn_rows: test accuracy {mean:.4f} over 1 seed at 2 steps" in out.stderr
    assert set(result["shipped_seed"]) == {"cnn_fixed", "rnn_rows"}
    entry = read_manifest(tmp_path)["mnist"]
    assert {info["file"] for info in entry["models"].values()} == {"mnist_cnn_fixed.keras", "mnist_rnn_rows.keras"}
    assert all((tmp_path / info["file"]).is_file() for info in entry["models"].values())
    assert "resolution_sweep" not in entry, "the table needs every shipped model"


def test_train_unknown_model_is_refused_before_training(tmp_path):
    out = run_cli("train", "mnist", "--preset", "tiny", "--out", str(tmp_path), "--models", "cnn_fixed,vit")
    assert out.returncode == 2 and "Traceback" not in out.stderr
    assert out.stderr.strip().splitlines()[-1] == (
        "error: unknown mnist model(s) vit; choose from cnn_fixed, cnn_gap, rnn_rows, cnn_gap_1scale"
    )
    assert not any(tmp_path.iterdir())
