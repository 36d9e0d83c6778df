"""What the suite and the load test check on the captioning page (plain data: no Streamlit, no TensorFlow).

See cnnrnn/core/task.py for each name's meaning.
"""

OFFLINE_VIEWS = [[]]
OFFLINE_CLICKS = {"captions_new", "captions_recompute"}
OFFLINE_CACHES = ("recompute_caption_tables",)
KEY_RESULT = {"css": "p", "has_text": "Greedy decoding:"}
CANVAS_QUERY = "captions_source=Draw"
BENCH_SMALL = {"repeats": 2}
LOAD_ACTIONS = ({"click": "New scene", "result": {"css": "p", "pattern": r"^Greedy decoding:"}},)
