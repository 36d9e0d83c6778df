"""The digit pipeline's ink finder: the paper under its lighting, the ink as distance from it, the main strokes.

Used by `cnnrnn.tasks.digits.prepare`; every array is float32, values in [0, 1] unless said otherwise.
"""

from __future__ import annotations

import numpy as np
from scipy import ndimage as ndi

from cnnrnn.core.images import LUMA, ImageError, luma, resize, resize_free

MIN_CONTRAST = 0.08  # ink must differ from the paper by this much (0..1 scale) to count
DRAWN_BLACK = 0.5  # a drawing on black: at least this share of its pixels exactly black (a digit drawn on
# the 280 px canvas leaves 80-95% black; an MNIST digit scaled up to it, 59-90%)


def flatten_alpha(rgb: np.ndarray, alpha: np.ndarray, notes: list[str]) -> np.ndarray:
    """Composite over black or white, whichever contrasts with the visible strokes."""
    visible = alpha > 0.5
    if not visible.any():
        visible = alpha > 0
    if not visible.any():
        raise ImageError("No digit found: the image is completely transparent.")
    shown = float(np.average(luma(rgb)[visible], weights=alpha[visible]))
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
        correction = (
            np.stack([ndi.gaussian_filter(residual[..., c] * mask, sigma, mode="nearest") for c in range(3)], axis=-1)
            / np.maximum(m, 1e-3)[..., None]
        )
        confidence = np.clip(m / 0.2, 0.0, 1.0)[..., None]
        fit = fit + correction * confidence
    height, width = rgb.shape[:2]
    return np.stack([resize_free(fit[..., c], width, height) for c in range(3)], axis=-1)


def _kth_largest(values: np.ndarray, k: int) -> float:
    flat = values.ravel()
    k = int(min(max(k, 1), flat.size))
    return float(np.partition(flat, flat.size - k)[flat.size - k])


def no_digit() -> ImageError:
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
        raise no_digit()
    high = float(np.percentile(strength[stroke], 70))
    low_cut = max(noise_floor, 0.25 * high)
    high = max(high, low_cut + 1e-3)
    return np.clip((strength - low_cut) / (high - low_cut), 0.0, 1.0).astype(np.float32)


def _ink_strength(smooth: np.ndarray, background: np.ndarray, dark_ink: bool) -> np.ndarray:
    """Colour distance from the background; for dark ink relative to the paper's brightness."""
    diff = smooth - background
    dist = np.sqrt((diff**2).mean(axis=2))
    sign = -1.0 if dark_ink else 1.0
    strength = dist / np.maximum(background @ LUMA, 0.3) if dark_ink else dist
    # A change of brightness in the wrong direction (glare, a paper fold) is not ink.
    return np.where((diff @ LUMA) * sign < -0.5 * dist, 0.0, strength).astype(np.float32)


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
            channel = resize_free(channel, width, height)
        out.append(channel)
    env = np.stack(out, axis=-1)
    return np.maximum(env, smooth) if dark_ink else np.minimum(env, smooth)


def drawn_on_black(rgb: np.ndarray) -> bool:
    """Whether `rgb` (H, W, 3) floats in [0, 1] is a drawing on a flat black ground, as the app's canvas gives:
    grey levels only, and at least DRAWN_BLACK of its pixels exactly black. Such a picture has no paper, no
    lighting and no table to correct, so `find_ink` and the sheet finder have nothing to do."""
    if rgb.ndim != 3 or rgb.shape[2] != 3:
        return False
    red = rgb[..., 0]
    if np.count_nonzero(red == 0) < DRAWN_BLACK * red.size:  # cheap first: most photographs stop here
        return False
    return all(float(np.abs(rgb[..., c] - red).max()) <= 1.5 / 255 for c in (1, 2))


