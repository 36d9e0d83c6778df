"""What the suite and the load test check on the image page (plain data: no Streamlit, no TensorFlow).

See cnnrnn/core/task.py for each name's meaning.
"""

from pathlib import Path

SAMPLES = Path(__file__).resolve().parent / "samples"

OFFLINE_VIEWS = [[]]
OFFLINE_CLICKS = {"cnn_recompute"}
OFFLINE_CACHES = ("recompute_resolution_sweep",)
KEY_RESULT = {"css": '[data-testid="stMetric"]'}  # the first verdict
CANVAS_QUERY = "cnn_source=Draw"
BENCH_SMALL = {"repeats": 5}
LOAD_ACTIONS = (
    {
        "upload": tuple(sorted(SAMPLES.glob("*.png")) + sorted(SAMPLES.glob("*.jpg"))),
        "radio": "Upload",
        "result": {"css": '[data-testid="stMetricValue"]'},
    },
    {"view": "draw", "draw": True, "radio": "Draw", "result": {"css": '[data-testid="stMetricValue"]'}},
)
