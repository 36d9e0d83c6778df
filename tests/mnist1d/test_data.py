"""The sequence lab's data: MNIST-1D rebuilt from its templates, read safely, resampled and shifted."""

from __future__ import annotations

import os
import pickle
from pathlib import Path

import numpy as np
import pytest


def _frozen_pickle() -> Path | None:
    root = os.environ.get("CNNRNN_DATA_DIR")
    path = Path(root) / "mnist1d" / "mnist1d_data.pkl" if root else None
    return path if path is not None and path.is_file() else None


@pytest.fixture(scope="module")
def generated():
    from cnnrnn.tasks.mnist1d.data import generate_mnist1d

    return generate_mnist1d()


def test_generated_data_equals_the_frozen_pickle(generated):
    path = _frozen_pickle()
    if path is None:
        pytest.skip("the MNIST-1D pickle is not in CNNRNN_DATA_DIR")
    from cnnrnn.core.data import sha256_file
    from cnnrnn.tasks.mnist1d.data import MNIST1D_SHA256, read_mnist1d_pickle

    assert sha256_file(path) == MNIST1D_SHA256
    frozen = read_mnist1d_pickle(path)
    assert generated["x"].shape == (4000, 40) and generated["x_test"].shape == (1000, 40)
    for key in ("y", "y_test"):
        assert np.array_equal(generated[key], frozen[key])
    for key in ("x", "x_test", "t"):
        np.testing.assert_allclose(generated[key], frozen[key], rtol=0, atol=1e-12)


def test_shuffled_variant_is_one_fixed_permutation_of_the_points(generated):
    from cnnrnn.tasks.mnist1d.data import generate_mnist1d

    shuffled = generate_mnist1d(shuffle_seq=True)
    assert np.array_equal(shuffled["y"], generated["y"])
    # Find, for each shuffled column, the original column it came from: it must match on every signal.
    both = np.concatenate([generated["x"], generated["x_test"]])
    moved = np.concatenate([shuffled["x"], shuffled["x_test"]])
    perm = [int(np.argmin(np.abs(both - moved[:, [j]]).max(axis=0))) for j in range(40)]
    assert sorted(perm) == list(range(40)) and perm != list(range(40))
    np.testing.assert_allclose(moved, both[:, perm], atol=1e-12)


def test_load_mnist1d_reads_the_data_dir_and_caps(monkeypatch):
    from cnnrnn.tasks.mnist1d.data import load_mnist1d

    splits = load_mnist1d(max_train=50, max_test=20)
    assert splits.x_train.shape == (50, 40) and splits.x_train.dtype == np.float32
    assert splits.y_test.shape == (20,) and splits.y_test.dtype == np.int64
    assert set(np.unique(load_mnist1d().y_test)) == set(range(10))
    if _frozen_pickle() is not None:
        assert splits.sha256 and splits.source.endswith("mnist1d_data.pkl")
    monkeypatch.setenv("CNNRNN_DATA_DIR", "/nonexistent-dir")
    fallback = load_mnist1d(max_train=5)  # no file there: generated instead
    assert fallback.source.startswith("generated") and fallback.sha256 == ""


class _Evil:
    def __reduce__(self):
        return (os.system, ("echo pwned",))


def test_pickle_loader_refuses_anything_but_numpy_arrays(tmp_path, monkeypatch):
    from cnnrnn.tasks.mnist1d.data import load_mnist1d, read_mnist1d_pickle

    evil = tmp_path / "mnist1d" / "mnist1d_data.pkl"
    evil.parent.mkdir()
    evil.write_bytes(pickle.dumps({"x": _Evil()}, protocol=3))
    with pytest.raises(ValueError, match="not allowed"):
        read_mnist1d_pickle(evil)
    monkeypatch.setenv("CNNRNN_DATA_DIR", str(tmp_path))
    with pytest.raises(ValueError, match="not allowed"):
        load_mnist1d()
    evil.write_bytes(pickle.dumps({"x": np.zeros(3)}, protocol=3))
    with pytest.raises(ValueError, match="x_test"):
        read_mnist1d_pickle(evil)
    evil.write_bytes(b"not a pickle")
    with pytest.raises(ValueError):
        read_mnist1d_pickle(evil)


def test_resample_and_shift_signals():
    from cnnrnn.tasks.mnist1d.data import resample_signals, shift_signals

    x = np.stack([np.linspace(0, 1, 40), np.linspace(1, 0, 40)]).astype(np.float32)
    longer = resample_signals(x, 79)
    assert longer.shape == (2, 79) and longer.dtype == np.float32
    np.testing.assert_allclose(longer[0], np.linspace(0, 1, 79), atol=1e-6)  # a line stays a line
    np.testing.assert_allclose(resample_signals(longer, 40), x, atol=1e-6)
    with pytest.raises(ValueError):
        resample_signals(x, 1)
    ramp = np.arange(5, dtype=np.float32)[None]
    assert shift_signals(ramp, 2, "pad").tolist() == [[0, 0, 0, 1, 2]]
    assert shift_signals(ramp, -2, "pad").tolist() == [[2, 3, 4, 0, 0]]
    assert shift_signals(ramp, 2, "roll").tolist() == [[3, 4, 0, 1, 2]]
    assert not shift_signals(ramp, 9, "pad").any()
