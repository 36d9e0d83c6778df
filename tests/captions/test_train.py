"""Training the captioner with the tiny preset: weights, manifest, tables."""

from __future__ import annotations

import io
import json
import zipfile

import pytest

from cnnrnn.core.weights import read_manifest
from cnnrnn.tasks.captions import data
from cnnrnn.tasks.captions.config import CAPTIONS_TINY
from cnnrnn.tasks.captions.predict import CAPTIONS_FILE, load_caption_model
from cnnrnn.tasks.captions.train import train_captions


@pytest.mark.slow  # trains
def test_tiny_training_writes_weights_and_manifest(tmp_path):
    lines = []
    entry = train_captions(CAPTIONS_TINY, tmp_path, log=lines.append)
    assert any(" epoch 1/1: loss " in line and "validation exact match" in line for line in lines), lines
    section = read_manifest(tmp_path)["captions"]
    info = section["models"]["captioner"]
    # Under the protocol: both rates at seed 1 (the grid is the full budget in the tiny preset), then seed 2.
    protocol = section["protocol"]
    assert protocol["metric"] == "exact_match" and protocol["lr_grid"] == list(CAPTIONS_TINY.lr_grid)
    assert [s["seed"] for s in info["seeds"]] == [1, 2] and info["steps"] == protocol["steps"]
    assert info["lr"] in CAPTIONS_TINY.lr_grid and len(info["lr_search"]) == 2
    shipped = next(s for s in info["seeds"] if s["seed"] == info["shipped_seed"])
    assert info["exact_match"] == round(shipped["metric"], 4), "the shipped file is the shipped seed's"
    assert [point["step"] for point in info["history"]] == [protocol["steps"]]
    assert (tmp_path / CAPTIONS_FILE).stat().st_size == info["bytes"] and info["params"] > 0
    assert 0.0 <= info["exact_match"] <= info["token_accuracy"] + 1e-9 <= 1.0 + 1e-9
    assert section["data"]["seeds"] == {"train": 11, "val": 22, "test": 33}
    assert section["data"]["generator_version"] == data.SCENE_VERSION
    by_objects = section["experiments"]["by_objects"]
    assert {(r["decoder"], r["objects"]) for r in by_objects} >= {("greedy", "all"), ("beam", "all")}
    assert sum(r["n"] for r in by_objects if r["decoder"] == "greedy" and r["objects"] != "all") == 48
    assert [r["size"] for r in section["experiments"]["by_size"]] == list(CAPTIONS_TINY.sweep_sizes)
    json.dumps(section)
    import h5py

    with zipfile.ZipFile(tmp_path / CAPTIONS_FILE) as archive:  # saved uncompiled: no optimizer state
        with h5py.File(io.BytesIO(archive.read("model.weights.h5")), "r") as weights:
            assert "optimizer" not in weights and "layers" in weights
    model = load_caption_model(tmp_path)
    assert model.count_params() == info["params"]
    assert entry["models"]["captioner"]["file"] == CAPTIONS_FILE
