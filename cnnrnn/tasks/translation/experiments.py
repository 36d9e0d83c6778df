"""Held-out measurements of the translators: corpus BLEU and chrF, BLEU by source length, probes, latency.

Scores are sacreBLEU's (corpus level, its default 13a tokenisation, on detokenised output),
each English sentence scored against every French translation the corpus gives it.
"""

from __future__ import annotations

import time

import numpy as np

from cnnrnn.tasks.translation.text import words

LENGTH_BINS = ((1, 4), (5, 6), (7, 8), (9, 10), (11, 13), (14, 17), (18, 24), (25, 200))  # English words

# Sentences where one French word agrees with a word far from it. Each probe: the English, and for
# each word that shows the agreement the French forms that are right and the forms that are wrong.
CONTEXT_PROBES = (
    {
        "english": "The girls who live next door are tired.",
        "checks": [{"right": ["fatiguées"], "wrong": ["fatigué", "fatigués", "fatiguée"]}],
        "why": "'tired' agrees with 'girls' (feminine plural), five words back",
    },
    {
        "english": "The flowers that he gave her were beautiful.",
        "checks": [{"right": ["belles"], "wrong": ["beau", "beaux", "belle"]}],
        "why": "'beautiful' agrees with 'flowers' (feminine plural), six words back",
    },
    {
        "english": "My sister, who lives in Paris with her husband, is happy.",
        "checks": [{"right": ["heureuse", "contente"], "wrong": ["heureux", "content"]}],
        "why": "'happy' agrees with 'sister', nine words back",
    },
    {
        "english": "The women I met yesterday at the station were very kind.",
        "checks": [{"right": ["gentilles", "aimables"], "wrong": ["gentil", "gentils", "gentille", "aimable"]}],
        "why": "'kind' agrees with 'women' (feminine plural), nine words back",
    },
    {
        "english": "The car that my father bought last year is new.",
        "checks": [{"right": ["neuve", "nouvelle"], "wrong": ["neuf", "nouveau"]}],
        "why": "'new' agrees with 'car' (la voiture), eight words back",
    },
    {
        "english": "The letters you wrote to me last summer were long.",
        "checks": [{"right": ["longues"], "wrong": ["long", "longs", "longue"]}],
        "why": "'long' agrees with 'letters' (feminine plural), eight words back",
    },
)


def english_words(text: str) -> int:
    return sum(1 for w in words(text) if w.strip("\u2581").isalnum())


def reference_streams(references: list[list[str]]) -> list[list[str | None]]:
    """Per-sentence reference lists as sacreBLEU's streams (None where a sentence has fewer references)."""
    most = max(len(r) for r in references)
    return [[r[k] if k < len(r) else None for r in references] for k in range(most)]


def corpus_scores(hypotheses: list[str], references: list[list[str]]) -> dict:
    """Corpus BLEU and chrF (sacreBLEU) of hypotheses against every reference of each sentence."""
    import sacrebleu

    streams = reference_streams(references)
    return {
        "bleu": round(float(sacrebleu.corpus_bleu(hypotheses, streams).score), 2),
        "chrf": round(float(sacrebleu.corpus_chrf(hypotheses, streams).score), 2),
    }


def bleu_by_length(sources: list[str], hypotheses: list[str], references: list[list[str]]) -> list[dict]:
    """Corpus BLEU per bin of English length (words), Bahdanau et al.'s Figure 2 on this data."""
    import sacrebleu

    lengths = np.array([english_words(s) for s in sources])
    rows = []
    for low, high in LENGTH_BINS:
        picked = np.flatnonzero((lengths >= low) & (lengths <= high))
        if len(picked) == 0:
            continue
        refs = [references[i] for i in picked]
        rows.append(
            {
                "words": f"{low}-{high}" if high < 200 else f"{low}+",
                "low": low,
                "high": min(high, 99),
                "sentences": int(len(picked)),
                "bleu": round(
                    float(sacrebleu.corpus_bleu([hypotheses[i] for i in picked], reference_streams(refs)).score), 2
                ),
            }
        )
    return rows


def heldout_scores(translator, sources: list[str], references: list[list[str]], beam: int) -> dict:
    """Corpus BLEU, chrF and BLEU by length of the translations with `beam` (1: greedy)."""
    hypotheses = translator.translate_texts(sources, beam=beam)
    return {
        **corpus_scores(hypotheses, references),
        "by_length": bleu_by_length(sources, hypotheses, references),
        "hypotheses": hypotheses,
    }


def probe_results(translator, beam: int = 4) -> list[dict]:
    """Each context probe translated, and whether the far-agreeing word came out right."""
    rows = []
    for probe in CONTEXT_PROBES:
        out = translator.translate(probe["english"], beam=beam).text
        tokens = {w.strip("\u2581").lower() for w in words(out)}
        verdicts = []
        for check in probe["checks"]:
            if tokens & {w.lower() for w in check["right"]}:
                verdicts.append("agrees")
            elif tokens & {w.lower() for w in check["wrong"]}:
                verdicts.append("wrong agreement")
            else:
                verdicts.append("word not found")
        rows.append(
            {
                "english": probe["english"],
                "translation": out,
                "verdict": verdicts[0] if len(set(verdicts)) == 1 else ", ".join(verdicts),
            }
        )
    return rows


def latency_by_length(translator, lengths=(5, 10, 15, 20, 30, 40), beam: int = 4, repeats: int = 3) -> list[dict]:
    """Median milliseconds to translate an English text of n words with `beam` hypotheses."""
    base = (
        "the old man who lives in the small house near the river often walks his dog in the park "
        "before he goes to work and comes back late in the evening with his friends"
    ).split()
    rows = []
    translator.translate("Hello.", beam=beam)  # trace once before timing
    for n in lengths:
        text = " ".join((base * 4)[:n]).capitalize() + "."
        times = []
        for _ in range(repeats):
            start = time.perf_counter()
            translator.translate(text, beam=beam)
            times.append((time.perf_counter() - start) * 1000)
        rows.append({"words": n, "ms": round(float(np.median(times)), 1)})
    return rows


def joined_inputs(
    translator, sources: list[str], references: list[list[str]], counts=(1, 2, 3, 4, 6), groups: int = 150
) -> list[dict]:
    """chrF when k held-out sentences are joined into one input (k in `counts`), against their first references joined.

    The question-answering point made concrete: inputs grow past the lengths the models were
    trained on (one sentence each), and a model must carry all of it to its output.
    """
    import sacrebleu

    rows = []
    for k in counts:
        n = min(groups, len(sources) // k)
        inputs = [" ".join(sources[g * k : (g + 1) * k]) for g in range(n)]
        refs = [" ".join(r[0] for r in references[g * k : (g + 1) * k]) for g in range(n)]
        hyps = translator.translate_texts(inputs)
        rows.append(
            {
                "sentences": k,
                "inputs": n,
                "words": round(float(np.mean([english_words(t) for t in inputs])), 1),
                "chrf": round(float(sacrebleu.corpus_chrf(hyps, [refs]).score), 2),
            }
        )
    return rows
