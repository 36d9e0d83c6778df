"""Character models (the generation page): data checks, builders, the stateful generator, training.

Everything here trains tiny models into pytest's tmp_path; nothing is written into the project.
The command line is in test_cli.py.
"""

from __future__ import annotations

import json
import os
import zipfile
from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest

from cnnrnn.tasks.charlm.config import CHARLM_LIVE, CHARLM_TINY
from cnnrnn.tasks.charlm.data import (
    MAX_CORPUS_BYTES,
    CharVocab,
    CorpusError,
    corpus_from_bytes,
    corpus_from_text,
    load_shakespeare,
)

ROOT = Path(__file__).resolve().parents[2]
TEXT = (
    "First Citizen:\nBefore we proceed any further, hear me speak.\n\nAll:\nSpeak, speak.\n\n"
    "First Citizen:\nYou are all resolved rather to die than to famish?\n"
) * 4
LYRICS = (
    Path(os.environ.get("CNNRNN_DATA_DIR", ROOT.parent / "shared" / "data"))
    / "jaychou-lyrics"
    / "jaychou_lyrics.txt.zip"
)


def _cjk(text: str) -> int:
    return sum("\u4e00" <= c <= "\u9fff" for c in text)


@pytest.fixture(scope="module")
def vocab():
    return CharVocab.from_text(TEXT)


def _perturbed(name, vocab_size, config=CHARLM_TINY, scale=0.3, seed=0):
    """A tiny model with random, non-trivial weights (fresh Keras initialisation is too tame)."""
    import keras

    from cnnrnn.tasks.charlm.model import build_charlm

    keras.utils.set_random_seed(seed)
    model = build_charlm(name, vocab_size, config)
    rng = np.random.default_rng(seed)
    model.set_weights([w + rng.normal(0, scale, w.shape).astype(w.dtype) for w in model.get_weights()])
    return model


@pytest.fixture(scope="module")
def predictors(vocab):
    from cnnrnn.tasks.charlm.predict import CharPredictor

    return {name: CharPredictor(_perturbed(name, len(vocab)), vocab, name) for name in ("lstm", "cnn")}


@pytest.fixture(scope="module")
def tiny_weights(tmp_path_factory):
    """`train_charlm` with the tiny preset (first 4,000 characters of tiny Shakespeare) into a temp dir."""
    from cnnrnn.tasks.charlm.train import train_charlm

    out = tmp_path_factory.mktemp("charlm")
    entry = train_charlm(CHARLM_TINY, out, log=lambda message: None)
    return out, entry


# --- Data ---------------------------------------------------------------------------


def test_shakespeare_split_is_the_last_tenth():
    corpus = load_shakespeare()
    assert len(corpus.text) == 1_115_394 and corpus.sha256.startswith("86c4e6aa")
    assert corpus.split == int(len(corpus.text) * 0.9)
    assert corpus.train_text + corpus.val_text == corpus.text
    assert len(CharVocab.from_text(corpus.text)) == 65


def test_vocab_round_trip_and_unknown_characters(tmp_path, vocab):
    ids = vocab.encode("Speak, speak.")
    assert ids.dtype == np.int32 and vocab.decode(ids) == "Speak, speak."
    loaded = CharVocab.load(vocab.save(tmp_path / "vocab.json"))
    assert loaded == vocab
    kept_ids, kept, dropped = vocab.encode_known("Speak, Zoë!")
    assert kept == "Speak, " + "".join(c for c in "Zoë!" if c in vocab) and "ë" in dropped
    with pytest.raises(CorpusError, match="never seen"):
        vocab.encode("ë")


@pytest.mark.parametrize(
    "payload,message",
    [
        (b"", "empty"),
        (b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 4, "binary"),
        (b"some text\x00\x01\x02 with NULs" * 20, "binary"),
        (b"caf\xe9 au lait, " * 30, "not UTF-8"),
        (b"   \n\n\t  " * 40, "no visible characters"),
        (b"too short", "at least 200"),
        (b"a" * (MAX_CORPUS_BYTES + 1), "limit is 2 MB"),
    ],
)
def test_bad_corpora_raise_clear_messages(payload, message):
    with pytest.raises(CorpusError, match=message):
        corpus_from_bytes(payload, "upload.txt")


