"""The sequence lab (MNIST-1D): data, models, training, experiments, charts, command line and page."""

from __future__ import annotations

import json
import os
import pickle
import subprocess
import zipfile
import sys
from pathlib import Path

import numpy as np
import pytest

ROOT = Path(__file__).resolve().parents[1]
PAGE = ROOT / "pages" / "mnist1d.py"
WEIGHTS = ROOT / "cnnrnn" / "weights"


def _frozen_pickle() -> Path | None:
    root = os.environ.get("CNNRNN_DATA_DIR")
    path = Path(root) / "mnist1d" / "mnist1d_data.pkl" if root else None
    return path if path is not None and path.is_file() else None


@pytest.fixture(scope="module")
def generated():
    from cnnrnn.data import generate_mnist1d

    return generate_mnist1d()


# --- Data ---------------------------------------------------------------------------


def test_generated_data_equals_the_frozen_pickle(generated):
    path = _frozen_pickle()
    if path is None:
        pytest.skip("the MNIST-1D pickle is not in CNNRNN_DATA_DIR")
    from cnnrnn.data import MNIST1D_SHA256, read_mnist1d_pickle, sha256_file

    assert sha256_file(path) == MNIST1D_SHA256
    frozen = read_mnist1d_pickle(path)
    assert generated["x"].shape == (4000, 40) and generated["x_test"].shape == (1000, 40)
    for key in ("y", "y_test"):
        assert np.array_equal(generated[key], frozen[key])
    for key in ("x", "x_test", "t"):
        np.testing.assert_allclose(generated[key], frozen[key], rtol=0, atol=1e-12)


def test_shuffled_variant_is_one_fixed_permutation_of_the_points(generated):
    from cnnrnn.data import generate_mnist1d

    shuffled = generate_mnist1d(shuffle_seq=True)
    assert np.array_equal(shuffled["y"], generated["y"])
    # Find, for each shuffled column, the original column it came from: it must match on every signal.
    both = np.concatenate([generated["x"], generated["x_test"]])
    moved = np.concatenate([shuffled["x"], shuffled["x_test"]])
    perm = [int(np.argmin(np.abs(both - moved[:, [j]]).max(axis=0))) for j in range(40)]
    assert sorted(perm) == list(range(40)) and perm != list(range(40))
    np.testing.assert_allclose(moved, both[:, perm], atol=1e-12)


def test_load_mnist1d_reads_the_data_dir_and_caps(monkeypatch):
    from cnnrnn.data import load_mnist1d

    splits = load_mnist1d(max_train=50, max_test=20)
    assert splits.x_train.shape == (50, 40) and splits.x_train.dtype == np.float32
    assert splits.y_test.shape == (20,) and splits.y_test.dtype == np.int64
    assert set(np.unique(load_mnist1d().y_test)) == set(range(10))
    if _frozen_pickle() is not None:
        assert splits.sha256 and splits.source.endswith("mnist1d_data.pkl")
    monkeypatch.setenv("CNNRNN_DATA_DIR", "/nonexistent-dir")
    fallback = load_mnist1d(max_train=5)  # no file there: generated instead
    assert fallback.source.startswith("generated") and fallback.sha256 == ""


class _Evil:
    def __reduce__(self):
        return (os.system, ("echo pwned",))


def test_pickle_loader_refuses_anything_but_numpy_arrays(tmp_path, monkeypatch):
    from cnnrnn.data import load_mnist1d, read_mnist1d_pickle

    evil = tmp_path / "mnist1d" / "mnist1d_data.pkl"
    evil.parent.mkdir()
    evil.write_bytes(pickle.dumps({"x": _Evil()}, protocol=3))
    with pytest.raises(ValueError, match="not allowed"):
        read_mnist1d_pickle(evil)
    monkeypatch.setenv("CNNRNN_DATA_DIR", str(tmp_path))
    with pytest.raises(ValueError, match="not allowed"):
        load_mnist1d()
    evil.write_bytes(pickle.dumps({"x": np.zeros(3)}, protocol=3))
    with pytest.raises(ValueError, match="x_test"):
        read_mnist1d_pickle(evil)
    evil.write_bytes(b"not a pickle")
    with pytest.raises(ValueError):
        read_mnist1d_pickle(evil)


