"""Training, through `python -m cnnrnn train sentiment --preset tiny` once.

Weights, manifest, tables, the CLI on them.
"""

from __future__ import annotations

import json

import numpy as np
import pytest
from cli import json_lines, run_cli

from cnnrnn.tasks.sentiment import text as T

pytestmark = pytest.mark.slow  # the whole-suite tier: trains through the command line, then runs commands on it


def test_train_command_prints_json_and_logs_each_epoch(tiny_run):
    out, section, printed, stderr = tiny_run
    assert printed == {
        "task": "sentiment",
        "weights": str(out),
        "accuracy": {name: section["models"][name]["test_accuracy"] for name in ("rnn", "cnn")},
    }
    # The epoch callback (core.fitting.epoch_callback) reached the log for both models.
    assert "  rnn epoch 1/1: accuracy=" in stderr and "  cnn epoch 1/1: accuracy=" in stderr
    assert "val_accuracy=" in stderr and "Traceback" not in stderr


def test_train_sentiment_writes_weights_and_manifest(tiny_run):
    out, section, _, _ = tiny_run
    assert section["data"]["test_size"] == 1067 and len(section["data"]["files"]) == 2
    assert section["seed"] == section["config"]["seed"]
    assert section["command"] == "python -m cnnrnn train sentiment" and section["trained_at"].endswith("+00:00")
    for name in ("rnn", "cnn"):
        model = section["models"][name]
        assert (out / model["file"]).stat().st_size == model["bytes"]
        assert 0 <= model["test_accuracy"] <= 1 and model["params"] > 0 and model["train_seconds"] >= 0
        assert model["best_epoch"] == 1 and model["history"]["val_accuracy"][0] == model["val_accuracy"]
    assert set(section["experiments"]) == {"length_buckets", "filler", "latency", "probes"}
    assert section["models"]["cnn"]["sequence_length"] == 16 and section["models"]["rnn"]["sequence_length"] is None


def test_trained_models_carry_the_training_splits_nb_ratios(tiny_run):
    from cnnrnn.core.predictor import load_model
    from cnnrnn.tasks.sentiment.config import SENTIMENT_TINY
    from cnnrnn.tasks.sentiment.data import load_polarity
    from cnnrnn.tasks.sentiment.layers import bigram_buckets

    out, _, _, _ = tiny_run
    splits = load_polarity(
        SENTIMENT_TINY.val_size, SENTIMENT_TINY.test_size, SENTIMENT_TINY.split_seed, SENTIMENT_TINY.max_train
    )
    for name in ("rnn", "cnn"):
        model = load_model(out / f"sentiment_{name}.keras")
        vocabulary = model.get_layer("vectorize").get_vocabulary()[2:]
        layer = model.get_layer(f"{name}_core").get_layer("nb_ratio")
        assert not layer.trainable  # a fixed prior: training left it as counted
        expected = T.nb_log_ratios(splits.x_train, splits.y_train, vocabulary, SENTIMENT_TINY.nb_alpha)
        if name in SENTIMENT_TINY.nb_with_templates:  # the RNN's table counts the negation templates too
            extra, extra_labels = T.negation_templates(
                splits.x_train, splits.y_train, SENTIMENT_TINY.negation_templates, SENTIMENT_TINY.model_seed(name)
            )
            expected = T.nb_log_ratios(
                list(splits.x_train) + extra,
                np.concatenate([splits.y_train, extra_labels]),
                vocabulary,
                SENTIMENT_TINY.nb_alpha,
            )
        np.testing.assert_allclose(layer.get_weights()[0][:, 0], expected, rtol=1e-6)
    # The CNN's word-pair table: counted on every training sentence (out-of-fold ratios are for training only).
    cnn = load_model(out / "sentiment_cnn.keras")
    ids = cnn.get_layer("vectorize")(cnn.get_layer("standardize")(np.array(splits.x_train))).numpy()
    buckets = SENTIMENT_TINY.cnn_bigram_buckets
    pairs = cnn.get_layer("cnn_core").get_layer("nb_bigram_ratio")
    assert not pairs.trainable and buckets > 0
    np.testing.assert_allclose(
        pairs.get_weights()[0][:, 0],
        T.nb_id_ratios(np.asarray(bigram_buckets(ids, buckets)), splits.y_train, buckets, SENTIMENT_TINY.nb_alpha),
        rtol=1e-6,
    )


def test_retraining_a_subset_keeps_the_other(tiny_run, tmp_path):
    import shutil

    from cnnrnn.core.weights import read_manifest
    from cnnrnn.tasks.sentiment.config import SENTIMENT_TINY
    from cnnrnn.tasks.sentiment.train import train_sentiment

    out, _, _, _ = tiny_run
    copy = tmp_path / "w"
    shutil.copytree(out, copy)
    epochs = []
    again = train_sentiment(
        SENTIMENT_TINY, copy, on_epoch=lambda *a: epochs.append(a), log=lambda m: None, models=["cnn"]
    )
    assert again["models"]["rnn"] == read_manifest(out)["sentiment"]["models"]["rnn"]
    assert [(model, epoch) for model, epoch, _ in epochs] == [("cnn", 0)]
    assert {"loss", "accuracy", "val_accuracy", "val_loss"} <= set(epochs[0][2])
    with pytest.raises(ValueError, match="unknown sentiment model\\(s\\) lstm; choose from rnn, cnn"):
        train_sentiment(SENTIMENT_TINY, copy, log=lambda m: None, models=["lstm"])
    (copy / "sentiment_rnn.keras").unlink()
    with pytest.raises(
        FileNotFoundError, match="sentiment_rnn.keras \\(or its manifest entry\\) is missing: retrain it too"
    ):
        train_sentiment(SENTIMENT_TINY, copy, log=lambda m: None, models=["cnn"])


