"""Captioning (one to many): the scene generator, the model, decoding, training, preprocessing, the CLI."""

from __future__ import annotations

import io
import json
import subprocess
import sys
import zipfile
from pathlib import Path

import numpy as np
import pytest

from cnnrnn import data
from cnnrnn.config import CAPTIONS, CAPTIONS_TINY

ROOT = Path(__file__).resolve().parents[1]
import hand_drawn


# --- The scene generator ---------------------------------------------------------


def test_scenes_are_reproducible_and_splits_differ():
    a, b = data.make_scenes(20, seed=5), data.make_scenes(20, seed=5)
    assert np.array_equal(a.images, b.images) and a.captions == b.captions
    other = data.make_scenes(20, seed=6)
    assert not np.array_equal(a.images, other.images)
    assert CAPTIONS.train_seed != CAPTIONS.val_seed != CAPTIONS.test_seed != CAPTIONS.train_seed
    assert CAPTIONS.test_size == 1000


def test_scene_captions_follow_the_grammar_left_to_right():
    counts = set()
    for index in range(200):
        scene = data.make_scene(77, index)
        counts.add(len(scene.objects))
        assert data.caption_is_valid(scene.caption), scene.caption
        boxes = [obj.box for obj in scene.objects]
        for (left, top, right, bottom) in boxes:
            assert 0.0 <= left < right <= 1.0 and 0.0 <= top < bottom <= 1.0
        for before, after in zip(boxes, boxes[1:]):  # a clear gap: "left of" is never in doubt
            assert after[0] - before[2] >= data.SCENE_GAP - 1e-9
        for obj in scene.objects:
            side = max(obj.box[2] - obj.box[0], obj.box[3] - obj.box[1])
            if obj.size == "small":  # 8-11 px of 64, a little more when rough or tilted
                assert side < 0.23
            else:  # 17-23 px
                assert side > 0.24
    assert counts == {1, 2, 3}


def test_a_scene_can_be_asked_for_by_number_of_objects_and_renders_at_any_size():
    rng = np.random.default_rng(0)
    scene = data.random_scene(rng, 3)
    assert scene.caption.count(" left of ") == 2
    for side in (32, 64, 100):
        image = data.render_scene(scene, side)
        assert image.shape == (side, side, 3) and image.dtype == np.uint8
    with pytest.raises(ValueError):
        data.random_scene(rng, 4)


def test_the_colour_of_a_rendered_shape_is_where_its_outline_says():
    scene = data.Scene((data.SceneObject("square", "blue", "large",
                                         ((0.2, 0.2), (0.6, 0.2), (0.6, 0.6), (0.2, 0.6)), data.COLOURS["blue"]),))
    image = data.render_scene(scene, 64)
    assert tuple(image[25, 25]) == data.COLOURS["blue"]
    assert tuple(image[5, 5]) == (255, 255, 255)
    assert scene.caption == "a large blue square"


def test_teacher_forcing_targets_are_the_inputs_shifted_by_one():
    inputs, targets = data.caption_targets(["a small red circle", "a large blue square left of a small green triangle"])
    assert inputs.shape == targets.shape == (2, data.MAX_CAPTION_WORDS + 1)
    assert inputs[0, 0] == data.START and list(inputs[0, 1:5]) == list(targets[0, :4])
    assert targets[0, 4] == data.END and targets[0, 5] == data.PAD
    assert data.decode_caption(targets[1]) == "a large blue square left of a small green triangle"
    with pytest.raises(ValueError):
        data.encode_caption("a purple circle")
    assert not data.caption_is_valid("a small red circle left of")
    assert not data.caption_is_valid("a red small circle")


# --- Model, decoding, scores ----------------------------------------------------


@pytest.fixture(scope="module")
def tiny_predictor():
    import keras

    from cnnrnn.inference import CaptionPredictor
    from cnnrnn.models import build_caption_model

    keras.utils.set_random_seed(3)
    return CaptionPredictor(build_caption_model(CAPTIONS_TINY))


