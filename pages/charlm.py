"""Many to many: text -> text. A character LSTM and a causal CNN write in the style of a corpus."""

import streamlit as st

from cnnrnn.core.ui.fair import fair_fight_panel
from cnnrnn.core.ui.loading import await_first_view
from cnnrnn.core.ui.page import page_header, show_error
from cnnrnn.core.ui.runs import show_run_end
from cnnrnn.core.ui.share import bound, share_panel
from cnnrnn.tasks.charlm import charts, ui
from cnnrnn.tasks.charlm.data import MAX_CORPUS_BYTES, CorpusError
from cnnrnn.tasks.charlm.tang import ui as tang_ui

page_header(
    "Many to many: text -> text",
    "Character-level models trained on tiny Shakespeare and on Tang poems, and one you train here",
    "Each model reads a text one character at a time and, after every character, gives the odds of the next "
    "one. Sampling from those odds, one character after another, writes new text in the corpus's style. "
    "The **LSTM** carries a state from the first character on; the **causal CNN** sees a fixed window of "
    "the last characters and nothing before it.",
    guide="press **Generate** and watch the text appear character by character, then drag **Temperature** to 0 "
    "and to 2 and press it again. Say: the LSTM carries a state from the first character; the causal CNN "
    "only ever sees its fixed window.",
)
corpus_choice = (
    bound(st.segmented_control, "Corpus", ui.CORPORA, default=ui.CORPORA[0], key="gen_corpus") or ui.CORPORA[0]
)
shakespeare, tang = corpus_choice == ui.CORPORA[0], corpus_choice == ui.CORPORA[1]

entry = ui.charlm_manifest()
models = None
if shakespeare:
    try:
        models = ui.charlm_predictors()
        await_first_view(ui.first_view)  # the default text's reading, maybe being computed by the warm start
    except FileNotFoundError as error:
        show_error(f"The shipped character models are missing ({error}). You can still train your own below.")
elif not tang:
    st.info("Train a model on your own text below.")

# --- Controls -----------------------------------------------------------------
with st.sidebar:
    st.subheader("Sampling")
    model_name = bound(
        st.radio, "Model", ["lstm", "cnn"], key="gen_model", horizontal=True, format_func=charts.CHARLM_LABELS.get
    )
    if not tang:  # a poem ends where the model writes its end mark
        length = bound(st.slider, "Length (characters)", 50, ui.GEN_MAX_LENGTH, 400, step=50, key="gen_length")
    temperature = bound(
        st.slider,
        "Temperature",
        0.0,
        3.0,
        0.8,
        step=0.05,
        key="gen_temperature",
        help="0: always the likeliest character (greedy). 1: the model's own odds. Higher: flatter odds, wilder text.",
    )
    top_k = bound(
        st.number_input,
        "Top-k (0: every character)",
        0,
        10_000,
        0,
        key="gen_top_k",
        help="Sample only among the k likeliest characters.",
    )
    seed = bound(
        st.number_input,
        "Random seed",
        0,
        2**31 - 1,
        0,
        key="gen_seed",
        help="The same seed, prime and settings give the same text.",
    )


@st.fragment
def write_and_odds(models: dict):
    """Prime, Generate, the stream and the odds behind each character: a click here reruns only this part.
    The Share popover is drawn by the page's full runs, so an edited prime reaches the link at the next one."""
    predictor = models[model_name]
    st.subheader("Write")
    prime = bound(
        st.text_area,
        "Prime: the text the model continues",
        ui.DEFAULT_PRIME,
        key="gen_prime",
        height=80,
        max_chars=ui.PRIME_CHARS,
    )
    if st.button("Generate", key="gen_go", type="primary", icon=":material/edit:"):
        run = predictor.stream(prime, length, temperature, top_k, seed)
        for note in run.notes:
            st.caption(f":material/info: {note}")
        with st.container(border=True):
            st.write_stream(ui.markdown_pieces(run, run.prime))
        st.session_state["gen_last"] = ui.generation_record(run, model_name)
    elif "gen_last" in st.session_state:
        last = st.session_state["gen_last"]
        with st.container(border=True):
            st.markdown(ui.escape_markdown(last["prime"] + last["text"]))
    else:
        st.info("Press **Generate**: the text appears as it is written.")

    # --- Result: the odds behind each character --------------------------------
    last = st.session_state.get("gen_last")
    if last:
        st.caption(ui.generation_caption(last))
        st.altair_chart(ui.steps_chart(last), width="stretch")
        st.altair_chart(ui.surprise_chart(last), width="stretch")
        st.caption(ui.entropy_caption(entry, models))


