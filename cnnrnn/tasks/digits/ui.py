"""The image page's bridge to Streamlit: cached loaders and sweeps, the drawing canvas, page values.

Models load once per process (`core.ui.loading.loader`, warmed at server start) and are shared by every
session; what they expose (predictors built on tf.function) is thread-safe.
Nothing here draws the page: `pages/digits.py` does, from what these return.
"""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import numpy as np
import pandas as pd
import streamlit as st

from cnnrnn.core.images import RESIZE_METHODS
from cnnrnn.core.ui.loading import loader
from cnnrnn.core.ui.page import manifest, show_error
from cnnrnn.core.upload import HASH_FUNCS, Upload
from cnnrnn.core.warm import checkpoint
from cnnrnn.tasks.digits.api import image_predictors
from cnnrnn.tasks.digits.config import MNIST, receptive_field
from cnnrnn.tasks.digits.data import load_test_sample, scaled
from cnnrnn.tasks.digits.experiments import (
    IMAGE_SWEEP_SIZES,
    choice_sweep,
    image_resolution_sweep,
    resolution_sweep,
)
from cnnrnn.tasks.digits.experiments import predict_models as _predict_models
from cnnrnn.tasks.digits.experiments import rows_read as _rows_read
from cnnrnn.tasks.digits.model import conv_feature_maps, model_view, rnn_hidden_states
from cnnrnn.tasks.digits.model import fixed_size_error as _fixed_size_error
from cnnrnn.tasks.digits.predict import TASK
from cnnrnn.tasks.digits.prepare import ASPECTS, find_digit, frame_digit, render_digit

SAMPLES_DIR = Path(__file__).resolve().parent / "samples"
NATIVE = MNIST.image_size  # 28: the side the page's text and the fixed CNN speak of
SWEEP_RANGE = (min(IMAGE_SWEEP_SIZES), max(IMAGE_SWEEP_SIZES))  # the sides one image is tried at
RECOMPUTE_N = 1000  # test digits the page's "Recompute" runs on
_F1, _F2, _F3 = MNIST.gap_filters
ONE_SCALE_FIELD = receptive_field(((_F1, _F1), (_F2, _F2), (_F3,)))  # cnn_gap_1scale's: 24 px
ONE_SCALE_SIDES = (min(MNIST.rescale_sizes), max(MNIST.rescale_sizes))  # what it was trained at
MANY_SCALE_FIELD = receptive_field(MNIST.gap_stages)  # cnn_gap's: 122 px
SCALE_RANGE = MNIST.scale_range  # the sides cnn_gap was trained at
# The fairness panel's note: what "the same steps" means for the pooled CNN.
FAIR_NOTE = (
    f"The pooled CNN's steps hold the same pixels as {MNIST.batch_size} digits at {MNIST.image_size} px: at a larger "
    f"side fewer digits (at least 8), at a smaller one more (at most {MNIST.max_batch}), drawn from sides "
    f"{SCALE_RANGE[0]} to {SCALE_RANGE[1]} px; so it sees a different number of digits than the other two in the "
    "same steps. All three see the same augmentations."
)
MAX_MAPS = 16  # feature maps shown per layer
VIEWS = ("Any array size", "Step by step", "Across sizes", "Resize and aspect", "Inside the models")  # the tabs
STRIP_TILE = 112  # px: one preprocessing step's tile (its caption wraps at word breaks within it)


def predictors_or_stop() -> dict:
    """The shipped image models, or a clear error box and the end of this run (of the page or its fragment)."""
    try:
        return image_predictors()
    except FileNotFoundError as error:
        show_error(f"The image models are not installed ({error}). Train them with: python -m cnnrnn train mnist")
    except Exception:  # a damaged weights file: say so, never a traceback
        show_error("The image models could not be loaded. Retrain them with: python -m cnnrnn train mnist")
    st.stop()


@st.cache_data(show_spinner=False)
def sample_images() -> dict[str, tuple[bytes, int | None]]:
    """Built-in samples: file name -> (bytes, true label from the name's last digit)."""
    samples = {}
    for path in sorted(SAMPLES_DIR.glob("*.*")):
        stem = path.stem.rsplit("_", 1)[-1]
        samples[path.name] = (path.read_bytes(), int(stem) if stem.isdigit() else None)
    return samples


FOUND_KEPT = 16  # pictures whose found digit is kept for the whole server (a room's recent uploads and drawings)
FIRST_SIDE = 48  # the page's "Array side" before anyone moves it


