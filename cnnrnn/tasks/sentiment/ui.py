"""The sentiment page's bridge to Streamlit: cached models and analyses, page state, the page's facts.

Models load once per process (`core.ui.loading.loader`, warmed at server start) and are shared by every session; their
`TextPredictor`s (tf.function) are thread-safe. Analyses are cached per text. What the page
says about the data and the models comes from the manifest (`facts`), with the code's config
as the fallback.
"""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd
import streamlit as st

from cnnrnn.core.ui.loading import loader
from cnnrnn.core.ui.page import manifest, shipped_tables, show_error
from cnnrnn.core.weights import utc_now
from cnnrnn.tasks.sentiment import experiments
from cnnrnn.tasks.sentiment.api import sentiment_predictors
from cnnrnn.tasks.sentiment.config import LONGEST_MR_TOKENS, REFERENCE_ACCURACIES, SENTIMENT, SENTIMENT_NAMES
from cnnrnn.tasks.sentiment.data import polarity_on_disk
from cnnrnn.tasks.sentiment.predict import TASK
from cnnrnn.tasks.sentiment.text import (
    EXAMPLE_SENTENCES,
    MAX_CHARS,
    MAX_VIEW_TOKENS,
    check_text,
    cnn_view,
    known_fraction,
    limit_text,
    tokenize,
)

TEXT_KEY = "sentiment_text"
EXAMPLE_KEY = "sentiment_example"


# --- models and analyses ----------------------------------------------------------


def predictors_or_stop() -> dict:
    """The shipped predictors, or a clear error box and the end of the page's run."""
    try:
        return sentiment_predictors()
    except FileNotFoundError:
        show_error("The sentiment models are not installed. Train them with: python -m cnnrnn train sentiment")
    except Exception:  # a damaged weights file: say so, never a traceback
        show_error("The sentiment models could not be loaded. Retrain them with: python -m cnnrnn train sentiment")
    st.stop()


@st.cache_data(show_spinner=False, max_entries=256)
def sentiment_analysis(text: str) -> dict:
    """Verdicts, prefix-by-prefix predictions, occlusion importance and the CNN's counted evidence."""
    predictors = sentiment_predictors()
    evidence = predictors["cnn"].counted_evidence(text)
    return {
        "verdicts": experiments.sentiment_verdicts(predictors, text),
        "prefixes": experiments.prefix_predictions(predictors, text),
        "occlusion": experiments.occlusion_importance(predictors, text),
        "evidence": evidence,
        "score": predictors["cnn"].counted_score(evidence),
    }


@dataclass
class Reading:
    """What the page shows for the typed text: `read` is the text the models judge."""

    read: str
    notice: str | None  # the text was cut (limit_text's notice)
    message: str | None  # nothing to judge (check_text's message)
    error: str | None = None  # the analysis failed
    analysis: dict | None = None
    tokens: tuple = ()
    known: float = 0.0  # the share of tokens in the vocabulary
    vocabulary_size: int = 0
    view: dict | None = None  # what the CNN reads (text.cnn_view)


def read_text(raw: str, predictors: dict) -> Reading:
    """Cut, check and analyse the typed text (never raises: a failure becomes `error`)."""
    limited = limit_text(raw or "")
    reading = Reading(limited.text, limited.notice, check_text(limited.text))
    if reading.message:
        return reading
    try:
        reading.analysis = sentiment_analysis(limited.text)
    except Exception:
        reading.error = "This text could not be analysed. Try a shorter or simpler sentence."
        return reading
    reading.tokens = tuple(tokenize(limited.text))
    vocabulary = predictors["rnn"].vocabulary
    reading.known = known_fraction(list(reading.tokens), vocabulary)
    reading.vocabulary_size = len(vocabulary)
    reading.view = cnn_view(list(reading.tokens), predictors["cnn"].sequence_length)
    return reading


@loader("the first view's readings")
def first_view() -> bool:
    """Compute what the page shows for its first sentence (the verdicts, the word-by-word predictions, the
    occlusion and the counted evidence), once per process: the warm start calls it after the models load.
    The first analysis traces each model's paths through its lookup tables (about 1 s on two cores); the
    first visitor then finds it cached and every later sentence takes tens of milliseconds."""
    read_text(EXAMPLE_SENTENCES[0], sentiment_predictors())
    return True


# --- page state -----------------------------------------------------------------------