if models is not None:
    write_and_odds(models)
    prime = st.session_state.get("gen_prime", ui.DEFAULT_PRIME)  # the Write part's prime, for the sections below

    # --- Read my text -------------------------------------------------------------
    st.subheader("Read my text")
    mine = bound(st.text_area, "A text for both models to read", key="gen_read_text", height=120, value=ui.READ_DEFAULT)
    if not mine.strip():
        st.info("Type or paste a text to see how expected each character is.")
    else:
        if len(mine) > ui.GEN_READ_CHARS:
            st.caption(f"Only the first {ui.GEN_READ_CHARS:,} characters are coloured.")
        readings = ui.read_text(mine)
        ui.readings_columns(readings, unseen="characters never seen in training")
        st.caption(
            f"Green: the model expected this character; red: it did not ({ui.SURPRISE_MAX:g} nats or more). "
            "Hover for p."
        )
        st.altair_chart(ui.read_chart(readings), width="stretch")

    # --- The same prime at several temperatures -----------------------------------
    st.subheader("One prime, several temperatures")
    if st.button(ui.temperatures_label(), key="gen_temps_go"):
        st.session_state["gen_temps"] = ui.temperature_samples(
            model_name, prime, ui.TEMPERATURES, ui.TEMPERATURE_LENGTH, int(top_k), int(seed)
        )
    if "gen_temps" in st.session_state:
        table = st.session_state["gen_temps"]
        for column, row in zip(st.columns(len(table)), table.itertuples()):
            column.markdown(f"**T = {row.temperature:g}**")
            column.code(row.text, language=None, wrap_lines=True)
            column.caption(f"mean p of the drawn characters {row.mean_probability:.2f}")
        st.caption(
            "Greedy (T = 0) loops on its favourite phrases; near 1 the text is varied but mostly words; "
            "higher, it falls apart into letters."
        )

    # --- Held-out: loss against position in the context ---------------------------
    st.subheader("On held-out text: how much each model gains from seeing further back")
    shipped = ui.shipped_loss_by_position()
    receptive = models["cnn"].receptive_field
    if shipped is not None:
        st.altair_chart(charts.loss_position_chart(shipped, receptive), width="stretch")
        left, right = st.columns([2, 3])
        left.dataframe(ui.shipped_context_table(), hide_index=True)
        right.caption(
            f"The last {ui.heldout_share(entry)} of tiny Shakespeare, in "
            f"{ui.eval_length(entry)}-character windows: "
            "the loss of the character that follows the first n, averaged over windows (table: over "
            "ranges of n, in nats per character). Mean over every position: "
            + ui.heldout_losses_text(entry)
            + f". The CNN sees the last {receptive} characters ({ui.cnn_layout(entry)}): past the "
            "dashed line, more text before cannot change its prediction. Both models gain most from the "
            "first 10 to 20 characters (the current word and the one before); the LSTM's lead opens "
            "there, and on this corpus neither gains much from more than a line of context."
        )
    windows = ui.RECOMPUTE_WINDOWS
    if st.button(f"Recompute on {windows} held-out windows", key="gen_recompute"):
        table, measured = ui.recompute_loss_by_position(windows)
        st.altair_chart(
            charts.loss_position_chart(
                table, receptive, title=f"Recomputed at {measured} on {windows} held-out windows"
            ),
            width="stretch",
        )

# --- Tang poems ------------------------------------------------------------------
if tang:
    tang_entry = tang_ui.tang_manifest()
    try:
        poets = tang_ui.tang_predictors()
    except FileNotFoundError as error:
        poets = None
        show_error(f"The shipped Tang-poem models are missing ({error}).")
