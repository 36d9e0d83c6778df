"""Tang poems: the generation page's second corpus, and the `tang` entry of the registry.

A corpus of the character-model task, not a task of its own: it reuses the character LSTM, the
causal CNN, their steppers and the predictor of `cnnrnn.tasks.charlm`, and shows on the same page.
It is registered (as `tang`, shown on the Generation page) for `train tang` and `evaluate tang`.
Modules, in import order: config -> form -> data -> predict -> experiments -> train -> cli;
`parser` imports no TensorFlow.
"""
