"""The sentiment models' hyperparameters: one frozen dataclass, the shipped preset and smaller ones.

`SENTIMENT` is what the shipped weights were trained with (the manifest's "config" records it);
`SENTIMENT_TINY` trains in seconds on 64 sentences and exists so tests can exercise training.
No TensorFlow here.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

from cnnrnn.core.presets import pick_preset

SENTIMENT_NAMES = ("rnn", "cnn")  # the models, in the order the page and the tables show them
# MR's longest sentence, in `text.tokenize` tokens (training split and all 10,662 alike; a test checks it).
LONGEST_MR_TOKENS = 61
# For scale on MR, from the literature (the page quotes them beside the shipped models' accuracy).
REFERENCE_ACCURACIES = (
    ("Kim's CNN from scratch", 0.761),
    ("with pretrained word2vec", 0.815),
    ("the VADER sentiment lexicon", 0.613),
)


@dataclass(frozen=True)
class SentimentConfig:
    """The sentiment page's two models (`rnn`, `cnn`) on the sentence polarity data (MR)."""

    seed: int = 1337  # weights, dropout, batch order and templates
    # Per-model seeds (None: `seed`), picked on validation only (MR's 1,000 validation sentences and
    # tests/sentiment/dev_probes.tsv; never the test split) among 1337, 2, 3 (rnn) and 1337, 1 to 5 (cnn).
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
    sequence_length: int = 64  # the CNN's fixed input; MR's longest sentence has 61 tokens (LONGEST_MR_TOKENS)
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
    negation_templates: int = 2000  # template sentences added to training (`text.negation_templates`)
    max_train: int | None = None  # cap on training sentences (tiny presets)
    # The experiment tables stored in the manifest (the page charts them instantly).
    length_edges: tuple[int, ...] = (10, 15, 20, 25, 30, 40)  # bucket upper bounds, in tokens
    filler_counts: tuple[int, ...] = (0, 5, 10, 20, 40, 80, 160)
    latency_lengths: tuple[int, ...] = (1, 2, 5, 10, 20, 50, 100, 200, 500, 1000, 2000)
    latency_repeats: int = 7
    max_test: int | None = None  # cap on test sentences in the experiments (tiny presets)

    def model_seed(self, name: str) -> int:
        """The seed model `name` ("rnn" or "cnn") is trained with: its own, else `seed`."""
        return getattr(self, f"{name}_seed", None) or self.seed


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
    return pick_preset(presets, name)
