"""Hyperparameters: one frozen dataclass per task, with tiny presets for tests.

Names follow keras-io (`num_classes`, `input_shape`, `batch_size`, `epochs`).
`MNIST` is what the shipped weights were trained with; `MNIST_TINY` trains in
seconds on a few hundred images and exists only so tests can exercise training.
"""

from __future__ import annotations

from dataclasses import dataclass, replace


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


def _pick(presets: dict, name: str):
    """presets[name], or ValueError naming the choices (every task's `*_preset` uses it)."""
    if name not in presets:
        raise ValueError(f"unknown preset {name!r}; choose one of {sorted(presets)}")
    return presets[name]


def preset(name: str) -> MnistConfig:
    """Return the MNIST preset called `name` ("full", "quick" or "tiny")."""
    presets = {"full": MNIST, "quick": MNIST_QUICK, "tiny": MNIST_TINY}
    return _pick(presets, name)


__all__ = ["MnistConfig", "MNIST", "MNIST_QUICK", "MNIST_TINY", "preset"]


# --- Character language models (the generation page, many to many) -------------


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
    # cores shared with other training; less on idle ones), and ~8 for the CNN. The cosine schedule follows the larger of the step and time fractions, so a
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

    def for_model(self, name: str) -> "CharLMConfig":
        """This config with the CNN's own steps, time limit and dropout in place of the LSTM's for "cnn"."""
        if name != "cnn":
            return self
        return replace(self, steps=self.cnn_steps, time_limit=self.cnn_time_limit, dropout=self.cnn_dropout)


CHARLM = CharLMConfig()
CHARLM_QUICK = replace(CHARLM, steps=300, time_limit=600.0, cnn_steps=200, cnn_time_limit=300.0, eval_every=100,
                       max_eval_windows=32)
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
    return _pick(presets, name)


__all__ += ["CharLMConfig", "CHARLM", "CHARLM_QUICK", "CHARLM_TINY", "CHARLM_LIVE", "charlm_preset"]


@dataclass(frozen=True)
class SentimentConfig:
    """The sentiment page's two models (`rnn`, `cnn`) on the sentence polarity data (MR)."""

    seed: int = 1337  # weights, dropout, batch order and templates
    # Per-model seeds (None: `seed`), picked on validation only (MR's 1,000 validation sentences and
    # tests/sentiment_dev_probes.tsv; never the test split) among 1337, 2, 3 (rnn) and 1337, 1 to 5 (cnn).
    rnn_seed: int | None = 3
    cnn_seed: int | None = 1337
    split_seed: int = 2005  # the test/validation split alone: fixed, never tuned
    test_size: int = 1067  # 10% of the 10,662 sentences
    val_size: int = 1000  # for early stopping and tuning; training gets the other 8,595
    max_features: int = 8_000  # vocabulary incl. padding and [UNK]: MR's training words seen at least twice
    embedding_dim: int = 32  # both models learn their embeddings from scratch (Kim's CNN-rand)
    embedding_dropout: float = 0.5
    # One more input channel per word: its naive-Bayes log-count ratio (Wang & Manning 2012),
    # counted on the training sentences only, so still no outside data. "off", "frozen" or "trainable".
    nb_channel: str = "frozen"
    nb_alpha: float = 1.0  # add-alpha smoothing of the counts
    nb_min_count: int = 1  # tokens (and word pairs) in fewer training sentences get ratio 0
    # Models whose ratios also count the negation templates: the RNN, reading "not" before "bad", needs
    # "bad" less negative than MR alone makes it (validation probes 83% -> 88%); the CNN sees "not bad" whole.
    nb_with_templates: tuple[str, ...] = ("rnn",)
    word_dropout: float = 0.0  # cnn: fraction of words hidden as [UNK] in training (not negations, "but")
    rnn_word_dropout: float = 0.2  # the same for the rnn
    dropout: float = 0.5  # before the output unit
    max_norm: float = 3.0  # on the output weights, as in Kim (2014)
    rnn_cell: str = "gru"  # "gru" or "lstm"
    rnn_units: int = 64
    bidirectional: bool = False  # one direction: its verdict after each word is its state so far
    rnn_pooling: str = "last"  # "last" state, or "mean"/"max" over the (masked) steps
    sequence_length: int = 64  # the CNN's fixed input; MR's longest sentence has 59 tokens
    cnn_filters: int = 64  # per filter width
    cnn_kernel_sizes: tuple[int, ...] = (3, 4, 5)
    # The CNN's extras, picked on dev folds cut from the training split (never the test split):
    cnn_mean_pool: bool = True  # each filter's mean over the text's windows too, beside its max
    cnn_bigram_buckets: int = 65_536  # > 0: a second ratio channel, each word pair's, hashed to this many buckets
    # >= 2: in training, each MR sentence reads ratios counted on the other cnn_nb_folds - 1 folds of the
    # training sentences, as new text will; 0: on all of them, its own included (a pair seen once, in that
    # very sentence, then names its label, and the network learns to trust what will not hold).
    cnn_nb_folds: int = 5
    # > 0: the output unit also reads each ratio channel summed over the text read (the sentence's naive-Bayes
    # score, word and pair), times this, past the dropout; the filters then learn what counting misses.
    cnn_nb_score: float = 3.0
    batch_size: int = 32
    epochs: int = 12  # at most; early stopping on validation accuracy keeps the best epoch
    patience: int = 3
    learning_rate: float = 1e-3  # Adam
    weight_decay: float = 0.0  # decoupled (AdamW) when above 0
    ema_momentum: float = 0.0  # > 0: judge and keep a moving average of the weights (per batch)
    negation_templates: int = 2000  # template sentences added to training (text.negation_templates)
    max_train: int | None = None  # cap on training sentences (tiny presets)
    # The experiment tables stored in the manifest (the page charts them instantly).
    length_edges: tuple[int, ...] = (10, 15, 20, 25, 30, 40)  # bucket upper bounds, in tokens
    filler_counts: tuple[int, ...] = (0, 5, 10, 20, 40, 80, 160)
    latency_lengths: tuple[int, ...] = (1, 2, 5, 10, 20, 50, 100, 200, 500, 1000, 2000)
    latency_repeats: int = 7
    max_test: int | None = None  # cap on test sentences in the experiments (tiny presets)


