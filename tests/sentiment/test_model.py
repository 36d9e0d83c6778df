"""The sentiment models: custom layers, the two builders, the predictor, the shipped weights."""

from __future__ import annotations

import json
import logging
import math
import zipfile

import numpy as np
import pytest
from sentiment_support import HAS_DATA, HAS_WEIGHTS, ODD_TEXTS, SENTENCES, WEIGHTS, probe_lines

from cnnrnn.tasks.sentiment import text as T

needs_data = pytest.mark.skipif(not HAS_DATA, reason="CNNRNN_DATA_DIR with rt-polarity/ is not available")
needs_weights = pytest.mark.skipif(not HAS_WEIGHTS, reason="shipped sentiment weights are missing")


# --- custom layers --------------------------------------------------------------------


def test_mean_over_windows_skips_windows_that_start_on_padding():
    from cnnrnn.tasks.sentiment.layers import MeanOverWindows

    maps = np.arange(24, dtype=np.float32).reshape(2, 4, 3)  # (batch, windows, filters)
    ids = np.array([[5, 6, 0, 0, 0], [0, 0, 0, 0, 0]])  # 2 words; no words
    out = np.asarray(MeanOverWindows()([maps, ids]))
    np.testing.assert_allclose(out[0], maps[0, :2].mean(axis=0))
    np.testing.assert_allclose(out[1], 0.0)


def test_sum_over_words_is_the_scaled_total_and_survives_saving():
    import keras

    from cnnrnn.tasks.sentiment.layers import SumOverWords

    ratios = np.array([[[0.5, -1.0], [1.5, 0.25], [0.0, 0.0]], [[0.0, 0.0]] * 3], np.float32)
    np.testing.assert_allclose(np.asarray(SumOverWords(2.0)(ratios)), [[4.0, -1.5], [0.0, 0.0]])
    clone = keras.layers.deserialize(keras.layers.serialize(SumOverWords(0.3)))
    assert isinstance(clone, SumOverWords) and clone.scale == pytest.approx(0.3) and not clone.trainable


def test_bigram_buckets_agree_in_numpy_and_in_the_graph():
    from cnnrnn.tasks.sentiment.layers import BigramBuckets, bigram_buckets

    ids = np.array([[2, 3, 4, 0, 0], [5, 1, 6, 7, 0], [0, 0, 0, 0, 0]], np.int64)
    graph = np.asarray(BigramBuckets(97)(ids))
    np.testing.assert_array_equal(np.asarray(bigram_buckets(ids, 97)), graph)
    assert graph[0, 0] != graph[0, 1] and min(graph[0, 0], graph[0, 1]) >= 2 and np.all(graph[0, 2:] == 0)
    assert graph[1, 0] == graph[1, 1] == 0 and graph[1, 2] > 1  # pairs with [UNK] have no bucket
    assert np.all((graph == 0) | ((graph >= 2) & (graph < 97))) and np.all(graph[2] == 0)
    # The same pair anywhere in any text hashes the same; order matters.
    swapped = np.asarray(bigram_buckets(np.array([[3, 2, 0]]), 97))
    assert np.asarray(bigram_buckets(np.array([[9, 2, 3]]), 97))[0, 1] == graph[0, 0] != swapped[0, 0]


def test_custom_layers_keep_the_registered_names_the_shipped_files_use():
    """The .keras files name their layers "cnnrnn>ClassName": each must resolve to this package's class."""
    import keras

    from cnnrnn.tasks.sentiment import layers

    for name in (
        "Standardize",
        "PadToMinLength",
        "MaskedPoolOverTime",
        "WordDropout",
        "BigramBuckets",
        "MeanOverWindows",
        "RatioOfKeptWords",
        "SumOverWords",
    ):
        assert keras.saving.get_registered_object(f"cnnrnn>{name}") is getattr(layers, name)


# --- the two builders and the predictor -------------------------------------------------


@pytest.fixture(scope="module")
def tiny_models():
    import keras

    from cnnrnn.tasks.sentiment.config import SENTIMENT_TINY
    from cnnrnn.tasks.sentiment.model import build_sentiment_cnn, build_sentiment_rnn

    keras.utils.set_random_seed(0)
    vocabulary = T.build_vocabulary(SENTENCES, 50)
    return {
        "rnn": build_sentiment_rnn(vocabulary, SENTIMENT_TINY),
        "cnn": build_sentiment_cnn(vocabulary, SENTIMENT_TINY),
    }


