"""Tests for cnnrnn.tasks.digits.prepare: upload -> MNIST-style model input (no TensorFlow needed)."""

from __future__ import annotations

import io

import digit_photos as digits
import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp
from PIL import Image, ImageFile
from scipy import ndimage as ndi

from cnnrnn.core import images
from cnnrnn.tasks.digits import prepare
from cnnrnn.tasks.digits.prepare import (
    ASPECTS,
    MAX_UPLOAD_BYTES,
    RESIZE_METHODS,
    ImageError,
    Prepared,
    prepare_digit,
    render_digit,
)

# ----------------------------------------------------------------------------- helpers


def strokes_mask(
    label: int, side: int = 200, height: float = 0.7, width: float = 0.08, seed: int = 0, centre=None
) -> np.ndarray:
    """A handwritten-style digit as a float mask (side, side) in [0, 1]."""
    rng = np.random.default_rng(seed)
    strokes, _ = digits.glyph_strokes(label, rng, wobble=0.0, jitter=0.0)
    centre = centre or (side / 2, side / 2)
    placed = digits.place_strokes(strokes, side * height, centre)
    return digits.draw_strokes(placed, side * width, (side, side))


def dark_on_light(mask: np.ndarray, ink=(0, 0, 0), paper=(255, 255, 255)) -> np.ndarray:
    m = mask[..., None]
    return np.rint(np.asarray(paper) * (1 - m) + np.asarray(ink) * m).astype(np.uint8)


def encode(array_or_image, fmt: str = "PNG", **kwargs) -> bytes:
    image = array_or_image if isinstance(array_or_image, Image.Image) else Image.fromarray(array_or_image)
    buf = io.BytesIO()
    image.save(buf, fmt, **kwargs)
    return buf.getvalue()


def ink_box(x: np.ndarray, level: float = 0.02) -> tuple[int, int]:
    """(height, width) of the box holding the pixels above `level`."""
    rows = np.flatnonzero(x.max(axis=1) > level)
    cols = np.flatnonzero(x.max(axis=0) > level)
    return rows[-1] - rows[0] + 1, cols[-1] - cols[0] + 1


def similarity(a: np.ndarray, b: np.ndarray) -> float:
    return float(np.corrcoef(a.ravel(), b.ravel())[0, 1])


def check_contract(p: Prepared, size: int = 28) -> None:
    assert isinstance(p, Prepared)
    x = p.model_input
    assert x.shape == (size, size) and x.dtype == np.float32
    assert np.isfinite(x).all() and x.min() >= 0.0 and x.max() <= 1.0
    assert x.max() > 0.5, "the digit should have bright ink"
    assert p.digit.ndim == 2 and p.digit.shape[0] == p.digit.shape[1] and p.digit.dtype == np.float32
    assert 0.0 <= p.digit.min() and p.digit.max() <= 1.0
    assert len(p.steps) >= 5
    for title, image in p.steps:
        assert isinstance(title, str) and title
        assert image.dtype == np.uint8
        assert image.ndim == 2 or (image.ndim == 3 and image.shape[2] == 3)
        assert max(image.shape[:2]) <= images.WORK_SIDE
    assert all(isinstance(note, str) for note in p.notes)


@pytest.fixture(scope="module")
def hostile():
    return digits.hostile_files()


# ----------------------------------------------------------------------------- contract and framing


def test_output_contract_and_polarity():
    mask = strokes_mask(7)
    p = prepare_digit(encode(dark_on_light(mask)))
    check_contract(p)
    x = p.model_input
    # MNIST polarity: mostly dark background, light ink where the strokes were.
    assert np.median(x) < 0.02 and x[0, 0] == 0 and x[-1, -1] == 0
    assert 0.05 < (x > 0.5).mean() < 0.4
    assert any(note.startswith("Inverted") for note in p.notes)


def test_dark_on_light_and_light_on_dark_agree():
    mask = strokes_mask(4, seed=3)
    dark = prepare_digit(encode(dark_on_light(mask)))
    light = prepare_digit(encode(dark_on_light(mask, ink=(255, 255, 255), paper=(0, 0, 0))))
    assert not any(note.startswith("Inverted") for note in light.notes)
    assert similarity(dark.model_input, light.model_input) > 0.97


