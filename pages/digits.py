"""One to one: image -> label. What a fixed input size costs a CNN, made visible."""

import streamlit as st

from cnnrnn.core.images import MAX_UPLOAD_BYTES, RESIZE_METHODS, UPLOAD_TYPES, ImageError
from cnnrnn.core.ui.canvas import drawing_canvas
from cnnrnn.core.ui.fair import fair_fight_panel
from cnnrnn.core.ui.loading import await_first_view
from cnnrnn.core.ui.page import page_header, show_error
from cnnrnn.core.ui.share import bound, explain, lazy_tabs, share_panel
from cnnrnn.core.upload import Upload
from cnnrnn.tasks.digits import charts, ui
from cnnrnn.tasks.digits.prepare import ASPECTS

N = ui.NATIVE  # 28: MNIST's side, the only one the fixed CNN takes
presenting = page_header(
    "One to one: image -> label",
    f"Three models trained on MNIST's {N}x{N} digits",
    "A CNN ending in **Flatten + Dense** only accepts the size it was trained on, so every picture "
    f"must be turned into {N}x{N} first. A CNN ending in **global average pooling** and an **RNN that "
    "reads the image row by row** accept other sizes. Give them a digit and compare.",
    guide="keep the first sample, read the three verdicts, then slide **Array side** off 28: the fixed CNN "
    "refuses the array in Keras's own words while the pooled CNN and the row RNN still answer. Say: a "
    "Flatten + Dense head fixes the input size; global pooling and recurrence do not.",
)

# --- Controls -----------------------------------------------------------------
SOURCES = ["Samples", "Upload", "Draw", "Camera"]
with st.sidebar:
    st.subheader("Preprocessing")
    method = bound(st.selectbox, "Resize method", RESIZE_METHODS, index=RESIZE_METHODS.index("area"), key="cnn_method")
    aspect = bound(
        st.radio,
        "Aspect",
        ASPECTS,
        key="cnn_aspect",
        horizontal=True,
        help="pad: keep the shape and pad to a square (what MNIST did); stretch: squash the "
        "digit's box to a square; crop: cut the box to a square around its centre.",
    )


def digit_input():
    """The input controls: (the input wrapped once as an Upload, or None; the sample's label or None)."""
    pick, chosen = st.columns([2, 3]) if presenting else (st.container(), st.container())  # one row on a projector
    source = bound(pick.segmented_control, "Input", SOURCES, default="Samples", key="cnn_source") or "Samples"
    raw, known_label = None, None
    if source == "Samples":
        samples = ui.sample_images()
        name = bound(chosen.selectbox, "Sample", list(samples), key="cnn_sample", format_func=ui.sample_title)
        if name:
            raw, known_label = samples[name]
    elif source == "Upload":
        upload = st.file_uploader(
            "A picture of one digit (PNG, JPEG, WebP, BMP, TIFF, GIF)",
            key="cnn_upload",
            type=UPLOAD_TYPES,
            help=f"Up to {MAX_UPLOAD_BYTES // 2**20} MB. Dark ink on light paper or light on dark both work.",
        )
        raw = upload.getvalue() if upload is not None else None
    elif source == "Draw":
        stroke = bound(st.slider, "Brush width", 8, 40, 18, key="cnn_brush")
        raw = drawing_canvas(key="cnn_canvas", stroke_width=stroke)
    elif source == "Camera":
        shot = st.camera_input("Hold a digit written on paper up to the camera", key="cnn_camera")
        raw = shot.getvalue() if shot is not None else None
    return (None if raw is None else Upload.of(raw)), known_label  # one sha256 per run: the caches' key


def fixed_size_view(prepared, predictors) -> None:
    """Every model handed the same array, not resized to 28x28: the fixed CNN refuses it in Keras's words."""
    st.subheader(f"Hand every model the same array, not resized to {N}x{N}")
    side = bound(st.slider, "Array side (pixels)", 8, 112, ui.FIRST_SIDE, step=4, key="cnn_side")
    native = ui.render(prepared, side, method)
    left, right = st.columns([1, 2])
    left.image(native, caption=f"{side}x{side} input", width=160, clamp=True)
    with right:
        error = ui.fixed_size_error(side)
        if error is None:
            st.success(f"At {N}x{N} the fixed CNN runs: that is the one size its Flatten layer was built for.")
        else:
            st.markdown(f"**CNN, fixed {N}x{N}** refuses it. Keras says:")
            st.code(error, language=None, wrap_lines=True)
            explain(
                "Its Flatten layer turns the last feature maps into a vector whose length depends on the "
                "image size, and the Dense layer after it has weights for exactly one length."
            )
        for name, (label, confidence, shape) in ui.native_predictions(predictors, native).items():
            st.markdown(f"**{charts.MODEL_LABELS[name]}** runs on {shape}: says **{label}** ({confidence:.1%}).")


def inside_view(prepared) -> None:
    """Feature maps of either CNN, the row RNN's hidden state and its guess after each row."""
    which = bound(
        st.radio,
        "Feature maps of",
        ["cnn_fixed", "cnn_gap"],
        key="cnn_maps_model",
        horizontal=True,
        format_func=charts.MODEL_LABELS.get,
    )
    for caption, picture in ui.feature_tiles(which, prepared.model_input):
        st.image(picture, caption=caption, width="content", clamp=True)
    left, right = st.columns(2)
    left.altair_chart(charts.hidden_state_chart(ui.hidden_states(prepared.model_input)), width="stretch")
    right.altair_chart(charts.steps_chart(ui.rows_read(prepared.model_input)), width="stretch")
    explain(
        f"The row RNN is many to one: it reads {N} rows, one per step, and only its last state is classified. "
        "Stopping it early shows its guess after each row."
    )


