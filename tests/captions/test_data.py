"""The scene generator and the caption grammar; preprocessing uploads and canvas drawings into scenes."""

from __future__ import annotations

import hand_drawn
import numpy as np
import pytest

from cnnrnn.core.images import ImageError
from cnnrnn.tasks.captions import data
from cnnrnn.tasks.captions.config import CAPTIONS, captions_preset
from cnnrnn.tasks.captions.prepare import prepare_scene


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
        for left, top, right, bottom in boxes:
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
    scene = data.Scene(
        (
            data.SceneObject(
                "square", "blue", "large", ((0.2, 0.2), (0.6, 0.2), (0.6, 0.6), (0.2, 0.6)), data.COLOURS["blue"]
            ),
        )
    )
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


# --- Preprocessing uploads and drawings -----------------------------------------


@pytest.mark.parametrize(
    "payload,words",
    [
        (b"", "empty"),
        (b"GIF89a not really a gif", "damaged"),
        (b"plain text, not a picture", "not an image"),
        (np.zeros((320, 320, 4), np.uint8), "transparent"),
        (np.zeros((100, 100, 3), np.uint8), "dark"),
        (np.full((100, 100, 3), 250, np.uint8), "blank"),
    ],
)
def test_bad_scene_input_gets_a_clear_message(payload, words):
    with pytest.raises(ImageError) as error:
        prepare_scene(payload)
    message = str(error.value)
    assert "\n" not in message and (words in message.lower() or words == "damaged" and "read" in message), message


def test_canvas_drawing_becomes_a_white_64_pixel_scene_and_wide_pictures_are_padded():
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


def test_presets_are_named_and_an_unknown_one_is_refused_by_name():
    assert captions_preset("full") is CAPTIONS and captions_preset("tiny").train_size < CAPTIONS.train_size
    with pytest.raises(ValueError, match="unknown preset 'huge'; choose one of \\['full', 'quick', 'tiny'\\]"):
        captions_preset("huge")
