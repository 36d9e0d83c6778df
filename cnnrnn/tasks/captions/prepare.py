"""Upload or drawing -> the captioner's input: transparency on white paper, squared with the paper, area-averaged.

Decoding is core's (`cnnrnn.core.images`); this module holds what the captioning task does after it.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from cnnrnn.core.images import (
    ImageError,
    as_uint8,
    decode,
    float_pixels,
    guarded,
    luma,
    reduce_image,
    resize,
    resize_free,
)

SCENE_MIN_CONTRAST = 0.15  # a shape must differ from the paper by this much (0..1 RGB distance)


@dataclass
class PreparedScene:
    """The result of `prepare_scene`.

    model_input: (side, side, 3) float32 RGB in [0, 1], the encoder's input.
    steps: (title, uint8 (H, W, 3) image) per step, for display.
    notes: what was done, in plain words.
    """

    model_input: np.ndarray
    steps: list[tuple[str, np.ndarray]] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)


def prepare_scene(source, side: int = 64) -> PreparedScene:
    """Turn an uploaded picture or a canvas drawing into the captioner's (side, side, 3) input.

    source: file bytes, a file-like object, a PIL image or a numpy array
        (H, W, 3|4), e.g. the drawing canvas's RGBA (transparent where blank).
    Transparency becomes white paper; a picture that is not square is padded
    with its paper colour (the border's median) so that shapes keep their
    proportions; then the whole picture is area-averaged to side x side.
    Shapes are sized against the whole picture: small is about 1/6 of its
    side, large about 1/3. Raises `ImageError` with a one-line message for bad
    input, a blank picture or a dark background.
    """
    return guarded(_prepare_scene, source, side)


def _prepare_scene(source, side: int) -> PreparedScene:
    notes: list[str] = []
    full, _ = decode(source, notes)
    image = reduce_image(full, notes)
    rgb, alpha = float_pixels(image)
    steps = [
        (
            f"Your picture ({full.width}x{full.height})",
            as_uint8(rgb if alpha is None else rgb * alpha[..., None] + (1 - alpha[..., None])),
        )
    ]
    if alpha is not None:
        if float(alpha.max()) <= 0.0:
            raise ImageError("The picture is completely transparent: draw or upload some shapes first.")
        rgb = rgb * alpha[..., None] + (1.0 - alpha[..., None])
        notes.append("Transparent background: placed over white paper")
    height, width = rgb.shape[:2]
    border = np.concatenate([rgb[0], rgb[-1], rgb[:, 0], rgb[:, -1]])
    paper = np.median(border, axis=0)
    if float(luma(paper)) < 0.5:
        raise ImageError("The background is dark. Draw or upload the shapes on white or light paper.")
    distance = np.sqrt(((rgb - paper) ** 2).sum(axis=2))
    if float(distance.max()) < SCENE_MIN_CONTRAST:
        raise ImageError("No shapes found: the picture is blank. Draw one to three filled shapes in colour.")
    if height != width:
        longest = max(height, width)
        square = np.empty((longest, longest, 3), np.float32)
        square[:] = paper
        top, left = (longest - height) // 2, (longest - width) // 2
        square[top : top + height, left : left + width] = rgb
        rgb = square
        notes.append(f"Padded to a square with the paper colour ({width}x{height} -> {longest}x{longest})")
        steps.append(("Squared with paper", as_uint8(rgb)))
    small = np.stack(
        [
            resize_free(rgb[..., c], side, side) if rgb.shape[0] <= side else resize(rgb[..., c], side, side, "area")
            for c in range(3)
        ],
        axis=-1,
    )
    model_input = np.clip(small, 0.0, 1.0).astype(np.float32)
    steps.append((f"{side}x{side} encoder input", as_uint8(model_input)))
    return PreparedScene(model_input=model_input, steps=steps, notes=notes)