def test_good_corpus_normalises_line_ends_and_bom():
    corpus = corpus_from_bytes("\ufeffline one\r\nline two\r".encode("utf-8") * 20, "notes.txt")
    assert "\r" not in corpus.text and not corpus.text.startswith("\ufeff")
    assert corpus_from_text("你好，世界。" * 40).text.startswith("你好")


# --- Models -------------------------------------------------------------------------


def test_builders_shapes_and_cnn_receptive_field(vocab):
    from cnnrnn.tasks.charlm.model import build_charlm

    for name in ("lstm", "cnn"):
        model = build_charlm(name, len(vocab), CHARLM_TINY)
        out = model(np.zeros((2, 37), np.int32))
        assert tuple(out.shape) == (2, 37, len(vocab))
    # Causal, with the stated window: position t depends on t - receptive_field + 1 .. t only.
    model = _perturbed("cnn", len(vocab))
    rf = CHARLM_TINY.receptive_field
    assert rf == 15
    ids = np.array([vocab.encode(TEXT[:60])])
    changed = ids.copy()
    changed[0, 20] = (changed[0, 20] + 1) % len(vocab)
    base, other = np.asarray(model(ids)), np.asarray(model(changed))
    moved = np.abs(base - other).max(axis=-1)[0]
    assert moved[:20].max() == 0, "no position sees the future"
    assert moved[20 : 20 + rf].min() > 0, "the change is seen inside the window"
    assert moved[20 + rf :].max() == 0, "and forgotten beyond it"


# --- The stateful generator -----------------------------------------------------------


@pytest.mark.parametrize("name", ["lstm", "cnn"])
def test_stateful_steps_match_the_full_model(predictors, name):
    """The generator's odds for each character equal a full forward pass over the same prefix."""
    predictor = predictors[name]
    run = predictor.stream("Speak", 40, 1.0, 0, 7)
    text = "".join(run)
    assert len(text) == 40 and len(run.steps) == 40
    for step in (0, 1, 17, 39):
        prefix = run.prime + text[:step]
        full = predictor.next_distribution(prefix)
        top_chars = [c for c, _ in run.steps[step]["top"]]
        top_probs = np.array([p for _, p in run.steps[step]["top"]])
        np.testing.assert_allclose(top_probs, full[[predictor.vocab.index[c] for c in top_chars]], atol=2e-5)
        assert run.steps[step]["probability"] == pytest.approx(full[predictor.vocab.index[text[step]]], abs=2e-5)
        entropy = -float(np.sum(full * np.log(np.maximum(full, 1e-30))))
        assert run.steps[step]["entropy"] == pytest.approx(entropy, abs=1e-4)


def test_same_seed_same_text_and_sampling_controls(predictors):
    predictor = predictors["lstm"]
    a = predictor.generate("All:\n", 120, 0.9, 0, 42)
    assert a == predictor.generate("All:\n", 120, 0.9, 0, 42) == "".join(predictor.stream("All:\n", 120, 0.9, 0, 42))
    assert a != predictor.generate("All:\n", 120, 0.9, 0, 43)
    # Temperature 0 is greedy: the same as keeping only the top candidate, whatever the seed.
    assert predictor.generate("All:\n", 60, 0.0, 0, 1) == predictor.generate("All:\n", 60, 1.0, 1, 99)
    # Top-k keeps every drawn character among the k likeliest.
    run = predictor.stream("All:\n", 80, 1.5, 2, 3)
    "".join(run)
    assert all(s["char"] in [c for c, _ in s["top"][:2]] for s in run.steps)
    # A huge temperature is sampling from (nearly) uniform odds: it runs and uses many characters.
    wild = predictor.generate("All:\n", 300, 1e6, 0, 5)
    assert len(wild) == 300 and len(set(wild)) > len(predictor.vocab) // 2


def test_prime_edge_cases_give_notes_not_errors(predictors):
    predictor = predictors["cnn"]
    run = predictor.stream("Speak 你好 ë", 20, 0.8, 0, 0)
    assert len("".join(run)) == 20
    assert run.prime == "Speak  " and any("never seen" in note for note in run.notes)
    run = predictor.stream("你好", 10)
    assert len("".join(run)) == 10 and run.prime == "\n" and run.notes
    run = predictor.stream("", 10)
    assert len("".join(run)) == 10 and run.prime == "\n" and not run.notes
    run = predictor.stream("a" * 5000, 5)
    assert len(run.prime) == 4000 and any("last 4,000" in note for note in run.notes)