def test_model_is_tied_to_64_pixels_and_returns_logits_per_step(tiny_predictor):
    from cnnrnn.inference import fixed_size_error_rgb

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
    from cnnrnn.experiments import beam_steps_table, caption_steps_table

    result = tiny_predictor.caption_one(np.ones((64, 64, 3), np.float32), 3)
    steps = caption_steps_table(result["greedy_steps"])
    assert set(steps["rank"]) <= {1, 2, 3, 4, 5} and len(steps) == 5 * steps["step"].nunique()
    top = steps[steps["rank"] == 1]
    assert (top["chosen"]).all(), "greedy emits the top candidate"
    assert (steps.groupby("step")["probability"].sum() <= 1.0 + 1e-5).all()
    assert len(beam_steps_table(result["beam_steps"])) >= 1
    assert result["beams"][0][0] == result["beam"]


def test_caption_scores_count_whole_captions_and_tokens():
    from cnnrnn.experiments import caption_scores

    scores = caption_scores(["a small red circle", "a large red circle"],
                            ["a small red circle", "a small red circle"])
    assert scores["exact_match"] == 0.5
    assert scores["token_accuracy"] == pytest.approx(9 / 10)  # 4 words + <end> each; one word wrong
    short = caption_scores(["a small red circle"], ["a small red circle left of a small red square"])
    assert short["exact_match"] == 0.0 and short["token_accuracy"] == pytest.approx(4 / 11)


# --- Training (tiny preset) ------------------------------------------------------


def test_tiny_training_writes_weights_and_manifest(tmp_path):
    from cnnrnn.inference import CAPTIONS_FILE, load_caption_model
    from cnnrnn.train import read_manifest, train_captions

    epochs = []
    entry = train_captions(CAPTIONS_TINY, tmp_path, on_epoch=lambda m, e, logs: epochs.append(logs),
                           log=lambda _: None)
    assert len(epochs) == CAPTIONS_TINY.epochs and "val_exact_match" in epochs[0]
    section = read_manifest(tmp_path)["captions"]
    info = section["models"]["captioner"]
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


# --- Preprocessing uploads and drawings -----------------------------------------


@pytest.mark.parametrize("payload,words", [
    (b"", "empty"),
    (b"GIF89a not really a gif", "damaged"),
    (b"plain text, not a picture", "not an image"),
    (np.zeros((320, 320, 4), np.uint8), "transparent"),
    (np.zeros((100, 100, 3), np.uint8), "dark"),
    (np.full((100, 100, 3), 250, np.uint8), "blank"),
])
def test_bad_scene_input_gets_a_clear_message(payload, words):
    from cnnrnn.core.images import ImageError, prepare_scene

    with pytest.raises(ImageError) as error:
        prepare_scene(payload)
    message = str(error.value)
    assert "\n" not in message and (words in message.lower() or words == "damaged" and "read" in message), message


def test_canvas_drawing_becomes_a_white_64_pixel_scene_and_wide_pictures_are_padded():
    from cnnrnn.core.images import prepare_scene

    items = hand_drawn.DRAWINGS[0][1]
    prepared = prepare_scene(hand_drawn.draw(items))
    x = prepared.model_input
    assert x.shape == (64, 64, 3) and x.dtype == np.float32
    assert np.allclose(x[0, 0], 1.0) and any("white" in note for note in prepared.notes)
    wide = np.full((100, 300, 3), 255, np.uint8)
    wide[40:60, 20:40] = data.COLOURS["red"]
    padded = prepare_scene(hand_drawn.png_bytes(wide))
    assert padded.model_input.shape == (64, 64, 3)
    red_rows = np.flatnonzero((padded.model_input[..., 1] < 0.5).any(axis=1))
    assert 25 <= red_rows.min() and red_rows.max() <= 38, "the red square stays square, mid-height"


# --- The shipped model -----------------------------------------------------------


@pytest.fixture(scope="module")
def shipped():
    from cnnrnn.inference import load_caption_predictor

    return load_caption_predictor()


@pytest.mark.parametrize("index", range(len(hand_drawn.DRAWINGS)))
def test_shipped_model_captions_a_hand_drawn_canvas_scene(shipped, index):
    from cnnrnn.core.images import prepare_scene

    caption, items = hand_drawn.DRAWINGS[index]
    x = prepare_scene(hand_drawn.draw(items, seed=index)).model_input
    assert shipped.greedy(x[None])[0] == caption
    assert shipped.beam(x[None], 3)[0] == caption


