"""The Tang poems on the generation page: cached loaders, the poem writer's helpers, texts from the manifest.

The shipped models load once per process (`core.ui.loading.loader`, warmed at server start) and are shared by
every session
(PoemPredictor is thread-safe). The page (`pages/charlm.py`) calls these and the charts.
"""

from __future__ import annotations

import pandas as pd
import streamlit as st

from cnnrnn.core.streaming import paced
from cnnrnn.core.ui.loading import loader
from cnnrnn.core.ui.page import manifest
from cnnrnn.core.warm import checkpoint
from cnnrnn.tasks.charlm.api import CHARLM_LABELS, SERVER_JIT, escape_markdown, generation_steps_table
from cnnrnn.tasks.charlm.api import temperature_samples as run_temperatures
from cnnrnn.tasks.charlm.tang import charts
from cnnrnn.tasks.charlm.tang.config import TANG
from cnnrnn.tasks.charlm.tang.data import END, MARK_LABELS
from cnnrnn.tasks.charlm.tang.experiments import form_table, shipped_loss_by_position
from cnnrnn.tasks.charlm.tang.form import FORM_ENGLISH, FORM_NAMES, FORMS, check_form
from cnnrnn.tasks.charlm.tang.predict import MAX_PRIME_CHARS, MAX_TITLE_CHARS, load_tang

STARTS = ("nothing", "a title", "a first line")  # what a poem is written from
DEFAULT_TITLE = "秋夜"
DEFAULT_FIRST_LINE = "白日依山盡，"
DEFAULT_READ = "床前明月光，疑是地上霜。舉頭望明月，低頭思故鄉。"
PRIME_CHARS = MAX_PRIME_CHARS
TITLE_CHARS = MAX_TITLE_CHARS
TEMPERATURES = (0.0, 0.5, 1.0, 1.5)
STEPS_SHOWN = 70  # written characters in the candidates chart (a 七言律詩 is 64)
END_SHOWN = "⏹"  # the end mark in tables and charts


@loader("the Tang-poem models")
def tang_predictors() -> dict:
    """ "lstm" and "cnn" -> PoemPredictor over the shipped Tang models (FileNotFoundError when missing)."""
    predictors = load_tang(jit_step=SERVER_JIT)  # no XLA in the server: see charlm.predict.SERVER_JIT
    for predictor in predictors.values():
        checkpoint()  # the warm start lets a running page go first
        predictor.generate("", 4)  # trace and compile now, so the first click is instant
    return predictors


def tang_manifest() -> dict:
    """The manifest's "tang" section ({} when absent)."""
    return manifest().get("tang", {})


def corpus_blurb(entry: dict) -> str:
    """What the models read, the poem count from the manifest's "tang" section."""
    return (
        f"{entry.get('data', {}).get('poems', 0):,} poems of the 全唐詩 (the complete Tang poems, from the "
        "chinese-poetry database, MIT licence; the poems are public domain), one poem a sequence: a start mark "
        "naming its form, sometimes its title, the poem, an end mark. A regular poem has 4 (絕句) or 8 (律詩) "
        "lines of 5 (五言) or 7 (七言) characters, a comma after the first line of each couplet and a full stop "
        "after the second."
    )


def form_label(form: str | None) -> str:
    """ "五言絕句 (five-character quatrain)", or "any form"."""
    return f"{form} ({FORM_ENGLISH[form]})" if form else "any form (the model chooses)"


def start_text(start: str, text: str) -> tuple[str, str]:
    """(prime, title) for the writer's choice: from nothing, from a title, from a first line."""
    if start == "a title":
        return "", text
    if start == "a first line":
        return text, ""
    return "", ""


def write_poem(predictor, form: str | None, prime: str, title: str, temperature: float, top_k: int, seed: int):
    """A GenerationRun writing a whole poem of `form` (None: any form) after the prime and title."""
    chars, count = FORMS[form] if form else (7, 12)
    return predictor.stream(prime, (chars + 1) * count + 8, temperature, top_k, seed, form or "any", title)


def poem_record(run, model: str) -> dict:
    """What the page keeps of a written poem (session_state["tang_last"][model])."""
    return {
        "model": model,
        "prime": run.prime,
        "text": run.text,
        "title": run.title,
        "form": run.form,
        "finished": run.finished,
        "steps": run.steps,
        "notes": run.notes,
        "speed": len(run.steps) / max(run.seconds, 1e-9),
    }


def stream_lines(run):
    """A GenerationRun's prime, then its pieces, for st.write_stream: one line of the poem per row."""
    if run.prime:
        yield piece_lines(run.prime)
    for chunk in paced(run):  # about 50 ms of the poem per message (core.streaming.paced)
        yield piece_lines(chunk)


def piece_lines(piece: str) -> str:
    """Text escaped for Markdown, a line break after each line's mark."""
    out = escape_markdown(piece)
    for mark in "，。？！；":
        out = out.replace(mark, mark + "  \n")
    return out


def poem_lines(text: str) -> str:
    """A whole poem set one line per row for Markdown."""
    return piece_lines(text)


