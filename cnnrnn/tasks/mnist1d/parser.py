"""The sequence lab's command-line arguments, without TensorFlow: `MODELS` (it adds no commands).

`python -m cnnrnn` reads every task's parser module to build its arguments, then loads the one
task's `cli` (and TensorFlow) only for the command it runs.
"""

from __future__ import annotations

from cnnrnn.tasks.mnist1d.config import MNIST1D_MODELS

MODELS = tuple(MNIST1D_MODELS)  # logreg, mlp, cnn, gru, cnn_shuffled, gru_shuffled, cnn_mixed, gru_mixed

PROTOCOL = True  # trained under the fair-fight protocol: `train mnist1d --seeds N`
