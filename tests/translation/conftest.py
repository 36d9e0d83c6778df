"""Translation test fixtures: a tiny trained set of weights (once per session), the shipped translators."""

from __future__ import annotations

import pytest
from translation_support import HAS_WEIGHTS

from cnnrnn.core.data import data_dir


@pytest.fixture(scope="session")
def tiny_weights(tmp_path_factory):
    """The tiny preset trained into a temporary folder: (folder, what train_translation returned)."""
    if data_dir() is None:
        pytest.skip("needs CNNRNN_DATA_DIR (the fra-eng pairs)")
    from cnnrnn.tasks.translation.config import TRANSLATION_TINY
    from cnnrnn.tasks.translation.train import train_translation

    out = tmp_path_factory.mktemp("translation_tiny")
    summary = train_translation(TRANSLATION_TINY, out, log=lambda message: None)
    return out, summary


@pytest.fixture(scope="session")
def shipped():
    if not HAS_WEIGHTS:
        pytest.skip("shipped translation weights are missing")
    from cnnrnn.tasks.translation.predict import load_translators

    return load_translators()
