"""What the translation tests share: whether the shipped weights and the data are here."""

from __future__ import annotations

import pytest

from cnnrnn.core.data import data_dir
from cnnrnn.core.weights import have_files
from cnnrnn.tasks.translation.predict import shipped_files

HAS_WEIGHTS = have_files(shipped_files())
needs_data = pytest.mark.skipif(data_dir() is None, reason="needs CNNRNN_DATA_DIR (the fra-eng pairs)")
needs_weights = pytest.mark.skipif(not HAS_WEIGHTS, reason="shipped translation weights are missing")
