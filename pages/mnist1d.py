"""Sequence lab: a CNN against a GRU on MNIST-1D, beside the paper's table, with live training."""

import streamlit as st

from cnnrnn.core.ui.fair import fair_fight_panel, verdicts
from cnnrnn.core.ui.page import page_header, show_error
from cnnrnn.core.ui.runs import show_run_end
from cnnrnn.core.ui.share import bound, explain, share_panel
from cnnrnn.tasks.mnist1d import charts, ui
from cnnrnn.tasks.mnist1d.config import MNIST1D
from cnnrnn.tasks.mnist1d.data import MNIST1D_ARGS
from cnnrnn.tasks.mnist1d.experiments import MNIST1D_HUMAN

LABELS = {
    **charts.SEQLAB_LABELS,
    "cnn": "CNN",
    "cnn_shuffled": "CNN, shuffled",
    "gru_shuffled": "GRU, shuffled",
    "cnn_mixed": "CNN, mixed lengths",
    "gru_mixed": "GRU, mixed lengths",
}
PAIRS = [("cnn", "gru"), ("cnn", "mlp"), ("gru", "mlp"), ("cnn_shuffled", "gru_shuffled"), ("cnn_mixed", "gru_mixed")]
judged = verdicts("mnist1d", PAIRS[:3], LABELS)  # what the guide may say, from the seeds' evidence


def _claim(pair) -> str:
    verdict = judged.get(pair)
    if verdict is None:
        return f"{LABELS[pair[0]]} against {LABELS[pair[1]]}: no shipped models"
    if verdict.tie:
        return f"{LABELS[pair[0]]} and {LABELS[pair[1]]} tie"
    loser = pair[1] if verdict.winner == pair[0] else pair[0]
    return f"the {LABELS[verdict.winner]} beats the {LABELS[loser]}"


def _claims() -> str:
    """What the guide may say of the three, from the verdicts: "CNN and GRU tie; both beat the MLP"."""
    first = _claim(("cnn", "gru"))
    over_mlp = [judged.get(pair) for pair in (("cnn", "mlp"), ("gru", "mlp"))]
    if all(v is not None and v.winner in ("cnn", "gru") for v in over_mlp):
        return f"{first}; both beat the MLP"
    return f"{first}; {_claim(('cnn', 'mlp'))}; {_claim(('gru', 'mlp'))}"


presenting = page_header(
    "Sequence lab: CNN against GRU on MNIST-1D",
    f"Many to one: a {MNIST1D.sequence_length}-point signal -> digit",
    "MNIST-1D (Greydanus and Kobak, ICML 2024) turns each digit into a short 1D signal, padded, "
    "stretched, shifted, sheared and noised, so that a model's bias for **local, ordered patterns** "
    "decides how well it does. A **CNN** slides the same small filter along the signal; a **GRU** "
    "reads it one point at a time, carrying its state. Compare them with the paper's numbers, "
    "train two yourself, and stretch and shift the signals.",
    guide=f"point at the paper's table ({_claims()}, over 3 seeds: *How fair is this fight*, below), then "
    "press **Train both** and watch the two curves. Say: order-aware models win here; shuffle the points "
    "and it is gone.",
)

# --- The table ------------------------------------------------------------------
st.subheader("The paper's table, reproduced")
entry = ui.mnist1d_manifest()
if not entry.get("models"):
    st.info(
        "No shipped MNIST-1D weights. Train them with `python -m cnnrnn train mnist1d`; "
        "live training below works without them."
    )
table = ui.mnist1d_table(ui.mnist1d_records())
with st.container(key="seqlab_table"):  # the key result, found by its key (checks.KEY_RESULT)
    st.altair_chart(charts.mnist1d_table_chart(table), width="stretch")
