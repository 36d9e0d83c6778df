"""What other tasks may use of the Sentiment task (no Streamlit): its models, their names, and one sentence's verdicts.

The audience room judges phones' sentences with these. `sentiment_predictors()` loads the shipped RNN and 1D
CNN once per process (the same loader the sentiment page uses, so both share one copy).
"""

from __future__ import annotations

from cnnrnn.core.warm import loader
from cnnrnn.tasks.sentiment.charts import SENTIMENT_LABELS
from cnnrnn.tasks.sentiment.config import SENTIMENT_NAMES
from cnnrnn.tasks.sentiment.predict import load_sentiment_predictors
from cnnrnn.tasks.sentiment.text import EXAMPLE_SENTENCES


@loader("the sentiment models")
def sentiment_predictors() -> dict:
    """ "rnn" and "cnn" -> TextPredictor over the shipped sentiment models (thread-safe; one copy per process)."""
    return load_sentiment_predictors()


def sentence_verdicts(sentence: str) -> dict:
    """name -> {"label": 1 (positive) or 0, "positive": P(positive)} for one sentence, for every
    SENTIMENT_NAMES model."""
    predictors = sentiment_predictors()
    out = {}
    for name in SENTIMENT_NAMES:
        positive = float(predictors[name].predict_one(sentence))
        out[name] = {"label": int(positive >= 0.5), "positive": round(positive, 4)}
    return out


__all__ = ["EXAMPLE_SENTENCES", "SENTIMENT_LABELS", "SENTIMENT_NAMES", "sentence_verdicts", "sentiment_predictors"]
