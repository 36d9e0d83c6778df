"""Many to one: a sentence in, one sentiment out. The RNN reads any length; the CNN a fixed window."""

import streamlit as st

from cnnrnn.core.ui.fair import fair_fight_panel
from cnnrnn.core.ui.loading import await_first_view
from cnnrnn.core.ui.page import page_header, show_error
from cnnrnn.core.ui.share import bound, explain, share_panel
from cnnrnn.tasks.sentiment import ui
from cnnrnn.tasks.sentiment.charts import (
    SENTIMENT_COLORS,
    SENTIMENT_LABELS,
    evidence_chart,
    evidence_table,
    filler_chart,
    latency_chart,
    length_bucket_chart,
    occlusion_chart,
    prefix_chart,
)
from cnnrnn.tasks.sentiment.text import EXAMPLE_SENTENCES

facts = ui.facts()
presenting = page_header(
    "Many to one: sentence -> sentiment",
    f"Two models trained from scratch on the sentence polarity dataset: {facts['sentences']:,} movie-review "
    "snippets (Pang & Lee 2005)",
    "A sentence of any length goes in, one verdict comes out. The **RNN** (a GRU) reads the "
    "words one by one and carries what it has read, however long the text. The **CNN** (after Kim 2014: "
    f"filters {facts['kernels']} words wide, each pooled over time by its max and its mean) needs a fixed length: "
    "every text is padded or cut to it. "
    "Type a sentence and compare.",
    guide="type *not bad at all* and then *a masterpiece, if you enjoy being bored*: read both verdicts and "
    "the word-by-word chart. Say: the RNN reads any length and carries what it read; the CNN is handed a "
    "fixed window, padded or cut.",
)


