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
