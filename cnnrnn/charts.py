"""Every Altair chart of the dashboard: tidy DataFrame in, `alt.Chart` out.

No Streamlit here; tests check charts through `chart.to_dict()`.
"""

from __future__ import annotations

import altair as alt
import numpy as np
import pandas as pd

# One colour per model, the same on every chart.
MODEL_COLORS = {
    "cnn_fixed": "#1f77b4",
    "cnn_gap": "#2ca02c",
    "rnn_rows": "#d62728",
}
MODEL_LABELS = {
    "cnn_fixed": "CNN, fixed 28x28 (Flatten)",
    "cnn_gap": "CNN, global pooling",
    "rnn_rows": "RNN over rows",
}


def _model_color(models) -> alt.Color:
    models = [m for m in MODEL_COLORS if m in set(models)] + sorted(set(models) - set(MODEL_COLORS))
    palette = [MODEL_COLORS.get(m, "#7f7f7f") for m in models]
    return alt.Color("model:N", title="model", scale=alt.Scale(domain=models, range=palette))


def resolution_chart(df: pd.DataFrame, title: str = "Held-out accuracy against input resolution",
                     y: str = "accuracy", native: int = 28) -> alt.Chart:
    """Line per model: `y` (accuracy or confidence) against image side `size` in pixels.

    df: columns model, size, and `y`. A rule marks the native 28 px.
    """
    base = alt.Chart(df).encode(
        x=alt.X("size:Q", title="image side (pixels)", scale=alt.Scale(type="log", base=2)),
        y=alt.Y(f"{y}:Q", title=y, scale=alt.Scale(domain=[0, 1])),
        color=_model_color(df["model"]),
        tooltip=["model", "size", alt.Tooltip(f"{y}:Q", format=".3f")],
    )
    rule = alt.Chart(pd.DataFrame({"size": [native]})).mark_rule(strokeDash=[4, 4], color="grey").encode(x="size:Q")
    return (base.mark_line(point=True) + rule).properties(title=title, height=300)


def probabilities_chart(probs: dict[str, np.ndarray], title: str = "Class probabilities") -> alt.Chart:
    """Grouped bars: each model's probability for each digit 0-9."""
    rows = [{"model": m, "digit": str(d), "probability": float(p[d])} for m, p in probs.items() for d in range(len(p))]
    df = pd.DataFrame(rows)
    return alt.Chart(df).mark_bar().encode(
        x=alt.X("digit:N", title="digit"),
        xOffset="model:N",
        y=alt.Y("probability:Q", scale=alt.Scale(domain=[0, 1])),
        color=_model_color(df["model"]),
        tooltip=["model", "digit", alt.Tooltip("probability:Q", format=".3f")],
    ).properties(title=title, height=220)


def choice_chart(df: pd.DataFrame, choice: str, title: str) -> alt.Chart:
    """Bars of confidence in the true/predicted digit per choice (resize method or aspect) and model.

    df: columns model, `choice`, confidence, label.
    """
    return alt.Chart(df).mark_bar().encode(
        x=alt.X(f"{choice}:N", title=choice),
        xOffset="model:N",
        y=alt.Y("confidence:Q", title="probability of the digit", scale=alt.Scale(domain=[0, 1])),
        color=_model_color(df["model"]),
        tooltip=["model", choice, "label", alt.Tooltip("confidence:Q", format=".3f")],
    ).properties(title=title, height=240)


def hidden_state_chart(states: np.ndarray, title: str = "Row RNN hidden state after each row") -> alt.Chart:
    """Heatmap of a (steps, units) array: row read on x, unit on y."""
    steps, units = states.shape
    df = pd.DataFrame({"row": np.repeat(np.arange(steps), units), "unit": np.tile(np.arange(units), steps),
                       "value": states.reshape(-1).astype(float)})
    return alt.Chart(df).mark_rect().encode(
        x=alt.X("row:O", title="rows read"),
        y=alt.Y("unit:O", title="hidden unit", axis=alt.Axis(labels=False, ticks=False)),
        color=alt.Color("value:Q", scale=alt.Scale(scheme="redblue", domain=[-1, 1], reverse=True)),
        tooltip=["row", "unit", alt.Tooltip("value:Q", format=".3f")],
    ).properties(title=title, height=260)


