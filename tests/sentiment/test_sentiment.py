"""The sentiment task: text helpers, data, tiny models, predictor, training, experiments, CLI, shipped weights."""

from __future__ import annotations

import json
import logging
import math
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from cnnrnn import text as T

ROOT = Path(__file__).resolve().parents[1]
WEIGHTS = ROOT / "cnnrnn" / "weights"
PROBES = Path(__file__).resolve().parent / "sentiment_probes.tsv"
HAS_DATA = bool(os.environ.get("CNNRNN_DATA_DIR")) and (
    Path(os.environ.get("CNNRNN_DATA_DIR", "")) / "rt-polarity" / "rt-polarity.pos").is_file()
needs_data = pytest.mark.skipif(not HAS_DATA, reason="CNNRNN_DATA_DIR with rt-polarity/ is not available")
needs_weights = pytest.mark.skipif(
    not all((WEIGHTS / f"sentiment_{n}.keras").is_file() for n in ("rnn", "cnn")),
    reason="shipped sentiment weights are missing")

ODD_TEXTS = ["", "   \t\n ", "😀😀 👍", "这部电影很好看", "ctrl\x00\x01\x07\x7f\x85chars", "\ud800 lone surrogate",
             "CAPS!!! ... ???", "a" * 5000, "don't\u00a0stop\u3000\ufeff", "'''---\"\"\""]

SENTENCES = ["a wonderful , moving film", "a dull and boring mess", "good", "not good at all",
             "the acting is great but the script is terrible", "i loved it", "i hated it", "fine"]


# --- text --------------------------------------------------------------------------


def test_tokenize_brings_typed_text_to_the_datas_form():
    assert T.tokenize("Doesn't it?") == ["doesn't", "it", "?"]
    assert T.tokenize("dont do that, it isnt good") == ["don't", "do", "that", ",", "it", "isn't", "good"]
    assert T.tokenize("it’s “great”—really…") == ["it's", '"', "great", '"', "--", "really", ".", ".", "."]
    assert T.tokenize("a co-writer/director--sadly") == ["a", "co-writer", "/", "director", "--", "sadly"]
    assert T.tokenize("'quoted' kids'") == ["'", "quoted", "'", "kids", "'"]
    assert T.tokenize("") == [] and T.tokenize(" \t\x00 ") == []


@pytest.mark.parametrize("text", ODD_TEXTS + SENTENCES)
def test_standardize_is_idempotent(text):
    once = T.standardize(text)
    assert T.standardize(once) == once
    assert "  " not in once and once == once.strip()


def test_python_and_graph_standardisation_agree():
    """The model's in-graph Standardize layer gives exactly text.standardize's string."""
    import tensorflow as tf

    from cnnrnn.models import Standardize

    texts = ODD_TEXTS + SENTENCES + [line for _, line in _probe_lines()] + ["İstanbul É café's münch's 1.5 $9 [a]"]
    if HAS_DATA:
        from cnnrnn.data import load_polarity

        texts += load_polarity().x_test
    cleaned = [T.clean(t) for t in texts]
    graph = Standardize()(tf.constant([t.encode("utf-8") for t in cleaned])).numpy()
    assert [g.decode("utf-8") for g in graph] == [T.standardize(t) for t in cleaned]


def test_limit_text_cuts_with_a_notice():
    short = T.limit_text("a fine film")
    assert not short.cut and short.notice is None and short.text == "a fine film"
    long = T.limit_text("word " * 10_000, max_chars=1000)
    assert long.cut and len(long.text) <= 1000 and not long.text.endswith(" wor")
    assert "50,000" in long.notice and "1,000" in long.notice


def test_check_text_messages():
    assert "empty" in T.check_text("")
    assert "empty" in T.check_text("  \n\t ")
    assert T.check_text("\x00\x01\x02") is not None
    assert T.check_text("😀") is None and T.check_text("good") is None


