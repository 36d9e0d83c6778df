"""Fixtures of the sentiment tests (the helpers are in tests/support/sentiment_support.py)."""

from __future__ import annotations

import pytest
from cli import run_cli
from sentiment_support import HAS_WEIGHTS


@pytest.fixture(scope="session")
def shipped():
    """The shipped predictors, loaded once per test run."""
    if not HAS_WEIGHTS:
        pytest.skip("shipped sentiment weights are missing")
    from cnnrnn.tasks.sentiment.predict import load_sentiment_predictors

    return load_sentiment_predictors()


@pytest.fixture(scope="session")
def tiny_run(tmp_path_factory):
    """One tiny training run through the command line: (weights dir, its manifest section, the JSON printed, stderr)."""
    import json

    from sentiment_support import HAS_DATA

    if not HAS_DATA:
        pytest.skip("CNNRNN_DATA_DIR with rt-polarity/ is not available")
    from cnnrnn.core.weights import read_manifest

    out = tmp_path_factory.mktemp("sentiment_weights")
    done = run_cli("train", "sentiment", "--preset", "tiny", "--out", str(out), timeout=600)
    assert done.returncode == 0, done.stderr[-3000:]
    return out, read_manifest(out)["sentiment"], json.loads(done.stdout), done.stderr
