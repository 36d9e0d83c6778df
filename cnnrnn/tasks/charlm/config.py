"""Hyperparameters of the character models: one frozen dataclass and its presets.

`CHARLM` is what the shipped weights are trained with (under the fair-fight protocol); `CHARLM_TINY` trains in
seconds on the first 4,000 characters and exists only so tests can exercise training; `CHARLM_LIVE` is the
page's own one-layer LSTM, trained on the user's text.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

from cnnrnn.core.presets import pick_preset

CHARLM_NAMES = ("lstm", "cnn")  # the shipped character models


@dataclass(frozen=True)
class CharLMConfig:
    """A character-level LSTM and a causal dilated CNN over the same characters.

    The held-out (test) text is the corpus's last `val_fraction` (nanoGPT's split for
    tiny Shakespeare); held-out loss is the mean over every position of
    non-overlapping `eval_length`-character windows (nanoGPT's block size),
    in nats per character. The `validation_fraction` of the corpus just before it is
    the validation text (the protocol's learning rates and shipped seed are chosen on it);
    the models train on the rest, the first 85%.
    """

    seed: int = 1337
    val_fraction: float = 0.1  # the last 10% of the corpus is held out (the test text)
    validation_fraction: float = 0.05  # the 5% before it: validation (cut from nanoGPT's training 90%)
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
    learning_rate: float = 3e-3  # Adam, warm-up then cosine decay to learning_rate * final_lr_fraction (live runs)
    final_lr_fraction: float = 0.05
    warmup_steps: int = 200  # at most a tenth of a protocol run's steps
    clipnorm: float = 1.0
    # The fair-fight protocol (cnnrnn.core.protocol): the LSTM and the CNN train the same `steps` steps of
    # `batch_size` windows of `sequence_length` characters (the same characters), each at the rate of `lr_grid`
    # its seed-1 run at `grid_share` of the steps scores best on the validation text, every run judged on its
    # final weights (no time limit, no keep-best). A model in `reduced` costs over 1,200 CPU seconds a run
    # (here both: about 3,000 for the LSTM and 1,600 for the CNN): one seed at the full budget and `seeds` seeds
    # at `reduced_share` of it. Runs checkpoint every `checkpoint_seconds` CPU seconds (the same command
    # continues).
    steps: int = 2500  # every compared model's (and the live model's, in its own preset)
    lr_grid: tuple[float, ...] = (1.5e-3, 3e-3, 6e-3)
    seeds: int = 3
    grid_share: float = 0.25
    reduced: tuple[str, ...] = ("lstm", "cnn")
    reduced_share: float = 0.25
    checkpoint_seconds: float = 300.0
    time_limit: float | None = None  # seconds (live training only: a protocol run trains its steps)
    eval_every: int = 250  # steps between validation checks (each over every validation window)
    max_eval_windows: int | None = 128  # held-out windows per check of live training
    max_chars: int | None = None  # use only the first max_chars characters (tiny presets)

    @property
    def receptive_field(self) -> int:
        """How many characters the CNN sees: the current one and receptive_field - 1 before it."""
        return 1 + (self.cnn_kernel_size - 1) * sum(self.cnn_dilations)

    def for_model(self, name: str) -> CharLMConfig:
        """This config with the CNN's own dropout in place of the LSTM's for "cnn" (the same steps for both)."""
        if name != "cnn":
            return self
        return replace(self, dropout=self.cnn_dropout)


CHARLM = CharLMConfig()
# A short run: 300 steps, one rate, two seeds at the full budget each (its grid run is seed 1's).
CHARLM_QUICK = replace(
    CHARLM, steps=300, eval_every=100, lr_grid=(3e-3,), seeds=2, grid_share=1.0, reduced=(), checkpoint_seconds=120.0
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
    eval_every=3,
    max_eval_windows=4,
    max_chars=4000,
    # Two rates at half the steps; the LSTM reduced (one full seed, its spread at 3 steps), the CNN not (its seeds
    # at the full budget), so both of the protocol's paths run.
    lr_grid=(3e-3, 6e-3),
    seeds=2,
    grid_share=0.5,
    reduced=("lstm",),
    reduced_share=0.5,
    checkpoint_seconds=0.0,
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
