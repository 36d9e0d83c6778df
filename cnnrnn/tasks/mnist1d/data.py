"""MNIST-1D (Greydanus & Kobak, ICML 2024): the sequence lab's data, read or rebuilt, resampled and shifted.

Ten 12-point templates, one per digit, each padded with 36 to 60 zeros,
stretched to 72 points, scaled, rolled by up to 48 points, given correlated
noise where it is zero and white noise everywhere, sheared, and resampled to
40 points. The generator below draws its random numbers in the same order as
the `mnist1d` package (legacy NumPy RandomState, seed 42), so it rebuilds the
published 4,000 training and 1,000 test signals without that package, which
would pull in matplotlib and requests for plotting and downloading.
No TensorFlow here.
"""

from __future__ import annotations

import os
import pickle
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from cnnrnn.core.data import data_dir, sha256_file

MNIST1D_PICKLE = "mnist1d_data.pkl"
MNIST1D_SHA256 = "e95257676e9fb04568e46dda007da22cc8664ccba1451456afde55d7f6dd6aa5"
MNIST1D_SIZE = 40  # points per signal in the published data
MNIST1D_CLASSES = 10

# The published generation settings (mnist1d.data.get_dataset_args()).
MNIST1D_ARGS = {
    "num_samples": 5000,
    "train_split": 0.8,
    "template_len": 12,
    "padding": (36, 60),
    "scale_coeff": 0.4,
    "max_translation": 48,
    "corr_noise_scale": 0.25,
    "iid_noise_scale": 2e-2,
    "shear_scale": 0.75,
    "shuffle_seq": False,
    "final_seq_length": 40,
    "seed": 42,
}

_DIGIT_SHAPES = (
    (5, 6, 6.5, 6.75, 7, 7, 7, 7, 6.75, 6.5, 6, 5),
    (5, 3, 3, 3.4, 3.8, 4.2, 4.6, 5, 5.4, 5.8, 5, 5),
    (5, 6, 6.5, 6.5, 6, 5.25, 4.75, 4, 3.5, 3.5, 4, 5),
    (5, 6, 6.5, 6.5, 6, 5, 5, 6, 6.5, 6.5, 6, 5),
    (5, 4.4, 3.8, 3.2, 2.6, 2.6, 5, 5, 5, 5, 5, 5),
    (5, 3, 3, 3, 3, 5, 6, 6.5, 6.5, 6, 4.5, 5),
    (5, 4, 3.5, 3.25, 3, 3, 3, 3, 3.25, 3.5, 4, 5),
    (5, 7, 7, 6.6, 6.2, 5.8, 5.4, 5, 4.6, 4.2, 5, 5),
    (5, 4, 3.5, 3.5, 4, 5, 5, 4, 3.5, 3.5, 4, 5),
    (5, 4, 3.5, 3.5, 4, 5, 5, 5, 5, 4.7, 4.3, 5),
)


@dataclass(frozen=True)
class Mnist1dSplits:
    """MNIST-1D: signals float32 (n, length), labels int64 (n,); 4,000 train and 1,000 test.

    `t` (length,) float32 is the time axis the authors plot against.
    `shuffled` marks the variant whose points are permuted (one fixed permutation).
    """

    x_train: np.ndarray
    y_train: np.ndarray
    x_test: np.ndarray
    y_test: np.ndarray
    t: np.ndarray
    shuffled: bool
    source: str  # "generated (seed 42)" or the file read
    sha256: str  # of the file read; "" when generated


def mnist1d_templates() -> tuple[np.ndarray, np.ndarray]:
    """The ten digit templates (10, 12) float64, zero mean, unit spread / 6, starting at 0, and their time
    axis (12,)."""
    x = np.asarray(_DIGIT_SHAPES, np.float64)
    x = (x - x.mean(axis=1, keepdims=True)) / x.std(axis=1, keepdims=True)
    x = x - x[:, :1]
    return x / 6.0, np.linspace(-5, 5, x.shape[1]) / 6.0


def _stretch(values: np.ndarray, points: int) -> np.ndarray:
    """Linear resampling of `values` (n,) onto `points` evenly spaced positions over the same span."""
    return np.interp(np.linspace(0, 1, points), np.linspace(0, 1, len(values)), values)


