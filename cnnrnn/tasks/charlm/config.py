"""Hyperparameters of the character models: one frozen dataclass and its presets.

`CHARLM` is what the shipped weights were trained with; `CHARLM_TINY` trains in seconds on the
first 4,000 characters and exists only so tests can exercise training; `CHARLM_LIVE` is the
page's own one-layer LSTM, trained on the user's text.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

from cnnrnn.core.presets import pick_preset

CHARLM_NAMES = ("lstm", "cnn")  # the shipped character models


@dataclass(frozen=True)
class CharLMConfig:
    """A character-level LSTM and a causal dilated CNN over the same characters.

    The held-out text is the corpus's last `val_fraction` (nanoGPT's split for
    tiny Shakespeare); held-out loss is the mean over every position of
    non-overlapping `eval_length`-character windows (nanoGPT's block size),
    in nats per character.
    """

    seed: int = 1337
    val_fraction: float = 0.1  # the last 10% of the corpus is held out
    sequence_length: int = 128  # training windows (random offsets, every position predicted)
    eval_length: int = 256  # held-out windows, as nanoGPT's block_size for this corpus
    batch_size: int = 64
    embedding_dim: int = 64
    # LSTM: `rnn_layers` stacked layers of `rnn_units`, dropout between them.
    rnn_units: int = 320
    rnn_layers: int = 2
    dropout: float = 0.15  # the LSTM's, after each layer
    # CNN: residual blocks of a causal Conv1D (kernel `cnn_kernel_size`, one
    # dilation per block) and a 1x1 Conv1D; receptive field
    # 1 + (kernel - 1) * sum(dilations) characters.
    cnn_filters: int = 144
    cnn_kernel_size: int = 3
    cnn_dilations: tuple[int, ...] = (1, 2, 4, 8, 16, 32)
    cnn_dropout: float = 0.05  # after each block's 1x1 convolution
    learning_rate: float = 3e-3  # Adam, warm-up then cosine decay to learning_rate * final_lr_fraction
    final_lr_fraction: float = 0.05
    warmup_steps: int = 200
    clipnorm: float = 1.0
    # Training length: ~20 passes over the text for the LSTM (the shipped run took 51 minutes on 2
    # cores shared with other training; less on idle ones), and ~8 for the CNN. The cosine schedule follows the
    # larger of the step and time fractions, so a
    # slower machine stops at the time limit with the learning rate fully decayed.
    steps: int = 2500  # the LSTM's (and the live model's) training steps
    time_limit: float | None = 3600.0  # seconds; training stops there and keeps the best weights
    cnn_steps: int = 1200
    cnn_time_limit: float | None = 540.0
    eval_every: int = 250  # steps between held-out checks (the best check is kept)
    max_eval_windows: int | None = 128  # held-out windows per check (the final evaluation uses all)
    max_chars: int | None = None  # use only the first max_chars characters (tiny presets)

    @property
    def receptive_field(self) -> int:
        """How many characters the CNN sees: the current one and receptive_field - 1 before it."""
        return 1 + (self.cnn_kernel_size - 1) * sum(self.cnn_dilations)

    def for_model(self, name: str) -> CharLMConfig:
        """This config with the CNN's own steps, time limit and dropout in place of the LSTM's for "cnn"."""
        if name != "cnn":
            return self
        return replace(self, steps=self.cnn_steps, time_limit=self.cnn_time_limit, dropout=self.cnn_dropout)


CHARLM = CharLMConfig()
CHARLM_QUICK = replace(
    CHARLM, steps=300, time_limit=600.0, cnn_steps=200, cnn_time_limit=300.0, eval_every=100, max_eval_windows=32
)
CHARLM_TINY = replace(
    CHARLM,
    sequence_length=32,
    eval_length=48,
    batch_size=8,
    embedding_dim=8,
    rnn_units=16,
    rnn_layers=2,
    cnn_filters=8,
    cnn_dilations=(1, 2, 4),
    warmup_steps=2,
    steps=6,
    time_limit=None,
    cnn_steps=6,
    cnn_time_limit=None,
    eval_every=3,
    max_eval_windows=4,
    max_chars=4000,
)
# Live training on the page: one smaller LSTM that learns words from ~100 KB in a minute or two.
CHARLM_LIVE = replace(
    CHARLM,
    sequence_length=64,
    batch_size=32,
    embedding_dim=32,
    rnn_units=256,
    rnn_layers=1,
    dropout=0.0,
    learning_rate=1e-2,
    warmup_steps=20,
    final_lr_fraction=0.1,
    steps=3000,
    time_limit=120.0,
    eval_every=50,
    max_eval_windows=32,
    eval_length=256,
)


def charlm_preset(name: str) -> CharLMConfig:
    """Return the character-model preset called `name` ("full", "quick", "tiny" or "live")."""
    presets = {"full": CHARLM, "quick": CHARLM_QUICK, "tiny": CHARLM_TINY, "live": CHARLM_LIVE}
    return pick_preset(presets, name)
