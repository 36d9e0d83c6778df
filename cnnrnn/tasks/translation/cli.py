"""Translation on the command line: `train translation`, `evaluate translation`, `translate`, benchmark rows.

The interface every task's cli provides is in `cnnrnn/core/task.py`'s docstring.
"""

from __future__ import annotations

import functools
import sys

import numpy as np

from cnnrnn.core.cli import print_json
from cnnrnn.core.timing import latency_summary, time_ms
from cnnrnn.core.weights import have_files
from cnnrnn.tasks.translation.config import MODEL_NAMES, translation_preset
from cnnrnn.tasks.translation.data import load_corpus
from cnnrnn.tasks.translation.experiments import heldout_scores
from cnnrnn.tasks.translation.parser import MODELS  # noqa: F401  (the command line checks --models against it)
from cnnrnn.tasks.translation.predict import check_beam, load_translators, shipped_config, shipped_files
from cnnrnn.tasks.translation.train import heldout, train_translation

BENCH_SENTENCE = "The old man who lives near the river often walks his small dog in the park before work."


def train(args, log) -> dict:
    """`python -m cnnrnn train translation`: args.preset, args.out, args.models; BLEU and chrF per model."""
    return train_translation(translation_preset(args.preset), args.out, models=args.models, log=log)


def evaluate(weights_dir=None) -> dict:
    """`python -m cnnrnn evaluate translation`: each shipped model on the test split, beam 4 and greedy."""
    translators = load_translators(weights_dir)
    corpus = load_corpus(shipped_config(weights_dir))
    english, references = heldout(corpus, "test")
    out = {
        "task": "translation",
        "test_size": len(english),
        "decoding": "beam 4",
        "bleu": {},
        "chrf": {},
        "bleu_by_length": {},
        "greedy": {"bleu": {}, "chrf": {}},
    }
    for name, translator in translators.items():
        beam = heldout_scores(translator, english, references, beam=4)
        greedy = heldout_scores(translator, english, references, beam=1)
        out["bleu"][name], out["chrf"][name] = beam["bleu"], beam["chrf"]
        out["bleu_by_length"][name] = {row["words"]: row["bleu"] for row in beam["by_length"]}
        out["greedy"]["bleu"][name], out["greedy"]["chrf"][name] = greedy["bleu"], greedy["chrf"]
    return out


def manifest_figures(entry: dict) -> dict:
    """What `evaluate` prints, as the manifest section recorded it when the weights were trained."""
    models = entry["models"]
    return {
        "task": "translation",
        "test_size": entry["split"]["test_sentences"],
        "decoding": "beam 4",
        "bleu": {name: info["test"]["bleu"] for name, info in models.items()},
        "chrf": {name: info["test"]["chrf"] for name, info in models.items()},
        "bleu_by_length": {
            name: {row["words"]: row["bleu"] for row in info["test"]["by_length"]} for name, info in models.items()
        },
        "greedy": {
            key: {name: info["test"]["greedy"][key] for name, info in models.items()} for key in ("bleu", "chrf")
        },
    }


def _texts(args):
    if args.texts:
        return list(args.texts)
    return [line.rstrip("\n") for line in sys.stdin]


def cmd_translate(args) -> int:
    """One JSON line per text and model: {"text", "model", "translation"} (or "error"); notices in "notices"."""
    beam = check_beam(args.beam)  # before the models load
    names = MODEL_NAMES if args.model == "all" else (args.model,)
    translators = load_translators(args.weights, names)
    for text in _texts(args):
        for name, translator in translators.items():
            try:
                result = translator.translate(text, beam=beam)
            except ValueError as error:
                print_json({"text": text, "model": name, "error": str(error)})
                continue
            line = {"text": text, "model": name, "translation": result.text}
            if result.notices:
                line["notices"] = result.notices
            print_json(line)
    return 0


# --- The benchmark's rows ---------------------------------------------------------------


def _shipped() -> bool:
    return have_files(shipped_files())


@functools.cache
def _translators() -> dict:
    return load_translators()


def bench(live: bool = False, repeats: int = 20, mixed: int = 30) -> dict:
    """A 15-word sentence translated with beam 4 (and greedy) per model; traces after mixed lengths.

    Rows "translation_cnn beam4 15 words", ...; traces: the encoder's and the step's, added (2: one
    each). {} without the weights. `live` adds nothing.
    """
    if not _shipped():
        return {}
    rng = np.random.default_rng(0)
    vocabulary = BENCH_SENTENCE.lower().rstrip(".").split()
    latency, traces = {}, {}
    for name, translator in _translators().items():
        for beam in (4, 1):
            latency[f"translation_{name} beam{beam} 15 words"] = latency_summary(
                time_ms(lambda t=translator, b=beam: t.translate(BENCH_SENTENCE, beam=b), repeats, warmup=2)
            )
        for _ in range(mixed):  # mixed lengths and beams: the traces must not grow
            words = rng.choice(vocabulary, int(rng.integers(1, 40)))
            translator.translate(" ".join(words).capitalize() + ".", beam=int(rng.integers(1, 6)))
        traces[f"translation_{name}"] = sum(translator.traces().values())
    return {"latency_ms": latency, "traces": traces}


def bench_calls(rng) -> list:
    """The memory loop's calls: a sentence of 1 to 30 words per model, greedy or beam 4."""
    if not _shipped():
        return []
    vocabulary = BENCH_SENTENCE.lower().rstrip(".").split()
    return [
        lambda t=translator: t.translate(
            " ".join(rng.choice(vocabulary, int(rng.integers(1, 30)))), beam=int(rng.choice([1, 4]))
        )
        for translator in _translators().values()
    ]
