"""What the suite and the load test check on the translation page (plain data: no Streamlit, no TensorFlow).

See cnnrnn/core/task.py for each name's meaning.
"""

ENGLISH = (
    "Where is the train station?",
    "I am very tired today.",
    "She reads a book every night.",
    "We will leave tomorrow morning.",
    "Do you like coffee?",
)

OFFLINE_VIEWS = [[]]
OFFLINE_CLICKS = {"translation_latency"}
KEY_RESULT = {"css": '[data-testid="stCode"]', "nth": 2}  # the third translation
BENCH_SMALL = {"repeats": 2, "mixed": 6}
LOAD_ACTIONS = ({"type": "English", "texts": ENGLISH, "result": {"css": '[data-testid="stCode"]'}},)