st.dataframe(
    ui.mnist1d_table_view(table),
    hide_index=True,
    column_config={
        "accuracy": st.column_config.NumberColumn(format="%.3f"),
        "training (s)": st.column_config.NumberColumn(format="%.1f"),
    },
)
costs = ui.step_costs(entry)
if costs:
    cpu_ratio, wall_ratio = ui.mnist1d_time_ratio(entry, "cpu_seconds"), ui.mnist1d_time_ratio(entry, "seconds")
    beyond = (
        f" Take away the fixed cost of a step that even the logistic regression pays ({costs['ms']['logreg']:.1f} ms: "
        f"Keras's dispatch, the batch, the optimizer), and the GRU's recurrence costs **{costs['beyond_fixed']:.0f}x** "
        "the CNN's convolutions"
        + (": the paper's order." if costs["beyond_fixed"] >= 10 else ", still short of the paper's 10x.")
        if costs["beyond_fixed"]
        else ""
    )
    st.caption(
        f"Training time on this project's machine (2 shared CPU cores, the same {costs['steps']:,} steps of 100 "
        f"signals each): the GRU took **{cpu_ratio:.1f}x** the CNN's CPU time ({wall_ratio:.1f}x its wall time); the "
        f"authors report at least 10x. One step cost the CNN {costs['ms']['cnn']:.1f} ms and the GRU "
        f"{costs['ms']['gru']:.1f} ms of CPU.{beyond} Human accuracy: {MNIST1D_HUMAN:.0%}."
    )

# --- The data -------------------------------------------------------------------
sizes = ui.mnist1d_sizes()
data_title = f"The data: {sizes['train']:,} training and {sizes['test']:,} test signals of {sizes['points']} points"
if presenting:  # the table is the key result, and the data below it folds away
    data_section = st.expander(data_title)
else:
    st.subheader(data_title)
    data_section = st.container()
with data_section:
    per_class = bound(st.slider, "Signals per digit", 1, 5, 3, key="seqlab_per_class")
    st.altair_chart(charts.signals_chart(ui.mnist1d_examples(per_class)), width="content")
    st.caption(
        f"Every signal of a digit comes from one {MNIST1D_ARGS['template_len']}-point template, then "
        "padded, stretched, scaled, rolled, noised and sheared. Shuffled variant: one fixed permutation of "
        f"the {sizes['points']} points, the same for every signal, so that only models that ignore order "
        "keep their accuracy."
    )

# --- Live training --------------------------------------------------------------
st.subheader("Train two models side by side")
KINDS = ["cnn", "gru", "mlp", "logreg"]
WIDTHS, RATES = ui.mnist1d_live_choices()
DEFAULT_EPOCHS = 15
specs = []
columns = st.columns(2)
for side, (column, default) in enumerate(zip(columns, ("cnn", "gru"))):
    key = "ab"[side]
    with column:
        kind = bound(
            st.selectbox,
            f"Model {key.upper()}",
            KINDS,
            index=KINDS.index(default),
            key=f"seqlab_kind_{key}",
            format_func=lambda k: charts.SEQLAB_LABELS[k],
        )
        variant = bound(st.radio, "Signals", ["normal", "shuffled"], horizontal=True, key=f"seqlab_variant_{key}")
        epochs = bound(st.slider, "Epochs", 1, ui.mnist1d_live_max_epochs(), DEFAULT_EPOCHS, key=f"seqlab_epochs_{key}")
        rate = bound(st.select_slider, "Learning rate", RATES, value=0.01, key=f"seqlab_rate_{key}")
        width = bound(
            st.select_slider,
            "Width (filters, units)",
            WIDTHS,
            value=32,
            key=f"seqlab_width_{key}",
            disabled=kind == "logreg",
        )
        specs.append({"kind": kind, "variant": variant, "epochs": epochs, "learning_rate": rate, "width": width})

job = ui.PAIR_RUN.current()
train = st.button(
    "Train both", type="primary", key="seqlab_train", icon=":material/play_arrow:", disabled=job is not None
)
ended = ui.PAIR_RUN.take_ended()  # the pair that ended since the page last ran: say how, when not by finishing
if ended is not None and ended.reason == "stopped":
    st.info("Stopped. What the runs reached so far is in the table above and below.")
elif ended is not None:
    show_run_end(ended, "training")
if train:
    number = ui.next_run_number()
    for side, spec in enumerate(specs):
        spec["name"] = ui.mnist1d_run_name(number, "ab"[side], spec)
    try:
        job = ui.train_mnist1d_pair(specs)
    except ValueError as error:
        show_error(str(error))
    else:
        st.rerun()  # the table above with the new runs in it, and Train both greyed out
if job is not None:
    ui.training_panel()  # progress, curves and Stop, polled off the script thread's training