@pytest.mark.parametrize(
    "kwargs,message",
    [
        ({"temperature": -0.5}, "temperature"),
        ({"temperature": float("nan")}, "temperature"),
        ({"temperature": float("inf")}, "temperature"),
        ({"length": 0}, "length"),
        ({"top_k": -1}, "top-k"),
        ({"seed": "abc"}, "whole numbers"),
    ],
)
def test_bad_generation_settings_raise_value_errors(predictors, kwargs, message):
    with pytest.raises(ValueError, match=message):
        predictors["lstm"].stream("All:", **{"length": 10, **kwargs})


def test_read_gives_each_character_a_probability(predictors):
    rows = predictors["lstm"].read("Speak, Zoë")
    assert [r["char"] for r in rows] == list("Speak, Zoë")
    assert rows[0]["probability"] is None and not rows[-1]["known"] and rows[-1]["probability"] is None
    assert all(0 < r["probability"] <= 1 for r in rows[1:-1] if r["known"])


def test_generation_uses_one_trace(predictors):
    predictor = predictors["cnn"]
    for length, prime in ((5, "a"), (70, "Speak, speak."), (33, "All")):
        predictor.generate(prime, length, 0.7, 3, length)
    assert predictor._sample.experimental_get_tracing_count() == 1
    assert predictor._feed.experimental_get_tracing_count() == 1


# --- Training, saving, loading ---------------------------------------------------------


@pytest.mark.slow  # trains (the module's tiny_weights)
def test_train_save_load_round_trip(tiny_weights):
    from cnnrnn.tasks.charlm.experiments import evaluate_charlm, heldout_losses, heldout_windows
    from cnnrnn.tasks.charlm.predict import load_charlm

    out, entry = tiny_weights
    assert {p.name for p in out.iterdir()} >= {
        "charlm_lstm.keras",
        "charlm_cnn.keras",
        "charlm_vocab.json",
        "manifest.json",
    }
    manifest = json.loads((out / "manifest.json").read_text())["charlm"]
    for name in ("lstm", "cnn"):
        record = manifest["models"][name]
        for key in ("heldout_loss", "params", "bytes", "train_seconds", "seed", "loss_by_position", "versions"):
            assert key in record
        assert len(record["loss_by_position"]) == CHARLM_TINY.eval_length
    assert manifest["data"]["sha256"].startswith("86c4e6aa")
    assert manifest["models"]["cnn"]["receptive_field"] == CHARLM_TINY.receptive_field
    loaded = load_charlm(out)  # safe_mode=True: no Lambda layers, nothing but Keras's own
    corpus = load_shakespeare(max_chars=CHARLM_TINY.max_chars)
    windows = heldout_windows(loaded["lstm"].vocab.encode(corpus.val_text), CHARLM_TINY.eval_length)
    for name, predictor in loaded.items():
        assert float(heldout_losses(predictor, windows).mean()) == pytest.approx(
            manifest["models"][name]["heldout_loss"], abs=1e-3
        )
    result = evaluate_charlm(out)
    assert result["task"] == "charlm" and set(result["loss"]) == {"lstm", "cnn"}


def test_live_training_stops_when_asked_and_keeps_history():
    from cnnrnn.tasks.charlm.train import start_live_model, train_live

    corpus = corpus_from_text(TEXT * 3)
    config = replace(
        CHARLM_LIVE,
        rnn_units=16,
        embedding_dim=8,
        sequence_length=24,
        batch_size=4,
        eval_every=2,
        eval_length=32,
        steps=50,
    )
    live = start_live_model(corpus, config)
    seen = []
    train_live(live, corpus, on_progress=seen.append, should_stop=lambda: len(seen) >= 3, time_limit=120)
    assert live.history["stopped"] == "stopped" and live.history["step"] < 50
    assert live.history["val_loss"] and live.history["loss"]
    steps_before = live.history["step"]
    optimizer = live.predictor.model.optimizer
    iterations = int(optimizer.iterations.numpy())
    moments = [v.numpy().copy() for v in optimizer.variables if "momentum" in v.path]
    assert iterations == steps_before and moments and any(np.abs(m).sum() > 0 for m in moments)
    train_live(live, corpus, steps=2, time_limit=60)  # keep training: the history goes on
    assert live.history["step"] == steps_before + 2
    assert live.predictor.model.optimizer is optimizer, "Keep training keeps the optimizer"
    assert int(optimizer.iterations.numpy()) == iterations + 2, "and its state (Adam's step count, moments)"


