"""Hyperparameters of the image models: one frozen dataclass, with quick and tiny presets.

Names follow keras-io (`num_classes`, `input_shape`, `batch_size`, `epochs`).
`MNIST` is what the shipped weights were trained with; `MNIST_TINY` trains in
seconds on a few hundred images and exists only so tests can exercise training.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

from cnnrnn.core.presets import pick_preset

MODEL_NAMES = ("cnn_fixed", "cnn_gap", "rnn_rows")  # the shipped image models, in the order the page shows them


@dataclass(frozen=True)
class MnistConfig:
    seed: int = 1337  # one seed for the split, the weights and the augmentation
    num_classes: int = 10
    image_size: int = 28  # MNIST's own size; cnn_fixed is tied to it
    val_size: int = 5000  # held out of the 60,000 training images, seeded
    batch_size: int = 128
    epochs: int = 15  # keras-io trains its convnet for 15 epochs
    learning_rate: float = 2e-3  # Adam, with cosine decay to zero over training
    # Augmentation (all three models): small rotations, shifts and zooms, and
    # random stroke thickening/thinning, so real uploads look familiar.
    rotation: float = 0.025  # fraction of a full turn (0.025 = 9 degrees)
    translation: float = 0.06  # fraction of the side (~1.7 px at 28)
    zoom: float = 0.08
    thicken: float = 0.25  # share of images whose strokes are thickened by a 2x2 max filter
    thin: float = 0.1  # share thinned by a 2x2 min filter
    dense_units: int = 128  # cnn_fixed's hidden layer after the Flatten
    # Random rescaling for the size-agnostic models: each batch is resized to
    # one of these sides (28 weighted), so they learn more than one scale.
    rescale_sizes: tuple[int, ...] = (16, 20, 24, 28, 28, 28, 36, 44, 56)
    rnn_units: int = 128  # each of the two stacked LSTM layers
    gap_filters: tuple[int, ...] = (32, 64, 128)
    max_train: int | None = None  # cap on training images (tiny presets)
    max_test: int | None = None
    # The accuracy-vs-resolution table stored in the manifest.
    sweep_sizes: tuple[int, ...] = (8, 10, 12, 14, 16, 20, 24, 28, 32, 40, 48, 56, 64, 80, 96, 112)


MNIST = MnistConfig()
MNIST_QUICK = replace(MNIST, epochs=2, max_train=12000, max_test=2000)
MNIST_TINY = replace(
    MNIST,
    epochs=1,
    batch_size=64,
    val_size=64,
    max_train=256,
    max_test=128,
    rnn_units=8,
    dense_units=8,
    gap_filters=(4, 8, 8),
    sweep_sizes=(8, 28, 56),
)


def preset(name: str) -> MnistConfig:
    """Return the MNIST preset called `name` ("full", "quick" or "tiny")."""
    presets = {"full": MNIST, "quick": MNIST_QUICK, "tiny": MNIST_TINY}
    return pick_preset(presets, name)


__all__ = ["MnistConfig", "MNIST", "MNIST_QUICK", "MNIST_TINY", "preset"]
