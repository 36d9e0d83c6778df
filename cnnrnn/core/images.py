"""Safe decoding of uploaded pictures, shared by every task that takes an image.

`decode` turns a file's bytes, a file-like object, a Pillow image or a numpy array (a drawing
canvas's RGBA, say) into an upright 8-bit Pillow image (L, LA, RGB or RGBA), refusing oversized
files and dimensions from the header before any pixel is decoded; it takes the first frame of an
animation, follows the camera's EXIF orientation and brings 16-bit, float, palette and CMYK images
to 8 bits. `reduce_image` makes the working copy (at most `WORK_SIDE` pixels a side), and the small
helpers below convert between Pillow images and float arrays. `guarded` turns any failure of a
task's own preparation into `ImageError`'s one-line message.

Bad input raises `ImageError` (a ValueError) whose message is one user-facing line.
"""

from __future__ import annotations

import io

import numpy as np
from PIL import (  # noqa: F401  (the decoders `Image.open(formats=...)` may use)
    BmpImagePlugin,
    GifImagePlugin,
    Image,
    JpegImagePlugin,
    PngImagePlugin,
    TiffImagePlugin,
    WebPImagePlugin,
)

MAX_UPLOAD_BYTES = 20 * 1024 * 1024  # bytes of an uploaded file
MAX_PIXELS = 40_000_000  # width * height, checked from the header before decoding
MIN_SIDE = 8  # pixels on the shorter side
MAX_ASPECT = 25  # longest side / shortest side
WORK_SIDE = 512  # the working copy's longest side (bigger images are reduced first)
MIN_WORK_SIDE = 128  # smaller images are enlarged to this for the morphology steps

RESIZE_METHODS = ("nearest", "bilinear", "bicubic", "area", "lanczos")
FORMATS = ("PNG", "JPEG", "WEBP", "BMP", "DIB", "TIFF", "GIF")  # JPEG covers MPO (phone photos)
# The file endings an upload box offers for each of FORMATS (a DIB file ends in .bmp).
_EXTENSIONS = {
    "PNG": ("png",),
    "JPEG": ("jpg", "jpeg"),
    "WEBP": ("webp",),
    "BMP": ("bmp",),
    "DIB": (),
    "TIFF": ("tif", "tiff"),
    "GIF": ("gif",),
}
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
LUMA = np.array([0.299, 0.587, 0.114], np.float32)  # RGB -> brightness weights


class ImageError(ValueError):
    """An image that cannot be used; str(error) is a one-line message for the user."""


def _megabytes(n: int) -> str:
    return f"{n / (1024 * 1024):.1f} MB"


def check_size(width: int, height: int) -> None:
    if width * height > MAX_PIXELS:
        raise ImageError(
            f"The image is {width}x{height} pixels ({width * height / 1e6:.0f} megapixels); "
            f"the limit is {MAX_PIXELS / 1e6:.0f} megapixels. Please upload a smaller image."
        )
    if min(width, height) < MIN_SIDE:
        raise ImageError(
            f"The image is only {width}x{height} pixels; it needs at least {MIN_SIDE} pixels on each side."
        )
    if max(width, height) > MAX_ASPECT * min(width, height):
        raise ImageError(f"The image is {width}x{height} pixels, far too long and narrow to use.")


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
            f"Cannot read an image from a {type(source).__name__}; give the file's bytes, a PIL image or a numpy array."
        )
    if not isinstance(data, (bytes, bytearray, memoryview)):
        raise ImageError("The upload could not be read as bytes.")
    return bytes(data)


def _open_bytes(data: bytes, notes: list[str]) -> Image.Image:
    """Open (header only) and check an uploaded file; the pixels are decoded later."""
    if len(data) == 0:
        raise ImageError("The file is empty (0 bytes).")
    if len(data) > MAX_UPLOAD_BYTES:
        raise ImageError(f"The file is {_megabytes(len(data))}; the limit is {_megabytes(MAX_UPLOAD_BYTES)}.")
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
        raise ImageError(f"The image file is damaged and could not be read ({type(error).__name__}).") from None
    return image


def _first_frame(image: Image.Image, notes: list[str]) -> None:
    try:
        frames = int(getattr(image, "n_frames", 1) or 1)
    except Exception:
        frames = 1
    if frames > 1:
        kind = {
            "GIF": "Animated GIF",
            "TIFF": "Multi-page TIFF",
            "WEBP": "Animated WebP",
            "PNG": "Animated PNG",
            "MPO": "Multi-picture JPEG",
        }.get(image.format or "", "Multi-frame image")
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
        raise ImageError(f"An image array must be (H, W), (H, W, 3) or (H, W, 4); got shape {tuple(a.shape)}.")
    check_size(a.shape[1], a.shape[0])
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


def decode(source, notes: list[str]) -> tuple[Image.Image, tuple[int, int]]:
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
    check_size(*image.size)
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
            f"The image file is damaged or truncated and could not be decoded ({type(error).__name__})."
        ) from None
    if orientation != 1:
        image = image.transpose(_TRANSPOSE[orientation])
        notes.append(f"Rotated upright from the camera's EXIF orientation (tag {orientation})")
        if orientation in (5, 6, 7, 8):
            original = original[::-1]
    return image, original


def reduce_image(image: Image.Image, notes: list[str], original: tuple[int, int] | None = None) -> Image.Image:
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


def as_uint8(a: np.ndarray) -> np.ndarray:
    """float [0, 1] -> uint8, for the step images."""
    return np.clip(np.rint(np.asarray(a, np.float32) * 255.0), 0, 255).astype(np.uint8)


def resize(a: np.ndarray, width: int, height: int, method: str) -> np.ndarray:
    """Resize a float32 (H, W) array with a PIL filter; values clipped to [0, 1]."""
    image = Image.fromarray(np.ascontiguousarray(a, np.float32), "F")
    out = np.asarray(image.resize((max(1, width), max(1, height)), _FILTERS[method]), np.float32)
    return np.clip(out, 0.0, 1.0)


def luma(rgb: np.ndarray) -> np.ndarray:
    return rgb @ LUMA


def resize_free(a: np.ndarray, width: int, height: int) -> np.ndarray:
    """Bilinear resize of a float array without clipping."""
    image = Image.fromarray(np.ascontiguousarray(a, np.float32), "F")
    return np.asarray(image.resize((width, height), Image.Resampling.BILINEAR), np.float32)


def float_pixels(image: Image.Image) -> tuple[np.ndarray, np.ndarray | None]:
    """An 8-bit PIL image -> (RGB float32 (H, W, 3) in [0, 1], alpha (H, W) or None if opaque)."""
    alpha = None
    if image.mode in ("LA", "RGBA"):
        a = np.asarray(image.getchannel("A"), np.float32) / 255.0
        if a.min() < 0.999:
            alpha = a
        image = image.convert("RGB" if image.mode == "RGBA" else "L")
    return np.asarray(image.convert("RGB"), np.float32) / 255.0, alpha


def guarded(prepare, *args):
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
        raise ImageError(
            f"This image could not be processed ({type(error).__name__}: {error}).".splitlines()[0]
        ) from None


__all__ = [
    "FORMATS",
    "LUMA",
    "MAX_ASPECT",
    "MAX_PIXELS",
    "MAX_UPLOAD_BYTES",
    "MIN_SIDE",
    "RESIZE_METHODS",
    "WORK_SIDE",
    "ImageError",
    "as_uint8",
    "check_size",
    "decode",
    "float_pixels",
    "guarded",
    "luma",
    "reduce_image",
    "resize",
    "resize_free",
]
