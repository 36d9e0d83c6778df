"""Training (tiny preset), the manifest, evaluation and the experiment tables."""

from __future__ import annotations

import json
import zipfile

import pytest


@pytest.fixture(scope="module")
def tiny_weights(tmp_path_factory):
    from cnnrnn.tasks.mnist1d.config import MNIST1D_TINY
    from cnnrnn.tasks.mnist1d.train import train_mnist1d

    out = tmp_path_factory.mktemp("mnist1d_weights")
    lines = []
    entry = train_mnist1d(MNIST1D_TINY, out, log=lines.append)
    return out, entry, lines


@pytest.mark.slow  # trains (tiny_weights)
def test_train_writes_weights_and_the_manifest(tiny_weights):
    from cnnrnn.core.predictor import load_model
    from cnnrnn.core.weights import read_manifest
    from cnnrnn.tasks.mnist1d.config import MNIST1D_MODELS

    out, entry, lines = tiny_weights
    assert {line.split()[0] for line in lines if line.endswith(": training")} == set(MNIST1D_MODELS)
    assert read_manifest(out)["mnist1d"] == json.loads(json.dumps(entry))
    protocol = entry["protocol"]
    assert protocol["metric"] == "test_accuracy" and protocol["lr_grid"] == [0.01, 0.03] and protocol["seeds"] == 2
    assert {record["steps"] for record in entry["models"].values()} == {protocol["steps"]}, "equal steps"
    for name, record in entry["models"].items():
        seeds = record["seeds"]
        assert [s["seed"] for s in seeds] == [1, 2], name
        assert record["shipped_seed"] == sorted(seeds, key=lambda s: (-s["val_metric"], s["seed"]))[1]["seed"]
        shipped = next(s for s in seeds if s["seed"] == record["shipped_seed"])
        assert record["test_accuracy"] == round(shipped["metric"], 4), "the shipped file is the median seed's"
        assert record["metric_mean"] == pytest.approx(sum(s["metric"] for s in seeds) / 2, abs=1e-5)
        assert record["lr"] in protocol["lr_grid"] and len(record["lr_search"]) == 2
        assert [p["step"] for p in record["history"]] == [protocol["steps"]]  # one tiny epoch
        assert record["cpu_seconds"] > 0 and record["params"] > 0
    assert {(c["a"], c["b"]) for c in entry["comparisons"]} >= {("cnn", "gru"), ("cnn_mixed", "gru_mixed")}
    assert all(c["test"] == "mcnemar" and 0 <= c["p"] <= 1 for c in entry["comparisons"])
    assert entry["data"]["validation_size"] == 32 and entry["data"]["train_size"] == 96
    for _name, record in entry["models"].items():
        path = out / record["file"]
        assert path.is_file() and record["bytes"] == path.stat().st_size
        assert 0.0 <= record["test_accuracy"] <= 1.0 and record["params"] > 0
        assert getattr(load_model(path), "optimizer", None) is None, "shipped without optimizer state"
        with zipfile.ZipFile(path) as archive:
            assert "optimizer" not in archive.read("model.weights.h5").decode("latin-1")
    assert entry["data"]["generation_args"]["seed"] == 42
    assert entry["models"]["cnn_shuffled"]["variant"] == "shuffled" and entry["models"]["gru_mixed"]["mixed_lengths"]
    tables = entry["experiments"]
    lengths = {(r["model"], r["length"]) for r in tables["lengths"]}
    assert lengths == {(m, n) for m in ("cnn", "gru", "cnn_mixed", "gru_mixed") for n in (20, 40, 80)}
    assert {(r["mode"], r["shift"]) for r in tables["shifts"]} == {(m, s) for m in ("pad", "roll") for s in (-4, 0, 4)}
    assert {r["model"] for r in tables["latency"]} == {"cnn", "gru"}
    assert {r["model"] for r in tables["shifts"]} == {"cnn", "gru", "mlp"}
    assert all(r["ms"] > 0 for r in tables["latency"])


def test_train_refuses_unknown_models(tmp_path):
    from cnnrnn.tasks.mnist1d.config import MNIST1D_TINY
    from cnnrnn.tasks.mnist1d.train import train_mnist1d

    with pytest.raises(ValueError, match="unknown MNIST-1D model"):
        train_mnist1d(MNIST1D_TINY, tmp_path, models=["cnn", "resnet"])


