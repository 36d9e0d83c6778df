"""The sequence lab's Altair charts: tidy DataFrame in, `alt.Chart` out (no Streamlit).

One colour per model on every chart (`SEQLAB_COLORS`, through core.charts.color_scale).
"""

from __future__ import annotations

import altair as alt
import pandas as pd

from cnnrnn.core.charts import color_scale

SEQLAB_COLORS = {
    "logreg": "#8c564b",
    "mlp": "#ff7f0e",
    "cnn": "#1f77b4",
    "gru": "#d62728",
    "cnn_mixed": "#17becf",
    "gru_mixed": "#e377c2",
}
SEQLAB_LABELS = {
    "logreg": "logistic regression",
    "mlp": "MLP",
    "cnn": "CNN (global pooling)",
    "gru": "GRU",
    "cnn_mixed": "CNN, trained on mixed lengths",
    "gru_mixed": "GRU, trained on mixed lengths",
}


def _seqlab_color(models, field: str = "model") -> alt.Color:
    return color_scale(models, SEQLAB_COLORS, field=field, title="model")


RUN_COLORS = ["#9467bd", "#2ca02c", "#ff7f0e", "#8c564b", "#e377c2", "#17becf"]  # the page's runs: never the
# grey of the paper's bars nor the blue of the project's


def mnist1d_table_chart(
    df: pd.DataFrame, title: str = "MNIST-1D test accuracy: this project and the paper"
) -> alt.Chart:
    """Bars per model and variant (normal, shuffled), one per source (paper, this project, the page's runs).

    One view whose width follows its column (a phone's 360 px or a projector's 1,200), not two
    fixed-width panels. df: columns model, variant, source, accuracy (`experiments.mnist1d_table`;
    rows of several runs of one model are shown as separate bars by `name`).
    """
    order = [m for m in ("logreg", "mlp", "cnn", "gru") if m in set(df["model"])]
    order += sorted(set(df["model"]) - set(order))
    variants = [v for v in ("normal", "shuffled") if v in set(df["variant"])] + sorted(
        set(df["variant"]) - {"normal", "shuffled"}
    )
    df = df.assign(group=df["model"].astype(str) + ", " + df["variant"].astype(str))
    groups = [f"{m}, {v}" for v in variants for m in order]
    sources = list(dict.fromkeys(["paper", "this project", *df["source"].tolist()]))
    palette = (["#bbbbbb", "#1f77b4"] + RUN_COLORS)[: len(sources)]
    bars = (
        alt.Chart(df)
        .mark_bar()
        .encode(
            x=alt.X("group:N", title=None, sort=groups, axis=alt.Axis(labelAngle=-40, labelLimit=160)),
            xOffset=alt.XOffset("name:N"),
            y=alt.Y("accuracy:Q", title="test accuracy", scale=alt.Scale(domain=[0, 1]), axis=alt.Axis(format=".0%")),
            color=alt.Color(
                "source:N", title=None, scale=alt.Scale(domain=sources, range=palette), legend=alt.Legend(orient="top")
            ),
            tooltip=[
                "name",
                "model",
                "variant",
                "source",
                alt.Tooltip("accuracy:Q", format=".1%"),
                alt.Tooltip("low:Q", title="95% interval from", format=".1%"),
                alt.Tooltip("high:Q", title="to", format=".1%"),
                alt.Tooltip("train_seconds:Q", title="training (s)", format=".1f"),
            ],
        )
    )
    # Streamlit fits the whole chart (title, legend, slanted labels) in the height: 290 leaves the bars about 90 px.
    return bars.properties(height=290, title=title)  # the intervals are in the tooltip and the table beside it


def mnist1d_length_chart(
    df: pd.DataFrame, native: int = 40, title: str = "Test accuracy with the signals resampled to each length"
) -> alt.Chart:
    """Line per model: accuracy against signal length in points; a rule marks the 40 points trained on.

    df: columns model, length, accuracy (`experiments.length_sweep`).
    """
    line = (
        alt.Chart(df)
        .mark_line(point=True)
        .encode(
            x=alt.X("length:Q", title="signal length (points)"),
            y=alt.Y("accuracy:Q", title="test accuracy", scale=alt.Scale(domain=[0, 1])),
            color=_seqlab_color(df["model"]),
            tooltip=["model", "length", alt.Tooltip("accuracy:Q", format=".3f")],
        )
    )
    rule = alt.Chart(pd.DataFrame({"length": [native]})).mark_rule(strokeDash=[4, 4], color="grey").encode(x="length:Q")
    return (line + rule).properties(title=title, height=300)