def steps_chart(df: pd.DataFrame, title: str = "Prediction after each row read") -> alt.Chart:
    """Line: probability of each digit (or the final one) as the row RNN reads more rows.

    df: columns rows, digit, probability.
    """
    return alt.Chart(df).mark_line().encode(
        x=alt.X("rows:Q", title="rows read"),
        y=alt.Y("probability:Q", scale=alt.Scale(domain=[0, 1])),
        color=alt.Color("digit:N"),
        tooltip=["rows", "digit", alt.Tooltip("probability:Q", format=".3f")],
    ).properties(title=title, height=220)


# --- Sentiment (many to one): the GRU ("rnn") and the Kim CNN ("cnn") ---

SENTIMENT_COLORS = {"rnn": "#d62728", "cnn": "#1f77b4"}
SENTIMENT_LABELS = {"rnn": "RNN (GRU, any length)", "cnn": "CNN (Kim 2014, fixed length)"}


def _sentiment_color() -> alt.Color:
    return alt.Color("model:N", title="model",
                     scale=alt.Scale(domain=list(SENTIMENT_COLORS), range=list(SENTIMENT_COLORS.values())))


def _ordered(df: pd.DataFrame, column: str, by: str) -> list:
    """The distinct values of `column` in the order of `by` (for an ordinal axis)."""
    return list(dict.fromkeys(df.sort_values(by, kind="stable")[column].tolist()))


def _half_rule(axis: str = "y") -> alt.Chart:
    data = pd.DataFrame({"value": [0.5]})
    return alt.Chart(data).mark_rule(strokeDash=[4, 4], color="grey").encode(**{axis: "value:Q"})


def prefix_chart(df: pd.DataFrame, title: str = "Prediction after each word read") -> alt.Chart:
    """Line per model: P(positive) after each prefix, over the tokens read.

    df: columns step, label ("3 film"), token, model, positive (`experiments.prefix_predictions`).
    """
    order = _ordered(df, "label", "step")
    line = alt.Chart(df).mark_line(point=True).encode(
        x=alt.X("label:O", title="words read", sort=order, axis=alt.Axis(labelAngle=-50, labelOverlap=True)),
        y=alt.Y("positive:Q", title="P(positive)", scale=alt.Scale(domain=[0, 1])),
        color=_sentiment_color(),
        tooltip=["model", "step", "token", alt.Tooltip("positive:Q", format=".3f")],
    )
    return (line + _half_rule()).properties(title=title, height=280)


def occlusion_chart(df: pd.DataFrame, title: str = "Word importance: the change when the word is dropped") -> alt.Chart:
    """Bars per token and model: P(positive) with the word minus without it.

    df: columns position, label, token, model, importance (`experiments.occlusion_importance`).
    """
    order = _ordered(df, "label", "position")
    return alt.Chart(df).mark_bar().encode(
        x=alt.X("label:O", title="word", sort=order, axis=alt.Axis(labelAngle=-50, labelOverlap=True)),
        xOffset=alt.XOffset("model:N", sort=list(SENTIMENT_COLORS)),
        y=alt.Y("importance:Q", title="change in P(positive)"),
        color=_sentiment_color(),
        tooltip=["model", "position", "token", alt.Tooltip("importance:Q", format="+.3f"),
                 alt.Tooltip("positive_without:Q", title="P(positive) without it", format=".3f")],
    ).properties(title=title, height=260)


EVIDENCE_KINDS = {"word": "#1f77b4", "pair": "#9ecae1"}  # a word; the pair of it and the next word


def evidence_table(rows: list[dict]) -> pd.DataFrame:
    """`TextPredictor.counted_evidence` rows -> long form: position, label, kind, text, ratio."""
    records = []
    for row in rows:
        label = f"{row['position']} {row['token']}"
        records.append({"position": row["position"], "label": label, "kind": "word", "text": row["token"],
                        "ratio": row["word_ratio"]})
        if "pair_ratio" in row:
            records.append({"position": row["position"], "label": label, "kind": list(EVIDENCE_KINDS)[1],
                            "text": row["pair"] or "(no next word)", "ratio": row["pair_ratio"]})
    return pd.DataFrame(records, columns=["position", "label", "kind", "text", "ratio"])