def test_prefixes_occlusions_filler_and_cnn_view():
    tokens = ["not", "bad", "at", "all"]
    assert T.prefixes(tokens) == ["not", "not bad", "not bad at", "not bad at all"]
    assert T.prefixes(tokens, limit=2) == ["not", "not bad"]
    assert T.occlusions(tokens) == ["bad at all", "not at all", "not bad all", "not bad at"]
    before, after = T.with_filler(tokens, 3, "before").split(), T.with_filler(tokens, 3, "after").split()
    assert before[3:] == tokens and after[:4] == tokens and len(before) == len(after) == 7
    with pytest.raises(ValueError):
        T.with_filler(tokens, 1, "middle")
    view = T.cnn_view(tokens, 3)
    assert view == {"kept": ["not", "bad", "at"], "truncated": ["all"], "padding": 0, "sequence_length": 3}
    assert T.cnn_view(tokens, 10)["padding"] == 6


def test_build_vocabulary_orders_by_count_then_alphabet():
    assert T.build_vocabulary(["b a b", "c b a", "d"], 3) == ["b", "a", "c"]
    assert T.known_fraction(["a", "z"], {"a"}) == 0.5 and T.known_fraction([], {"a"}) == 0.0


def test_nb_log_ratios_count_sentences_per_class():
    texts = ["good good film", "good plot", "bad film", "bad bad plot", "film"]
    labels = [1, 1, 0, 0, 1]
    vocabulary = ["film", "good", "bad", "plot", "unseen"]
    ratios = T.nb_log_ratios(texts, labels, vocabulary, alpha=1.0)
    assert ratios.shape == (7,) and ratios.dtype == np.float32
    assert ratios[0] == ratios[1] == 0  # padding and [UNK]
    # Sentences holding each word (a word counts once per sentence): positive p, negative q, alpha 1.
    p = np.array([2, 2, 0, 1, 0]) + 1.0
    q = np.array([1, 0, 2, 1, 0]) + 1.0
    expected = np.log(p / p.sum()) - np.log(q / q.sum())
    expected[4] = 0.0  # "unseen" is in no sentence: no evidence either way
    np.testing.assert_allclose(ratios[2:], expected, rtol=1e-6)
    assert ratios[3] > 0 > ratios[4]  # "good" leans positive, "bad" negative
    rare = T.nb_log_ratios(texts, labels, vocabulary, alpha=1.0, min_count=3)
    np.testing.assert_allclose(rare[2:], np.where([True, False, False, False, False], expected, 0.0), rtol=1e-6)


def test_nb_id_ratios_match_the_text_counts():
    from cnnrnn.models import build_vectorizer

    texts = ["good good film", "good plot", "bad film", "bad bad plot", "film"]
    labels = [1, 1, 0, 0, 1]
    vocabulary = ["film", "good", "bad", "plot", "unseen"]
    ids = build_vectorizer(vocabulary, 6)(np.array(texts)).numpy()
    for min_count in (1, 3):
        np.testing.assert_allclose(T.nb_id_ratios(ids, labels, 7, 1.0, min_count),
                                   T.nb_log_ratios(texts, labels, vocabulary, 1.0, min_count), rtol=1e-6)


def test_out_of_fold_ratios_hide_each_texts_own_label():
    # ids 2..5 are words; 9 occurs once, in a positive text: counted in-sample it leans positive,
    # out of fold it is unseen (0), as it would be in a new text.
    ids = np.array([[2, 3, 9, 0], [2, 4, 0, 0], [3, 5, 0, 0], [4, 5, 2, 0], [2, 3, 0, 0], [9, 4, 0, 0]])
    labels = np.array([1, 0, 1, 0, 1, 0])
    counted = np.array([True, True, True, True, True, False])
    full = T.nb_id_ratios(ids[counted], labels[counted], 10)
    assert full[9] > 0
    for folds in (2, 5):
        oof = T.nb_out_of_fold_ratios(ids, labels, counted, 10, folds=folds, seed=0)
        assert oof.shape == ids.shape and oof.dtype == np.float32
        assert oof[0, 2] == 0.0  # word 9: its only counted text is this one
        np.testing.assert_allclose(oof[5], full[ids[5]])  # not counted: the full table
        assert np.all(oof[ids == 0] == 0)  # padding
        # A counted text's ratios are those of a table counted without its fold.
        fold = np.random.default_rng(0).permutation(5) % folds
        for row in range(5):
            others = counted & np.append(fold != fold[row], False)
            np.testing.assert_allclose(oof[row], T.nb_id_ratios(ids[others], labels[others], 10)[ids[row]], rtol=1e-6)


