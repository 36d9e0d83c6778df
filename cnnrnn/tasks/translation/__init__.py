"""English to French translation: many to many with input and output of different lengths.

Three encoder-decoders trained on the Tatoeba pairs (manythings.org/anki and tatoeba.org):
`rnn_fixed` (a GRU encoder whose last state is all its decoder sees, Cho et al. 2014),
`rnn_attention` (a bidirectional GRU encoder, a GRU decoder with attention, Luong et al. 2015)
and `cnn` (a gated convolutional encoder-decoder with attention, Gehring et al. 2017).
Modules, in import order: config -> text -> data -> model -> decode -> experiments -> train -> cli;
`parser`, `config`, `text` and `data` import no TensorFlow.
"""
