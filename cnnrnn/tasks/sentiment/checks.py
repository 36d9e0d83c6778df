"""What the suite and the load test check on the sentiment page (plain data: no Streamlit, no TensorFlow).

See cnnrnn/core/task.py for each name's meaning.
"""

SENTENCES = (
    "A warm, funny and moving film.",
    "Dull, slow and far too long.",
    "I did not like it at all.",
    "The best thing I have seen this year.",
    "Not bad, but not good either.",
)

OFFLINE_VIEWS = [[]]
OFFLINE_CLICKS = {"sentiment_measure_latency"}
OFFLINE_DISABLED = {"sentiment_rerun": "no licence"}  # retraining needs the data, which has no licence to ship
OFFLINE_CACHES = ("measure_sentiment_latency", "recompute_sentiment_tables")
KEY_RESULT = {"css": '[data-testid="stMetric"]'}
BENCH_SMALL = {"repeats": 3}
LOAD_ACTIONS = ({"type": "Your sentence", "texts": SENTENCES, "result": {"css": '[data-testid="stMetricValue"]'}},)
