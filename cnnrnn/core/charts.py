"""Shared chart helpers: the palette, a colour scale in a fixed order, and small marks every task uses.

Tidy DataFrame in, `alt.Chart` out; no Streamlit. Each task's `charts.py` builds its own
charts from these; tests check charts through `chart.to_dict()`.
"""

from __future__ import annotations

import altair as alt
import pandas as pd

# Architecture colours, the same meaning on every page: red for recurrent, blue for convolutional.
RNN_RED = "#d62728"
CNN_BLUE = "#1f77b4"
OTHER_GREY = "#7f7f7f"


def color_scale(models, colors: dict[str, str], field: str = "model", title: str = "model") -> alt.Color:
    """A nominal colour encoding of `field`: the models in `colors` first, in its order, the rest after, grey."""
    present = set(models)
    domain = [m for m in colors if m in present] + sorted(present - set(colors))
    return alt.Color(
        f"{field}:N", title=title, scale=alt.Scale(domain=domain, range=[colors.get(m, OTHER_GREY) for m in domain])
    )


def ordered(df: pd.DataFrame, column: str, by: str) -> list:
    """The distinct values of `column` in the order of `by` (for an ordinal axis)."""
    return list(dict.fromkeys(df.sort_values(by, kind="stable")[column].tolist()))


def rule_at(value: float, axis: str = "y") -> alt.Chart:
    """A dashed grey rule at `value` on `axis` (chance level, the native size, ...)."""
    return (
        alt.Chart(pd.DataFrame({"value": [value]}))
        .mark_rule(strokeDash=[4, 4], color="grey")
        .encode(**{axis: "value:Q"})
    )


def learning_curves_chart(rows: list[dict], x: str, metric: str, colors: dict[str, str], title: str) -> alt.Chart:
    """Validation metric against `x` ("step" or "CPU seconds") from `cnnrnn.core.protocol.curve_rows`: one line per
    model for its shipped seed, its other seeds as thin faint lines, the colours in `colors` (by model label)."""
    df = pd.DataFrame(rows)
    df["run"] = df["model"] + " seed " + df["seed"].astype(str)
    base = alt.Chart(df, title=title).encode(
        x=alt.X(f"{x}:Q", title="optimizer steps" if x == "step" else "CPU seconds on this machine"),
        y=alt.Y("validation:Q", title=f"validation {metric}", scale=alt.Scale(zero=False)),
        color=color_scale(df["model"], colors),
        detail="run:N",
        tooltip=["model", "seed", alt.Tooltip(f"{x}:Q", format=",.0f"), alt.Tooltip("validation:Q", format=".4f")],
    )
    shipped = base.transform_filter("datum.shipped").mark_line(point=True, strokeWidth=2.5)
    others = base.transform_filter("!datum.shipped").mark_line(strokeWidth=1, opacity=0.35)
    return (others + shipped).properties(height=260)
