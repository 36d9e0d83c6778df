"""The room's command-line arguments: none, and no models of its own (`MODELS = ()`).

The room trains nothing: it reads the audience's digits and sentences with the image and sentiment
tasks' shipped models. An empty MODELS keeps it out of `train` and `evaluate` (and of the manifest);
its one command-line figure is its row in `python -m cnnrnn bench` (`cli.bench`).
"""

from __future__ import annotations

MODELS: tuple[str, ...] = ()