@loader("the first sample's views")
def first_view() -> bool:
    """Compute what the page shows for its first sample with the default controls (preparation, sweeps,
    feature maps), once per process: the warm start calls it after the models load."""
    raw, label = next(iter(sample_images().values()))
    upload = Upload.of(raw)
    prepared = prepare(upload, "area", "pad")
    target = target_digit(predict_models(image_predictors(), prepared.model_input), label)
    views = [
        lambda: fixed_size_error(FIRST_SIDE),
        lambda: image_sweep(upload, "area", "pad", target),
        lambda: choice_sweeps(upload, "area", "pad", target),
        lambda: feature_tiles("cnn_fixed", prepared.model_input),
        lambda: feature_tiles("cnn_gap", prepared.model_input),
        lambda: hidden_states(prepared.model_input),
        lambda: rows_read(prepared.model_input),
    ]
    for view in views:
        checkpoint()  # the warm start lets a running page go first
        view()
    return True


def sample_title(name: str) -> str:
    """A sample's file name as the selectbox shows it: "photo_7.jpg" -> "photo 7"."""
    return name.rsplit(".", 1)[0].replace("_", " ")


def prepare(raw, method: str, aspect: str):
    """images.prepare_digit for the page (raises ImageError).

    raw: an `Upload` (what the page wraps once per run), or bytes or a canvas array (hashed here).
    The costly part, finding the digit, runs once per picture and is kept (`found_digit`); each method
    and aspect only reframes it (a few ms), so the sweep over every resize method and aspect finds the
    digit once, not eight times.
    """
    return frame_digit(found_digit(Upload.of(raw)), method=method, aspect=aspect)


@st.cache_resource(show_spinner=False, max_entries=FOUND_KEPT, hash_funcs=HASH_FUNCS)
def found_digit(upload: Upload):
    """images.find_digit for one picture, kept for the process (the last FOUND_KEPT pictures) and shared,
    not copied: a FoundDigit holds its steps' pictures (0.3 to 2.4 MB for the samples), which
    st.cache_data would store pickled once per entry and unpickle again on every call. Read-only."""
    return find_digit(upload.data)


def predict_models(predictors: dict, image):
    """Each model's probabilities for one image (see experiments.predict_models)."""
    return _predict_models(predictors, image)


def verdicts(probs: dict) -> list[tuple[str, int, float]]:
    """(model name, predicted digit, its probability) per model, in the models' order."""
    return [(name, int(p.argmax()), float(p[int(p.argmax())])) for name, p in probs.items()]


def target_digit(probs: dict, known_label: int | None) -> int:
    """The digit the sweeps measure confidence in: the sample's label, else the models' majority vote."""
    if known_label is not None:
        return known_label
    votes = [int(p.argmax()) for p in probs.values()]
    return max(set(votes), key=votes.count)


def render(prepared, side: int, method: str):
    """The prepared digit framed MNIST-style at `side` x `side`."""
    return render_digit(prepared, side, method)


@st.cache_data(show_spinner=False)
def fixed_size_error(side: int) -> str | None:
    """Keras's own error when the fixed CNN gets a side x side array (None at 28)."""
    return _fixed_size_error(image_predictors()["cnn_fixed"].model, np.zeros((side, side), np.float32))


def native_predictions(predictors: dict, image) -> dict:
    """The size-free models on `image` as it is: name -> (label, confidence, shape shown)."""
    out = {}
    for name in ("cnn_gap", "rnn_rows"):
        view = model_view(name, image[None])[0]
        probs = predictors[name].predict_one(view)
        shape = f"{view.shape[0]}x{view.shape[1]}" + (f" (rows x {NATIVE} values)" if name == "rnn_rows" else "")
        out[name] = (int(probs.argmax()), float(probs.max()), shape)
    return out


@st.cache_data(show_spinner="Sweeping sizes...", max_entries=32, hash_funcs=HASH_FUNCS)
def image_sweep(upload: Upload, method: str, aspect: str, target: int):
    """Confidence in `target` with the upload rendered at each side (cached per digest and choice)."""
    prepared = prepare(upload, method, aspect)
    return image_resolution_sweep(image_predictors(), lambda s: render(prepared, s, method), target)


