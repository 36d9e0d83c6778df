"""Tests for cnnrnn.core.images: the safe decoding every image task shares (no TensorFlow needed)."""

from __future__ import annotations

import io

import numpy as np
import pytest
from PIL import Image

from cnnrnn.core import images
from cnnrnn.core.images import MAX_UPLOAD_BYTES, ImageError, decode, guarded, reduce_image


def encode(image: Image.Image, fmt: str = "PNG", **kwargs) -> bytes:
    buffer = io.BytesIO()
    image.save(buffer, fmt, **kwargs)
    return buffer.getvalue()


def test_decode_gives_an_upright_8bit_image_and_the_original_size():
    picture = Image.new("RGB", (40, 20), (200, 10, 10))
    exif = Image.Exif()
    exif[0x0112] = 6  # the camera held on its side: the pixels are turned a quarter
    notes: list[str] = []
    image, original = decode(encode(picture, "JPEG", exif=exif), notes)
    assert image.mode == "RGB" and image.size == (20, 40) and original == (20, 40)
    assert any("EXIF orientation" in note for note in notes)


@pytest.mark.parametrize("mode", ["CMYK", "I;16", "F", "P", "1", "LA"])
def test_every_mode_becomes_one_of_four_8bit_modes(mode):
    image, _ = decode(Image.new(mode, (16, 16)), [])
    assert image.mode in ("L", "LA", "RGB", "RGBA")


@pytest.mark.parametrize(
    ("source", "words"),
    [
        (b"", "empty"),
        (b"<html>not a picture</html>", "not an image"),
        (encode(Image.radial_gradient("L"))[:120], "damaged or truncated"),
        (np.zeros((4, 400), np.uint8), "at least"),
        (np.zeros((10, 400), np.uint8), "long and narrow"),
        (np.full((20, 20), np.nan, np.float32), "NaN"),
        (b"x" * (MAX_UPLOAD_BYTES + 1), "limit"),
    ],
    ids=["empty", "html", "truncated", "tiny", "narrow", "nan", "huge"],
)
def test_bad_sources_get_one_line_messages(source, words):
    with pytest.raises(ImageError, match=words) as raised:
        decode(source, [])
    assert "\n" not in str(raised.value)


def test_the_working_copy_is_at_most_work_side():
    big, _ = decode(Image.new("L", (2000, 1000)), [])
    notes: list[str] = []
    small = reduce_image(big, notes, (4000, 2000))
    assert max(small.size) == images.WORK_SIDE and "4000x2000" in notes[0]


def test_guarded_turns_any_failure_into_an_image_error():
    def broken(_):
        raise KeyError("a decoder's internals")

    with pytest.raises(ImageError, match="could not be processed"):
        guarded(broken, None)
    with pytest.raises(ImageError, match="own words"):  # an ImageError keeps its message
        guarded(lambda _: (_ for _ in ()).throw(ImageError("own words")), None)