@st.fragment
def digit_and_results():
    """Input, verdicts and the open per-image view: a new input, stroke or control here reruns only this part."""
    upload, known_label = digit_input()
    if upload is None:
        share_panel()
        st.info("Pick a sample, upload a picture, draw a digit or take a photo to begin.")
        return
    try:
        prepared = ui.prepare(upload, method, aspect)
    except ImageError as error:
        share_panel()
        show_error(f"{error}")
        return

    # --- Result ---------------------------------------------------------------
    if not presenting:
        for note in prepared.notes:
            st.caption(f":material/info: {note}")
    predictors = ui.predictors_or_stop()
    await_first_view(ui.first_view)  # the first sample's views, maybe being computed by the warm start
    probs = ui.predict_models(predictors, prepared.model_input)
    target = ui.target_digit(probs, known_label)

    st.subheader(f"Three models, one {N}x{N} input")
    for column, (name, label, confidence) in zip(st.columns(len(probs)), ui.verdicts(probs)):
        column.metric(charts.MODEL_LABELS[name], f"{label}", f"{confidence:.1%} sure", delta_color="off")
    st.altair_chart(charts.probabilities_chart(probs), width="stretch")
    if known_label is not None:
        st.caption(f"This sample is a {known_label}.")

    # The verdicts come first; then one view at a time. Only the open tab is computed and sent, so a new
    # picture or stroke costs the verdicts and one view, not every sweep (a room of phones shares two cores).
    any_size, steps, sizes, choices, inside = lazy_tabs(list(ui.VIEWS), key="cnn_view")
    if any_size.open:
        with any_size:
            fixed_size_view(prepared, predictors)
    if steps.open:
        with steps:
            if presenting:
                for note in prepared.notes:
                    st.caption(f":material/info: {note}")
            titles, pictures = zip(*prepared.steps)  # small tiles in rows that wrap (three or four a row on a phone)
            st.image(list(pictures), caption=list(titles), width=ui.STRIP_TILE, clamp=True)
    if sizes.open:
        with sizes:
            low, high = ui.SWEEP_RANGE
            st.subheader(f"This digit at {low} to {high} pixels (confidence that it is a {target})")
            sweep = ui.image_sweep(upload, method, aspect, target)
            st.altair_chart(
                charts.resolution_chart(sweep, title="Confidence against input side", y="confidence"), width="stretch"
            )
            explain(
                f"The fixed CNN gets each size resized back to {N}x{N}; the pooled CNN takes the image as it "
                f"is; the row RNN reads one step per row, with each row resized to its {N} inputs."
            )
    if choices.open:
        with choices:
            by_method, by_aspect = ui.choice_sweeps(upload, method, aspect, target)
            left, right = st.columns(2)
            left.altair_chart(
                charts.choice_chart(by_method, "method", f"Confidence in {target} per resize method ({aspect})"),
                width="stretch",
            )
            right.altair_chart(
                charts.choice_chart(by_aspect, "aspect", f"Confidence in {target} per aspect ({method})"),
                width="stretch",
            )
    if inside.open:
        with inside:
            inside_view(prepared)
    share_panel()  # here, so that the link follows every control of this part when only it reruns


digit_and_results()

# --- Held-out accuracy against resolution ------------------------------------
held_out = ui.held_out_size()
st.subheader(
    f"On {held_out:,} held-out test digits: accuracy against resolution"
    if held_out
    else "On the held-out test digits: accuracy against resolution"
)
shipped = ui.shipped_resolution_sweep()
if shipped is not None:
    st.altair_chart(charts.resolution_chart(shipped), width="stretch")
    st.caption(f"Each {N}x{N} test digit resampled to the side shown; numbers from the shipped manifest.")
    lesson, figures = charts.pooling_lesson(shipped)
    if figures:
        st.subheader("Global pooling removes the size constraint; training at many scales makes it read any size")
        st.altair_chart(
            charts.resolution_chart(lesson, title="The pooled CNN trained at one scale and at many"), width="stretch"
        )
        explain(
            f"Both end in global average pooling, so both take any size. At {figures['largest']} px the one "
            f"trained near one scale (sides {ui.ONE_SCALE_SIDES[0]} to {ui.ONE_SCALE_SIDES[1]}, most at {N}; a "
            f"{ui.ONE_SCALE_FIELD}-pixel receptive field) reads {figures['one_scale']:.1%}: its filters learned "
            f"strokes of one width. The one trained at sides {ui.SCALE_RANGE[0]} to {ui.SCALE_RANGE[1]}, with a "
            f"{ui.MANY_SCALE_FIELD}-pixel receptive field, reads {figures['many']:.1%}, and at least "
            f"{figures['lowest_many']:.1%} at every side from 16 to 112 px. "
            "Numbers from the shipped manifest."
        )
if st.button(f"Recompute on {ui.RECOMPUTE_N:,} test digits", key="cnn_recompute"):
    with st.spinner("Running the three models at every size..."):
        recomputed, measured = ui.recompute_resolution_sweep(ui.RECOMPUTE_N)
    st.altair_chart(
        charts.resolution_chart(recomputed, title=f"Recomputed on {ui.RECOMPUTE_N:,} test digits at {measured}"),
        width="stretch",
    )

fair_fight_panel(
    "mnist",
    ["cnn_fixed", "cnn_gap", "rnn_rows"],
    charts.MODEL_LABELS,
    {charts.MODEL_LABELS[k]: v for k, v in charts.MODEL_COLORS.items()},
    [("cnn_fixed", "rnn_rows"), ("cnn_gap", "rnn_rows"), ("cnn_fixed", "cnn_gap")],
    note=ui.FAIR_NOTE,
    legacy=("test_accuracy", "test accuracy"),
)