def test_manifest_records_the_shipped_model_within_budget():
    from cnnrnn.train import WEIGHTS_DIR, read_manifest

    section = read_manifest()["captions"]
    info = section["models"]["captioner"]
    files = sorted(WEIGHTS_DIR.glob("captions_*.keras"))
    assert [f.name for f in files] == [info["file"]]
    assert sum(f.stat().st_size for f in files) <= 1.2e6
    assert info["exact_match"] >= 0.95 and section["data"]["test_size"] == 1000
    assert {r["objects"] for r in section["experiments"]["by_objects"]} == {"1", "2", "3", "all"}


def cli(*args):
    return subprocess.run([sys.executable, "-m", "cnnrnn", *args], capture_output=True, text=True, cwd=ROOT,
                          timeout=300)


def test_cli_evaluate_captions_reaches_the_target():
    out = cli("evaluate", "captions")
    assert out.returncode == 0, out.stderr[-2000:]
    result = json.loads(out.stdout)
    assert set(result) == {"task", "test_size", "exact_match", "token_accuracy"}
    assert result["task"] == "captions" and result["test_size"] == 1000
    assert result["exact_match"] >= 0.95 and result["token_accuracy"] >= result["exact_match"]


def test_cli_caption_prints_one_line_per_image_and_fails_on_bad_files(tmp_path):
    good = tmp_path / "drawn.png"
    good.write_bytes(hand_drawn.png_bytes(hand_drawn.draw(hand_drawn.DRAWINGS[0][1], paper=True)))
    scene = tmp_path / "scene.png"
    scene.write_bytes(hand_drawn.png_bytes(data.render_scene(data.make_scene(CAPTIONS.test_seed, 0), 128)))
    bad = tmp_path / "bad.png"
    bad.write_bytes(b"\x89PNG\r\n\x1a\n broken")
    missing = tmp_path / "missing.png"
    out = cli("caption", str(good), str(bad), str(missing), str(scene))
    assert out.returncode == 1 and "Traceback" not in out.stderr
    lines = [json.loads(line) for line in out.stdout.splitlines()]
    assert [line["path"] for line in lines] == [str(good), str(bad), str(missing), str(scene)]
    assert lines[0] == {"path": str(good), "caption": hand_drawn.DRAWINGS[0][0]}
    assert set(lines[1]) == {"path", "error"} and lines[1]["error"]
    assert set(lines[2]) == {"path", "error"} and lines[2]["error"]
    assert data.caption_is_valid(lines[3]["caption"])
    ok = cli("caption", "--beam", "3", str(good))
    assert ok.returncode == 0 and json.loads(ok.stdout)["caption"] == hand_drawn.DRAWINGS[0][0]


# --- Charts ----------------------------------------------------------------------


def test_caption_charts_encode_the_tables():
    import pandas as pd

    from cnnrnn import charts
    from cnnrnn.experiments import caption_steps_table

    steps = caption_steps_table([{"step": 1, "chosen": "a", "candidates": [("a", 0.9), ("<end>", 0.1)]},
                                 {"step": 2, "chosen": "small", "candidates": [("small", 0.6), ("large", 0.4)]}])
    spec = charts.caption_steps_chart(steps).to_dict()
    values = next(iter(spec["datasets"].values()))
    assert len(values) == 4 and sum(v["chosen"] for v in values) == 2
    assert spec["layer"][0]["encoding"]["y"]["field"] == "step"
    assert spec["layer"][0]["encoding"]["x"]["field"] == "rank"
    assert spec["layer"][1]["encoding"]["text"]["field"] == "label"
    assert "datum.word" in spec["layer"][1]["transform"][0]["calculate"]
    objects = pd.DataFrame({"decoder": ["greedy", "beam"] * 2, "objects": ["1", "1", "all", "all"],
                            "exact_match": [1.0, 1.0, 0.9, 0.95], "token_accuracy": [1.0] * 4, "n": [3] * 4})
    spec = charts.caption_objects_chart(objects).to_dict()
    assert spec["encoding"]["x"]["sort"] == ["1", "all"]
    assert spec["encoding"]["color"]["scale"]["domain"] == ["greedy", "beam"]
    sizes = pd.DataFrame({"size": [16, 64], "exact_match": [0.2, 0.97], "token_accuracy": [0.7, 0.99], "n": [5, 5]})
    spec = charts.caption_size_chart(sizes).to_dict()
    rows = next(iter(spec["datasets"].values()))
    assert {r["measure"] for r in rows} == {"exact_match", "token_accuracy"} and len(rows) == 4
    assert spec["layer"][0]["encoding"]["x"]["scale"]["type"] == "log"
