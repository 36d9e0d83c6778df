"""Training end to end on the tiny preset: the files, the manifest section, and evaluate re-measuring it."""

from __future__ import annotations

import json

import pytest

from cnnrnn.core.weights import read_manifest
from cnnrnn.tasks.translation import cli
from cnnrnn.tasks.translation.config import MODEL_NAMES
from cnnrnn.tasks.translation.data import PAIRS_SHA256
from cnnrnn.tasks.translation.predict import VOCAB_FILE, model_file


@pytest.mark.slow  # trains (tiny_weights)
def test_training_writes_every_file_and_a_manifest_of_how(tiny_weights):
    out, summary = tiny_weights
    assert set(summary["bleu"]) == set(MODEL_NAMES) == set(summary["chrf"])
    for name in MODEL_NAMES:
        assert (out / model_file(name)).is_file()
    assert (out / VOCAB_FILE).is_file()
    entry = read_manifest(out)["translation"]
    assert entry["data"]["sha256"] == PAIRS_SHA256
    assert entry["split"]["by"] == "English sentence" and entry["split"]["max_train_source_tokens"] > 0
    for name, info in entry["models"].items():
        assert info["bytes"] == (out / model_file(name)).stat().st_size
        assert info["train_seconds"] > 0 and info["params"] > 0 and info["steps"] == entry["config"]["steps"]
        assert {row["words"] for row in info["test"]["by_length"]}  # BLEU by English length
        assert [row["words"] for row in info["test"]["latency_beam4"]] == list(entry["config"]["latency_lengths"])
        assert len(info["test"]["probes"]) >= 2


@pytest.mark.slow  # trains (tiny_weights)
def test_evaluate_re_measures_what_training_recorded(tiny_weights):
    out, _ = tiny_weights
    figures = cli.manifest_figures(read_manifest(out)["translation"])
    measured = cli.evaluate(out)
    assert measured["test_size"] == figures["test_size"]
    for key in ("bleu", "chrf"):
        for name in MODEL_NAMES:
            assert measured[key][name] == pytest.approx(figures[key][name], abs=1e-6)
    assert measured["bleu_by_length"] == figures["bleu_by_length"]
    for key in ("bleu", "chrf"):
        assert measured["greedy"][key] == pytest.approx(figures["greedy"][key], abs=1e-6)


@pytest.mark.slow  # trains (tiny_weights)
def test_translate_prints_one_json_line_per_text_and_model(tiny_weights, capsys, monkeypatch):
    from cnnrnn.__main__ import main

    out, _ = tiny_weights
    assert main(["translate", "--weights", str(out), "--beam", "2", "Hello.", "   "]) == 0
    lines = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    assert [(line["text"], line["model"]) for line in lines] == [(t, m) for t in ("Hello.", "   ") for m in MODEL_NAMES]
    assert all(isinstance(line["translation"], str) for line in lines[:3])
    assert all(line["error"].startswith("type an English sentence") for line in lines[3:])
    import io

    monkeypatch.setattr("sys.stdin", io.StringIO("I am here.\nGo!\n"))
    assert main(["translate", "--weights", str(out), "--model", "cnn"]) == 0
    lines = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    assert [(line["text"], line["model"]) for line in lines] == [("I am here.", "cnn"), ("Go!", "cnn")]


@pytest.mark.parametrize("beam", ["0", "9"])
def test_a_bad_beam_width_is_one_line_before_any_model_loads(beam, capsys):
    from cnnrnn.__main__ import main

    assert main(["translate", "--beam", beam, "--weights", "/nonexistent", "Hi."]) == 2
    err = capsys.readouterr().err
    assert err.startswith("error: beam width must be from 1 to 8") and err.count("\n") == 1