def evidence_chart(df: pd.DataFrame, title: str = "Counted evidence the CNN reads beside each embedding"
                   ) -> alt.Chart:
    """Bars per token: the frozen naive-Bayes log-count ratio of the word and of the pair it starts.

    df: `evidence_table`'s columns.
    """
    order = _ordered(df, "label", "position")
    return alt.Chart(df).mark_bar().encode(
        x=alt.X("label:O", title="word", sort=order, axis=alt.Axis(labelAngle=-50, labelOverlap=True)),
        xOffset=alt.XOffset("kind:N", sort=list(EVIDENCE_KINDS)),
        y=alt.Y("ratio:Q", title="log ratio (+: positive)"),
        color=alt.Color("kind:N", title="ratio of the",
                        scale=alt.Scale(domain=list(EVIDENCE_KINDS), range=list(EVIDENCE_KINDS.values()))),
        tooltip=["kind", "position", "text", alt.Tooltip("ratio:Q", format="+.2f")],
    ).properties(title=title, height=240)


def length_bucket_chart(df: pd.DataFrame, title: str = "Held-out accuracy by sentence length") -> alt.Chart:
    """Grouped bars: accuracy per length bucket (tokens) and model.

    df: columns model, bucket, order, accuracy, n (`experiments.length_buckets`).
    """
    order = _ordered(df, "bucket", "order")
    bars = alt.Chart(df).mark_bar().encode(
        x=alt.X("bucket:O", title="sentence length (tokens)", sort=order, axis=alt.Axis(labelAngle=0)),
        xOffset=alt.XOffset("model:N", sort=list(SENTIMENT_COLORS)),
        y=alt.Y("accuracy:Q", scale=alt.Scale(domain=[0, 1])),
        color=_sentiment_color(),
        tooltip=["model", "bucket", alt.Tooltip("accuracy:Q", format=".3f"), alt.Tooltip("n:Q", title="sentences")],
    )
    return (bars + _half_rule()).properties(title=title, height=260)


def filler_chart(df: pd.DataFrame, title: str = "Held-out accuracy with neutral filler words added") -> alt.Chart:
    """Lines: accuracy against the number of filler words, per model (colour) and place (dash).

    df: columns model, where ("before"/"after"), filler, accuracy (`experiments.filler_sweep`).
    """
    lines = alt.Chart(df).mark_line(point=True).encode(
        x=alt.X("filler:Q", title="filler words added", scale=alt.Scale(type="symlog")),
        y=alt.Y("accuracy:Q", scale=alt.Scale(domain=[0.4, 1])),
        color=_sentiment_color(),
        strokeDash=alt.StrokeDash("where:N", title="filler goes", sort=["before", "after"]),
        tooltip=["model", "where", "filler", alt.Tooltip("accuracy:Q", format=".3f")],
    )
    return (lines + _half_rule()).properties(title=title, height=280)


def latency_chart(df: pd.DataFrame, title: str = "Latency of one prediction against input length") -> alt.Chart:
    """Log-log lines: milliseconds per single-text prediction against tokens, per model.

    df: columns model, tokens, ms (`experiments.latency_sweep`).
    """
    return alt.Chart(df).mark_line(point=True).encode(
        x=alt.X("tokens:Q", title="input length (tokens)", scale=alt.Scale(type="log")),
        y=alt.Y("ms:Q", title="milliseconds", scale=alt.Scale(type="log")),
        color=_sentiment_color(),
        tooltip=["model", "tokens", alt.Tooltip("ms:Q", format=".2f")],
    ).properties(title=title, height=280)


# --- Character models (many to many): the LSTM ("lstm") and the causal CNN ("cnn") ---

CHARLM_COLORS = {"lstm": "#d62728", "cnn": "#1f77b4", "yours": "#9467bd"}
CHARLM_LABELS = {"lstm": "LSTM (carries its state)", "cnn": "causal CNN (fixed window)", "yours": "your LSTM"}


def _charlm_color(models) -> alt.Color:
    domain = [m for m in CHARLM_COLORS if m in set(models)] + sorted(set(models) - set(CHARLM_COLORS))
    return alt.Color("model:N", title="model",
                     scale=alt.Scale(domain=domain, range=[CHARLM_COLORS.get(m, "#7f7f7f") for m in domain]))


def visible_char(char: str) -> str:
    """A character as a label: new line, space and tab made visible."""
    return {"\n": "⏎", " ": "␣", "\t": "⇥"}.get(char, char)


