"""The three architectures: one step at a time equals the whole sequence, int8 storage, one trace, decoding."""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pytest
from translation_support import needs_weights

from cnnrnn.tasks.translation.config import MAX_SOURCE_TOKENS, MODEL_NAMES, TRANSLATION_TINY
from cnnrnn.tasks.translation.decode import Translator
from cnnrnn.tasks.translation.model import build_model, load_weights_int8, save_weights_int8
from cnnrnn.tasks.translation.text import Subwords

VOCAB = Subwords.learn(["The cat is here.", "Le chat est là.", "I have a dog.", "J'ai un chien."], n_merges=40)


@pytest.fixture(scope="module", params=MODEL_NAMES)
def model(request):
    return build_model(request.param, TRANSLATION_TINY, len(VOCAB))


def test_stepping_one_token_at_a_time_equals_the_whole_sequence(model):
    rng = np.random.default_rng(0)
    src = rng.integers(4, len(VOCAB), (3, 9)).astype("int32")
    src[1, 5:] = 0  # a shorter sentence, padded
    tin = rng.integers(4, len(VOCAB), (3, 7)).astype("int32")
    full = np.asarray(model((src, tin)))
    memory = model.encode(src)
    state = model.initial_state(memory)
    steps = []
    for t in range(tin.shape[1]):
        logits, state, weights = model.step(tin[:, t], t, state, memory)
        steps.append(np.asarray(logits))
        if model.kind != "rnn_fixed":
            w = np.asarray(weights)
            assert np.allclose(w.sum(-1), 1, atol=1e-5) and np.allclose(w[1, 5:], 0, atol=1e-6)
    assert np.abs(np.stack(steps, 1) - full).max() < 1e-4
    # Context: an RNN's last token depends on the first one; the causal CNN's only within its window
    # (the receptive field the page states), and not at all past it.
    other = tin.copy()
    other[:, 0] = (other[:, 0] + 1) % len(VOCAB)
    changed = np.abs(np.asarray(model((src, other))) - full).max(axis=(0, 2))
    window = TRANSLATION_TINY.receptive_fields()["decoder"]
    if model.kind == "cnn":
        assert window < tin.shape[1]
        assert changed[window - 1] > 1e-6 and changed[window:].max() == 0.0
    else:
        assert changed[-1] > 1e-6
    padded = np.concatenate([src, np.zeros((3, 4), "int32")], 1)
    assert np.abs(np.asarray(model((padded, tin)))[1] - full[1]).max() < 1e-4


def test_int8_weights_are_a_third_of_the_bytes_or_less_and_load_back_close(model, tmp_path):
    config = replace(TRANSLATION_TINY, embedding_dim=64, rnn_units=64, cnn_units=64)
    model = build_model(model.kind, config, len(VOCAB))
    path = tmp_path / "w.npz"
    save_weights_int8(model, path)
    copy = build_model(model.kind, config, len(VOCAB))
    load_weights_int8(copy, path)
    floats = sum(w.size * 4 for w in model.get_weights())
    assert path.stat().st_size < floats / 3
    for a, b in zip(model.get_weights(), copy.get_weights()):
        scale = np.max(np.abs(a)) / 127 if a.size else 0
        assert np.abs(a - b).max() <= scale / 2 + 1e-7


def test_one_trace_for_any_length_and_beam(model):
    translator = Translator(model, VOCAB)
    for n, beam in [(1, 1), (3, 4), (17, 2), (40, 5), (2, 1), (60, 3)]:
        text = " ".join(["The cat is here."] * n)
        result = translator.translate(text, beam=beam)
        assert isinstance(result.text, str)
    assert translator.traces() == {"encode": 1, "step": 1}


@needs_weights
def test_batched_decoding_gives_each_sentence_what_it_gets_alone(shipped):
    # Shipped models: their distributions are sharp, so float rounding between batch sizes cannot flip a
    # near-tie as it can in an untrained model.
    texts = ["I love you.", "Where is the train station?", "My brother has been working in this hospital for years."]
    for translator in shipped.values():
        alone = [translator.translate_texts([t])[0] for t in texts]
        assert translator.translate_texts(texts) == alone
        assert all(alone)
        # a beam of one follows the likeliest token, as greedy decoding does (on a trained model: an untrained
        # one's flat distribution lets the second-best end mark, which beam search keeps, finish first)
        ids = [translator.subwords.encode(t) for t in texts]
        assert [translator.beam_ids(i, 1)[0] for i in ids] == [translator.greedy_ids([i])[0] for i in ids]
        # batched beam search is the same search as one sentence's
        assert translator.translate_texts(texts, beam=4) == [translator.translate(t, beam=4).text for t in texts]


@pytest.mark.parametrize("text", ["", "   \n\t ", "\x00\x07"])
def test_nothing_to_translate_is_a_clear_message(model, text):
    with pytest.raises(ValueError, match="type an English sentence to translate"):
        Translator(model, VOCAB).translate(text)


def test_hostile_texts_give_a_translation_and_notices(model):
    translator = Translator(model, VOCAB)
    long = translator.translate("word " * 10_000)
    assert any("first 2,000 characters" in n for n in long.notices)
    assert any(f"first {MAX_SOURCE_TOKENS} subword tokens" in n for n in long.notices)
    assert len(long.source_pieces) == MAX_SOURCE_TOKENS
    for text in ["🙂🙂 a cat", "你好，世界", "see https://example.com/a?b=1&c=<d>", "tab\there\x1b[31m red"]:
        result = translator.translate(text, beam=2)
        assert isinstance(result.text, str) and result.source_pieces
    assert any("<unk>" in n for n in translator.translate("你好").notices)
