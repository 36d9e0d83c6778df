"""Hostile input for every entry point a page or the command line feeds: malformed images, odd text,
bad corpora, and generated input (hypothesis, 200 examples per entry point).

The contract under test: any input gives a result or the module's own error type with a one-line
message (`ImageError`, `CorpusError`, a `ValueError`); never another exception, and never the
package's last-resort wrapper ("This image could not be processed (SomeError: ...)"), which would
mean an input reached code that did not expect it.
"""

from __future__ import annotations

import builtins
import io
import os
import tempfile

import digit_photos as digits
import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp
from PIL import Image

from cnnrnn.core.images import MAX_UPLOAD_BYTES, ImageError
from cnnrnn.core.predictor import load_model
from cnnrnn.core.weights import WEIGHTS_DIR
from cnnrnn.tasks import all_tasks
from cnnrnn.tasks.captions.prepare import PreparedScene, prepare_scene
from cnnrnn.tasks.charlm.data import MAX_CORPUS_BYTES, CharCorpus, CorpusError, corpus_from_bytes, corpus_from_text
from cnnrnn.tasks.charlm.predict import load_charlm
from cnnrnn.tasks.digits.prepare import Prepared, prepare_digit
from cnnrnn.tasks.sentiment.predict import load_sentiment_predictors
from cnnrnn.tasks.sentiment.text import MAX_CHARS, check_text, clean, limit_text, tokenize

# Pillow warns about the corrupt EXIF blocks these tests feed it; the warning is expected, not a failure.
pytestmark = pytest.mark.filterwarnings("ignore::UserWarning:PIL.TiffImagePlugin")

FUZZ = settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
FALLBACK = "could not be processed"  # the last-resort wrapper's words (cnnrnn/core/images.py)

# Every character there is, surrogates (category Cs) included: hypothesis leaves those out by default.
ANY_CHAR = st.characters(exclude_categories=())
ANY_TEXT = st.text(ANY_CHAR, max_size=300)


def _one_of_every_category() -> str:
    """The first code point of each Unicode general category (Cs, a lone surrogate, included)."""
    import unicodedata

    seen: dict[str, str] = {}
    for code in range(0x110000):
        seen.setdefault(unicodedata.category(chr(code)), chr(code))
    return "".join(seen.values())


EVERY_CATEGORY = _one_of_every_category()
HOSTILE_CHARS = [
    EVERY_CATEGORY,
    "\x00",
    "\x07",
    "\x1b[31m",
    "\u200b",
    "\u200e",
    "\u202e",
    "\ufeff",
    "\ud800",
    "\udfff",
    "\U0001f600",
    "\U0001f468\u200d\U0001f469\u200d\U0001f467",
    "\u0301",
    "\r",
    "\t",
    "\x7f",
    "\U000e0001",
    "\U0010ffff",
    "\uffff",
    "\ufffd",
]


# ----------------------------------------------------------------------------- helpers


def _save(img: Image.Image, fmt: str, **kwargs) -> bytes:
    buf = io.BytesIO()
    img.save(buf, fmt, **kwargs)
    return buf.getvalue()