def test_mean_over_windows_skips_windows_that_start_on_padding():
    from cnnrnn.models import MeanOverWindows

    maps = np.arange(24, dtype=np.float32).reshape(2, 4, 3)  # (batch, windows, filters)
    ids = np.array([[5, 6, 0, 0, 0], [0, 0, 0, 0, 0]])  # 2 words; no words
    out = np.asarray(MeanOverWindows()([maps, ids]))
    np.testing.assert_allclose(out[0], maps[0, :2].mean(axis=0))
    np.testing.assert_allclose(out[1], 0.0)


def test_sum_over_words_is_the_scaled_total_and_survives_saving():
    import keras

    from cnnrnn.models import SumOverWords

    ratios = np.array([[[0.5, -1.0], [1.5, 0.25], [0.0, 0.0]], [[0.0, 0.0]] * 3], np.float32)
    np.testing.assert_allclose(np.asarray(SumOverWords(2.0)(ratios)), [[4.0, -1.5], [0.0, 0.0]])
    clone = keras.layers.deserialize(keras.layers.serialize(SumOverWords(0.3)))
    assert isinstance(clone, SumOverWords) and clone.scale == pytest.approx(0.3) and not clone.trainable


def test_bigram_buckets_agree_in_numpy_and_in_the_graph():
    from cnnrnn.models import BigramBuckets, bigram_buckets

    ids = np.array([[2, 3, 4, 0, 0], [5, 1, 6, 7, 0], [0, 0, 0, 0, 0]], np.int64)
    graph = np.asarray(BigramBuckets(97)(ids))
    np.testing.assert_array_equal(np.asarray(bigram_buckets(ids, 97)), graph)
    assert graph[0, 0] != graph[0, 1] and min(graph[0, 0], graph[0, 1]) >= 2 and np.all(graph[0, 2:] == 0)
    assert graph[1, 0] == graph[1, 1] == 0 and graph[1, 2] > 1  # pairs with [UNK] have no bucket
    assert np.all((graph == 0) | ((graph >= 2) & (graph < 97))) and np.all(graph[2] == 0)
    # The same pair anywhere in any text hashes the same; order matters.
    swapped = np.asarray(bigram_buckets(np.array([[3, 2, 0]]), 97))
    assert np.asarray(bigram_buckets(np.array([[9, 2, 3]]), 97))[0, 1] == graph[0, 0] != swapped[0, 0]


def test_negation_templates_flip_polar_words():
    texts = ["a wonderful , moving film", "so wonderful and moving", "wonderful", "is wonderful",
             "a dull , boring mess", "so dull and boring", "dull", "is dull"] * 5
    labels = [1, 1, 1, 1, 0, 0, 0, 0] * 5
    positive, negative = T.polar_words(texts, labels, min_count=5, min_after_intensifier=1)
    assert positive == ["wonderful"] and negative == ["dull"]
    sentences, ys = T.negation_templates(texts * 2, labels * 2, 300, seed=1)
    assert len(sentences) == len(ys) == 300 and set(ys) == {0, 1}
    polarity = {"wonderful": True, "moving": True, "dull": False, "boring": False}  # MR-style and basic words
    for sentence, y in zip(sentences, ys):
        words = sentence.split()
        last_polar = [w for w in words if w in polarity][-1]
        negated = any(w in words for w in ("not", "never", "isn't", "wasn't", "far"))
        assert y == (polarity[last_polar] != negated), sentence
    assert T.negation_templates(texts, labels, 10, part="val")[0] == []  # too few words to hold any out
    with pytest.raises(ValueError):
        T.negation_templates(texts, labels, 1, part="test")


