"""The generation page's bridge to Streamlit: cached loaders, page constants, text shown as text, live training.

The shipped models load once per process (`core.ui.loading.loader`, warmed at server start) and are shared by every
session; what they expose (CharPredictor, built on tf.function) is thread-safe. The model
trained on the page (`start_live_model`) belongs to one session and is never shared; it trains
on the process's training pool (cnnrnn.core.jobs), off the script thread, and
`live_training_panel` draws it in core's polled panel (cnnrnn.core.ui.live).
"""

from __future__ import annotations

import html
import math
from datetime import UTC, datetime
from functools import partial

import streamlit as st

from cnnrnn.core.streaming import paced
from cnnrnn.core.ui.live import live_panel
from cnnrnn.core.ui.loading import loader
from cnnrnn.core.ui.page import manifest
from cnnrnn.core.ui.runs import SessionRun, submit_training
from cnnrnn.core.warm import checkpoint
from cnnrnn.tasks.charlm import charts
from cnnrnn.tasks.charlm.config import CHARLM, CHARLM_LIVE
from cnnrnn.tasks.charlm.data import (
    CharCorpus,
    corpus_from_bytes,
    corpus_from_text,
    escape_markdown,
    shakespeare_heldout_text,
    shakespeare_sample,
)
from cnnrnn.tasks.charlm.experiments import (
    bin_by_context,
    context_table,
    generation_steps_table,
    loss_by_position,
    read_table,
)
from cnnrnn.tasks.charlm.experiments import shipped_loss_by_position as shipped_table
from cnnrnn.tasks.charlm.experiments import temperature_samples as run_temperatures
from cnnrnn.tasks.charlm.predict import MAX_PRIME_CHARS, SERVER_JIT, SHOW_TOP, load_charlm
from cnnrnn.tasks.charlm.train import LiveModel
from cnnrnn.tasks.charlm.train import start_live_model as start_live
from cnnrnn.tasks.charlm.train import train_live as run_live

# The page's limits and fixed choices (the page renders its texts from these).
CORPORA = ("Tiny Shakespeare", "Tang poems", "Your own")  # the page's corpus choice
GEN_MAX_LENGTH = 2000  # characters per Generate click
GEN_READ_CHARS = 2000  # "read my text" colours at most this many characters
PRIME_CHARS = MAX_PRIME_CHARS  # the prime box takes what the model reads
STEPS_SHOWN = 100  # generated characters drawn in the candidates chart
SURPRISE_MAX = 5.0  # nats: at this surprise or more a character is fully red
TEMPERATURES = (0.0, 0.5, 1.0, 1.5)  # "one prime, several temperatures"
TEMPERATURE_LENGTH = 240  # characters per temperature
RECOMPUTE_WINDOWS = 64  # held-out windows scored by "Recompute"
SAMPLE_CHARS = 100_000  # the Shakespeare sample for live training
LIVE = CHARLM_LIVE  # the live LSTM's preset (layers, units, time limit)
DEFAULT_PRIME = "ROMEO:\n"  # the prime box before anyone types
READ_DEFAULT = (
    "To be, or not to be, that is the question:\nWhether 'tis nobler in the mind to suffer\n"
    "The slings and arrows of outrageous fortune,\nOr to take arms against a sea of "
    "troubles\nAnd by opposing end them."
)  # "Read my text" before anyone types


@loader("the character models")
def charlm_predictors() -> dict:
    """ "lstm" and "cnn" -> CharPredictor over the shipped character models (thread-safe).

    Raises FileNotFoundError when the weights are missing (not cached: retried next run).
    """
    predictors = load_charlm(jit_step=SERVER_JIT)
    for predictor in predictors.values():
        checkpoint()  # the warm start lets a running page go first
        predictor.generate("\n", 4)  # trace and compile now, so the first Generate click is instant
    return predictors


def charlm_manifest() -> dict:
    """The manifest's "charlm" section ({} when absent)."""
    return manifest().get("charlm", {})


def markdown_pieces(run, prefix: str = ""):
    """`prefix` (the prime), then a GenerationRun's text in chunks of about 50 ms of generation
    (`core.streaming.paced`), escaped for `st.write_stream`: the browser gets a few messages per second of
    text at the model's own speed, not one per character."""
    if prefix:
        yield escape_markdown(prefix)
    for chunk in paced(run):
        yield escape_markdown(chunk)


