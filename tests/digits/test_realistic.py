"""Accuracy of the shipped cnn_fixed model on realistic generated digits, through cnnrnn.core.images.

Four sets from tests/support/digit_photos.py (canvas drawings, phone photos of handwriting on
paper, typed digits in many fonts and colours, and photos of a sheet of plain, lined or squared
paper lying on a dark or wooden table), generated with a seed that was
not used while tuning the preprocessing. Skipped when the shipped weights are
missing (`python -m cnnrnn train mnist` makes them).
"""

from __future__ import annotations

import digit_photos as digits
import numpy as np
import pytest

from cnnrnn.core.images import ImageError
from cnnrnn.core.predictor import load_model
from cnnrnn.core.weights import WEIGHTS_DIR
from cnnrnn.tasks.digits.model import ImagePredictor
from cnnrnn.tasks.digits.predict import weight_file
from cnnrnn.tasks.digits.prepare import prepare_digit

MODEL = WEIGHTS_DIR / weight_file("cnn_fixed")
N_PER_SET = 80  # per set; ~100+ per set were measured while tuning (see the report)
N_DESK = 50  # desk photos are the slowest to make and read; 150 per seed were measured while tuning
SEED = 2024  # the preprocessing was tuned on other seeds
TARGETS = {"drawn": 0.95, "photo": 0.95, "typed": 0.80, "desk": 0.95}  # desk: a sheet on a table

pytestmark = [
    pytest.mark.slow,  # the whole-suite tier: the shipped models read hundreds of generated photos of every kind
    pytest.mark.skipif(
        not MODEL.is_file(), reason=f"shipped weights missing ({MODEL}); run: python -m cnnrnn train mnist"
    ),
]


@pytest.fixture(scope="module")
def predictor():
    return ImagePredictor(load_model(MODEL))


@pytest.mark.parametrize("kind", list(TARGETS))
def test_accuracy_on_realistic_digits(predictor, kind):
    samples = digits.make_set(kind, N_PER_SET if kind != "desk" else N_DESK, seed=SEED)
    inputs, failed = [], []
    for sample in samples:
        try:
            inputs.append(prepare_digit(sample.source).model_input)
        except ImageError as error:  # counts as a wrong answer
            inputs.append(np.zeros((28, 28), np.float32))
            failed.append(f"{sample.name}: {error}")
    labels = np.array([s.label for s in samples])
    predicted = predictor(np.stack(inputs)).argmax(axis=1)
    accuracy = float((predicted == labels).mean())
    wrong = [f"{s.name}->{p}" for s, p in zip(samples, predicted) if p != s.label]
    assert accuracy >= TARGETS[kind], (
        f"{kind}: {accuracy:.1%} < {TARGETS[kind]:.0%}; wrong: {wrong[:12]}; not prepared: {failed[:5]}"
    )
