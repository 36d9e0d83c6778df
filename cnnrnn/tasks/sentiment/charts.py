"""The sentiment page's Altair charts: tidy DataFrame in, `alt.Chart` out (no Streamlit).

The GRU ("rnn") is red and the Kim CNN ("cnn") blue, as everywhere in the dashboard.
"""

from __future__ import annotations

import altair as alt
import pandas as pd

from cnnrnn.core.charts import CNN_BLUE, RNN_RED, color_scale, ordered, rule_at

SENTIMENT_COLORS = {"rnn": RNN_RED, "cnn": CNN_BLUE}
SENTIMENT_LABELS = {"rnn": "RNN (GRU, any length)", "cnn": "CNN (Kim 2014, fixed length)"}


def _sentiment_color() -> alt.Color:
    return color_scale(SENTIMENT_COLORS, SENTIMENT_COLORS)  # both models in the legend, always


def _half_rule(axis: str = "y") -> alt.Chart:
    return rule_at(0.5, axis)


def prefix_chart(df: pd.DataFrame, title: str = "Prediction after each word read") -> alt.Chart:
    """Line per model: P(positive) after each prefix, over the tokens read.

    df: columns step, label ("3 film"), token, model, positive (`experiments.prefix_predictions`).
    """
    order = ordered(df, "label", "step")
    line = (
        alt.Chart(df)
        .mark_line(point=True)
        .encode(
            x=alt.X("label:O", title="words read", sort=order, axis=alt.Axis(labelAngle=-50, labelOverlap=True)),
            y=alt.Y("positive:Q", title="P(positive)", scale=alt.Scale(domain=[0, 1])),
            color=_sentiment_color(),
            tooltip=["model", "step", "token", alt.Tooltip("positive:Q", format=".3f")],
        )
    )
    return (line + _half_rule()).properties(title=title, height=280)


def occlusion_chart(df: pd.DataFrame, title: str = "Word importance: the change when the word is dropped") -> alt.Chart:
    """Bars per token and model: P(positive) with the word minus without it.

    df: columns position, label, token, model, importance (`experiments.occlusion_importance`).
    """
    order = ordered(df, "label", "position")
    return (
        alt.Chart(df)
        .mark_bar()
        .encode(
            x=alt.X("label:O", title="word", sort=order, axis=alt.Axis(labelAngle=-50, labelOverlap=True)),
            xOffset=alt.XOffset("model:N", sort=list(SENTIMENT_COLORS)),
            y=alt.Y("importance:Q", title="change in P(positive)"),
            color=_sentiment_color(),
            tooltip=[
                "model",
                "position",
                "token",
                alt.Tooltip("importance:Q", format="+.3f"),
                alt.Tooltip("positive_without:Q", title="P(positive) without it", format=".3f"),
            ],
        )
        .properties(title=title, height=260)
    )


EVIDENCE_KINDS = {"word": "#1f77b4", "pair": "#9ecae1"}  # a word; the pair of it and the next word


def evidence_table(rows: list[dict]) -> pd.DataFrame:
    """`TextPredictor.counted_evidence` rows -> long form: position, label, kind, text, ratio."""
    records = []
    for row in rows:
        label = f"{row['position']} {row['token']}"
        records.append(
            {
                "position": row["position"],
                "label": label,
                "kind": "word",
                "text": row["token"],
                "ratio": row["word_ratio"],
            }
        )
        if "pair_ratio" in row:
            records.append(
                {
                    "position": row["position"],
                    "label": label,
                    "kind": list(EVIDENCE_KINDS)[1],
                    "text": row["pair"] or "(no next word)",
                    "ratio": row["pair_ratio"],
                }
            )
    return pd.DataFrame(records, columns=["position", "label", "kind", "text", "ratio"])


def evidence_chart(df: pd.DataFrame, title: str = "Counted evidence the CNN reads beside each embedding") -> alt.Chart:
    """Bars per token: the frozen naive-Bayes log-count ratio of the word and of the pair it starts.

    df: `evidence_table`'s columns.
    """
    order = ordered(df, "label", "position")
    return (
        alt.Chart(df)
        .mark_bar()
        .encode(
            x=alt.X("label:O", title="word", sort=order, axis=alt.Axis(labelAngle=-50, labelOverlap=True)),
            xOffset=alt.XOffset("kind:N", sort=list(EVIDENCE_KINDS)),
            y=alt.Y("ratio:Q", title="log ratio (+: positive)"),
            color=alt.Color(
                "kind:N",
                title="ratio of the",
                scale=alt.Scale(domain=list(EVIDENCE_KINDS), range=list(EVIDENCE_KINDS.values())),
            ),
            tooltip=["kind", "position", "text", alt.Tooltip("ratio:Q", format="+.2f")],
        )
        .properties(title=title, height=240)
    )


def length_bucket_chart(df: pd.DataFrame, title: str = "Held-out accuracy by sentence length") -> alt.Chart:
    """Grouped bars: accuracy per length bucket (tokens) and model.

    df: columns model, bucket, order, accuracy, n (`experiments.length_buckets`).
    """
    order = ordered(df, "bucket", "order")
    bars = (
        alt.Chart(df)
        .mark_bar()
        .encode(
            x=alt.X("bucket:O", title="sentence length (tokens)", sort=order, axis=alt.Axis(labelAngle=0)),
            xOffset=alt.XOffset("model:N", sort=list(SENTIMENT_COLORS)),
            y=alt.Y("accuracy:Q", scale=alt.Scale(domain=[0, 1])),
            color=_sentiment_color(),
            tooltip=["model", "bucket", alt.Tooltip("accuracy:Q", format=".3f"), alt.Tooltip("n:Q", title="sentences")],
        )
    )
    return (bars + _half_rule()).properties(title=title, height=260)


def filler_chart(df: pd.DataFrame, title: str = "Held-out accuracy with neutral filler words added") -> alt.Chart:
    """Lines: accuracy against the number of filler words, per model (colour) and place (dash).

    df: columns model, where ("before"/"after"), filler, accuracy (`experiments.filler_sweep`).
    """
    lines = (
        alt.Chart(df)
        .mark_line(point=True)
        .encode(
            x=alt.X("filler:Q", title="filler words added", scale=alt.Scale(type="symlog")),
            y=alt.Y("accuracy:Q", scale=alt.Scale(domain=[0.4, 1])),
            color=_sentiment_color(),
            strokeDash=alt.StrokeDash("where:N", title="filler goes", sort=["before", "after"]),
            tooltip=["model", "where", "filler", alt.Tooltip("accuracy:Q", format=".3f")],
        )
    )
    return (lines + _half_rule()).properties(title=title, height=280)


def latency_chart(df: pd.DataFrame, title: str = "Latency of one prediction against input length") -> alt.Chart:
    """Log-log lines: milliseconds per single-text prediction against tokens, per model.

    df: columns model, tokens, ms (`experiments.latency_sweep`).
    """
    return (
        alt.Chart(df)
        .mark_line(point=True)
        .encode(
            x=alt.X("tokens:Q", title="input length (tokens)", scale=alt.Scale(type="log")),
            y=alt.Y("ms:Q", title="milliseconds", scale=alt.Scale(type="log")),
            color=_sentiment_color(),
            tooltip=["model", "tokens", alt.Tooltip("ms:Q", format=".2f")],
        )
        .properties(title=title, height=280)
    )
