"""Seeded generator of realistic digit images, with their true labels, for testing `cnnrnn.core.images`.

Three sets, each a list of `Sample(name, label, source, ext)`:

- "drawn": drawing-canvas images (280x280), thick round-capped strokes from
  hand-written polyline templates of each digit (several styles per digit),
  jittered, scaled, slanted; white on a transparent RGBA canvas (as a numpy
  array, the way a canvas widget returns it) or black on white (PNG bytes).
- "photo": a handwritten digit photographed on paper (JPEG bytes, 600-1600 px):
  the templates drawn with a thin wobbly pen, or MNIST test digits upscaled
  smoothly, in dark ink on coloured paper under uneven light (gradient,
  vignette, soft shadow), rotated and in perspective, blurred, noisy, some
  with the pixels stored rotated and an EXIF Orientation tag to undo it.
- "typed": digits typed in every DejaVu and Liberation font in varied colours,
  dark on light and light on dark, at varied sizes and positions (PNG/JPEG).

`hostile_files()` gives bad or awkward uploads for the error tests.

Command line: `python tests/support/digit_photos.py OUTDIR [--n N] [--seed S]` writes every
set into OUTDIR/<set>/ plus OUTDIR/labels.csv (file,set,label);
`python tests/support/digit_photos.py cnnrnn/tasks/digits/samples --samples` regenerates the page's samples.
The MNIST-based photos need CNNRNN_DATA_DIR (the generator never downloads);
without it those photos fall back to templates.
"""

from __future__ import annotations

import csv
import glob
import io
import struct
import sys
import zlib
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from PIL import Image, ImageDraw, ImageFilter, ImageFont
from scipy import ndimage as ndi

SETS = ("drawn", "photo", "typed", "desk")
FONT_DIRS = ("/usr/share/fonts/truetype/dejavu", "/usr/share/fonts/truetype/liberation")


@dataclass
class Sample:
    name: str  # a file name, with extension
    label: int
    source: bytes | np.ndarray  # file bytes, or an RGBA canvas array
    kind: str  # which set


# ----------------------------------------------------------------------------- templates
# Glyph coordinates: x from 0 (left) to 1 (right), y from 0 (top) to 1 (bottom).
# Each style is a list of strokes; each stroke an (n, 2) array of points.


def arc(cx, cy, rx, ry, start, end, n=None):
    """Points on an ellipse from angle `start` to `end` (degrees; 0 = right, 90 = down)."""
    n = n or max(8, int(abs(end - start) / 8))
    t = np.radians(np.linspace(start, end, n))
    return np.stack([cx + rx * np.cos(t), cy + ry * np.sin(t)], axis=1)


def curve(*points, n=10):
    """A Catmull-Rom spline through `points`."""
    p = np.asarray(points, float)
    p = np.vstack([p[0] * 2 - p[1], p, p[-1] * 2 - p[-2]])
    out = []
    for i in range(1, len(p) - 2):
        p0, p1, p2, p3 = p[i - 1], p[i], p[i + 1], p[i + 2]
        for t in np.linspace(0, 1, n, endpoint=False):
            t2, t3 = t * t, t * t * t
            out.append(
                0.5
                * ((2 * p1) + (-p0 + p2) * t + (2 * p0 - 5 * p1 + 4 * p2 - p3) * t2 + (-p0 + 3 * p1 - 3 * p2 + p3) * t3)
            )
    out.append(p[-2])
    return np.asarray(out)


def line(*points):
    return np.asarray(points, float)


def join(*parts):
    return np.vstack(parts)


TEMPLATES: dict[int, dict[str, list[np.ndarray]]] = {
    0: {
        "oval": [arc(0.5, 0.5, 0.45, 0.5, -90, 270)],
        "overlap": [arc(0.5, 0.5, 0.42, 0.49, -70, 300)],
        "egg": [
            curve(
                (0.55, 0.02),
                (0.15, 0.2),
                (0.08, 0.6),
                (0.4, 0.99),
                (0.85, 0.75),
                (0.88, 0.3),
                (0.55, 0.02),
                (0.4, 0.06),
            )
        ],
    },
    1: {
        "plain": [line((0.5, 0.0), (0.5, 1.0))],
        "flag": [line((0.15, 0.28), (0.6, 0.0), (0.6, 1.0))],
        "flag_base": [line((0.15, 0.25), (0.55, 0.0), (0.55, 1.0)), line((0.15, 1.0), (0.95, 1.0))],
    },
    2: {
        "classic": [join(arc(0.5, 0.28, 0.42, 0.28, 190, 385), line((0.05, 1.0), (0.95, 1.0)))],
        "wavy": [
            join(
                arc(0.5, 0.27, 0.4, 0.27, 200, 370),
                curve((0.89, 0.35), (0.55, 0.65), (0.08, 0.98)),
                curve((0.08, 0.98), (0.4, 0.9), (0.7, 0.98), (0.97, 0.93)),
            )
        ],
        "loop": [
            join(
                arc(0.5, 0.28, 0.42, 0.28, 190, 385),
                curve((0.86, 0.38), (0.45, 0.72), (0.12, 0.9), (0.2, 1.0), (0.32, 0.88), (0.5, 0.95), (0.95, 0.96)),
            )
        ],
    },
    3: {
        "round": [join(arc(0.48, 0.25, 0.4, 0.25, 200, 450), arc(0.48, 0.74, 0.45, 0.26, 270, 520))],
        "flat_top": [join(line((0.1, 0.0), (0.88, 0.0), (0.42, 0.4)), arc(0.5, 0.69, 0.42, 0.31, 245, 515))],
        "pointy": [
            join(
                arc(0.5, 0.24, 0.38, 0.24, 200, 440),
                line((0.5, 0.48), (0.3, 0.5)),
                arc(0.5, 0.74, 0.44, 0.26, 265, 520),
            )
        ],
    },
    4: {
        "open": [line((0.32, 0.0), (0.06, 0.62), (0.96, 0.62)), line((0.72, 0.28), (0.72, 1.0))],
        "closed": [line((0.74, 1.0), (0.74, 0.0), (0.04, 0.66), (0.96, 0.66))],
        "upright": [line((0.15, 0.0), (0.12, 0.56), (0.92, 0.56)), line((0.72, 0.0), (0.72, 1.0))],
    },
    5: {
        "classic": [join(line((0.88, 0.0), (0.22, 0.0), (0.16, 0.43)), arc(0.48, 0.69, 0.42, 0.31, 218, 505))],
        "two_stroke": [
            join(line((0.2, 0.02), (0.15, 0.44)), arc(0.47, 0.69, 0.42, 0.3, 215, 500)),
            line((0.2, 0.02), (0.9, 0.0)),
        ],
    },
    6: {
        "classic": [
            join(curve((0.82, 0.02), (0.45, 0.13), (0.18, 0.42), (0.1, 0.72)), arc(0.5, 0.72, 0.4, 0.27, 180, 535))
        ],
        "straight": [join(line((0.72, 0.0), (0.14, 0.7)), arc(0.5, 0.73, 0.37, 0.26, 200, 560))],
    },
    7: {
        "plain": [line((0.05, 0.0), (0.95, 0.0), (0.35, 1.0))],
        "bar": [line((0.05, 0.0), (0.95, 0.0), (0.38, 1.0)), line((0.35, 0.52), (0.85, 0.5))],
        "hook": [line((0.04, 0.15), (0.08, 0.0), (0.95, 0.0), (0.42, 1.0))],
        "curved": [join(line((0.05, 0.0), (0.95, 0.0)), curve((0.95, 0.0), (0.62, 0.45), (0.45, 1.0)))],
    },
    8: {
        "stacked": [arc(0.5, 0.24, 0.34, 0.24, -90, 270), arc(0.5, 0.73, 0.44, 0.27, -90, 270)],
        "figure": [
            curve(
                (0.78, 0.12),
                (0.5, 0.0),
                (0.2, 0.12),
                (0.24, 0.36),
                (0.5, 0.5),
                (0.82, 0.66),
                (0.78, 0.92),
                (0.5, 1.0),
                (0.18, 0.9),
                (0.2, 0.65),
                (0.5, 0.5),
                (0.76, 0.33),
                (0.78, 0.12),
                n=8,
            )
        ],
    },
    9: {
        "straight": [join(arc(0.46, 0.28, 0.4, 0.28, 5, -355), line((0.86, 0.3), (0.82, 1.0)))],
        "curved": [join(arc(0.45, 0.28, 0.4, 0.28, 5, -355), curve((0.85, 0.3), (0.8, 0.72), (0.55, 1.0)))],
        "slanted": [join(arc(0.5, 0.27, 0.38, 0.27, 5, -355), line((0.88, 0.3), (0.5, 1.0)))],
    },
}
_WIDTH = {1: (0.08, 0.4), 0: (0.55, 0.8), 4: (0.62, 0.85)}  # glyph width / height, per digit