def test_resample_and_shift_signals():
    from cnnrnn.data import resample_signals, shift_signals

    x = np.stack([np.linspace(0, 1, 40), np.linspace(1, 0, 40)]).astype(np.float32)
    longer = resample_signals(x, 79)
    assert longer.shape == (2, 79) and longer.dtype == np.float32
    np.testing.assert_allclose(longer[0], np.linspace(0, 1, 79), atol=1e-6)  # a line stays a line
    np.testing.assert_allclose(resample_signals(longer, 40), x, atol=1e-6)
    with pytest.raises(ValueError):
        resample_signals(x, 1)
    ramp = np.arange(5, dtype=np.float32)[None]
    assert shift_signals(ramp, 2, "pad").tolist() == [[0, 0, 0, 1, 2]]
    assert shift_signals(ramp, -2, "pad").tolist() == [[2, 3, 4, 0, 0]]
    assert shift_signals(ramp, 2, "roll").tolist() == [[3, 4, 0, 1, 2]]
    assert not shift_signals(ramp, 9, "pad").any()


# --- Models and predictors -------------------------------------------------------------


def test_models_take_the_lengths_they_should():
    from cnnrnn.config import MNIST1D_TINY
    from cnnrnn.inference import SignalPredictor
    from cnnrnn.models import MNIST1D_NAMES, build_mnist1d

    rng = np.random.default_rng(0)
    for name in MNIST1D_NAMES:
        predictor = SignalPredictor(build_mnist1d(name, MNIST1D_TINY))
        probs = predictor(rng.standard_normal((3, 40)))
        assert probs.shape == (3, 10)
        np.testing.assert_allclose(probs.sum(axis=1), 1.0, atol=1e-5)
        if name in ("cnn", "gru"):
            for length in (20, 160):
                assert predictor.predict_one(rng.standard_normal(length)).shape == (10,)
            assert predictor.traces == 1, "every length runs on one trace"
        else:
            with pytest.raises(ValueError, match="40 points"):
                predictor(rng.standard_normal((1, 41)))
    with pytest.raises(ValueError, match="unknown"):
        build_mnist1d("transformer")


def test_live_run_choices_are_checked():
    from cnnrnn.data import load_mnist1d
    from cnnrnn.train import start_mnist1d_run

    splits = load_mnist1d(max_train=32, max_test=16)
    for kwargs, message in [({"epochs": 0}, "epochs"), ({"epochs": 500}, "epochs"), ({"width": 0}, "width"),
                            ({"learning_rate": -1}, "learning rate"), ({"epochs": "many"}, "whole numbers")]:
        args = {"epochs": 2, "learning_rate": 0.01, "width": 8, **kwargs}
        with pytest.raises(ValueError, match=message):
            start_mnist1d_run("cnn", splits, **args)
    with pytest.raises(ValueError, match="unknown model"):
        start_mnist1d_run("svm", splits, epochs=1, learning_rate=0.01, width=8)


def test_a_cnn_learns_in_two_epochs():
    from cnnrnn.data import load_mnist1d
    from cnnrnn.train import start_mnist1d_run

    run = start_mnist1d_run("cnn", load_mnist1d(), epochs=2, learning_rate=0.01, width=16)
    first = run.train_epoch()
    second = run.train_epoch()
    assert run.done and run.history["epoch"] == [1, 2]
    assert second["loss"] < first["loss"]
    assert run.test_accuracy > 0.5, "well above chance (0.1) after two epochs"
    with pytest.raises(ValueError, match="already trained"):
        run.train_epoch()


# --- Training, the manifest and the experiments (tiny preset) --------------------------


@pytest.fixture(scope="module")
def tiny_weights(tmp_path_factory):
    from cnnrnn.config import MNIST1D_TINY
    from cnnrnn.train import train_mnist1d

    out = tmp_path_factory.mktemp("mnist1d_weights")
    seen = []
    entry = train_mnist1d(MNIST1D_TINY, out, log=lambda m: None, on_epoch=lambda *a: seen.append(a[0]))
    return out, entry, seen