def generation_steps_chart(df: pd.DataFrame, title: str = "Each generated character: the top candidates") -> alt.Chart:
    """Two panels over the generated characters (step on x).

    Top: the model's top candidates per step (rank on y, the candidate written in
    the cell, colour = probability). Bottom: the entropy of the distribution and
    the surprise (-log p) of the character actually drawn, in nats.
    df: columns step, chosen, rank, candidate, probability, entropy, surprise
    (`experiments.generation_steps_table`).
    """
    df = df.assign(label=df["candidate"].map(visible_char), picked=df["candidate"] == df["chosen"])
    steps = sorted(df["step"].unique().tolist())
    x = alt.X("step:O", title="generated character", sort=steps,
              axis=alt.Axis(labelExpr="datum.value % 10 == 0 ? datum.value : ''", labelAngle=0))
    base = alt.Chart(df).encode(
        x=x, y=alt.Y("rank:O", title="candidate rank"),
        tooltip=["step", "rank", "label", alt.Tooltip("probability:Q", format=".3f"), "picked"])
    cells = base.mark_rect().encode(color=alt.Color("probability:Q", scale=alt.Scale(scheme="blues", domain=[0, 1]),
                                                    title="probability"))
    text = base.mark_text(fontSize=11).encode(
        text="label:N", color=alt.condition("datum.probability > 0.55", alt.value("white"), alt.value("black")))
    picked = base.transform_filter("datum.picked").mark_rect(fill=None, stroke="#ff7f0e", strokeWidth=2)
    top = (cells + text + picked).properties(height=150, title=title)
    per_step = df[df["rank"] == 1][["step", "entropy", "surprise"]].melt("step", var_name="measure", value_name="nats")
    lines = alt.Chart(per_step).mark_line(point=alt.OverlayMarkDef(size=18)).encode(
        x=x, y=alt.Y("nats:Q", title="nats"),
        color=alt.Color("measure:N", title=None, scale=alt.Scale(domain=["entropy", "surprise"],
                                                                  range=["#ff7f0e", "#7f7f7f"])),
        tooltip=["step", "measure", alt.Tooltip("nats:Q", format=".3f")],
    ).properties(height=140)
    return alt.vconcat(top, lines).resolve_scale(color="independent")


def loss_position_chart(df: pd.DataFrame, receptive_field: int | None = None,
                        title: str = "Held-out loss against how far back the model can see") -> alt.Chart:
    """Line per model: mean loss (nats per character) against characters of context (log x).

    df: columns model, context, loss (`experiments.loss_by_position`, or binned by
    `experiments.bin_by_context`, with first and last per bin). A rule marks
    the CNN's receptive field: beyond it, the CNN sees no more than it did there.
    """
    tooltip = ["model", alt.Tooltip("context:Q", format=".0f"), alt.Tooltip("loss:Q", format=".3f")]
    if {"first", "last"} <= set(df.columns):  # binned (experiments.bin_by_context)
        tooltip[1:2] = [alt.Tooltip("first:Q", title="from"), alt.Tooltip("last:Q", title="to")]
    line = alt.Chart(df).mark_line(point=True).encode(
        x=alt.X("context:Q", title="characters of context (the predicted character's position in the window)",
                scale=alt.Scale(type="log", base=2)),
        y=alt.Y("loss:Q", title="loss (nats per character)", scale=alt.Scale(zero=False)),
        color=_charlm_color(df["model"]),
        tooltip=tooltip,
    )
    layers = [line]
    if receptive_field:
        rule = pd.DataFrame({"context": [receptive_field], "label": [f"CNN window: {receptive_field} characters"]})
        layers.append(alt.Chart(rule).mark_rule(strokeDash=[4, 4], color="grey").encode(x="context:Q"))
        layers.append(alt.Chart(rule).mark_text(align="right", dx=-4, dy=-100, color="grey").encode(
            x="context:Q", text="label:N"))
    return alt.layer(*layers).properties(title=title, height=300)


def training_loss_chart(history: dict, title: str = "Loss while training") -> alt.Chart:
    """Training loss (running mean) and held-out loss against training step.

    history: steps, loss, val_steps, val_loss lists (`train.fit_charlm`).
    """
    rows = [{"step": s, "loss": v, "curve": "training"} for s, v in zip(history.get("steps", []), history.get("loss", []))]
    rows += [{"step": s, "loss": v, "curve": "held-out"}
             for s, v in zip(history.get("val_steps", []), history.get("val_loss", []))]
    df = pd.DataFrame(rows, columns=["step", "loss", "curve"])
    return alt.Chart(df).mark_line(point=alt.OverlayMarkDef(size=20)).encode(
        x=alt.X("step:Q", title="training step"),
        y=alt.Y("loss:Q", title="loss (nats per character)", scale=alt.Scale(zero=False)),
        color=alt.Color("curve:N", title=None, scale=alt.Scale(domain=["training", "held-out"],
                                                               range=["#9467bd", "#2ca02c"])),
        tooltip=["curve", "step", alt.Tooltip("loss:Q", format=".3f")],
    ).properties(title=title, height=240)