runs = ui.session_runs()
if runs and job is None:
    st.altair_chart(
        charts.mnist1d_curves_chart(
            {run["name"]: run["history"] for run in runs[-2:]},
            title="The last two runs: test (solid) and training (dashed)",
        ),
        width="stretch",
    )
    st.dataframe(ui.mnist1d_runs_view(runs), hide_index=True)
    if st.button("Clear my runs", key="seqlab_clear"):
        ui.clear_runs()
        st.rerun()
else:
    seconds = ui.cnn_seconds(entry, DEFAULT_EPOCHS)
    timing = (
        f" A CNN of {DEFAULT_EPOCHS} epochs takes about {seconds:.0f} seconds on 2 free CPU cores; "
        "a GRU takes several times longer."
        if seconds
        else ""
    )
    st.caption(f"Runs are judged on the {sizes['test']:,} test signals after every epoch (for the curve only).{timing}")

# --- Variable length ------------------------------------------------------------
tables = ui.shipped_mnist1d_tables()
st.subheader(
    f"Variable length: the signals resampled to {min(MNIST1D.sweep_lengths)} to {max(MNIST1D.sweep_lengths)} points"
)
if st.button("Recompute on the test signals now", key="seqlab_recompute"):
    try:
        tables = {**tables, **ui.recompute_mnist1d_tables()}
    except FileNotFoundError as error:
        show_error(str(error))
if "lengths" in tables:
    st.altair_chart(charts.mnist1d_length_chart(tables["lengths"], native=MNIST1D.sequence_length), width="stretch")
    band = ui.mixed_length_band(tables)
    band_note = (
        f" stay between {band[0]:.2f} and {band[1]:.2f} from {MNIST1D.sequence_length} to "
        f"{max(MNIST1D.sweep_lengths)} points"
        if band
        else ""
    )
    explain(
        f"Both the globally pooled CNN and the GRU accept any length. Trained at {MNIST1D.sequence_length} "
        "points, the CNN's filters no longer fit a stretched digit and the GRU sees more (or fewer) steps "
        "than it learned; the same models trained on batches of mixed lengths "
        f"({min(MNIST1D.mixed_lengths)} to {max(MNIST1D.mixed_lengths)}){band_note} "
        "(the shortest signals lose detail for every model)."
    )
else:
    st.info("No length table yet: run `python -m cnnrnn train mnist1d`.")

# --- Shift ----------------------------------------------------------------------
st.subheader("Shift: accuracy against how far the signal is moved")
if "shifts" in tables:
    st.altair_chart(charts.mnist1d_shift_chart(tables["shifts"]), width="stretch")
    explain(
        "Each test signal moved left or right. Solid: the emptied points set to zero (the data's mean), "
        "so part of the signal is lost; dashed: the points wrap around, which splits the signal at the "
        f"seam and breaks its slope. Neither model is shift-proof on {MNIST1D.sequence_length} points: the "
        "CNN's filters and pooling do not care where a pattern sits, but a cut-off or split pattern is a "
        "different pattern. The MLP, whose weights are tied to positions, falls fastest."
    )

# --- Latency --------------------------------------------------------------------
st.subheader("Latency of one prediction against sequence length")
if "latency" in tables:
    st.altair_chart(
        charts.mnist1d_latency_chart(tables["latency"], title="Measured when the weights were trained"), width="stretch"
    )
if st.button("Measure on this machine", key="seqlab_latency"):
    try:
        latency, measured_at = ui.measure_mnist1d_latency()
        st.altair_chart(
            charts.mnist1d_latency_chart(latency, title=f"Measured on this machine on {measured_at}"), width="stretch"
        )
    except FileNotFoundError as error:
        show_error(str(error))
explain(
    "One signal at a time, through a tf.function traced once for every length. The GRU's steps run one "
    "after another, so its time grows with the length; the CNN's convolutions run over all points at once."
)
fair_fight_panel(
    "mnist1d",
    ["cnn", "gru", "mlp", "logreg", "cnn_shuffled", "gru_shuffled", "cnn_mixed", "gru_mixed"],
    LABELS,
    {LABELS[k]: v for k, v in charts.SEQLAB_COLORS.items() if k in LABELS},
    PAIRS,
    curves=["cnn", "gru", "mlp", "logreg"],
)
share_panel()