@pytest.mark.parametrize("label", range(10))
def test_mnist_framing(label):
    # Off-centre on the canvas, yet centred by mass in the 28x28 frame, inside a 20x20 box.
    mask = strokes_mask(label, side=240, height=0.5, centre=(80, 150), seed=label)
    x = prepare_digit(encode(dark_on_light(mask))).model_input
    cy, cx = ndi.center_of_mass(x)
    assert abs(cy - 13.5) <= 1.0 and abs(cx - 13.5) <= 1.0
    height, width = ink_box(x)
    assert max(height, width) <= 20
    assert max(height, width) >= 18  # the longer side fills the box


@pytest.mark.parametrize("size", [8, 12, 16, 28, 56, 112])
def test_render_digit_sizes(size):
    p = prepare_digit(encode(dark_on_light(strokes_mask(2))))
    for source in (p, p.digit):
        x = render_digit(source, size)
        assert x.shape == (size, size) and x.dtype == np.float32
        assert 0.0 <= x.min() and x.max() <= 1.0
        box = round(size * 20 / 28)
        assert max(ink_box(x, 0.0)) <= box
        cy, cx = ndi.center_of_mass(x)
        assert abs(cy - (size - 1) / 2) <= max(1.0, size / 28) and abs(cx - (size - 1) / 2) <= max(1.0, size / 28)


def test_render_digit_accepts_non_square_and_rejects_bad_arguments():
    x = render_digit(np.ones((10, 30), np.float32), 28)
    assert ink_box(x) == (7, 20)
    with pytest.raises(ImageError, match="resize method"):
        render_digit(np.ones((10, 10)), 28, method="cubic")
    with pytest.raises(ImageError, match="size"):
        render_digit(np.ones((10, 10)), 0)
    with pytest.raises(ImageError):
        render_digit(np.ones(10), 28)


def test_prepare_digit_size_argument():
    p = prepare_digit(encode(dark_on_light(strokes_mask(5))), size=56)
    check_contract(p, size=56)


# ----------------------------------------------------------------------------- resize methods and aspect


def test_every_resize_method_works_and_they_differ():
    data = encode(dark_on_light(strokes_mask(8, side=400, width=0.03)))
    outs = {m: prepare_digit(data, method=m).model_input for m in RESIZE_METHODS}
    for method, x in outs.items():
        assert x.shape == (28, 28) and 0 <= x.min() and x.max() <= 1, method
    for a in RESIZE_METHODS:
        for b in RESIZE_METHODS:
            if a < b:
                assert not np.allclose(outs[a], outs[b]), (a, b)
            if a != b:
                assert similarity(outs[a], outs[b]) > 0.8, (a, b)  # all still the same digit

    def grey_share(x):  # share of ink pixels that are neither background nor full ink
        ink = x > 0.05
        return float(((x > 0.05) & (x < 0.95)).sum() / max(ink.sum(), 1))

    # Nearest picks pixels (hard edges); area averages them (soft edges).
    assert grey_share(outs["nearest"]) < grey_share(outs["area"])
    assert grey_share(outs["nearest"]) < grey_share(outs["lanczos"])


def test_unknown_method_or_aspect_is_an_image_error():
    data = encode(dark_on_light(strokes_mask(1)))
    with pytest.raises(ImageError, match="resize method"):
        prepare_digit(data, method="cubic")
    with pytest.raises(ImageError, match="aspect"):
        prepare_digit(data, aspect="fit")


def test_aspects_on_a_tall_narrow_digit():
    rng = np.random.default_rng(0)  # a plain "1": tall and thin
    strokes, _ = digits.glyph_strokes(1, rng, style="plain", wobble=0.0, jitter=0.0)
    data = encode(dark_on_light(digits.draw_strokes(digits.place_strokes(strokes, 240, (150, 150)), 16, (300, 300))))
    out = {a: prepare_digit(data, aspect=a) for a in ASPECTS}
    for aspect, p in out.items():
        check_contract(p)
        assert p.digit.shape[0] == p.digit.shape[1], aspect
    pad_h, pad_w = ink_box(out["pad"].model_input, 0.3)
    stretch_h, stretch_w = ink_box(out["stretch"].model_input, 0.3)
    crop_h, crop_w = ink_box(out["crop"].model_input, 0.3)
    assert pad_h >= 18 and pad_w <= 6  # kept its shape: tall and thin
    assert stretch_h >= 18 and stretch_w >= 18  # stretched into a block
    assert crop_h >= 18 and crop_w > 2 * pad_w  # a close-up of the stroke's middle
    assert any("crop" in n for n in out["crop"].notes)
    assert any("stretch" in n for n in out["stretch"].notes)


