"""The image page's Altair charts: tidy DataFrame in, `alt.Chart` out (no Streamlit).

Tests check charts through `chart.to_dict()`.
"""

from __future__ import annotations

import altair as alt
import numpy as np
import pandas as pd

from cnnrnn.core.charts import color_scale, rule_at
from cnnrnn.tasks.digits.config import MNIST

# One colour per model, the same on every chart.
MODEL_COLORS = {
    "cnn_fixed": "#1f77b4",
    "cnn_gap": "#2ca02c",
    "rnn_rows": "#d62728",
    "cnn_gap_1scale": "#8c564b",  # the pooled CNN trained at one scale: another colour, and dashed
}
DASHED = {"cnn_gap_1scale"}
# A point shape per model, so that lines lying on one another (cnn_fixed and rnn_rows near 28 px) stay apart.
MODEL_SHAPES = {"cnn_fixed": "square", "cnn_gap": "circle", "rnn_rows": "triangle-up", "cnn_gap_1scale": "diamond"}
MODEL_LABELS = {
    "cnn_fixed": f"CNN, fixed {MNIST.image_size}x{MNIST.image_size} (Flatten)",
    "cnn_gap": "CNN, global pooling",
    "rnn_rows": "RNN over rows",
    "cnn_gap_1scale": "CNN, global pooling, trained at one scale",
}


def _model_color(models) -> alt.Color:
    return color_scale(models, MODEL_COLORS)


def resolution_chart(
    df: pd.DataFrame,
    title: str = "Held-out accuracy against input resolution",
    y: str = "accuracy",
    native: int = MNIST.image_size,
) -> alt.Chart:
    """Line per model: `y` (accuracy or confidence) against image side `size` in pixels.

    df: columns model, size, and `y`. A rule marks the native 28 px.
    """
    color = _model_color(df["model"])
    domain = color.to_dict()["scale"]["domain"]
    base = alt.Chart(df).encode(
        x=alt.X("size:Q", title="image side (pixels)", scale=alt.Scale(type="log", base=2)),
        y=alt.Y(f"{y}:Q", title=y, scale=alt.Scale(domain=[0, 1]), axis=alt.Axis(format=".0%")),
        color=color,
        strokeDash=alt.StrokeDash(
            "model:N",
            title="model",
            scale=alt.Scale(  # one legend: colour, dash, shape
                domain=domain, range=[[6, 3] if m in DASHED else [1, 0] for m in domain]
            ),
        ),
        tooltip=["model", "size", alt.Tooltip(f"{y}:Q", format=".3f")],
    )
    points = base.mark_point(filled=True, opacity=0.85).encode(
        shape=alt.Shape(
            "model:N",
            title="model",
            scale=alt.Scale(  # merged with the colour legend
                domain=domain, range=[MODEL_SHAPES.get(m, "circle") for m in domain]
            ),
        ),
        size=alt.Size(
            "model:N",
            title="model",
            scale=alt.Scale(  # the fixed CNN's squares peek out behind
                domain=domain, range=[120 if m == "cnn_fixed" else 45 for m in domain]
            ),
        ),
    )
    return (base.mark_line(strokeWidth=2) + rule_at(native, axis="x") + points).properties(title=title, height=300)


def pooling_lesson(sweep: pd.DataFrame) -> tuple[pd.DataFrame, dict]:
    """The two pooled CNNs' rows of the held-out table, and the figures the page's sentence quotes.

    Returns (rows of cnn_gap and cnn_gap_1scale, {"largest": side, "one_scale": acc, "many": acc,
    "lowest_many": acc over 16-112}) or (empty frame, {}) when either is missing.
    """
    pooled = sweep[sweep["model"].isin(["cnn_gap", "cnn_gap_1scale"])]
    if set(pooled["model"]) != {"cnn_gap", "cnn_gap_1scale"}:
        return pooled.iloc[0:0], {}
    at = {m: dict(zip(g["size"], g["accuracy"])) for m, g in pooled.groupby("model")}
    largest = int(max(at["cnn_gap"]))
    inside = [a for side, a in at["cnn_gap"].items() if 16 <= side <= 112]
    return pooled, {
        "largest": largest,
        "one_scale": float(at["cnn_gap_1scale"][largest]),
        "many": float(at["cnn_gap"][largest]),
        "lowest_many": float(min(inside)),
    }


def probabilities_chart(probs: dict[str, np.ndarray], title: str = "Class probabilities") -> alt.Chart:
    """Grouped bars: each model's probability for each digit 0-9."""
    rows = [{"model": m, "digit": str(d), "probability": float(p[d])} for m, p in probs.items() for d in range(len(p))]
    df = pd.DataFrame(rows)
    return (
        alt.Chart(df)
        .mark_bar()
        .encode(
            x=alt.X("digit:N", title="digit"),
            xOffset="model:N",
            y=alt.Y("probability:Q", scale=alt.Scale(domain=[0, 1])),
            color=_model_color(df["model"]),
            tooltip=["model", "digit", alt.Tooltip("probability:Q", format=".3f")],
        )
        .properties(title=title, height=220)
    )


def choice_chart(df: pd.DataFrame, choice: str, title: str) -> alt.Chart:
    """Bars of confidence in the true/predicted digit per choice (resize method or aspect) and model.

    df: columns model, `choice`, confidence, label.
    """
    return (
        alt.Chart(df)
        .mark_bar()
        .encode(
            x=alt.X(f"{choice}:N", title=choice),
            xOffset="model:N",
            y=alt.Y("confidence:Q", title="probability of the digit", scale=alt.Scale(domain=[0, 1])),
            color=_model_color(df["model"]),
            tooltip=["model", choice, "label", alt.Tooltip("confidence:Q", format=".3f")],
        )
        .properties(title=title, height=240)
    )


def hidden_state_chart(states: np.ndarray, title: str = "Row RNN hidden state after each row") -> alt.Chart:
    """Heatmap of a (steps, units) array: row read on x, unit on y."""
    steps, units = states.shape
    df = pd.DataFrame(
        {
            "row": np.repeat(np.arange(steps), units),
            "unit": np.tile(np.arange(units), steps),
            "value": states.reshape(-1).astype(float),
        }
    )
    return (
        alt.Chart(df)
        .mark_rect()
        .encode(
            x=alt.X("row:O", title="rows read"),
            y=alt.Y("unit:O", title="hidden unit", axis=alt.Axis(labels=False, ticks=False)),
            color=alt.Color("value:Q", scale=alt.Scale(scheme="redblue", domain=[-1, 1], reverse=True)),
            tooltip=["row", "unit", alt.Tooltip("value:Q", format=".3f")],
        )
        .properties(title=title, height=260)
    )


def steps_chart(df: pd.DataFrame, title: str = "Prediction after each row read") -> alt.Chart:
    """Line: probability of each digit (or the final one) as the row RNN reads more rows.

    df: columns rows, digit, probability.
    """
    return (
        alt.Chart(df)
        .mark_line()
        .encode(
            x=alt.X("rows:Q", title="rows read"),
            y=alt.Y("probability:Q", scale=alt.Scale(domain=[0, 1]), axis=alt.Axis(format=".0%")),
            color=alt.Color("digit:N", legend=alt.Legend(orient="bottom", columns=5)),  # all ten digits, whole
            tooltip=["rows", "digit", alt.Tooltip("probability:Q", format=".3f")],
        )
        .properties(title=title, height=220)
    )
