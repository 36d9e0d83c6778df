"""The translation page's bridge to Streamlit: cached translators and translations, the page's facts.

The translators load once per process (`core.ui.loading.loader`, warmed at server start) and are shared by
every session;
their traced functions are thread-safe. Translations are cached per (text, beam). What the page
says about the data and the models comes from the manifest.
"""

from __future__ import annotations

import pandas as pd
import streamlit as st

from cnnrnn.core.ui.loading import loader
from cnnrnn.core.ui.page import manifest, show_error
from cnnrnn.core.warm import checkpoint
from cnnrnn.core.weights import utc_now
from cnnrnn.tasks.translation.config import MAX_INPUT_CHARS, MAX_SOURCE_TOKENS, MODEL_LABELS, MODEL_NAMES, TRANSLATION
from cnnrnn.tasks.translation.data import ATTRIBUTION
from cnnrnn.tasks.translation.experiments import CONTEXT_PROBES, latency_by_length, probe_results
from cnnrnn.tasks.translation.predict import MAX_BEAM, load_translators

TEXT_KEY = "translation_text"
EXAMPLE_KEY = "translation_example"
DEFAULT_TEXT = "The girls who live next door are tired."
EVERYDAY = (
    "I would like a cup of coffee, please.",
    "Where is the train station?",
    "We are going to the beach tomorrow if it doesn't rain.",
    "My brother has been working in this hospital for ten years.",
    "Can you tell me what time it is?",
)
EXAMPLES = tuple(p["english"] for p in CONTEXT_PROBES) + EVERYDAY


@loader("the three translation models")
def translators() -> dict:
    return load_translators()


def translators_or_stop() -> dict:
    try:
        return translators()
    except FileNotFoundError:
        show_error("The translation models are not installed. Train them with: python -m cnnrnn train translation")
    except Exception:  # a damaged weights file: say so, never a traceback
        show_error("The translation models could not be loaded. Retrain them with: python -m cnnrnn train translation")
    st.stop()


@st.cache_data(show_spinner=False, max_entries=256)
def translate_all(text: str, beam: int) -> dict:
    """name -> {"text", "source", "output", "attention", "vector", "notices"} (or {"error"})."""
    out = {}
    for name, translator in translators().items():
        checkpoint()  # in the warm start's first view: a running page goes first
        try:
            result = translator.translate(text, beam=beam)
        except ValueError as error:
            out[name] = {"error": str(error)}
            continue
        out[name] = {
            "text": result.text,
            "source": result.source_pieces,
            "output": result.output_pieces,
            "attention": None if result.attention is None else result.attention.tolist(),
            "vector": None if result.vector is None else result.vector.tolist(),
            "notices": result.notices,
        }
    return out


@st.cache_data(show_spinner="Translating the context probes...", max_entries=4)
def probes(beam: int = 4) -> list[dict]:
    rows = []
    for name, translator in translators().items():
        checkpoint()  # in the warm start's first view: a running page goes first
        for row in probe_results(translator, beam=beam):
            rows.append({"model": name, **row})
    return rows


FIRST_BEAM = 4  # the page's beam width before anyone moves it


@loader("the first view's translations")
def first_view() -> bool:
    """Compute what the page shows before anyone types (the default sentence, the context probes), once
    per process: the warm start calls it after the models load, so the first visitor finds it cached."""
    translate_all(DEFAULT_TEXT, FIRST_BEAM)
    probes(FIRST_BEAM)
    return True


def measure_latency(lengths=(5, 15, 30)):
    """The latency chart's table timed here and now (beam 4, one run per length), and when it was measured."""
    rows = [
        {"model": name, "label": MODEL_LABELS[name], **row}
        for name, translator in translators().items()
        for row in latency_by_length(translator, lengths, repeats=1)
    ]
    return pd.DataFrame(rows), utc_now().replace("T", " ")[:16] + " UTC"


def init_text() -> None:
    if TEXT_KEY not in st.session_state:
        st.session_state[TEXT_KEY] = DEFAULT_TEXT


def typed_own() -> None:
    """Typing a sentence of one's own clears the example picked before (it no longer describes the box)."""
    st.session_state[EXAMPLE_KEY] = None


def use_example() -> None:
    """The picked example goes into the text box (the user's own text stays until they pick one)."""
    picked = st.session_state.get(EXAMPLE_KEY)
    if picked:
        st.session_state[TEXT_KEY] = picked


def entry() -> dict:
    return manifest().get("translation", {})


def facts() -> dict:
    """What the page says about the data and the models: from the manifest, the config as fallback."""
    e = entry()
    split = e.get("split", {})
    config = e.get("config", {})
    return {
        "attribution": ATTRIBUTION,
        "pairs": e.get("data", {}).get("pairs"),
        "english_sentences": e.get("data", {}).get("english_sentences"),
        "train_sentences": split.get("train_sentences"),
        "test_sentences": split.get("test_sentences", TRANSLATION.test_sentences),
        "max_train_source": split.get("max_train_source_tokens", TRANSLATION.max_train_source),
        "max_train_target": split.get("max_train_target_tokens", TRANSLATION.max_train_target),
        "pieces": e.get("vocabulary", {}).get("pieces"),
        "receptive_field": e.get("receptive_field", TRANSLATION.receptive_fields()),
        "rnn_units": config.get("rnn_units", TRANSLATION.rnn_units),
        "max_source_tokens": MAX_SOURCE_TOKENS,
        "max_chars": MAX_INPUT_CHARS,
        "max_beam": MAX_BEAM,
        "models": {name: e.get("models", {}).get(name, {}) for name in MODEL_NAMES if name in e.get("models", {})},
    }
