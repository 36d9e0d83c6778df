"""The sequence lab's hyperparameters, the shipped models and what each sweep runs on.

`MNIST1D` is what the shipped weights were trained with; `MNIST1D_TINY` trains in seconds
and exists only so tests can exercise training; `MNIST1D_LIVE` is the page's live training.
No TensorFlow here.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

from cnnrnn.core.presets import pick_preset

TASK = "mnist1d"  # the registry's, the command line's and the manifest's name


@dataclass(frozen=True)
class Mnist1dConfig:
    """The sequence lab's models on MNIST-1D (40-point signals, 10 classes).

    Four models as in the paper's table (`logreg`, `mlp`, `cnn`, `gru`), trained
    on the 4,000 training signals and tested on the 1,000 test signals; the CNN
    and the GRU are also trained on the shuffled variant and on mixed lengths.
    """

    seed: int = 1337  # weights and batch order (the data's own seed is 42, fixed by the paper)
    num_classes: int = 10
    sequence_length: int = 40  # the published signals' length; logreg and mlp are tied to it
    batch_size: int = 100  # the paper's
    learning_rate: float = 1e-2  # Adam, cosine decay to zero over training
    weight_decay: float = 0.0  # decoupled (AdamW) when above 0
    epochs: int = 40  # per model (1,600 steps of 100 signals; the paper trains 6,000)
    mlp_units: int = 100  # two hidden layers of this width (the paper's MLP)
    # CNN: Conv1D layers ("same" padding, ReLU), then global max and average pooling: any length.
    cnn_filters: tuple[int, ...] = (25, 25, 25)  # the paper's CNN has 25 channels
    cnn_kernel_size: int = 5
    cnn_strides: tuple[int, ...] = (1, 2, 1)
    gru_units: int = 32  # each of `gru_layers` stacked GRUs; the last state is classified
    gru_layers: int = 1
    gru_bidirectional: bool = True
    gru_epochs: int = 40  # the same as the others, so that training times compare
    # Mixed-length training (cnn_mixed, gru_mixed): each batch resampled to one of these lengths.
    mixed_lengths: tuple[int, ...] = (20, 30, 40, 60, 80, 120, 160)
    # The fair-fight protocol (cnnrnn.core.protocol): the last `val_size` training signals are the validation split
    # that picks each model's learning rate from `lr_grid` and its shipped seed; every model trains `epochs` epochs
    # of the same batches (the same steps), `seeds` times.
    val_size: int = 400
    lr_grid: tuple[float, ...] = (0.003, 0.01, 0.03)
    seeds: int = 3
    max_train: int | None = None  # cap on training signals (tiny presets)
    max_test: int | None = None
    # The experiment tables stored in the manifest (the page charts them instantly).
    sweep_lengths: tuple[int, ...] = (20, 30, 40, 50, 60, 80, 100, 120, 140, 160)
    shifts: tuple[int, ...] = (-20, -16, -12, -8, -4, -2, 0, 2, 4, 8, 12, 16, 20)
    latency_lengths: tuple[int, ...] = (20, 40, 80, 160, 320, 640, 1280)
    latency_repeats: int = 7


MNIST1D = Mnist1dConfig()
MNIST1D_QUICK = replace(MNIST1D, epochs=8, gru_epochs=8, lr_grid=(0.01, 0.03), seeds=2)
MNIST1D_TINY = replace(
    MNIST1D,
    epochs=1,
    gru_epochs=1,
    batch_size=32,
    mlp_units=8,
    cnn_filters=(4, 4),
    cnn_strides=(1, 2),
    gru_units=4,
    gru_bidirectional=False,
    mixed_lengths=(20, 40),
    val_size=32,
    lr_grid=(0.01, 0.03),
    seeds=2,
    max_train=128,
    max_test=64,
    sweep_lengths=(20, 40, 80),
    shifts=(-4, 0, 4),
    latency_lengths=(20, 80),
    latency_repeats=1,
)
# Live training on the page: the same architectures, a few epochs, judged on the test signals after each.
MNIST1D_LIVE = replace(MNIST1D, epochs=20, gru_epochs=20)

PRESETS = {"full": MNIST1D, "quick": MNIST1D_QUICK, "tiny": MNIST1D_TINY, "live": MNIST1D_LIVE}


def mnist1d_preset(name: str) -> Mnist1dConfig:
    """Return the MNIST-1D preset called `name` ("full", "quick", "tiny" or "live")."""
    return pick_preset(PRESETS, name)


# Shipped models: name -> (kind, variant, trained on mixed lengths).
MNIST1D_MODELS = {
    "logreg": ("logreg", "normal", False),
    "mlp": ("mlp", "normal", False),
    "cnn": ("cnn", "normal", False),
    "gru": ("gru", "normal", False),
    "cnn_shuffled": ("cnn", "shuffled", False),
    "gru_shuffled": ("gru", "shuffled", False),
    "cnn_mixed": ("cnn", "normal", True),
    "gru_mixed": ("gru", "normal", True),
}
# The comparisons the page draws (each gets a paired McNemar test of the shipped seeds on the test signals).
MNIST1D_PAIRS = (
    ("cnn", "gru"),
    ("cnn", "mlp"),
    ("gru", "mlp"),
    ("mlp", "logreg"),
    ("cnn_shuffled", "gru_shuffled"),
    ("cnn", "cnn_shuffled"),
    ("gru", "gru_shuffled"),
    ("cnn_mixed", "gru_mixed"),
)
# The models trained on one length, whatever the variant (what `evaluate` scores).
SINGLE_LENGTH_MODELS = tuple(name for name, (_, _, mixed) in MNIST1D_MODELS.items() if not mixed)

# Which shipped models each experiment table measures: the one place this choice is made
# (the training run's tables and the page's Recompute and Measure buttons read it).
SWEEP_MODELS = {
    "lengths": ("cnn", "gru", "cnn_mixed", "gru_mixed"),
    "shifts": ("cnn", "gru", "mlp"),
    "latency": ("cnn", "gru"),
}

# The page's live training choices.
MNIST1D_LIVE_WIDTHS = (8, 16, 32, 64)  # filters (cnn), units (gru, mlp)
MNIST1D_LIVE_RATES = (0.001, 0.003, 0.01, 0.03)
MNIST1D_LIVE_MAX_EPOCHS = 40


def weights_file(name: str) -> str:
    """The shipped file of model `name`: "mnist1d_cnn.keras"."""
    return f"mnist1d_{name}.keras"


MNIST1D_LIVE_TIME_LIMIT = (
    900.0  # seconds: a live pair of runs ends there (40 GRU epochs take about 60 s on 2 free cores)
)
