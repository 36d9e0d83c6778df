""" "How fair is this fight": the panel every model page shows, built from its task's manifest section.

A table (parameters, steps, examples or tokens seen, CPU seconds, learning rate, seeds, the metric with its 95%
interval), the learning curves against optimizer steps and against CPU seconds, one sentence on what is equal and
what is not, and the verdict on each pair the page compares (`cnnrnn.core.protocol.judge`: a win only when the
difference exceeds the noise). A section trained before the protocol says so, and claims no winner.
"""

from __future__ import annotations

from collections.abc import Sequence

import pandas as pd
import streamlit as st

from cnnrnn.core.charts import learning_curves_chart
from cnnrnn.core.protocol import curve_rows, fairness_rows, fairness_sentence, judge
from cnnrnn.core.ui.page import manifest


def verdicts(task: str, pairs: Sequence[tuple[str, str]], labels: dict | None = None) -> dict:
    """The verdict on each pair of the task's shipped models (pair -> Verdict); {} for a task without them."""
    entry = manifest().get(task, {})
    models = entry.get("models", {})
    return {(a, b): judge(entry, a, b, labels) for a, b in pairs if a in models and b in models}


def fair_fight_panel(
    task: str,
    names: Sequence[str],
    labels: dict | None = None,
    colors: dict | None = None,
    pairs: Sequence[tuple[str, str]] = (),
    note: str = "",
    curves: Sequence[str] | None = None,
    legacy: tuple[str, str] | None = None,
) -> None:
    """The "How fair is this fight" section for models `names` of `task` (display labels and colours by label).

    pairs: the comparisons the page draws, each judged; note: a sentence of the page's own (why a model's budget
    differs, what the page's time ratio means); curves: the models whose learning curves are drawn (all of
    `names` by default); legacy: (manifest key, label) of the metric a section trained before the protocol
    recorded.
    """
    with st.container(key="fair_fight"):  # one per page: the browser suite finds the panel by this key
        _panel(task, names, dict(labels or {}), colors, pairs, note, curves, legacy)


def _panel(task, names, labels, colors, pairs, note, curves, legacy) -> None:
    st.subheader("How fair is this fight", anchor="how-fair-is-this-fight")
    entry = manifest().get(task, {})
    models = entry.get("models", {})
    present = [name for name in names if name in models]
    if not present:
        st.info(f"No shipped models to compare: train them with `python -m cnnrnn train {task}`.")
        return
    protocol = entry.get("protocol")
    st.markdown(fairness_sentence(entry, present, labels))
    for verdict in verdicts(task, [p for p in pairs if set(p) <= set(present)], labels).values():
        st.markdown(f"- {verdict.text}")
    table = pd.DataFrame(fairness_rows(entry, present, labels, legacy)).dropna(axis=1, how="all")
    counts = {
        column: st.column_config.NumberColumn(format="localized")
        for column in table.columns
        if column in ("parameters", "steps") or column.endswith(" seen")
    }
    figures = {
        column: st.column_config.NumberColumn(format="%.1f")
        for column in ("CPU seconds", "wall seconds")
        if column in table.columns
    }
    metric = (protocol or {}).get("label") or (legacy or ("", ""))[1]
    if metric in table.columns:
        figures[metric] = st.column_config.NumberColumn(format="%.3f" if "accuracy" in metric else "%.2f")
    st.dataframe(table, hide_index=True, width="stretch", column_config={**counts, **figures})
    rows = curve_rows(entry, [n for n in (curves or present) if n in present], labels)
    if rows:
        metric = (protocol or {}).get("label", "metric").replace("test ", "")
        colors = colors or {}
        left, right = st.columns(2)
        left.altair_chart(
            learning_curves_chart(rows, "step", metric, colors, "Against optimizer steps"), width="stretch"
        )
        right.altair_chart(
            learning_curves_chart(rows, "CPU seconds", metric, colors, "Against CPU seconds"), width="stretch"
        )
    else:
        st.caption("No learning curves on the validation split were recorded for these models.")
    if protocol:
        rates = ", ".join(f"{r:g}" for r in protocol["lr_grid"])
        st.caption(
            f"Protocol: each model's learning rate chosen from {{{rates}}} on the validation split (seed 1); then "
            f"{protocol['seeds']} seeds at that rate. The intervals are 95% intervals of the mean over the seeds; "
            "the shipped model is the median seed by validation score, never the best. Bold line: the shipped "
            "seed; faint lines: the other seeds."
        )
    else:
        st.caption(
            "Trained before the fair-fight protocol: each model by its own recipe and budget, with one seed, so "
            "there is no interval and no winner is claimed here."
        )
    if note:
        st.caption(note)
