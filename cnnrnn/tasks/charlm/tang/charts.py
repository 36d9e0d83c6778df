"""The Tang poems' Altair charts: form kept against length, loss along the poem (no Streamlit).

Red for the LSTM, blue for the causal CNN, as on the rest of the generation page.
"""

from __future__ import annotations

import altair as alt
import pandas as pd

from cnnrnn.core.charts import color_scale
from cnnrnn.tasks.charlm.api import CHARLM_COLORS


def _rule(receptive_field: int | None, dy: int = -110) -> list:
    if not receptive_field:
        return []
    rule = pd.DataFrame({"x": [receptive_field], "label": [f"CNN window: {receptive_field} characters"]})
    return [
        alt.Chart(rule).mark_rule(strokeDash=[4, 4], color="grey").encode(x="x:Q"),
        alt.Chart(rule).mark_text(align="right", dx=-4, dy=dy, color="grey").encode(x="x:Q", text="label:N"),
    ]


def form_length_chart(
    df: pd.DataFrame, receptive_field: int | None = None, title: str = "Form kept against the length of the poem"
) -> alt.Chart:
    """Share of seeded poems whose lines so far all keep their length and mark, against characters into the poem.

    df: columns model, form, line, chars, share (`experiments.form_table`); one line per model and form
    (the point at a form's last line is its whole-poem accuracy); a rule marks the CNN's window.
    """
    line = (
        alt.Chart(df)
        .mark_line(point=True)
        .encode(
            x=alt.X("chars:Q", title="characters into the poem (end of line k)", scale=alt.Scale(domainMin=0)),
            y=alt.Y("share:Q", title="share of poems in form so far", scale=alt.Scale(domain=[0, 1])),
            color=color_scale(df["model"], CHARLM_COLORS),
            strokeDash=alt.StrokeDash("form:N", title="form"),
            shape=alt.Shape("form:N", title="form"),
            tooltip=["model", "form", "line", "chars", alt.Tooltip("share:Q", format=".2f")],
        )
    )
    return alt.layer(line, *_rule(receptive_field)).properties(title=title, height=300)


def poem_loss_chart(
    df: pd.DataFrame, receptive_field: int | None = None, title: str = "Held-out loss along the poem"
) -> alt.Chart:
    """Mean loss (nats) of the character at each position of the held-out poems' sequences, per model.

    df: columns model, context (characters read, the start mark included), loss.
    """
    line = (
        alt.Chart(df)
        .mark_line(point=alt.OverlayMarkDef(size=12))
        .encode(
            x=alt.X("context:Q", title="characters read (start mark included)"),
            y=alt.Y("loss:Q", title="loss (nats per character)", scale=alt.Scale(zero=False)),
            color=color_scale(df["model"], CHARLM_COLORS),
            tooltip=["model", "context", alt.Tooltip("loss:Q", format=".3f")],
        )
    )
    return alt.layer(line, *_rule(receptive_field, dy=-100)).properties(title=title, height=280)
