"""The room's Altair charts: tidy DataFrame in, `alt.Chart` out (no Streamlit); tested through `to_dict()`."""

from __future__ import annotations

import altair as alt
import pandas as pd

from cnnrnn.core.charts import color_scale
from cnnrnn.tasks.digits.api import MODEL_COLORS

CELL = "cell"  # the confusion matrix's selection: a click gives {"true": t, "predicted": p}


def accuracy_chart(df: pd.DataFrame, title: str = "The room's digits: read right so far") -> alt.Chart:
    """One bar per model: accuracy on the room's digits, with right/n in the tooltip (df: `verdicts.accuracy`)."""
    return (
        alt.Chart(df)
        .mark_bar()
        .encode(
            y=alt.Y("label:N", title=None, sort=list(df["label"]), axis=alt.Axis(labelLimit=240)),
            x=alt.X("accuracy:Q", title="accuracy", scale=alt.Scale(domain=[0, 1]), axis=alt.Axis(format=".0%")),
            color=color_scale(df["model"], MODEL_COLORS, title="model").legend(None),
            tooltip=["label", "right", "n", alt.Tooltip("accuracy:Q", format=".1%")],
        )
        .properties(title=title, height=alt.Step(34))
    )


def confusion_chart(df: pd.DataFrame, title: str) -> alt.Chart:
    """The 10x10 confusion matrix (df: `verdicts.confusion`): true digit down, the model's answer across.

    A click on a cell selects it (`CELL`, fields true and predicted): the page shows its drawings.
    """
    pick = alt.selection_point(name=CELL, fields=["true", "predicted"], on="click", clear="dblclick")
    base = alt.Chart(df).encode(
        x=alt.X("predicted:O", title="the model read", axis=alt.Axis(labelAngle=0)),
        y=alt.Y("true:O", title="they drew", axis=alt.Axis(labelOverlap=False)),  # every digit named, 0 to 9
    )
    cells = (
        base.mark_rect(stroke="grey", strokeWidth=0.3)
        .encode(
            color=alt.Color("count:Q", title="drawings", scale=alt.Scale(scheme="blues", domainMin=0)),
            opacity=alt.condition(pick, alt.value(1.0), alt.value(0.45)),
            tooltip=["true", "predicted", "count"],
        )
        .add_params(pick)
    )
    numbers = base.mark_text(fontSize=11).encode(
        text=alt.condition("datum.count > 0", "count:Q", alt.value("")),
        color=alt.condition("datum.count > 2", alt.value("white"), alt.value("black")),
    )
    return (cells + numbers).properties(title=title, height=300)