def _stretch_rows(values: np.ndarray, points: int) -> np.ndarray:
    """`_stretch` of every row of `values` (n, m) at once, in their dtype (one grid, so one set of
    indices and weights; `resample_signals` is this on float32 signals)."""
    old, new = np.linspace(0.0, 1.0, values.shape[1]), np.linspace(0.0, 1.0, points)
    index = np.clip(np.searchsorted(old, new, side="right") - 1, 0, values.shape[1] - 2)
    weight = ((new - old[index]) / (old[index + 1] - old[index])).astype(values.dtype)
    return values[:, index] * (1 - weight) + values[:, index + 1] * weight


def _distort_all(
    templates: np.ndarray, t: np.ndarray, labels: np.ndarray, args: dict, rng: np.random.RandomState
) -> tuple[np.ndarray, np.ndarray]:
    """One training signal per label from its template: pad, stretch, scale, roll, noise, shear, resample.

    The random draws are made signal by signal, in the authors' order (so the seed gives their data);
    the arithmetic is done on all signals at once. Returns (signals (n, final_seq_length), time axis).
    """
    from scipy.ndimage import gaussian_filter1d

    low, high = args["padding"]
    length = args["template_len"] + high
    count = len(labels)
    zeros, scales, shifts = np.empty(count, np.int64), np.empty(count), np.empty(count, np.int64)
    correlated, independent = np.empty((count, length)), np.empty((count, length))
    slopes = np.empty(count)
    for row in range(count):
        zeros[row] = low + int(rng.rand() * (high - low + 1))
        scales[row] = 1 + args["scale_coeff"] * (rng.rand() - 0.5)
        shifts[row] = rng.choice(args["max_translation"])
        correlated[row] = rng.randn(length)
        independent[row] = rng.randn(length)
        slopes[row] = args["shear_scale"] * (rng.rand() - 0.5)
    # Each template padded with each number of zeros and stretched to `length` (a few hundred pairs).
    stretched = np.stack(
        [
            np.stack(
                [_stretch(np.concatenate([template + 1e-8, np.zeros(pad)]), length) for pad in range(low, high + 1)]
            )
            for template in templates
        ]
    )
    padded = stretched[labels, zeros - low] * scales[:, None]
    padded = padded[np.arange(count)[:, None], (np.arange(length)[None, :] - shifts[:, None]) % length]  # np.roll
    background = gaussian_filter1d(args["corr_noise_scale"] * correlated, 2, axis=1)
    signals = np.where(padded != 0, padded, background) + args["iid_noise_scale"] * independent
    signals = signals - slopes[:, None] * np.linspace(-0.5, 0.5, length)
    axis = _stretch(_stretch(t, length), args["final_seq_length"])
    return _stretch_rows(signals, args["final_seq_length"]), axis


def generate_mnist1d(shuffle_seq: bool = False, **overrides) -> dict:
    """Build MNIST-1D from its templates: {"x", "y", "x_test", "y_test", "t"} (float64, int64).

    With the published settings (`MNIST1D_ARGS`) this equals the authors' frozen
    pickle (to 1e-12). `shuffle_seq` permutes the points of every signal by one fixed
    permutation (the paper's shuffled variant: same signals, order destroyed).
    """
    args = {**MNIST1D_ARGS, **overrides, "shuffle_seq": bool(shuffle_seq)}
    rng = np.random.RandomState(args["seed"])
    templates, t = mnist1d_templates()
    per_class = args["num_samples"] // len(templates)
    labels = np.repeat(np.arange(len(templates), dtype=np.int64), per_class)
    signals, new_t = _distort_all(templates, t, labels, args, rng)
    order = rng.permutation(len(labels))
    x, y = signals[order], labels[order]
    if args["shuffle_seq"]:
        x = x[:, rng.permutation(args["final_seq_length"])]
    new_t = new_t / x.std()
    x = (x - x.mean()) / x.std()
    split = int(len(y) * args["train_split"])
    return {"x": x[:split], "y": y[:split], "x_test": x[split:], "y_test": y[split:], "t": new_t}


