"""What other tasks may use of the Generation task (no Streamlit): the character-model machinery.

The Tang poems (a task of its own, shown on the Generation page) are character models of another corpus:
they build, train, step and sample their models with these, and draw them in the same colours.
"""

from __future__ import annotations

from cnnrnn.tasks.charlm.charts import CHARLM_COLORS, CHARLM_LABELS
from cnnrnn.tasks.charlm.data import CharVocab, check_generation_settings, escape_markdown, show_chars
from cnnrnn.tasks.charlm.experiments import generation_steps_table, temperature_samples
from cnnrnn.tasks.charlm.model import build_charlm
from cnnrnn.tasks.charlm.predict import SERVER_JIT, CharPredictor, GenerationRun

__all__ = [
    "CHARLM_COLORS",
    "CHARLM_LABELS",
    "SERVER_JIT",
    "CharPredictor",
    "CharVocab",
    "GenerationRun",
    "build_charlm",
    "check_generation_settings",
    "escape_markdown",
    "generation_steps_table",
    "show_chars",
    "temperature_samples",
]
