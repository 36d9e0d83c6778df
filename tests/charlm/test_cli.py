"""The character models' commands through `python -m cnnrnn`: train (tiny preset), evaluate, generate, bench rows.

Training writes only into pytest's tmp_path; the shipped weights are read, never written.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from cli import run_cli

from cnnrnn.__main__ import main
from cnnrnn.tasks.charlm.config import CHARLM_TINY

ROOT = Path(__file__).resolve().parents[2]
WEIGHTS = ROOT / "cnnrnn" / "weights"
SHIPPED = pytest.mark.skipif(
    not (WEIGHTS / "charlm_lstm.keras").is_file(), reason="the shipped character models are missing"
)


@pytest.fixture(scope="module")
def tiny_weights(tmp_path_factory):
    """`python -m cnnrnn train charlm --preset tiny --seeds 3` into a temp dir: (folder, the JSON it printed,
    its standard error)."""
    out = tmp_path_factory.mktemp("charlm_cli")
    result = run_cli("train", "charlm", "--preset", "tiny", "--out", str(out), "--seeds", "3")
    assert result.returncode == 0, result.stderr[-2000:]
    return out, json.loads(result.stdout), result.stderr


@pytest.mark.slow  # trains (the module's tiny_weights)
def test_cli_train_tiny_prints_the_heldout_loss_and_writes_the_files(tiny_weights):
    out, printed, stderr = tiny_weights
    assert printed["task"] == "charlm" and printed["weights"] == str(out)
    manifest = json.loads((out / "manifest.json").read_text())["charlm"]
    models = manifest["models"]
    assert printed["loss"] == {name: models[name]["heldout_loss"] for name in ("lstm", "cnn")}
    assert printed["loss_mean"] == {name: models[name]["metric_mean"] for name in ("lstm", "cnn")}
    assert printed["shipped_seed"] == {name: models[name]["shipped_seed"] for name in ("lstm", "cnn")}
    assert {p.name for p in out.iterdir()} == {
        "charlm_lstm.keras",
        "charlm_cnn.keras",
        "charlm_vocab.json",
        "manifest.json",
        "runs",  # every protocol run of a weights folder other than the shipped one is kept beside it
    }
    assert models["cnn"]["receptive_field"] == CHARLM_TINY.receptive_field
    assert manifest["data"]["chars"] == CHARLM_TINY.max_chars
    # --seeds 3: the CNN (not reduced in the tiny preset) trains three seeds at the full budget and ships the
    # middle one by validation loss; the LSTM (reduced) one full seed and three at its reduced budget.
    assert manifest["protocol"]["seeds"] == 3
    rates = ", ".join(f"{rate:g}" for rate in CHARLM_TINY.lr_grid)
    assert f"charlm cnn: learning rates {rates} at 3 steps" in stderr
    full = sorted((s for s in models["cnn"]["seeds"] if s["steps"] == CHARLM_TINY.steps), key=lambda s: s["val_metric"])
    assert [s["seed"] for s in sorted(full, key=lambda s: s["seed"])] == [1, 2, 3]
    assert models["cnn"]["shipped_seed"] == full[1]["seed"], "the median seed by validation loss, never the best"
    assert sorted((s["seed"], s["steps"]) for s in models["lstm"]["seeds"]) == [(1, 3), (1, 6), (2, 3), (3, 3)]


def test_cli_train_rejects_an_unknown_model_before_training(tmp_path):
    bad = run_cli("train", "charlm", "--preset", "tiny", "--out", str(tmp_path), "--models", "gru")
    assert bad.returncode == 2 and "unknown charlm model(s) gru; choose from lstm, cnn" in bad.stderr
    assert "Traceback" not in bad.stderr and not any(tmp_path.iterdir())


@pytest.mark.slow  # trains (the module's tiny_weights), evaluates all held-out text
def test_cli_evaluate_and_generate(tiny_weights):
    from cnnrnn.tasks.charlm.predict import load_charlm

    out, _, _ = tiny_weights
    result = run_cli("evaluate", "charlm", "--weights", str(out))
    assert result.returncode == 0, result.stderr[-2000:]
    loss = json.loads(result.stdout)
    assert loss["task"] == "charlm" and set(loss["loss"]) == {"lstm", "cnn"}
    assert all(0 < v < 10 for v in loss["loss"].values())
    assert loss["eval_length"] == 256  # evaluate scores all of tiny Shakespeare's held-out text, whatever the preset
    generated = run_cli(
        "generate",
        "--weights",
        str(out),
        "--prime",
        "First",
        "--length",
        "80",
        "--temperature",
        "0.9",
        "--top-k",
        "10",
        "--seed",
        "3",
        "--model",
        "cnn",
    )
    assert generated.returncode == 0, generated.stderr[-2000:]
    # The same seed gives the same text, in another process too.
    same = load_charlm(out, names=("cnn",))["cnn"].generate("First", 80, 0.9, 10, 3)
    assert generated.stdout == "First" + same + "\n"


@SHIPPED
def test_cli_generate_notes_go_to_stderr():
    result = run_cli("generate", "--prime", "First ✓", "--length", "10", "--model", "lstm")
    assert result.returncode == 0, result.stderr[-2000:]
    assert result.stdout.startswith("First ") and len(result.stdout) == len("First ") + 10 + 1
    assert "note: Left out 1 character this model has never seen: '✓'." in result.stderr


def test_cli_bad_generation_input_is_one_line_not_a_traceback(tmp_path, capsys):
    """Checked before any weights are read: no model is needed (`out` holds none). In-process through `main`
    (a fresh process each would import TensorFlow three times); the next test runs one as a user does."""
    out = tmp_path
    assert main(["generate", "--weights", str(out), "--temperature", "-2"]) == 2
    assert (
        "error: temperature must be a finite number of 0 or more (got -2.0); 0 means greedy" in capsys.readouterr().err
    )
    assert main(["generate", "--weights", str(out), "--length", "100001"]) == 2
    assert "error: length must be between 1 and 100,000 characters (got 100,001)" in capsys.readouterr().err
    assert main(["generate", "--weights", str(out / "nowhere")]) == 2
    assert (
        f"error: no charlm_vocab.json, charlm_lstm.keras in {out / 'nowhere'}; run: python -m cnnrnn train charlm"
        in capsys.readouterr().err
    )


def test_cli_generate_checks_settings_before_the_weights(tmp_path):
    """Bad settings are reported even where there are no weights: they are checked before the model loads."""
    bad = run_cli("generate", "--weights", str(tmp_path), "--top-k", "-1")
    assert bad.returncode == 2 and "error: top-k must be 0 (no limit) or more (got -1)" in bad.stderr


@pytest.mark.slow  # the benchmark's rows
@SHIPPED
def test_bench_rows_and_calls():
    import numpy as np

    from cnnrnn.tasks.charlm import cli as charlm_cli

    rows = charlm_cli.bench(length=64, repeats=1)
    assert set(rows) == {"chars_per_second"} and set(rows["chars_per_second"]) == {"lstm", "cnn"}
    assert all(v > 0 for v in rows["chars_per_second"].values())
    calls = charlm_cli.bench_calls(np.random.default_rng(1))
    assert len(calls) == 2
    texts = [call() for call in calls]
    assert all(isinstance(text, str) and len(text) == 64 for text in texts)
