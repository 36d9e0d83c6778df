"""The captioning page's Altair charts: tidy DataFrame in, `alt.Chart` out (no Streamlit)."""

from __future__ import annotations

import altair as alt
import pandas as pd

from cnnrnn.core.charts import color_scale

DECODER_COLORS = {"greedy": "#1f77b4", "beam": "#ff7f0e"}


def caption_steps_chart(df: pd.DataFrame, title: str = "Each word: the decoder's top candidates") -> alt.Chart:
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
    cells = base.mark_rect().encode(
        color=alt.Color(
            "probability:Q",
            title="probability",
            scale=alt.Scale(scheme="blues", domain=[0, 1]),
            legend=alt.Legend(orient="bottom", format=".0%"),
        )
    )
    # The word over its probability, two short lines: a cell of a phone's 60 px holds them without overlap.
    text = (
        base.mark_text(fontSize=11, lineBreak="\n", lineHeight=13, dy=-6)
        .encode(
            text=alt.Text("label:N"),
            color=alt.condition("datum.probability > 0.55", alt.value("white"), alt.value("black")),
        )
        .transform_calculate(
            label="datum.word + '\\n' + (datum.probability < 0.001 ? '<0.1%' : format(datum.probability, '.1%'))"
        )
    )
    chosen = base.transform_filter("datum.chosen").mark_rect(fill=None, stroke="#ff7f0e", strokeWidth=2)
    return (cells + text + chosen).properties(title=title, height=alt.Step(32))


def caption_objects_chart(df: pd.DataFrame, metric: str = "exact_match", title: str | None = None) -> alt.Chart:
    """Bars: `metric` per number of objects, greedy and beam side by side.

    The default title names the metric ("Held-out exact match by number of objects"): exact
    match is the share of whole captions right, not a per-word accuracy.

    df: columns decoder, objects, exact_match, token_accuracy, n (`experiments.captions_by_objects`).
    """
    title = title or f"Held-out {metric.replace('_', ' ')} by number of objects"
    order = sorted(df["objects"].astype(str).unique().tolist(), key=lambda o: (o == "all", o))
    decoders = [d for d in DECODER_COLORS if d in set(df["decoder"])]
    return (
        alt.Chart(df.assign(objects=df["objects"].astype(str)))
        .mark_bar()
        .encode(
            x=alt.X("objects:N", title="objects in the scene", sort=order, axis=alt.Axis(labelAngle=0)),
            xOffset=alt.XOffset("decoder:N", sort=decoders),
            y=alt.Y(f"{metric}:Q", title=metric.replace("_", " "), scale=alt.Scale(domain=[0, 1])),
            color=color_scale(df["decoder"], DECODER_COLORS, field="decoder", title="decoding"),
            tooltip=[
                "decoder",
                "objects",
                "n",
                alt.Tooltip("exact_match:Q", format=".4f"),
                alt.Tooltip("token_accuracy:Q", format=".4f"),
            ],
        )
        .properties(title=title, height=260)
    )


def caption_size_chart(
    df: pd.DataFrame, native: int = 64, title: str = "Scene drawn at s x s pixels, resized to the encoder's 64 x 64"
) -> alt.Chart:
    """Lines: exact match and token accuracy against the picture's side (log x); a rule at 64.

    df: columns size, exact_match, token_accuracy (`experiments.captions_by_size`).
    """
    long = df.melt(
        id_vars=["size"], value_vars=["exact_match", "token_accuracy"], var_name="measure", value_name="accuracy"
    )
    line = (
        alt.Chart(long)
        .mark_line(point=True)
        .encode(
            x=alt.X("size:Q", title="picture side before resizing (pixels)", scale=alt.Scale(type="log", base=2)),
            y=alt.Y("accuracy:Q", scale=alt.Scale(domain=[0, 1])),
            color=alt.Color(
                "measure:N",
                title=None,
                scale=alt.Scale(domain=["exact_match", "token_accuracy"], range=["#1f77b4", "#2ca02c"]),
            ),
            tooltip=["size", "measure", alt.Tooltip("accuracy:Q", format=".4f")],
        )
    )
    rule = alt.Chart(pd.DataFrame({"size": [native]})).mark_rule(strokeDash=[4, 4], color="grey").encode(x="size:Q")
    return (line + rule).properties(title=title, height=260)
