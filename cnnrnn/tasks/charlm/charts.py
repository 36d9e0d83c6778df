"""The generation page's Altair charts: tidy DataFrame in, `alt.Chart` out (no Streamlit).

Red for the LSTM (recurrent), blue for the causal CNN, purple for the model trained on the page;
tests check charts through `chart.to_dict()`.
"""

from __future__ import annotations

import altair as alt
import pandas as pd

from cnnrnn.core.charts import CNN_BLUE, RNN_RED, color_scale

CHARLM_COLORS = {"lstm": RNN_RED, "cnn": CNN_BLUE, "yours": "#9467bd"}
CHARLM_LABELS = {"lstm": "LSTM (carries its state)", "cnn": "causal CNN (fixed window)", "yours": "your LSTM"}


def _charlm_color(models) -> alt.Color:
    """The model colour scale: lstm, cnn, yours in CHARLM_COLORS's order, any other model grey."""
    return color_scale(models, CHARLM_COLORS)


def visible_char(char: str) -> str:
    """A character as a label: new line, space and tab made visible."""
    return {"\n": "⏎", " ": "␣", "\t": "⇥"}.get(char, char)


def _steps_axis(df: pd.DataFrame) -> alt.X:
    steps = sorted(df["step"].unique().tolist())
    return alt.X(
        "step:O",
        title="generated character",
        sort=steps,
        axis=alt.Axis(labelExpr="datum.value % 10 == 0 ? datum.value : ''", labelAngle=0),
    )


def generation_steps_chart(df: pd.DataFrame, title: str = "Each generated character: the top candidates") -> alt.Chart:
    """The model's top candidates per generated character: step on x, rank on y, the candidate written in
    the cell, colour = probability, the one drawn outlined.

    One layered view, so that its width follows its column (a phone's or a projector's); the entropy and
    surprise of the same steps are `generation_surprise_chart`, drawn under it.
    df: columns step, chosen, rank, candidate, probability, entropy, surprise
    (`experiments.generation_steps_table`).
    """
    df = df.assign(label=df["candidate"].map(visible_char), picked=df["candidate"] == df["chosen"])
    base = alt.Chart(df).encode(
        x=_steps_axis(df),
        y=alt.Y("rank:O", title="candidate rank"),
        tooltip=["step", "rank", "label", alt.Tooltip("probability:Q", format=".3f"), "picked"],
    )
    cells = base.mark_rect().encode(
        color=alt.Color(
            "probability:Q",
            scale=alt.Scale(scheme="blues", domain=[0, 1]),
            title="probability",
            legend=alt.Legend(orient="bottom"),
        )
    )
    text = base.mark_text(fontSize=11).encode(
        text="label:N", color=alt.condition("datum.probability > 0.55", alt.value("white"), alt.value("black"))
    )
    picked = base.transform_filter("datum.picked").mark_rect(fill=None, stroke="#ff7f0e", strokeWidth=2)
    return (cells + text + picked).properties(height=150, title=title)


def generation_surprise_chart(
    df: pd.DataFrame, title: str = "How unsure, and how surprised, at each character"
) -> alt.Chart:
    """Entropy before each draw and surprise (-log p) of the character drawn, in nats, against the step.

    df: as `generation_steps_chart` takes (its rank-1 rows are used).
    """
    per_step = df[df["rank"] == 1][["step", "entropy", "surprise"]].melt("step", var_name="measure", value_name="nats")
    return (
        alt.Chart(per_step)
        .mark_line(point=alt.OverlayMarkDef(size=18))
        .encode(
            x=_steps_axis(df),
            y=alt.Y("nats:Q", title="nats", axis=alt.Axis(format=".1f")),
            color=alt.Color(
                "measure:N",
                title=None,
                scale=alt.Scale(domain=["entropy", "surprise"], range=["#ff7f0e", "#7f7f7f"]),
                legend=alt.Legend(orient="top"),
            ),
            tooltip=["step", "measure", alt.Tooltip("nats:Q", format=".3f")],
        )
        .properties(height=140, title=title)
    )