if tang and poets is not None:
    st.markdown(tang_ui.corpus_blurb(tang_entry))
    st.subheader("Write a poem")
    left, right = st.columns(2)
    form = bound(left.selectbox, "Form", [*tang_ui.FORM_NAMES, None], key="tang_form", format_func=tang_ui.form_label)
    start = bound(right.radio, "Start from", tang_ui.STARTS, key="tang_start", horizontal=True)
    start_value = ""
    if start == "a title":
        start_value = bound(
            st.text_input, "Title", tang_ui.DEFAULT_TITLE, key="tang_title", max_chars=tang_ui.TITLE_CHARS
        )
    elif start == "a first line":
        start_value = bound(
            st.text_input,
            "First line (with its comma)",
            tang_ui.DEFAULT_FIRST_LINE,
            key="tang_prime",
            max_chars=tang_ui.PRIME_CHARS,
        )
    prime, title = tang_ui.start_text(start, start_value)
    if st.button("Write a poem", key="tang_go", type="primary", icon=":material/edit:"):
        written = {}
        for column, (name, poet) in zip(st.columns(2), poets.items()):
            with column:
                st.markdown(f"**{charts.CHARLM_LABELS[name]}**")
                run = tang_ui.write_poem(poet, form, prime, title, temperature, int(top_k), int(seed))
                for note in run.notes:
                    st.caption(f":material/info: {note}")
                with st.container(border=True):
                    if run.title:
                        st.markdown(f"**{run.title}**")
                    st.write_stream(tang_ui.stream_lines(run))
                written[name] = tang_ui.poem_record(run, name)
        st.session_state["tang_last"] = written
    last_poems = st.session_state.get("tang_last")
    if last_poems:
        for column, (name, record) in zip(st.columns(2), last_poems.items()):
            with column:
                st.caption(f"{charts.CHARLM_LABELS[name]}: {tang_ui.verdict(record)}")
                checks = tang_ui.line_checks(record)
                if len(checks):
                    st.dataframe(checks, hide_index=True, key=f"tang_checks_{name}")
        record = last_poems[model_name]
        st.caption(tang_ui.generation_caption(record))
        st.altair_chart(
            charts.generation_steps_chart(
                tang_ui.steps_table(record),
                title=f"{charts.CHARLM_LABELS[model_name]}: the top candidates of each "
                "character written (orange: the one drawn)",
            ),
            width="stretch",
        )
        st.altair_chart(charts.generation_surprise_chart(tang_ui.steps_table(record)), width="stretch")
        st.caption(
            "Entropy is how unsure the model is before drawing; surprise is -log p of the character drawn. "
            "Both fall to almost 0 at the marks: the form is the easy part."
        )
    else:
        st.info("Press **Write a poem**: the LSTM and the CNN each write one, line by line.")

    st.subheader("Form kept against the length of the poem")
    form_chart = tang_ui.form_length_chart(tang_entry)
    if form_chart is not None:
        st.altair_chart(form_chart, width="stretch")
        st.dataframe(tang_ui.accuracy_table(tang_entry), hide_index=True, key="tang_accuracy")
        st.caption(
            tang_ui.figures_caption(tang_entry) + f" The CNN sees the last {tang_ui.receptive_field(tang_entry)} "
            "characters: past the dashed line it can no longer see the start mark that names the form, "
            "nor count the lines from the first."
        )

    st.subheader("Read my poem")
    mine = bound(st.text_area, "A poem for both models to read", tang_ui.DEFAULT_READ, key="tang_read_text", height=80)
    if not mine.strip():
        st.info("Type or paste a poem to see how expected each character is.")
    else:
        readings = tang_ui.read_poem(mine)
        ui.readings_columns(readings, unseen="characters these models never saw")
        st.altair_chart(ui.read_chart(readings), width="stretch")

    st.subheader("One first line, several temperatures")
    line = bound(
        st.text_input, "First line", tang_ui.DEFAULT_FIRST_LINE, key="tang_temps_prime", max_chars=tang_ui.PRIME_CHARS
    )
    if st.button(ui.temperatures_label(tang_ui.TEMPERATURES, "first line"), key="tang_temps_go"):
        st.session_state["tang_temps"] = tang_ui.temperature_samples(
            model_name, line, tang_ui.TEMPERATURES, int(top_k), int(seed)
        )
    if "tang_temps" in st.session_state:
        table = st.session_state["tang_temps"]
        for column, row in zip(st.columns(len(table)), table.itertuples()):
            column.markdown(f"**T = {row.temperature:g}**")
            column.markdown(tang_ui.poem_lines(line + row.text))
            column.caption(f"mean p of the drawn characters {row.mean_probability:.2f}")

    st.subheader("On held-out poems: loss along the poem")
    poem_chart = tang_ui.loss_chart(tang_entry)
    if poem_chart is not None:
        st.altair_chart(poem_chart, width="stretch")
        st.caption(
            tang_ui.data_caption(tang_entry) + " The loss falls to almost 0 at every mark and rises at the "
            "start of each line."
        )

