"""The generation page's task (many to many, text -> text): a character LSTM and a causal CNN.

Modules, in import order: config -> data -> snapshot -> model_lstm, model_cnn -> model ->
predict -> experiments -> train -> charts -> ui, cli. Each model's file holds its builder and
the stepper that generates from it one character at a time (the two must agree on layer names).
"""