class _NumpyOnlyUnpickler(pickle.Unpickler):
    """pickle.Unpickler that resolves only the NumPy globals an array pickle needs (no code runs)."""

    ALLOWED = {
        ("numpy.core.multiarray", "_reconstruct"),
        ("numpy._core.multiarray", "_reconstruct"),
        ("numpy", "ndarray"),
        ("numpy", "dtype"),
        ("numpy.core.multiarray", "scalar"),
        ("numpy._core.multiarray", "scalar"),
    }

    def find_class(self, module, name):
        if (module, name) not in self.ALLOWED:
            raise pickle.UnpicklingError(f"the MNIST-1D file refers to {module}.{name}, which is not allowed")
        return super().find_class(module, name)


def read_mnist1d_pickle(path: str | os.PathLike) -> dict:
    """The frozen MNIST-1D pickle as a dict of arrays, loaded allowing only NumPy's array globals.

    Raises ValueError for a file that is not such a pickle.
    """
    try:
        with open(path, "rb") as handle:
            data = _NumpyOnlyUnpickler(handle).load()
    except (pickle.UnpicklingError, EOFError, AttributeError, ImportError, IndexError, TypeError) as error:
        raise ValueError(f"{Path(path).name} is not a readable MNIST-1D pickle ({error})") from None
    if not isinstance(data, dict) or not {"x", "y", "x_test", "y_test"} <= set(data):
        raise ValueError(f"{Path(path).name} does not hold MNIST-1D's x, y, x_test and y_test arrays")
    return data


def load_mnist1d(shuffled: bool = False, max_train: int | None = None, max_test: int | None = None) -> Mnist1dSplits:
    """MNIST-1D's 4,000 training and 1,000 test signals, float32 (n, 40), labels int64.

    The normal variant is read from `CNNRNN_DATA_DIR/mnist1d/mnist1d_data.pkl` when
    that file exists and is otherwise generated (identical, offline, under a
    second). The shuffled variant is always generated. `max_train`/`max_test`
    keep the first signals (tiny presets).
    """
    root = data_dir()
    path = root / "mnist1d" / MNIST1D_PICKLE if root is not None else None
    if not shuffled and path is not None and path.is_file():
        data, source, digest = read_mnist1d_pickle(path), str(path), sha256_file(path)
    else:
        data, source, digest = generate_mnist1d(shuffle_seq=shuffled), "generated (seed 42)", ""
    x_train, y_train = np.asarray(data["x"], np.float32), np.asarray(data["y"], np.int64)
    x_test, y_test = np.asarray(data["x_test"], np.float32), np.asarray(data["y_test"], np.int64)
    if max_train is not None:
        x_train, y_train = x_train[:max_train], y_train[:max_train]
    if max_test is not None:
        x_test, y_test = x_test[:max_test], y_test[:max_test]
    return Mnist1dSplits(
        x_train, y_train, x_test, y_test, np.asarray(data["t"], np.float32), bool(shuffled), source, digest
    )


def resample_signals(x: np.ndarray, length: int) -> np.ndarray:
    """Resample signals (n, L) to (n, length) float32 by linear interpolation over the same span."""
    x = np.asarray(x, np.float32)
    length = int(length)
    if length < 2:
        raise ValueError(f"a signal needs at least 2 points (got {length})")
    if x.shape[1] == length:
        return x.copy()
    return _stretch_rows(x, length)


def shift_signals(x: np.ndarray, shift: int, mode: str = "roll") -> np.ndarray:
    """Translate signals (n, L) by `shift` points (positive: later); float32.

    mode "roll" wraps the points around (as MNIST-1D's own translations do);
    "pad" fills the vacated points with zeros (the dataset's mean) and drops the others.
    """
    x = np.asarray(x, np.float32)
    shift = int(shift)
    if mode == "roll":
        return np.roll(x, shift, axis=1)
    if mode != "pad":
        raise ValueError(f"mode must be 'roll' or 'pad', not {mode!r}")
    out = np.zeros_like(x)
    if abs(shift) >= x.shape[1]:
        return out
    if shift >= 0:
        out[:, shift:] = x[:, : x.shape[1] - shift]
    else:
        out[:, :shift] = x[:, -shift:]
    return out
