"""The Tang models' command-line names, without TensorFlow: `MODELS` (`train tang --models`).

The poems have no command of their own: `generate --corpus tang` is the character models'
command (`cnnrnn/tasks/charlm/parser.py`).
"""

from __future__ import annotations

from cnnrnn.tasks.charlm.tang.config import TANG_NAMES

MODELS = TANG_NAMES