def test_train_writes_weights_and_the_manifest(tiny_weights):
    from cnnrnn.inference import load_model
    from cnnrnn.train import MNIST1D_MODELS, read_manifest

    out, entry, seen = tiny_weights
    assert set(seen) == set(MNIST1D_MODELS)
    assert read_manifest(out)["mnist1d"] == json.loads(json.dumps(entry))
    for name, record in entry["models"].items():
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
    assert all(r["ms"] > 0 for r in tables["latency"])


def test_train_refuses_unknown_models(tmp_path):
    from cnnrnn.config import MNIST1D_TINY
    from cnnrnn.train import train_mnist1d

    with pytest.raises(ValueError, match="unknown MNIST-1D model"):
        train_mnist1d(MNIST1D_TINY, tmp_path, models=["cnn", "resnet"])


def test_evaluate_reads_the_weights_it_is_given(tiny_weights):
    from cnnrnn.experiments import evaluate_mnist1d

    out, entry, _ = tiny_weights
    result = evaluate_mnist1d(out)
    assert set(result["accuracy"]) == {"logreg", "mlp", "cnn", "gru"} and set(result["shuffled"]) == {"cnn", "gru"}
    assert result["train_seconds"]["gru"] == entry["models"]["gru"]["train_seconds"]
    assert result["test_size"] == 1000


def test_paper_table_puts_runs_beside_the_paper():
    from cnnrnn.experiments import mnist1d_table

    records = {"cnn": {"kind": "cnn", "variant": "normal", "test_accuracy": 0.97, "train_seconds": 20.0},
               "cnn_mixed": {"kind": "cnn", "variant": "normal", "test_accuracy": 0.9, "mixed_lengths": True},
               "run 1A": {"kind": "gru", "variant": "shuffled", "test_accuracy": None}}
    table = mnist1d_table(records)
    ours = table[table["source"] == "this project"]
    assert ours["name"].tolist() == ["cnn"], "mixed-length models and runs without a score stay out"
    paper = table[table["source"] == "paper"].set_index(["model", "variant"])["accuracy"]
    assert paper[("cnn", "normal")] == 0.94 and paper[("gru", "shuffled")] == 0.57


# --- Charts -----------------------------------------------------------------------------


def test_charts_encode_the_data():
    import pandas as pd

    from cnnrnn import charts
    from cnnrnn.experiments import mnist1d_table, signal_examples

    table = mnist1d_table({"gru": {"kind": "gru", "variant": "normal", "test_accuracy": 0.95, "train_seconds": 9}})
    spec = charts.mnist1d_table_chart(table).to_dict()
    assert spec["facet"]["column"]["field"] == "variant"
    assert spec["spec"]["encoding"]["y"]["field"] == "accuracy"
    x = np.random.default_rng(0).standard_normal((30, 40)).astype(np.float32)
    examples = signal_examples(x, np.arange(30) % 10, per_class=2)
    assert len(examples) == 10 * 2 * 40
    assert charts.signals_chart(examples).to_dict()["facet"]["field"] == "digit"
    lengths = pd.DataFrame({"model": ["cnn", "gru"], "length": [20, 20], "accuracy": [0.5, 0.4]})
    spec = charts.mnist1d_length_chart(lengths).to_dict()
    assert spec["layer"][0]["encoding"]["x"]["field"] == "length"
    assert spec["layer"][0]["encoding"]["color"]["scale"]["domain"] == ["cnn", "gru"]
    shifts = pd.DataFrame({"model": ["cnn", "cnn"], "mode": ["pad", "roll"], "shift": [4, 4], "accuracy": [0.9, 0.95]})
    spec = charts.mnist1d_shift_chart(shifts).to_dict()
    assert spec["encoding"]["x"]["field"] == "shift" and spec["encoding"]["strokeDash"]["field"] == "mode"
    latency = pd.DataFrame({"model": ["cnn", "gru"], "length": [40, 40], "ms": [0.3, 0.9]})
    assert charts.mnist1d_latency_chart(latency).to_dict()["encoding"]["y"]["scale"]["type"] == "log"
    curves = charts.mnist1d_curves_chart({"A": {"epoch": [1, 2], "accuracy": [0.5, 0.7], "test_accuracy": [0.4, 0.6]}})
    values = curves.to_dict()["datasets"]
    rows = next(iter(values.values()))
    assert len(rows) == 4 and {r["curve"] for r in rows} == {"test", "training"}