# --- data ----------------------------------------------------------------------------


@needs_data
def test_load_polarity_fixed_splits():
    from cnnrnn.data import load_polarity

    splits = load_polarity()
    assert (len(splits.x_train), len(splits.x_val), len(splits.x_test)) == (8595, 1000, 1067)
    assert len(set(splits.x_test) & set(splits.x_train)) < 10  # a few sentences occur twice in MR
    assert splits.files["rt-polarity.pos"].startswith("d79ef140")
    assert splits.files["rt-polarity.neg"].startswith("4af43bf4")
    again = load_polarity(max_train=100)
    assert again.x_test == splits.x_test and again.x_val == splits.x_val and len(again.x_train) == 100


# --- tiny models and the predictor ---------------------------------------------------


@pytest.fixture(scope="module")
def tiny_models():
    import keras

    from cnnrnn.config import SENTIMENT_TINY
    from cnnrnn.models import build_sentiment_cnn, build_sentiment_rnn

    keras.utils.set_random_seed(0)
    vocabulary = T.build_vocabulary(SENTENCES, 50)
    return {"rnn": build_sentiment_rnn(vocabulary, SENTIMENT_TINY), "cnn": build_sentiment_cnn(vocabulary, SENTIMENT_TINY)}


def test_tiny_models_take_strings(tiny_models):
    import tensorflow as tf

    for name, model in tiny_models.items():
        out = model(tf.constant(SENTENCES)).numpy()
        assert out.shape == (len(SENTENCES), 1) and np.all((out >= 0) & (out <= 1))
        assert model.inputs[0].dtype == "string"


def test_predictor_equals_model_and_keeps_one_trace(tiny_models, caplog):
    import tensorflow as tf

    from cnnrnn.inference import TextPredictor

    rng = np.random.default_rng(0)
    words = " ".join(SENTENCES).split()
    with caplog.at_level(logging.WARNING):
        for name, model in tiny_models.items():
            predictor = TextPredictor(model)
            np.testing.assert_allclose(predictor(SENTENCES), model(tf.constant(SENTENCES)).numpy()[:, 0], atol=1e-6)
            for length in range(1, 101):
                batch = [" ".join(rng.choice(words, length)) for _ in range(1 + length % 3)]
                assert predictor(batch).shape == (len(batch),)
            assert predictor.traces == 1, f"{name} retraced"
    assert "retracing" not in caplog.text.lower()


def test_predictor_on_odd_input(tiny_models):
    from cnnrnn.inference import TextPredictor

    for name, model in tiny_models.items():
        predictor = TextPredictor(model)
        out = predictor(ODD_TEXTS)
        assert out.shape == (len(ODD_TEXTS),) and np.all(np.isfinite(out)) and np.all((out >= 0) & (out <= 1))
        assert predictor([]).shape == (0,)
        assert 0 <= predictor.predict_one("") <= 1  # an all-empty batch still runs
        with pytest.raises(TypeError):
            predictor("a bare string")
    huge = " ".join(["good"] * 100_000)
    assert 0 <= TextPredictor(tiny_models["cnn"]).predict_one(huge) <= 1
    assert TextPredictor(tiny_models["cnn"]).sequence_length == 16
    assert TextPredictor(tiny_models["rnn"]).sequence_length is None


def test_save_load_round_trip_safe_mode(tiny_models, tmp_path):
    from cnnrnn.inference import TextPredictor, load_model

    for name, model in tiny_models.items():
        path = tmp_path / f"sentiment_{name}.keras"
        model.save(path)
        loaded = load_model(path)  # safe_mode=True
        np.testing.assert_allclose(TextPredictor(loaded)(SENTENCES + ODD_TEXTS),
                                   TextPredictor(model)(SENTENCES + ODD_TEXTS), atol=1e-6)


def test_unknown_model_name():
    from cnnrnn.models import build_sentiment_core

    with pytest.raises(ValueError):
        build_sentiment_core("transformer", 10)


