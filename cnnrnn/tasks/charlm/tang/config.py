"""Hyperparameters of the Tang-poem models: one frozen dataclass and its presets.

`TANG` is what the shipped weights were trained with; `TANG_QUICK` a short run; `TANG_TINY`
trains in seconds on a few hundred poems so that tests can exercise training and generation.
The field names the character models' builders read (`embedding_dim`, `rnn_units`, ...) are
the same as in `cnnrnn.tasks.charlm.config`, so the LSTM and the CNN are built by the same code.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

from cnnrnn.core.presets import pick_preset

TANG_NAMES = ("lstm", "cnn")


@dataclass(frozen=True)
class TangConfig:
    """A character LSTM and a causal dilated CNN over Tang poems, one poem a sequence.

    A sequence is a start mark (the poem's form, or "any form"), optionally the title and a
    title mark, the poem, and an end mark. `heldout_fraction` of the poems (not characters),
    chosen by a generator seeded with `split_seed`, are held out; held-out loss is the mean
    nats per character over every predicted character of every held-out poem (the end mark
    included), each poem read from its start mark.
    """

    seed: int = 1337
    split_seed: int = 19  # which poems are held out (fixed: the split never moves with the model)
    heldout_fraction: float = 0.05
    vocab_size: int = 4000  # the most frequent characters, the marks, padding and the unknown symbol
    max_length: int = 96  # characters per training sequence (longer poems are cut; a 七言律詩 is 66)
    max_title: int = 12  # longer titles are left out of the sequence
    title_share: float = 0.5  # the share of poems whose sequence carries the title
    any_form_share: float = 0.2  # regular poems marked "any form" (so the mark can be left open)
    batch_size: int = 32
    # Training draws a length bucket uniformly, then poems of it: the short buckets (the quatrains) come up
    # more often than their share of the poems, and their steps cost less.
    uniform_buckets: bool = True
    embedding_dim: int = 64
    rnn_units: int = 256
    rnn_layers: int = 2
    dropout: float = 0.0  # about one pass over the poems: nothing to regularise yet
    # CNN: residual blocks of a causal Conv1D (kernel `cnn_kernel_size`, one dilation per block);
    # receptive field 1 + (kernel - 1) * sum(dilations) characters: 61 here, less than a 七言律詩
    # with its mark (66), more than a 五言律詩 (50).
    cnn_filters: int = 128
    cnn_kernel_size: int = 3
    cnn_dilations: tuple[int, ...] = (1, 2, 4, 8, 1, 2, 4, 8)
    cnn_dropout: float = 0.0
    learning_rate: float = 3e-3
    final_lr_fraction: float = 0.05
    warmup_steps: int = 100
    clipnorm: float = 1.0
    steps: int = 4000  # the LSTM's
    time_limit: float | None = 1500.0  # seconds (25 minutes); the best held-out weights are kept
    cnn_steps: int = 4000
    cnn_time_limit: float | None = 900.0
    eval_every: int = 300
    eval_poems: int | None = 384  # held-out poems per check (the final evaluation reads all)
    form_poems: int = 200  # seeded poems per form and model for the form-accuracy figures
    completion_seeds: int = 4  # seeds per anthology quatrain for the first-line completion figure
    temperature: float = 0.8  # of the form figures
    max_poems: int | None = None  # use only the first max_poems poems (tiny presets)
    store_float16: bool = True  # ship the weights in float16 (half the bytes)

    @property
    def receptive_field(self) -> int:
        return 1 + (self.cnn_kernel_size - 1) * sum(self.cnn_dilations)

    def for_model(self, name: str) -> TangConfig:
        """This config with the CNN's own steps, time limit and dropout in place of the LSTM's for "cnn"."""
        if name != "cnn":
            return self
        return replace(self, steps=self.cnn_steps, time_limit=self.cnn_time_limit, dropout=self.cnn_dropout)


TANG = TangConfig()
TANG_QUICK = replace(
    TANG,
    steps=300,
    time_limit=300.0,
    cnn_steps=300,
    cnn_time_limit=200.0,
    eval_every=100,
    eval_poems=128,
    form_poems=20,
    completion_seeds=1,
)
TANG_TINY = replace(
    TANG,
    vocab_size=300,
    max_length=40,
    batch_size=8,
    embedding_dim=8,
    rnn_units=16,
    rnn_layers=1,
    cnn_filters=8,
    cnn_dilations=(1, 2),
    warmup_steps=2,
    steps=6,
    time_limit=None,
    cnn_steps=6,
    cnn_time_limit=None,
    eval_every=3,
    eval_poems=16,
    form_poems=2,
    completion_seeds=1,
    max_poems=400,
    store_float16=False,
)


def tang_preset(name: str) -> TangConfig:
    """Return the Tang preset called `name` ("full", "quick" or "tiny")."""
    return pick_preset({"full": TANG, "quick": TANG_QUICK, "tiny": TANG_TINY}, name)