# --- What the page says, from the manifest and the config ------------------------------


def cnn_layout(entry: dict) -> str:
    """ "6 causal convolutions of width 3, dilations 1, 2, 4, 8, 16, 32" from the manifest's CNN config."""
    config = entry.get("models", {}).get("cnn", {}).get("config", {})
    kernel = config.get("cnn_kernel_size", CHARLM.cnn_kernel_size)
    dilations = config.get("cnn_dilations", CHARLM.cnn_dilations)
    return f"{len(dilations)} causal convolutions of width {kernel}, dilations {', '.join(map(str, dilations))}"


def percent(fraction: float) -> str:
    """0.1 -> "10%"."""
    return f"{fraction:.0%}"


def heldout_share(entry: dict) -> str:
    """The held-out share of tiny Shakespeare the manifest records ("10%"; the config's when absent)."""
    return percent(entry.get("data", {}).get("val_fraction", CHARLM.val_fraction))


def eval_length(entry: dict) -> int:
    """The held-out window length the manifest records (the config's when absent)."""
    return int(entry.get("eval_length", CHARLM.eval_length))


def vocab_size(entry: dict, predictors: dict | None = None) -> int:
    """How many characters the shipped models know (the manifest's, else the loaded vocabulary's)."""
    size = entry.get("vocab", {}).get("size")
    if size is None and predictors:
        size = len(next(iter(predictors.values())).vocab)
    return int(size or 0)


def entropy_caption(entry: dict, predictors: dict | None = None) -> str:
    """The caption under the candidates chart: what entropy and surprise are, ln(vocabulary) as "no idea"."""
    size = vocab_size(entry, predictors)
    no_idea = f" (0 nats: certain; ln {size} = {math.log(size):.1f}: no idea)" if size > 1 else " (0 nats: certain)"
    return (
        f"Entropy is how unsure the model is before drawing{no_idea}; surprise is -log p of the character "
        "drawn. Temperature and top-k change what is drawn, not these odds."
    )


def heldout_losses_text(entry: dict) -> str:
    """ "LSTM (carries its state) 1.473, causal CNN (fixed window) 1.678": the manifest's mean held-out losses."""
    losses = {n: r.get("heldout_loss") for n, r in entry.get("models", {}).items()}
    return ", ".join(f"{charts.CHARLM_LABELS.get(n, n)} {v:.3f}" for n, v in losses.items() if v)


def temperatures_label(temperatures=TEMPERATURES, start: str = "prime") -> str:
    """ "Continue the prime at 0, 0.5, 1 and 1.5" (`start`: what is continued, "first line" for a poem)."""
    shown = [f"{t:g}" for t in temperatures]
    listed = ", ".join(shown[:-1]) + " and " + shown[-1] if len(shown) > 1 else shown[0]
    return f"Continue the {start} at {listed}"


def live_blurb(max_mb: int) -> str:
    """The "Train your own" paragraph, from the live preset and the sample size."""
    layers = {1: "one-layer", 2: "two-layer"}.get(LIVE.rnn_layers, f"{LIVE.rnn_layers}-layer")
    limit = LIVE.time_limit or 0
    when = f"within {limit / 60:g} minutes" if limit >= 60 else f"within {limit:.0f} s"
    return (
        f"Upload a `.txt` file or paste a text (any language, UTF-8, up to {max_mb} MB). A {layers} LSTM "
        f"({LIVE.rnn_units} units) learns it here, on this machine's CPU; its samples appear as it learns. "
        f"About {SAMPLE_CHARS // 1000} KB gives real words {when}."
    )


def corpus_caption(corpus: CharCorpus) -> str:
    """What the chosen text is: characters, distinct characters, the held-out share."""
    return (
        f"{corpus.source}: {len(corpus.text):,} characters, {len(set(corpus.text)):,} distinct; "
        f"the last {percent(corpus.val_fraction)} ({len(corpus.val_text):,}) is held out."
    )


