"""What the suite and the load test check on the sequence lab (plain data: no Streamlit, no TensorFlow).

See cnnrnn/core/task.py for each name's meaning.
"""

# Live training at its shortest, so that the offline crawl costs seconds.
OFFLINE_VIEWS = [
    [("slider", "seqlab_epochs_a", 1), ("slider", "seqlab_epochs_b", 1), ("select_slider", "seqlab_width_b", 8)]
]
OFFLINE_CLICKS = {"seqlab_train", "seqlab_stop", "seqlab_clear", "seqlab_recompute", "seqlab_latency"}
OFFLINE_LAST = ("seqlab_clear",)  # throws away the runs
OFFLINE_JOBS = ("seqlab_job",)  # the training run, waited for before the buttons an ended run shows
OFFLINE_CACHES = ("mnist1d_splits", "mnist1d_examples", "recompute_mnist1d_tables", "measure_mnist1d_latency")
# The paper's table: its own container, so that a chart drawn sooner lower down is never taken for it.
KEY_RESULT = {"css": '.st-key-seqlab_table [data-testid="stVegaLiteChart"]'}
BENCH_SMALL = {"repeats": 3}
# The load test's training session: the CNN against the GRU for long, stopped after its seconds.
LOAD_TRAINING = {
    "query": "seqlab_epochs_a=40&seqlab_epochs_b=40",
    "train": "Train both",
    "stop": "Stop",
    "done": "Clear my runs",
}
