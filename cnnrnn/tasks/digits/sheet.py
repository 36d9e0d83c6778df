"""A sheet of paper photographed on a table: find it, turn it upright and keep it alone.

Used by `cnnrnn.tasks.digits.prepare` before the ink is looked for.
"""

from __future__ import annotations

import numpy as np
from PIL import Image
from scipy import ndimage as ndi

from cnnrnn.core.images import LUMA, as_uint8, resize_free

SHEET_SIDE = 192  # the sheet is looked for on a copy this many pixels on its longer side
SHEET_AREA = (0.06, 0.9)  # the sheet covers this share of the photo (more: the paper fills the frame)
SHEET_RECTANGULARITY = 0.85  # the sheet's area over that of the rectangle around it (within the frame)
SHEET_MAX_HOLES = 0.3  # what the sheet encloses (its ink) over its area, at most
SHEET_MAX_ELONGATION = 2.5  # a sheet wholly in the frame is at most this much longer than wide (A4: 1.41);
# a longer light bar is a stroke (a thick 1 drawn light on dark), not paper


def _otsu(values: np.ndarray) -> float:
    """Otsu's threshold of values in [0, 1]."""
    hist, edges = np.histogram(values, bins=128, range=(0.0, 1.0))
    p = hist.astype(np.float64) / max(hist.sum(), 1)
    omega = np.cumsum(p)
    mu = np.cumsum(p * (edges[:-1] + edges[1:]) / 2)
    between = (mu[-1] * omega - mu) ** 2 / np.maximum(omega * (1 - omega), 1e-12)
    return float(edges[int(np.argmax(between)) + 1])


def _sheet_angle(mask: np.ndarray) -> tuple[float, float, float]:
    """(tilt in degrees in (-45, 45], rectangularity, elongation) of the rectangle that best fits `mask`.

    Each edge of the mask's convex hull proposes an angle; the rectangle around the mask at
    that angle, clipped to the frame (a sheet may run out of the photo), is scored by how
    much of it the mask fills, and the best is kept. Elongation: that rectangle's longer side
    over its shorter (before clipping).
    """
    from scipy.spatial import ConvexHull

    ys, xs = np.nonzero(mask)
    points = np.stack([xs, ys], axis=1).astype(np.float64)
    hull = points[ConvexHull(points).vertices]
    edges = np.diff(np.vstack([hull, hull[:1]]), axis=0)
    grid_y, grid_x = np.mgrid[0 : mask.shape[0], 0 : mask.shape[1]].astype(np.float64)
    area = float(mask.sum())
    best_fill, best_angle, best_sides = 0.0, 0.0, (1.0, 1.0)
    for angle in np.unique(np.round(np.mod(np.arctan2(edges[:, 1], edges[:, 0]), np.pi / 2), 3)):
        c, s = np.cos(angle), np.sin(angle)
        u, v = hull @ np.array([c, s]), hull @ np.array([-s, c])
        gu, gv = grid_x * c + grid_y * s, -grid_x * s + grid_y * c
        rect = (gu >= u.min() - 0.5) & (gu <= u.max() + 0.5) & (gv >= v.min() - 0.5) & (gv <= v.max() + 0.5)
        fill = area / max(float(rect.sum()), 1.0)
        if fill > best_fill:
            best_fill, best_angle = fill, float(angle)
            best_sides = (float(u.max() - u.min()) + 1.0, float(v.max() - v.min()) + 1.0)
    degrees = float(np.degrees(best_angle))
    if degrees > 45:
        degrees -= 90
    return degrees, min(best_fill, 1.0), max(best_sides) / min(best_sides)


def _touches_frame(mask: np.ndarray) -> bool:
    return bool(mask[0].any() or mask[-1].any() or mask[:, 0].any() or mask[:, -1].any())