# --- Controls and result (one fragment) ---------------------------------------
@st.fragment
def sentence_and_verdicts():
    """The text box, the verdicts and the word-by-word views: typing reruns only this part."""
    # --- Controls -------------------------------------------------------------
    ui.init_text()
    st.selectbox(
        "Example sentences",
        EXAMPLE_SENTENCES,
        index=None,
        key=ui.EXAMPLE_KEY,
        placeholder="Pick an example, or type your own below",
        on_change=ui.use_example,
    )
    raw = bound(
        st.text_area,
        "Your sentence",
        key=ui.TEXT_KEY,
        height=100,
        on_change=ui.typed_own,
        help=f"Any language and length; up to {facts['max_chars']:,} characters are read. "
        "The models learned English movie reviews.",
    )
    share_panel()
    predictors = ui.predictors_or_stop()
    await_first_view(ui.first_view)  # the first sentence's analysis, maybe being computed by the warm start
    sequence_length = predictors["cnn"].sequence_length

    # --- Result -------------------------------------------------------------------
    reading = ui.read_text(raw, predictors)
    if reading.notice:
        st.warning(reading.notice, icon=":material/content_cut:")
    if reading.message:
        st.info(reading.message, icon=":material/edit:")
    if reading.error:
        show_error(reading.error)

    analysis = reading.analysis
    if analysis is not None:
        tokens = reading.tokens
        if not presenting:  # on a projector the verdicts follow the sentence directly, on the first screen
            st.subheader("Verdicts")
        columns = st.columns(2)
        for column, name in zip(columns, ("rnn", "cnn")):
            positive = analysis["verdicts"][name]
            with column:
                st.metric(SENTIMENT_LABELS[name], "positive" if positive >= 0.5 else "negative")
                st.progress(positive, text=f"P(positive) = {positive:.2f}")
        if reading.known == 0:
            st.warning(
                f"None of these words is in the models' vocabulary ({reading.vocabulary_size:,} "
                "English words from movie reviews), so both verdicts are a guess.",
                icon=":material/translate:",
            )
        elif reading.known < 0.5:
            st.info(
                f"Only {reading.known:.0%} of these words are in the models' vocabulary; the others count as unknown."
            )

        # --- Chart: reading word by word ------------------------------------------
        st.subheader("Reading word by word")
        if len(tokens) > facts["max_view_tokens"]:
            st.caption(
                f"The first {facts['max_view_tokens']} of {len(tokens):,} words (the verdicts above read them all)."
            )
        st.altair_chart(prefix_chart(analysis["prefixes"]), width="stretch")
        explain(
            "Each point is a model's verdict on the text up to that word. The RNN reads the prefix "
            "step by step; the CNN is handed the same prefix padded to its fixed length."
        )

        st.subheader("What the CNN sees")
        view = reading.view
        kept, cut, pads = st.columns(3)
        kept.metric("Words kept", len(view["kept"]))
        cut.metric("Words cut off", len(view["truncated"]))
        pads.metric("Padding slots", view["padding"])
        st.code(
            " ".join(view["kept"]) + (f"  [pad] x {view['padding']}" if view["padding"] else ""),
            language=None,
            wrap_lines=True,
        )
        if view["truncated"]:
            st.caption(f"Cut off, never seen by the CNN ({len(view['truncated']):,} words):")
            st.code(
                " ".join(view["truncated"][:500]) + (" ..." if len(view["truncated"]) > 500 else ""),
                language=None,
                wrap_lines=True,
            )
        st.caption(
            f"The CNN always reads exactly {sequence_length} tokens: shorter texts are padded, longer ones "
            f"cut. The RNN reads all {len(tokens):,}."
        )
        if analysis["evidence"]:
            st.altair_chart(evidence_chart(evidence_table(analysis["evidence"])), width="stretch")
            explain(
                "Beside each word's learned embedding, the CNN reads two fixed numbers counted on the "
                "training sentences: how much more often the word, and the pair it starts, appear in positive "
                "reviews than in negative ones (a naive-Bayes log-count ratio; 0 for words and pairs it never "
                "saw; pairs are hashed into a fixed table, so two pairs can share a number). Its filters weigh "
                "these against the words around them; the RNN gets the word's number only."
            )
            score = analysis["score"]
            if score is not None:
                read = len(analysis["evidence"])
                pair = f" and **{score['pair']:+.2f}** for the pairs" if score["pair"] is not None else ""
                words = f"{read} word{'s' if read != 1 else ''}"
                st.markdown(
                    f"Summed over the {words} the CNN reads, this counted evidence comes to "
                    f"**{score['word']:+.2f}** for the words{pair}: a naive-Bayes score (above 0 leans "
                    "positive). The CNN's output unit reads these sums directly, beside its pooled filters, "
                    "so the filters learn what counting words misses."
                )

        st.subheader("Which words matter")
        st.altair_chart(occlusion_chart(analysis["occlusion"]), width="stretch")
        explain(
            "Occlusion: drop one word, measure how P(positive) moves. A bar above zero means the word "
            "pushed the verdict towards positive."
        )


sentence_and_verdicts()
predictors = ui.predictors_or_stop()  # loaded by now: what the held-out section says of the CNN
sequence_length = predictors["cnn"].sequence_length

# --- Experiments on the held-out sentences --------------------------------------
st.subheader(f"On {facts['test_size']:,} held-out sentences")
tables = ui.shipped_sentiment_tables()
models = ui.shipped_models()
if models:
    st.caption(
        "Test accuracy: "
        + ", ".join(
            f"{SENTIMENT_LABELS[n]} {m['test_accuracy']:.1%} ({m['params']:,} parameters, {m['bytes'] / 1e6:.1f} MB)"
            for n, m in models.items()
        )
        + f". For scale on this data: {facts['references']}."
    )
can_rerun = ui.rerun_available()
if st.button("Re-run the held-out experiments on this machine", key="sentiment_rerun", disabled=not can_rerun):
    try:
        rerun = ui.recompute_sentiment_tables()
        tables = {**tables, **rerun["tables"]}
        st.caption(f"Length buckets and filler words measured on this machine at {rerun['measured_at']}.")
    except (OSError, ValueError):
        show_error("The test sentences are not available here (no data directory and no download).")
if not can_rerun:
    st.caption(f":material/cloud_off: {ui.RERUN_NEEDS_DATA}")

length_tab, filler_tab, latency_tab, probe_tab = st.tabs(
    ["By sentence length", "Filler words", "Latency", "Negation and contrast"]
)
with length_tab:
    if "length_buckets" in tables:
        st.altair_chart(length_bucket_chart(tables["length_buckets"]), width="stretch")
    explain(
        "Both models do about as well on short and long sentences: movie-review sentences fit in "
        f"the CNN's {sequence_length} tokens, so nothing is cut."
    )
