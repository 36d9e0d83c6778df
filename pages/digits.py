"""One to one: image -> label. What a fixed input size costs a CNN, made visible."""

import streamlit as st

from cnnrnn import charts, ui
from cnnrnn.core.images import ASPECTS, MAX_UPLOAD_BYTES, RESIZE_METHODS, ImageError

st.set_page_config(page_title="Image CNN", page_icon=":material/image:", layout="wide")
ui.page_header(
    "One to one: image -> label",
    "Three models trained on MNIST's 28x28 digits",
    "A CNN ending in **Flatten + Dense** only accepts the size it was trained on, so every picture "
    "must be turned into 28x28 first. A CNN ending in **global average pooling** and an **RNN that "
    "reads the image row by row** accept other sizes. Give them a digit and compare.",
)

# --- Controls -----------------------------------------------------------------
SOURCES = ["Samples", "Upload", "Draw", "Camera"]
source = st.segmented_control("Input", SOURCES, default="Samples", key="cnn_source")
with st.sidebar:
    st.subheader("Preprocessing")
    method = st.selectbox("Resize method", RESIZE_METHODS, index=RESIZE_METHODS.index("area"), key="cnn_method")
    aspect = st.radio("Aspect", ASPECTS, key="cnn_aspect", horizontal=True,
                      help="pad: keep the shape and pad to a square (what MNIST did); stretch: squash the "
                           "digit's box to a square; crop: cut the box to a square around its centre.")

raw, known_label = None, None
if source == "Samples":
    samples = ui.sample_images()
    name = st.selectbox("Sample", list(samples), key="cnn_sample",
                        format_func=lambda n: n.rsplit(".", 1)[0].replace("_", " "))
    if name:
        raw, known_label = samples[name]
elif source == "Upload":
    upload = st.file_uploader(
        "A picture of one digit (PNG, JPEG, WebP, BMP, TIFF, GIF)", key="cnn_upload",
        type=["png", "jpg", "jpeg", "webp", "bmp", "tif", "tiff", "gif"],
        help=f"Up to {MAX_UPLOAD_BYTES // 2**20} MB. Dark ink on light paper or light on dark both work.")
    raw = upload.getvalue() if upload is not None else None
elif source == "Draw":
    stroke = st.slider("Brush width", 8, 40, 18, key="cnn_brush")
    raw = ui.drawing_canvas(key="cnn_canvas", stroke_width=stroke)
elif source == "Camera":
    shot = st.camera_input("Hold a digit written on paper up to the camera", key="cnn_camera")
    raw = shot.getvalue() if shot is not None else None

if raw is None:
    st.info("Pick a sample, upload a picture, draw a digit or take a photo to begin.")
    st.stop()

try:
    prepared = ui.prepare(raw, method, aspect)
except ImageError as error:
    ui.show_error(f"{error}")
    st.stop()

# --- Result -------------------------------------------------------------------
for note in prepared.notes:
    st.caption(f":material/info: {note}")
st.subheader("Preprocessing, step by step")
strip = st.columns(len(prepared.steps))
for column, (title, picture) in zip(strip, prepared.steps):
    column.image(picture, caption=title, width="stretch", clamp=True)

predictors = ui.image_predictors()
probs = ui.predict_models(predictors, prepared.model_input)
votes = [int(p.argmax()) for p in probs.values()]
target = known_label if known_label is not None else max(set(votes), key=votes.count)

st.subheader("Three models, one 28x28 input")
cols = st.columns(len(probs))
for column, (name, p) in zip(cols, probs.items()):
    label = int(p.argmax())
    column.metric(charts.MODEL_LABELS[name], f"{label}", f"{p[label]:.1%} sure", delta_color="off")
st.altair_chart(charts.probabilities_chart(probs), width="stretch")
if known_label is not None:
    st.caption(f"This sample is a {known_label}.")

# --- Fixed size made visible --------------------------------------------------
st.subheader("Hand every model the same array, not resized to 28x28")
side = st.slider("Array side (pixels)", 8, 112, 48, step=4, key="cnn_side")
native = ui.render(prepared, side, method)
left, right = st.columns([1, 2])
left.image(native, caption=f"{side}x{side} input", width=160, clamp=True)
with right:
    error = ui.fixed_size_error(side)
    if error is None:
        st.success("At 28x28 the fixed CNN runs: that is the one size its Flatten layer was built for.")
    else:
        st.markdown("**CNN, fixed 28x28** refuses it. Keras says:")
        st.code(error, language=None, wrap_lines=True)
        st.caption("Its Flatten layer turns the last feature maps into a vector whose length depends on the "
                   "image size, and the Dense layer after it has weights for exactly one length.")
    others = ui.native_predictions(predictors, native)
    for name, (label, confidence, shape) in others.items():
        st.markdown(f"**{charts.MODEL_LABELS[name]}** runs on {shape}: says **{label}** ({confidence:.1%}).")

# --- Resolution sweep for this image -----------------------------------------
st.subheader(f"This digit at 8 to 112 pixels (confidence that it is a {target})")
sweep = ui.image_sweep(raw, method, aspect, target)
st.altair_chart(charts.resolution_chart(sweep, title="Confidence against input side", y="confidence"),
                width="stretch")
st.caption("The fixed CNN gets each size resized back to 28x28; the pooled CNN takes the image as it is; "
           "the row RNN reads one step per row, with each row resized to its 28 inputs.")

# --- Resize method and aspect -------------------------------------------------
st.subheader("Resize method and aspect handling")
by_method, by_aspect = ui.choice_sweeps(raw, method, aspect, target)
left, right = st.columns(2)
left.altair_chart(charts.choice_chart(by_method, "method", f"Confidence in {target} per resize method ({aspect})"),
                  width="stretch")
right.altair_chart(charts.choice_chart(by_aspect, "aspect", f"Confidence in {target} per aspect ({method})"),
                   width="stretch")

# --- Held-out accuracy against resolution ------------------------------------
st.subheader("On 10,000 held-out test digits: accuracy against resolution")
shipped = ui.shipped_resolution_sweep()
if shipped is not None:
    st.altair_chart(charts.resolution_chart(shipped), width="stretch")
    st.caption("Each 28x28 test digit resampled to the side shown; numbers from the shipped manifest.")
if st.button("Recompute on 1,000 test digits", key="cnn_recompute"):
    with st.spinner("Running the three models at every size..."):
        st.altair_chart(charts.resolution_chart(ui.recompute_resolution_sweep(1000),
                                                title="Recomputed now on 1,000 test digits"), width="stretch")

# --- Inside the models --------------------------------------------------------
st.subheader("Inside: feature maps and the RNN's hidden state")
which = st.radio("Feature maps of", ["cnn_fixed", "cnn_gap"], key="cnn_maps_model", horizontal=True,
                 format_func=charts.MODEL_LABELS.get)
for layer, maps in ui.feature_maps(which, prepared.model_input).items():
    st.caption(f"{layer}: {maps.shape[0]}x{maps.shape[1]}, {maps.shape[2]} channels (first 16 shown)")
    tiles = st.columns(16)
    for i, tile in enumerate(tiles[: maps.shape[2]]):
        tile.image(ui.normalise(maps[:, :, i]), width="stretch", clamp=True)
left, right = st.columns(2)
left.altair_chart(charts.hidden_state_chart(ui.hidden_states(prepared.model_input)), width="stretch")
right.altair_chart(charts.steps_chart(ui.rows_read(prepared.model_input)), width="stretch")
st.caption("The row RNN is many to one: it reads 28 rows, one per step, and only its last state is classified. "
           "Stopping it early shows its guess after each row.")