def first_line(corpus: CharCorpus, chars: int = 40) -> str:
    """The corpus's first line (at most `chars` characters): the live model's default prime."""
    return corpus.text.lstrip()[:chars].split("\n")[0]


def live_done_text(history: dict) -> str:
    """The full progress bar's text when a live run has ended: steps, seconds and how it ended."""
    return f"Done: {history['step']:,} steps in {history['seconds']:.0f} s ({history['stopped']})."


def live_summary(history: dict) -> str:
    """The success line after live training: steps, seconds, the best held-out loss, stopped or not."""
    best = history.get("best_val_loss")
    return (
        f"Your LSTM: {history['step']:,} steps, {history['seconds']:.0f} s of training"
        + (f", held-out loss {best:.3f} nats per character" if best else "")
        + (" (stopped by you)" if history.get("stopped") == "stopped" else "")
        + "."
    )


# --- Generating and reading -------------------------------------------------------------


def generation_record(run, model_name: str) -> dict:
    """What the page keeps of a finished GenerationRun (session_state["gen_last"])."""
    speed = len(run.text) / max(run.seconds, 1e-9)
    return {
        "model": model_name,
        "prime": run.prime,
        "text": run.text,
        "steps": run.steps,
        "notes": run.notes,
        "speed": speed,
    }


def generation_caption(last: dict) -> str:
    """How many characters were written, and how fast."""
    return (
        f"{charts.CHARLM_LABELS[last['model']]}: {len(last['text']):,} characters at "
        f"{last['speed']:,.0f} characters per second (one compiled step per character: the LSTM carries "
        "its state, the CNN keeps a buffer of its window per layer)."
    )


def steps_chart(last: dict):
    """The candidates chart of the first STEPS_SHOWN generated characters."""
    return charts.generation_steps_chart(
        generation_steps_table(last["steps"], STEPS_SHOWN),
        title=f"The first {STEPS_SHOWN} characters: the model's top {SHOW_TOP} candidates (orange: the one drawn)",
    )


def surprise_chart(last: dict):
    """The entropy and surprise of the same STEPS_SHOWN characters (drawn under `steps_chart`)."""
    return charts.generation_surprise_chart(generation_steps_table(last["steps"], STEPS_SHOWN))


def _surprise_color(loss: float) -> str:
    """Background for a character: green when expected (low loss) to red when surprising (>= SURPRISE_MAX nats)."""
    hue = int(round(120 * (1.0 - min(max(loss, 0.0), SURPRISE_MAX) / SURPRISE_MAX)))
    return f"hsl({hue}, 85%, 80%)"


def probability_html(rows: list[dict]) -> str:
    """Each character on a background coloured by the model's probability for it (`CharPredictor.read`).

    Hovering shows the probability. Unknown characters are grey and struck through;
    the first character (nothing before it) is uncoloured.
    """
    spans = []
    for row in rows:
        char = row["char"]
        if char == "\n":
            spans.append("<br>")
            continue
        shown = html.escape(char) if char != " " else "&#32;"
        if not row["known"]:
            spans.append(
                f'<span title="never seen in training" style="color:#999;text-decoration:line-through">{shown}</span>'
            )
        elif row["probability"] is None:
            spans.append(f'<span title="first character: no context">{shown}</span>')
        else:
            spans.append(
                f'<span title="p = {row["probability"]:.3f}" style="background:'
                f'{_surprise_color(row["loss"])}">{shown}</span>'
            )
    return (
        '<div style="font-family:ui-monospace,monospace;font-size:0.95rem;line-height:1.7;'
        'word-break:break-word">' + "".join(spans) + "</div>"
    )


def mean_loss_text(rows: list[dict]) -> str:
    """A reading's mean loss, "1.93 nats/char" ("-" when no character was scored)."""
    losses = [r["loss"] for r in rows if r["loss"] is not None]
    return f"{sum(losses) / len(losses):.2f} nats/char" if losses else "-"


def unknown_chars(rows: list[dict], limit: int = 10) -> str:
    """The characters of a reading the model never saw, repr-quoted ("" when none)."""
    unknown = sorted({r["char"] for r in rows if not r["known"]})
    return " ".join(map(repr, unknown[:limit]))


