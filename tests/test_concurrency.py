"""Sessions share one set of models (core.ui.loading.loader): sessions predicting at once get right answers.

Each "session" is a thread calling the dashboard's own loaders (each task's `ui`), as Streamlit's script
threads do; every answer is compared with the same input run alone. The first test makes the FIRST calls
of fresh predictors of every kind (image, sentence, character, caption, signal, translation) from threads
started together, so tracing and any lazy building race; the second shares the page loaders' predictors.
"""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor

import numpy as np
import pytest

from cnnrnn.core.weights import WEIGHTS_DIR
from cnnrnn.tasks.captions.predict import load_caption_predictor
from cnnrnn.tasks.charlm import ui as charlm_ui
from cnnrnn.tasks.charlm.predict import load_charlm
from cnnrnn.tasks.digits import ui as digits_ui
from cnnrnn.tasks.digits.predict import load_predictors
from cnnrnn.tasks.mnist1d.predict import load_mnist1d_predictors
from cnnrnn.tasks.sentiment import ui as sentiment_ui
from cnnrnn.tasks.sentiment.predict import load_sentiment_predictors
from cnnrnn.tasks.translation.predict import load_translators

SESSIONS, PREDICTIONS = 8, 50

pytestmark = pytest.mark.skipif(
    not all(
        (WEIGHTS_DIR / f).is_file()
        for f in (
            "mnist_cnn_fixed.keras",
            "sentiment_rnn.keras",
            "sentiment_cnn.keras",
            "charlm_vocab.json",
            "captions_model.keras",
            "mnist1d_cnn.keras",
        )
    ),
    reason="shipped weights are missing",
)

WORDS = (
    "a warm funny moving film the plot is dull boring and not good but great cast terrible script "
    "i loved it hated every minute"
).split()


def _inputs(session: int):
    """The session's own mix of work: (kind, model name, input), PREDICTIONS of them."""
    rng = np.random.default_rng(session)
    work = []
    for i in range(PREDICTIONS):
        kind = ("image", "sentence", "generate")[i % 3]
        if kind == "image":
            name = ("cnn_fixed", "cnn_gap", "rnn_rows")[i % 3]
            side = 28 if name == "cnn_fixed" else int(rng.integers(12, 64))
            shape = (side, 28) if name == "rnn_rows" else (side, side)
            work.append((kind, name, rng.random(shape, dtype=np.float32)))
        elif kind == "sentence":
            length = int(rng.integers(1, 120))
            work.append((kind, ("rnn", "cnn")[i % 2], " ".join(rng.choice(WORDS, length))))
        else:
            work.append((kind, ("lstm", "cnn")[i % 2], int(rng.integers(0, 10_000))))
    return work


def _run(predictors, item):
    kind, name, value = item
    if kind == "image":
        return predictors["image"][name].predict_one(value)
    if kind == "sentence":
        return predictors["sentence"][name].predict_one(value)
    return predictors["generate"][name].generate("ROMEO:\n", 24, 0.8, 0, value)


CALLERS = 2  # threads making each fresh predictor's first call at once


def _fresh_first_calls():
    """Fresh predictors of every kind, and for each one CALLERS first calls on different inputs:
    a list of (what, zero-argument call) whose answers are numpy arrays or strings."""
    rng = np.random.default_rng(0)
    calls = []
    for name, predictor in load_predictors().items():
        for _ in range(CALLERS):
            side = 28 if name == "cnn_fixed" else int(rng.integers(12, 64))
            image = rng.random((side, 28) if name == "rnn_rows" else (side, side), dtype=np.float32)
            calls.append((f"image {name}", lambda p=predictor, x=image: p.predict_one(x)))
    for name, predictor in load_sentiment_predictors().items():
        for _ in range(CALLERS):
            text = " ".join(rng.choice(WORDS, int(rng.integers(1, 60))))
            calls.append((f"sentence {name}", lambda p=predictor, t=text: np.float32(p.predict_one(t))))
    for name, predictor in load_charlm().items():
        for seed in range(CALLERS):
            calls.append((f"generate {name}", lambda p=predictor, s=seed: p.generate("ROMEO:\n", 24, 0.8, 0, s)))
    captioner = load_caption_predictor()
    for _ in range(CALLERS):
        scene = rng.random((captioner.image_size, captioner.image_size, 3), dtype=np.float32)
        calls.append(("caption", lambda x=scene: captioner.caption_one(x, 2)["beam"]))
    for name, predictor in load_mnist1d_predictors().items():
        for _ in range(CALLERS):
            length = predictor.length or int(rng.integers(30, 80))
            signal = rng.standard_normal((1, length)).astype(np.float32)
            calls.append((f"signal {name}", lambda p=predictor, x=signal: p(x)[0]))
    for name, translator in load_translators().items():
        for text in ("i am happy .", "where is the station ?")[:CALLERS]:
            calls.append((f"translate {name}", lambda t=translator, x=text: t.translate(x, 2).text))
    return calls


def test_first_calls_at_once_on_fresh_predictors_of_every_kind_match_the_same_calls_alone():
    calls = _fresh_first_calls()
    start = threading.Barrier(len(calls))

    def first(call):
        start.wait()  # every thread makes its call at the same moment: the predictors' first calls race
        return call()

    with ThreadPoolExecutor(len(calls)) as pool:
        together = list(pool.map(first, [call for _, call in calls]))
    alone = [call() for _, call in calls]  # each call again, one at a time
    kinds = {what.split()[0] for what, _ in calls}
    assert kinds == {"image", "sentence", "generate", "caption", "signal", "translate"}, kinds
    for (what, _), got, want in zip(calls, together, alone):
        if isinstance(want, str):
            assert got == want, f"{what}: the first call made at once with others answered otherwise"
        else:
            np.testing.assert_allclose(got, want, atol=1e-5, err_msg=f"{what}: first call at once")


def test_eight_sessions_predicting_at_once_share_models_and_get_correct_answers():
    predictors = {
        "image": digits_ui.image_predictors(),
        "sentence": sentiment_ui.sentiment_predictors(),
        "generate": charlm_ui.charlm_predictors(),
    }
    # Shared, not copied: a second session asking gets the very same objects.
    assert digits_ui.image_predictors() is predictors["image"]
    assert sentiment_ui.sentiment_predictors() is predictors["sentence"]
    assert charlm_ui.charlm_predictors() is predictors["generate"]
    work = {session: _inputs(session) for session in range(SESSIONS)}

    start = threading.Barrier(SESSIONS)

    def session(number: int):
        start.wait()  # every session starts together
        return [_run(predictors, item) for item in work[number]]

    with ThreadPoolExecutor(SESSIONS) as pool:
        results = dict(zip(range(SESSIONS), pool.map(session, range(SESSIONS))))
    # Alone, after: the predictors' first calls were the sessions' own, made at once.
    expected = {session: [_run(predictors, item) for item in items] for session, items in work.items()}
    for number in range(SESSIONS):
        assert len(results[number]) == PREDICTIONS
        for got, want, item in zip(results[number], expected[number], work[number]):
            if item[0] == "generate":
                assert got == want, f"session {number}: {item[1]} seed {item[2]} wrote other text at once"
            else:
                np.testing.assert_allclose(got, want, atol=1e-5, err_msg=f"session {number}: {item[:2]}")
