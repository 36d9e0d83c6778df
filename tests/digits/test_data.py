"""Data loaders: the data directory, fixed seeded splits."""

import numpy as np
import pytest

from cnnrnn.core.data import data_dir
from cnnrnn.tasks.digits.data import load_mnist


def test_mnist_comes_from_the_data_directory_with_a_fixed_split():
    assert data_dir() is not None, "tests run with CNNRNN_DATA_DIR pointing at the shared mirror"
    first = load_mnist(val_size=5000, seed=1337)
    assert first.x_train.shape == (55000, 28, 28) and first.x_val.shape == (5000, 28, 28)
    assert first.x_test.shape == (10000, 28, 28) and first.x_train.dtype == np.uint8
    assert first.source.endswith("mnist.npz") and len(first.sha256) == 64
    again = load_mnist(val_size=5000, seed=1337)
    np.testing.assert_array_equal(first.y_val, again.y_val)
    other = load_mnist(val_size=5000, seed=7)
    assert not np.array_equal(first.y_val, other.y_val)
    assert np.bincount(first.y_test).tolist() == [980, 1135, 1032, 1010, 982, 892, 958, 1028, 974, 1009]


def test_missing_data_directory_is_a_clear_error(tmp_path, monkeypatch):
    monkeypatch.setenv("CNNRNN_DATA_DIR", str(tmp_path))
    with pytest.raises(FileNotFoundError, match="mnist.npz"):
        load_mnist()
