"""One to many: image -> sentence. A CNN encoder reads a scene once; an LSTM decoder writes its caption word by word."""

import random

import streamlit as st

from cnnrnn.core.images import MAX_UPLOAD_BYTES, UPLOAD_TYPES, ImageError
from cnnrnn.core.ui.fair import fair_fight_panel
from cnnrnn.core.ui.page import page_header, show_error
from cnnrnn.core.ui.share import bound, share_panel
from cnnrnn.tasks.captions import charts, ui
from cnnrnn.tasks.captions.config import CAPTIONS
from cnnrnn.tasks.captions.data import COLOURS
from cnnrnn.tasks.captions.experiments import beam_steps_table, caption_steps_table

SIDE = ui.SIDE  # the encoder's one input side (64)
presenting = page_header(
    "One to many: image -> sentence",
    "A CNN encoder and an LSTM decoder, trained on scenes the project draws itself",
    f"The **CNN encoder** turns a {SIDE}x{SIDE} picture into one vector, once. That vector starts the **LSTM "
    "decoder**, which then writes one word per step, each time reading the word it wrote last: one "
    "input, many outputs. Scenes hold one to three shapes (circle, square, triangle) in red, green, blue "
    "or yellow, small or large, side by side; the caption names them from left to right, e.g. "
    "*a large red circle left of a small blue square*.",
    guide="press **New scene** a few times and read the greedy caption against the true one, then widen the "
    "**beam**. Say: the CNN looks once; the LSTM writes one word per step, each time reading the word it "
    "wrote last.",
)

try:
    predictor = ui.caption_predictor()
except FileNotFoundError as error:
    show_error(f"The captioning model is missing ({error}).")
    st.stop()

FIRST_SEED = 2037  # the scene shown before any click (three shapes)
SOURCES = ["Random scene", "Draw", "Upload"]
with st.sidebar:
    st.subheader("Decoding")
    beam_width = bound(
        st.slider,
        "Beam width",
        2,
        8,
        CAPTIONS.beam_width,
        key="captions_beam",
        help="Beam search keeps this many partial captions at every step.",
    )


@st.fragment
def scene_and_caption():
    """The scene (random, drawn or uploaded), its caption and the decoding steps: a stroke, a new scene or
    a control here reruns only this part. The Share popover is drawn by the page's full runs (it keeps controls
    drawn after this part too), so a change made here reaches the link at the next full run."""
    source = bound(st.segmented_control, "Input", SOURCES, default="Random scene", key="captions_source") or SOURCES[0]
    # --- Controls -----------------------------------------------------------------
    model_input, truth, raw = None, None, None
    result_area = None  # in presenter mode the caption sits beside the scene, on the first screen
    if source == "Random scene":
        if presenting:
            left, right, result_area = st.columns([2, 2, 3])
        else:
            left, right = st.columns([2, 3])
        objects = bound(left.radio, "Objects", ["any", "1", "2", "3"], horizontal=True, key="captions_objects")
        left.button(
            "New scene",
            key="captions_new",
            icon=":material/casino:",
            on_click=lambda: st.session_state.update(captions_seed=random.randrange(2**31)),
        )
        st.session_state.setdefault("captions_seed", FIRST_SEED)
        seed = bound(
            left.number_input,
            "Scene number",
            0,
            2**31 - 1,
            key="captions_seed",
            help="Each number draws one scene: the same number, the same scene (and the link keeps it).",
        )
        image, display, truth = ui.random_scene(seed, None if objects == "any" else int(objects))
        model_input = ui.model_input(image)
        right.image(display, caption=f"Scene {seed} (generated, {SIDE}x{SIDE}, shown enlarged)", width=ui.DISPLAY_SIDE)
    elif source == "Draw":
        left, right = st.columns([1, 2])
        colour = bound(left.radio, "Colour", list(COLOURS), key="captions_colour", horizontal=True)
        tool = bound(left.radio, "Shape tool", list(ui.CANVAS_TOOLS), key="captions_tool")
        left.caption(
            "Draw one to three **filled** shapes side by side, left to right, with a gap between them. "
            "The grid helps with sizes: a **small** shape is about one cell wide, a **large** one about "
            "two. Triangles point up. The brush works too: fill the shape in."
        )
        with right:
            raw = ui.scene_canvas("captions_canvas", colour, tool)
    elif source == "Upload":
        upload = st.file_uploader(
            "A picture of one to three coloured shapes on white (PNG, JPEG, WebP, BMP, TIFF, GIF)",
            key="captions_upload",
            type=UPLOAD_TYPES,
            help=f"Up to {MAX_UPLOAD_BYTES // 2**20} MB. Sizes count against the whole picture: small is "
            "about 1/6 of its side, large about 1/3.",
        )
        raw = upload.getvalue() if upload is not None else None

    if model_input is None:
        if raw is None:
            st.info("Draw one to three shapes or upload a picture of them to begin.")
            return
        try:
            prepared = ui.prepare_scene(raw)
        except ImageError as error:
            show_error(f"{error}")
            return
        for note in prepared.notes:
            st.caption(f":material/info: {note}")
        titles, pictures = zip(*prepared.steps)
        st.image(list(pictures), caption=list(titles), width=160)  # small tiles that wrap on a phone
        model_input = prepared.model_input

    # --- Result -------------------------------------------------------------------
    result = ui.caption(model_input, beam_width)
    with result_area if result_area is not None else st.container():
        st.subheader("The caption")
        st.markdown(f"**Greedy decoding:** {result['greedy']}")
        st.markdown(
            f"**Beam search, width {beam_width}:** {result['beam']} (probability {result['beam_probability']:.1%})"
        )
        if truth is not None:
            st.markdown(f"**True caption:** {truth}")
            if result["greedy"] == truth:
                st.success("Greedy decoding got it exactly right.", icon=":material/check_circle:")
            else:
                st.warning(
                    f"Greedy decoding differs from the truth from word "
                    f"{ui.first_difference(result['greedy'], truth)} on.",
                    icon=":material/error:",
                )

    # --- Step by step -------------------------------------------------------------
    st.subheader("Decoding, step by step")
    st.altair_chart(charts.caption_steps_chart(caption_steps_table(result["greedy_steps"])), width="stretch")
    st.caption(
        f"Each row is one output step: the decoder's {ui.top_words()} likeliest next words and their "
        "probabilities. Greedy decoding takes the top word (outlined) and feeds it back in as the next step's "
        "input, until it writes <end>. The image went in once, before the first word."
    )
    left, right = st.columns(2)
    with left:
        st.markdown(f"**Beam search keeps {beam_width} captions at every step.** Its finalists:")
        st.dataframe(
            ui.finalists(result["beams"]),
            hide_index=True,
            column_config={"probability": st.column_config.NumberColumn(format="%.4f")},
        )
    with right:
        st.markdown(
            "**Greedy against beam search.** Greedy commits to one word at a time; beam search can keep a "
            "less likely word if what follows makes the whole caption likelier. On these scenes the model "
            "is usually sure, so the two mostly agree (the held-out table below)."
        )
        with st.expander("Beam search, every step"):
            st.dataframe(
                beam_steps_table(result["beam_steps"]),
                hide_index=True,
                column_config={"probability": st.column_config.NumberColumn(format="%.4f")},
            )