@pytest.mark.slow  # trains (tiny_weights)
def test_evaluate_reads_the_weights_it_is_given(tiny_weights):
    from cnnrnn.tasks.mnist1d.experiments import evaluate_mnist1d

    out, entry, _ = tiny_weights
    result = evaluate_mnist1d(out)
    assert set(result["accuracy"]) == {"logreg", "mlp", "cnn", "gru"} and set(result["shuffled"]) == {"cnn", "gru"}
    assert result["train_seconds"]["gru"] == entry["models"]["gru"]["train_seconds"]
    assert result["test_size"] == 1000


def test_paper_table_puts_runs_beside_the_paper():
    from cnnrnn.tasks.mnist1d.experiments import mnist1d_table

    records = {
        "cnn": {"kind": "cnn", "variant": "normal", "test_accuracy": 0.97, "train_seconds": 20.0},
        "cnn_mixed": {"kind": "cnn", "variant": "normal", "test_accuracy": 0.9, "mixed_lengths": True},
        "run 1A": {"kind": "gru", "variant": "shuffled", "test_accuracy": None},
    }
    table = mnist1d_table(records)
    ours = table[table["source"] == "this project"]
    assert ours["name"].tolist() == ["cnn"], "mixed-length models and runs without a score stay out"
    paper = table[table["source"] == "paper"].set_index(["model", "variant"])["accuracy"]
    assert paper[("cnn", "normal")] == 0.94 and paper[("gru", "shuffled")] == 0.57


def test_each_table_measures_the_models_the_config_names():
    from cnnrnn.tasks.mnist1d.config import SWEEP_MODELS
    from cnnrnn.tasks.mnist1d.experiments import sweep_predictors

    predictors = {name: object() for name in ("logreg", "mlp", "cnn", "gru", "cnn_mixed", "gru_mixed")}
    assert list(sweep_predictors(predictors, "lengths")) == ["cnn", "gru", "cnn_mixed", "gru_mixed"]
    assert list(sweep_predictors(predictors, "shifts")) == ["cnn", "gru", "mlp"]
    assert list(sweep_predictors(predictors, "latency")) == ["cnn", "gru"] == list(SWEEP_MODELS["latency"])
    assert list(sweep_predictors({"cnn": 1}, "lengths")) == ["cnn"], "models not loaded are left out"


def test_the_page_numbers_helpers():
    import pandas as pd

    from cnnrnn.tasks.mnist1d.experiments import mixed_length_band, seconds_for_epochs

    lengths = pd.DataFrame(
        {
            "model": ["cnn_mixed", "cnn_mixed", "gru_mixed", "cnn"],
            "length": [20, 40, 160, 40],
            "accuracy": [0.1, 0.886, 0.927, 0.99],
        }
    )
    assert mixed_length_band(lengths, 40) == (0.886, 0.927)
    assert mixed_length_band(lengths[lengths["model"] == "cnn"], 40) is None
    assert seconds_for_epochs({"train_seconds": 17.6, "epochs": 40}, 15) == pytest.approx(6.6)
    assert seconds_for_epochs({}, 15) is None


def _small_splits():
    from cnnrnn.tasks.mnist1d.data import load_mnist1d

    splits = load_mnist1d(False)
    from dataclasses import replace

    return replace(
        splits,
        x_train=splits.x_train[:300],
        y_train=splits.y_train[:300],
        x_test=splits.x_test[:100],
        y_test=splits.y_test[:100],
    )


@pytest.mark.slow  # trains live runs
def test_live_runs_seed_their_own_generators_only():
    """Two live runs with the same choices train to the same weights, and no global generator moves."""
    import numpy as np
    from global_seeds import global_draws, seed_global

    from cnnrnn.tasks.mnist1d.train import start_mnist1d_run

    splits = _small_splits()
    seed_global(5)
    expected = global_draws()
    seed_global(5)
    weights = []
    for _ in range(2):
        for kind in ("gru", "cnn"):
            run = start_mnist1d_run(kind, splits, epochs=1, learning_rate=0.01, width=8)
            run.train_epoch()
            weights.append(run.model.get_weights())
    assert global_draws() == expected
    for first, second in ((weights[0], weights[2]), (weights[1], weights[3])):
        assert all(np.array_equal(a, b) for a, b in zip(first, second))


def test_a_live_epoch_stops_between_batches():
    from cnnrnn.tasks.mnist1d.train import start_mnist1d_run

    run = start_mnist1d_run("cnn", _small_splits(), epochs=2, learning_rate=0.01, width=8)
    asked = []
    assert run.train_epoch(should_stop=lambda: asked.append(1) or len(asked) > 2) is None
    assert len(asked) == 3, "asked before each batch, and the epoch ended at the third of 3"
    assert run.epoch == 0 and run.seconds > 0
    assert run.train_epoch(should_stop=lambda: False)["epoch"] == 1, "it trains on after a stop"