# --- training, experiments, evaluation, CLI (one tiny training run) ---------------------


@pytest.fixture(scope="module")
def tiny_run(tmp_path_factory):
    if not HAS_DATA:
        pytest.skip("CNNRNN_DATA_DIR with rt-polarity/ is not available")
    from cnnrnn.config import SENTIMENT_TINY
    from cnnrnn.train import train_sentiment

    out = tmp_path_factory.mktemp("sentiment_weights")
    epochs = []
    entry = train_sentiment(SENTIMENT_TINY, out, on_epoch=lambda *a: epochs.append(a), log=lambda m: None)
    return out, entry, epochs


def test_train_sentiment_writes_weights_and_manifest(tiny_run):
    from cnnrnn.train import read_manifest

    out, entry, epochs = tiny_run
    assert {m for m, _, _ in epochs} == {"rnn", "cnn"}
    section = read_manifest(out)["sentiment"]
    assert section["data"]["test_size"] == 1067 and len(section["data"]["files"]) == 2
    assert section["seed"] == entry["config"]["seed"]
    for name in ("rnn", "cnn"):
        model = section["models"][name]
        assert (out / model["file"]).stat().st_size == model["bytes"]
        assert 0 <= model["test_accuracy"] <= 1 and model["params"] > 0 and model["train_seconds"] >= 0
    assert set(section["experiments"]) == {"length_buckets", "filler", "latency", "probes"}
    assert section["models"]["cnn"]["sequence_length"] == 16 and section["models"]["rnn"]["sequence_length"] is None


def test_trained_models_carry_the_training_splits_nb_ratios(tiny_run):
    from cnnrnn.config import SENTIMENT_TINY
    from cnnrnn.data import load_polarity
    from cnnrnn.inference import load_model

    out, _, _ = tiny_run
    splits = load_polarity(SENTIMENT_TINY.val_size, SENTIMENT_TINY.test_size, SENTIMENT_TINY.split_seed,
                           SENTIMENT_TINY.max_train)
    for name in ("rnn", "cnn"):
        model = load_model(out / f"sentiment_{name}.keras")
        vocabulary = model.get_layer("vectorize").get_vocabulary()[2:]
        layer = model.get_layer(f"{name}_core").get_layer("nb_ratio")
        assert not layer.trainable  # a fixed prior: training left it as counted
        expected = T.nb_log_ratios(splits.x_train, splits.y_train, vocabulary, SENTIMENT_TINY.nb_alpha)
        np.testing.assert_allclose(layer.get_weights()[0][:, 0], expected, rtol=1e-6)
    # The CNN's word-pair table: counted on every training sentence (out-of-fold ratios are for training only).
    from cnnrnn.models import bigram_buckets

    cnn = load_model(out / "sentiment_cnn.keras")
    ids = cnn.get_layer("vectorize")(cnn.get_layer("standardize")(np.array(splits.x_train))).numpy()
    buckets = SENTIMENT_TINY.cnn_bigram_buckets
    pairs = cnn.get_layer("cnn_core").get_layer("nb_bigram_ratio")
    assert not pairs.trainable and buckets > 0
    np.testing.assert_allclose(pairs.get_weights()[0][:, 0],
                               T.nb_id_ratios(np.asarray(bigram_buckets(ids, buckets)), splits.y_train, buckets,
                                              SENTIMENT_TINY.nb_alpha), rtol=1e-6)


def test_retraining_a_subset_keeps_the_other(tiny_run, tmp_path):
    import shutil

    from cnnrnn.config import SENTIMENT_TINY
    from cnnrnn.train import read_manifest, train_sentiment

    out, entry, _ = tiny_run
    copy = tmp_path / "w"
    shutil.copytree(out, copy)
    again = train_sentiment(SENTIMENT_TINY, copy, log=lambda m: None, models=["cnn"])
    assert again["models"]["rnn"] == read_manifest(out)["sentiment"]["models"]["rnn"]
    with pytest.raises(ValueError):
        train_sentiment(SENTIMENT_TINY, copy, log=lambda m: None, models=["lstm"])