def test_aspects_agree_on_a_square_digit():
    yy, xx = np.mgrid[0:200, 0:200]
    radius = np.hypot(yy - 100, xx - 100)
    ring = np.clip(1 - np.abs(radius - 60) / 8, 0, 1)  # a round "0", its box square
    data = encode(dark_on_light(ring))
    outs = [prepare_digit(data, aspect=a).model_input for a in ASPECTS]
    assert similarity(outs[0], outs[1]) > 0.95
    assert similarity(outs[0], outs[2]) > 0.95


# ----------------------------------------------------------------------------- real-world inputs


def test_exif_orientation_is_applied():
    upright = dark_on_light(strokes_mask(7, seed=5))
    reference = prepare_digit(encode(upright, "JPEG", quality=92)).model_input
    for tag, inverse in (
        (6, Image.Transpose.ROTATE_90),
        (8, Image.Transpose.ROTATE_270),
        (3, Image.Transpose.ROTATE_180),
    ):
        stored = Image.fromarray(upright).transpose(inverse)
        exif = Image.Exif()
        exif[0x0112] = tag
        with_tag = prepare_digit(encode(stored, "JPEG", quality=92, exif=exif.tobytes()))
        without_tag = prepare_digit(encode(stored, "JPEG", quality=92)).model_input
        assert similarity(with_tag.model_input, reference) > 0.95, tag
        assert similarity(without_tag, reference) < 0.8, tag
        assert any("EXIF" in note for note in with_tag.notes)


def test_transparent_canvas_with_white_strokes():
    mask = strokes_mask(3, side=280, width=0.06)
    rgba = np.zeros((280, 280, 4), np.uint8)
    rgba[..., :3] = 255  # white strokes; the colour under alpha 0 is white as well
    rgba[..., 3] = np.rint(mask * 255).astype(np.uint8)
    white = prepare_digit(rgba)
    check_contract(white)
    assert any("over black" in note for note in white.notes)
    rgba_black = rgba.copy()
    rgba_black[..., :3] = 0  # black strokes on a transparent canvas
    black = prepare_digit(rgba_black)
    assert any("over white" in note for note in black.notes)
    plain = prepare_digit(encode(dark_on_light(mask))).model_input
    assert similarity(white.model_input, plain) > 0.97
    assert similarity(black.model_input, plain) > 0.97
    # The same canvas as a PNG upload.
    assert similarity(prepare_digit(encode(rgba)).model_input, plain) > 0.97


@pytest.mark.parametrize("width", [18, 40, 60])  # the page's brush widths, and two widest strokes side by side
def test_a_thick_one_drawn_on_the_canvas_is_ink_not_a_sheet_of_paper(width):
    """A light bar on the black canvas is light, neutral and rectangular like a sheet on a dark table; a sheet
    of those proportions (190 x 60 px) is not paper, and the bar is the digit."""
    rgba = np.zeros((280, 280, 4), np.uint8)
    rgba[..., 3] = 255
    rgba[45:235, 110 : 110 + width, :3] = 255
    prepared = prepare_digit(rgba)
    check_contract(prepared)
    assert not any("Sheet" in title for title, _ in prepared.steps)
    digit = prepared.model_input
    columns = digit.sum(axis=0)
    assert digit.max() > 0.9 and (columns > 0.5).sum() <= 14, "one upright bar, as MNIST frames a 1"


def test_a_drawing_on_black_skips_the_photo_steps_and_reads_as_the_photo_pipeline_does(monkeypatch):
    """The canvas's drawings (light strokes on flat black) need no sheet finder and no lighting model: the
    audience room reads a hundred of them a minute. The short path must frame them as the full one does."""
    from cnnrnn.tasks.digits import ink

    drawings = []
    for digit in range(10):
        mask = strokes_mask(digit, side=280, width=0.06, seed=digit)
        rgba = np.zeros((280, 280, 4), np.uint8)
        rgba[..., :3] = np.rint(mask * 255).astype(np.uint8)[..., None]
        rgba[..., 3] = 255
        drawings.append(rgba)
    assert all(ink.drawn_on_black(images.float_pixels(Image.fromarray(d))[0]) for d in drawings)
    short = [prepare_digit(d).model_input for d in drawings]
    monkeypatch.setattr(ink, "drawn_on_black", lambda rgb: False)
    monkeypatch.setattr(prepare, "drawn_on_black", lambda rgb: False)
    full = [prepare_digit(d).model_input for d in drawings]
    assert all(similarity(a, b) > 0.99 for a, b in zip(short, full))


