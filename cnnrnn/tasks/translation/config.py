"""Hyperparameters of the translation models: one frozen dataclass and its presets.

`TRANSLATION` is what the shipped weights were trained with; `TRANSLATION_QUICK` a short run;
`TRANSLATION_TINY` trains in seconds on a few thousand pairs so that tests exercise training,
saving, loading and decoding.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

from cnnrnn.core.presets import pick_preset

MODEL_NAMES = ("rnn_fixed", "rnn_attention", "cnn")
MODEL_LABELS = {
    "rnn_fixed": "RNN, one fixed vector",
    "rnn_attention": "RNN with attention",
    "cnn": "CNN with attention (ConvS2S)",
}

# What the page and the command line take: longer input is cut (with a notice) to this many subword
# tokens, and a translation stops after this many.
MAX_SOURCE_TOKENS = 64
MAX_OUTPUT_TOKENS = 80
MAX_INPUT_CHARS = 2000  # characters read from one text before tokenising (the rest is cut, with a notice)


@dataclass(frozen=True)
class TranslationConfig:
    """Subword vocabulary, split, three architectures and how long each trains.

    The split is by English sentence: every French translation of one English sentence lands in
    the split its English sentence is drawn to (`split_seed`). Training keeps pairs whose English
    has at most `max_train_source` tokens and whose French has at most `max_train_target`; the
    test split keeps every sentence, so the length chart shows what happens past the training
    lengths.
    """

    seed: int = 1337
    split_seed: int = 2014
    test_sentences: int = 5000  # distinct English sentences in the test split
    val_sentences: int = 2000
    bpe_merges: int = 7600  # joint English-French byte-pair merges on top of the characters
    min_char_count: int = 3  # rarer characters are unknown (<unk>)
    max_train_source: int = 24  # subword tokens, English
    max_train_target: int = 30  # subword tokens, French (before the end mark)
    embedding_dim: int = 128  # one joint embedding: the encoder's input, the decoder's input and output (tied)
    rnn_units: int = 256  # decoder state; the bidirectional encoder has rnn_units // 2 each way
    cnn_units: int = 128
    cnn_kernel: int = 3
    cnn_encoder_layers: int = 5
    cnn_decoder_layers: int = 4
    dropout: float = 0.15
    label_smoothing: float = 0.1
    batch_tokens: int = 4000  # target tokens per batch (batches are built from pairs of similar length)
    learning_rate: float = 2e-3
    final_lr_fraction: float = 0.05
    warmup_steps: int = 300
    clipnorm: float = 1.0
    steps: int = 12000
    time_limit: float | None = (
        # seconds per model (the three were trained at once, one thread each); the best validation weights are kept
        3300.0
    )
    eval_every: int = 300
    eval_sentences: int = 500  # validation sentences per check (greedy BLEU)
    latency_lengths: tuple[int, ...] = (5, 10, 15, 20, 30, 40)  # English words, timed with beam 4 after training
    latency_repeats: int = 3
    max_pairs: int | None = None  # use only the first max_pairs English sentences' pairs (tiny presets)
    quantize: bool = True  # ship weights as int8 with one float scale per output channel

    def receptive_fields(self) -> dict:
        """Tokens one convolutional position sees, in the encoder (both sides) and the causal decoder."""
        return {
            "encoder": 1 + (self.cnn_kernel - 1) * self.cnn_encoder_layers,
            "decoder": 1 + (self.cnn_kernel - 1) * self.cnn_decoder_layers,
        }


TRANSLATION = TranslationConfig()
TRANSLATION_QUICK = replace(TRANSLATION, steps=400, time_limit=240.0, eval_every=200, eval_sentences=200)
TRANSLATION_TINY = replace(
    TRANSLATION,
    test_sentences=60,
    val_sentences=40,
    bpe_merges=300,
    min_char_count=1,
    embedding_dim=16,
    rnn_units=16,
    cnn_units=16,
    cnn_encoder_layers=2,
    cnn_decoder_layers=2,
    batch_tokens=300,
    warmup_steps=2,
    steps=6,
    time_limit=None,
    eval_every=3,
    eval_sentences=20,
    max_pairs=1500,
    latency_lengths=(5, 15),
    latency_repeats=1,
    quantize=True,
)


def translation_preset(name: str) -> TranslationConfig:
    """Return the translation preset called `name` ("full", "quick" or "tiny")."""
    return pick_preset({"full": TRANSLATION, "quick": TRANSLATION_QUICK, "tiny": TRANSLATION_TINY}, name)