def _wobble(points: np.ndarray, rng, amount: float) -> np.ndarray:
    """Smooth random displacement along the stroke (a hand that is not a plotter)."""
    if amount <= 0 or len(points) < 2:
        return points
    s = np.concatenate([[0], np.cumsum(np.hypot(*np.diff(points, axis=0).T))])
    out = points.copy()
    for axis in range(2):
        for freq in (1.5, 4.0):
            phase = rng.uniform(0, 2 * np.pi)
            out[:, axis] += amount * rng.uniform(0.3, 1.0) / freq * np.sin(2 * np.pi * freq * s + phase)
    return out


def glyph_strokes(
    label: int, rng, style: str | None = None, wobble: float = 0.02, jitter: float = 0.03
) -> tuple[list[np.ndarray], str]:
    """One randomised handwritten `label`: strokes in a box of height 1 (x from 0), and the style."""
    styles = TEMPLATES[label]
    style = style or str(rng.choice(sorted(styles)))
    lo, hi = _WIDTH.get(label, (0.55, 0.78))
    width = rng.uniform(lo, hi)
    slant = rng.uniform(-0.12, 0.3)  # tops lean right, mostly
    angle = np.radians(rng.uniform(-6, 6))
    strokes = []
    for stroke in styles[style]:
        p = np.asarray(stroke, float).copy()
        p += rng.normal(0, jitter, size=(1, 2))  # whole stroke offset
        p = _wobble(p, rng, wobble)
        x = 0.5 + (p[:, 0] - 0.5) * width + slant * (0.5 - p[:, 1])
        y = p[:, 1]
        c, s = np.cos(angle), np.sin(angle)
        xr = 0.5 + (x - 0.5) * c - (y - 0.5) * s
        yr = 0.5 + (x - 0.5) * s + (y - 0.5) * c
        strokes.append(np.stack([xr, yr], axis=1))
    return strokes, style


def _bounds(strokes):
    allp = np.vstack(strokes)
    return allp.min(axis=0), allp.max(axis=0)


def draw_strokes(strokes, width_px: float, size: tuple[int, int], supersample: int = 3) -> np.ndarray:
    """Anti-aliased round-capped strokes (pixel coordinates) -> float32 mask (H, W) in [0, 1]."""
    w, h = size
    k = supersample
    canvas = Image.new("L", (w * k, h * k), 0)
    draw = ImageDraw.Draw(canvas)
    r = width_px * k / 2
    for stroke in strokes:
        pts = [(float(x) * k, float(y) * k) for x, y in stroke]
        if len(pts) > 1:
            draw.line(pts, fill=255, width=max(1, int(round(2 * r))), joint="curve")
        for x, y in (pts[0], pts[-1]):
            draw.ellipse([x - r, y - r, x + r, y + r], fill=255)
    if k > 1:
        canvas = canvas.resize((w, h), Image.Resampling.BOX)
    return np.asarray(canvas, np.float32) / 255.0


def place_strokes(strokes, height_px: float, centre: tuple[float, float]):
    """Scale glyph strokes to `height_px` and centre their box at `centre` (pixels)."""
    lo, hi = _bounds(strokes)
    scale = height_px / max(hi[1] - lo[1], 1e-6)
    mid = (lo + hi) / 2
    return [(s - mid) * scale + np.asarray(centre) for s in strokes]


# ----------------------------------------------------------------------------- drawn


