"""The captioning page's bridge to Streamlit: the cached captioner, scenes, the canvas, tables and texts.

The model loads once per process (`core.ui.loading.loader`, warmed at server start) and is shared by every session;
its `CaptionPredictor` only reads the weights, so it is thread-safe. What the page types
as a number (the test set's size, the scenes a recompute uses, the encoder's side) comes
from here, read from the manifest or the config.
"""

from __future__ import annotations

from datetime import datetime

import numpy as np
import pandas as pd
import streamlit as st
from PIL import Image, ImageDraw

from cnnrnn.core.ui.loading import loader
from cnnrnn.core.ui.page import manifest, shipped_tables
from cnnrnn.core.weights import utc_now
from cnnrnn.tasks.captions.config import CAPTIONS
from cnnrnn.tasks.captions.data import COLOURS, SCENE_SIZE, make_scenes, render_scene
from cnnrnn.tasks.captions.data import random_scene as _random_scene
from cnnrnn.tasks.captions.experiments import captions_by_objects, captions_by_size, scene_inputs
from cnnrnn.tasks.captions.model import CAPTION_TOP, fixed_size_error_rgb
from cnnrnn.tasks.captions.predict import load_caption_predictor
from cnnrnn.tasks.captions.prepare import prepare_scene as _prepare_scene

SIDE = CAPTIONS.image_size  # the encoder's one input side
DISPLAY_SIDE = 256  # a generated scene is shown at this side
SCENE_CANVAS = 320  # the drawing canvas's side in pixels (5x the encoder's 64)
CANVAS_TOOLS = {
    "circle": "circle",
    "square": "rect",
    "triangle (click 3 corners, then the first again)": "polygon",
    "brush": "freedraw",
}
RECOMPUTE_SCENES = 300  # test scenes the page's "Recompute" button captions
_WORDS = ("zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten")


@loader("the captioning model")
def caption_predictor():
    """The shipped captioner as a CaptionPredictor (thread-safe), traced once on a blank image.

    Raises FileNotFoundError when the weights are missing (not cached: retried next run).
    """
    predictor = load_caption_predictor()
    predictor.caption_one(np.ones((predictor.image_size, predictor.image_size, 3), np.float32), 2)
    return predictor


def captions_manifest() -> dict:
    """The manifest's "captions" section ({} when absent)."""
    return manifest().get("captions", {})


def captioner_info() -> dict:
    """The manifest's record of the shipped captioner ({} when absent)."""
    return captions_manifest().get("models", {}).get("captioner", {})


def test_size() -> int:
    """How many held-out scenes the shipped tables were measured on (the manifest's, else the config's)."""
    return int(captions_manifest().get("data", {}).get("test_size", CAPTIONS.test_size))


def number_word(n: int) -> str:
    """3 -> "three" (up to ten), else the digits with thousands commas."""
    return _WORDS[n] if 0 <= n < len(_WORDS) else f"{n:,}"


def top_words() -> str:
    """How many candidates the step-by-step chart shows per step, as a word ("five")."""
    return number_word(CAPTION_TOP)


@st.cache_data(show_spinner=False, max_entries=32)  # about 200 KB each: a long talk's New scene clicks stay small
def random_scene(seed: int, objects: int | None):
    """A generated scene: (64x64 uint8 image, a 256x256 copy for display, its true caption)."""
    scene = _random_scene(np.random.default_rng(seed), objects)
    return render_scene(scene, SCENE_SIZE), render_scene(scene, DISPLAY_SIDE, supersample=2), scene.caption


def model_input(image: np.ndarray) -> np.ndarray:
    """A rendered (64, 64, 3) uint8 scene as the encoder's float32 input in [0, 1]."""
    return scene_inputs(image)


@st.cache_data(show_spinner=False, max_entries=16)  # each holds its steps' pictures
def prepare_scene(raw):
    """images.prepare_scene, cached per input (raises ImageError)."""
    return _prepare_scene(raw)


@st.cache_data(show_spinner=False, max_entries=128)
def caption(image, beam_width: int) -> dict:
    """Greedy and beam captions of one (64, 64, 3) float32 image, with the step-by-step record."""
    return caption_predictor().caption_one(image, beam_width)


def first_difference(said: str, truth: str) -> int:
    """The 1-based number of the first word where `said` and `truth` part.

    One past the shorter when one is a prefix of the other.
    """
    a, b = said.split(), truth.split()
    return next((i for i, (x, y) in enumerate(zip(a, b)) if x != y), min(len(a), len(b))) + 1


