"""Captioning (one to many): the model, step-by-step decoding, scores and the shipped captioner."""

from __future__ import annotations

import hand_drawn
import numpy as np
import pytest

from cnnrnn.core.weights import WEIGHTS_DIR, read_manifest
from cnnrnn.tasks.captions import data
from cnnrnn.tasks.captions.config import CAPTIONS_TINY
from cnnrnn.tasks.captions.experiments import beam_steps_table, caption_scores, caption_steps_table
from cnnrnn.tasks.captions.model import CaptionPredictor, build_caption_model, fixed_size_error_rgb
from cnnrnn.tasks.captions.predict import load_caption_predictor
from cnnrnn.tasks.captions.prepare import prepare_scene

# --- Model, decoding, scores ----------------------------------------------------


@pytest.fixture(scope="module")
def tiny_predictor():
    import keras

    keras.utils.set_random_seed(3)
    return CaptionPredictor(build_caption_model(CAPTIONS_TINY))


def test_model_is_tied_to_64_pixels_and_returns_logits_per_step(tiny_predictor):
    model = tiny_predictor.model
    out = model([np.zeros((2, 64, 64, 3), np.float32), np.ones((2, 5), np.int32)])
    assert tuple(out.shape) == (2, 5, len(data.CAPTION_VOCAB))
    assert fixed_size_error_rgb(model, np.zeros((64, 64, 3), np.float32)) is None
    assert fixed_size_error_rgb(model, np.zeros((96, 96, 3), np.float32))


def test_step_by_step_decoding_matches_the_teacher_forced_model(tiny_predictor):
    scenes = data.make_scenes(3, seed=9)
    x = scenes.images.astype(np.float32) / 255.0
    ids = tiny_predictor.greedy_ids(x)
    fed = np.concatenate([np.full((3, 1), data.START), ids[:, :-1]], axis=1).astype(np.int32)
    logits = np.asarray(tiny_predictor.model([x, fed], training=False))
    for row in range(3):  # up to and including the first <end>, greedy picked the model's argmax
        ends = np.flatnonzero(ids[row] == data.END)
        stop = int(ends[0]) + 1 if ends.size else ids.shape[1]
        assert list(logits[row, :stop].argmax(axis=-1)) == list(ids[row, :stop])
    seqs, scores, history = tiny_predictor.beam_ids(x, 1)
    assert np.array_equal(seqs[:, 0], ids), "beam search of width 1 is greedy decoding"
    seqs, scores, history = tiny_predictor.beam_ids(x[:1], 4)
    assert np.all(np.diff(scores[0]) <= 1e-6), "beams come best first"
    assert all(len(h["beams"]) <= 4 for h in history)
    tiny_predictor.greedy(np.concatenate([x, x, x])[:7])
    assert tiny_predictor.traces == 2, "one trace each for the encoder and the step, any batch size"


def test_caption_one_records_the_top_candidates_of_each_step(tiny_predictor):
    result = tiny_predictor.caption_one(np.ones((64, 64, 3), np.float32), 3)
    steps = caption_steps_table(result["greedy_steps"])
    assert set(steps["rank"]) <= {1, 2, 3, 4, 5} and len(steps) == 5 * steps["step"].nunique()
    top = steps[steps["rank"] == 1]
    assert (top["chosen"]).all(), "greedy emits the top candidate"
    assert (steps.groupby("step")["probability"].sum() <= 1.0 + 1e-5).all()
    assert len(beam_steps_table(result["beam_steps"])) >= 1
    assert result["beams"][0][0] == result["beam"]


def test_caption_scores_count_whole_captions_and_tokens():
    scores = caption_scores(["a small red circle", "a large red circle"], ["a small red circle", "a small red circle"])
    assert scores["exact_match"] == 0.5
    assert scores["token_accuracy"] == pytest.approx(9 / 10)  # 4 words + <end> each; one word wrong
    short = caption_scores(["a small red circle"], ["a small red circle left of a small red square"])
    assert short["exact_match"] == 0.0 and short["token_accuracy"] == pytest.approx(4 / 11)


# --- The shipped model -----------------------------------------------------------


@pytest.fixture(scope="module")
def shipped():
    return load_caption_predictor()


@pytest.mark.parametrize("index", range(len(hand_drawn.DRAWINGS)))
def test_shipped_model_captions_a_hand_drawn_canvas_scene(shipped, index):
    caption, items = hand_drawn.DRAWINGS[index]
    x = prepare_scene(hand_drawn.draw(items, seed=index)).model_input
    assert shipped.greedy(x[None])[0] == caption
    assert shipped.beam(x[None], 3)[0] == caption


def test_manifest_records_the_shipped_model_within_budget():
    section = read_manifest()["captions"]
    info = section["models"]["captioner"]
    files = sorted(WEIGHTS_DIR.glob("captions_*.keras"))
    assert [f.name for f in files] == [info["file"]]
    assert sum(f.stat().st_size for f in files) <= 1.2e6
    assert info["exact_match"] >= 0.95 and section["data"]["test_size"] == 1000
    assert {r["objects"] for r in section["experiments"]["by_objects"]} == {"1", "2", "3", "all"}