def read_loss_chart(df: pd.DataFrame, title: str = "Surprise at each character of your text") -> alt.Chart:
    """Line per model: -log p of each character given what came before (nats), along the text.

    df: columns model, position, char, loss (`experiments.read_table`); unknown or
    first characters have no loss and are left out.
    """
    df = df.dropna(subset=["loss"]).assign(label=lambda d: d["char"].map(visible_char))
    return alt.Chart(df).mark_line(point=alt.OverlayMarkDef(size=14), interpolate="step-after").encode(
        x=alt.X("position:Q", title="character position"),
        y=alt.Y("loss:Q", title="surprise (nats)"),
        color=_charlm_color(df["model"]),
        tooltip=["model", "position", "label", alt.Tooltip("probability:Q", format=".3f"),
                 alt.Tooltip("loss:Q", format=".2f")],
    ).properties(title=title, height=220)


# --- Captioning (one to many) ---

DECODER_COLORS = {"greedy": "#1f77b4", "beam": "#ff7f0e"}


def caption_steps_chart(df: pd.DataFrame, title: str = "Each output word: the decoder's top candidates") -> alt.Chart:
    """The one-to-many unrolling: one row per output word (y), its top candidates left to right by rank (x).

    df: columns step, rank, word, probability, chosen (`experiments.caption_steps_table`).
    Cells are coloured by probability; the word emitted at each step is outlined.
    """
    steps = sorted(df["step"].unique().tolist())
    base = alt.Chart(df).encode(
        x=alt.X("rank:O", title="candidate rank (1 = likeliest)", axis=alt.Axis(orient="top", labelAngle=0)),
        y=alt.Y("step:O", title="output word", sort=steps),
        tooltip=["step", "rank", "word", alt.Tooltip("probability:Q", format=".3f"), "chosen"],
    )
    cells = base.mark_rect().encode(color=alt.Color("probability:Q", title="probability",
                                                    scale=alt.Scale(scheme="blues", domain=[0, 1])))
    text = base.mark_text(fontSize=12).encode(
        text=alt.Text("label:N"),
        color=alt.condition("datum.probability > 0.55", alt.value("white"), alt.value("black")),
    ).transform_calculate(
        label="datum.word + '  ' + (datum.probability < 0.001 ? '<0.1%' : format(datum.probability, '.1%'))")
    chosen = base.transform_filter("datum.chosen").mark_rect(fill=None, stroke="#ff7f0e", strokeWidth=2)
    return (cells + text + chosen).properties(title=title, height=alt.Step(24))


def caption_objects_chart(df: pd.DataFrame, metric: str = "exact_match",
                          title: str = "Held-out caption accuracy by number of objects") -> alt.Chart:
    """Bars: `metric` per number of objects, greedy and beam side by side.

    df: columns decoder, objects, exact_match, token_accuracy, n (`experiments.captions_by_objects`).
    """
    order = sorted(df["objects"].astype(str).unique().tolist(), key=lambda o: (o == "all", o))
    decoders = [d for d in DECODER_COLORS if d in set(df["decoder"])]
    return alt.Chart(df.assign(objects=df["objects"].astype(str))).mark_bar().encode(
        x=alt.X("objects:N", title="objects in the scene", sort=order, axis=alt.Axis(labelAngle=0)),
        xOffset=alt.XOffset("decoder:N", sort=decoders),
        y=alt.Y(f"{metric}:Q", title=metric.replace("_", " "), scale=alt.Scale(domain=[0, 1])),
        color=alt.Color("decoder:N", title="decoding", scale=alt.Scale(
            domain=decoders, range=[DECODER_COLORS[d] for d in decoders])),
        tooltip=["decoder", "objects", "n", alt.Tooltip("exact_match:Q", format=".4f"),
                 alt.Tooltip("token_accuracy:Q", format=".4f")],
    ).properties(title=title, height=260)