# --- Train your own -------------------------------------------------------------
st.subheader("Train your own")
st.markdown(ui.live_blurb(MAX_CORPUS_BYTES // 2**20))
source = bound(st.segmented_control, "Text", ["Upload", "Paste", "Sample"], default="Upload", key="gen_live_source")
corpus = None
try:
    if source == "Upload":
        upload = st.file_uploader(
            "A plain-text file", type=["txt"], key="gen_live_upload", max_upload_size=MAX_CORPUS_BYTES // 2**20
        )
        if upload is not None:
            corpus = ui.corpus_from_upload(upload.getvalue(), upload.name)
    elif source == "Paste":
        pasted = st.text_area("Your text", key="gen_live_paste", height=160)
        if pasted:
            corpus = ui.corpus_from_paste(pasted)
    elif source == "Sample":
        corpus = ui.shakespeare_excerpt(ui.SAMPLE_CHARS)
except CorpusError as error:
    show_error(str(error))
except FileNotFoundError as error:
    show_error(f"The sample text is not available offline: {error}")

live = ui.live_model()
job = ui.LIVE_RUN.current()  # queued or training on the pool, off this script's thread
if corpus is not None:
    if ui.trained_on_other(corpus):
        st.caption("The model below was trained on another text; training starts afresh on this one.")
    st.caption(ui.corpus_caption(corpus))
    seconds = bound(st.slider, "Training time (seconds)", 5, 300, 90, step=5, key="gen_live_seconds")
    same = ui.trained_on(corpus)
    left, right, _ = st.columns([1, 1, 4])
    train = left.button(
        "Keep training" if same else "Train",
        key="gen_live_train",
        type="primary",
        icon=":material/model_training:",
        disabled=job is not None,
    )
    if same and right.button("Start over", key="gen_live_reset", disabled=job is not None):
        ui.forget_live_model()
        live = None
    if train:
        ui.train_on(corpus, seconds)  # queues the run and reruns the page: Train greyed out while it goes
ended = ui.LIVE_RUN.take_ended()
if ended is not None and ended.state == "failed":
    show_run_end(ended, "training")
elif ended is not None and live is not None:
    st.progress(1.0, text=ui.live_done_text(live.history))
if job is not None and live is not None:
    ui.live_training_panel(live)

live = ui.live_model()
if live is not None and live.history.get("step") and job is None:
    st.success(ui.live_summary(live.history))
    st.altair_chart(charts.training_loss_chart(live.history, title="Your model's loss"), width="stretch")
    with st.form("gen_live_form", border=True):
        st.markdown("**Generate from your model**")
        live_prime = st.text_input("Prime", key="gen_live_prime", value=ui.live_prime())
        c1, c2, c3 = st.columns(3)
        live_length = c1.slider("Length", 50, 1000, 300, step=50, key="gen_live_length")
        live_temperature = c2.slider("Temperature", 0.0, 2.0, 0.7, step=0.05, key="gen_live_temperature")
        live_seed = c3.number_input("Seed", 0, 2**31 - 1, 0, key="gen_live_seed")
        go = st.form_submit_button("Generate", type="primary")
    if go:
        run = live.predictor.stream(live_prime, live_length, live_temperature, 0, live_seed)
        for note in run.notes:
            st.caption(f":material/info: {note}")
        with st.container(border=True):
            st.write_stream(ui.markdown_pieces(run, run.prime))
elif corpus is None:
    st.info("Choose a text to train on: upload one, paste one, or take the Shakespeare sample.")
fair_fight_panel(
    "tang" if tang else "charlm",
    ["lstm", "cnn"],
    charts.CHARLM_LABELS,
    {charts.CHARLM_LABELS[k]: v for k, v in charts.CHARLM_COLORS.items()},
    [("lstm", "cnn")],
    legacy=("heldout_loss", "held-out loss (nats per character)"),
)
share_panel()
