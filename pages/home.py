"""Home: the argument, one card per task from the registry, and the headline numbers.

Renders without importing TensorFlow: it reads only the registry and the weights' manifest.
"""

import pandas as pd
import streamlit as st

from cnnrnn.core.ui.page import manifest, task_cards
from cnnrnn.tasks import all_tasks, page_tasks

st.title("CNN vs RNN, side by side")
st.markdown(
    """
Two classic deep-learning architectures, each run live on your own input.

- **A CNN has a fixed input size.** A model trained on 28x28 images needs every
  picture turned into 28x28 first. Cropping, padding and resizing all cost something;
  global pooling loosens the constraint.
- **An RNN reads a sequence of any length** and carries context from earlier steps.
  A text CNN instead needs fixed-length input, padded or truncated, and sees a fixed window.
- The same building blocks give **four patterns**: one to one, one to many, many to one,
  many to many.
"""
)

tasks = page_tasks()
patterns = tuple(t for t in tasks if t.section == "Patterns")
labs = tuple(t for t in tasks if t.section == "Labs")
task_cards(patterns, columns=max(len(patterns), 1))
if labs:
    st.subheader("Labs")
    task_cards(labs, columns=max(len(labs), 2))

st.header("Headline numbers")
shipped = manifest()
rows = []
for task in all_tasks():
    entry = shipped.get(task.name, {})
    test_size = entry.get("data", {}).get("test_size")
    for model, info in entry.get("models", {}).items():
        scores = info.get("test") if isinstance(info.get("test"), dict) else {}
        measure = (
            "exact match"
            if "exact_match" in info
            else "accuracy"
            if "test_accuracy" in info
            else "loss per character"
            if "heldout_loss" in info
            else "BLEU"
            if "bleu" in scores
            else None
        )
        rows.append(
            {
                "task": task.name,
                "model": model,
                # A captioner is right only when its whole caption is: its test accuracy is the exact match.
                "test accuracy": info.get("exact_match", info.get("test_accuracy")),
                "measure": measure,
                "held-out loss (nats/char)": info.get("heldout_loss"),
                "BLEU": scores.get("bleu"),
                "test items": test_size,
                "parameters": info.get("params"),
                "size (KB)": round(info["bytes"] / 1024) if info.get("bytes") else None,
                "training (s)": info.get("train_seconds"),
            }
        )
if rows:
    st.dataframe(
        pd.DataFrame(rows),
        hide_index=True,
        column_config={
            "test accuracy": st.column_config.NumberColumn(format="%.4f"),
            "held-out loss (nats/char)": st.column_config.NumberColumn(format="%.3f"),
            "BLEU": st.column_config.NumberColumn(format="%.1f"),
        },
    )
    st.caption(
        "Measured on held-out test data when the shipped weights were trained "
        "(cnnrnn/weights/manifest.json): accuracy for the classifiers, the share of captions right "
        "word for word (exact match) for the captioner, mean loss per character for the text "
        "generators (lower is better), sacreBLEU's corpus BLEU for the translators (higher is better). "
        "Retrain with `python -m cnnrnn train TASK`."
    )
else:
    st.info("No shipped weights found. Train them with `python -m cnnrnn train mnist`.")