def caption_size_chart(df: pd.DataFrame, native: int = 64,
                       title: str = "Scene drawn at s x s pixels, resized to the encoder's 64 x 64") -> alt.Chart:
    """Lines: exact match and token accuracy against the picture's side (log x); a rule at 64.

    df: columns size, exact_match, token_accuracy (`experiments.captions_by_size`).
    """
    long = df.melt(id_vars=["size"], value_vars=["exact_match", "token_accuracy"], var_name="measure",
                   value_name="accuracy")
    line = alt.Chart(long).mark_line(point=True).encode(
        x=alt.X("size:Q", title="picture side before resizing (pixels)", scale=alt.Scale(type="log", base=2)),
        y=alt.Y("accuracy:Q", scale=alt.Scale(domain=[0, 1])),
        color=alt.Color("measure:N", title=None, scale=alt.Scale(domain=["exact_match", "token_accuracy"],
                                                                  range=["#1f77b4", "#2ca02c"])),
        tooltip=["size", "measure", alt.Tooltip("accuracy:Q", format=".4f")],
    )
    rule = alt.Chart(pd.DataFrame({"size": [native]})).mark_rule(strokeDash=[4, 4], color="grey").encode(x="size:Q")
    return (line + rule).properties(title=title, height=260)


# --- MNIST-1D (the sequence lab): logreg, mlp, cnn, gru and their variants ---

SEQLAB_COLORS = {"logreg": "#8c564b", "mlp": "#ff7f0e", "cnn": "#1f77b4", "gru": "#d62728",
                 "cnn_mixed": "#17becf", "gru_mixed": "#e377c2"}
SEQLAB_LABELS = {"logreg": "logistic regression", "mlp": "MLP", "cnn": "CNN (global pooling)", "gru": "GRU",
                 "cnn_mixed": "CNN, trained on mixed lengths", "gru_mixed": "GRU, trained on mixed lengths"}


def _seqlab_color(models, field: str = "model") -> alt.Color:
    known = [m for m in SEQLAB_COLORS if m in set(models)]
    models = known + sorted(set(models) - set(known))
    palette = [SEQLAB_COLORS.get(m, "#7f7f7f") for m in models]
    return alt.Color(f"{field}:N", title="model", scale=alt.Scale(domain=models, range=palette))


def mnist1d_table_chart(df: pd.DataFrame, title: str = "MNIST-1D test accuracy: this project and the paper") -> alt.Chart:
    """Bars per model and source (paper, this project, the page's runs), one panel per variant.

    df: columns model, variant, source, accuracy (`experiments.mnist1d_table`, rows
    of several runs of one model are shown as separate bars by `name`).
    """
    order = [m for m in ("logreg", "mlp", "cnn", "gru") if m in set(df["model"])]
    sources = list(dict.fromkeys(["paper", "this project", *df["source"].tolist()]))
    palette = ["#bbbbbb", "#1f77b4", "#9467bd", "#2ca02c", "#ff7f0e", "#8c564b"][:len(sources)]
    bars = alt.Chart(df).mark_bar().encode(
        x=alt.X("model:N", title=None, sort=order),
        xOffset=alt.XOffset("name:N"),
        y=alt.Y("accuracy:Q", title="test accuracy", scale=alt.Scale(domain=[0, 1])),
        color=alt.Color("source:N", title=None, scale=alt.Scale(domain=sources, range=palette)),
        tooltip=["name", "model", "variant", "source", alt.Tooltip("accuracy:Q", format=".3f"),
                 alt.Tooltip("train_seconds:Q", title="training (s)", format=".1f")],
    ).properties(height=260, width=300)
    return bars.facet(column=alt.Column("variant:N", title=None, sort=["normal", "shuffled"])).properties(title=title)


def mnist1d_length_chart(df: pd.DataFrame, native: int = 40,
                         title: str = "Test accuracy with the signals resampled to each length") -> alt.Chart:
    """Line per model: accuracy against signal length in points; a rule marks the 40 points trained on.

    df: columns model, length, accuracy (`experiments.length_sweep`).
    """
    line = alt.Chart(df).mark_line(point=True).encode(
        x=alt.X("length:Q", title="signal length (points)"),
        y=alt.Y("accuracy:Q", title="test accuracy", scale=alt.Scale(domain=[0, 1])),
        color=_seqlab_color(df["model"]),
        tooltip=["model", "length", alt.Tooltip("accuracy:Q", format=".3f")],
    )
    rule = alt.Chart(pd.DataFrame({"length": [native]})).mark_rule(strokeDash=[4, 4], color="grey").encode(
        x="length:Q")
    return (line + rule).properties(title=title, height=300)