def scene_canvas(key: str, colour: str, tool: str):
    """A white canvas to draw filled shapes on; returns its RGBA array, or None while it is empty."""
    # Imported here: the component registers its assets on import, which needs a running Streamlit.
    from streamlit_drawable_canvas import st_canvas

    hex_colour = "#{:02x}{:02x}{:02x}".format(*COLOURS[colour])
    result = st_canvas(
        fill_color=hex_colour,
        stroke_color=hex_colour,
        stroke_width=6 if tool != "brush" else 22,
        background_color="#FFFFFF",
        background_image=canvas_guide(),
        height=SCENE_CANVAS,
        width=SCENE_CANVAS,
        drawing_mode=CANVAS_TOOLS[tool],
        key=key,
        return_image_data=True,
    )
    image = result.image_data
    if image is None or not (image[..., 3] > 0).any():
        return None
    rgb = image[..., :3].astype(int)
    drawn = (image[..., 3] > 0) & (rgb.min(axis=2) < 235)
    return image if drawn.any() else None


@st.cache_data(show_spinner=False)
def canvas_guide():
    """A faint grid behind the canvas (not part of the drawing): one cell = a small shape, two = a large one."""
    side = SCENE_CANVAS
    guide = Image.new("RGB", (side, side), "white")
    draw = ImageDraw.Draw(guide)
    for i in range(1, 6):
        at = round(i * side / 6)
        draw.line([(at, 0), (at, side)], fill=(232, 232, 232))
        draw.line([(0, at), (side, at)], fill=(232, 232, 232))
    return guide


def shipped_caption_tables() -> dict:
    """The manifest's captioning tables, "by_objects" and "by_size" -> DataFrame ({} when absent)."""
    return shipped_tables("captions")


@st.cache_data(show_spinner="Captioning held-out scenes (greedy and beam, at every size)...")
def recompute_caption_tables(n: int = RECOMPUTE_SCENES) -> dict:
    """Both tables recomputed on the first `n` test scenes, and when: {"by_objects", "by_size", "measured_at"}.

    Cached for the life of the process, so "measured_at" (ISO 8601, UTC) says when the numbers are from.
    """
    predictor = caption_predictor()
    scenes = make_scenes(n, CAPTIONS.test_seed, CAPTIONS.image_size)
    return {
        "by_objects": captions_by_objects(predictor, scenes, CAPTIONS.beam_width),
        "by_size": captions_by_size(predictor, CAPTIONS.test_seed, n, CAPTIONS.sweep_sizes, CAPTIONS.image_size),
        "measured_at": utc_now(),
    }


def measured_when(iso: str) -> str:
    """ "2026-11-26T01:23:16+00:00" -> "2026-11-26 01:23 UTC" (how the page says when it measured)."""
    return datetime.fromisoformat(iso).strftime("%Y-%m-%d %H:%M UTC")


@st.cache_data(show_spinner=False)
def encoder_size_error(side: int) -> str | None:
    """Keras's own error when the fixed-size encoder is handed a side x side picture (None at 64)."""
    return fixed_size_error_rgb(caption_predictor().model, np.ones((side, side, 3), np.float32))


def finalists(beams) -> pd.DataFrame:
    """Beam search's finalists [(caption, p), ...] as the page's table: probability, caption (best first)."""
    return pd.DataFrame([{"probability": p, "caption": c} for c, p in beams], columns=["probability", "caption"])


def model_summary(info: dict) -> str:
    """The "About the model" bullets, from the manifest's record of the shipped captioner."""
    config = info.get("config", {})
    filters = config.get("encoder_filters", [])
    return (
        f"- **Encoder:** {len(filters)} convolutions "
        f"({', '.join(map(str, filters))} filters) with max pooling, a max over "
        f"the rows, Flatten, Dense to a {config.get('feature_dim')}-number image vector.\n"
        f"- **Decoder:** an LSTM of {config.get('rnn_units')} units whose initial state comes from the image "
        f"vector, which is also fed in again at every step beside the previous word; trained with teacher "
        f"forcing (it reads the true previous word while training).\n"
        f"- {info.get('params', 0):,} parameters, {info.get('bytes', 0) / 1024:.0f} KB; trained in "
        f"{info.get('train_seconds', 0) / 60:.0f} minutes on {config.get('train_size', 0):,} generated scenes.\n"
        f"- Test: exact match {info.get('exact_match', 0):.4f} (greedy), {info.get('beam_exact_match', 0):.4f} "
        f"(beam, width {info.get('beam_width')}); token accuracy {info.get('token_accuracy', 0):.4f}."
    )