def drawn_sample(rng, label: int, index: int = 0) -> Sample:
    """A canvas drawing: 280x280, white on transparent (array) or black on white (PNG)."""
    side = 280
    strokes, style = glyph_strokes(label, rng, wobble=rng.uniform(0.005, 0.025))
    height = rng.uniform(0.4, 0.88) * side
    width_px = rng.uniform(0.05, 0.13) * height if rng.random() < 0.85 else rng.uniform(4, 7)
    lo, hi = _bounds(strokes)
    scale = height / max(hi[1] - lo[1], 1e-6)
    half_w = (hi[0] - lo[0]) * scale / 2 + width_px
    half_h = height / 2 + width_px
    cx = rng.uniform(min(half_w, side / 2), max(side - half_w, side / 2))
    cy = rng.uniform(min(half_h, side / 2), max(side - half_h, side / 2))
    mask = draw_strokes(place_strokes(strokes, height, (cx, cy)), width_px, (side, side))
    name = f"drawn_{index:03d}_{label}_{style}"
    if rng.random() < 0.5:  # white strokes on a transparent canvas, as st_canvas returns
        rgba = np.zeros((side, side, 4), np.uint8)
        rgba[..., :3] = 255 if rng.random() < 0.7 else 0  # the colour under alpha 0 varies
        colour = np.array([255, 255, 255]) if rng.random() < 0.7 else rng.integers(150, 256, 3)
        on = mask > 0
        rgba[on, :3] = colour
        rgba[..., 3] = np.rint(mask * 255).astype(np.uint8)
        return Sample(name + ".png", label, rgba, "drawn")
    ink = rng.choice([0, 0, 0, 30])
    grey = 255 - mask * (255 - ink)
    img = Image.fromarray(np.rint(grey).astype(np.uint8), "L").convert("RGB")
    buf = io.BytesIO()
    img.save(buf, "PNG")
    return Sample(name + ".png", label, buf.getvalue(), "drawn")


# ----------------------------------------------------------------------------- photo

PAPERS = {
    "white": (0.93, 0.93, 0.92),
    "cream": (0.95, 0.91, 0.8),
    "yellow": (0.98, 0.93, 0.55),
    "pink": (0.97, 0.8, 0.85),
    "light_blue": (0.78, 0.88, 0.97),
    "grey": (0.75, 0.75, 0.74),
}
INKS = {
    "black": (0.08, 0.08, 0.1),
    "blue": (0.1, 0.16, 0.55),
    "red": (0.72, 0.1, 0.12),
    "green": (0.08, 0.42, 0.2),
    "pencil": (0.3, 0.3, 0.32),
}


def _perspective_coeffs(src, dst):
    """Coefficients for PIL's PERSPECTIVE transform mapping output `dst` corners to input `src`."""
    rows = []
    for (x, y), (u, v) in zip(dst, src):
        rows.append([x, y, 1, 0, 0, 0, -u * x, -u * y])
        rows.append([0, 0, 0, x, y, 1, -v * x, -v * y])
    a = np.asarray(rows, float)
    b = np.asarray(src, float).ravel()
    return np.linalg.solve(a, b).tolist()


_MNIST_CACHE: dict = {}


def _mnist_test():
    if "x" not in _MNIST_CACHE:
        _MNIST_CACHE["x"] = _MNIST_CACHE["y"] = None
        try:
            from cnnrnn.core.data import data_dir
            from cnnrnn.tasks.digits.data import load_mnist

            if data_dir() is not None:  # never download from here: templates only instead
                splits = load_mnist()
                _MNIST_CACHE["x"], _MNIST_CACHE["y"] = splits.x_test, splits.y_test
        except Exception:
            pass
    return _MNIST_CACHE["x"], _MNIST_CACHE["y"]


def _mnist_mask(rng, label: int, height_px: float) -> np.ndarray | None:
    """An MNIST test digit of `label`, upscaled smoothly to `height_px`, as an ink mask."""
    x, y = _mnist_test()
    if x is None:
        return None
    choices = np.flatnonzero(y == label)
    digit = x[int(rng.choice(choices))].astype(np.float32) / 255.0
    rows = np.flatnonzero(digit.max(axis=1) > 0.1)
    cols = np.flatnonzero(digit.max(axis=0) > 0.1)
    digit = np.pad(digit[rows[0] : rows[-1] + 1, cols[0] : cols[-1] + 1], 2)
    scale = height_px / (rows[-1] - rows[0] + 1)
    size = (max(4, round(digit.shape[1] * scale)), max(4, round(digit.shape[0] * scale)))
    up = np.asarray(Image.fromarray(digit, "F").resize(size, Image.Resampling.BICUBIC), np.float32)
    up = np.clip((up - 0.12) / 0.4, 0, 1)  # smoothstep: crisp ink edges instead of a blur
    return up * up * (3 - 2 * up)


def _lighting(
    rng, w: int, h: int, shadow_chance: float, edge_from: float, softest: float, deepest: float
) -> np.ndarray:
    """A photo's light, (h, w, 1) float32, computed small and enlarged: a gradient, a vignette and,
    with `shadow_chance`, a soft shadow edge (from `edge_from` of the way in, softness from
    `softest` to 0.35, darkening by 0.15 to `deepest`)."""
    sh, sw = 48, max(8, int(48 * w / h))
    yy, xx = np.mgrid[0:sh, 0:sw].astype(np.float32)
    xx, yy = xx / (sw - 1) * 2 - 1, yy / (sh - 1) * 2 - 1
    theta = rng.uniform(0, 2 * np.pi)
    light = rng.uniform(0.8, 1.05) + rng.uniform(0.05, 0.25) * (np.cos(theta) * xx + np.sin(theta) * yy)
    light *= 1 - rng.uniform(0.0, 0.3) * (xx**2 + yy**2) / 2
    if rng.random() < shadow_chance:
        phi = rng.uniform(0, 2 * np.pi)
        edge = np.cos(phi) * xx + np.sin(phi) * yy - rng.uniform(edge_from, 0.9)
        softness = rng.uniform(softest, 0.35)
        light *= 1 - rng.uniform(0.15, deepest) / (1 + np.exp(-edge / softness))
    light_img = Image.fromarray(light.astype(np.float32), "F").resize((w, h), Image.Resampling.BICUBIC)
    return np.asarray(light_img, np.float32)[..., None]