def test_tiny_models_take_strings(tiny_models):
    import tensorflow as tf

    for name, model in tiny_models.items():
        out = model(tf.constant(SENTENCES)).numpy()
        assert out.shape == (len(SENTENCES), 1) and np.all((out >= 0) & (out <= 1))
        assert model.inputs[0].dtype == "string"
        assert model.name == f"sentiment_{name}"


def test_each_builder_builds_its_own_architecture(tiny_models):
    """The RNN is a GRU over any number of steps; the CNN convolutions over a fixed window, with a pair channel."""
    from cnnrnn.tasks.sentiment.config import SENTIMENT_TINY
    from cnnrnn.tasks.sentiment.layers import core_of

    rnn, cnn = (core_of(tiny_models[n]) for n in ("rnn", "cnn"))
    rnn_layers, cnn_layers = {layer.name for layer in rnn.layers}, {layer.name for layer in cnn.layers}
    assert "gru" in rnn_layers and not any(n.startswith("conv") for n in rnn_layers)
    assert {f"conv{k}" for k in SENTIMENT_TINY.cnn_kernel_sizes} <= cnn_layers and "gru" not in cnn_layers
    assert "nb_bigram_ratio" in cnn_layers and "nb_score" in cnn_layers
    assert "nb_bigram_ratio" not in rnn_layers and "nb_score" not in rnn_layers
    assert rnn.inputs[0].shape[1] is None and cnn.inputs[0].shape[1] == SENTIMENT_TINY.sequence_length
    assert "min_length" in {layer.name for layer in tiny_models["rnn"].layers}


def test_build_by_name_matches_the_builders(tiny_models):
    import keras

    from cnnrnn.tasks.sentiment.config import SENTIMENT_TINY
    from cnnrnn.tasks.sentiment.model import build_sentiment_cnn, build_sentiment_model, build_sentiment_rnn

    vocabulary = T.build_vocabulary(SENTENCES, 50)
    for name, build in (("rnn", build_sentiment_rnn), ("cnn", build_sentiment_cnn)):
        keras.utils.set_random_seed(3)
        direct = build(vocabulary, SENTIMENT_TINY)
        keras.utils.set_random_seed(3)
        by_name = build_sentiment_model(name, vocabulary, SENTIMENT_TINY)
        assert [w.shape for w in direct.get_weights()] == [w.shape for w in by_name.get_weights()]
        assert all(np.array_equal(a, b) for a, b in zip(direct.get_weights(), by_name.get_weights()))


def test_predictor_equals_model_and_keeps_one_trace(tiny_models, caplog):
    import tensorflow as tf

    from cnnrnn.tasks.sentiment.model import TextPredictor

    rng = np.random.default_rng(0)
    words = " ".join(SENTENCES).split()
    with caplog.at_level(logging.WARNING):
        for name, model in tiny_models.items():
            predictor = TextPredictor(model)
            assert predictor.name == name
            np.testing.assert_allclose(predictor(SENTENCES), model(tf.constant(SENTENCES)).numpy()[:, 0], atol=1e-6)
            for length in range(1, 101):
                batch = [" ".join(rng.choice(words, length)) for _ in range(1 + length % 3)]
                assert predictor(batch).shape == (len(batch),)
            assert predictor.traces == 1, f"{name} retraced"
    assert "retracing" not in caplog.text.lower()


def test_predictor_on_odd_input(tiny_models):
    from cnnrnn.tasks.sentiment.model import TextPredictor

    for _name, model in tiny_models.items():
        predictor = TextPredictor(model)
        out = predictor(ODD_TEXTS)
        assert out.shape == (len(ODD_TEXTS),) and np.all(np.isfinite(out)) and np.all((out >= 0) & (out <= 1))
        assert predictor([]).shape == (0,)
        assert 0 <= predictor.predict_one("") <= 1  # an all-empty batch still runs
        with pytest.raises(TypeError, match="pass a list of texts; use predict_one for a single text"):
            predictor("a bare string")
    huge = " ".join(["good"] * 100_000)
    assert 0 <= TextPredictor(tiny_models["cnn"]).predict_one(huge) <= 1
    assert TextPredictor(tiny_models["cnn"]).sequence_length == 16
    assert TextPredictor(tiny_models["rnn"]).sequence_length is None


def test_save_load_round_trip_safe_mode(tiny_models, tmp_path):
    from cnnrnn.core.predictor import load_model
    from cnnrnn.tasks.sentiment.model import TextPredictor

    for name, model in tiny_models.items():
        path = tmp_path / f"sentiment_{name}.keras"
        model.save(path)
        loaded = load_model(path)  # safe_mode=True
        np.testing.assert_allclose(
            TextPredictor(loaded)(SENTENCES + ODD_TEXTS), TextPredictor(model)(SENTENCES + ODD_TEXTS), atol=1e-6
        )