def test_photos_and_coloured_drawings_take_the_full_path():
    from cnnrnn.tasks.digits import ink

    mask = strokes_mask(4, side=280, width=0.06)
    photo = dark_on_light(mask).astype(np.float32) / 255
    assert not ink.drawn_on_black(photo)  # dark ink on light paper
    inverted = 1.0 - photo
    assert ink.drawn_on_black(inverted)
    noisy = np.clip(inverted + np.random.default_rng(0).normal(0, 0.01, inverted.shape), 0, 1)
    assert not ink.drawn_on_black(noisy)  # a photo of a blackboard: no flat black
    red = inverted.copy()
    red[..., 1:] = 0
    assert not ink.drawn_on_black(red)  # not grey: coloured strokes


def test_fully_transparent_canvas_is_an_error():
    with pytest.raises(ImageError, match="transparent"):
        prepare_digit(np.zeros((280, 280, 4), np.uint8))


def test_coloured_ink_on_coloured_paper_with_uneven_light():
    mask = strokes_mask(5, side=400, width=0.03, seed=4)
    plain = prepare_digit(encode(dark_on_light(mask))).model_input
    yy, xx = np.mgrid[0:400, 0:400] / 400.0
    light = (1.05 - 0.45 * xx - 0.2 * yy)[..., None]  # dark on the right
    for ink, paper in (
        ((200, 30, 30), (250, 235, 140)),
        ((30, 40, 150), (250, 200, 215)),
        ((20, 110, 50), (200, 225, 250)),
    ):
        photo = dark_on_light(mask, ink, paper) * light
        photo += np.random.default_rng(0).normal(0, 4, photo.shape)
        x = prepare_digit(encode(np.clip(photo, 0, 255).astype(np.uint8), "JPEG", quality=80)).model_input
        assert similarity(x, plain) > 0.9, (ink, paper)


def test_specks_are_ignored():
    mask = strokes_mask(9, side=300, height=0.5, seed=6)
    clean = prepare_digit(encode(dark_on_light(mask))).model_input
    dirty = mask.copy()
    rng = np.random.default_rng(1)
    for y, x in rng.integers(5, 295, size=(25, 2)):
        if mask[max(0, y - 30) : y + 30, max(0, x - 30) : x + 30].max() == 0:
            dirty[y : y + 3, x : x + 3] = 1.0
    p = prepare_digit(encode(dark_on_light(dirty)))
    assert any("speck" in note for note in p.notes)
    assert similarity(p.model_input, clean) > 0.97


def test_thin_strokes_are_thickened():
    thin = strokes_mask(6, side=500, width=0.006)  # a 3 px line on a 350 px tall digit
    p = prepare_digit(encode(dark_on_light(thin)))
    assert any("Thickened" in note for note in p.notes)
    x = p.model_input
    assert (x > 0.5).sum() >= 40  # a real stroke, not a faint hairline


def test_large_photo_is_worked_on_a_small_copy():
    rng = np.random.default_rng(0)
    mask = np.asarray(Image.fromarray(strokes_mask(2, side=400)).resize((1200, 1200)))
    photo = np.full((3000, 4000, 3), 230, np.uint8)
    photo[900:2100, 1400:2600] = dark_on_light(mask, paper=(230, 230, 230))
    photo = np.clip(photo + rng.normal(0, 3, (3000, 4000, 1)), 0, 255).astype(np.uint8)
    p = prepare_digit(encode(photo, "JPEG", quality=85))
    check_contract(p)
    assert any("4000x3000" in note for note in p.notes)


def test_numpy_inputs():
    mask = strokes_mask(3)
    reference = prepare_digit(mask).model_input  # (H, W) float in [0, 1], light on dark
    grey = dark_on_light(mask)[..., 0]
    for source in (
        grey,
        np.stack([grey] * 3, -1),
        grey[..., None],
        grey.astype(np.float64) / 255,
        grey.astype(np.uint16) * 257,
        mask > 0.5,
        (mask * 1000).astype(np.int32),
    ):
        p = prepare_digit(source)
        check_contract(p)
        assert similarity(p.model_input, reference) > 0.9
    rgba = np.dstack([dark_on_light(mask), np.full(mask.shape, 255, np.uint8)])
    assert similarity(prepare_digit(rgba).model_input, reference) > 0.97
    assert similarity(prepare_digit(Image.fromarray(grey)).model_input, reference) > 0.97


