"""The image task under the fair-fight protocol: a stopped run continues from its checkpoint."""

from __future__ import annotations

from dataclasses import replace

import keras
import numpy as np
import pytest

from cnnrnn.core.seeds import RunSpec
from cnnrnn.tasks.digits.config import MNIST, MNIST_TINY
from cnnrnn.tasks.digits.data import load_mnist
from cnnrnn.tasks.digits.train import _DigitsRun, digits_protocol


class _Stop(Exception):
    pass


@pytest.mark.slow  # trains
def test_a_stopped_run_continues_from_its_checkpoint(tmp_path):
    """cnn_gap (batch normalisation frozen part-way, its optimizer rebuilt then): stopped after its first check,
    a new run of the same spec starts from the checkpoint (same weights, optimizer step, history, frozen layers)
    and finishes the steps."""
    config = replace(MNIST_TINY, checkpoint_seconds=0.0)
    splits = load_mnist(config.val_size, config.seed, config.max_train, config.max_test)
    spec = RunSpec("cnn_gap", 2e-3, 1, 6, tmp_path / "run")
    spec.folder.mkdir()

    def stop(line):
        if "step 3 " in line:
            raise _Stop

    first = _DigitsRun(spec, splits, config)
    with pytest.raises(_Stop):
        first.train(3, stop)
    assert first.frozen and first.done == 3
    resumed = _DigitsRun(spec, splits, config)
    assert resumed.done == 3 and resumed.frozen and resumed.history == first.history
    assert int(resumed.model.optimizer.iterations.numpy()) == int(first.model.optimizer.iterations.numpy())
    for a, b in zip(resumed.model.get_weights(), first.model.get_weights(), strict=True):
        np.testing.assert_array_equal(a, b)
    frozen = [layer.trainable for layer in resumed.model.layers if isinstance(layer, keras.layers.BatchNormalization)]
    assert frozen and not any(frozen)
    lines = []
    resumed.train(3, lines.append)
    assert [point["step"] for point in resumed.history] == [3, 6] and resumed.done == 6
    assert len(lines) == 1 and "step 6 " in lines[0]


def test_the_protocol_gives_every_compared_model_the_same_steps_and_batch():
    protocol = digits_protocol(MNIST, 55_000)
    assert protocol.steps == 430 * MNIST.epochs and protocol.batch_size == MNIST.batch_size
    assert protocol.grid_steps == round(protocol.steps * MNIST.grid_share)
    assert set(protocol.reduced) == set(MNIST.reduced)
    assert all(steps == round(protocol.steps * MNIST.reduced_share) for steps in protocol.reduced.values())
    assert ("cnn_fixed", "rnn_rows") in protocol.pairs
    only_two = digits_protocol(MNIST, 55_000, ["cnn_fixed", "rnn_rows"])
    assert only_two.pairs == (("cnn_fixed", "rnn_rows"),) and set(only_two.reduced) <= {"rnn_rows"}
