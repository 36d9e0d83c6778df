"""The room's summaries of the models' verdicts (pure: no Streamlit, no SQL).

Digits go to the image task's three models (the fixed CNN, the pooled CNN, the row RNN), sentences
to the sentiment task's two (the GRU and the 1D CNN), through their `api` modules (the predictors
their pages share). A summary reads the store's rows (`store.submissions`) and returns tidy DataFrames
for the charts.
"""

from __future__ import annotations

import pandas as pd

from cnnrnn.tasks.digits.api import MODEL_LABELS as DIGIT_LABELS
from cnnrnn.tasks.digits.api import MODEL_NAMES as DIGIT_MODELS
from cnnrnn.tasks.sentiment.api import SENTIMENT_LABELS
from cnnrnn.tasks.sentiment.api import SENTIMENT_NAMES as SENTENCE_MODELS

SHORT = {
    "cnn_fixed": "fixed CNN",
    "cnn_gap": "pooled CNN",
    "rnn_rows": "row RNN",
    "rnn": "RNN",
    "cnn": "CNN",
}  # the gallery's captions and the sentence table's columns
POLARITY = {1: "positive", 0: "negative"}
DIGITS = tuple(range(10))


def digit_frame(rows: list[dict]) -> pd.DataFrame:
    """One row per digit submission and model: id, model, label (the model's title), true, predicted, correct."""
    records = [
        {
            "id": row["id"],
            "model": name,
            "label": DIGIT_LABELS[name],
            "true": row["label"],
            "predicted": int(row["verdicts"][name]["label"]),
            "correct": int(row["verdicts"][name]["label"]) == row["label"],
        }
        for row in rows
        if row["kind"] == "digit"
        for name in DIGIT_MODELS
        if name in row["verdicts"]
    ]
    return pd.DataFrame(records, columns=["id", "model", "label", "true", "predicted", "correct"])


def accuracy(frame: pd.DataFrame) -> pd.DataFrame:
    """Per model (in the models' order): label, right, n, accuracy (share of submissions read right)."""
    rows = []
    for name in DIGIT_MODELS:
        mine = frame[frame["model"] == name]
        if len(mine):
            rows.append(
                {
                    "model": name,
                    "label": DIGIT_LABELS[name],
                    "right": int(mine["correct"].sum()),
                    "n": len(mine),
                    "accuracy": float(mine["correct"].mean()),
                }
            )
    return pd.DataFrame(rows, columns=["model", "label", "right", "n", "accuracy"])


def confusion(frame: pd.DataFrame, model: str) -> pd.DataFrame:
    """The model's confusion matrix as 100 cells: true, predicted, count (0 where none)."""
    mine = frame[frame["model"] == model]
    counts = mine.groupby(["true", "predicted"]).size()
    return pd.DataFrame(
        [{"true": t, "predicted": p, "count": int(counts.get((t, p), 0))} for t in DIGITS for p in DIGITS]
    )


def cell_ids(frame: pd.DataFrame, model: str, true: int, predicted: int) -> list[int]:
    """The ids of the submissions in one cell of `model`'s confusion matrix, newest first."""
    mine = frame[(frame["model"] == model) & (frame["true"] == true) & (frame["predicted"] == predicted)]
    return sorted(mine["id"].astype(int).tolist(), reverse=True)


def sentence_table(rows: list[dict]) -> pd.DataFrame:
    """One row per sentence, newest first: sentence, said, each model's verdict, agree (the two models)."""
    records = []
    for row in rows:
        if row["kind"] != "sentence":
            continue
        record = {"sentence": row["sentence"], "said": POLARITY[row["label"]]}
        for name in SENTENCE_MODELS:
            verdict = row["verdicts"].get(name, {})
            record[SHORT[name]] = (
                f"{POLARITY[int(verdict['label'])]} ({verdict['positive']:.0%} positive)" if verdict else ""
            )
        labels = {int(row["verdicts"][n]["label"]) for n in SENTENCE_MODELS if n in row["verdicts"]}
        record["models agree"] = len(labels) == 1
        records.append(record)
    return pd.DataFrame(records, columns=["sentence", "said", *(SHORT[n] for n in SENTENCE_MODELS), "models agree"])


def sentence_accuracy(rows: list[dict]) -> dict:
    """name -> (right, n): each sentiment model against what the senders said."""
    sentences = [row for row in rows if row["kind"] == "sentence"]
    return {
        name: (
            sum(int(r["verdicts"][name]["label"]) == r["label"] for r in sentences if name in r["verdicts"]),
            sum(name in r["verdicts"] for r in sentences),
        )
        for name in SENTENCE_MODELS
    }


def gallery_caption(row: dict) -> str:
    """A digit's caption in the gallery: "drew 7 · fixed CNN 7 ✓ · pooled CNN 7 ✓ · row RNN 1 ✗"."""
    parts = [f"drew {row['label']}"]
    for name in DIGIT_MODELS:
        if name in row["verdicts"]:
            said = int(row["verdicts"][name]["label"])
            parts.append(f"{SHORT[name]} {said} {'✓' if said == row['label'] else '✗'}")
    return " · ".join(parts)


__all__ = [
    "DIGIT_LABELS",
    "DIGIT_MODELS",
    "SENTENCE_MODELS",
    "SENTIMENT_LABELS",
    "SHORT",
    "POLARITY",
    "digit_frame",
    "accuracy",
    "confusion",
    "cell_ids",
    "sentence_table",
    "sentence_accuracy",
    "gallery_caption",
]
