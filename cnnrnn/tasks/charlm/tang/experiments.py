"""The Tang models' measurements: held-out loss, loss by position, form accuracy, first-line completion.

Held-out loss: mean nats per predicted character over every held-out poem's sequence (marks
to end mark). Form accuracy: of `n` seeded poems per form written from nothing at temperature
0.8, the share that keep every line's length and mark; the same poems give, per line, the share
that keep the form up to that line ("form against length": where the CNN's window ends).
First-line completion: the first line of each quatrain of the 300 anthology, completed as
`generate` does by default, checked as a quatrain.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from cnnrnn.tasks.charlm.tang.config import TANG
from cnnrnn.tasks.charlm.tang.data import (
    END,
    corpus_sequences,
    load_anthology,
    load_tang,
    pad_batch,
    start_mark,
)
from cnnrnn.tasks.charlm.tang.form import FORM_NAMES, FORMS, check_form, quatrain_for, split_lines
from cnnrnn.tasks.charlm.tang.predict import load_tang as load_tang_models

QUATRAINS = ("五言絕句", "七言絕句")


def poem_losses(predictor, seqs, batch_size: int = 64) -> list[np.ndarray]:
    """Per sequence, the nats of each predicted character: a list of (len - 1,) float32 arrays."""
    order = np.argsort([len(s) for s in seqs], kind="stable")
    out: list = [None] * len(seqs)
    for start in range(0, len(order), batch_size):
        chosen = order[start : start + batch_size]
        batch = pad_batch([seqs[i] for i in chosen])
        losses = predictor.token_losses(batch)
        for row, i in enumerate(chosen):
            out[i] = losses[row, : len(seqs[i]) - 1]
    return out


def mean_loss(losses: list[np.ndarray]) -> float:
    """Nats per character over every prediction of every sequence."""
    return float(np.concatenate(losses).mean()) if losses else float("nan")


def loss_by_position(losses: list[np.ndarray], min_poems: int = 50) -> list[float]:
    """Mean loss of the character after p + 1 characters of its poem (mark included), while >= min_poems
    (at most half the poems) reach it."""
    min_poems = max(min(min_poems, len(losses) // 2), 1)
    longest = max((len(x) for x in losses), default=0)
    out = []
    for p in range(longest):
        values = [x[p] for x in losses if len(x) > p]
        if len(values) < min_poems:
            break
        out.append(float(np.mean(values)))
    return out


MAX_BATCH = 256  # poems per compiled batch call


def write_many(predictor, prefixes: list[np.ndarray], length: int, temperature: float, seed: int) -> list[str]:
    """Continue many id prefixes at once (grouped by length): each continuation cut at the end mark.

    A row's text depends on `seed` and on its place among the prefixes of its length.
    """
    out: list = [None] * len(prefixes)
    groups: dict = {}
    for i, ids in enumerate(prefixes):
        groups.setdefault(len(ids), []).append(i)
    for _, members in sorted(groups.items()):
        for start in range(0, len(members), MAX_BATCH):
            chosen = members[start : start + MAX_BATCH]
            ids = predictor.generate_batch(np.stack([prefixes[i] for i in chosen]), length, temperature, seed)
            for row, i in enumerate(chosen):
                out[i] = predictor.vocab.decode(ids[row]).split(END)[0]
    return out


def form_figures(predictor, n: int = TANG.form_poems, temperature: float = TANG.temperature, seed: int = 0) -> dict:
    """Per form: accuracy (share of n seeded poems written from the form's mark alone that keep the form)
    and kept (per line k, the share whose first k lines keep their length and mark; the last: the whole poem)."""
    out = {}
    for number, form in enumerate(FORM_NAMES):
        chars, count = FORMS[form]
        prefix = predictor.vocab.encode(start_mark(form))
        poems = write_many(predictor, [prefix] * n, (chars + 1) * count + 8, temperature, seed + number)
        kept_lines = []
        for poem in poems:
            check = check_form(poem, form)
            kept_lines.append(count if check.ok else min(check.kept_lines(), count - 1))
        kept_lines = np.array(kept_lines)
        out[form] = {
            "accuracy": round(float(np.mean(kept_lines == count)), 4),
            "poems": n,
            "kept": [round(float(np.mean(kept_lines >= k)), 4) for k in range(1, count + 1)],
            "example": poems[0],
        }
    return out


def anthology_first_lines(anthology=None) -> list[str]:
    """The first line (with its comma) of every quatrain of the 300 anthology that keeps its form."""
    rows = anthology if anthology is not None else load_anthology()
    lines = []
    for row in rows:
        if row["form"] in QUATRAINS and check_form(row["text"], row["form"]).ok:
            lines.append(split_lines(row["text"])[0][0])
    return lines


def completion(
    predictor, first_lines, seeds: int = TANG.completion_seeds, temperature: float = TANG.temperature, length: int = 40
) -> dict:
    """Each first line completed `seeds` times as `generate` does by default (a quatrain of its line length,
    unknown characters left out); the share whose whole text (line and continuation) is that quatrain."""
    prepared = [predictor.prepare_poem(line) for line in first_lines]
    ok = 0
    for seed in range(seeds):
        texts = write_many(predictor, [ids for ids, *_ in prepared], length, temperature, seed)
        for line, (_, poem, _, _form, _), text in zip(first_lines, prepared, texts):
            ok += bool(quatrain_for(line)) and check_form(poem + text, quatrain_for(line)).ok
    total = len(first_lines) * seeds
    return {"share": round(ok / max(total, 1), 4), "poems": total, "temperature": temperature}


def evaluate_tang(weights_dir=None, config=None) -> dict:
    """Held-out loss, form accuracy and first-line completion of the shipped Tang models.

    Returns {"task": "tang", "loss": {model: nats}, "form_accuracy": {model: {form: share}},
    "first_line_completion": {model: share}, "heldout_poems": n}.
    """
    config = config or TANG
    predictors = load_tang_models(weights_dir)
    corpus = load_tang(config)
    vocab = next(iter(predictors.values())).vocab
    _, held = corpus_sequences(corpus, vocab, config)
    first_lines = anthology_first_lines()
    result = {"task": "tang", "loss": {}, "form_accuracy": {}, "first_line_completion": {}, "heldout_poems": len(held)}
    for name, predictor in predictors.items():
        result["loss"][name] = round(mean_loss(poem_losses(predictor, held)), 4)
        result["form_accuracy"][name] = {
            f: v["accuracy"] for f, v in form_figures(predictor, config.form_poems, config.temperature).items()
        }
        result["first_line_completion"][name] = completion(
            predictor, first_lines, config.completion_seeds, config.temperature
        )["share"]
    return result


def form_table(entry: dict) -> pd.DataFrame:
    """The manifest's form figures as a tidy table: model, form, line, chars (into the poem), share kept."""
    rows = []
    for name, record in entry.get("models", {}).items():
        for form, figures in record.get("forms", {}).items():
            chars, _ = FORMS[form]
            for line, share in enumerate(figures["kept"], start=1):
                rows.append(
                    {"model": name, "form": form, "line": line, "chars": line * (chars + 1), "share": float(share)}
                )
    return pd.DataFrame(rows, columns=["model", "form", "line", "chars", "share"])


def shipped_loss_by_position(entry: dict) -> pd.DataFrame:
    """The manifest's loss by position (section "tang") as a table: model, context, loss."""
    rows = [
        {"model": name, "context": p + 1, "loss": float(v)}
        for name, record in entry.get("models", {}).items()
        for p, v in enumerate(record.get("loss_by_position", []))
    ]
    return pd.DataFrame(rows, columns=["model", "context", "loss"])
