"""Sessions share one set of models (st.cache_resource): eight sessions predicting at once get right answers.

Each "session" is a thread calling the dashboard's own cached loaders (each task's `ui`), as Streamlit's
script threads do; every answer is compared with the same input run alone.
"""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor

import numpy as np
import pytest

from cnnrnn.core.weights import WEIGHTS_DIR
from cnnrnn.tasks.charlm import ui as charlm_ui
from cnnrnn.tasks.digits import ui as digits_ui
from cnnrnn.tasks.sentiment import ui as sentiment_ui

SESSIONS, PREDICTIONS = 8, 50

pytestmark = pytest.mark.skipif(
    not all((WEIGHTS_DIR / f).is_file() for f in ("mnist_cnn_fixed.keras", "sentiment_rnn.keras",
                                                    "sentiment_cnn.keras", "charlm_vocab.json")),
    reason="shipped weights are missing")

WORDS = ("a warm funny moving film the plot is dull boring and not good but great cast terrible script "
         "i loved it hated every minute").split()


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


def test_eight_sessions_predicting_at_once_share_models_and_get_correct_answers():
    predictors = {"image": digits_ui.image_predictors(), "sentence": sentiment_ui.sentiment_predictors(),
                  "generate": charlm_ui.charlm_predictors()}
    # Shared, not copied: a second session asking gets the very same objects.
    assert digits_ui.image_predictors() is predictors["image"]
    assert sentiment_ui.sentiment_predictors() is predictors["sentence"]
    assert charlm_ui.charlm_predictors() is predictors["generate"]
    work = {session: _inputs(session) for session in range(SESSIONS)}
    expected = {session: [_run(predictors, item) for item in items] for session, items in work.items()}

    start = threading.Barrier(SESSIONS)

    def session(number: int):
        start.wait()  # every session starts together
        return [_run(predictors, item) for item in work[number]]

    with ThreadPoolExecutor(SESSIONS) as pool:
        results = dict(zip(range(SESSIONS), pool.map(session, range(SESSIONS))))
    for number in range(SESSIONS):
        assert len(results[number]) == PREDICTIONS
        for got, want, item in zip(results[number], expected[number], work[number]):
            if item[0] == "generate":
                assert got == want, f"session {number}: {item[1]} seed {item[2]} wrote other text at once"
            else:
                np.testing.assert_allclose(got, want, atol=1e-5, err_msg=f"session {number}: {item[:2]}")