def photo_sample(
    rng,
    label: int,
    index: int = 0,
    use_mnist: bool | None = None,
    hard: bool = False,
    ink: str | None = None,
    paper: str | None = None,
    size: tuple[int, int] | None = None,
    orientation: int | None = None,
    quality: int | None = None,
    blank: bool = False,
) -> Sample:
    """A phone photo of a handwritten digit on paper, as JPEG bytes.

    `hard` widens every range (smaller digits, fainter ink, deeper shadows,
    more blur, noise and JPEG loss); the default ranges are the ones the
    accuracy targets are stated for. `ink`, `paper` (names in INKS, PAPERS),
    `size` (w, h), `orientation` (EXIF 1, 3, 6 or 8) and `quality` pin those choices;
    `blank` leaves the page empty (the light, noise and JPEG loss stay).
    """
    long_side = int(rng.uniform(600, 1600))
    ratio = rng.choice([0.75, 1.0, 4 / 3, 0.5625, 1.5])
    if size is not None:
        long_side, ratio = max(size), size[0] / size[1]
    w, h = (long_side, int(long_side / ratio)) if ratio >= 1 else (int(long_side * ratio), long_side)
    fill = rng.uniform(0.12, 0.8) if hard else rng.uniform(0.2, 0.7)
    height_px = fill * h
    if use_mnist is None:
        use_mnist = rng.random() < 0.4
    # The digit's shape has its own generator, so the scene is the same with or without MNIST.
    shape_rng = np.random.default_rng(int(rng.integers(2**32)))
    mask_small = _mnist_mask(shape_rng, label, height_px) if use_mnist else None
    style = "mnist"
    if mask_small is None:
        strokes, style = glyph_strokes(label, shape_rng, wobble=shape_rng.uniform(0.01, 0.04 if hard else 0.03))
        pen = shape_rng.uniform(0.02 if hard else 0.03, 0.1 if hard else 0.08) * height_px
        lo, hi = _bounds(strokes)
        gw = (hi[0] - lo[0]) / max(hi[1] - lo[1], 1e-6) * height_px
        bw, bh = int(gw + 4 * pen + 8), int(height_px + 4 * pen + 8)
        strokes = place_strokes(strokes, height_px, (bw / 2, bh / 2))
        mask_small = draw_strokes(strokes, pen, (bw, bh), supersample=2)
    # Rotate a little, then place off-centre on the page.
    tilt = 15 if hard else 10
    digit = Image.fromarray(mask_small, "F").rotate(rng.uniform(-tilt, tilt), Image.Resampling.BILINEAR, expand=True)
    mh, mw = digit.size[1], digit.size[0]
    shift = 0.07 if hard else 0.04  # the perspective moves the corners by up to this much
    margin = 0.04 + shift  # so the whole digit stays in the frame
    scale = min(1.0, (1 - 2 * margin) * w / mw, (1 - 2 * margin) * h / mh)
    if scale < 1:
        digit = digit.resize((max(1, int(mw * scale)), max(1, int(mh * scale))), Image.Resampling.BILINEAR)
        mh, mw = digit.size[1], digit.size[0]
    x0 = int(rng.uniform(margin * w, max(margin * w, w - mw - margin * w)))
    y0 = int(rng.uniform(margin * h, max(margin * h, h - mh - margin * h)))
    page = Image.new("L", (w, h), 0)
    page.paste(Image.fromarray(np.rint(np.clip(np.asarray(digit), 0, 1) * 255).astype(np.uint8), "L"), (x0, y0))
    # Slight perspective: move the corners by up to 4% (hard: 7%) of the side.
    corners = [(0, 0), (w, 0), (w, h), (0, h)]
    moved = [(x + rng.uniform(-shift, shift) * w, y + rng.uniform(-shift, shift) * h) for x, y in corners]
    page = page.transform(
        (w, h), Image.Transform.PERSPECTIVE, _perspective_coeffs(moved, corners), Image.Resampling.BILINEAR
    )
    # Camera blur (applied to the ink: the paper is smooth anyway).
    page = page.filter(ImageFilter.GaussianBlur(rng.uniform(0.4, 2.5 if hard else 1.4) * long_side / 1000))
    mask = np.asarray(page, np.float32) * np.float32(0 if blank else 1 / 255)
    ink_name = str(rng.choice(sorted(INKS)))
    paper_name = str(rng.choice(sorted(PAPERS)))
    ink_name, paper_name = ink or ink_name, paper or paper_name
    ink = (np.asarray(INKS[ink_name]) + rng.normal(0, 0.03, 3)).astype(np.float32)
    paper = (np.asarray(PAPERS[paper_name]) + rng.normal(0, 0.02, 3)).astype(np.float32)
    density = np.float32(rng.uniform(0.5 if hard else 0.75, 1.0))  # pens do not lay down perfect ink
    light = _lighting(
        rng, w, h, shadow_chance=0.6, edge_from=0.2, softest=0.04 if hard else 0.08, deepest=0.55 if hard else 0.4
    )
    cast = (1 + rng.normal(0, 0.03, 3)).astype(np.float32)  # white balance
    photo = (paper + (ink - paper) * (mask * density)[..., None]) * light * (cast * 255)
    noise = rng.uniform(2, 12 if hard else 8)
    photo += rng.standard_normal((h, w, 1), dtype=np.float32) * np.float32(noise)
    img = Image.fromarray(np.clip(photo, 0, 255).astype(np.uint8), "RGB")
    tag = int(rng.choice([3, 6, 8])) if rng.random() < 0.3 else 1
    orientation = tag if orientation is None else orientation
    if orientation != 1:
        inverse = {3: Image.Transpose.ROTATE_180, 6: Image.Transpose.ROTATE_90, 8: Image.Transpose.ROTATE_270}
        img = img.transpose(inverse[orientation])
    buf = io.BytesIO()
    kwargs = {}
    if orientation != 1:
        exif = Image.Exif()
        exif[0x0112] = orientation
        kwargs["exif"] = exif.tobytes()
    q = int(rng.integers(50 if hard else 70, 91))
    img.save(buf, "JPEG", quality=quality or q, **kwargs)
    name = f"photo_{index:03d}_{label}_{style}_{ink_name}_on_{paper_name}" + (
        f"_exif{orientation}" if orientation != 1 else ""
    )
    return Sample(name + ".jpg", label, buf.getvalue(), "photo")