@st.cache_data(show_spinner=False, max_entries=64)
def read_text(text: str) -> dict:
    """Both shipped models' per-character readings of `text` (the first GEN_READ_CHARS characters)."""
    return {name: predictor.read(text[:GEN_READ_CHARS]) for name, predictor in charlm_predictors().items()}


@loader("the first view's readings")
def first_view() -> bool:
    """Read the page's default text with both models, once per process: the warm start calls it after the
    models load. The first reading traces each model's whole-text forward pass (about 1 s each on two
    cores; generating traces only the step), so the first visitor finds the reading cached."""
    read_text(READ_DEFAULT)
    return True


def readings_columns(readings: dict, unseen: str) -> None:
    """One column per model's reading: its mean loss, the text coloured by how expected each character was,
    and the characters it never saw (`unseen` names them: "characters never seen in training")."""
    for column, (name, rows) in zip(st.columns(len(readings)), readings.items()):
        with column:
            st.metric(charts.CHARLM_LABELS[name], mean_loss_text(rows))
            st.markdown(probability_html(rows), unsafe_allow_html=True)
            unknown = unknown_chars(rows)
            if unknown:
                st.caption(f"Struck through: {unseen} ({unknown}).")


def read_chart(readings: dict):
    """The surprise at each character of the text, one line per model."""
    return charts.read_loss_chart(read_table(readings))


@st.cache_data(show_spinner="Continuing the prime at each temperature...", max_entries=32)
def temperature_samples(model: str, prime: str, temperatures: tuple, length: int, top_k: int, seed: int):
    return run_temperatures(charlm_predictors()[model], prime, temperatures, length, top_k, seed)


# --- Held-out loss by position ----------------------------------------------------------


def shipped_loss_by_position():
    """The manifest's held-out loss-by-position table, binned by context length (None when absent)."""
    df = shipped_table(charlm_manifest())
    return bin_by_context(df) if len(df) else None


def shipped_context_table():
    """The manifest's loss by position, averaged over ranges of context (None when absent)."""
    df = shipped_table(charlm_manifest())
    return context_table(df) if len(df) else None


@st.cache_data(show_spinner="Scoring held-out windows with both models...")
def recompute_loss_by_position(max_windows: int = RECOMPUTE_WINDOWS):
    """The same table recomputed on `max_windows` held-out windows, and when: (table, "HH:MM:SS UTC").

    The held-out text is the copy shipped in the package: the button works offline.
    Cached for the process's life, so the time says when these numbers were measured.
    """
    text = shakespeare_heldout_text(CHARLM.val_fraction)
    table = bin_by_context(loss_by_position(charlm_predictors(), text, CHARLM.eval_length, max_windows))
    return table, datetime.now(UTC).strftime("%H:%M:%S UTC")


# --- Live training ----------------------------------------------------------------------


@st.cache_data(show_spinner=False)
def shakespeare_excerpt(chars: int = SAMPLE_CHARS):
    """The first `chars` characters of tiny Shakespeare as a CharCorpus (the live-training sample, shipped)."""
    return corpus_from_text(shakespeare_sample(chars), name=f"tiny Shakespeare, first {chars // 1000} KB")


@st.cache_data(show_spinner=False, max_entries=8)
def corpus_from_upload(data: bytes, name: str):
    """data.corpus_from_bytes, cached per file (raises CorpusError)."""
    return corpus_from_bytes(data, name)


@st.cache_data(show_spinner=False, max_entries=8)
def corpus_from_paste(text: str):
    """data.corpus_from_text, cached per text (raises CorpusError)."""
    return corpus_from_text(text)


def start_live_model(corpus) -> LiveModel:
    """A fresh, untrained live LSTM for `corpus` (kept in the session, never shared)."""
    return start_live(corpus)


LIVE_RUN = SessionRun("gen_live_job", "gen_live_ended")  # this session's live training on the pool, then how it ended
LIVE_KEY, LIVE_SHA_KEY, LIVE_START_KEY = "gen_live", "gen_live_sha", "gen_live_start"  # the model, its text, its prime


def live_model() -> LiveModel | None:
    """This session's live model (None before the first Train, and after Start over)."""
    return st.session_state.get(LIVE_KEY)


