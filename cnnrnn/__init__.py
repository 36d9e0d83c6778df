"""cnnrnn: Keras models and experiments behind the CNN vs RNN dashboard.

Importing the package is cheap: TensorFlow is imported only by the modules that
need it (models, train, inference, experiments), so the home page stays fast.
"""

import os

os.environ.setdefault("KERAS_BACKEND", "tensorflow")
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

__version__ = "0.1.0"
