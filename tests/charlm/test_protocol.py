"""The character models under the fair-fight protocol: equal budgets, the median seed shipped, resumable runs.

Everything trains tiny models into pytest's tmp_path (its runs under `<tmp_path>/runs`); nothing is written into
the project.
"""

from __future__ import annotations

import re
from dataclasses import replace

import numpy as np
import pytest

from cnnrnn.core.protocol import median_seed
from cnnrnn.core.seeds import RunSpec
from cnnrnn.core.weights import read_manifest
from cnnrnn.tasks.charlm.config import CHARLM, CHARLM_TINY
from cnnrnn.tasks.charlm.data import CharVocab, load_shakespeare
from cnnrnn.tasks.charlm.experiments import heldout_losses
from cnnrnn.tasks.charlm.predict import load_charlm
from cnnrnn.tasks.charlm.train import _CharRun, charlm_protocol, charlm_splits, train_charlm


class _Stop(Exception):
    pass


def test_the_protocol_gives_both_models_the_same_steps_of_the_same_characters():
    protocol = charlm_protocol(CHARLM)
    assert protocol.steps == 2500 and protocol.batch_size == CHARLM.batch_size
    assert protocol.per_step == CHARLM.batch_size * CHARLM.sequence_length, "a step's characters"
    assert protocol.metric == "heldout_loss" and not protocol.higher_is_better and protocol.test == "bootstrap"
    assert len(protocol.lr_grid) == 3 and CHARLM.learning_rate in protocol.lr_grid
    assert protocol.grid_steps == round(protocol.steps * CHARLM.grid_share)
    # Both cost over 1,200 CPU seconds a run: one full seed each, their spread from seeds at a quarter of it.
    assert protocol.reduced == {"lstm": 625, "cnn": 625} and protocol.pairs == (("lstm", "cnn"),)
    assert CHARLM.time_limit is None, "a protocol run trains its steps"
    assert CHARLM.for_model("cnn").steps == CHARLM.for_model("lstm").steps
    only_cnn = charlm_protocol(CHARLM, ["cnn"])
    assert only_cnn.reduced == {"cnn": 625} and only_cnn.pairs == ()


def test_validation_is_cut_from_the_training_text_and_the_test_text_is_the_last_tenth():
    corpus = load_shakespeare(CHARLM.val_fraction)
    data = charlm_splits(corpus, CharVocab.from_text(corpus.text), CHARLM)
    assert data.train_chars + data.val_chars == corpus.split and data.val_chars == int(len(corpus.text) * 0.05)
    assert len(data.train_ids) == data.train_chars
    assert data.vocab.decode(data.train_ids[-1000:]) == corpus.text[data.train_chars - 1000 : data.train_chars]
    assert len(data.test_windows) == 435, "every window `evaluate charlm` scores"
    assert len(data.val_windows) == (data.val_chars - 1 - CHARLM.eval_length) // CHARLM.eval_length + 1
    assert data.vocab.decode(data.val_windows[0]) == corpus.text[data.train_chars :][: CHARLM.eval_length + 1]


@pytest.mark.slow  # trains
def test_a_stopped_run_continues_from_its_checkpoint(tmp_path):
    """Stopped at its first check, a new run of the same spec starts from the checkpoint (the same weights,
    optimizer step and history) and trains only the steps left."""
    corpus = load_shakespeare(CHARLM_TINY.val_fraction, CHARLM_TINY.max_chars)
    data = charlm_splits(corpus, CharVocab.from_text(corpus.text), CHARLM_TINY)
    spec = RunSpec("lstm", 3e-3, 1, 6, tmp_path / "run")
    spec.folder.mkdir()

    def stop(line):
        if "step 3 " in line:
            raise _Stop

    first = _CharRun(spec, data, CHARLM_TINY)
    with pytest.raises(_Stop):
        first.train(stop)
    assert first.done == 3 and [point["step"] for point in first.history] == [3]
    lines = []
    resumed = _CharRun(spec, data, CHARLM_TINY, lines.append)
    assert lines == [f"    {spec.label}: resumed at step 3 ({first.cpu:.0f} CPU s)"]
    assert resumed.done == 3 and resumed.history == first.history and resumed.cpu == pytest.approx(first.cpu)
    assert int(resumed.model.optimizer.iterations.numpy()) == int(first.model.optimizer.iterations.numpy()) == 3
    for a, b in zip(resumed.model.get_weights(), first.model.get_weights(), strict=True):
        np.testing.assert_array_equal(a, b)
    resumed.train(lines.append)
    assert [point["step"] for point in resumed.history] == [3, 6] and resumed.done == 6
    assert len(lines) == 2 and "step 6 " in lines[1]
    assert int(resumed.model.optimizer.iterations.numpy()) == 6