# ----------------------------------------------------------------------------- typed


def font_paths() -> list[str]:
    paths = []
    for folder in FONT_DIRS:
        paths += sorted(glob.glob(f"{folder}/*.ttf"))
    return paths


def _luminance(c):
    return 0.299 * c[0] + 0.587 * c[1] + 0.114 * c[2]


def _colours(rng):
    """(text, background) RGB tuples 0..255 with a readable luminance contrast."""
    while True:
        if rng.random() < 0.6:  # dark on light
            bg = rng.integers(170, 256, 3)
            fg = rng.integers(0, 110, 3)
        else:
            bg = rng.integers(0, 90, 3)
            fg = rng.integers(150, 256, 3)
        if abs(_luminance(bg) - _luminance(fg)) >= 90:
            return tuple(int(v) for v in fg), tuple(int(v) for v in bg)


def typed_sample(rng, label: int, index: int = 0, font: str | None = None) -> Sample:
    fonts = font_paths()
    path = font or fonts[int(rng.integers(len(fonts)))]
    h = int(rng.integers(40, 360))
    w = int(h * rng.uniform(0.6, 1.8))
    fg, bg = _colours(rng)
    img = Image.new("RGB", (w, h), bg)
    target = rng.uniform(0.3, 0.85) * h
    size = max(8, int(target * 1.35))
    font_obj = ImageFont.truetype(path, size)
    box = font_obj.getbbox(str(label), anchor="lt")
    gw, gh = box[2] - box[0], box[3] - box[1]
    while (gw > 0.92 * w or gh > 0.92 * h) and size > 8:
        size = int(size * 0.9)
        font_obj = ImageFont.truetype(path, size)
        box = font_obj.getbbox(str(label), anchor="lt")
        gw, gh = box[2] - box[0], box[3] - box[1]
    x = rng.uniform(0.04 * w, max(0.04 * w, w - gw - 0.04 * w)) - box[0]
    y = rng.uniform(0.04 * h, max(0.04 * h, h - gh - 0.04 * h)) - box[1]
    ImageDraw.Draw(img).text((x, y), str(label), fill=fg, font=font_obj, anchor="lt")
    buf = io.BytesIO()
    ext = "png"
    if rng.random() < 0.25:
        img.save(buf, "JPEG", quality=int(rng.integers(75, 95)))
        ext = "jpg"
    else:
        img.save(buf, "PNG")
    stem = Path(path).stem
    return Sample(f"typed_{index:03d}_{label}_{stem}.{ext}", label, buf.getvalue(), "typed")


# ----------------------------------------------------------------------------- desk

TABLES = {  # dark tables (matte colours) and woods (base colour, grain strength)
    "black": ((0.07, 0.07, 0.08), 0.0),
    "slate": ((0.2, 0.21, 0.23), 0.0),
    "navy": ((0.1, 0.13, 0.22), 0.0),
    "walnut": ((0.32, 0.2, 0.12), 0.25),
    "oak": ((0.55, 0.38, 0.22), 0.2),
    "pine": ((0.68, 0.52, 0.33), 0.15),
}
SHEETS = {"white": (0.94, 0.94, 0.93), "cream": (0.95, 0.92, 0.84), "grey": (0.86, 0.86, 0.85)}
RULINGS = ("plain", "lined", "squared")
PENS = {"black": (0.08, 0.08, 0.1), "blue": (0.1, 0.16, 0.55), "dark_blue": (0.08, 0.1, 0.3)}


def _table(rng, name: str, w: int, h: int) -> np.ndarray:
    """A table top (h, w, 3): a matte colour with soft blotches, or wood with grain."""
    base, grain = TABLES[name]
    base = np.asarray(base, np.float32) * np.float32(rng.uniform(0.85, 1.15))
    small = rng.standard_normal((12, 16)).astype(np.float32)
    blotch = np.asarray(Image.fromarray(small, "F").resize((w, h), Image.Resampling.BICUBIC), np.float32)
    shade = 1 + 0.05 * blotch
    if grain:
        yy, xx = np.mgrid[0:h, 0:w].astype(np.float32)
        theta = rng.uniform(0, np.pi)
        u = np.cos(theta) * xx + np.sin(theta) * yy
        v = -np.sin(theta) * xx + np.cos(theta) * yy
        warp = 12 * blotch + 6 * np.sin(u / rng.uniform(150, 400))
        period = rng.uniform(6, 18) * max(w, h) / 1000
        rings = np.sin((v + warp) / period) + 0.5 * np.sin((v + 0.6 * warp) / (2.7 * period))
        shade = shade * (1 + grain * 0.5 * rings)
        plank = rng.uniform(0.25, 0.6) * max(w, h)  # a dark seam between planks
        seam = np.abs(((v + rng.uniform(0, plank)) % plank) - plank / 2) > 0.5 * max(w, h) / 500
        shade = shade * np.where(seam, 1.0, 0.55)
    return np.clip(base * shade[..., None], 0, 1)


