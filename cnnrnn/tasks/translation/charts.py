"""The translation page's Altair charts: tidy DataFrame in, `alt.Chart` out (no Streamlit).

Recurrent models red (the fixed-vector one dashed, in a lighter red), the convolutional one blue,
as everywhere in the dashboard.
"""

from __future__ import annotations

import altair as alt
import numpy as np
import pandas as pd

from cnnrnn.core.charts import CNN_BLUE, RNN_RED
from cnnrnn.tasks.translation.config import MODEL_LABELS, MODEL_NAMES

COLORS = {"rnn_fixed": "#ff9896", "rnn_attention": RNN_RED, "cnn": CNN_BLUE}
DASHES = {"rnn_fixed": [6, 3], "rnn_attention": [1, 0], "cnn": [1, 0]}
SHAPES = {"rnn_fixed": "triangle-up", "rnn_attention": "circle", "cnn": "square"}


def _legend(field: str = "label"):
    labels = [MODEL_LABELS[n] for n in MODEL_NAMES]
    return {
        "color": alt.Color(
            f"{field}:N",
            title="model",
            sort=labels,
            scale=alt.Scale(domain=labels, range=[COLORS[n] for n in MODEL_NAMES]),
            legend=alt.Legend(orient="bottom", columns=1, labelLimit=320),
        ),
        "strokeDash": alt.StrokeDash(
            f"{field}:N",
            sort=labels,
            legend=None,
            scale=alt.Scale(domain=labels, range=[DASHES[n] for n in MODEL_NAMES]),
        ),
        "shape": alt.Shape(
            f"{field}:N",
            sort=labels,
            legend=None,
            scale=alt.Scale(domain=labels, range=[SHAPES[n] for n in MODEL_NAMES]),
        ),
    }


def by_length_table(models: dict) -> pd.DataFrame:
    """Manifest models -> rows: model, label, words ("5-6"), low, sentences, bleu."""
    rows = [
        {"model": name, "label": MODEL_LABELS.get(name, name), **row}
        for name, info in models.items()
        for row in info.get("test", {}).get("by_length", [])
    ]
    return pd.DataFrame(rows)


def bleu_by_length_chart(
    df: pd.DataFrame, train_words: int | None = None, title: str = "BLEU against English sentence length (held-out)"
) -> alt.Chart:
    """Bahdanau et al.'s Figure 2 on this data: one line per model over bins of source length."""
    order = list(dict.fromkeys(df.sort_values("low")["words"]))
    line = (
        alt.Chart(df)
        .mark_line(point=alt.OverlayMarkDef(size=70, filled=True))
        .encode(
            x=alt.X("words:O", title="English words", sort=order, axis=alt.Axis(labelAngle=0)),
            y=alt.Y("bleu:Q", title="BLEU", scale=alt.Scale(zero=True)),
            tooltip=["label", "words", "sentences", alt.Tooltip("bleu:Q", format=".1f")],
            **_legend(),
        )
    )
    return line.properties(title=alt.TitleParams(title, anchor="start"), height=300)


def latency_table(models: dict) -> pd.DataFrame:
    rows = [
        {"model": name, "label": MODEL_LABELS.get(name, name), **row}
        for name, info in models.items()
        for row in info.get("test", {}).get("latency_beam4", [])
    ]
    return pd.DataFrame(rows)


def latency_chart(df: pd.DataFrame, title: str = "Milliseconds per translation, beam 4") -> alt.Chart:
    line = (
        alt.Chart(df)
        .mark_line(point=alt.OverlayMarkDef(size=60, filled=True))
        .encode(
            x=alt.X("words:Q", title="English words"),
            y=alt.Y("ms:Q", title="milliseconds"),
            tooltip=["label", "words", alt.Tooltip("ms:Q", format=".0f")],
            **_legend(),
        )
    )
    return line.properties(title=alt.TitleParams(title, anchor="start"), height=260)


def _unique(labels: list[str]) -> list[str]:
    """Labels made distinct with invisible marks, so a repeated token keeps its own row or column."""
    seen: dict[str, int] = {}
    out = []
    for label in labels:
        count = seen.get(label, 0)
        seen[label] = count + 1
        out.append(label + "\u200b" * count)
    return out


