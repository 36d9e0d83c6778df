"""What the suite and the load test check on the tiny task's page (see cnnrnn/core/task.py)."""

OFFLINE_VIEWS = [[("number_input", "tiny_number", 21.0)]]
OFFLINE_CLICKS = {"tiny_go"}
OFFLINE_CACHES = ("doubled",)
KEY_RESULT = {"css": '[data-testid="stMetric"]'}
BENCH_SMALL = {"repeats": 3}
LOAD_ACTIONS = ({"click": "Double it", "result": {"css": '[data-testid="stMetricValue"]'}},)