@pytest.mark.slow  # trains twice
def test_two_live_models_with_the_same_seed_train_alike_and_leave_the_global_generators_alone():
    from global_seeds import global_draws, seed_global

    from cnnrnn.tasks.charlm.train import start_live_model, train_live

    corpus = corpus_from_text(TEXT * 3)
    config = replace(
        CHARLM_LIVE,
        rnn_units=8,
        embedding_dim=4,
        sequence_length=16,
        batch_size=2,
        eval_every=4,
        eval_length=16,
        steps=4,
        time_limit=None,
        dropout=0.1,
    )
    seed_global(9)
    expected = global_draws()
    seed_global(9)
    weights = []
    for _ in range(2):
        live = start_live_model(corpus, config)
        train_live(live, corpus)
        weights.append(live.predictor.model.get_weights())
    assert global_draws() == expected
    assert all(np.array_equal(a, b) for a, b in zip(*weights))


def test_training_runs_exactly_the_steps_asked_for():
    """A step count that is not a multiple of eval_every ends there, not at the next check."""
    from cnnrnn.tasks.charlm.train import start_live_model, train_live

    corpus = corpus_from_text(TEXT * 3)
    config = replace(
        CHARLM_LIVE,
        rnn_units=8,
        embedding_dim=4,
        sequence_length=16,
        batch_size=2,
        eval_every=4,
        eval_length=16,
        steps=6,
        time_limit=None,
    )
    live = start_live_model(corpus, config)
    train_live(live, corpus)
    assert live.history["step"] == 6 and live.history["stopped"] == "steps"
    assert live.history["val_steps"][-1] == 6  # the last weights were judged too


@pytest.mark.slow  # trains
@pytest.mark.skipif(not LYRICS.is_file(), reason="the Chinese lyrics corpus is not in the data directory")
def test_chinese_corpus_trains_and_writes_chinese():
    """The article's own example, as a tiny run in memory (the lyrics are never written anywhere)."""
    from cnnrnn.tasks.charlm.train import start_live_model, train_live

    with zipfile.ZipFile(LYRICS) as archive:
        text = archive.read(archive.namelist()[0]).decode("utf-8")[:12_000]
    corpus = corpus_from_bytes(text.encode("utf-8"), "lyrics.txt")
    config = replace(
        CHARLM_LIVE,
        rnn_units=64,
        sequence_length=32,
        batch_size=16,
        eval_every=20,
        eval_length=64,
        max_eval_windows=4,
        steps=40,
    )
    live = start_live_model(corpus, config)
    train_live(live, corpus, time_limit=60)
    assert len(live.vocab) > 500
    out = live.predictor.generate(corpus.text[:2], 60, 0.8, 0, 1)
    assert _cjk(out) >= 20, out


def test_each_model_gets_its_own_stepper(vocab):
    """The kind is read from the model itself; the CNN's stepper finds every block the builder made."""
    from cnnrnn.tasks.charlm.model import build_charlm, model_kind, stepper_for
    from cnnrnn.tasks.charlm.model_cnn import CNNStepper
    from cnnrnn.tasks.charlm.model_lstm import LSTMStepper

    lstm, cnn = (build_charlm(name, len(vocab), CHARLM_TINY) for name in ("lstm", "cnn"))
    assert (model_kind(lstm), model_kind(cnn)) == ("lstm", "cnn")
    lstm_stepper, cnn_stepper = stepper_for(lstm), stepper_for(cnn)
    assert isinstance(lstm_stepper, LSTMStepper) and len(lstm_stepper.cells) == CHARLM_TINY.rnn_layers
    assert lstm_stepper.receptive_field is None
    assert isinstance(cnn_stepper, CNNStepper) and len(cnn_stepper.blocks) == len(CHARLM_TINY.cnn_dilations)
    assert cnn_stepper.receptive_field == CHARLM_TINY.receptive_field
    with pytest.raises(ValueError, match=r"unknown character model 'gru'; choose one of \('lstm', 'cnn'\)"):
        build_charlm("gru", len(vocab))
