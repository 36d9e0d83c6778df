"""What other tasks may use of the Image CNN task (no Streamlit): its models, their names, and the digit pipeline.

The audience room reads phones' digits with these. `image_predictors()` loads the three shipped MNIST models
once per process (the same loader the image page uses, so both share one copy); `read_digit` prepares a picture
as the image page does by default (area resize, pad aspect) and returns each model's verdict.
"""

from __future__ import annotations

import numpy as np

from cnnrnn.core.warm import checkpoint, loader
from cnnrnn.tasks.digits.charts import MODEL_COLORS, MODEL_LABELS
from cnnrnn.tasks.digits.config import MNIST, MODEL_NAMES
from cnnrnn.tasks.digits.data import load_test_sample, scaled
from cnnrnn.tasks.digits.predict import load_predictors
from cnnrnn.tasks.digits.prepare import FoundDigit, Prepared, find_digit, frame_digit

METHOD, ASPECT = "area", "pad"  # the image page's defaults
NATIVE = MNIST.image_size  # 28: the side every shipped model reads


@loader("the image models")
def image_predictors() -> dict:
    """name -> ImagePredictor for the three shipped MNIST models (MODEL_NAMES), each traced once on a blank
    digit (so the first verdicts do not wait for the trace). Thread-safe; one copy per process."""
    predictors = load_predictors()
    for predictor in predictors.values():
        checkpoint()  # the warm start lets a running page go first
        predictor.predict_one(np.zeros((NATIVE, NATIVE), np.float32))
    return predictors


def frame_found(found: FoundDigit) -> Prepared:
    """A found digit framed as the image page frames it by default: `Prepared.model_input` is (28, 28) float32."""
    return frame_digit(found, METHOD, ASPECT)


def digit_verdicts(model_input: np.ndarray) -> dict:
    """name -> {"label": digit, "confidence": its probability} for one prepared (28, 28) float32 digit."""
    predictors = image_predictors()
    out = {}
    for name in MODEL_NAMES:
        probs = predictors[name].predict_one(model_input)
        label = int(probs.argmax())
        out[name] = {"label": label, "confidence": round(float(probs[label]), 4)}
    return out


def test_digits(n: int) -> tuple[np.ndarray, np.ndarray]:
    """The first `n` (at most 1,000) MNIST test digits as (n, 28, 28) float32 in [0, 1] and their (n,) int labels,
    from the sample shipped in the package (no data directory needed)."""
    images, labels = load_test_sample(n)
    return scaled(images), np.asarray(labels)


__all__ = [
    "MODEL_COLORS",
    "MODEL_LABELS",
    "MODEL_NAMES",
    "FoundDigit",
    "Prepared",
    "digit_verdicts",
    "find_digit",
    "frame_found",
    "image_predictors",
    "test_digits",
]
