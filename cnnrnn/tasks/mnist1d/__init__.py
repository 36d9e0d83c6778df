"""The sequence lab: a CNN against a GRU on MNIST-1D (Greydanus & Kobak, ICML 2024).

Modules, in import order: config -> data -> model -> predict -> experiments -> train ->
charts, ui, cli. `cli` is the command line's interface (see `cnnrnn.core.task`).
"""