def init_text() -> None:
    """The text box starts with the first example sentence."""
    if TEXT_KEY not in st.session_state:
        st.session_state[TEXT_KEY] = EXAMPLE_SENTENCES[0]


def use_example() -> None:
    """The example picker's callback: copy the picked sentence into the text box."""
    if st.session_state[EXAMPLE_KEY]:
        st.session_state[TEXT_KEY] = st.session_state[EXAMPLE_KEY]


def typed_own() -> None:
    """The text box's callback: a sentence typed by hand is no longer the example picked before."""
    if st.session_state.get(EXAMPLE_KEY) != st.session_state.get(TEXT_KEY):
        st.session_state[EXAMPLE_KEY] = None


# --- the held-out tables ------------------------------------------------------------------


def shipped_sentiment_tables() -> dict:
    """The manifest's sentiment experiment tables, name -> DataFrame ({} when absent)."""
    return shipped_tables(TASK)


@st.cache_data(show_spinner=False)
def sentiment_probes() -> pd.DataFrame:
    """The negation and contrast probes with both models' P(positive), computed by the loaded models."""
    return experiments.probe_table(sentiment_predictors())


@st.cache_data(show_spinner="Timing both models on this machine...")
def measure_sentiment_latency() -> dict:
    """The latency table measured on this machine: {"table": DataFrame, "measured_at": UTC time}.

    Cached for the process's life: later clicks show the same measurement, and say when it was made.
    """
    table = experiments.latency_sweep(sentiment_predictors(), SENTIMENT.latency_lengths, SENTIMENT.latency_repeats)
    return {"table": table, "measured_at": utc_now()}


@st.cache_data(show_spinner="Running the held-out experiments (about a minute)...")
def recompute_sentiment_tables() -> dict:
    """Length buckets and filler words recomputed on the test sentences: the tables and "measured_at"."""
    return {"tables": experiments.held_out_tables(sentiment_predictors(), SENTIMENT), "measured_at": utc_now()}


RERUN_NEEDS_DATA = (
    "Needs the 10,662 sentences of Pang & Lee's sentence-polarity data, which cannot ship with the "
    "app (its authors state no licence): set CNNRNN_DATA_DIR to a folder holding "
    "rt-polarity/rt-polarity.pos and .neg, or run `python -m cnnrnn evaluate sentiment` once "
    "online to download them."
)


def rerun_available() -> bool:
    """Whether the held-out sentences are on this machine (the data directory or the Keras cache)."""
    return polarity_on_disk()


def filler_summary(table) -> dict:
    """The filler table at its largest count (see `experiments.filler_summary`)."""
    return experiments.filler_summary(table)


# --- what the page says, from the manifest ----------------------------------------------------


def shipped_models() -> dict:
    """The manifest's sentiment models: name -> entry (test_accuracy, params, bytes...), in the manifest's order."""
    models = manifest().get(TASK, {}).get("models", {})
    return {name: entry for name, entry in models.items() if name in SENTIMENT_NAMES}


def facts() -> dict:
    """The numbers the page's text states: data sizes (the manifest's), the CNN's filter widths and more."""
    entry = manifest().get(TASK, {})
    data = entry.get("data", {})
    config = entry.get("config", {})
    kernels = list(config.get("cnn_kernel_sizes", SENTIMENT.cnn_kernel_sizes))
    lengths = list(config.get("latency_lengths", SENTIMENT.latency_lengths))
    train = data.get("train_size", 8595)
    val = data.get("val_size", SENTIMENT.val_size)
    test = data.get("test_size", SENTIMENT.test_size)
    return {
        "train_size": train,
        "test_size": test,
        "sentences": train + val + test,
        "kernels": ", ".join(map(str, kernels[:-1])) + f" and {kernels[-1]}" if len(kernels) > 1 else str(kernels[0]),
        "kernel_range": f"{min(kernels)}- to {max(kernels)}-word" if len(kernels) > 1 else f"{kernels[0]}-word",
        "latency_range": f"{min(lengths):,} to {max(lengths):,} tokens",
        "longest_tokens": LONGEST_MR_TOKENS,
        "max_chars": MAX_CHARS,
        "max_view_tokens": MAX_VIEW_TOKENS,
        "references": ", ".join(f"{n} {a:.1%}" for n, a in REFERENCE_ACCURACIES[:-1])
        + f"; {REFERENCE_ACCURACIES[-1][0]} {REFERENCE_ACCURACIES[-1][1]:.1%}",
    }
