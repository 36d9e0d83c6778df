"""What the suite and the load test check on the generation page (plain data: no Streamlit, no TensorFlow).

See cnnrnn/core/task.py for each name's meaning. The Tang poems, a corpus of this page, are crawled here.
"""

OFFLINE_VIEWS = [
    [],
    [("segmented_control", "gen_corpus", "Tang poems")],
    [
        ("segmented_control", "gen_corpus", "Your own"),
        ("segmented_control", "gen_live_source", "Sample"),
        ("slider", "gen_live_seconds", 5),
    ],
]
OFFLINE_CLICKS = {
    "gen_go",
    "gen_temps_go",
    "gen_recompute",
    "tang_go",
    "tang_temps_go",
    "gen_live_train",
    "gen_live_stop",
    "gen_live_reset",
    "FormSubmitter:gen_live_form-Generate",
}
OFFLINE_LAST = ("gen_live_reset",)  # throws away the model trained live
OFFLINE_JOBS = ("gen_live_job",)  # the live training run, waited for before the buttons an ended run shows
OFFLINE_CACHES = ("recompute_loss_by_position", "shakespeare_excerpt", "temperature_samples")
KEY_RESULT = {"role": "button", "name": "Generate"}
WALK_CLICK = {"button": "Generate", "result": {"text": "characters per second"}}  # the candidates chart comes after
BENCH_SMALL = {"length": 64, "repeats": 1}
LOAD_ACTIONS = ({"click": "Generate", "result": {"text": "characters per second"}},)