with filler_tab:
    if "filler" in tables:
        st.altair_chart(filler_chart(tables["filler"]), width="stretch")
        most = ui.filler_summary(tables["filler"])
        st.caption(
            f"With {most['filler']} filler words before each sentence: RNN {most[('rnn', 'before')]:.0%}, "
            f"CNN {most[('cnn', 'before')]:.0%}; after it: RNN {most[('rnn', 'after')]:.0%}, "
            f"CNN {most[('cnn', 'after')]:.0%} (half the test sentences are positive)."
        )
    explain(
        "Neutral words (as common in positive reviews as in negative ones) added to every test "
        "sentence. **Before** the sentence, they push it out of the CNN's fixed window of "
        f"{sequence_length} tokens: once the filler fills the window the sentence is cut away and the "
        "CNN can only guess. **After** the sentence they fall outside the window and cost the CNN "
        "nothing. The RNN never cuts anything, but it has to carry the sentence through the filler "
        "after it (its fading memory), and a long run of filler before it takes its state far from "
        f"anything it met in training (the longest training sentence has {facts['longest_tokens']} tokens)."
    )

with latency_tab:
    latency = tables.get("latency")
    if st.button("Measure on this machine", key="sentiment_measure_latency"):
        measured = ui.measure_sentiment_latency()
        latency = measured["table"]
        st.caption(f"Measured on this machine at {measured['measured_at']}.")
    if latency is not None:
        st.altair_chart(latency_chart(latency), width="stretch")
    explain(
        f"One text at a time, {facts['latency_range']}. The RNN's time grows with every word it reads; the "
        "CNN's stays nearly flat, because it never reads more than its window (only splitting the "
        "text into words takes longer)."
    )
with probe_tab:
    probes = ui.sentiment_probes()
    shown = probes[["text", "expected", "rnn", "cnn"]].rename(
        columns={"rnn": "RNN P(positive)", "cnn": "CNN P(positive)"}
    )
    st.dataframe(
        shown,
        hide_index=True,
        width="stretch",
        column_config={
            c: st.column_config.ProgressColumn(c, min_value=0.0, max_value=1.0, format="%.2f")
            for c in ("RNN P(positive)", "CNN P(positive)")
        },
    )
    st.caption(
        f"Right: RNN {int(probes['rnn_right'].sum())} of {len(probes)}, "
        f"CNN {int(probes['cnn_right'].sum())} of {len(probes)}. Negation and contrast need word order: "
        f'a {facts["kernel_range"]} filter can see "not bad", the RNN can carry "but" to the end. The '
        f'movie reviews teach neither (their {facts["train_size"]:,} training sentences hold one "not good"), '
        "so both models also trained on short template sentences built from the reviews' own most polar words "
        'and a few basic ones such as good, bad and boring ("the plot is not dull ." is positive; "the cast '
        'is lively , but the script is tedious ." negative). They learn those pairs more than a general rule.'
    )

st.divider()
st.markdown(
    "**Why it matters.** The RNN has no input size: the same weights read 1 word or 100,000, at a cost "
    "that grows with the text. The CNN's filters could slide over any length too, but a fixed window makes "
    "its batches and cost predictable, and the window is the price: what falls outside it is never seen. "
    f"Both were trained from scratch on {facts['train_size']:,} review sentences (plus the negation templates), "
    "with no pretrained word vectors. Each word comes in as its learned embedding plus one fixed number: its "
    "naive-Bayes log-count ratio, how much more often it occurs in positive than in negative training "
    "sentences (Wang & Manning 2012). It is counted on the training sentences only and is worth about two "
    "points of accuracy to each model."
)

fair_fight_panel(
    "sentiment",
    ["rnn", "cnn"],
    SENTIMENT_COLORS,
    SENTIMENT_LABELS,
    {SENTIMENT_LABELS[k]: v for k, v in SENTIMENT_COLORS.items()},
    [("rnn", "cnn")],
    legacy=("test_accuracy", "test accuracy"),
)
