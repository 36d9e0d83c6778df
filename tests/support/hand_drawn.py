"""Scenes drawn the way a person draws them on the canvas: wobbly filled shapes, by hand-placed coordinates.

Each drawing is made with PIL at the page canvas's 320x320, in the palette's
colours, on a transparent background (what the canvas returns) or on white
paper (an upload). Nothing here comes from the scene generator.
"""

from __future__ import annotations

import io

import numpy as np
from PIL import Image, ImageDraw

from cnnrnn.tasks.captions.data import COLOURS

CANVAS = 320

# (caption, [(shape, colour, centre x, centre y, width in canvas pixels)]) in the user's own placement.
DRAWINGS = [
    (
        "a large red circle left of a small blue square",
        [("circle", "red", 90, 150, 104), ("square", "blue", 235, 200, 50)],
    ),
    (
        "a small yellow triangle left of a large green square left of a small red circle",
        [("triangle", "yellow", 45, 100, 52), ("square", "green", 160, 170, 98), ("circle", "red", 270, 120, 48)],
    ),
    ("a large blue triangle", [("triangle", "blue", 170, 150, 110)]),
]


def _wobbly(points: np.ndarray, rng: np.random.Generator, amount: float) -> list[tuple[float, float]]:
    """A hand's unsteady outline: each point nudged a little, smoothly along the outline."""
    noise = rng.normal(0, amount, points.shape)
    noise = (noise + np.roll(noise, 1, axis=0) + np.roll(noise, -1, axis=0)) / 3
    return [tuple(p) for p in points + noise]


def _outline(shape: str, cx: float, cy: float, width: float, rng: np.random.Generator) -> np.ndarray:
    if shape == "circle":
        theta = np.linspace(0, 2 * np.pi, 60, endpoint=False)
        rx, ry = width / 2, width / 2 * rng.uniform(0.9, 1.05)  # a circle drawn by hand is a bit oval
        return np.stack([cx + rx * np.cos(theta), cy + ry * np.sin(theta)], 1)
    half = width / 2
    corners = (
        [(-half, -half * 0.95), (half, -half), (half * 0.97, half), (-half, half * 1.02)]
        if shape == "square"
        else [(0, -half * 0.9), (half, half * 0.8), (-half * 0.95, half * 0.8)]
    )
    points = []
    corners = np.asarray(corners)
    for a, b in zip(corners, np.roll(corners, -1, axis=0)):
        for t in np.linspace(0, 1, 12, endpoint=False):
            points.append(a + t * (b - a))
    return np.asarray(points) + np.array([cx, cy])


def draw(items, seed: int = 0, paper: bool = False) -> np.ndarray:
    """(320, 320, 4) uint8 RGBA: the shapes filled with a wobbly edge and a brush-width outline."""
    rng = np.random.default_rng(seed)
    image = Image.new("RGBA", (CANVAS, CANVAS), (255, 255, 255, 255) if paper else (0, 0, 0, 0))
    pen = ImageDraw.Draw(image)
    for shape, colour, cx, cy, width in items:
        rgba = (*COLOURS[colour], 255)
        outline = _wobbly(_outline(shape, cx, cy, width, rng), rng, width * 0.02)
        pen.polygon(outline, fill=rgba)
        pen.line(outline + outline[:1], fill=rgba, width=6, joint="curve")
    return np.asarray(image)


def png_bytes(array: np.ndarray) -> bytes:
    out = io.BytesIO()
    Image.fromarray(array).save(out, format="PNG")
    return out.getvalue()