scene_and_caption()

# --- The fixed size, on the encoder side --------------------------------------
st.subheader(f"The encoder takes {SIDE}x{SIDE} only")
side = bound(st.slider, "Hand the encoder a picture of side (pixels)", 32, 128, 96, step=16, key="captions_side")
error = ui.encoder_size_error(side)
if error is None:
    st.success(f"At {SIDE}x{SIDE} the encoder runs: that is the one size its Flatten layer was built for.")
else:
    st.markdown("The encoder refuses it. Keras says:")
    st.code(error, language=None, wrap_lines=True)
    st.caption(
        "Its last feature map is flattened into a vector whose length depends on the picture's size, and "
        f"the Dense layer after it has weights for exactly one length. So every picture is resized to "
        f"{SIDE}x{SIDE} first; the chart below shows what that costs."
    )

# --- Held-out experiments ------------------------------------------------------
st.subheader(f"On {ui.test_size():,} held-out scenes")
tables = ui.shipped_caption_tables()
left, right = st.columns(2)
if "by_objects" in tables:
    left.altair_chart(charts.caption_objects_chart(tables["by_objects"]), width="stretch")
if "by_size" in tables:
    right.altair_chart(charts.caption_size_chart(tables["by_size"]), width="stretch")
st.caption(
    "Left: exact match (the whole caption right) per number of objects; every extra object is four more "
    f"words to get right. Right: the same scenes drawn at other sizes and resized to {SIDE}x{SIDE} before "
    "the encoder: small pictures lose the detail that tells a small triangle from a small circle. "
    "Numbers from the shipped manifest."
)
if st.button(f"Recompute on {ui.RECOMPUTE_SCENES} test scenes", key="captions_recompute"):
    fresh = ui.recompute_caption_tables(ui.RECOMPUTE_SCENES)
    when = ui.measured_when(fresh["measured_at"])
    left, right = st.columns(2)
    left.altair_chart(
        charts.caption_objects_chart(fresh["by_objects"], title=f"Recomputed {when}: exact match by objects"),
        width="stretch",
    )
    right.altair_chart(
        charts.caption_size_chart(fresh["by_size"], title=f"Recomputed {when}: by picture size"), width="stretch"
    )
    st.caption(
        f"Measured on this machine at {when} on the first {ui.RECOMPUTE_SCENES} test scenes, and kept "
        "until the server restarts."
    )

info = ui.captioner_info()
if info:
    with st.expander("About the model"):
        st.markdown(ui.model_summary(info))
fair_fight_panel(
    "captions", ["captioner"], {"captioner": "CNN encoder, RNN decoder"}, legacy=("exact_match", "exact match")
)
share_panel()