@pytest.mark.slow  # trains
def test_each_model_in_its_own_process_then_one_plain_run_merges_and_ships(tmp_path):
    """`train charlm --models cnn` and `--models lstm` (the LSTM's interrupted in its full-budget run and started
    again: it resumes there), then a plain `train charlm`: it trains nothing and writes both models' protocol
    fields, equal steps, the median seeds and their paired test."""
    config = CHARLM_TINY
    quiet = lambda line: None  # noqa: E731
    cnn_only = train_charlm(config, tmp_path, models=["cnn"], log=quiet)
    assert set(cnn_only["models"]) == {"cnn"} and cnn_only["comparisons"] == []

    def stop(line):
        if re.search(r"lstm lr=[\d.]+ seed=1 steps=6: step 3 ", line):
            raise _Stop

    with pytest.raises(_Stop):
        train_charlm(config, tmp_path, models=["lstm"], log=stop)
    lines = []
    train_charlm(config, tmp_path, models=["lstm"], log=lines.append)
    text = "\n".join(lines)
    assert re.search(r"lstm lr=[\d.]+ seed=1 steps=6: resumed at step 3 ", text), text
    assert not re.search(r"seed=1 steps=6: step 3 ", text) and re.search(r"seed=1 steps=6: step 6 ", text)
    # The grid's runs finished before (and the one at the chosen rate is also the LSTM's first reduced seed).
    assert text.count("seed=1 steps=3: done before") == len(config.lr_grid) + 1

    lines = []
    entry = train_charlm(config, tmp_path, log=lines.append)
    assert not any(": training" in line or "resumed" in line for line in lines), "every run finished before"
    assert read_manifest(tmp_path)["charlm"]["models"]["cnn"]["trained_at"] == entry["models"]["cnn"]["trained_at"]
    protocol = entry["protocol"]
    assert protocol["steps"] == config.steps and protocol["batch_size"] == config.batch_size
    assert protocol["lr_grid"] == list(config.lr_grid) and protocol["metric"] == "heldout_loss"
    assert protocol["higher_is_better"] is False and protocol["reduced"] == {"lstm": 3}
    models = entry["models"]
    assert models["lstm"]["steps"] == models["cnn"]["steps"] == config.steps, "the same steps for both"
    for name, record in models.items():
        assert record["lr"] in config.lr_grid and len(record["lr_search"]) == len(config.lr_grid)
        assert record["params"] > 0 and record["cpu_seconds"] > 0 and record["file"] == f"charlm_{name}.keras"
        assert {"seed", "metric", "steps"} <= set(record["seeds"][0])
        assert record["metric_mean"] > 0 and len(record["metric_ci95"]) == 2
        history = record["history"]
        assert [point["step"] for point in history] == [3, 6] and all(point["seconds"] > 0 for point in history)
        assert history[-1]["val_metric"] == record["val_loss"]
        full = [s for s in record["seeds"] if s["steps"] == config.steps]
        assert record["shipped_seed"] == median_seed(full, higher_is_better=False)["seed"]
        shipped = next(s for s in full if s["seed"] == record["shipped_seed"])
        assert record["heldout_loss"] == round(shipped["metric"], 4), "the shipped file is the shipped seed's"
        assert len(record["loss_by_position"]) == config.eval_length
    # The CNN's two full-budget seeds: the shipped one is the median (of two, the second best), not the best.
    by_val = sorted((s for s in models["cnn"]["seeds"]), key=lambda s: s["val_metric"])
    assert models["cnn"]["shipped_seed"] == by_val[1]["seed"]
    assert models["lstm"]["spread_steps"] == 3 and models["cnn"]["spread_steps"] == config.steps
    [paired] = entry["comparisons"]
    assert (paired["a"], paired["b"], paired["test"]) == ("lstm", "cnn", "bootstrap") and paired["items"] == 8


@pytest.mark.slow  # trains
def test_the_shipped_files_score_what_the_manifest_says(tmp_path):
    """Each shipped file, loaded as `evaluate charlm` loads it, scores the recorded held-out loss on the test
    windows (to `evaluate`'s tolerance: tests/test_evaluate.py)."""
    config = replace(CHARLM_TINY, seeds=1, lr_grid=(6e-3,))
    entry = train_charlm(config, tmp_path, log=lambda line: None)
    corpus = load_shakespeare(config.val_fraction, config.max_chars)
    loaded = load_charlm(tmp_path)
    data = charlm_splits(corpus, loaded["lstm"].vocab, config)
    for name, predictor in loaded.items():
        measured = float(heldout_losses(predictor, data.test_windows).mean())
        assert measured == pytest.approx(entry["models"][name]["heldout_loss"], abs=1e-4)
        assert entry["models"][name]["metric"] == pytest.approx(measured, abs=1e-6)