def test_experiment_tables_and_charts(tiny_run):
    import pandas as pd

    from cnnrnn import charts, experiments
    from cnnrnn.inference import load_sentiment_predictors

    out, entry, _ = tiny_run
    tables = {k: pd.DataFrame(v) for k, v in entry["experiments"].items()}
    assert set(tables["filler"]["where"]) == {"before", "after"}
    assert set(tables["latency"]["tokens"]) == {1, 20}
    assert tables["length_buckets"]["n"].sum() == 2 * 32
    predictors = load_sentiment_predictors(out)
    prefixes = experiments.prefix_predictions(predictors, "not bad at all")
    occlusion = experiments.occlusion_importance(predictors, "not bad at all")
    assert len(prefixes) == len(occlusion) == 8
    for chart in (charts.length_bucket_chart(tables["length_buckets"]), charts.filler_chart(tables["filler"]),
                  charts.latency_chart(tables["latency"]), charts.prefix_chart(prefixes),
                  charts.occlusion_chart(occlusion)):
        spec = chart.to_dict()
        assert "layer" in spec or "mark" in spec
    assert charts.latency_chart(tables["latency"]).to_dict()["encoding"]["x"]["scale"]["type"] == "log"


def test_evaluate_sentiment_json_shape(tiny_run, capsys):
    from cnnrnn.__main__ import main

    out, _, _ = tiny_run
    assert main(["evaluate", "sentiment", "--weights", str(out)]) == 0
    result = json.loads(capsys.readouterr().out)
    assert result["task"] == "sentiment" and result["test_size"] == 1067
    assert set(result["accuracy"]) == {"rnn", "cnn"} and all(0 <= v <= 1 for v in result["accuracy"].values())


def _cli(*args, stdin: bytes | None = b""):
    env = {**os.environ, "PYTHONIOENCODING": "utf-8"}
    return subprocess.run([sys.executable, "-m", "cnnrnn", *args], input=stdin, capture_output=True,
                          cwd=ROOT, env=env, timeout=120)


def test_cli_predict_sentiment_arguments_and_stdin(tiny_run):
    out, _, _ = tiny_run
    done = _cli("predict-sentiment", "--weights", str(out), "good film", "   ", "😀 这部电影", "--max-chars", "5")
    lines = [json.loads(line) for line in done.stdout.decode().splitlines()]
    assert done.returncode == 1, done.stderr  # one text was blank
    assert [(r["text"], r.get("model")) for r in lines] == [
        ("good film", "rnn"), ("good film", "cnn"), ("   ", None), ("😀 这部电影", "rnn"), ("😀 这部电影", "cnn")]
    assert all(0 <= r["positive"] <= 1 for r in lines if "positive" in r) and "error" in lines[2]
    assert "Traceback" not in done.stderr.decode() and "only the first" in done.stderr.decode()

    piped = _cli("predict-sentiment", "--weights", str(out), "--model", "cnn",
                 stdin="a fine film\n\n  \nawful\x00 \xff bytes\r\n".encode("utf-8") + b"\xff\n")
    rows = [json.loads(line) for line in piped.stdout.decode().splitlines()]
    assert piped.returncode == 0, piped.stderr
    assert [r["model"] for r in rows] == ["cnn"] * 3 and rows[0]["text"] == "a fine film"


def test_cli_bad_input_is_one_line_error(tiny_run, capsys):
    from cnnrnn.__main__ import main

    out, _, _ = tiny_run
    empty = _cli("predict-sentiment", "--weights", str(out), stdin=b"\n \n")
    stderr = empty.stderr.decode()
    assert empty.returncode == 2 and empty.stdout == b"" and "Traceback" not in stderr
    assert [line for line in stderr.splitlines() if line.startswith("error:")] == ["error: standard input holds no text"]
    bad = _cli("predict-sentiment", "--model", "bogus", "good")
    assert bad.returncode == 2 and "Traceback" not in bad.stderr.decode()
    assert main(["predict-sentiment", "--weights", str(out / "missing"), "good"]) == 2
    err = capsys.readouterr().err.strip()
    assert err.startswith("error: no sentiment weights") and "train sentiment" in err and len(err.splitlines()) == 1