def _sheet(rng, label: int, sw: int, sh: int, ruling: str, use_mnist: bool, hard: bool = False):
    """The sheet (sh, sw, 3) with its ruling and the digit in pen, and the digit's box (x0, y0, x1, y1)."""
    paper = np.asarray(SHEETS[str(rng.choice(sorted(SHEETS)))], np.float32) + rng.normal(0, 0.01, 3).astype(np.float32)
    sheet = np.ones((sh, sw, 3), np.float32) * paper
    if ruling != "plain":
        colour = np.asarray([(0.55, 0.7, 0.92), (0.68, 0.7, 0.74), (0.6, 0.8, 0.85)][int(rng.integers(3))], np.float32)
        strength = np.float32(rng.uniform(0.35, 1.0 if hard else 0.8))  # from the paper towards the line colour
        if hard and rng.random() < 0.3:
            colour = np.asarray((0.45, 0.47, 0.52), np.float32)  # dark grey squares
        lines = np.zeros((sh, sw), np.float32)
        thick = max(1.0, rng.uniform(0.0012, 0.004 if hard else 0.0025) * sh)
        spacing = sh / rng.uniform(24, 34) if ruling == "lined" else sw / rng.uniform(24, 40)
        offset = rng.uniform(0, spacing)
        y = np.arange(sh, dtype=np.float32)[:, None]
        lines = lines + np.clip(thick / 2 + 0.5 - np.abs(((y - offset + spacing / 2) % spacing) - spacing / 2), 0, 1)
        if ruling == "squared":
            x = np.arange(sw, dtype=np.float32)[None, :]
            lines = np.maximum(
                lines, np.clip(thick / 2 + 0.5 - np.abs(((x - offset + spacing / 2) % spacing) - spacing / 2), 0, 1)
            )
        sheet = sheet + (colour - paper) * (strength * lines)[..., None]
        if ruling == "lined" and rng.random() < 0.6:  # the red margin
            mx = rng.uniform(0.08, 0.15) * sw
            x = np.arange(sw, dtype=np.float32)[None, :]
            margin = np.clip(thick + 0.5 - np.abs(x - mx), 0, 1) * np.ones((sh, 1), np.float32)
            sheet = sheet + (np.asarray((0.85, 0.35, 0.4), np.float32) - sheet) * (0.7 * margin)[..., None]
    height_px = rng.uniform(0.1 if hard else 0.16, 0.45) * min(sw, sh)
    shape_rng = np.random.default_rng(int(rng.integers(2**32)))
    mask = _mnist_mask(shape_rng, label, height_px) if use_mnist else None
    if mask is None:
        strokes, _ = glyph_strokes(label, shape_rng, wobble=shape_rng.uniform(0.01, 0.03))
        pen = shape_rng.uniform(0.04, 0.09) * height_px
        lo, hi = _bounds(strokes)
        bw = int((hi[0] - lo[0]) / max(hi[1] - lo[1], 1e-6) * height_px + 4 * pen + 8)
        bh = int(height_px + 4 * pen + 8)
        mask = draw_strokes(place_strokes(strokes, height_px, (bw / 2, bh / 2)), pen, (bw, bh), supersample=2)
    mh, mw = mask.shape
    x0 = int(rng.uniform(0.12 * sw, max(0.12 * sw, 0.88 * sw - mw)))
    y0 = int(rng.uniform(0.12 * sh, max(0.12 * sh, 0.88 * sh - mh)))
    full = np.zeros((sh, sw), np.float32)
    full[y0 : y0 + mh, x0 : x0 + mw] = mask[: sh - y0, : sw - x0]
    pen = np.asarray(PENS[str(rng.choice(sorted(PENS)))], np.float32) + rng.normal(0, 0.02, 3).astype(np.float32)
    density = np.float32(rng.uniform(0.8, 1.0))
    sheet = sheet + (pen - sheet) * (full * density)[..., None]
    return np.clip(sheet, 0, 1), (x0, y0, x0 + mw, y0 + mh)


