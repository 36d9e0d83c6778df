"""Many to many, unaligned: English in, French out, three encoder-decoders side by side."""

import pandas as pd
import streamlit as st

from cnnrnn.core.ui.fair import fair_fight_panel
from cnnrnn.core.ui.loading import await_first_view
from cnnrnn.core.ui.page import page_header, show_error
from cnnrnn.core.ui.share import bound, explain, share_panel
from cnnrnn.tasks.translation import ui
from cnnrnn.tasks.translation.charts import (
    COLORS,
    attention_chart,
    attention_table,
    bleu_by_length_chart,
    by_length_table,
    joined_chart,
    latency_chart,
    latency_table,
    vector_chart,
)
from cnnrnn.tasks.translation.config import MODEL_LABELS, MODEL_NAMES

facts = ui.facts()
rf = facts["receptive_field"]
presenting = page_header(
    "Many to many: English -> French",
    "Many to many, with input and output of different lengths. Trained here on Tatoeba's sentence pairs "
    f"({facts['attribution']}, CC-BY 2.0)",
    "Translation is where context matters most: a French adjective agrees with a noun that may be far back. "
    f"**RNN, one fixed vector** squeezes the whole English sentence into one {facts['rnn_units']}-number state "
    "(Sutskever et al. 2014, Cho et al. 2014). **RNN with attention** keeps a state per English word and looks "
    "back at them for every French word (Bahdanau et al. 2015). **CNN with attention** (ConvS2S, Gehring et al. "
    f"2017) reads with gated convolutions, each encoder position seeing {rf['encoder']} subword tokens and each "
    f"decoder position the last {rf['decoder']}; attention gives it the whole sentence. Type English and compare.",
    guide="pick *The girls who live next door are tired.*: read the three translations and whether *fatiguées* "
    "agrees. Then point at the attention maps: each French word looks back at the English words it "
    "translates. Say: the fixed vector has one state for the whole sentence; attention, recurrent or "
    "convolutional, looks back at every word.",
)

# --- Controls -----------------------------------------------------------------
ui.init_text()
left, right = st.columns([3, 1])
with left:
    st.selectbox(
        "Example sentences",
        ui.EXAMPLES,
        index=None,
        key=ui.EXAMPLE_KEY,
        placeholder="Pick an example, or type your own below",
        on_change=ui.use_example,
    )
with right:
    beam = bound(
        st.slider,
        "Beam width",
        1,
        facts["max_beam"],
        ui.FIRST_BEAM,
        key="translation_beam",
        help="1 is greedy decoding: the likeliest next token each time. A wider beam keeps that "
        "many partial translations and returns the best whole one.",
    )
raw = bound(
    st.text_area,
    "English",
    key=ui.TEXT_KEY,
    height=90,
    on_change=ui.typed_own,
    help=f"Up to {facts['max_chars']:,} characters are read and {facts['max_source_tokens']} subword "
    "tokens translated; the models learned short everyday sentences.",
)
share_panel()
translators = ui.translators_or_stop()
await_first_view(ui.first_view)  # the default sentence and the probes, maybe being computed by the warm start

# --- Result -------------------------------------------------------------------
if not raw.strip():
    st.info("Type an English sentence to translate.", icon=":material/edit:")
    results = None
else:
    results = ui.translate_all(raw, int(beam))
if results:
    notices = next((r.get("notices") for r in results.values() if r.get("notices")), None)
    for notice in notices or ():
        st.warning(notice, icon=":material/content_cut:")
    if not presenting:  # on a projector the translations follow the sentence directly, on the first screen
        st.subheader("Translations" + (" (greedy)" if beam == 1 else f" (beam {beam})"))
    columns = st.columns(3)
    for column, name in zip(columns, MODEL_NAMES):
        with column:
            st.markdown(f"**{MODEL_LABELS[name]}**")
            if "error" in results[name]:
                show_error(results[name]["error"])
            else:
                st.code(results[name]["text"] or "(nothing)", language=None, wrap_lines=True)

    st.subheader("Where each model looked")
    att_cols = st.columns(2)
    for column, name in zip(att_cols, ("rnn_attention", "cnn")):
        result = results[name]
        if "error" in result or not result.get("attention"):
            continue
        with column:
            st.altair_chart(
                attention_chart(
                    attention_table(result["source"], result["output"], result["attention"]),
                    f"{MODEL_LABELS[name]}: attention",
                ),
                width="stretch",
            )
    explain(
        "Each row is one French token as it was written; the dark cells are the English tokens it "
        "attended to (each row sums to 1; the CNN's is the mean over its decoder layers). Tokens are "
        "subwords: rare words come in pieces."
    )
    fixed = results["rnn_fixed"]
    if fixed.get("vector"):
        st.altair_chart(
            vector_chart(fixed["vector"], "RNN, one fixed vector: everything its decoder is told"), width="stretch"
        )
        explain(
            f"The fixed-vector model's decoder never sees the English tokens: only these "
            f"{len(fixed['vector'])} numbers, the encoder's last state, whatever the sentence's length."
        )

