"""The image task's test fixtures: the shipped models, loaded once per test run."""

from __future__ import annotations

import pytest

from cnnrnn.tasks.digits.predict import load_predictors


@pytest.fixture(scope="session")
def image_predictors():
    """name -> ImagePredictor for the three shipped MNIST models (cnnrnn.tasks.digits.predict)."""
    return load_predictors()