def loss_position_chart(
    df: pd.DataFrame,
    receptive_field: int | None = None,
    title: str = "Held-out loss against how far back the model can see",
) -> alt.Chart:
    """Line per model: mean loss (nats per character) against characters of context (log x).

    df: columns model, context, loss (`experiments.loss_by_position`, or binned by
    `experiments.bin_by_context`, with first and last per bin). A rule marks
    the CNN's receptive field: beyond it, the CNN sees no more than it did there.
    """
    tooltip = ["model", alt.Tooltip("context:Q", format=".0f"), alt.Tooltip("loss:Q", format=".3f")]
    if {"first", "last"} <= set(df.columns):  # binned (experiments.bin_by_context)
        tooltip[1:2] = [alt.Tooltip("first:Q", title="from"), alt.Tooltip("last:Q", title="to")]
    line = (
        alt.Chart(df)
        .mark_line(point=True)
        .encode(
            x=alt.X(
                "context:Q",
                title="characters of context (the predicted character's position in the window)",
                scale=alt.Scale(type="log", base=2),
            ),
            y=alt.Y("loss:Q", title="loss (nats per character)", scale=alt.Scale(zero=False)),
            color=_charlm_color(df["model"]),
            tooltip=tooltip,
        )
    )
    layers = [line]
    if receptive_field:
        rule = pd.DataFrame({"context": [receptive_field], "label": [f"CNN window: {receptive_field} characters"]})
        layers.append(alt.Chart(rule).mark_rule(strokeDash=[4, 4], color="grey").encode(x="context:Q"))
        layers.append(
            alt.Chart(rule).mark_text(align="right", dx=-4, dy=-100, color="grey").encode(x="context:Q", text="label:N")
        )
    return alt.layer(*layers).properties(title=title, height=300)


def training_loss_chart(history: dict, title: str = "Loss while training") -> alt.Chart:
    """Training loss (running mean) and held-out loss against training step.

    history: steps, loss, val_steps, val_loss lists (`train.fit_charlm`).
    """
    rows = [
        {"step": s, "loss": v, "curve": "training"} for s, v in zip(history.get("steps", []), history.get("loss", []))
    ]
    rows += [
        {"step": s, "loss": v, "curve": "held-out"}
        for s, v in zip(history.get("val_steps", []), history.get("val_loss", []))
    ]
    df = pd.DataFrame(rows, columns=["step", "loss", "curve"])
    return (
        alt.Chart(df)
        .mark_line(point=alt.OverlayMarkDef(size=20))
        .encode(
            x=alt.X("step:Q", title="training step"),
            y=alt.Y("loss:Q", title="loss (nats per character)", scale=alt.Scale(zero=False)),
            color=alt.Color(
                "curve:N", title=None, scale=alt.Scale(domain=["training", "held-out"], range=["#9467bd", "#2ca02c"])
            ),
            tooltip=["curve", "step", alt.Tooltip("loss:Q", format=".3f")],
        )
        .properties(title=title, height=240)
    )


def read_loss_chart(df: pd.DataFrame, title: str = "Surprise at each character of your text") -> alt.Chart:
    """Line per model: -log p of each character given what came before (nats), along the text.

    df: columns model, position, char, loss (`experiments.read_table`); unknown or
    first characters have no loss and are left out.
    """
    df = df.dropna(subset=["loss"]).assign(label=lambda d: d["char"].map(visible_char))
    return (
        alt.Chart(df)
        .mark_line(point=alt.OverlayMarkDef(size=14), interpolate="step-after")
        .encode(
            x=alt.X("position:Q", title="character position"),
            y=alt.Y("loss:Q", title="surprise (nats)"),
            color=_charlm_color(df["model"]),
            tooltip=[
                "model",
                "position",
                "label",
                alt.Tooltip("probability:Q", format=".3f"),
                alt.Tooltip("loss:Q", format=".2f"),
            ],
        )
        .properties(title=title, height=220)
    )