# --- Held-out -----------------------------------------------------------------
models = facts["models"]
st.header(f"On {facts['test_sentences']:,} held-out English sentences")
if not models:
    st.info("No measurements in the manifest yet: train with `python -m cnnrnn train translation`.")
else:
    table = pd.DataFrame(
        [
            {
                "model": MODEL_LABELS[name],
                "BLEU": info["test"]["bleu"],
                "chrF": info["test"]["chrf"],
                "BLEU, greedy": info["test"]["greedy"]["bleu"],
                "chrF, greedy": info["test"]["greedy"]["chrf"],
                "parameters": info["params"],
                "file (MB)": round(info["bytes"] / 1e6, 2),
                "training (min)": round(info["train_seconds"] / 60, 1),
            }
            for name, info in models.items()
        ]
    )
    number = st.column_config.NumberColumn(format="%.1f")
    st.dataframe(
        table,
        hide_index=True,
        width="stretch",
        column_config={
            "BLEU": number,
            "chrF": number,
            "BLEU, greedy": number,
            "chrF, greedy": number,
            "parameters": st.column_config.NumberColumn(format="localized"),
        },
    )
    st.caption(
        "sacreBLEU corpus BLEU and chrF, beam 4 (and greedy beside it), against every French translation "
        f"Tatoeba gives each English sentence. Training kept pairs of at most {facts['max_train_source']} "
        f"English and {facts['max_train_target']} French subword tokens; the test split keeps every sentence."
    )
    st.altair_chart(bleu_by_length_chart(by_length_table(models)), width="stretch")
    st.caption(
        "Bahdanau et al.'s Figure 2 on this data: the fixed vector's score falls as sentences grow, while "
        "the attention models hold up longer. Tatoeba's long sentences are few (see the tooltips)."
    )
    joined = {n: i["joined"] for n, i in models.items() if i.get("joined")}
    if joined:
        st.subheader("Past the training lengths")
        st.altair_chart(joined_chart(joined), width="stretch")
        st.caption(
            "Held-out sentences joined two, three or more at a time into one input, scored with chrF "
            "against their references joined the same way. A question-answering model built this way "
            "must fit question and answer into lengths it was trained on; the fixed vector shows why."
        )
    latency = latency_table(models)
    measured_here = None
    if st.button("Time the three models on this machine", key="translation_latency"):
        latency, measured_here = ui.measure_latency()
    st.altair_chart(latency_chart(latency), width="stretch")
    if measured_here:
        st.caption(f"Measured on this machine at {measured_here}: one translation per length, beam 4.")
    else:
        st.caption(
            "Measured on the training machine with the shipped weights, one traced step per token; "
            "the button times yours (`python -m cnnrnn bench` in full)."
        )

st.header("Context probes")
st.caption("Sentences where a French word must agree with an English word far from it.")
probe_rows = ui.probes(4)
st.dataframe(
    pd.DataFrame(
        [
            {
                "model": MODEL_LABELS[r["model"]],
                "English": r["english"],
                "translation": r["translation"],
                "agreement": r["verdict"],
            }
            for r in probe_rows
        ]
    ),
    hide_index=True,
    width="stretch",
)
st.caption(f"Pairs from {facts['attribution']} (CC-BY 2.0).")

fair_fight_panel(
    "translation",
    list(MODEL_NAMES),
    MODEL_LABELS,
    {MODEL_LABELS[k]: v for k, v in COLORS.items()},
    [("rnn_attention", "cnn"), ("rnn_fixed", "rnn_attention")],
    legacy=("test.bleu", "test BLEU"),
)