def line_checks(record: dict) -> pd.DataFrame:
    """One row per line of a written poem: the line, its length, whether length and mark keep the form."""
    form = record["form"]
    poem = record["prime"] + record["text"]
    if not form:
        return pd.DataFrame(columns=["line", "text", "characters", "form kept"])
    check = check_form(poem, form)
    rows = [
        {
            "line": i,
            "text": line.text,
            "characters": len(line.text) - 1,
            "form kept": "yes" if line.ok else ("no: length" if not line.length_ok else "no: mark"),
        }
        for i, line in enumerate(check.lines, start=1)
    ]
    return pd.DataFrame(rows, columns=["line", "text", "characters", "form kept"])


def verdict(record: dict) -> str:
    """ "In form: 4 lines of 5 characters, marks in place." or what breaks it."""
    form = record["form"]
    if not form:
        return "Any form: nothing to check against."
    check = check_form(record["prime"] + record["text"], form)
    chars, count = FORMS[form]
    if check.ok:
        return f"In form: {count} lines of {chars} characters, marks in place."
    ending = "" if record["finished"] else " (it did not end the poem)"
    return "Out of form: " + "; ".join(check.problems()) + ending + "."


def steps_table(record: dict) -> pd.DataFrame:
    """The written characters' candidates and entropy (`generation_steps_table`), the end mark shown as ⏹."""
    df = generation_steps_table(record["steps"], STEPS_SHOWN)
    shown = {END: END_SHOWN, **{m: MARK_LABELS[m] for m in MARK_LABELS if m != END}}
    return df.assign(chosen=df["chosen"].replace(shown), candidate=df["candidate"].replace(shown))


def generation_caption(record: dict) -> str:
    return (
        f"{CHARLM_LABELS[record['model']]}: {len(record['steps']):,} characters at {record['speed']:,.0f} per "
        f"second; {END_SHOWN} is the end mark, where it stops."
    )


@st.cache_data(show_spinner=False, max_entries=64)
def read_poem(text: str) -> dict:
    """Both shipped models' readings of a poem (`PoemPredictor.read`), from the start mark."""
    return {name: predictor.read(text[: PRIME_CHARS * 4]) for name, predictor in tang_predictors().items()}


@st.cache_data(show_spinner="Continuing the first line at each temperature...", max_entries=32)
def temperature_samples(model: str, prime: str, temperatures: tuple, top_k: int, seed: int):
    return run_temperatures(tang_predictors()[model], prime, temperatures, 80, top_k, seed)


def form_length_chart(entry: dict):
    """The manifest's form-against-length figures as a chart (None when absent)."""
    df = form_table(entry)
    if not len(df):
        return None
    return charts.form_length_chart(df, receptive_field(entry))


def loss_chart(entry: dict):
    df = shipped_loss_by_position(entry)
    return charts.poem_loss_chart(df, receptive_field(entry)) if len(df) else None


def receptive_field(entry: dict) -> int:
    return int(entry.get("models", {}).get("cnn", {}).get("receptive_field", TANG.receptive_field))


def accuracy_table(entry: dict) -> pd.DataFrame:
    """Form accuracy per form and model (share of seeded poems in form) and the first-line completion."""
    models = entry.get("models", {})
    rows = []
    for form in FORM_NAMES:
        row = {"form": form_label(form)}
        row.update({CHARLM_LABELS.get(n, n): r.get("form_accuracy", {}).get(form) for n, r in models.items()})
        rows.append(row)
    row = {"form": "first line of an anthology quatrain, completed"}
    row.update({CHARLM_LABELS.get(n, n): r.get("first_line_completion", {}).get("share") for n, r in models.items()})
    rows.append(row)
    return pd.DataFrame(rows)


def figures_caption(entry: dict) -> str:
    """How the form figures were measured, from the manifest and the config."""
    models = entry.get("models", {})
    record = next(iter(models.values()), {})
    forms = record.get("forms", {})
    poems = next(iter(forms.values()), {}).get("poems", TANG.form_poems)
    completion = record.get("first_line_completion", {})
    text = (
        f"{poems} seeded poems per form and model, written from the form's start mark alone at temperature "
        f"{record.get('config', {}).get('temperature', TANG.temperature):g} when the models were trained; "
        "a poem keeps its form while every line has the right length and ends with the right mark. "
    )
    if completion:
        seeds = completion["poems"] // max(entry.get("first_lines", 1), 1)
        text += (
            f"First lines: each of the {entry.get('first_lines', 0)} quatrains of the 300 anthology that keep "
            f"their form, {seeds} seed{'s' if seeds != 1 else ''} each, completed as `generate` does by default."
        )
    return text


def losses_text(entry: dict) -> str:
    """ "LSTM (carries its state) 5.123, causal CNN (fixed window) 5.456" from the manifest."""
    return ", ".join(
        f"{CHARLM_LABELS.get(n, n)} {r['heldout_loss']:.3f}"
        for n, r in entry.get("models", {}).items()
        if r.get("heldout_loss") is not None
    )


def data_caption(entry: dict) -> str:
    data = entry.get("data", {})
    return (
        f"Held out: {data.get('heldout_poems', 0):,} of {data.get('poems', 0):,} poems "
        f"({data.get('heldout_fraction', TANG.heldout_fraction):.0%}, a fixed seeded draw), each read from its "
        f"start mark to its end mark. Mean over every character: {losses_text(entry)} nats."
    )