def mnist1d_shift_chart(
    df: pd.DataFrame, title: str = "Test accuracy against how far the signal is moved"
) -> alt.Chart:
    """Line per model and mode: accuracy against shift in points (negative: earlier).

    df: columns model, mode ("pad": zeros fill the emptied points, solid; "roll": the points wrap
    around, dashed), shift, accuracy (`experiments.shift_sweep`).
    """
    if "mode" not in df.columns:  # a table from before both modes were measured
        df = df.assign(mode="pad")
    modes = [m for m in ("pad", "roll") if m in set(df["mode"])] + sorted(set(df["mode"]) - {"pad", "roll"})
    return (
        alt.Chart(df)
        .mark_line(point=True)
        .encode(
            x=alt.X("shift:Q", title="shift (points; the signal has 40)"),
            y=alt.Y("accuracy:Q", title="test accuracy", scale=alt.Scale(domain=[0, 1])),
            color=_seqlab_color(df["model"]),
            strokeDash=alt.StrokeDash(
                "mode:N", title="emptied points", scale=alt.Scale(domain=modes, range=[[1, 0], [5, 3]][: len(modes)])
            ),
            tooltip=["model", "mode", "shift", alt.Tooltip("accuracy:Q", format=".3f")],
        )
        .properties(title=title, height=280)
    )


def mnist1d_latency_chart(
    df: pd.DataFrame, title: str = "Latency of one prediction against signal length"
) -> alt.Chart:
    """Log-log lines: milliseconds per single-signal prediction against length, per model.

    df: columns model, length, ms (`experiments.signal_latency_sweep`).
    """
    return (
        alt.Chart(df)
        .mark_line(point=True)
        .encode(
            x=alt.X("length:Q", title="signal length (points)", scale=alt.Scale(type="log", base=2)),
            y=alt.Y("ms:Q", title="milliseconds", scale=alt.Scale(type="log")),
            color=_seqlab_color(df["model"]),
            tooltip=["model", "length", alt.Tooltip("ms:Q", format=".2f")],
        )
        .properties(title=title, height=280)
    )


def signals_chart(df: pd.DataFrame, title: str = "A few MNIST-1D signals of each digit") -> alt.Chart:
    """Small multiples: one panel per digit, one line per example signal.

    df: columns digit, example, point, value (`experiments.signal_examples`).
    """
    return (
        alt.Chart(df)
        .mark_line(strokeWidth=1.5)
        .encode(
            x=alt.X("point:Q", title=None, axis=alt.Axis(labels=False, ticks=False)),
            y=alt.Y("value:Q", title=None, axis=alt.Axis(labels=False, ticks=False)),
            color=alt.Color("example:N", legend=None),
            tooltip=["digit", "example", "point", alt.Tooltip("value:Q", format=".2f")],
        )
        .properties(width=58, height=60)
        .facet(  # five panels a row fit a phone's 360 px
            facet=alt.Facet("digit:N", title=None, header=alt.Header(labelFontSize=14)),
            columns=5,
            spacing=8,
        )
        .properties(title=title)
    )


def mnist1d_curves_chart(histories: dict, title: str = "Learning curves") -> alt.Chart:
    """Test accuracy (solid) and training accuracy (dashed) against epoch, one colour per run.

    histories: run label -> {"epoch": [...], "accuracy": [...], "test_accuracy": [...]} (`train.Mnist1dRun`).
    """
    rows = []
    for label, history in histories.items():
        for epoch, train, test in zip(
            history.get("epoch", []), history.get("accuracy", []), history.get("test_accuracy", [])
        ):
            rows.append({"run": label, "epoch": epoch, "curve": "test", "accuracy": test})
            rows.append({"run": label, "epoch": epoch, "curve": "training", "accuracy": train})
    df = pd.DataFrame(rows, columns=["run", "epoch", "curve", "accuracy"])
    return (
        alt.Chart(df)
        .mark_line(point=alt.OverlayMarkDef(size=20))
        .encode(
            x=alt.X("epoch:Q", title="epoch"),
            y=alt.Y("accuracy:Q", title="accuracy", scale=alt.Scale(domain=[0, 1]), axis=alt.Axis(format=".0%")),
            color=alt.Color("run:N", title="run", scale=alt.Scale(range=RUN_COLORS)),  # not the shipped models' blue
            strokeDash=alt.StrokeDash(
                "curve:N",
                title=None,
                scale=alt.Scale(domain=["test", "training"], range=[[1, 0], [4, 3]]),
                legend=alt.Legend(symbolType="stroke", symbolStrokeWidth=2),
            ),  # lines, not dots
            tooltip=["run", "curve", "epoch", alt.Tooltip("accuracy:Q", format=".3f")],
        )
        .properties(title=title, height=260)
    )