def test_unknown_model_name():
    from cnnrnn.tasks.sentiment.model import build_sentiment_core, build_sentiment_model

    with pytest.raises(ValueError, match=r"unknown sentiment model 'transformer'; choose one of \('rnn', 'cnn'\)"):
        build_sentiment_core("transformer", 10)
    with pytest.raises(ValueError, match="unknown sentiment model 'lstm'"):
        build_sentiment_model("lstm", ["good"])


def test_counted_evidence_is_empty_without_the_channel():
    import dataclasses

    from cnnrnn.tasks.sentiment.config import SENTIMENT_TINY
    from cnnrnn.tasks.sentiment.model import TextPredictor, build_sentiment_cnn

    model = build_sentiment_cnn(
        T.build_vocabulary(SENTENCES, 50), dataclasses.replace(SENTIMENT_TINY, nb_channel="off")
    )
    assert TextPredictor(model).counted_evidence("a dull film") == []
    assert TextPredictor(model).counted_score([]) is None


def test_missing_weights_name_the_files_and_the_command(tmp_path):
    from cnnrnn.tasks.sentiment.predict import load_sentiment_models

    with pytest.raises(FileNotFoundError) as error:
        load_sentiment_models(tmp_path)
    assert str(error.value) == (
        f"no sentiment_rnn.keras, sentiment_cnn.keras in {tmp_path}; run: python -m cnnrnn train sentiment"
    )


# --- the shipped models ----------------------------------------------------------------


@needs_weights
def test_shipped_files_load_in_safe_mode_with_their_custom_layers():
    import keras

    from cnnrnn.tasks.sentiment import layers

    for name, custom in (
        ("rnn", {"cnnrnn>Standardize", "cnnrnn>PadToMinLength", "cnnrnn>WordDropout"}),
        ("cnn", {"cnnrnn>Standardize", "cnnrnn>BigramBuckets", "cnnrnn>MeanOverWindows", "cnnrnn>SumOverWords"}),
    ):
        path = WEIGHTS / f"sentiment_{name}.keras"
        saved = json.dumps(json.loads(zipfile.ZipFile(path).read("config.json")))
        assert all(f'"registered_name": "{c}"' in saved for c in custom)
        model = keras.saving.load_model(path, compile=False, safe_mode=True)
        assert isinstance(model.get_layer("standardize"), layers.Standardize)
        assert layers.short_name(model) == name


@needs_weights
def test_shipped_models_on_held_out_probes(shipped):
    rows = probe_lines()
    assert len(rows) >= 40
    truth = np.array([label == "positive" for label, _ in rows])
    for name, predictor in shipped.items():
        right = (predictor([s for _, s in rows]) >= 0.5) == truth
        wrong = [s for (_, s), ok in zip(rows, right) if not ok]
        assert right.mean() >= 0.85, f"{name}: {right.mean():.1%} right; wrong on {wrong}"


@needs_weights
def test_counted_evidence_reads_the_shipped_tables(shipped):
    from cnnrnn.tasks.sentiment.layers import bigram_buckets

    cnn, rnn = shipped["cnn"], shipped["rnn"]
    core = cnn.model.get_layer("cnn_core")
    words = core.get_layer("nb_ratio").get_weights()[0][:, 0]
    pairs = core.get_layer("nb_bigram_ratio").get_weights()[0][:, 0]
    text = "A dull film , not funny at all zqxjv ."
    rows = cnn.counted_evidence(text)
    ids = cnn.model.get_layer("vectorize")(cnn.model.get_layer("standardize")(np.array([text]))).numpy()
    buckets = np.asarray(bigram_buckets(ids, len(pairs)))[0]
    assert [r["token"] for r in rows] == T.tokenize(text) and [r["position"] for r in rows] == list(range(1, 11))
    for i, row in enumerate(rows):
        assert row["word_ratio"] == pytest.approx(float(words[ids[0, i]]))
        assert row["pair_ratio"] == pytest.approx(float(pairs[buckets[i]]))
    assert rows[1]["word_ratio"] < 0  # "dull" leans negative on MR
    unknown = rows[8]
    assert not unknown["known"] and unknown["word_ratio"] == 0 and unknown["pair_ratio"] == 0
    assert rows[4]["pair"] == "not funny" and rows[-1]["pair"] is None
    # The CNN reads its fixed window only; the RNN any length, and has no pair channel.
    long = " ".join(["good"] * 200)
    assert len(cnn.counted_evidence(long)) == cnn.sequence_length and len(rnn.counted_evidence(long)) == 200
    assert "pair_ratio" not in rnn.counted_evidence("not bad")[0]
    assert cnn.counted_evidence("") == [] and len(cnn.counted_evidence(text, limit=3)) == 3