def test_experiment_tables_and_charts(tiny_run):
    import pandas as pd

    from cnnrnn.tasks.sentiment import charts, experiments
    from cnnrnn.tasks.sentiment.predict import load_sentiment_predictors

    out, section, _, _ = tiny_run
    tables = {k: pd.DataFrame(v) for k, v in section["experiments"].items()}
    assert set(tables["filler"]["where"]) == {"before", "after"}
    assert set(tables["latency"]["tokens"]) == {1, 20}
    assert tables["length_buckets"]["n"].sum() == 2 * 32
    predictors = load_sentiment_predictors(out)
    prefixes = experiments.prefix_predictions(predictors, "not bad at all")
    occlusion = experiments.occlusion_importance(predictors, "not bad at all")
    assert len(prefixes) == len(occlusion) == 8
    for chart in (
        charts.length_bucket_chart(tables["length_buckets"]),
        charts.filler_chart(tables["filler"]),
        charts.latency_chart(tables["latency"]),
        charts.prefix_chart(prefixes),
        charts.occlusion_chart(occlusion),
    ):
        spec = chart.to_dict()
        assert "layer" in spec or "mark" in spec
    assert charts.latency_chart(tables["latency"]).to_dict()["encoding"]["x"]["scale"]["type"] == "log"
    summary = experiments.filler_summary(tables["filler"])
    assert summary["filler"] == 20 and set(summary) == {
        "filler",
        ("rnn", "before"),
        ("rnn", "after"),
        ("cnn", "before"),
        ("cnn", "after"),
    }


def test_evaluate_command_on_trained_weights(tiny_run):
    out, section, _, _ = tiny_run
    done = run_cli("evaluate", "sentiment", "--weights", str(out))
    assert done.returncode == 0, done.stderr[-2000:]
    result = json.loads(done.stdout)
    assert result["task"] == "sentiment" and result["test_size"] == 1067
    assert set(result["accuracy"]) == {"rnn", "cnn"} and all(0 <= v <= 1 for v in result["accuracy"].values())


def test_cli_predict_sentiment_arguments_and_stdin(tiny_run):
    out, _, _, _ = tiny_run
    done = run_cli("predict-sentiment", "--weights", str(out), "good film", "   ", "😀 这部电影", "--max-chars", "5")
    lines = json_lines(done.stdout)
    assert done.returncode == 1, done.stderr  # one text was blank
    assert [(r["text"], r.get("model")) for r in lines] == [
        ("good film", "rnn"),
        ("good film", "cnn"),
        ("   ", None),
        ("😀 这部电影", "rnn"),
        ("😀 这部电影", "cnn"),
    ]
    assert all(0 <= r["positive"] <= 1 for r in lines if "positive" in r)
    assert lines[2]["error"] == "The text is empty. Type a sentence, for example: the acting is wonderful."
    assert "Traceback" not in done.stderr and "only the first" in done.stderr

    piped = run_cli(
        "predict-sentiment",
        "--weights",
        str(out),
        "--model",
        "cnn",
        input="a fine film\n\n  \nawful\x00 \xff bytes\r\n".encode() + b"\xff\n",
    )
    rows = json_lines(piped.stdout)
    assert piped.returncode == 0, piped.stderr
    assert [r["model"] for r in rows] == ["cnn"] * 3 and rows[0]["text"] == "a fine film"


def test_cli_bad_input_is_one_line_error(tiny_run):
    out, _, _, _ = tiny_run
    empty = run_cli("predict-sentiment", "--weights", str(out), input=b"\n \n")
    stderr = empty.stderr
    assert empty.returncode == 2 and empty.stdout == "" and "Traceback" not in stderr
    assert [line for line in stderr.splitlines() if line.startswith("error:")] == [
        "error: standard input holds no text"
    ]
    bad = run_cli("predict-sentiment", "--model", "bogus", "good")
    assert bad.returncode == 2 and "Traceback" not in bad.stderr and "invalid choice: 'bogus'" in bad.stderr
    missing = run_cli("predict-sentiment", "--weights", str(out / "missing"), "good")
    err = [line for line in missing.stderr.splitlines() if line.startswith("error:")]
    assert missing.returncode == 2 and missing.stdout == ""
    assert err == [
        f"error: no sentiment_rnn.keras, sentiment_cnn.keras in {out / 'missing'}; "
        "run: python -m cnnrnn train sentiment"
    ]