def desk_sample(
    rng,
    label: int,
    index: int = 0,
    use_mnist: bool | None = None,
    ruling: str | None = None,
    table: str | None = None,
    tilt: float | None = None,
    hard: bool = False,
) -> Sample:
    """A phone photo of a sheet of paper lying on a table, a digit written on it in pen (JPEG bytes).

    The sheet (plain, lined or squared; white, cream or grey) covers a third to two thirds of the
    frame, tilted by up to 25 degrees (the digit with it), its edges in view; the table is dark or
    wood; the light is uneven (gradient, vignette, a soft shadow), the sheet casts a shadow; slight
    perspective, blur, noise, JPEG. MNIST test digits when CNNRNN_DATA_DIR is set, else templates.
    `hard` widens the ranges: sheets up to overflowing the frame, tilts to 40 degrees, darker and
    thicker rules, smaller digits, deeper shadows, more JPEG loss.
    """
    long_side = int(rng.uniform(800, 1600))
    ratio = float(rng.choice([4 / 3, 0.75, 16 / 9, 0.5625]))
    w, h = (long_side, int(long_side / ratio)) if ratio >= 1 else (int(long_side * ratio), long_side)
    ruling = ruling or str(rng.choice(RULINGS))
    table = table or str(rng.choice(sorted(TABLES)))
    use_mnist = (rng.random() < 0.85) if use_mnist is None else use_mnist
    # The sheet: A-series proportions, portrait or landscape, a share of the frame's shorter side.
    short = rng.uniform(0.5, 1.25 if hard else 0.85) * min(w, h)
    sw, sh = (int(short), int(short * 1.414)) if rng.random() < 0.6 else (int(short * 1.414), int(short))
    scale = min(1.0, 0.95 * max(w, h) / max(sw, sh))
    sw, sh = int(sw * scale), int(sh * scale)
    sheet, (dx0, dy0, dx1, dy1) = _sheet(rng, label, sw, sh, ruling, use_mnist, hard)
    angle = rng.uniform(-40 if hard else -25, 40 if hard else 25) if tilt is None else tilt
    rgba = np.dstack([sheet, np.ones((sh, sw), np.float32)])
    rotated = Image.fromarray(np.rint(rgba * 255).astype(np.uint8), "RGBA").rotate(
        angle, Image.Resampling.BICUBIC, expand=True
    )
    rot = np.asarray(rotated, np.float32) / 255.0
    # Where the digit's centre went, so the sheet can be placed with the digit well inside the frame.
    c, s = np.cos(np.radians(angle)), np.sin(np.radians(angle))
    ux, uy = (dx0 + dx1) / 2 - sw / 2, (dy0 + dy1) / 2 - sh / 2
    cx, cy = rotated.width / 2 + ux * c + uy * s, rotated.height / 2 - ux * s + uy * c
    tx = int(rng.uniform(0.35, 0.65) * w - cx)
    ty = int(rng.uniform(0.35, 0.65) * h - cy)
    photo = _table(rng, table, w, h)
    alpha = np.zeros((h, w), np.float32)
    layer = np.zeros((h, w, 3), np.float32)
    ys, xs = slice(max(ty, 0), min(ty + rot.shape[0], h)), slice(max(tx, 0), min(tx + rot.shape[1], w))
    src = rot[ys.start - ty : ys.stop - ty, xs.start - tx : xs.stop - tx]
    alpha[ys, xs], layer[ys, xs] = src[..., 3], src[..., :3]
    # The sheet's shadow on the table, then the sheet.
    small = np.asarray(Image.fromarray(alpha, "F").resize((w // 4, h // 4), Image.Resampling.BOX), np.float32)
    small = ndi.gaussian_filter(np.roll(small, (int(0.0015 * h), int(0.0015 * w)), axis=(0, 1)), 0.0015 * long_side)
    shadow = np.asarray(Image.fromarray(small, "F").resize((w, h), Image.Resampling.BILINEAR), np.float32)
    photo = photo * (1 - rng.uniform(0.3, 0.6) * shadow)[..., None]
    photo = photo * (1 - alpha[..., None]) + layer * alpha[..., None]
    img = Image.fromarray(np.rint(np.clip(photo, 0, 1) * 255).astype(np.uint8), "RGB")
    # Perspective: each corner of the frame pulled outwards by up to 5% (no empty wedges at the edges).
    corners = [(0, 0), (w, 0), (w, h), (0, h)]
    moved = [
        (x + (1 if x else -1) * rng.uniform(0, 0.05) * w, y + (1 if y else -1) * rng.uniform(0, 0.05) * h)
        for x, y in corners
    ]
    img = img.transform(
        (w, h), Image.Transform.PERSPECTIVE, _perspective_coeffs(moved, corners), Image.Resampling.BILINEAR
    )
    img = img.filter(ImageFilter.GaussianBlur(rng.uniform(0.4, 1.3) * long_side / 1000))
    # Lighting: a gradient, a vignette, sometimes a soft shadow (a hand, a phone) across the scene.
    light = _lighting(rng, w, h, shadow_chance=0.5, edge_from=0.3, softest=0.08, deepest=0.55 if hard else 0.4)
    cast = (1 + rng.normal(0, 0.03, 3)).astype(np.float32)
    out = np.asarray(img, np.float32) * light * cast
    out += rng.standard_normal((h, w, 1), dtype=np.float32) * np.float32(rng.uniform(2, 8))
    buf = io.BytesIO()
    quality = int(rng.integers(50 if hard else 65, 92))
    Image.fromarray(np.clip(out, 0, 255).astype(np.uint8), "RGB").save(buf, "JPEG", quality=quality)
    style = "mnist" if use_mnist and _mnist_test()[0] is not None else "template"
    return Sample(f"desk_{index:03d}_{label}_{style}_{ruling}_on_{table}.jpg", label, buf.getvalue(), "desk")


# ----------------------------------------------------------------------------- sets

_MAKERS = {"drawn": drawn_sample, "photo": photo_sample, "typed": typed_sample, "desk": desk_sample}
_SEED_OFFSET = {"drawn": 0, "photo": 1000, "typed": 2000, "desk": 3000}


def make_set(kind: str, n: int = 100, seed: int = 0, hard: bool = False) -> list[Sample]:
    """`n` samples of set `kind` (labels cycle 0-9), the same for the same seed.

    `hard` (photos only) widens the ranges beyond the ones the targets are stated for.
    """
    if kind not in _MAKERS:
        raise ValueError(f"unknown set {kind!r}; choose one of {SETS}")
    rng = np.random.default_rng(seed + _SEED_OFFSET[kind])
    if hard and kind in ("photo", "desk"):
        return [_MAKERS[kind](rng, i % 10, i, hard=True) for i in range(n)]
    return [_MAKERS[kind](rng, i % 10, i) for i in range(n)]


def to_bytes(sample: Sample) -> bytes:
    """The sample as file bytes (arrays are written as PNG)."""
    if isinstance(sample.source, bytes):
        return sample.source
    buf = io.BytesIO()
    arr = sample.source
    Image.fromarray(arr, "RGBA" if arr.ndim == 3 and arr.shape[2] == 4 else None).save(buf, "PNG")
    return buf.getvalue()


# ----------------------------------------------------------------------------- hostile files


def png_header_only(width: int, height: int) -> bytes:
    """A PNG whose header claims width x height pixels (the pixel data is a stub)."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)

    ihdr = struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", ihdr) + chunk(b"IDAT", zlib.compress(b"\0" * 64)) + chunk(b"IEND", b"")


def _digit_image(label: int = 3, side: int = 120, mode: str = "L") -> Image.Image:
    """A simple black-on-white drawn digit for the format tests."""
    rng = np.random.default_rng(label)
    strokes, _ = glyph_strokes(label, rng, wobble=0.0, jitter=0.0)
    mask = draw_strokes(place_strokes(strokes, side * 0.7, (side / 2, side / 2)), side * 0.08, (side, side))
    img = Image.fromarray(np.rint(255 - mask * 255).astype(np.uint8), "L")
    return img.convert(mode) if mode != "L" else img


def hostile_files() -> dict[str, bytes]:
    """Bad or awkward uploads: name -> bytes (see tests/test_images.py for the expectations)."""
    files: dict[str, bytes] = {}

    def save(img, fmt, **kw):
        buf = io.BytesIO()
        img.save(buf, fmt, **kw)
        return buf.getvalue()

    files["empty.png"] = b""
    files["random.bin"] = np.random.default_rng(0).integers(0, 256, 4096, dtype=np.uint8).tobytes()
    files["text.txt"] = b"This is not an image, just some text.\n" * 20
    good_png = save(_digit_image(3), "PNG")
    files["truncated.png"] = good_png[: len(good_png) // 2]
    good_jpeg = save(_digit_image(3).convert("RGB"), "JPEG", quality=90)
    files["truncated.jpg"] = good_jpeg[: len(good_jpeg) // 2]
    files["one_pixel.png"] = save(Image.new("L", (1, 1), 255), "PNG")
    files["huge_20000.png"] = png_header_only(20000, 20000)
    files["huge_8000x6000.png"] = png_header_only(8000, 6000)
    files["blank_white.png"] = save(Image.new("RGB", (200, 200), (255, 255, 255)), "PNG")
    noise = np.clip(235 + np.random.default_rng(1).normal(0, 3, (300, 300)), 0, 255).astype(np.uint8)
    files["blank_paper.jpg"] = save(Image.fromarray(noise, "L").convert("RGB"), "JPEG", quality=80)
    for seed in range(3):  # empty pages under uneven light with shadows
        rng = np.random.default_rng(seed)
        files[f"blank_photo_{seed}.jpg"] = photo_sample(rng, 0, blank=True, size=(800, 600), orientation=1).source
    frames = [_digit_image(7, 100, "P")] + [Image.new("P", (100, 100), 0) for _ in range(11)]
    files["animated.gif"] = save(frames[0], "GIF", save_all=True, append_images=frames[1:], duration=100, loop=0)
    files["cmyk.jpg"] = save(_digit_image(5).convert("CMYK"), "JPEG", quality=90)
    deep = (np.asarray(_digit_image(2), np.uint16) * 257).astype(np.uint16)
    files["deep16.png"] = save(Image.fromarray(deep), "PNG")
    files["palette.png"] = save(_digit_image(4).convert("P"), "PNG")
    files["grey_alpha.png"] = save(_digit_image(6).convert("LA"), "PNG")
    files["one_bit.png"] = save(_digit_image(8).convert("1"), "PNG")
    files["bitmap.bmp"] = save(_digit_image(9).convert("RGB"), "BMP")
    files["webp.webp"] = save(_digit_image(0).convert("RGB"), "WEBP", quality=90)
    pages = [
        _digit_image(1).convert("RGB"),
        Image.new("RGB", (120, 120), "white"),
        Image.new("RGB", (120, 120), "black"),
    ]
    files["pages.tiff"] = save(pages[0], "TIFF", save_all=True, append_images=pages[1:])
    return files


# ----------------------------------------------------------------------------- built-in samples


def _canvas(
    label: int, rng, style: str, white_on_transparent: bool, height=0.7, width=0.09, size=(280, 280), centre=None
) -> bytes:
    strokes, _ = glyph_strokes(label, rng, style=style, wobble=0.015)
    w, h = size
    centre = centre or (w / 2, h / 2)
    mask = draw_strokes(place_strokes(strokes, height * h, centre), width * height * h, size)
    if white_on_transparent:
        rgba = np.zeros((h, w, 4), np.uint8)
        rgba[..., :3] = 255
        rgba[..., 3] = np.rint(mask * 255).astype(np.uint8)
        img = Image.fromarray(rgba, "RGBA")
    else:
        img = Image.fromarray(np.rint(255 - mask * 255).astype(np.uint8), "L")
    buf = io.BytesIO()
    img.save(buf, "PNG", optimize=True)
    return buf.getvalue()


def _typed(label: int, font: str, fg, bg, size=(160, 160), height=0.65, offset=(0.0, 0.0)) -> bytes:
    w, h = size
    img = Image.new("RGB", size, bg)
    font_obj = ImageFont.truetype(font, int(height * h * 1.35))
    box = font_obj.getbbox(str(label), anchor="lt")
    x = (w - (box[2] - box[0])) / 2 - box[0] + offset[0] * w
    y = (h - (box[3] - box[1])) / 2 - box[1] + offset[1] * h
    ImageDraw.Draw(img).text((x, y), str(label), fill=fg, font=font_obj, anchor="lt")
    buf = io.BytesIO()
    img.save(buf, "PNG", optimize=True)
    return buf.getvalue()


def built_in_samples() -> dict[str, bytes]:
    """The page's sample images: file name (label after the last underscore) -> bytes."""
    dejavu, liberation = FONT_DIRS
    rng = np.random.default_rng(20240607)
    samples = {
        "drawn_3.png": _canvas(3, rng, "round", True),
        "drawn_8.png": _canvas(8, rng, "figure", False, height=0.6, width=0.07, centre=(150, 130)),
        "photo_7.jpg": photo_sample(
            rng, 7, use_mnist=False, ink="blue", paper="cream", size=(640, 480), orientation=1, quality=80
        ).source,
        "photo_2.jpg": photo_sample(
            rng, 2, use_mnist=False, ink="red", paper="yellow", size=(480, 640), orientation=6, quality=80
        ).source,
        "typed_5.png": _typed(5, f"{dejavu}/DejaVuSerif.ttf", (40, 40, 60), (250, 235, 215)),
        "typed_4.png": _typed(
            4,
            f"{liberation}/LiberationSans-Bold.ttf",
            (255, 220, 90),
            (30, 40, 90),
            size=(200, 120),
            height=0.6,
            offset=(0.2, 0.0),
        ),
        "wide_9.jpg": photo_sample(
            rng, 9, use_mnist=False, ink="black", paper="white", size=(800, 360), orientation=1, quality=80
        ).source,
        "thin_1.png": _canvas(1, rng, "flag", False, height=0.8, width=0.025, size=(150, 300)),
    }
    return samples


def write_samples(folder: str | Path) -> list[Path]:
    out = Path(folder)
    out.mkdir(parents=True, exist_ok=True)
    paths = []
    for name, data in built_in_samples().items():
        (out / name).write_bytes(data)
        paths.append(out / name)
    return paths


# ----------------------------------------------------------------------------- command line


def write_sets(outdir: str | Path, n: int = 100, seed: int = 0) -> Path:
    """Write every set into outdir/<set>/ and outdir/labels.csv; return the csv path."""
    out = Path(outdir)
    rows = []
    for kind in SETS:
        (out / kind).mkdir(parents=True, exist_ok=True)
        for sample in make_set(kind, n, seed):
            (out / kind / sample.name).write_bytes(to_bytes(sample))
            rows.append((f"{kind}/{sample.name}", kind, sample.label))
    (out / "hostile").mkdir(parents=True, exist_ok=True)
    for name, data in hostile_files().items():
        (out / "hostile" / name).write_bytes(data)
    path = out / "labels.csv"
    with open(path, "w", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["file", "set", "label"])
        writer.writerows(rows)
    return path


def main(argv: list[str] | None = None) -> int:
    import argparse

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("outdir")
    parser.add_argument("--n", type=int, default=100, help="images per set")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument(
        "--samples",
        action="store_true",
        help="write the page's built-in samples (cnnrnn/tasks/digits/samples/) into OUTDIR instead",
    )
    args = parser.parse_args(argv)
    if args.samples:
        for path in write_samples(args.outdir):
            print(f"{path} {path.stat().st_size} bytes")
        return 0
    path = write_sets(args.outdir, args.n, args.seed)
    print(f"wrote {3 * args.n} images and {path}")
    return 0


if __name__ == "__main__":
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
    sys.exit(main())
