"""Hyperparameters of the image models: one frozen dataclass, with quick and tiny presets.

Names follow keras-io (`num_classes`, `input_shape`, `batch_size`, `epochs`).
`MNIST` is what the shipped weights were trained with; `MNIST_TINY` trains in
seconds on a few hundred images and exists only so tests can exercise training.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

from cnnrnn.core.presets import pick_preset

MODEL_NAMES = ("cnn_fixed", "cnn_gap", "rnn_rows")  # the shipped image models, in the order the page shows them
# Shipped beside them for the page's lesson (accuracy against size), not among the verdicts:
# the pooled CNN as it was first trained, with a 24-pixel receptive field and sizes 16-56 only.
REFERENCE_NAMES = ("cnn_gap_1scale",)
SHIPPED_NAMES = MODEL_NAMES + REFERENCE_NAMES
# The comparisons the page draws (each gets a paired McNemar test of the shipped seeds on the test images).
DIGITS_PAIRS = (("cnn_fixed", "rnn_rows"), ("cnn_gap", "rnn_rows"), ("cnn_fixed", "cnn_gap"))


@dataclass(frozen=True)
class MnistConfig:
    seed: int = 1337  # one seed for the split, the weights and the augmentation
    num_classes: int = 10
    image_size: int = 28  # MNIST's own size; cnn_fixed is tied to it
    val_size: int = 5000  # held out of the 60,000 training images, seeded
    batch_size: int = 128
    epochs: int = 15  # keras-io trains its convnet for 15 epochs
    learning_rate: float = 2e-3  # Adam, with cosine decay to zero over training
    # The fair-fight protocol (cnnrnn.core.protocol): cnn_fixed, cnn_gap and rnn_rows train the same steps
    # (`epochs` epochs of `batch_size` images; cnn_gap the same pixels per step at many sides), each at the rate of
    # `lr_grid` its seed-1 run at `grid_share` of the steps scores best on the validation images, then `seeds`
    # seeds; a model in `reduced` costs over 1,200 CPU seconds a run: one seed at the full budget and `seeds` at
    # `reduced_share` of it. Runs checkpoint every `checkpoint_seconds` (the same command continues).
    lr_grid: tuple[float, ...] = (1e-3, 2e-3, 4e-3)
    seeds: int = 3
    grid_share: float = 0.25
    reduced: tuple[str, ...] = ("cnn_gap", "rnn_rows")
    reduced_share: float = 0.25
    eval_every: int = 0  # steps between validation checks (0: one epoch)
    checkpoint_seconds: float = 300.0
    # Augmentation (all three models): small rotations, shifts and zooms, and
    # random stroke thickening/thinning, so real uploads look familiar.
    rotation: float = 0.025  # fraction of a full turn (0.025 = 9 degrees)
    translation: float = 0.06  # fraction of the side (~1.7 px at 28)
    zoom: float = 0.08
    thicken: float = 0.25  # share of images whose strokes are thickened by a 2x2 max filter
    thin: float = 0.1  # share thinned by a 2x2 min filter
    dense_units: int = 128  # cnn_fixed's hidden layer after the Flatten
    # Random rescaling for rnn_rows and cnn_gap_1scale: each batch is resized to one of
    # these sides (28 weighted).
    rescale_sizes: tuple[int, ...] = (16, 20, 24, 28, 28, 28, 36, 44, 56)
    rnn_units: int = 128  # each of the two stacked LSTM layers
    gap_filters: tuple[int, ...] = (32, 64, 128)  # cnn_gap_1scale's three widths
    # cnn_gap: five stages of 3x3 convolutions (a 2x2 max pool between stages), so its
    # receptive field (`gap_receptive_field`) covers a digit at 112 px; trained at many scales:
    # each step draws a side log-uniformly from `scale_range` and takes as many images as fit
    # `pixel_budget` pixels (between 8 and `max_batch`), so a step costs the same at every size.
    gap_stages: tuple[tuple[int, ...], ...] = ((16,), (32, 32), (64, 64), (96,), (128, 128))
    scale_range: tuple[int, int] = (12, 128)
    native_share: float = 0.25  # ... except this share of the steps, which are at 28 px, MNIST's own size
    pixel_budget: int = 128 * 28 * 28
    max_batch: int = 256
    # From this share of the steps on, batch normalisation is frozen (its moving statistics,
    # a mixture over every scale, are used in training as at inference) and the convolutions
    # learn to work with them: trained on batch statistics of one scale at a time, the network
    # otherwise reads a single image badly at the extreme sizes.
    scale_freeze_at: float = 0.4
    scale_warmup: int = 300  # steps of linear warm-up before the cosine decay (at most a tenth of a run's steps)
    # At the end of each cnn_gap run, its validation accuracy at these sides on this many images (recorded beside
    # the protocol's 28-pixel validation accuracy, which picks its rate and seed as for the other models).
    scale_eval_sizes: tuple[int, ...] = (16, 28, 56, 112)
    scale_eval_images: int = 1000
    max_train: int | None = None  # cap on training images (tiny presets)
    max_test: int | None = None
    # The accuracy-vs-resolution table stored in the manifest.
    sweep_sizes: tuple[int, ...] = (8, 10, 12, 14, 16, 20, 24, 28, 32, 40, 48, 56, 64, 80, 96, 112)


MNIST = MnistConfig()
MNIST_QUICK = replace(MNIST, epochs=2, max_train=12000, max_test=2000, lr_grid=(2e-3,), seeds=2)
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
    gap_stages=((4,), (8,), (8,), (8,), (8,)),
    scale_warmup=2,
    scale_eval_images=32,
    pixel_budget=16 * 28 * 28,
    max_batch=32,
    sweep_sizes=(8, 28, 56),
    lr_grid=(2e-3, 4e-3),
    seeds=2,
    grid_share=1.0,
    reduced=("rnn_rows",),
    reduced_share=0.5,
    checkpoint_seconds=0.0,
)


def preset(name: str) -> MnistConfig:
    """Return the MNIST preset called `name` ("full", "quick" or "tiny")."""
    presets = {"full": MNIST, "quick": MNIST_QUICK, "tiny": MNIST_TINY}
    return pick_preset(presets, name)


def receptive_field(stages) -> int:
    """Pixels a unit after `stages` (3x3 convolutions, a 2x2 pool between stages) sees of the input."""
    field, jump = 1, 1
    for i, stage in enumerate(stages):
        if i:
            field, jump = field + jump, jump * 2  # the 2x2 max pool
        field += 2 * jump * len(stage)
    return field


__all__ = [
    "MnistConfig",
    "MNIST",
    "MNIST_QUICK",
    "MNIST_TINY",
    "DIGITS_PAIRS",
    "MODEL_NAMES",
    "REFERENCE_NAMES",
    "SHIPPED_NAMES",
    "preset",
    "receptive_field",
]
