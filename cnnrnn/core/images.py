"""Upload -> MNIST-style model input: decode, orient, flatten, find the ink, crop, centre, resize.

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

import io
from dataclasses import dataclass, field

import numpy as np
from PIL import (  # noqa: F401  (the decoders `Image.open(formats=...)` may use)
    BmpImagePlugin,
    GifImagePlugin,
    Image,
    ImageDraw,
    JpegImagePlugin,
    PngImagePlugin,
    TiffImagePlugin,
    WebPImagePlugin,
)
from scipy import ndimage as ndi

MAX_UPLOAD_BYTES = 20 * 1024 * 1024  # bytes of an uploaded file
MAX_PIXELS = 40_000_000  # width * height, checked from the header before decoding
MIN_SIDE = 8  # pixels on the shorter side
MAX_ASPECT = 25  # longest side / shortest side
WORK_SIDE = 512  # the working copy's longest side (bigger images are reduced first)
MIN_WORK_SIDE = 128  # smaller images are enlarged to this for the morphology steps
DIGIT_MAX_SIDE = 256  # `Prepared.digit` is at most this many pixels a side
ZOOM_BELOW = 160  # a digit smaller than this in the working copy is looked at again at full size
MIN_CONTRAST = 0.08  # ink must differ from the paper by this much (0..1 scale) to count

RESIZE_METHODS = ("nearest", "bilinear", "bicubic", "area", "lanczos")
ASPECTS = ("pad", "stretch", "crop")
FORMATS = ("PNG", "JPEG", "WEBP", "BMP", "DIB", "TIFF", "GIF")  # JPEG covers MPO (phone photos)
# The file endings an upload box offers for each of FORMATS (a DIB file ends in .bmp).
_EXTENSIONS = {"PNG": ("png",), "JPEG": ("jpg", "jpeg"), "WEBP": ("webp",), "BMP": ("bmp",), "DIB": (),
               "TIFF": ("tif", "tiff"), "GIF": ("gif",)}
UPLOAD_TYPES = tuple(ext for fmt in FORMATS for ext in _EXTENSIONS[fmt])  # st.file_uploader's `type`

_FILTERS = {
    "nearest": Image.Resampling.NEAREST,
    "bilinear": Image.Resampling.BILINEAR,
    "bicubic": Image.Resampling.BICUBIC,
    "area": Image.Resampling.BOX,
    "lanczos": Image.Resampling.LANCZOS,
}
_TRANSPOSE = {  # EXIF orientation -> the transpose that makes the pixels upright
    2: Image.Transpose.FLIP_LEFT_RIGHT,
    3: Image.Transpose.ROTATE_180,
    4: Image.Transpose.FLIP_TOP_BOTTOM,
    5: Image.Transpose.TRANSPOSE,
    6: Image.Transpose.ROTATE_270,
    7: Image.Transpose.TRANSVERSE,
    8: Image.Transpose.ROTATE_90,
}
_LUMA = np.array([0.299, 0.587, 0.114], np.float32)
_MNIST_BOX = 20 / 28  # MNIST's digits fit a 20x20 box in the 28x28 frame
# Stroke width relative to the digit's longer side; MNIST's typical is ~0.13-0.15.
_THIN_STROKE = 0.09  # thinner than this is thickened ...
_TARGET_STROKE = 0.12  # ... to this


class ImageError(ValueError):
    """An image that cannot be used; str(error) is a one-line message for the user."""


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


# ----------------------------------------------------------------------------- decoding


def _megabytes(n: int) -> str:
    return f"{n / (1024 * 1024):.1f} MB"


def _check_size(width: int, height: int) -> None:
    if width * height > MAX_PIXELS:
        raise ImageError(
            f"The image is {width}x{height} pixels ({width * height / 1e6:.0f} megapixels); "
            f"the limit is {MAX_PIXELS / 1e6:.0f} megapixels. Please upload a smaller image."
        )
    if min(width, height) < MIN_SIDE:
        raise ImageError(
            f"The image is only {width}x{height} pixels; a digit needs at least "
            f"{MIN_SIDE} pixels on each side."
        )
    if max(width, height) > MAX_ASPECT * min(width, height):
        raise ImageError(
            f"The image is {width}x{height} pixels, far too long and narrow for a single digit."
        )


def _read_source(source) -> bytes:
    """Bytes from bytes-like objects and file-like objects (e.g. Streamlit's UploadedFile)."""
    if isinstance(source, (bytes, bytearray, memoryview)):
        return bytes(source)
    if hasattr(source, "getvalue"):
        data = source.getvalue()
    elif hasattr(source, "read"):
        data = source.read(MAX_UPLOAD_BYTES + 1)
    else:
        raise ImageError(
            f"Cannot read an image from a {type(source).__name__}; "
            "give the file's bytes, a PIL image or a numpy array."
        )
    if not isinstance(data, (bytes, bytearray, memoryview)):
        raise ImageError("The upload could not be read as bytes.")
    return bytes(data)


def _open_bytes(data: bytes, notes: list[str]) -> Image.Image:
    """Open (header only) and check an uploaded file; the pixels are decoded later."""
    if len(data) == 0:
        raise ImageError("The file is empty (0 bytes).")
    if len(data) > MAX_UPLOAD_BYTES:
        raise ImageError(
            f"The file is {_megabytes(len(data))}; the limit is {_megabytes(MAX_UPLOAD_BYTES)}."
        )
    try:
        image = Image.open(io.BytesIO(data), formats=FORMATS)
    except Image.DecompressionBombError:
        raise ImageError(
            f"The image's dimensions are enormous (over {MAX_PIXELS / 1e6:.0f} megapixels); "
            "it was refused without decoding."
        ) from None
    except Image.UnidentifiedImageError:
        raise ImageError(
            "This file is not an image that can be read: upload a PNG, JPEG, WebP, BMP, TIFF or GIF."
        ) from None
    except Exception as error:  # a header that makes a decoder plug-in fail
        raise ImageError(
            f"The image file is damaged and could not be read ({type(error).__name__})."
        ) from None
    return image


def _first_frame(image: Image.Image, notes: list[str]) -> None:
    try:
        frames = int(getattr(image, "n_frames", 1) or 1)
    except Exception:
        frames = 1
    if frames > 1:
        kind = {"GIF": "Animated GIF", "TIFF": "Multi-page TIFF", "WEBP": "Animated WebP",
                "PNG": "Animated PNG", "MPO": "Multi-picture JPEG"}.get(image.format or "", "Multi-frame image")
        unit = "pages" if image.format == "TIFF" else "frames"
        notes.append(f"{kind}: used the first of {frames} {unit}")
        image.seek(0)


def _orientation(image: Image.Image) -> int:
    try:
        value = image.getexif().get(0x0112, 1)
        return int(value) if value in _TRANSPOSE else 1
    except Exception:
        return 1


def _to_8bit(image: Image.Image, notes: list[str]) -> Image.Image:
    """Any Pillow mode -> one of L, LA, RGB, RGBA (8 bits per channel)."""
    mode = image.mode
    if mode in ("L", "LA", "RGB", "RGBA"):
        return image
    if mode == "1":
        return image.convert("L")
    if mode in ("P", "PA"):
        has_alpha = mode == "PA" or "transparency" in image.info
        return image.convert("RGBA" if has_alpha else "RGB")
    if mode.startswith("I") or mode == "F":
        values = np.asarray(image)
        if values.ndim != 2:
            return image.convert("L")
        values = values.astype(np.float64)
        finite = np.isfinite(values)
        if not finite.all():
            values = np.where(finite, values, 0.0)
        top = float(values.max()) if values.size else 0.0
        bottom = float(values.min()) if values.size else 0.0
        if mode == "F" and bottom >= 0 and top <= 1.0:
            scaled = values * 255.0
        elif bottom >= 0 and top <= 255 and not mode.startswith("I;16"):
            scaled = values
        elif bottom >= 0 and top <= 65535:
            scaled = values / 257.0
            notes.append("16-bit image: scaled to 8 bits")
        else:
            scaled = (values - bottom) / max(top - bottom, 1e-12) * 255.0
            notes.append(f"{mode} image: stretched its value range to 8 bits")
        return Image.fromarray(np.clip(np.rint(scaled), 0, 255).astype(np.uint8), "L")
    if mode == "CMYK":
        notes.append("CMYK image: converted to RGB")
    if mode in ("La", "RGBa"):
        return image.convert("LA" if mode == "La" else "RGBA")
    if mode in ("RGBX", "CMYK", "YCbCr", "LAB", "HSV"):
        return image.convert("RGB")
    return image.convert("RGBA")


def _array_to_image(array: np.ndarray) -> Image.Image:
    """A numpy image (H, W), (H, W, 1|2|3|4) of any real dtype -> an 8-bit PIL image."""
    a = np.asarray(array)
    if a.dtype == object or not (np.issubdtype(a.dtype, np.number) or a.dtype == bool):
        raise ImageError(f"An image array must hold numbers, not {a.dtype}.")
    if np.iscomplexobj(a):
        raise ImageError("An image array cannot hold complex numbers.")
    if a.ndim == 3 and a.shape[2] == 1:
        a = a[:, :, 0]
    if not (a.ndim == 2 or (a.ndim == 3 and a.shape[2] in (2, 3, 4))):
        raise ImageError(
            f"An image array must be (H, W), (H, W, 3) or (H, W, 4); got shape {tuple(a.shape)}."
        )
    _check_size(a.shape[1], a.shape[0])
    if a.dtype == bool:
        a = a.astype(np.uint8) * 255
    elif a.dtype != np.uint8:
        f = a.astype(np.float64)
        if not np.isfinite(f).all():
            raise ImageError("The image array contains NaN or infinite values.")
        lo, hi = float(f.min()), float(f.max())
        if np.issubdtype(a.dtype, np.floating) and lo >= 0 and hi <= 1.0:
            f = f * 255.0
        elif lo >= 0 and hi <= 255:
            pass
        elif a.dtype == np.uint16:
            f = f / 257.0
        else:
            f = (f - lo) / max(hi - lo, 1e-12) * 255.0
        a = np.clip(np.rint(f), 0, 255).astype(np.uint8)
    mode = {2: "L", 3: {2: "LA", 3: "RGB", 4: "RGBA"}.get(a.shape[-1])}[a.ndim]
    return Image.fromarray(np.ascontiguousarray(a), mode)


def _decode(source, notes: list[str]) -> tuple[Image.Image, tuple[int, int]]:
    """source -> (an upright 8-bit PIL image (L, LA, RGB or RGBA), the original (width, height)).

    Large JPEGs come out decoded at 1/2, 1/4 or 1/8 scale (still larger than the working copy).
    """
    if isinstance(source, np.ndarray):
        image = _array_to_image(source)
        return image, image.size
    if isinstance(source, Image.Image):
        image = source
    else:
        image = _open_bytes(_read_source(source), notes)
    _check_size(*image.size)
    original = image.size
    orientation = _orientation(image)
    try:
        _first_frame(image, notes)
        if image.format in ("JPEG", "MPO") and max(image.size) > 2 * WORK_SIDE:
            # Let libjpeg decode at a fraction of the size: a 12 MP photo in milliseconds.
            image.draft(None, (WORK_SIDE, WORK_SIDE))
        image.load()
        image = _to_8bit(image, notes)
        image.load()
    except ImageError:
        raise
    except MemoryError:
        raise ImageError("The image is too large to decode in the memory available.") from None
    except Exception as error:
        raise ImageError(
            "The image file is damaged or truncated and could not be decoded "
            f"({type(error).__name__})."
        ) from None
    if orientation != 1:
        image = image.transpose(_TRANSPOSE[orientation])
        notes.append(f"Rotated upright from the camera's EXIF orientation (tag {orientation})")
        if orientation in (5, 6, 7, 8):
            original = original[::-1]
    return image, original


def _reduce(image: Image.Image, notes: list[str], original: tuple[int, int] | None = None) -> Image.Image:
    """Shrink to at most WORK_SIDE a side (area-averaged); enlarge tiny images to MIN_WORK_SIDE."""
    width, height = image.size
    longest = max(width, height)
    if longest > WORK_SIDE:
        scale = WORK_SIDE / longest
        size = (max(1, round(width * scale)), max(1, round(height * scale)))
        image = image.resize(size, Image.Resampling.BOX, reducing_gap=3.0)
        width, height = original or (width, height)
        notes.append(f"Large image ({width}x{height}): worked on a {size[0]}x{size[1]} copy")
    elif longest < MIN_WORK_SIDE:
        scale = MIN_WORK_SIDE / longest
        size = (max(1, round(width * scale)), max(1, round(height * scale)))
        image = image.resize(size, Image.Resampling.BICUBIC)
    return image


# ----------------------------------------------------------------------------- helpers


def _u8(a: np.ndarray) -> np.ndarray:
    """float [0, 1] -> uint8, for the step images."""
    return np.clip(np.rint(np.asarray(a, np.float32) * 255.0), 0, 255).astype(np.uint8)


def _resize(a: np.ndarray, width: int, height: int, method: str) -> np.ndarray:
    """Resize a float32 (H, W) array with a PIL filter; values clipped to [0, 1]."""
    image = Image.fromarray(np.ascontiguousarray(a, np.float32), "F")
    out = np.asarray(image.resize((max(1, width), max(1, height)), _FILTERS[method]), np.float32)
    return np.clip(out, 0.0, 1.0)


def _luma(rgb: np.ndarray) -> np.ndarray:
    return rgb @ _LUMA


def _flatten_alpha(rgb: np.ndarray, alpha: np.ndarray, notes: list[str]) -> np.ndarray:
    """Composite over black or white, whichever contrasts with the visible strokes."""
    visible = alpha > 0.5
    if not visible.any():
        visible = alpha > 0
    if not visible.any():
        raise ImageError("No digit found: the image is completely transparent.")
    shown = float(np.average(_luma(rgb)[visible], weights=alpha[visible]))
    background = 0.0 if shown > 0.5 else 1.0
    notes.append(
        f"Transparent background: placed over {'black' if background == 0 else 'white'} "
        f"to contrast with the {'light' if shown > 0.5 else 'dark'} strokes"
    )
    a = alpha[..., None]
    return rgb * a + background * (1.0 - a)


def _block_median(rgb: np.ndarray, target: int = 96) -> tuple[np.ndarray, int]:
    """Median over k x k blocks (thin strokes vanish), about `target` px on the longer side."""
    height, width = rgb.shape[:2]
    k = max(1, int(np.ceil(max(height, width) / target)))
    k = max(1, min(k, height // 4 or 1, width // 4 or 1))
    h, w = height // k, width // k
    blocks = rgb[: h * k, : w * k].reshape(h, k, w, k, -1).transpose(0, 2, 4, 1, 3)
    return np.median(blocks.reshape(h, w, -1, k * k), axis=-1).astype(np.float32), k


def _poly_basis(height: int, width: int, degree: int) -> np.ndarray:
    y, x = np.mgrid[0:height, 0:width].astype(np.float32)
    y = 2 * y / max(height - 1, 1) - 1
    x = 2 * x / max(width - 1, 1) - 1
    terms = [x**i * y**j for i in range(degree + 1) for j in range(degree + 1 - i)]
    return np.stack([t.ravel() for t in terms], axis=1)


def _estimate_background(rgb: np.ndarray) -> np.ndarray:
    """The paper's colour under its lighting, (H, W, 3) float32, ignoring the ink.

    On a block-median copy: a robust cubic surface per channel (iteratively
    refitted on the pixels that are not ink), then a masked Gaussian blur of the
    residual to follow shadows the surface cannot.
    """
    small, _ = _block_median(rgb)
    h, w = small.shape[:2]
    flat = small.reshape(-1, 3)
    degree = 3 if h * w >= 100 else (1 if h * w >= 9 else 0)
    basis = _poly_basis(h, w, degree).astype(np.float64)
    border = np.zeros((h, w), bool)
    border[[0, -1], :] = True
    border[:, [0, -1]] = True
    weights = np.where(border, 2.0, 1.0).ravel()
    # Start from the pixels near the border's typical colour (the paper, usually).
    paper = np.median(flat[border.ravel()], axis=0)
    dist = np.sqrt(((flat - paper) ** 2).mean(axis=1))
    keep = dist < max(0.12, 1.5 * float(np.percentile(dist[border.ravel()], 75)))
    if keep.sum() < max(0.2 * h * w, basis.shape[1] + 1):
        keep = np.ones(h * w, bool)
    fit = np.broadcast_to(paper, flat.shape)
    for _ in range(4):
        a = basis[keep] * weights[keep][:, None]
        gram = a.T @ basis[keep] + 1e-6 * np.eye(basis.shape[1])
        coef = np.linalg.solve(gram, a.T @ flat[keep])  # weighted least squares
        fit = (basis @ coef).astype(np.float32)
        dist = np.sqrt(((flat - fit) ** 2).mean(axis=1))
        med = np.median(dist[keep])
        mad = np.median(np.abs(dist[keep] - med))
        new_keep = dist < med + max(4 * 1.4826 * mad, 0.03)
        new_keep = ~ndi.binary_dilation(~new_keep.reshape(h, w)).ravel()
        if new_keep.sum() < max(0.2 * h * w, basis.shape[1] + 1):
            break
        keep = new_keep
    fit = fit.reshape(h, w, 3)
    # Masked blur of the residual: shadows and blotches the surface missed.
    sigma = max(h, w) / 10
    for _ in range(2):
        residual = small - fit
        dist = np.sqrt((residual**2).mean(axis=2))
        med = np.median(dist)
        mad = np.median(np.abs(dist - med))
        mask = dist < med + max(4 * 1.4826 * mad, 0.03)
        mask = ~ndi.binary_dilation(~mask)
        m = ndi.gaussian_filter(mask.astype(np.float32), sigma, mode="nearest")
        correction = np.stack(
            [ndi.gaussian_filter(residual[..., c] * mask, sigma, mode="nearest") for c in range(3)], axis=-1
        ) / np.maximum(m, 1e-3)[..., None]
        confidence = np.clip(m / 0.2, 0.0, 1.0)[..., None]
        fit = fit + correction * confidence
    height, width = rgb.shape[:2]
    return np.stack(
        [_resize_free(fit[..., c], width, height) for c in range(3)], axis=-1
    )


def _resize_free(a: np.ndarray, width: int, height: int) -> np.ndarray:
    """Bilinear resize of a float array without clipping."""
    image = Image.fromarray(np.ascontiguousarray(a, np.float32), "F")
    return np.asarray(image.resize((width, height), Image.Resampling.BILINEAR), np.float32)


def _kth_largest(values: np.ndarray, k: int) -> float:
    flat = values.ravel()
    k = int(min(max(k, 1), flat.size))
    return float(np.partition(flat, flat.size - k)[flat.size - k])


def _no_digit() -> ImageError:
    return ImageError(
        "No digit found: nothing stands out from the background. "
        "Upload a photo or drawing of one digit with clear strokes."
    )


def _normalise_ink(strength: np.ndarray) -> np.ndarray:
    """Ink strength -> [0, 1]: the camera-noise floor cut off, the strokes' core at 1."""
    sample = strength[::2, ::2] if strength.size > 40_000 else strength
    med = float(np.median(sample))
    low = sample[sample <= np.percentile(sample, 60)]
    sigma = 1.4826 * float(np.median(np.abs(low - np.median(low)))) if low.size else 0.0
    noise_floor = med + 5 * sigma + 0.02
    peak = _kth_largest(strength, max(16, strength.size // 5000))
    stroke = strength > max(noise_floor, 0.35 * peak)
    if not stroke.any():
        raise _no_digit()
    high = float(np.percentile(strength[stroke], 70))
    low_cut = max(noise_floor, 0.25 * high)
    high = max(high, low_cut + 1e-3)
    return np.clip((strength - low_cut) / (high - low_cut), 0.0, 1.0).astype(np.float32)


def _ink_strength(smooth: np.ndarray, background: np.ndarray, dark_ink: bool) -> np.ndarray:
    """Colour distance from the background; for dark ink relative to the paper's brightness."""
    diff = smooth - background
    dist = np.sqrt((diff**2).mean(axis=2))
    sign = -1.0 if dark_ink else 1.0
    strength = dist / np.maximum(background @ _LUMA, 0.3) if dark_ink else dist
    # A change of brightness in the wrong direction (glare, a paper fold) is not ink.
    return np.where((diff @ _LUMA) * sign < -0.5 * dist, 0.0, strength).astype(np.float32)


def _envelope(smooth: np.ndarray, size: int, dark_ink: bool) -> np.ndarray:
    """The paper under the ink: a grey closing (dark ink) or opening (light ink) per channel.

    It removes strokes narrower than `size` but follows shadow edges and
    gradients of any width (a closing leaves monotone ramps unchanged).
    """
    height, width = smooth.shape[:2]
    step = 2 if min(height, width) >= 256 else 1
    small = smooth[::step, ::step]
    size = max(3, int(size) // step | 1)
    op = ndi.grey_closing if dark_ink else ndi.grey_opening
    out = []
    for c in range(3):
        channel = op(small[..., c], size=(size, size), mode="nearest")
        if step > 1:
            channel = _resize_free(channel, width, height)
        out.append(channel)
    env = np.stack(out, axis=-1)
    return np.maximum(env, smooth) if dark_ink else np.minimum(env, smooth)


def _find_ink(rgb: np.ndarray) -> tuple[np.ndarray, np.ndarray, bool]:
    """(ink (H, W) float32 in [0, 1] light on dark, background (H, W, 3), dark_ink)."""
    smooth = rgb
    if max(rgb.shape[:2]) >= 256:  # a touch of denoising for camera noise and JPEG artefacts
        smooth = np.stack([ndi.gaussian_filter(rgb[..., c], 0.7) for c in range(3)], axis=-1)
    # Pass 1: a smooth model of the paper: is there ink at all, is it dark or light, how wide?
    background = _estimate_background(rgb)
    diff = smooth - background
    dist = np.sqrt((diff**2).mean(axis=2))
    med = float(np.median(dist[::2, ::2]))
    peak = _kth_largest(dist, max(16, dist.size // 5000))
    if not np.isfinite(peak) or peak - med < MIN_CONTRAST:
        raise _no_digit()
    lum_diff = diff @ _LUMA
    candidates = dist > med + 0.5 * (peak - med)
    dark_vote = float(dist[candidates & (lum_diff < 0)].sum())
    light_vote = float(dist[candidates & (lum_diff > 0)].sum())
    dark_ink = dark_vote >= light_vote
    sure = max(dark_vote, light_vote) >= 5 * min(dark_vote, light_vote)
    rough_polarity = dark_ink
    rough = _normalise_ink(_ink_strength(smooth, background, dark_ink))
    # Pass 2: the paper's envelope, wider than the widest stroke: follows sharp shadows too.
    # (Capped: a wider one would also fill in shadows that fall as a band across the page.)
    width = _stroke_width(rough, quantile=90)
    size = int(np.clip(2.5 * width + 5, 7, max(7, 0.2 * max(rgb.shape[:2]))))
    # Dark or light ink? The smooth model's vote can be swayed by a gradient it did not
    # fit, or by a dark table around the paper. A second opinion: which envelope (closing
    # for dark ink, opening for light) takes away more than the noise? That is the strokes'
    # side. It wins when it is clear, or when the vote was close.
    envelopes = {dark: _envelope(smooth, size, dark) for dark in (True, False)}
    masses = {}
    for dark, env in envelopes.items():
        away = np.sqrt(((smooth - env) ** 2).mean(axis=2))
        sample = away[::2, ::2]
        floor = float(np.median(sample)) + 4 * 1.4826 * float(np.median(np.abs(sample - np.median(sample))))
        masses[dark] = float(np.maximum(away - max(floor, 0.02), 0).sum())
    clear = max(masses.values()) > 3 * min(masses.values())
    if max(masses.values()) > 0 and (clear or not sure):
        dark_ink = masses[True] >= masses[False]
    envelope = envelopes[dark_ink]
    strength = _ink_strength(smooth, envelope, dark_ink)
    if _kth_largest(strength, max(16, strength.size // 5000)) - float(np.median(strength[::2, ::2])) < MIN_CONTRAST:
        raise _no_digit()  # what stood out was the light (a shadow's edge), not ink
    ink = _normalise_ink(strength)
    # Does the smooth model see ink where the envelope sees only paper, far from any
    # stroke (a shadow's edge)? If not, it is the better model: the envelope cannot see
    # into strokes wider than itself.
    if dark_ink != rough_polarity:
        try:
            rough = _normalise_ink(_ink_strength(smooth, background, dark_ink))
        except ImageError:
            return ink, envelope, dark_ink
    far = ndi.distance_transform_edt(ink <= 0.3) > size
    if int(((rough > 0.3) & far).sum()) <= max(10, rough.size // 1000):
        return rough, background, dark_ink
    # Where a stroke is wider than the envelope, the envelope takes the ink's colour inside
    # it: there the smooth model finds ink and the envelope little, inside a rim of strong
    # ink. (A shadow band is rimmed by paper instead.) Trust the smooth model there.
    suspect = (rough > 0.5) & (ink < rough - 0.1)
    if not suspect.any():
        return ink, envelope, dark_ink
    labels, count = ndi.label(suspect)
    rim = np.where(suspect, 0, ndi.grey_dilation(labels, size=(3, 3)))
    index = np.arange(1, count + 1)
    rim_size = np.asarray(ndi.sum(np.ones_like(ink), rim, index))
    rim_ink = np.asarray(ndi.sum(ink > 0.5, rim, index))
    hole_ids = index[(rim_size > 0) & (rim_ink >= 0.6 * rim_size)]
    if hole_ids.size == 0:
        return ink, envelope, dark_ink
    holes = ndi.binary_dilation(np.isin(labels, hole_ids), iterations=2)
    background = np.where(holes[..., None], background, envelope)
    strength = _ink_strength(smooth, background, dark_ink)
    return _normalise_ink(strength), background, dark_ink


def _main_strokes(ink: np.ndarray) -> tuple[np.ndarray, int, int]:
    """Keep the digit's connected strokes: (ink, specks dropped, edge shapes dropped).

    The main component is the heaviest, with shapes touching the image's edge
    (shadow corners, the table beyond the paper) counting a quarter. Other
    components stay when they are heavy or close to it: the bar of a 5 or a 7,
    the two strokes of an open 4, a pen's broken line.
    """
    labels, count = ndi.label(ink > 0.35, structure=np.ones((3, 3), bool))
    if count == 0:
        raise _no_digit()
    height, width = ink.shape
    masses = np.asarray(ndi.sum(ink, labels, np.arange(1, count + 1)), np.float64)
    boxes = ndi.find_objects(labels)
    at_edge = np.array([b[0].start == 0 or b[1].start == 0 or b[0].stop == height or b[1].stop == width
                        for b in boxes])
    main = int(np.argmax(np.where(at_edge, 0.25, 1.0) * masses))
    main_box = boxes[main]
    size = max(main_box[0].stop - main_box[0].start, main_box[1].stop - main_box[1].start)
    keep = np.zeros(count + 1, bool)
    keep[main + 1] = True
    specks = edges = 0
    for i, (mass, box) in enumerate(zip(masses, boxes)):
        if i == main:
            continue
        gap_y = max(main_box[0].start - box[0].stop, box[0].start - main_box[0].stop, 0)
        gap_x = max(main_box[1].start - box[1].stop, box[1].start - main_box[1].stop, 0)
        gap = max(gap_y, gap_x)
        if at_edge[i] and not at_edge[main]:
            ok = gap <= 0.1 * size and mass <= masses[main]
        else:
            ok = mass >= 0.04 * masses[main] and (mass >= 0.25 * masses[main] or gap <= 0.6 * size)
        if ok:
            keep[i + 1] = True
        elif at_edge[i]:
            edges += 1
        else:
            specks += 1
    kept = ndi.binary_dilation(keep[labels], iterations=2) & (ink > 0)
    return np.where(kept, ink, 0.0).astype(np.float32), specks, edges


def _stroke_width(ink: np.ndarray, quantile: float = 50) -> float:
    """Stroke width in pixels of a float ink image: the `quantile` over its centre lines (0: no ink)."""
    core = ink > 0.5
    if not core.any():
        return 0.0
    inside = ndi.distance_transform_edt(core)
    ridge = core & (inside >= ndi.maximum_filter(inside, size=3))
    values = inside[ridge]
    return float(2 * np.percentile(values, quantile) - 1) if values.size else 0.0


def _dilate(ink: np.ndarray, radius: float) -> np.ndarray:
    """Grow the strokes by `radius` pixels, with a soft (anti-aliased) edge."""
    core = ink > 0.5
    outside = ndi.distance_transform_edt(~core)
    return np.maximum(ink, np.clip(radius + 0.5 - outside, 0.0, 1.0)).astype(np.float32)


def _square(crop: np.ndarray, aspect: str) -> np.ndarray:
    height, width = crop.shape
    if aspect == "pad":
        side = max(height, width)
        out = np.zeros((side, side), np.float32)
        top, left = (side - height) // 2, (side - width) // 2
        out[top : top + height, left : left + width] = crop
        return out
    if aspect == "stretch":
        side = max(height, width)
        return _resize(crop, side, side, "bicubic")
    side = min(height, width)  # crop: keep the centre square
    top, left = (height - side) // 2, (width - side) // 2
    return np.ascontiguousarray(crop[top : top + side, left : left + side])


# ----------------------------------------------------------------------------- the sheet on the table

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


def _find_sheet(image: Image.Image) -> tuple[np.ndarray, float] | None:
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
        rgb_image = rgb_image.resize((max(1, round(rgb_image.width * scale)), max(1, round(rgb_image.height * scale))),
                                     Image.Resampling.BOX)
    rgb = np.asarray(rgb_image, np.float32) / 255.0
    if min(rgb.shape[:2]) < 16:
        return None
    rgb = ndi.median_filter(rgb, size=(5, 5, 1))
    lightness = rgb @ _LUMA
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
    luma_ratio = float(table @ _LUMA) / max(float(paper @ _LUMA), 1e-3)
    hue = lambda c: c / max(float(c.sum()), 1e-3)  # noqa: E731  (chromaticity: colour without brightness)
    colour_gap = float(np.abs(hue(paper) - hue(table)).sum())
    if not (luma_ratio < 0.5 or (colour_gap > 0.08 and luma_ratio < 0.85)):
        return None
    mask = Image.fromarray((filled * 255).astype(np.uint8), "L").resize(image.size, Image.Resampling.BILINEAR)
    return np.asarray(mask, np.float32) / 255.0 > 0.5, angle


def _on_sheet(image: Image.Image, mask: np.ndarray, angle: float) -> tuple[Image.Image, np.ndarray]:
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
    fill = np.stack([_resize_free(fill[..., c], width, height) for c in range(3)], axis=-1)
    out = np.where(sheet[..., None], pixels, fill)
    return Image.fromarray(_u8(out), "RGB"), sheet


# ----------------------------------------------------------------------------- public


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
        digit = _square(np.nan_to_num(digit), "pad")
    digit = np.clip(np.nan_to_num(digit), 0.0, 1.0)
    box = max(1, int(round(size * _MNIST_BOX)))
    small = _resize(digit, box, box, method)
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


def _guarded(prepare, *args):
    """prepare(*args), with every failure turned into ImageError's one-line message.

    Never lets a decoder's or numpy's exception reach the page or the command line.
    """
    try:
        return prepare(*args)
    except ImageError:
        raise
    except MemoryError:
        raise ImageError("The image is too large to process in the memory available.") from None
    except Exception as error:
        raise ImageError(f"This image could not be processed ({type(error).__name__}: {error}).".splitlines()[0]) from None


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
    return _guarded(frame_digit, find_digit(source), method, aspect, size)


def find_digit(source) -> FoundDigit:
    """The first part of `prepare_digit`, the costly one: decode, find the sheet, the ink and the digit's
    strokes, crop to them (see `FoundDigit`). Raises `ImageError` with a one-line message for bad input."""
    return _guarded(_find_digit, source)


def _check_choices(method: str, aspect: str) -> None:
    if method not in RESIZE_METHODS:
        raise ImageError(f"Unknown resize method {method!r}; choose one of {', '.join(RESIZE_METHODS)}.")
    if aspect not in ASPECTS:
        raise ImageError(f"Unknown aspect {aspect!r}; choose one of {', '.join(ASPECTS)}.")


def _pixels(image: Image.Image) -> tuple[np.ndarray, np.ndarray | None]:
    """An 8-bit PIL image -> (RGB float32 (H, W, 3) in [0, 1], alpha (H, W) or None if opaque)."""
    alpha = None
    if image.mode in ("LA", "RGBA"):
        a = np.asarray(image.getchannel("A"), np.float32) / 255.0
        if a.min() < 0.999:
            alpha = a
        image = image.convert("RGB" if image.mode == "RGBA" else "L")
    return np.asarray(image.convert("RGB"), np.float32) / 255.0, alpha


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


def _zoom(full: Image.Image, box: tuple[float, float, float, float], dark_ink: bool,
          guide: np.ndarray | None = None, scale: float = 1.0) -> np.ndarray | None:
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
    region = _reduce(full.crop((left, top, right, bottom)), [])
    rgb, alpha = _pixels(region)
    try:
        if alpha is not None:
            rgb = _flatten_alpha(rgb, alpha, [])
        ink, _, dark = _find_ink(rgb)
        if guide is not None:
            height, width = ink.shape
            near = guide[int(top / scale): int(np.ceil(bottom / scale)), int(left / scale): int(np.ceil(right / scale))]
            if near.size and near.max() > 0:
                near = _resize(near.astype(np.float32), width, height, "bilinear") > 0.2
                near = ndi.binary_dilation(near, iterations=2 + int(0.02 * max(height, width)))
                ink = np.where(near, ink, 0.0).astype(np.float32)
        ink, _, _ = _main_strokes(ink)
    except ImageError:
        return None
    return ink if dark == dark_ink and _ink_box(ink) is not None else None


def _find_digit(source) -> FoundDigit:
    notes: list[str] = []
    steps: list[tuple[str, np.ndarray]] = []
    full, original = _decode(source, notes)
    image = _reduce(full, notes, original)

    # 1. Flatten transparency, greyscale for display.
    rgb, alpha = _pixels(image)
    steps.append((f"Decoded ({rgb.shape[1]}x{rgb.shape[0]} working copy)",
                  _u8(rgb if alpha is None else _on_checkerboard(rgb, alpha))))
    # A sheet of paper on a table: work on the sheet alone, turned upright.
    found = _find_sheet(image) if alpha is None else None
    if found is not None:
        mask, angle = found
        outline = mask & ~ndi.binary_erosion(mask, iterations=2)
        shown = _u8(rgb).copy()
        shown[outline] = (255, 64, 64)
        steps.append(("Sheet found on the table", shown))
        big = Image.fromarray((mask * 255).astype(np.uint8), "L").resize(full.size, Image.Resampling.BILINEAR)
        full, _ = _on_sheet(full, np.asarray(big) > 127, angle)
        image = _reduce(full, [])
        rgb, alpha = _pixels(image)
        turned = f"turned {abs(angle):.0f}° upright, " if abs(angle) > 0.5 else ""
        notes.append(f"Found a sheet of paper on the table: {turned}cropped to it, the table left out")
        steps.append(("The sheet alone" + (f", turned {angle:+.0f}°" if abs(angle) > 0.5 else ""), _u8(rgb)))
    if alpha is not None:
        rgb = _flatten_alpha(rgb, alpha, notes)
        steps.append(("Transparency flattened", _u8(rgb)))
    grey = _luma(rgb)
    steps.append(("Greyscale", _u8(grey)))

    # 2. Background (paper colour and lighting) and 3. ink = distance from it.
    ink, background, dark_ink = _find_ink(rgb)
    steps.append(("Background estimate (paper and lighting)", _u8(background)))
    if dark_ink:
        notes.append("Inverted: dark ink on light paper became light ink on dark, like MNIST")
    steps.append(("Ink: distance from the background" + (", inverted" if dark_ink else ""), _u8(ink)))

    # 4. Keep the main strokes; drop specks.
    ink, specks, edges = _main_strokes(ink)
    if specks:
        notes.append(f"Ignored {specks} small speck{'s' if specks > 1 else ''} away from the digit")
    if edges:
        notes.append(f"Ignored {edges} shape{'s' if edges > 1 else ''} at the image's edge (shadows, paper edges)")
    box = _ink_box(ink)
    if box is None:
        raise _no_digit()
    y0, y1, x0, x1 = box
    picture = Image.fromarray(np.repeat(_u8(ink)[..., None], 3, axis=2))
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
            steps.append(("Zoomed in at full resolution", _u8(ink)))
    crop = ink[y0:y1, x0:x1]
    if max(crop.shape) < 2 or float(crop.sum()) < 1.0:
        raise ImageError("No digit found: the strokes are too small to read.")
    steps.append(("Cropped to the ink", _u8(crop)))

    # Thicken strokes that are too thin to survive the shrink to 20 pixels.
    longest = max(crop.shape)
    width = _stroke_width(crop)
    if 0 < width < _THIN_STROKE * longest:
        radius = (_TARGET_STROKE * longest - width) / 2
        pad = int(np.ceil(radius)) + 1
        crop = _dilate(np.pad(crop, pad), radius)
        rows = np.flatnonzero(crop.max(axis=1) > 0.05)
        cols = np.flatnonzero(crop.max(axis=0) > 0.05)
        crop = crop[rows[0] : rows[-1] + 1, cols[0] : cols[-1] + 1]
        notes.append(
            f"Thickened thin strokes ({width / longest * 20:.1f} px at MNIST scale) "
            f"to about {_TARGET_STROKE * 20:.1f} px"
        )
        steps.append(("Thin strokes thickened", _u8(crop)))
    return FoundDigit(crop=crop, steps=steps, notes=notes)


def frame_digit(found: FoundDigit, method: str = "area", aspect: str = "pad", size: int = 28) -> Prepared:
    """The found digit made square per `aspect` and framed MNIST-style at `size` by `method`: what
    `prepare_digit` returns for the same picture and choices, without looking for the digit again."""
    _check_choices(method, aspect)
    steps, notes, crop = list(found.steps), list(found.notes), found.crop
    # 5. Square per `aspect`, at most DIGIT_MAX_SIDE, then the MNIST frame.
    digit = _square(crop, aspect)
    if aspect == "crop" and crop.shape[0] != crop.shape[1]:
        notes.append("Aspect 'crop': kept the centre square, so part of the digit may be cut off")
    elif aspect == "stretch" and crop.shape[0] != crop.shape[1]:
        notes.append("Aspect 'stretch': the digit was stretched to a square, changing its shape")
    if digit.shape[0] > DIGIT_MAX_SIDE:
        digit = _resize(digit, DIGIT_MAX_SIDE, DIGIT_MAX_SIDE, "area")
    steps.append((f"Square ({aspect})", _u8(digit)))
    model_input = render_digit(digit, size, method)
    steps.append((f"{size}x{size} model input ({method})", _u8(model_input)))
    return Prepared(model_input=model_input, steps=steps, notes=notes, digit=digit)


# ----------------------------------------------------------------------------- scenes (captioning page)

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
    return _guarded(_prepare_scene, source, side)


def _prepare_scene(source, side: int) -> PreparedScene:
    notes: list[str] = []
    full, _ = _decode(source, notes)
    image = _reduce(full, notes)
    rgb, alpha = _pixels(image)
    steps = [(f"Your picture ({full.width}x{full.height})", _u8(rgb if alpha is None else
                                                               rgb * alpha[..., None] + (1 - alpha[..., None])))]
    if alpha is not None:
        if float(alpha.max()) <= 0.0:
            raise ImageError("The picture is completely transparent: draw or upload some shapes first.")
        rgb = rgb * alpha[..., None] + (1.0 - alpha[..., None])
        notes.append("Transparent background: placed over white paper")
    height, width = rgb.shape[:2]
    border = np.concatenate([rgb[0], rgb[-1], rgb[:, 0], rgb[:, -1]])
    paper = np.median(border, axis=0)
    if float(_luma(paper)) < 0.5:
        raise ImageError("The background is dark. Draw or upload the shapes on white or light paper.")
    distance = np.sqrt(((rgb - paper) ** 2).sum(axis=2))
    if float(distance.max()) < SCENE_MIN_CONTRAST:
        raise ImageError("No shapes found: the picture is blank. Draw one to three filled shapes in colour.")
    if height != width:
        longest = max(height, width)
        square = np.empty((longest, longest, 3), np.float32)
        square[:] = paper
        top, left = (longest - height) // 2, (longest - width) // 2
        square[top:top + height, left:left + width] = rgb
        rgb = square
        notes.append(f"Padded to a square with the paper colour ({width}x{height} -> {longest}x{longest})")
        steps.append(("Squared with paper", _u8(rgb)))
    small = np.stack([_resize_free(rgb[..., c], side, side) if rgb.shape[0] <= side else
                      _resize(rgb[..., c], side, side, "area") for c in range(3)], axis=-1)
    model_input = np.clip(small, 0.0, 1.0).astype(np.float32)
    steps.append((f"{side}x{side} encoder input", _u8(model_input)))
    return PreparedScene(model_input=model_input, steps=steps, notes=notes)


__all__ = [
    "ASPECTS",
    "MAX_PIXELS",
    "MAX_UPLOAD_BYTES",
    "MIN_SIDE",
    "RESIZE_METHODS",
    "ImageError",
    "Prepared",
    "prepare_digit",
    "prepare_scene",
    "PreparedScene",
    "render_digit",
]
