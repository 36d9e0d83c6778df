"""The image task (`mnist` on the command line): the MNIST digit models and what a fixed 28x28 input costs.

Modules, each importing only core and the ones before it: `config` (hyperparameters and
presets) -> `data` (MNIST and its seeded split) -> `model` (the three builders, their
predictor and what each model is handed) -> `predict` (the shipped models) -> `experiments`
(sweeps as tidy frames, evaluation) -> `train` -> `charts`, `ui` (the page's bridge to
Streamlit) and `cli` (the command line's interface). The page's samples are in `samples/`.
"""
