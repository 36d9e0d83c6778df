"""The sequence lab's models, their predictor and the page's live runs."""

from __future__ import annotations

import numpy as np
import pytest


def test_models_take_the_lengths_they_should():
    from cnnrnn.tasks.mnist1d.config import MNIST1D_TINY
    from cnnrnn.tasks.mnist1d.model import MNIST1D_NAMES, SignalPredictor, build_mnist1d

    rng = np.random.default_rng(0)
    for name in MNIST1D_NAMES:
        predictor = SignalPredictor(build_mnist1d(name, MNIST1D_TINY))
        probs = predictor(rng.standard_normal((3, 40)))
        assert probs.shape == (3, 10)
        np.testing.assert_allclose(probs.sum(axis=1), 1.0, atol=1e-5)
        if name in ("cnn", "gru"):
            for length in (20, 160):
                assert predictor.predict_one(rng.standard_normal(length)).shape == (10,)
            assert predictor.traces == 1, "every length runs on one trace"
        else:
            with pytest.raises(ValueError, match="40 points"):
                predictor(rng.standard_normal((1, 41)))
    with pytest.raises(ValueError, match="unknown"):
        build_mnist1d("transformer")


def test_live_run_choices_are_checked():
    from cnnrnn.tasks.mnist1d.data import load_mnist1d
    from cnnrnn.tasks.mnist1d.train import start_mnist1d_run

    splits = load_mnist1d(max_train=32, max_test=16)
    for kwargs, message in [
        ({"epochs": 0}, "epochs"),
        ({"epochs": 500}, "epochs"),
        ({"width": 0}, "width"),
        ({"learning_rate": -1}, "learning rate"),
        ({"epochs": "many"}, "whole numbers"),
    ]:
        args = {"epochs": 2, "learning_rate": 0.01, "width": 8, **kwargs}
        with pytest.raises(ValueError, match=message):
            start_mnist1d_run("cnn", splits, **args)
    with pytest.raises(ValueError, match="unknown model"):
        start_mnist1d_run("svm", splits, epochs=1, learning_rate=0.01, width=8)


def test_a_cnn_learns_in_two_epochs():
    from cnnrnn.tasks.mnist1d.data import load_mnist1d
    from cnnrnn.tasks.mnist1d.train import start_mnist1d_run

    run = start_mnist1d_run("cnn", load_mnist1d(), epochs=2, learning_rate=0.01, width=16)
    first = run.train_epoch()
    second = run.train_epoch()
    assert run.done and run.history["epoch"] == [1, 2]
    assert second["loss"] < first["loss"]
    assert run.test_accuracy > 0.5, "well above chance (0.1) after two epochs"
    with pytest.raises(ValueError, match="already trained"):
        run.train_epoch()