SENTIMENT = SentimentConfig()
SENTIMENT_QUICK = replace(SENTIMENT, epochs=3, max_train=3000)
SENTIMENT_TINY = replace(
    SENTIMENT,
    cnn_bigram_buckets=256,
    cnn_nb_folds=3,
    negation_templates=64,
    word_dropout=0.25,
    val_size=200,
    max_features=200,
    embedding_dim=8,
    rnn_units=4,
    sequence_length=16,
    cnn_filters=4,
    batch_size=16,
    epochs=1,
    patience=1,
    max_train=64,
    max_test=32,
    filler_counts=(0, 20),
    latency_lengths=(1, 20),
    latency_repeats=1,
)


def sentiment_preset(name: str) -> SentimentConfig:
    """Return the sentiment preset called `name` ("full", "quick" or "tiny")."""
    presets = {"full": SENTIMENT, "quick": SENTIMENT_QUICK, "tiny": SENTIMENT_TINY}
    return _pick(presets, name)


__all__ += ["SentimentConfig", "SENTIMENT", "SENTIMENT_QUICK", "SENTIMENT_TINY", "sentiment_preset"]


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


def captions_preset(name: str) -> CaptionsConfig:
    """Return the captioning preset called `name` ("full", "quick" or "tiny")."""
    presets = {"full": CAPTIONS, "quick": CAPTIONS_QUICK, "tiny": CAPTIONS_TINY}
    return _pick(presets, name)


__all__ += ["CaptionsConfig", "CAPTIONS", "CAPTIONS_QUICK", "CAPTIONS_TINY", "captions_preset"]


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
    max_train: int | None = None  # cap on training signals (tiny presets)
    max_test: int | None = None
    # The experiment tables stored in the manifest (the page charts them instantly).
    sweep_lengths: tuple[int, ...] = (20, 30, 40, 50, 60, 80, 100, 120, 140, 160)
    shifts: tuple[int, ...] = (-20, -16, -12, -8, -4, -2, 0, 2, 4, 8, 12, 16, 20)
    latency_lengths: tuple[int, ...] = (20, 40, 80, 160, 320, 640, 1280)
    latency_repeats: int = 7


MNIST1D = Mnist1dConfig()
MNIST1D_QUICK = replace(MNIST1D, epochs=8, gru_epochs=8)
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
    max_train=128,
    max_test=64,
    sweep_lengths=(20, 40, 80),
    shifts=(-4, 0, 4),
    latency_lengths=(20, 80),
    latency_repeats=1,
)
# Live training on the page: the same architectures, a few epochs, judged on the test signals after each.
MNIST1D_LIVE = replace(MNIST1D, epochs=20, gru_epochs=20)


def mnist1d_preset(name: str) -> Mnist1dConfig:
    """Return the MNIST-1D preset called `name` ("full", "quick", "tiny" or "live")."""
    presets = {"full": MNIST1D, "quick": MNIST1D_QUICK, "tiny": MNIST1D_TINY, "live": MNIST1D_LIVE}
    return _pick(presets, name)


__all__ += ["Mnist1dConfig", "MNIST1D", "MNIST1D_QUICK", "MNIST1D_TINY", "MNIST1D_LIVE", "mnist1d_preset"]