@needs_weights
def test_counted_score_is_what_the_cnns_output_unit_reads(shipped):
    import keras

    cnn, rnn = shipped["cnn"], shipped["rnn"]
    core = cnn.model.get_layer("cnn_core")
    read = keras.Model(core.inputs, core.get_layer("nb_score").output)
    vectorize = cnn.model.get_layer("vectorize")
    standardize = cnn.model.get_layer("standardize")

    def scored(model, text):
        return model.counted_score(model.counted_evidence(text))

    # A short text, and one past the CNN's window: the sum covers the words it reads, no more.
    for text in ("A dull film , not funny at all zqxjv .", " ".join(["a wonderful film"] * 40) + " awful awful"):
        graph = np.asarray(read(vectorize(standardize(np.array([text])))))[0] / core.get_layer("nb_score").scale
        score = scored(cnn, text)
        assert score["word"] == pytest.approx(float(graph[0]), abs=1e-4)
        assert score["pair"] == pytest.approx(float(graph[1]), abs=1e-4)
    assert scored(cnn, "A dull film , not funny at all .")["word"] < 0 < scored(cnn, "a wonderful film")["word"]
    assert scored(cnn, "") == {"word": 0.0, "pair": 0.0}
    assert scored(rnn, "a dull film") is None  # the RNN reads the ratios word by word only
    # The output unit's last two inputs are the score: it learned to weigh the counts up, not down.
    kernel = core.get_layer("positive").get_weights()[0][:, 0]
    assert kernel.shape[0] == core.get_layer("features").output.shape[-1] + 2
    assert kernel[-2] > 0 and kernel[-1] > 0


@needs_weights
def test_shipped_manifest_and_sizes():
    from cnnrnn.core.weights import read_manifest

    section = read_manifest()["sentiment"]
    total = 0
    for name in ("rnn", "cnn"):
        model = section["models"][name]
        assert model["test_accuracy"] >= 0.75 and model["val_accuracy"] >= 0.75
        assert (WEIGHTS / model["file"]).stat().st_size == model["bytes"]
        total += model["bytes"]
    assert total < 3e6  # the pair's share of the 32 MB weights budget (2.9 MB shipped)
    assert section["data"]["files"]["rt-polarity.pos"].startswith("d79ef140")
    assert {"length_buckets", "filler", "latency", "probes"} <= set(section["experiments"])


@needs_weights
def test_shipped_models_any_length_one_trace(shipped):
    words = "the film is a warm and funny story about friends".split()
    for _name, predictor in shipped.items():
        for length in (1, 7, 59, 64, 65, 300, 2000):
            assert 0 <= predictor.predict_one(" ".join(words[i % len(words)] for i in range(length))) <= 1
        assert predictor.traces == 1


@pytest.mark.slow  # evaluates the shipped models
@needs_weights
@needs_data
def test_shipped_models_evaluate_as_recorded():
    from cnnrnn.core.weights import read_manifest
    from cnnrnn.tasks.sentiment.experiments import evaluate_sentiment

    result = evaluate_sentiment()
    recorded = read_manifest()["sentiment"]["models"]
    assert result["test_size"] == 1067
    for name in ("rnn", "cnn"):
        assert abs(result["accuracy"][name] - recorded[name]["test_accuracy"]) < 0.002
        assert result["accuracy"][name] == round(recorded[name]["test_accuracy"], 4)
        assert not math.isnan(result["accuracy"][name])
    assert result["accuracy"] == {"rnn": 0.7723, "cnn": 0.7807}


def _recorded_accuracy(name: str) -> float:
    from cnnrnn.core.weights import read_manifest

    return read_manifest()["sentiment"]["models"][name]["test_accuracy"]


@needs_weights
def test_shipped_rnn_reaches_077_on_the_test_split():
    assert (
        _recorded_accuracy("rnn") >= 0.77
    )  # issue 3's target; test_shipped_models_evaluate_as_recorded re-measures it


@needs_weights
def test_shipped_cnn_reaches_077_on_the_test_split():
    assert _recorded_accuracy("cnn") >= 0.77  # likewise re-measured there