def find_sheet(image: Image.Image) -> tuple[np.ndarray, float] | None:
    """A sheet of paper lying on a darker or coloured table: (its mask on `image`, its tilt) or None.

    On a small copy with thin strokes blurred away, paper is light and neutral: Otsu's
    threshold on lightness less saturation splits it from the table. It counts as a sheet
    when it is one region covering SHEET_AREA of the photo, nearly a rectangle (any
    rotation) of a paper's proportions unless the frame cuts it, enclosing little, and
    clearly unlike what surrounds it: much darker (a dark table), or of another colour
    (wood) — not the same paper in a shadow.
    """
    rgb_image = image.convert("RGB")
    scale = SHEET_SIDE / max(rgb_image.size)
    if scale < 1:
        rgb_image = rgb_image.resize(
            (max(1, round(rgb_image.width * scale)), max(1, round(rgb_image.height * scale))), Image.Resampling.BOX
        )
    rgb = np.asarray(rgb_image, np.float32) / 255.0
    if min(rgb.shape[:2]) < 16:
        return None
    rgb = ndi.median_filter(rgb, size=(5, 5, 1))
    lightness = rgb @ LUMA
    chroma = rgb.max(axis=2) - rgb.min(axis=2)
    score = np.clip(lightness - 0.8 * chroma, 0.0, 1.0)
    light = score > _otsu(score)
    labels, count = ndi.label(light)
    if count == 0:
        return None
    sizes = np.bincount(labels.ravel())[1:]
    region = labels == int(np.argmax(sizes)) + 1
    filled = ndi.binary_fill_holes(region)
    area = float(filled.mean())
    if not SHEET_AREA[0] <= area <= SHEET_AREA[1]:
        return None
    if (filled.sum() - region.sum()) > SHEET_MAX_HOLES * filled.sum():
        return None
    angle, rectangularity, elongation = _sheet_angle(filled)
    if rectangularity < SHEET_RECTANGULARITY:
        return None
    if elongation > SHEET_MAX_ELONGATION and not _touches_frame(filled):
        return None
    inside = ndi.binary_erosion(filled, iterations=2)
    outside = ~ndi.binary_dilation(filled, iterations=3)
    if inside.sum() < 16 or outside.sum() < 16:
        return None
    paper, table = np.median(rgb[inside], axis=0), np.median(rgb[outside], axis=0)
    luma_ratio = float(table @ LUMA) / max(float(paper @ LUMA), 1e-3)
    hue = lambda c: c / max(float(c.sum()), 1e-3)  # noqa: E731  (chromaticity: colour without brightness)
    colour_gap = float(np.abs(hue(paper) - hue(table)).sum())
    if not (luma_ratio < 0.5 or (colour_gap > 0.08 and luma_ratio < 0.85)):
        return None
    mask = Image.fromarray((filled * 255).astype(np.uint8), "L").resize(image.size, Image.Resampling.BILINEAR)
    return np.asarray(mask, np.float32) / 255.0 > 0.5, angle


def on_sheet(image: Image.Image, mask: np.ndarray, angle: float) -> tuple[Image.Image, np.ndarray]:
    """The sheet alone: rotated upright, cropped to it, the table replaced by the paper's colour.

    Returns the new image (RGB) and the sheet's mask on it. The sheet's rim (its edge and
    the shadow it casts) is left out too; the paper colour there follows the light.
    """
    rgb = image.convert("RGB")
    pad = Image.fromarray((mask * 255).astype(np.uint8), "L")
    if abs(angle) > 0.5:
        rgb = rgb.rotate(angle, Image.Resampling.BICUBIC, expand=True)
        pad = pad.rotate(angle, Image.Resampling.BILINEAR, expand=True)
    sheet = np.asarray(pad, np.float32) / 255.0 > 0.5
    rows, cols = np.flatnonzero(sheet.any(axis=1)), np.flatnonzero(sheet.any(axis=0))
    top, bottom, left, right = rows[0], rows[-1] + 1, cols[0], cols[-1] + 1
    pixels = np.asarray(rgb, np.float32)[top:bottom, left:right] / 255.0
    sheet = sheet[top:bottom, left:right]
    rim = max(2, int(round(0.015 * max(sheet.shape))))
    sheet = ndi.binary_erosion(sheet, iterations=rim)
    if sheet.sum() < 64:
        return image, mask
    # The paper's colour under the light, where the table was: a blur of the paper alone.
    step = max(1, max(sheet.shape) // 128)
    small, small_mask = pixels[::step, ::step], sheet[::step, ::step].astype(np.float32)
    sigma = max(small.shape[:2]) / 12
    weight = ndi.gaussian_filter(small_mask, sigma, mode="nearest")
    fill = np.stack([ndi.gaussian_filter(small[..., c] * small_mask, sigma, mode="nearest") for c in range(3)], axis=-1)
    fill = fill / np.maximum(weight, 1e-4)[..., None]
    paper = np.median(small[small_mask > 0], axis=0)
    fill = np.where((weight > 1e-3)[..., None], fill, paper)
    height, width = sheet.shape
    fill = np.stack([resize_free(fill[..., c], width, height) for c in range(3)], axis=-1)
    out = np.where(sheet[..., None], pixels, fill)
    return Image.fromarray(as_uint8(out), "RGB"), sheet
