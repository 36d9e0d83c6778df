"""The captioner's hyperparameters: one frozen dataclass, with quick and tiny presets.

`CAPTIONS` is what the shipped weights were trained with; `CAPTIONS_TINY` trains in
seconds on a few dozen scenes and exists only so tests can exercise training.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

from cnnrnn.core.presets import pick_preset

MODEL_NAME = "captioner"  # the manifest's and the progress callback's name for the one model


@dataclass(frozen=True)
class CaptionsConfig:
    """The captioning page's CNN encoder + LSTM decoder on generated scenes (`data.make_scenes`).

    Scene splits come from different generator seeds: training `train_seed`,
    validation `val_seed` (early stopping), test `test_seed` (1,000 scenes,
    the reported numbers).
    """

    seed: int = 1337  # weights and batch order
    train_seed: int = 11  # scene generator seeds, one per split
    val_seed: int = 22
    test_seed: int = 33
    train_size: int = 40_000
    val_size: int = 1000
    test_size: int = 1000
    image_size: int = 64  # the encoder's fixed input side (its Flatten ties it to this)
    # Encoder: conv-ReLU blocks: the first a 5x5 with stride 2, the middle ones followed by
    # 2x2 max pooling (64 -> 8),
    # then a max over the rows (where a shape is vertically does not matter), then Flatten:
    # 8 columns x filters, left to right, and a Dense to the image vector.
    encoder_filters: tuple[int, ...] = (16, 32, 48, 64)
    feature_dim: int = 128  # the image vector
    # Decoder: the image vector sets the LSTM's initial state (h, c) and, projected to
    # `step_features`, is fed again beside the previous word's embedding at every step.
    embedding_dim: int = 32
    step_features: int = 32
    rnn_units: int = 128
    batch_size: int = 64
    epochs: int = 12  # at most; the epoch with the best validation exact match is kept
    learning_rate: float = 2e-3  # Adam, cosine decay to zero
    time_limit: float | None = 1320.0  # seconds of training; the cosine follows the time fraction too
    beam_width: int = 3
    max_length: int = 17  # decoding steps: 16 words + <end>
    # Experiment tables stored in the manifest.
    sweep_sizes: tuple[int, ...] = (12, 16, 20, 24, 32, 40, 48, 64, 96, 128, 192)


CAPTIONS = CaptionsConfig()
CAPTIONS_QUICK = replace(CAPTIONS, train_size=8000, epochs=3, time_limit=600.0)
CAPTIONS_TINY = replace(
    CAPTIONS,
    train_size=96,
    val_size=32,
    test_size=48,
    encoder_filters=(4, 4, 8, 8),
    feature_dim=8,
    embedding_dim=4,
    step_features=4,
    rnn_units=8,
    batch_size=32,
    epochs=1,
    time_limit=None,
    sweep_sizes=(16, 64),
)
PRESETS = {"full": CAPTIONS, "quick": CAPTIONS_QUICK, "tiny": CAPTIONS_TINY}


def captions_preset(name: str) -> CaptionsConfig:
    """Return the captioning preset called `name` ("full", "quick" or "tiny")."""
    return pick_preset(PRESETS, name)