def mnist1d_shift_chart(df: pd.DataFrame, title: str = "Test accuracy against how far the signal is moved") -> alt.Chart:
    """Line per model and mode: accuracy against shift in points (negative: earlier).

    df: columns model, mode ("pad": zeros fill the emptied points, solid; "roll": the points wrap
    around, dashed), shift, accuracy (`experiments.shift_sweep`).
    """
    if "mode" not in df.columns:  # a table from before both modes were measured
        df = df.assign(mode="pad")
    modes = [m for m in ("pad", "roll") if m in set(df["mode"])] + sorted(set(df["mode"]) - {"pad", "roll"})
    return alt.Chart(df).mark_line(point=True).encode(
        x=alt.X("shift:Q", title="shift (points; the signal has 40)"),
        y=alt.Y("accuracy:Q", title="test accuracy", scale=alt.Scale(domain=[0, 1])),
        color=_seqlab_color(df["model"]),
        strokeDash=alt.StrokeDash("mode:N", title="emptied points", scale=alt.Scale(
            domain=modes, range=[[1, 0], [5, 3]][:len(modes)])),
        tooltip=["model", "mode", "shift", alt.Tooltip("accuracy:Q", format=".3f")],
    ).properties(title=title, height=280)


def mnist1d_latency_chart(df: pd.DataFrame,
                          title: str = "Latency of one prediction against signal length") -> alt.Chart:
    """Log-log lines: milliseconds per single-signal prediction against length, per model.

    df: columns model, length, ms (`experiments.signal_latency_sweep`).
    """
    return alt.Chart(df).mark_line(point=True).encode(
        x=alt.X("length:Q", title="signal length (points)", scale=alt.Scale(type="log", base=2)),
        y=alt.Y("ms:Q", title="milliseconds", scale=alt.Scale(type="log")),
        color=_seqlab_color(df["model"]),
        tooltip=["model", "length", alt.Tooltip("ms:Q", format=".2f")],
    ).properties(title=title, height=280)


def signals_chart(df: pd.DataFrame, title: str = "A few MNIST-1D signals of each digit") -> alt.Chart:
    """Small multiples: one panel per digit, one line per example signal.

    df: columns digit, example, point, value (`experiments.signal_examples`).
    """
    return alt.Chart(df).mark_line(strokeWidth=1.5).encode(
        x=alt.X("point:Q", title=None, axis=alt.Axis(labels=False, ticks=False)),
        y=alt.Y("value:Q", title=None, axis=alt.Axis(labels=False, ticks=False)),
        color=alt.Color("example:N", legend=None),
        tooltip=["digit", "example", "point", alt.Tooltip("value:Q", format=".2f")],
    ).properties(width=110, height=90).facet(
        facet=alt.Facet("digit:N", title=None, header=alt.Header(labelFontSize=14)), columns=5,
    ).properties(title=title)


def mnist1d_curves_chart(histories: dict, title: str = "Learning curves") -> alt.Chart:
    """Test accuracy (solid) and training accuracy (dashed) against epoch, one colour per run.

    histories: run label -> {"epoch": [...], "accuracy": [...], "test_accuracy": [...]} (`train.Mnist1dRun`).
    """
    rows = []
    for label, history in histories.items():
        for epoch, train, test in zip(history.get("epoch", []), history.get("accuracy", []),
                                      history.get("test_accuracy", [])):
            rows.append({"run": label, "epoch": epoch, "curve": "test", "accuracy": test})
            rows.append({"run": label, "epoch": epoch, "curve": "training", "accuracy": train})
    df = pd.DataFrame(rows, columns=["run", "epoch", "curve", "accuracy"])
    return alt.Chart(df).mark_line(point=alt.OverlayMarkDef(size=20)).encode(
        x=alt.X("epoch:Q", title="epoch"),
        y=alt.Y("accuracy:Q", title="accuracy", scale=alt.Scale(domain=[0, 1])),
        color=alt.Color("run:N", title="run"),
        strokeDash=alt.StrokeDash("curve:N", title=None, scale=alt.Scale(domain=["test", "training"],
                                                                          range=[[1, 0], [4, 3]])),
        tooltip=["run", "curve", "epoch", alt.Tooltip("accuracy:Q", format=".3f")],
    ).properties(title=title, height=260)