# --- the shipped models ----------------------------------------------------------------


def _probe_lines() -> list[tuple[str, str]]:
    rows = []
    for line in PROBES.read_text(encoding="utf-8").splitlines():
        if line.strip() and not line.startswith("#"):
            label, sentence = line.split("\t", 1)
            rows.append((label, sentence))
    return rows


@pytest.fixture(scope="module")
def shipped():
    from cnnrnn.inference import load_sentiment_predictors

    return load_sentiment_predictors()


@needs_weights
def test_shipped_models_on_held_out_probes(shipped):
    rows = _probe_lines()
    assert len(rows) >= 40
    truth = np.array([label == "positive" for label, _ in rows])
    for name, predictor in shipped.items():
        right = (predictor([s for _, s in rows]) >= 0.5) == truth
        wrong = [s for (_, s), ok in zip(rows, right) if not ok]
        assert right.mean() >= 0.85, f"{name}: {right.mean():.1%} right; wrong on {wrong}"


@needs_weights
def test_counted_evidence_reads_the_shipped_tables(shipped):
    from cnnrnn.models import bigram_buckets

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


def test_counted_evidence_is_empty_without_the_channel():
    import dataclasses

    from cnnrnn.config import SENTIMENT_TINY
    from cnnrnn.inference import TextPredictor
    from cnnrnn.models import build_sentiment_cnn

    model = build_sentiment_cnn(T.build_vocabulary(SENTENCES, 50), dataclasses.replace(SENTIMENT_TINY, nb_channel="off"))
    assert TextPredictor(model).counted_evidence("a dull film") == []


@needs_weights
def test_shipped_manifest_and_sizes():
    from cnnrnn.train import read_manifest

    section = read_manifest()["sentiment"]
    total = 0
    for name in ("rnn", "cnn"):
        model = section["models"][name]
        assert model["test_accuracy"] >= 0.75 and model["val_accuracy"] >= 0.75
        assert (WEIGHTS / model["file"]).stat().st_size == model["bytes"]
        total += model["bytes"]
    assert total < 3e6  # the pair's share of the 15 MB weights budget (2.9 MB shipped)
    assert section["data"]["files"]["rt-polarity.pos"].startswith("d79ef140")
    assert {"length_buckets", "filler", "latency", "probes"} <= set(section["experiments"])


@needs_weights
def test_shipped_models_any_length_one_trace(shipped):
    words = "the film is a warm and funny story about friends".split()
    for name, predictor in shipped.items():
        for length in (1, 7, 59, 64, 65, 300, 2000):
            assert 0 <= predictor.predict_one(" ".join(words[i % len(words)] for i in range(length))) <= 1
        assert predictor.traces == 1


@needs_weights
@needs_data
def test_shipped_models_evaluate_as_recorded():
    from cnnrnn.experiments import evaluate_sentiment
    from cnnrnn.train import read_manifest

    result = evaluate_sentiment()
    recorded = read_manifest()["sentiment"]["models"]
    assert result["test_size"] == 1067
    for name in ("rnn", "cnn"):
        assert abs(result["accuracy"][name] - recorded[name]["test_accuracy"]) < 0.002
        assert not math.isnan(result["accuracy"][name])


def _recorded_accuracy(name: str) -> float:
    from cnnrnn.train import read_manifest

    return read_manifest()["sentiment"]["models"][name]["test_accuracy"]


@needs_weights
def test_shipped_rnn_reaches_077_on_the_test_split():
    assert _recorded_accuracy("rnn") >= 0.77  # issue 3's target; test_shipped_models_evaluate_as_recorded re-measures it


@needs_weights
def test_shipped_cnn_reaches_077_on_the_test_split():
    assert _recorded_accuracy("cnn") >= 0.77  # likewise re-measured there