@pytest.mark.parametrize(
    "bad, message",
    [
        (np.zeros((10, 10, 5), np.uint8), "shape"),
        (np.zeros(100, np.uint8), "shape"),
        (np.full((20, 20), np.nan), "NaN"),
        (np.zeros((4, 4), np.uint8), "at least"),
        (np.array([["a"] * 10] * 10), "numbers"),
        (np.zeros((20, 20), np.complex64), "complex"),
    ],
)
def test_bad_arrays(bad, message):
    with pytest.raises(ImageError, match=message):
        prepare_digit(bad)


def test_unsupported_source_type():
    with pytest.raises(ImageError, match="Cannot read"):
        prepare_digit(12345)


def test_file_like_sources():
    data = encode(dark_on_light(strokes_mask(2)))

    class Uploaded:  # like Streamlit's UploadedFile
        def getvalue(self):
            return data

    check_contract(prepare_digit(Uploaded()))
    check_contract(prepare_digit(io.BytesIO(data)))
    check_contract(prepare_digit(bytearray(data)))


# ----------------------------------------------------------------------------- bad and awkward files


@pytest.mark.parametrize(
    "name, message",
    [
        ("empty.png", "empty"),
        ("random.bin", "not an image"),
        ("text.txt", "not an image"),
        ("truncated.png", "damaged or truncated"),
        ("truncated.jpg", "damaged or truncated"),
        ("one_pixel.png", "at least 8 pixels"),
        ("huge_20000.png", "megapixels"),
        ("huge_8000x6000.png", "megapixels"),
        ("blank_white.png", "No digit found"),
        ("blank_paper.jpg", "No digit found"),
        ("blank_photo_0.jpg", "No digit found"),
        ("blank_photo_1.jpg", "No digit found"),
        ("blank_photo_2.jpg", "No digit found"),
    ],
)
def test_bad_files_give_a_clear_error(hostile, name, message):
    with pytest.raises(ImageError, match=message) as info:
        prepare_digit(hostile[name])
    text = str(info.value)
    assert "\n" not in text and 10 < len(text) < 200


@pytest.mark.parametrize(
    "name, note",
    [
        ("animated.gif", "Animated GIF: used the first of"),
        ("pages.tiff", "Multi-page TIFF: used the first of 3 pages"),
        ("cmyk.jpg", "CMYK"),
        ("deep16.png", "16-bit"),
        ("palette.png", None),
        ("grey_alpha.png", None),
        ("one_bit.png", None),
        ("bitmap.bmp", None),
        ("webp.webp", None),
    ],
)
def test_awkward_formats_work(hostile, name, note):
    p = prepare_digit(hostile[name])
    check_contract(p)
    if note:
        assert any(n.startswith(note) for n in p.notes), p.notes


def test_sixteen_bit_matches_eight_bit():
    grey = dark_on_light(strokes_mask(2))[..., 0]
    eight = prepare_digit(encode(grey)).model_input
    sixteen = prepare_digit(encode(Image.fromarray(grey.astype(np.uint16) * 257))).model_input
    assert np.abs(eight - sixteen).max() < 0.02


def test_oversized_upload_is_refused_unread():
    with pytest.raises(ImageError, match="limit"):
        prepare_digit(b"\x89PNG" + bytes(MAX_UPLOAD_BYTES))


def test_huge_dimensions_are_refused_before_decoding(hostile, monkeypatch):
    def no_decoding(self):
        raise AssertionError("pixel data was decoded")

    monkeypatch.setattr(ImageFile.ImageFile, "load", no_decoding)
    for name in ("huge_20000.png", "huge_8000x6000.png"):
        with pytest.raises(ImageError, match="megapixels"):
            prepare_digit(hostile[name])
    with pytest.raises(ImageError, match="megapixels"):
        prepare_digit(digits.png_header_only(7000, 7000))


def test_pillow_decompression_bomb_error_is_wrapped(monkeypatch):
    monkeypatch.setattr(Image, "MAX_IMAGE_PIXELS", 1000)  # 100x100 is now a "bomb" to Pillow
    with pytest.raises(ImageError, match="refused"):
        prepare_digit(encode(dark_on_light(strokes_mask(1, side=100))))


def test_unexpected_decoder_exceptions_are_wrapped(monkeypatch):
    def broken(self):
        raise RuntimeError("decoder exploded")

    monkeypatch.setattr(ImageFile.ImageFile, "load", broken)
    with pytest.raises(ImageError, match="could not be decoded"):
        prepare_digit(encode(dark_on_light(strokes_mask(1))))


