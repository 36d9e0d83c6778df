"""Home: the argument, the four patterns as cards, and the headline numbers.

Renders without importing TensorFlow: it reads only the weights' manifest.
"""

from pathlib import Path

import pandas as pd
import streamlit as st

from cnnrnn.train import read_manifest

st.set_page_config(page_title="CNN vs RNN", page_icon=":material/compare:", layout="wide")

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

PAGES = Path(__file__).parent / "pages"
PATTERNS = [
    ("One to one", "image -> label", "1_Image_CNN.py", ":material/image:",
     "Upload, photograph or draw a digit; see what a fixed 28x28 input costs."),
    ("One to many", "image -> sentence", "4_Captioning.py", ":material/subtitles:",
     "A CNN encoder and an RNN decoder describe a scene."),
    ("Many to one", "sentence -> sentiment", "2_Sentiment.py", ":material/sentiment_satisfied:",
     "Type a sentence; an RNN and a 1D CNN judge it."),
    ("Many to many", "text -> text", "3_Generation.py", ":material/edit_note:",
     "A character-level RNN writes in the style of a corpus."),
]

# Labs: experiments beyond the four patterns, shown as cards under them.
LABS = [
    ("Sequence lab", "signal -> digit (MNIST-1D)", "5_Sequence_Lab.py", ":material/timeline:",
     "A CNN against a GRU on 1D signals: the paper's table, live training, length, shift and latency."),
]


def cards(entries) -> None:
    columns = st.columns(len(PATTERNS))
    for column, (name, shape, page, icon, blurb) in zip(columns, entries):
        with column.container(border=True):
            st.subheader(name)
            st.caption(shape)
            st.write(blurb)
            if (PAGES / page).is_file():
                st.page_link(f"pages/{page}", label="Open", icon=icon)
            else:
                st.button("Coming soon", key=f"home_soon_{page}", disabled=True, icon=icon)


cards(PATTERNS)
cards(LABS)

st.header("Headline numbers")
manifest = read_manifest()
rows = []
for task, entry in sorted(manifest.items()):
    test_size = entry.get("data", {}).get("test_size")
    for model, info in entry.get("models", {}).items():
        rows.append({
            "task": task, "model": model,
            "test accuracy": info.get("test_accuracy"),
            "held-out loss (nats/char)": info.get("heldout_loss"),
            "test items": test_size,
            "parameters": info.get("params"),
            "size (KB)": round(info["bytes"] / 1024) if info.get("bytes") else None,
            "training (s)": info.get("train_seconds"),
        })
if rows:
    st.dataframe(
        pd.DataFrame(rows), hide_index=True,
        column_config={"test accuracy": st.column_config.NumberColumn(format="%.4f"),
                       "held-out loss (nats/char)": st.column_config.NumberColumn(format="%.3f")},
    )
    st.caption("Measured on held-out test data when the shipped weights were trained "
               "(cnnrnn/weights/manifest.json): accuracy for the classifiers, mean loss per character for "
               "the text generators (lower is better). Retrain with `python -m cnnrnn train TASK`.")
else:
    st.info("No shipped weights found. Train them with `python -m cnnrnn train mnist`.")