def trained_on_other(corpus: CharCorpus) -> bool:
    """Whether the session's live model was trained on another text than `corpus` (Train starts afresh)."""
    return live_model() is not None and not trained_on(corpus)


def trained_on(corpus: CharCorpus) -> bool:
    """Whether the session's live model was trained on `corpus` (Keep training goes on with it)."""
    return live_model() is not None and st.session_state.get(LIVE_SHA_KEY) == corpus.sha256


def forget_live_model() -> None:
    """Start over: the session's live model is dropped (the next Train builds a fresh one)."""
    st.session_state.pop(LIVE_KEY, None)


def live_prime() -> str:
    """The live model's default prime: its text's first line ("" before any training)."""
    return st.session_state.get(LIVE_START_KEY, "")


def train_on(corpus: CharCorpus, seconds: float) -> None:
    """Queue `seconds` of training on `corpus` (Keep training when the session's model knows it, else a fresh
    model kept in the session), then rerun the page: Train is greyed out while the run goes."""
    live = live_model()
    if not trained_on(corpus):
        live = start_live_model(corpus)
        st.session_state.update({LIVE_KEY: live, LIVE_SHA_KEY: corpus.sha256, LIVE_START_KEY: first_line(corpus)})
    train_live(live, corpus, seconds, live_prime())
    st.rerun()


LIVE_STOPPED = {"stopped": "stopped", "time limit": "time limit", "session closed": "session closed"}


def train_live(live, corpus, seconds: float, prime: str):
    """Queue `seconds` of training of the session's live model on the training pool; returns the pool's Run.

    The model trains off the script thread (cnnrnn.core.jobs): Stop, the time limit or a
    closed session end it between two batches, and it ends on its best held-out weights.
    Training on (Keep training) continues the same model and optimizer. After each held-out
    check the run publishes a 200-character sample from `prime`; `live_training_panel` draws it.
    """

    def train(job):
        def on_progress(info):
            fraction = min(1.0, max(info["step"] / max(info["steps"], 1), info["seconds"] / max(seconds, 1e-9)))
            job.report(
                fraction, step=live.history.get("step", info["step"]), seconds=info["seconds"], loss=info["loss"]
            )
            if info.get("evaluated"):
                sample = live.predictor.generate(prime, 200, 0.7, 0, 0)
                job.report(sample=prime + sample, val_loss=info.get("val_loss"))

        run_live(live, corpus, on_progress=on_progress, should_stop=job.should_stop, time_limit=seconds)
        if job.reason in LIVE_STOPPED:  # the pool's reason is the true one (its clock started first)
            live.history["stopped"] = LIVE_STOPPED[job.reason]
        return live

    return LIVE_RUN.keep(submit_training(train, time_limit=seconds, name="your LSTM"))


def _history_now(history: dict) -> dict:
    """A copy of the live history's curves as they stand (the run is appending to them)."""
    return {key: list(history.get(key, [])) for key in ("steps", "loss", "val_steps", "val_loss")}


def _live_progress(live, job) -> None:
    """The live run's progress: the step and loss, the last held-out loss, the loss so far, the latest sample."""
    info = job.info
    limit = job.time_limit or 0
    if "step" in info:
        st.progress(
            job.progress,
            text=f"step {info['step']:,}, {info['seconds']:.0f} of {limit:.0f} s, training loss {info['loss']:.3f}",
        )
    else:
        st.progress(
            0.0,
            text="Waiting for a slot..." if job.state == "queued" else "Starting (the first steps build the model)...",
        )
    if info.get("val_loss") is not None:
        st.caption(f"Held-out loss {info['val_loss']:.3f} nats per character at step {info['step']:,}.")
    history = _history_now(live.history)
    if history["steps"]:
        st.altair_chart(charts.training_loss_chart(history, title="Loss while training (live)"), width="stretch")
    if info.get("sample"):
        st.code(info["sample"], language=None, wrap_lines=True)


def live_training_panel(live) -> None:
    """The running live training, polled (core.ui.live): queue place or progress, loss chart, sample, Stop."""
    live_panel(
        LIVE_RUN,
        partial(_live_progress, live),
        stop_key="gen_live_stop",
        stopping="Stopping: putting back the best weights...",
    )
