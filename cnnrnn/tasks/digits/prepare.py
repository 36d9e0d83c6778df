"""Upload -> MNIST-style model input (the Image CNN's digit pipeline).

Decode, orient, flatten, find the ink, crop, centre, resize.

`prepare_digit` turns an uploaded file (bytes), a Pillow image or a numpy array
(a drawing canvas's RGBA, say) into the (28, 28) float32 image an MNIST model
expects: light ink on a dark background, the digit scaled into a 20x20 box and
placed in the 28x28 frame so that its centre of mass is at the centre, as
MNIST's digits were. Every intermediate image is returned for display.

The pipeline, on a working copy of at most `WORK_SIDE` pixels a side:

1. decode (PNG, JPEG, WebP, BMP, TIFF, GIF; first frame of animations), refusing
   oversized files and dimensions from the header before any pixel is decoded;
   apply the EXIF orientation; flatten transparency over a background that
   contrasts with the visible strokes;
2. model the paper, colour and lighting included: first a robust cubic surface
   per channel (is there ink at all, is it darker or lighter than the paper, how
   wide are the strokes?), then a grey closing (dark ink) or opening (light ink)
   a little wider than the strokes, which follows gradients and sharp shadow
   edges alike; inside strokes wider than that, the smooth surface is used;
3. ink = colour distance from that paper, relative to its brightness (so ink in
   a shadow counts as much as in the light, and red ink on yellow paper works);
   dark ink on light paper ends up light on dark, like MNIST; the camera-noise
   floor is cut off and the strokes' core set to 1;
4. keep the main strokes (connected components: specks and shapes at the image's
   edge, like a shadow's corner, are dropped); a digit small in a big image is
   looked at again in the full-resolution image; crop to the ink and thicken
   strokes too thin to survive the shrink to 20 pixels;
5. make the crop square (`aspect`: pad, stretch or crop) and frame it
   MNIST-style (`render_digit`): resized with `method` into a 20x20 box of the
   28x28 frame, placed so that its centre of mass is at the centre.

Bad input raises `ImageError` (a ValueError) whose message is one user-facing line.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
from PIL import Image, ImageDraw
from scipy import ndimage as ndi

from cnnrnn.core.images import (
    MAX_PIXELS,
    MAX_UPLOAD_BYTES,
    MIN_SIDE,
    RESIZE_METHODS,
    ImageError,
    as_uint8,
    decode,
    float_pixels,
    guarded,
    luma,
    reduce_image,
    resize,
)
from cnnrnn.tasks.digits.ink import (
    dilate,
    drawn_on_black,
    find_ink,
    flatten_alpha,
    main_strokes,
    no_digit,
    square,
    stroke_width,
)
from cnnrnn.tasks.digits.sheet import find_sheet, on_sheet

ASPECTS = ("pad", "stretch", "crop")
DIGIT_MAX_SIDE = 256  # `Prepared.digit` is at most this many pixels a side
ZOOM_BELOW = 160  # a digit smaller than this in the working copy is looked at again at full size
_MNIST_BOX = 20 / 28  # MNIST's digits fit a 20x20 box in the 28x28 frame
# Stroke width relative to the digit's longer side; MNIST's typical is ~0.13-0.15.
_THIN_STROKE = 0.09  # thinner than this is thickened ...
_TARGET_STROKE = 0.12  # ... to this


@dataclass
class Prepared:
    """The result of `prepare_digit`.

    model_input: (size, size) float32 in [0, 1], light ink on dark, MNIST-framed.
    steps: (title, image) per preprocessing step; images are uint8 (H, W) or (H, W, 3).
    notes: human-readable notes on what was done ("Inverted: dark ink on light paper").
    digit: the cropped ink made square per `aspect`, float32 in [0, 1], (S, S) with
        S <= DIGIT_MAX_SIDE: the input of `render_digit`.
    """

    model_input: np.ndarray
    steps: list[tuple[str, np.ndarray]] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    digit: np.ndarray | None = None


@dataclass
class FoundDigit:
    """What `find_digit` found, before any choice of aspect or resize method.

    crop: the digit's ink cropped to its box (thin strokes thickened), float32 in [0, 1], light on dark.
    steps, notes: those of `Prepared` up to the crop.
    """

    crop: np.ndarray
    steps: list[tuple[str, np.ndarray]] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)


def render_digit(prepared_or_digit, size: int, method: str = "area") -> np.ndarray:
    """Frame a digit MNIST-style: (size, size) float32 in [0, 1].

    The square digit (`Prepared.digit` or any (S, S) float array in [0, 1],
    light ink on dark) is resized with `method` into a box of 20/28 of `size`
    and placed so that its centre of mass is at the centre (as far as the
    frame allows), as MNIST's digits were.
    """
    if method not in RESIZE_METHODS:
        raise ImageError(f"Unknown resize method {method!r}; choose one of {', '.join(RESIZE_METHODS)}.")
    try:
        size = int(size)
    except (TypeError, ValueError):
        raise ImageError(f"The output size must be a whole number, not {size!r}.") from None
    if not 1 <= size <= 4096:
        raise ImageError(f"The output size must be between 1 and 4096 pixels, not {size}.")
    digit = prepared_or_digit.digit if isinstance(prepared_or_digit, Prepared) else prepared_or_digit
    digit = np.asarray(digit, np.float32)
    if digit.ndim != 2 or digit.size == 0:
        raise ImageError(f"A digit must be a 2-D array, not shape {digit.shape}.")
    if digit.shape[0] != digit.shape[1]:
        digit = square(np.nan_to_num(digit), "pad")
    digit = np.clip(np.nan_to_num(digit), 0.0, 1.0)
    box = max(1, int(round(size * _MNIST_BOX)))
    small = resize(digit, box, box, method)
    out = np.zeros((size, size), np.float32)
    total = float(small.sum())
    if total > 0:
        cy, cx = ndi.center_of_mass(small)
        top = int(round((size - 1) / 2 - cy))
        left = int(round((size - 1) / 2 - cx))
    else:
        top = left = (size - box) // 2
    top = min(max(top, 0), size - box)
    left = min(max(left, 0), size - box)
    out[top : top + box, left : left + box] = small
    return out


def prepare_digit(source, method: str = "area", aspect: str = "pad", size: int = 28) -> Prepared:
    """Turn an uploaded image into an MNIST-style model input.

    source: the file's bytes (PNG, JPEG, WebP, BMP, TIFF, GIF), a file-like
        object, a PIL image, or a numpy array (H, W), (H, W, 3) or (H, W, 4)
        (uint8, or float in [0, 1]) such as a drawing canvas's RGBA.
    method: one of RESIZE_METHODS, used for the final resize to `size`.
    aspect: one of ASPECTS: how the digit's crop is made square.
    Returns a `Prepared`; raises `ImageError` with a one-line message for bad input.
    """
    _check_choices(method, aspect)
    return guarded(frame_digit, find_digit(source), method, aspect, size)


def find_digit(source) -> FoundDigit:
    """The first part of `prepare_digit`, the costly one: decode, find the sheet, the ink and the digit's
    strokes, crop to them (see `FoundDigit`). Raises `ImageError` with a one-line message for bad input."""
    return guarded(_find_digit, source)


def _check_choices(method: str, aspect: str) -> None:
    if method not in RESIZE_METHODS:
        raise ImageError(f"Unknown resize method {method!r}; choose one of {', '.join(RESIZE_METHODS)}.")
    if aspect not in ASPECTS:
        raise ImageError(f"Unknown aspect {aspect!r}; choose one of {', '.join(ASPECTS)}.")


def _on_checkerboard(rgb: np.ndarray, alpha: np.ndarray, cell: int = 8) -> np.ndarray:
    """A transparent picture shown over a grey checkerboard, as image editors do (for display only).

    White strokes on a transparent background would otherwise show as white on the white page.
    """
    rows, cols = np.indices(alpha.shape)
    board = np.where((rows // cell + cols // cell) % 2 == 0, 0.45, 0.62).astype(np.float32)[..., None]
    return rgb * alpha[..., None] + board * (1.0 - alpha[..., None])


def _ink_box(ink: np.ndarray) -> tuple[int, int, int, int] | None:
    rows = np.flatnonzero(ink.max(axis=1) > 0.05)
    cols = np.flatnonzero(ink.max(axis=0) > 0.05)
    if rows.size == 0 or cols.size == 0:
        return None
    return int(rows[0]), int(rows[-1]) + 1, int(cols[0]), int(cols[-1]) + 1


def _zoom(
    full: Image.Image,
    box: tuple[float, float, float, float],
    dark_ink: bool,
    guide: np.ndarray | None = None,
    scale: float = 1.0,
) -> np.ndarray | None:
    """Look again at a small digit in the full-resolution image: the ink around `box` or None.

    box: (y0, y1, x0, x1) in `full`'s pixels. guide: the strokes kept in the working copy
    (`scale` times smaller): the closer look keeps only ink near them, so the rules of lined
    paper or a shadow's edge, sharper at full resolution, do not join the digit.
    """
    y0, y1, x0, x1 = box
    margin = 0.5 * max(y1 - y0, x1 - x0) + 8
    left, top = max(0, int(x0 - margin)), max(0, int(y0 - margin))
    right, bottom = min(full.width, int(np.ceil(x1 + margin))), min(full.height, int(np.ceil(y1 + margin)))
    if min(right - left, bottom - top) < MIN_SIDE:
        return None
    region = reduce_image(full.crop((left, top, right, bottom)), [])
    rgb, alpha = float_pixels(region)
    try:
        if alpha is not None:
            rgb = flatten_alpha(rgb, alpha, [])
        ink, _, dark = find_ink(rgb)
        if guide is not None:
            height, width = ink.shape
            near = guide[
                int(top / scale) : int(np.ceil(bottom / scale)), int(left / scale) : int(np.ceil(right / scale))
            ]
            if near.size and near.max() > 0:
                near = resize(near.astype(np.float32), width, height, "bilinear") > 0.2
                near = ndi.binary_dilation(near, iterations=2 + int(0.02 * max(height, width)))
                ink = np.where(near, ink, 0.0).astype(np.float32)
        ink, _, _ = main_strokes(ink)
    except ImageError:
        return None
    return ink if dark == dark_ink and _ink_box(ink) is not None else None


def _find_digit(source) -> FoundDigit:
    notes: list[str] = []
    steps: list[tuple[str, np.ndarray]] = []
    full, original = decode(source, notes)
    image = reduce_image(full, notes, original)

    # 1. Flatten transparency, greyscale for display.
    rgb, alpha = float_pixels(image)
    steps.append(
        (
            f"Decoded ({rgb.shape[1]}x{rgb.shape[0]} working copy)",
            as_uint8(rgb if alpha is None else _on_checkerboard(rgb, alpha)),
        )
    )
    # A sheet of paper on a table: work on the sheet alone, turned upright (not on a drawing on black).
    drawn = alpha is None and drawn_on_black(rgb)  # then nothing below changes rgb before find_ink
    found = find_sheet(image) if alpha is None and not drawn else None
    if found is not None:
        mask, angle = found
        outline = mask & ~ndi.binary_erosion(mask, iterations=2)
        shown = as_uint8(rgb).copy()
        shown[outline] = (255, 64, 64)
        steps.append(("Sheet found on the table", shown))
        big = Image.fromarray((mask * 255).astype(np.uint8), "L").resize(full.size, Image.Resampling.BILINEAR)
        full, _ = on_sheet(full, np.asarray(big) > 127, angle)
        image = reduce_image(full, [])
        rgb, alpha = float_pixels(image)
        turned = f"turned {abs(angle):.0f}° upright, " if abs(angle) > 0.5 else ""
        notes.append(f"Found a sheet of paper on the table: {turned}cropped to it, the table left out")
        steps.append(("The sheet alone" + (f", turned {angle:+.0f}°" if abs(angle) > 0.5 else ""), as_uint8(rgb)))
    if alpha is not None:
        rgb = flatten_alpha(rgb, alpha, notes)
        steps.append(("Transparency flattened", as_uint8(rgb)))
    grey = luma(rgb)
    steps.append(("Greyscale", as_uint8(grey)))

    # 2. Background (paper colour and lighting) and 3. ink = distance from it.
    ink, background, dark_ink = find_ink(rgb, drawn=drawn or None)
    steps.append(("Background estimate (paper and lighting)", as_uint8(background)))
    if dark_ink:
        notes.append("Inverted: dark ink on light paper became light ink on dark, like MNIST")
    steps.append(("Ink: distance from the background" + (", inverted" if dark_ink else ""), as_uint8(ink)))

    # 4. Keep the main strokes; drop specks.
    ink, specks, edges = main_strokes(ink)
    if specks:
        notes.append(f"Ignored {specks} small speck{'s' if specks > 1 else ''} away from the digit")
    if edges:
        notes.append(f"Ignored {edges} shape{'s' if edges > 1 else ''} at the image's edge (shadows, paper edges)")
    box = _ink_box(ink)
    if box is None:
        raise no_digit()
    y0, y1, x0, x1 = box
    picture = Image.fromarray(np.repeat(as_uint8(ink)[..., None], 3, axis=2))
    ImageDraw.Draw(picture).rectangle([x0 - 1, y0 - 1, x1, y1], outline=(255, 64, 64))
    steps.append(("Main strokes and their box", np.asarray(picture)))
    # A small digit in a big image: look again at full resolution.
    scale = full.width / image.width
    if scale >= 1.5 and max(y1 - y0, x1 - x0) < ZOOM_BELOW:
        zoomed = _zoom(full, (y0 * scale, y1 * scale, x0 * scale, x1 * scale), dark_ink, ink, scale)
        if zoomed is not None:
            ink = zoomed
            y0, y1, x0, x1 = _ink_box(ink)
            notes.append("Small digit: looked again at it in the full-resolution image")
            steps.append(("Zoomed in at full resolution", as_uint8(ink)))
    crop = ink[y0:y1, x0:x1]
    if max(crop.shape) < 2 or float(crop.sum()) < 1.0:
        raise ImageError("No digit found: the strokes are too small to read.")
    steps.append(("Cropped to the ink", as_uint8(crop)))

    # Thicken strokes that are too thin to survive the shrink to 20 pixels.
    longest = max(crop.shape)
    width = stroke_width(crop)
    if 0 < width < _THIN_STROKE * longest:
        radius = (_TARGET_STROKE * longest - width) / 2
        pad = int(np.ceil(radius)) + 1
        crop = dilate(np.pad(crop, pad), radius)
        rows = np.flatnonzero(crop.max(axis=1) > 0.05)
        cols = np.flatnonzero(crop.max(axis=0) > 0.05)
        crop = crop[rows[0] : rows[-1] + 1, cols[0] : cols[-1] + 1]
        notes.append(
            f"Thickened thin strokes ({width / longest * 20:.1f} px at MNIST scale) "
            f"to about {_TARGET_STROKE * 20:.1f} px"
        )
        steps.append(("Thin strokes thickened", as_uint8(crop)))
    return FoundDigit(crop=crop, steps=steps, notes=notes)


def frame_digit(found: FoundDigit, method: str = "area", aspect: str = "pad", size: int = 28) -> Prepared:
    """The found digit made square per `aspect` and framed MNIST-style at `size` by `method`: what
    `prepare_digit` returns for the same picture and choices, without looking for the digit again."""
    _check_choices(method, aspect)
    steps, notes, crop = list(found.steps), list(found.notes), found.crop
    # 5. Square per `aspect`, at most DIGIT_MAX_SIDE, then the MNIST frame.
    digit = square(crop, aspect)
    if aspect == "crop" and crop.shape[0] != crop.shape[1]:
        notes.append("Aspect 'crop': kept the centre square, so part of the digit may be cut off")
    elif aspect == "stretch" and crop.shape[0] != crop.shape[1]:
        notes.append("Aspect 'stretch': the digit was stretched to a square, changing its shape")
    if digit.shape[0] > DIGIT_MAX_SIDE:
        digit = resize(digit, DIGIT_MAX_SIDE, DIGIT_MAX_SIDE, "area")
    steps.append((f"Square ({aspect})", as_uint8(digit)))
    model_input = render_digit(digit, size, method)
    steps.append((f"{size}x{size} model input ({method})", as_uint8(model_input)))
    return Prepared(model_input=model_input, steps=steps, notes=notes, digit=digit)


__all__ = [
    "ASPECTS",
    "MAX_PIXELS",
    "MAX_UPLOAD_BYTES",
    "MIN_SIDE",
    "RESIZE_METHODS",
    "FoundDigit",
    "ImageError",
    "Prepared",
    "find_digit",
    "frame_digit",
    "prepare_digit",
    "render_digit",
]