def find_ink(rgb: np.ndarray, drawn: bool | None = None) -> tuple[np.ndarray, np.ndarray, bool]:
    """(ink (H, W) float32 in [0, 1] light on dark, background (H, W, 3), dark_ink). drawn: whether `rgb` is
    `drawn_on_black`, where the caller already knows (None: look)."""
    large = max(rgb.shape[:2]) >= 256  # then a touch of denoising for camera noise and JPEG artefacts
    if drawn is None:
        drawn = drawn_on_black(rgb)
    if drawn:  # light strokes on a flat black ground: the ground is known, the ink is the light
        # (for grey pixels the colour distance from black is the grey level: one channel does for three)
        strength = rgb[..., 0].astype(np.float32)
        if large:
            strength = ndi.gaussian_filter(strength, 0.7)
        if _kth_largest(strength, max(16, strength.size // 5000)) < MIN_CONTRAST:
            raise no_digit()
        return _normalise_ink(strength), np.zeros_like(rgb), False
    smooth = rgb
    if large:
        smooth = np.stack([ndi.gaussian_filter(rgb[..., c], 0.7) for c in range(3)], axis=-1)
    # Pass 1: a smooth model of the paper: is there ink at all, is it dark or light, how wide?
    background = _estimate_background(rgb)
    diff = smooth - background
    dist = np.sqrt((diff**2).mean(axis=2))
    med = float(np.median(dist[::2, ::2]))
    peak = _kth_largest(dist, max(16, dist.size // 5000))
    if not np.isfinite(peak) or peak - med < MIN_CONTRAST:
        raise no_digit()
    lum_diff = diff @ LUMA
    candidates = dist > med + 0.5 * (peak - med)
    dark_vote = float(dist[candidates & (lum_diff < 0)].sum())
    light_vote = float(dist[candidates & (lum_diff > 0)].sum())
    dark_ink = dark_vote >= light_vote
    sure = max(dark_vote, light_vote) >= 5 * min(dark_vote, light_vote)
    rough_polarity = dark_ink
    rough = _normalise_ink(_ink_strength(smooth, background, dark_ink))
    # Pass 2: the paper's envelope, wider than the widest stroke: follows sharp shadows too.
    # (Capped: a wider one would also fill in shadows that fall as a band across the page.)
    width = stroke_width(rough, quantile=90)
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
        raise no_digit()  # what stood out was the light (a shadow's edge), not ink
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


def main_strokes(ink: np.ndarray) -> tuple[np.ndarray, int, int]:
    """Keep the digit's connected strokes: (ink, specks dropped, edge shapes dropped).

    The main component is the heaviest, with shapes touching the image's edge
    (shadow corners, the table beyond the paper) counting a quarter. Other
    components stay when they are heavy or close to it: the bar of a 5 or a 7,
    the two strokes of an open 4, a pen's broken line.
    """
    labels, count = ndi.label(ink > 0.35, structure=np.ones((3, 3), bool))
    if count == 0:
        raise no_digit()
    height, width = ink.shape
    masses = np.asarray(ndi.sum(ink, labels, np.arange(1, count + 1)), np.float64)
    boxes = ndi.find_objects(labels)
    at_edge = np.array([b[0].start == 0 or b[1].start == 0 or b[0].stop == height or b[1].stop == width for b in boxes])
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


def stroke_width(ink: np.ndarray, quantile: float = 50) -> float:
    """Stroke width in pixels of a float ink image: the `quantile` over its centre lines (0: no ink)."""
    core = ink > 0.5
    if not core.any():
        return 0.0
    inside = ndi.distance_transform_edt(core)
    ridge = core & (inside >= ndi.maximum_filter(inside, size=3))
    values = inside[ridge]
    return float(2 * np.percentile(values, quantile) - 1) if values.size else 0.0


def dilate(ink: np.ndarray, radius: float) -> np.ndarray:
    """Grow the strokes by `radius` pixels, with a soft (anti-aliased) edge."""
    core = ink > 0.5
    outside = ndi.distance_transform_edt(~core)
    return np.maximum(ink, np.clip(radius + 0.5 - outside, 0.0, 1.0)).astype(np.float32)


def square(crop: np.ndarray, aspect: str) -> np.ndarray:
    height, width = crop.shape
    if aspect == "pad":
        side = max(height, width)
        out = np.zeros((side, side), np.float32)
        top, left = (side - height) // 2, (side - width) // 2
        out[top : top + height, left : left + width] = crop
        return out
    if aspect == "stretch":
        side = max(height, width)
        return resize(crop, side, side, "bicubic")
    side = min(height, width)  # crop: keep the centre square
    top, left = (height - side) // 2, (width - side) // 2
    return np.ascontiguousarray(crop[top : top + side, left : left + side])
