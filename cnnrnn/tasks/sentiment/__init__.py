"""Many to one: a sentence in, one sentiment out. A GRU (`rnn`) and a Kim-style 1D CNN (`cnn`) on MR.

Modules, in import order: `config` (hyperparameters), `text` (cleaning, tokens, naive-Bayes
ratios, templates, probes), `data` (the sentence polarity splits), `layers` (the string-to-ids
pipeline and custom layers both models share, and the names of its parts), `model_rnn` and
`model_cnn` (one builder each), `model` (the two by name, and `TextPredictor`), `predict`
(loading the shipped models), `experiments`, `train`, `charts`, `ui` (Streamlit) and `cli`.
"""
