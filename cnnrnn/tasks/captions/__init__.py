"""Captioning (one to many): a CNN encoder reads a generated scene once; an LSTM decoder writes its caption.

Modules, in import order: config (hyperparameters) -> data (the scene generator and the
caption grammar) -> model (the Keras graph and the step-by-step `CaptionPredictor`) ->
predict (loading the shipped model) -> experiments (scores and tables) -> train ->
charts, ui (the page's bridge to Streamlit) and cli (the command line's interface).
"""