def show_piece(piece: str) -> str:
    return piece.replace("\u2581", "") or "\u2581"


def attention_table(source: list[str], output: list[str], matrix) -> pd.DataFrame:
    """Long form of an attention matrix [output tokens, source tokens]: source, target, weight."""
    matrix = np.asarray(matrix, float)
    src = _unique([show_piece(p) for p in source])
    tgt = _unique([show_piece(p) for p in output])
    rows = [
        {"source": src[j], "source_i": j, "target": tgt[i], "target_i": i, "weight": float(matrix[i, j])}
        for i in range(min(len(tgt), matrix.shape[0]))
        for j in range(min(len(src), matrix.shape[1]))
    ]
    return pd.DataFrame(rows, columns=["source", "source_i", "target", "target_i", "weight"])


def attention_chart(df: pd.DataFrame, title: str) -> alt.Chart:
    """Heat map: which English token each French token attended to (each row sums to 1)."""
    src_order = list(dict.fromkeys(df.sort_values("source_i")["source"]))
    tgt_order = list(dict.fromkeys(df.sort_values("target_i")["target"]))
    return (
        alt.Chart(df)
        .mark_rect()
        .encode(
            x=alt.X("source:N", sort=src_order, title="English (read)", axis=alt.Axis(labelAngle=-45, orient="top")),
            y=alt.Y("target:N", sort=tgt_order, title="French (written)"),
            color=alt.Color(
                "weight:Q",
                title="attention",
                scale=alt.Scale(scheme="greys", domain=[0, 1]),
                legend=alt.Legend(orient="bottom", format=".1f"),
            ),
            tooltip=[
                alt.Tooltip("source:N", title="English"),
                alt.Tooltip("target:N", title="French"),
                alt.Tooltip("weight:Q", format=".2f"),
            ],
        )
        .properties(title=alt.TitleParams(title, anchor="start"), height=max(120, 22 * len(tgt_order)))
    )


def vector_chart(vector, title: str = "The one vector the decoder gets") -> alt.Chart:
    """rnn_fixed's encoder state, one cell per unit (16 to a row)."""
    values = np.asarray(vector, float).ravel()
    df = pd.DataFrame({"unit": np.arange(len(values)), "value": values})
    df["row"], df["col"] = df["unit"] // 32, df["unit"] % 32
    return (
        alt.Chart(df)
        .mark_rect()
        .encode(
            x=alt.X("col:O", axis=None),
            y=alt.Y("row:O", axis=None),
            color=alt.Color(
                "value:Q",
                scale=alt.Scale(scheme="redblue", domain=[-1, 1], reverse=True),
                legend=alt.Legend(orient="bottom", title="state"),
            ),
            tooltip=["unit", alt.Tooltip("value:Q", format=".2f")],
        )
        .properties(title=alt.TitleParams(title, anchor="start"), height=16 * int(np.ceil(len(values) / 32)))
    )


def joined_chart(joined: dict, title: str = "chrF as inputs grow: held-out sentences joined") -> alt.Chart:
    """One line per model: chrF against how many held-out sentences were joined into one input."""
    rows = [
        {"model": name, "label": MODEL_LABELS.get(name, name), **row} for name, table in joined.items() for row in table
    ]
    line = (
        alt.Chart(pd.DataFrame(rows))
        .mark_line(point=alt.OverlayMarkDef(size=70, filled=True))
        .encode(
            x=alt.X("sentences:O", title="sentences per input", axis=alt.Axis(labelAngle=0)),
            y=alt.Y("chrf:Q", title="chrF", scale=alt.Scale(zero=True)),
            tooltip=[
                "label",
                "sentences",
                alt.Tooltip("words:Q", title="mean English words", format=".0f"),
                alt.Tooltip("chrf:Q", format=".1f"),
            ],
            **_legend(),
        )
    )
    return line.properties(title=alt.TitleParams(title, anchor="start"), height=280)