def _digit(mode: str = "L", side: int = 96) -> Image.Image:
    """A dark '1'-like bar with a foot on white, converted to `mode`."""
    a = np.full((side, side), 255, np.uint8)
    a[side // 6 : side - side // 6, side // 2 - side // 14 : side // 2 + side // 14] = 0
    a[side - side // 5 : side - side // 6, side // 3 : side - side // 3] = 0
    return Image.fromarray(a, "L").convert(mode)


def _scene(side: int = 96) -> Image.Image:
    """A red disc on white paper."""
    img = Image.new("RGB", (side, side), "white")
    from PIL import ImageDraw

    ImageDraw.Draw(img).ellipse((side // 4, side // 4, 3 * side // 4, 3 * side // 4), fill=(220, 40, 40))
    return img


def _one_line(error: Exception) -> str:
    text = str(error)
    assert text and "\n" not in text and len(text) < 300, text
    assert FALLBACK not in text, f"an input slipped past the checks into the last-resort wrapper: {text}"
    return text


def _digit_or_error(source, **kwargs):
    try:
        result = prepare_digit(source, **kwargs)
    except ImageError as error:
        _one_line(error)
        return None
    assert isinstance(result, Prepared)
    x = result.model_input
    assert x.shape == (28, 28) and x.dtype == np.float32 and np.isfinite(x).all()
    assert 0.0 <= x.min() and x.max() <= 1.0
    return result


def _scene_or_error(source):
    try:
        result = prepare_scene(source)
    except ImageError as error:
        _one_line(error)
        return None
    assert isinstance(result, PreparedScene)
    x = result.model_input
    assert x.shape == (64, 64, 3) and x.dtype == np.float32 and np.isfinite(x).all()
    assert 0.0 <= x.min() and x.max() <= 1.0
    return result


# ----------------------------------------------------------------------------- malformed and odd images


def _exif(orientation) -> bytes:
    exif = Image.Exif()
    exif[0x0112] = orientation
    return exif.tobytes()


def _exif_orientation_as_text() -> bytes:
    """An EXIF block whose orientation tag is the ASCII string 'six' instead of a number."""
    import struct

    return (
        b"Exif\x00\x00II*\x00"
        + struct.pack("<IH", 8, 1)
        + struct.pack("<HHI", 0x0112, 2, 4)
        + b"six\x00"
        + struct.pack("<I", 0)
    )


def _bmp_header_only(width: int, height: int) -> bytes:
    """A BMP whose header claims width x height (24-bit) with a few bytes of pixel data."""
    import struct

    header = struct.pack("<IiiHHIIiiII", 40, width, height, 1, 24, 0, 0, 2835, 2835, 0, 0)
    return b"BM" + struct.pack("<IHHI", 14 + 40 + 16, 0, 0, 54) + header + bytes(16)


def _gif_header_only(width: int, height: int) -> bytes:
    import struct

    return (
        b"GIF89a"
        + struct.pack("<HH", width, height)
        + b"\x00\x00\x00"
        + b",\x00\x00\x00\x00"
        + struct.pack("<HH", width, height)
        + b"\x00\x02\x02\x44\x01\x00;"
    )


def hostile_images() -> dict[str, bytes]:
    """name -> file bytes: broken, enormous, many-framed, odd-moded or oddly oriented pictures."""
    png = _save(_digit(), "PNG")
    jpeg = _save(_digit("RGB"), "JPEG", quality=90)
    files = {
        "zero_bytes": b"",
        "one_byte": b"\x89",
        "png_magic_only": png[:8],
        "png_truncated_in_header": png[:20],
        "png_truncated_in_data": png[: len(png) * 2 // 3],
        "jpeg_magic_only": jpeg[:3],
        "jpeg_truncated": jpeg[: len(jpeg) // 3],
        "jpeg_body_zeroed": jpeg[:200] + bytes(len(jpeg) - 200),
        "gif_truncated": _save(_digit("P"), "GIF")[:30],
        "text_named_png": b"<html><body>not a picture</body></html>",
        "svg": b'<svg xmlns="http://www.w3.org/2000/svg" width="10" height="10"/>',
        "pdf": b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF",
        "zip": b"PK\x03\x04" + bytes(200),
        # decompression bombs: the header claims an enormous picture
        "bomb_png_50000": digits.png_header_only(50000, 50000),
        "bomb_png_65535x1000": digits.png_header_only(65535, 1000),
        "bomb_bmp": _bmp_header_only(30000, 30000),
        "bomb_gif": _gif_header_only(65535, 65535),
        "too_small": _save(_digit(side=4), "PNG"),
        "too_long": _save(Image.new("L", (2000, 10), 255), "PNG"),
        # many frames
        "gif_200_frames": _save(
            _digit("P"), "GIF", save_all=True, append_images=[Image.new("P", (96, 96), i % 256) for i in range(199)]
        ),
        "tiff_20_pages": _save(
            _digit("RGB"), "TIFF", save_all=True, append_images=[Image.new("RGB", (96, 96), "white")] * 19
        ),
        "apng_4_frames": _save(
            _digit("RGB"), "PNG", save_all=True, append_images=[Image.new("RGB", (96, 96), "white")] * 3
        ),
        "webp_animated": _save(
            _digit("RGB"), "WEBP", save_all=True, append_images=[Image.new("RGB", (96, 96), "white")] * 3
        ),
        # colour modes
        "cmyk_jpeg": _save(_digit("CMYK"), "JPEG"),
        "cmyk_tiff": _save(_digit("CMYK"), "TIFF"),
        "i16_png": _save(Image.fromarray(np.asarray(_digit()).astype(np.uint16) * 257), "PNG"),
        "i32_tiff": _save(_digit().convert("I"), "TIFF"),
        "float_tiff": _save(_digit().convert("F"), "TIFF"),
        "p_transparent_png": _save(_digit("P"), "PNG", transparency=255),  # the paper is see-through
        "p_ink_transparent_png": _save(_digit("P"), "PNG", transparency=0),  # the ink is see-through
        "p_transparent_gif": _save(_digit("P"), "GIF", transparency=255),
        "la_png": _save(_digit("LA"), "PNG"),
        "one_bit_png": _save(_digit("1"), "PNG"),
        "one_bit_tiff": _save(_digit("1"), "TIFF", compression="group4"),
        "rgba_all_clear": _save(Image.new("RGBA", (96, 96), (0, 0, 0, 0)), "PNG"),
        "ycbcr_tiff": _save(_digit("RGB"), "TIFF", compression="jpeg"),
        "lab_tiff": _save(_digit("RGB").convert("LAB"), "TIFF"),
    }
    # a metadata bomb: 4 MB of text squeezed into a few kB of zTXt chunk
    from PIL import PngImagePlugin

    info = PngImagePlugin.PngInfo()
    info.add_text("Comment", "a" * (4 * 2**20), zip=True)
    files["png_ztxt_bomb"] = _save(_digit(), "PNG", pnginfo=info)
    # EXIF orientation: every legal value, out-of-range values, a wrong type
    for value in (0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 255, 65535):
        files[f"jpeg_orientation_{value}"] = _save(_digit("RGB"), "JPEG", exif=_exif(value))
    files["png_orientation_8"] = _save(_digit("RGB"), "PNG", exif=_exif(8))
    files["jpeg_orientation_text"] = _save(_digit("RGB"), "JPEG", exif=_exif_orientation_as_text())
    files["jpeg_exif_garbage"] = _save(_digit("RGB"), "JPEG", exif=b"Exif\x00\x00" + bytes(range(256)) * 4)
    return files


HOSTILE = hostile_images()

# What each file must give; names absent here may give a result or a clear error.
MUST_REFUSE = {
    "zero_bytes": "empty",
    "one_byte": "not an image",
    "png_magic_only": "damaged|not an image",
    "png_truncated_in_header": "damaged|not an image",
    "jpeg_magic_only": "damaged|not an image",
    "text_named_png": "not an image",
    "svg": "not an image",
    "pdf": "not an image",
    "zip": "not an image",
    "bomb_png_50000": "megapixels",
    "bomb_png_65535x1000": "megapixels",
    "bomb_bmp": "megapixels",
    "bomb_gif": "megapixels",
    "too_small": "at least 8 pixels",
    "too_long": "too long",
    "rgba_all_clear": "transparent",
    "png_ztxt_bomb": "damaged",
}
MUST_READ = [
    "gif_200_frames",
    "tiff_20_pages",
    "apng_4_frames",
    "cmyk_jpeg",
    "cmyk_tiff",
    "i16_png",
    "i32_tiff",
    "p_transparent_png",
    "la_png",
    "one_bit_png",
    "one_bit_tiff",
    "ycbcr_tiff",
    *[f"jpeg_orientation_{v}" for v in (1, 2, 3, 4, 5, 6, 7, 8)],
    "png_orientation_8",
    "jpeg_orientation_0",
    "jpeg_orientation_9",
    "jpeg_orientation_255",
    "jpeg_orientation_text",
    "jpeg_exif_garbage",
]


@pytest.mark.parametrize("name", sorted(HOSTILE))
def test_every_hostile_image_gives_a_digit_or_a_clear_error(name):
    result = _digit_or_error(HOSTILE[name])
    if name in MUST_REFUSE:
        assert result is None, f"{name} should have been refused"
        with pytest.raises(ImageError, match=MUST_REFUSE[name]):
            prepare_digit(HOSTILE[name])
    if name in MUST_READ:
        assert result is not None, f"{name} should have been read"


@pytest.mark.parametrize("name", sorted(HOSTILE))
def test_every_hostile_image_gives_a_scene_or_a_clear_error(name):
    result = _scene_or_error(HOSTILE[name])
    if name in MUST_REFUSE:
        assert result is None, f"{name} should have been refused"
    if name in MUST_READ:  # a dark shape on white paper, whatever the file's mode
        assert result is not None, f"{name} should have been read"


@pytest.mark.parametrize("value, turns", [(3, 2), (6, 3), (8, 1)])
def test_exif_rotation_is_applied_to_the_pixels(value, turns):
    """A picture stored turned, with the EXIF tag that says so, reads like the upright one."""
    upright = prepare_digit(_save(_digit("RGB"), "PNG")).model_input
    turned = Image.fromarray(np.rot90(np.asarray(_digit("RGB")), turns))
    tagged = prepare_digit(_save(turned, "JPEG", quality=95, exif=_exif(value))).model_input
    untagged = prepare_digit(_save(turned, "JPEG", quality=95)).model_input
    assert np.abs(tagged - upright).mean() < np.abs(untagged - upright).mean() / 2


def test_the_file_name_does_not_matter_only_the_content():
    """A JPEG uploaded as 'digit.png' (a file-like object with a wrong name) reads like the JPEG it is."""
    data = _save(_digit("RGB"), "JPEG", quality=95)

    class Uploaded(io.BytesIO):
        name = "digit.png"
        type = "image/png"

    expected = prepare_digit(data).model_input
    np.testing.assert_array_equal(prepare_digit(Uploaded(data)).model_input, expected)
    with pytest.raises(ImageError, match="not an image"):
        prepare_digit(Uploaded(b"GIF89a? not really"))


def test_first_frame_of_a_long_animation_is_used_and_noted():
    p = prepare_digit(HOSTILE["gif_200_frames"])
    assert any(n.startswith("Animated GIF: used the first of") for n in p.notes), p.notes


def test_scene_in_odd_colour_modes_keeps_its_colour():
    """The red disc saved as CMYK, P with transparency, or RGBA still reaches the captioner red."""
    red = _scene()
    rgba = red.convert("RGBA")
    a = np.asarray(rgba).copy()
    a[np.asarray(red).min(axis=2) > 250, 3] = 0  # white paper -> transparent
    for data in (
        _save(red.convert("CMYK"), "JPEG", quality=95),
        _save(red.convert("P"), "PNG", transparency=0),
        _save(Image.fromarray(a, "RGBA"), "PNG"),
        _save(red, "TIFF"),
    ):
        x = prepare_scene(data).model_input
        centre = x[28:36, 28:36].reshape(-1, 3).mean(axis=0)
        assert centre[0] > 0.6 and centre[1] < 0.4 and centre[2] < 0.4, centre
        assert x[:3, :3].min() > 0.85  # paper stays white


@pytest.mark.parametrize("name", ["bomb_png_50000", "bomb_png_65535x1000", "bomb_bmp", "bomb_gif"])
def test_decompression_bombs_are_refused_from_the_header(monkeypatch, name):
    from PIL import ImageFile

    def no_decoding(self):
        raise AssertionError("pixel data was decoded")

    monkeypatch.setattr(ImageFile.ImageFile, "load", no_decoding)
    for prepare in (prepare_digit, prepare_scene):
        with pytest.raises(ImageError, match="megapixels"):
            prepare(HOSTILE[name])


def test_oversized_uploads_are_refused_for_scenes_too():
    with pytest.raises(ImageError, match="limit"):
        prepare_scene(b"\x89PNG" + bytes(MAX_UPLOAD_BYTES))


# ----------------------------------------------------------------------------- generated images


_MAGIC = [
    b"",
    b"\x89PNG\r\n\x1a\n",
    b"\xff\xd8\xff",
    b"GIF89a",
    b"BM",
    b"II*\x00",
    b"MM\x00*",
    b"RIFF",
    b"RIFF\x00\x00\x00\x00WEBPVP8 ",
]


@FUZZ
@given(st.sampled_from(_MAGIC), st.binary(max_size=400))
def test_prepare_scene_arbitrary_bytes(magic, rest):
    _scene_or_error(magic + rest)


_shapes = st.one_of(
    hnp.array_shapes(min_dims=2, max_dims=2, min_side=1, max_side=24),
    st.tuples(st.integers(1, 24), st.integers(1, 24), st.sampled_from([1, 2, 3, 4, 5])),
    hnp.array_shapes(min_dims=0, max_dims=4, min_side=0, max_side=3),
)
_dtypes = st.sampled_from(
    [np.uint8, np.uint16, np.int8, np.int64, np.float16, np.float32, np.float64, np.bool_, np.complex64, np.object_]
)


@FUZZ
@given(hnp.arrays(_dtypes, _shapes, elements=None))
def test_prepare_scene_arbitrary_arrays(array):
    _scene_or_error(array)


_MODES = ["1", "L", "LA", "P", "PA", "RGB", "RGBA", "CMYK", "I;16", "I", "F", "YCbCr", "HSV", "LAB", "La", "RGBa"]
_FORMATS = {
    "PNG": {"1", "L", "LA", "P", "RGB", "RGBA", "I;16"},
    "JPEG": {"L", "RGB", "CMYK"},
    "GIF": {"1", "L", "P", "RGB", "RGBA", "LA"},
    "BMP": {"1", "L", "P", "RGB", "RGBA"},
    "TIFF": {"1", "L", "LA", "P", "RGB", "RGBA", "CMYK", "I;16", "I", "F", "YCbCr", "LAB"},
    "WEBP": {"L", "RGB", "RGBA", "P", "LA"},
}


@st.composite
def small_pictures(draw):
    """A small random picture in a random mode and format, maybe with an EXIF orientation, as bytes."""
    width, height = draw(st.integers(1, 40)), draw(st.integers(1, 40))
    seed = draw(st.integers(0, 2**32 - 1))
    rng = np.random.default_rng(seed)
    kind = draw(st.sampled_from(["noise", "flat", "bar"]))
    if kind == "noise":
        a = rng.integers(0, 256, (height, width, 4), dtype=np.uint8)
    elif kind == "flat":
        a = np.broadcast_to(rng.integers(0, 256, 4, dtype=np.uint8), (height, width, 4)).copy()
    else:
        a = np.full((height, width, 4), 255, np.uint8)
        a[:, width // 3 : max(width // 3 + 1, width // 2)] = (0, 0, 0, 255)
    image = Image.fromarray(a, "RGBA")
    fmt = draw(st.sampled_from(sorted(_FORMATS)))
    mode = draw(st.sampled_from(sorted(_FORMATS[fmt])))
    if mode in ("I;16", "I", "F"):
        image = Image.fromarray(
            (np.asarray(image.convert("L")).astype(np.int32) * 257).astype(
                {"I;16": np.uint16, "I": np.int32, "F": np.float32}[mode]
            )
        )
    else:
        image = image.convert(mode)
    kwargs = {}
    orientation = draw(st.none() | st.integers(0, 9))
    if orientation is not None and fmt in ("JPEG", "PNG", "WEBP", "TIFF"):
        kwargs["exif"] = _exif(orientation)
    if mode == "P" and fmt in ("PNG", "GIF") and draw(st.booleans()):
        kwargs["transparency"] = draw(st.integers(0, 255))
    data = _save(image, fmt, **kwargs)
    cut = draw(st.none() | st.integers(0, len(data)))
    return data if cut is None else data[:cut]


@FUZZ
@given(small_pictures())
def test_prepare_digit_generated_pictures(data):
    _digit_or_error(data)


@FUZZ
@given(small_pictures())
def test_prepare_scene_generated_pictures(data):
    _scene_or_error(data)


@FUZZ
@given(
    st.sampled_from(_MAGIC),
    st.binary(max_size=400),
    st.sampled_from(["nearest", "lanczos"]),
    st.sampled_from(["pad", "stretch", "crop"]),
)
def test_prepare_digit_arbitrary_bytes_every_option(magic, rest, method, aspect):
    _digit_or_error(magic + rest, method=method, aspect=aspect)


# ----------------------------------------------------------------------------- text


def test_text_helpers_on_hostile_strings():
    # empty and blank text get a message; so does text with nothing to read
    for text in ("", " ", "\n\t ", "\u200b\u200b", "\x00\x00", "\x1b\x07\x7f"):
        assert check_text(text), repr(text)
    for text in HOSTILE_CHARS:
        assert isinstance(check_text(text), (str, type(None)))
        tokens = tokenize(f"good{text}film")
        assert all(isinstance(t, str) and t for t in tokens)
    # lone surrogates become U+FFFD, so the text can be encoded for TensorFlow
    cleaned = clean("bad \ud800 film")
    assert cleaned.encode("utf-8") and cleaned.startswith("bad ") and cleaned.endswith(" film")
    assert "\ud800" not in cleaned
    # right-to-left and emoji are read, not refused
    assert check_text("\u05d6\u05d4 \u05e1\u05e8\u05d8 \u05d8\u05d5\u05d1") is None
    assert check_text("great film \U0001f600\U0001f44d") is None


def test_limit_text_on_100000_words():
    text = " ".join(["wonderful"] * 100_000)
    limited = limit_text(text)
    assert limited.cut and len(limited.text) <= MAX_CHARS and limited.original_chars == len(text)
    assert limited.text.split(" ") == ["wonderful"] * len(limited.text.split(" "))  # cut at a space
    assert "100,000" not in limited.notice and f"{len(text):,}" in limited.notice
    no_spaces = "\u4e00" * (MAX_CHARS * 3)
    assert len(limit_text(no_spaces).text) == MAX_CHARS


@FUZZ
@given(ANY_TEXT, st.integers(1, 400))
def test_text_entry_points_any_string(text, max_chars):
    message = check_text(text)
    assert message is None or (message and "\n" not in message)
    limited = limit_text(text, max_chars)
    assert len(limited.text) <= max_chars
    limited.text.encode("utf-8")  # no lone surrogates left
    assert limited.cut == (len(clean(text)) > max_chars)
    assert (limited.notice is None) != limited.cut
    assert all(t and " " not in t for t in tokenize(limited.text))
    if message is None:
        assert tokenize(text)


@pytest.fixture(scope="module")
def sentiment():
    return load_sentiment_predictors()


def test_sentiment_on_hostile_texts(sentiment):
    texts = [
        "",
        " ",
        *HOSTILE_CHARS,
        "\u05d4\u05e1\u05e8\u05d8 \u05de\u05e2\u05d5\u05dc\u05d4 \u202e!",
        "\U0001f600" * 500,
        "wonderful " * 100_000,
        "".join(chr(c) for c in range(0, 0x3000, 7)),
        "bad \ud800\udfff film",
    ]
    for predictor in sentiment.values():
        p = predictor([limit_text(t).text for t in texts])
        assert p.shape == (len(texts),) and np.isfinite(p).all() and ((0 <= p) & (p <= 1)).all()
        assert predictor.traces == 1
    cnn = sentiment["cnn"]  # the counted evidence and score the page shows under "What the CNN sees"
    for text in texts:
        rows = cnn.counted_evidence(limit_text(text).text)
        score = cnn.counted_score(rows)
        assert len(rows) <= cnn.sequence_length and all(np.isfinite(r["word_ratio"]) for r in rows)
        assert np.isfinite(score["word"]) and np.isfinite(score["pair"])
        assert score["word"] == pytest.approx(sum(r["word_ratio"] for r in rows))


@FUZZ
@given(st.lists(ANY_TEXT, min_size=1, max_size=4))
def test_sentiment_predictor_any_strings(sentiment, texts):
    for predictor in sentiment.values():
        p = predictor(texts)
        assert p.shape == (len(texts),) and p.dtype == np.float32
        assert np.isfinite(p).all() and ((0 <= p) & (p <= 1)).all()


# ----------------------------------------------------------------------------- corpora


def _corpus_or_error(data: bytes):
    try:
        corpus = corpus_from_bytes(data)
    except CorpusError as error:
        assert str(error) and "\n" not in str(error)
        return None
    assert isinstance(corpus, CharCorpus) and len(corpus.text) >= 200
    assert corpus.train_text and corpus.val_text and "\r" not in corpus.text
    return corpus


@pytest.mark.parametrize(
    "data, words",
    [
        (bytes(range(256)) * 8, "binary"),
        (_save(_digit(), "PNG") * 4, "binary"),
        (b"PK\x03\x04" + b"a" * 500, "binary"),
        (b"%PDF-1.7\n" + b"a" * 500, "binary"),
        ("caf\u00e9 ".encode("utf-8") * 50 + "caf\u00e9 ".encode("latin-1") * 50, "not UTF-8"),  # mixed encodings
        ("na\u00efve ".encode("cp1252") * 100, "not UTF-8"),
        ("\u00e9t\u00e9 ".encode("utf-16") * 100, "binary"),  # UTF-16 is full of NUL bytes
        (b"\xef\xbb\xbf" + b"\x01\x02\x03\x04" * 200, "binary"),
        (b"a" * (MAX_CORPUS_BYTES + 1), "limit"),
        (b"", "empty"),
        (b"   \n\n\t  " * 50, "no visible"),
        (b"short text", "at least 200"),
        ("".join(chr(0x4E00 + i) for i in range(9000)).encode("utf-8"), "distinct"),
    ],
)
def test_bad_corpora_are_refused_with_a_reason(data, words):
    with pytest.raises(CorpusError, match=words):
        corpus_from_bytes(data)


def test_pasted_text_with_every_unicode_category_is_refused_as_binary():
    with pytest.raises(CorpusError, match="binary"):
        corpus_from_text(EVERY_CATEGORY * 10)
    with pytest.raises(CorpusError, match="binary"):  # it holds a NUL
        corpus_from_bytes((EVERY_CATEGORY * 10).encode("utf-8", "surrogatepass"))
    with pytest.raises(CorpusError, match="not UTF-8"):  # a lone surrogate written out is not UTF-8
        corpus_from_bytes(("To be, or not to be. " * 20 + "\ud800").encode("utf-8", "surrogatepass"))


def test_corpus_of_mixed_scripts_and_emoji_is_accepted():
    text = ("Hello, \u4e16\u754c! \u0645\u0631\u062d\u0628\u0627 \U0001f600 caf\u00e9\r\n") * 20
    corpus = corpus_from_bytes(b"\xef\xbb\xbf" + text.encode("utf-8"))
    assert corpus.text == text.replace("\r\n", "\n")
    assert corpus_from_text(text).text == corpus.text


@FUZZ
@given(
    st.one_of(
        st.binary(max_size=1200),
        st.text(ANY_CHAR, min_size=150, max_size=600).map(lambda t: t.encode("utf-8", "surrogatepass")),
        st.text(st.characters(codec="utf-8"), min_size=190, max_size=600).map(str.encode),
    )
)
def test_corpus_from_bytes_any_bytes(data):
    _corpus_or_error(data)


@FUZZ
@given(st.text(ANY_CHAR, min_size=0, max_size=600))
def test_corpus_from_text_any_string(text):
    try:
        corpus = corpus_from_text(text)
    except CorpusError as error:
        assert str(error) and "\n" not in str(error)
        return
    assert corpus.text.encode("utf-8")


# ----------------------------------------------------------------------------- generation primes


@pytest.fixture(scope="module")
def charlm():
    return load_charlm()


def test_hostile_primes_give_text_and_notes(charlm):
    vocab = set(charlm["lstm"].vocab.chars)
    for prime in [
        EVERY_CATEGORY,
        "",
        "\x00",
        "\ud800",
        "\U0001f600" * 10,
        "\u202eROMEO:",
        "ROMEO:\r\n",
        "x" * 20_000,
        "".join(chr(c) for c in range(0x20, 0x2000, 3)),
    ]:
        for predictor in charlm.values():
            run = predictor.stream(prime, length=8, temperature=0.8, seed=1)
            text = "".join(run)
            assert len(text) == 8 and set(text) <= vocab
            assert len(run.prime) <= 4000 and set(run.prime) <= vocab


@pytest.mark.skipif(not (WEIGHTS_DIR / "tang_lstm.keras").is_file(), reason="the shipped Tang models are missing")
def test_hostile_primes_and_titles_give_poems_and_notes():
    from cnnrnn.tasks.charlm.tang.data import SPECIALS
    from cnnrnn.tasks.charlm.tang.predict import load_tang

    poets = load_tang()
    writable = set(poets["lstm"].vocab.chars) - set(SPECIALS)
    for prime in [
        EVERY_CATEGORY,
        "",
        "\x00",
        "\ud800",
        "\U0001f600" * 10,
        "\u202e床前明月光，",
        "床前\r\n明月光，",
        "床" * 20_000,
        "".join(chr(c) for c in range(0x3000, 0x9000, 7)),
    ]:
        for poet in poets.values():
            run = poet.stream(prime, length=8, temperature=0.8, seed=1, title=prime[:50])
            text = "".join(run)
            assert len(text) <= 8 and set(text) <= writable
            assert len(run.prime) <= 90 and set(run.prime + run.title) <= writable


@FUZZ
@given(ANY_TEXT, st.integers(1, 40), st.floats(0, 3), st.integers(0, 100), st.integers(0, 2**31 - 1))
def test_generate_any_prime(charlm, prime, length, temperature, top_k, seed):
    predictor = charlm["lstm"]
    text = predictor.generate(prime, length=length, temperature=temperature, top_k=top_k, seed=seed)
    assert isinstance(text, str) and len(text) == length
    assert set(text) <= set(predictor.vocab.chars)


@FUZZ
@given(
    st.one_of(st.integers(), st.floats(allow_nan=True), st.text(max_size=5), st.none()),
    st.one_of(st.floats(allow_nan=True, allow_infinity=True), st.integers(-5, 5), st.text(max_size=3)),
)
def test_generation_settings_are_checked_with_a_value_error(charlm, length, temperature):
    predictor = charlm["cnn"]
    try:
        run = predictor.stream("ROMEO:", length=length, temperature=temperature)
    except ValueError as error:
        assert str(error) and "\n" not in str(error)
        return
    assert 1 <= run.length <= 100_000 and np.isfinite(run.temperature) and run.temperature >= 0


# ----------------------------------------------------------------------------- safety


def test_a_keras_file_with_a_lambda_layer_is_refused(tmp_path):
    import keras

    inputs = keras.Input((3,))
    outputs = keras.layers.Lambda(lambda x: x * 2.0)(inputs)
    path = tmp_path / "lambda.keras"
    keras.Model(inputs, outputs).save(path)
    with pytest.raises(ValueError, match="(?i)lambda|safe_mode"):
        load_model(path)
    # the same file loads with safe mode off: the refusal above is safe mode's doing
    unsafe = keras.saving.load_model(path, compile=False, safe_mode=False)
    assert float(unsafe(np.ones((1, 3), np.float32))[0, 0]) == 2.0


def test_shipped_weights_load_in_safe_mode():
    for task in all_tasks():  # each task's command line imports its models, registering their custom layers
        task.module("cli")
    for path in sorted(WEIGHTS_DIR.glob("*.keras")):
        assert load_model(path) is not None, path


def test_uploads_are_processed_in_memory(monkeypatch, tmp_path):
    """Reading an upload writes nothing: no file opened for writing, no temporary file made."""
    uploads = [
        _save(_digit("RGB"), "JPEG", exif=_exif(6)),
        HOSTILE["gif_200_frames"],
        HOSTILE["cmyk_tiff"],
        _save(_scene(), "PNG"),
    ]
    corpus = ("To be, or not to be, that is the question. " * 10).encode("utf-8")
    real_open, real_os_open = builtins.open, os.open
    written = []

    def guarded_open(file, mode="r", *args, **kwargs):
        if any(c in str(mode) for c in "wax+"):
            written.append(file)
        return real_open(file, mode, *args, **kwargs)

    def guarded_os_open(path, flags, *args, **kwargs):
        if flags & (os.O_WRONLY | os.O_RDWR | os.O_CREAT):
            written.append(path)
        return real_os_open(path, flags, *args, **kwargs)

    def no_temp(*args, **kwargs):
        written.append("tempfile")
        raise AssertionError("a temporary file was made")

    monkeypatch.setattr(builtins, "open", guarded_open)
    monkeypatch.setattr(io, "open", guarded_open)
    monkeypatch.setattr(os, "open", guarded_os_open)
    for name in ("NamedTemporaryFile", "TemporaryFile", "SpooledTemporaryFile", "mkstemp", "mkdtemp"):
        monkeypatch.setattr(tempfile, name, no_temp)
    monkeypatch.chdir(tmp_path)
    for data in uploads[:-1]:
        prepare_digit(data)
    prepare_scene(uploads[-1])
    corpus_from_bytes(corpus)
    assert written == []
    assert list(tmp_path.iterdir()) == []