@st.cache_data(show_spinner="Trying each resize method and aspect...", max_entries=32, hash_funcs=HASH_FUNCS)
def choice_sweeps(upload: Upload, method: str, aspect: str, target: int):
    """(confidence per resize method at this aspect, confidence per aspect at this method), per digest."""
    predictors = image_predictors()
    by_method = choice_sweep(
        predictors, lambda m: prepare(upload, m, aspect).model_input, RESIZE_METHODS, "method", target
    )
    by_aspect = choice_sweep(predictors, lambda a: prepare(upload, method, a).model_input, ASPECTS, "aspect", target)
    return by_method, by_aspect


def shipped_resolution_sweep():
    """The manifest's accuracy-vs-resolution table as a DataFrame (None if absent)."""
    table = manifest().get(TASK, {}).get("resolution_sweep")
    return pd.DataFrame(table) if table else None


def held_out_size() -> int | None:
    """How many test digits the shipped table was measured on (the manifest's), or None."""
    table = manifest().get(TASK, {}).get("resolution_sweep")
    if table:
        return int(table[0]["n"])
    return manifest().get(TASK, {}).get("data", {}).get("test_size")


@st.cache_data(show_spinner=False)
def recompute_resolution_sweep(n: int = RECOMPUTE_N) -> tuple[pd.DataFrame, str]:
    """The same table recomputed on the first `n` test digits, and when ("2026-12-01 20:50 UTC").

    The digits are the copy shipped in the package (`data.load_test_sample`): the button works
    offline. Cached for the process's life: the time says when these numbers were measured.
    """
    x_test, y_test = load_test_sample(n)
    table = resolution_sweep(image_predictors(), scaled(x_test), y_test, MNIST.sweep_sizes)
    return table, datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC")


def feature_maps(name: str, image) -> dict:
    """Each conv layer's activations for one image: layer -> (h, w, channels)."""
    return conv_feature_maps(image_predictors()[name].model, image)


MAP_TILE = 40  # px: one feature map's tile in a layer's mosaic (8 tiles and their gaps fit a phone's 358 px)
MAP_COLUMNS = 8  # tiles per row of a mosaic: 16 maps make two rows, on a phone as on a projector


def feature_tiles(name: str, image) -> list[tuple[str, np.ndarray]]:
    """Per conv layer: its caption and one picture of its first MAX_MAPS maps, each scaled to [0, 1] and
    tiled MAP_COLUMNS to a row with a gap between (one image per layer: the page sends three or four
    pictures, not sixty, and a phone does not stack sixteen columns into a long strip)."""
    out = []
    for layer, maps in feature_maps(name, image).items():
        shown = min(MAX_MAPS, maps.shape[2])
        caption = f"{layer}: {maps.shape[0]}x{maps.shape[1]}, {maps.shape[2]} channels (first {shown} shown)"
        out.append((caption, mosaic([normalise(maps[:, :, i]) for i in range(shown)])))
    return out


def mosaic(tiles: list[np.ndarray], tile: int = MAP_TILE, columns: int = MAP_COLUMNS, gap: int = 4) -> np.ndarray:
    """Equal-sized tiles in [0, 1] as one float32 picture: `columns` to a row, each blown up to `tile` x
    `tile` px by repeating its pixels, `gap` px of mid-grey between."""
    rows = -(-len(tiles) // columns)
    width = min(columns, len(tiles))
    out = np.full((rows * tile + (rows - 1) * gap, width * tile + (width - 1) * gap), 0.5, np.float32)
    for i, picture in enumerate(tiles):
        picture = np.asarray(picture, np.float32)
        rows_at = np.arange(tile) * picture.shape[0] // tile  # nearest neighbour: each map pixel stays a block
        cols_at = np.arange(tile) * picture.shape[1] // tile
        top, left = (i // columns) * (tile + gap), (i % columns) * (tile + gap)
        out[top : top + tile, left : left + tile] = picture[np.ix_(rows_at, cols_at)]
    return out


def hidden_states(image):
    """The row RNN's hidden state after each row of `image`: (rows, units)."""
    return rnn_hidden_states(image_predictors()["rnn_rows"].model, image)


def rows_read(image):
    """The row RNN's probabilities after each row read (see experiments.rows_read)."""
    return _rows_read(image_predictors()["rnn_rows"], image)


def normalise(array):
    """Scale an array to [0, 1] for display (a flat array becomes all zeros)."""
    low, high = float(np.min(array)), float(np.max(array))
    return (array - low) / (high - low) if high > low else np.zeros_like(array)