# ----------------------------------------------------------------------------- the generated sets


# Desk photos are the slowest to make: the whole-suite tier (a desk photo is prepared in the quick tier by
# test_a_sheet_on_a_table_is_found_turned_upright_and_shown).
@pytest.mark.parametrize(
    "kind", [pytest.param(kind, marks=pytest.mark.slow) if kind == "desk" else kind for kind in digits.SETS]
)
def test_generated_samples_prepare(kind):
    for sample in digits.make_set(kind, 10, seed=123):
        p = prepare_digit(sample.source)
        check_contract(p)
        cy, cx = ndi.center_of_mass(p.model_input)
        assert abs(cy - 13.5) <= 1.0 and abs(cx - 13.5) <= 1.0, sample.name


def test_a_sheet_on_a_table_is_found_turned_upright_and_shown():
    """The desk photo's steps show the sheet found, then the sheet alone; plain photos never do."""
    sample = digits.desk_sample(np.random.default_rng(5), 4, ruling="lined", table="oak", tilt=18.0)
    p = prepare_digit(sample.source)
    titles = [title for title, _ in p.steps]
    assert titles[1] == "Sheet found on the table" and titles[2].startswith("The sheet alone, turned ")
    assert any(note.startswith("Found a sheet of paper on the table: turned 1") for note in p.notes), p.notes
    check_contract(p)
    # Paper filling the frame (shadows and all), typed digits and canvases: no sheet to find.
    for kind in ("photo", "typed", "drawn"):
        for other in digits.make_set(kind, 6, seed=321):
            assert "Sheet found on the table" not in [t for t, _ in prepare_digit(other.source).steps], other.name


@pytest.mark.parametrize("tag", [3, 6, 8])
def test_generated_photo_with_exif_tag_matches_the_upright_one(tag):
    def photo(orientation):  # the same scene, stored upright or rotated with a tag
        return digits.photo_sample(
            np.random.default_rng(11), 7, use_mnist=False, size=(900, 700), orientation=orientation
        ).source

    tagged = prepare_digit(photo(tag))
    assert any("EXIF" in note for note in tagged.notes)
    assert similarity(tagged.model_input, prepare_digit(photo(1)).model_input) > 0.95


def test_built_in_samples():
    from pathlib import Path

    folder = Path(prepare.__file__).parent / "samples"
    files = sorted(p for p in folder.glob("*") if p.suffix in (".png", ".jpg"))
    assert len(files) >= 6
    for path in files:
        assert path.stat().st_size < 60_000, path.name
        assert path.stem.rsplit("_", 1)[-1].isdigit(), path.name
        check_contract(prepare_digit(path.read_bytes()))


# ----------------------------------------------------------------------------- never another exception

_MAGIC = [b"", b"\x89PNG\r\n\x1a\n", b"\xff\xd8\xff", b"GIF89a", b"BM", b"II*\x00", b"MM\x00*", b"RIFF"]


def _prepare_or_error(source):
    try:
        return prepare_digit(source)
    except ImageError as error:
        assert str(error) and "\n" not in str(error)
        return None


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.sampled_from(_MAGIC), st.binary(max_size=600))
def test_arbitrary_bytes_never_raise_anything_else(magic, rest):
    result = _prepare_or_error(magic + rest)
    assert result is None or isinstance(result, Prepared)


_valid = encode(dark_on_light(strokes_mask(3, side=60)))


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.integers(0, len(_valid) - 1), st.integers(0, 255), st.integers(1, len(_valid)))
def test_corrupted_png_never_raises_anything_else(position, value, cut):
    data = bytearray(_valid[:cut])
    if position < len(data):
        data[position] = value
    result = _prepare_or_error(bytes(data))
    assert result is None or isinstance(result, Prepared)


_shapes = st.one_of(
    hnp.array_shapes(min_dims=2, max_dims=2, min_side=1, max_side=40),
    st.tuples(st.integers(1, 40), st.integers(1, 40), st.sampled_from([1, 2, 3, 4, 5])),
)


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(hnp.arrays(st.sampled_from([np.uint8, np.float32, np.float64, np.int16, np.bool_]), _shapes))
def test_arbitrary_arrays_never_raise_anything_else(array):
    result = _prepare_or_error(array)
    assert result is None or isinstance(result, Prepared)
    if result is not None:
        check_contract(result)
