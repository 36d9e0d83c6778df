"""Sweeps that return tidy pandas DataFrames, ready for `charts.py`, and the test-set evaluation.

`resolution_sweep` is the held-out accuracy-vs-resolution table: each 28x28
test digit is resampled to side s (what a camera at another resolution would
give), then each model gets what it can take (`model.model_view`):
- cnn_fixed: the s x s image resized back to 28x28 (its Flatten needs that);
- cnn_gap: the s x s image as it is;
- rnn_rows: s rows, each resized to the 28 values per step it was built for.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from cnnrnn.tasks.digits.config import MNIST, SHIPPED_NAMES
from cnnrnn.tasks.digits.data import load_mnist, scaled
from cnnrnn.tasks.digits.model import model_view, resize_batch
from cnnrnn.tasks.digits.predict import TASK, load_predictors

IMAGE_SWEEP_SIZES = MNIST.sweep_sizes  # the sides one image is tried at (the manifest's table uses the same)


def resolution_sweep(
    predictors: dict,
    images: np.ndarray,
    labels: np.ndarray,
    sizes=(8, 12, 16, 20, 28, 40, 56, 80, 112),
    batch_size: int = 500,
) -> pd.DataFrame:
    """Accuracy of each predictor at each side length.

    images: (n, 28, 28) float32 in [0, 1]; labels: (n,) int.
    Returns columns model, size, accuracy, n.
    """
    rows = []
    for size in sizes:
        resized = resize_batch(images, size, size) if size != images.shape[1] else images
        for name, predictor in predictors.items():
            probs = predictor.predict_batches(model_view(name, resized), batch_size)
            accuracy = float(np.mean(probs.argmax(axis=1) == labels))
            rows.append({"model": name, "size": int(size), "accuracy": accuracy, "n": int(len(labels))})
    return pd.DataFrame(rows)


def accuracy_of(predictors: dict, images: np.ndarray, labels: np.ndarray) -> dict[str, float]:
    """Each predictor's accuracy on (n, 28, 28) float32 images: name -> fraction (unrounded)."""
    return {name: float(np.mean(p.predict_batches(images).argmax(axis=1) == labels)) for name, p in predictors.items()}


def evaluate_mnist(weights_dir=None) -> dict:
    """Test accuracy of the shipped image models on MNIST's 10,000 test images.

    Returns {"task": "mnist", "test_size": n, "accuracy": {model: fraction}} for every shipped
    file, cnn_gap_1scale included.
    """
    splits = load_mnist()
    accuracy = accuracy_of(load_predictors(weights_dir, SHIPPED_NAMES), scaled(splits.x_test), splits.y_test)
    return {
        "task": TASK,
        "test_size": int(len(splits.y_test)),
        "accuracy": {name: round(value, 4) for name, value in accuracy.items()},
    }


def predict_models(predictors: dict, image: np.ndarray) -> dict[str, np.ndarray]:
    """Each model's probabilities for one (H, W) image, given what that model can take."""
    return {name: p.predict_one(model_view(name, image[None])[0]) for name, p in predictors.items()}


def image_resolution_sweep(predictors: dict, render, target: int, sizes=IMAGE_SWEEP_SIZES) -> pd.DataFrame:
    """Confidence in digit `target` for one image rendered at each side length.

    render(size) -> (size, size) float32 image (see images.render_digit).
    Returns columns model, size, confidence, predicted.
    """
    rows = []
    for size in sizes:
        for name, probs in predict_models(predictors, render(int(size))).items():
            rows.append(
                {"model": name, "size": int(size), "confidence": float(probs[target]), "predicted": int(probs.argmax())}
            )
    return pd.DataFrame(rows)


def choice_sweep(predictors: dict, prepare, choices, choice: str, target: int) -> pd.DataFrame:
    """Confidence in digit `target` for each preprocessing choice.

    prepare(choice_value) -> (28, 28) float32 model input.
    Returns columns model, `choice`, confidence, label (the predicted digit).
    """
    rows = []
    for value in choices:
        for name, probs in predict_models(predictors, prepare(value)).items():
            rows.append(
                {"model": name, choice: value, "confidence": float(probs[target]), "label": int(probs.argmax())}
            )
    return pd.DataFrame(rows)


def rows_read(predictor, image: np.ndarray) -> pd.DataFrame:
    """The row RNN's probabilities after reading the first k rows, k = 1..H.

    Many to one, stopped early: one trace serves every k (rows are free in the
    predictor's signature). Returns columns rows, digit, probability.
    """
    rows = []
    for k in range(1, image.shape[0] + 1):
        probs = predictor.predict_one(image[:k])
        rows.extend({"rows": k, "digit": str(d), "probability": float(probs[d])} for d in range(len(probs)))
    return pd.DataFrame(rows)