# --- Command line ------------------------------------------------------------------------


def _cli(*args):
    return subprocess.run([sys.executable, "-m", "cnnrnn", *args], capture_output=True, text=True, cwd=ROOT,
                          timeout=300)


@pytest.mark.skipif(not (WEIGHTS / "mnist1d_cnn.keras").is_file(), reason="no shipped MNIST-1D weights")
def test_evaluate_mnist1d_reproduces_the_paper():
    out = _cli("evaluate", "mnist1d")
    assert out.returncode == 0, out.stderr[-2000:]
    result = json.loads(out.stdout)
    assert result["task"] == "mnist1d" and result["test_size"] == 1000
    accuracy, shuffled = result["accuracy"], result["shuffled"]
    assert accuracy["cnn"] >= 0.94 and accuracy["gru"] >= 0.91
    assert abs(shuffled["cnn"] - 0.56) <= 0.05 and abs(shuffled["gru"] - 0.57) <= 0.05
    assert accuracy["logreg"] < accuracy["mlp"] < accuracy["cnn"]
    assert result["train_seconds"]["gru"] > result["train_seconds"]["cnn"] > 0
    assert result["gru_cnn_time_ratio"] > 1


def test_evaluate_mnist1d_without_weights_is_a_one_line_error(tmp_path):
    out = _cli("evaluate", "mnist1d", "--weights", str(tmp_path))
    assert out.returncode == 2
    assert out.stderr.startswith("error: no weights for") and "Traceback" not in out.stderr
    assert len(out.stderr.strip().splitlines()) == 1
    out = _cli("train", "mnist1d", "--preset", "tiny", "--out", str(tmp_path), "--models", "cnn,resnet")
    assert out.returncode == 2 and "error: unknown MNIST-1D model(s) resnet" in out.stderr
    assert "Traceback" not in out.stderr


# --- The page (AppTest) ----------------------------------------------------------------


def test_page_trains_two_models_live_and_adds_them_to_the_table():
    from streamlit.testing.v1 import AppTest

    at = AppTest.from_file(str(PAGE), default_timeout=240).run()
    assert not at.exception, [e.value for e in at.exception]
    before = len(at.dataframe[0].value)
    at.slider(key="seqlab_epochs_a").set_value(2)
    at.selectbox(key="seqlab_kind_b").set_value("logreg")
    at.radio(key="seqlab_variant_b").set_value("shuffled")
    at.slider(key="seqlab_epochs_b").set_value(1)
    at.button(key="seqlab_train").click().run()
    assert not at.exception, [e.value for e in at.exception]
    assert not at.error
    runs = at.session_state["seqlab_runs"]
    assert [r["name"] for r in runs] == ["run 1A: cnn 32", "run 1B: logreg, shuffled"]
    assert all(r["finished"] for r in runs)
    assert runs[0]["test_accuracy"] > 0.5 and len(runs[0]["history"]["epoch"]) == 2
    table = at.dataframe[0].value
    assert len(table) == before + 2
    assert set(table["run"]) >= {"run 1A: cnn 32", "run 1B: logreg, shuffled"}
    assert "finished" in at.dataframe[1].value["status"].tolist()
    at.button(key="seqlab_clear").click().run()
    assert not at.exception and at.session_state["seqlab_runs"] == []


def test_home_page_has_a_sequence_lab_card_and_its_numbers():
    from streamlit.testing.v1 import AppTest

    at = AppTest.from_file(str(ROOT / "streamlit_app.py"), default_timeout=60).run()
    assert not at.exception
    assert "Sequence lab" in [h.value for h in at.subheader]
    if (WEIGHTS / "mnist1d_cnn.keras").is_file():
        table = at.dataframe[0].value
        assert {"cnn", "gru", "logreg", "mlp"} <= set(table[table["task"] == "mnist1d"]["model"])
