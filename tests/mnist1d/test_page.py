"""The Sequence Lab page under AppTest, reached from the app's navigation."""

from __future__ import annotations

import copy
import json
from pathlib import Path

import pandas as pd
import pytest
from app_pages import chart_titles, open_app, open_page, run_until_trained

ROOT = Path(__file__).resolve().parents[2]
WEIGHTS = ROOT / "cnnrnn" / "weights"
PAGE = "pages/mnist1d.py"
SHIPPED = (WEIGHTS / "mnist1d_cnn.keras").is_file()


def _open_page(timeout: int = 240):
    at = open_page(PAGE, timeout)
    assert at.title[0].value == "Sequence lab: CNN against GRU on MNIST-1D", "the Sequence Lab page is shown"
    return at


def _captions(at) -> str:
    return "\n".join(caption.value for caption in at.caption)


def _shipped_entry() -> dict:
    return json.loads((WEIGHTS / "manifest.json").read_text())["mnist1d"]


def _texts(at) -> str:
    return "\n".join(element.value for kind in ("markdown", "caption") for element in at.get(kind))


@pytest.mark.parametrize("apart", [False, True], ids=["tie", "win"])
def test_the_page_claims_a_win_only_when_the_seeds_show_one(monkeypatch, apart):
    """The same page over two manifests: seeds' intervals that overlap (and no paired test) make a tie, on the
    fairness panel and in the guide; intervals apart make a win."""
    from cnnrnn.core.ui import fair

    entry = copy.deepcopy(_shipped_entry())
    assert entry.get("protocol"), "the shipped sequence-lab models were trained under the protocol"
    entry["models"]["cnn"].update(metric_mean=0.95, metric_ci95=[0.94, 0.96])
    gru = (0.90, [0.89, 0.91]) if apart else (0.945, [0.93, 0.96])
    entry["models"]["gru"].update(metric_mean=gru[0], metric_ci95=gru[1])
    entry["comparisons"] = [c for c in entry.get("comparisons", []) if {c["a"], c["b"]} != {"cnn", "gru"}]
    monkeypatch.setattr(fair, "manifest", lambda: {"mnist1d": entry})
    at = _open_page()
    assert not at.exception, [e.value for e in at.exception]
    text = _texts(at)
    if apart:
        assert "CNN wins: CNN 0.950 [0.940, 0.960] against GRU 0.900 [0.890, 0.910]" in text
        assert "the CNN beats the GRU; both beat the MLP" in text and "CNN and GRU tie" not in text
    else:
        assert "A tie: CNN 0.950 [0.940, 0.960] against GRU 0.945 [0.930, 0.960]" in text
        assert "CNN and GRU tie; both beat the MLP" in text and "the CNN beats the GRU" not in text


def test_page_trains_two_models_live_and_adds_them_to_the_table():
    at = _open_page()
    before = len(at.dataframe[0].value)
    at.slider(key="seqlab_epochs_a").set_value(2)
    at.selectbox(key="seqlab_kind_b").set_value("logreg")
    at.radio(key="seqlab_variant_b").set_value("shuffled")
    at.slider(key="seqlab_epochs_b").set_value(1)
    at.button(key="seqlab_train").click().run()
    assert not at.exception, [e.value for e in at.exception]
    assert at.button(key="seqlab_train").disabled, "one pair at a time per session"
    run_until_trained(at, "seqlab_job")
    assert not at.exception, [e.value for e in at.exception]
    assert not at.error
    runs = at.session_state["seqlab_runs"]
    assert [r["name"] for r in runs] == ["run 1A: cnn 32", "run 1B: logreg, shuffled"]
    assert all(r["finished"] for r in runs)
    assert runs[0]["test_accuracy"] > 0.5 and len(runs[0]["history"]["epoch"]) == 2
    table = at.dataframe[0].value
    assert len(table) == before + 2
    assert set(table["run"]) >= {"run 1A: cnn 32", "run 1B: logreg, shuffled"}
    assert "finished" in at.dataframe[1].value["status"].tolist()
    assert "The last two runs: test (solid) and training (dashed)" in chart_titles(at)
    at.button(key="seqlab_clear").click().run()
    assert not at.exception and at.session_state["seqlab_runs"] == []
    assert "Runs are judged on the 1,000 test signals" in _captions(at), "the empty-runs caption is back"


def test_epochs_slider_stops_at_the_live_maximum():
    from cnnrnn.tasks.mnist1d.config import MNIST1D_LIVE_MAX_EPOCHS

    at = _open_page()
    slider = at.slider(key="seqlab_epochs_a")
    assert slider.max == MNIST1D_LIVE_MAX_EPOCHS and slider.value == 15


@pytest.mark.skipif(not SHIPPED, reason="no shipped MNIST-1D weights")
def test_page_numbers_come_from_the_manifest_and_the_data():
    from cnnrnn.tasks.mnist1d.experiments import MNIST1D_HUMAN

    at = _open_page()
    entry = _shipped_entry()
    models = entry["models"]
    subheaders = [s.value for s in at.subheader]
    assert "The data: 4,000 training and 1,000 test signals of 40 points" in subheaders
    assert "Variable length: the signals resampled to 20 to 160 points" in subheaders
    captions = _captions(at)
    ratio = models["gru"]["seconds"] / models["cnn"]["seconds"]
    cpu = models["gru"]["cpu_seconds"] / models["cnn"]["cpu_seconds"]
    assert f"the GRU took **{cpu:.1f}x** the CNN's CPU time ({ratio:.1f}x its wall time); the authors" in captions
    per_step = {name: 1000 * models[name]["cpu_seconds"] / models[name]["steps"] for name in ("logreg", "cnn", "gru")}
    beyond = (per_step["gru"] - per_step["logreg"]) / (per_step["cnn"] - per_step["logreg"])
    assert f"even the logistic regression pays ({per_step['logreg']:.1f} ms" in captions
    assert f"the GRU's recurrence costs **{beyond:.0f}x** the CNN's convolutions" in captions
    assert f"Human accuracy: {MNIST1D_HUMAN:.0%}." in captions
    seconds = models["cnn"]["train_seconds"] * 15 / models["cnn"]["epochs"]
    assert f"A CNN of 15 epochs takes about {seconds:.0f} seconds" in captions
    lengths = pd.DataFrame(entry["experiments"]["lengths"])
    mixed = lengths[lengths["model"].str.endswith("_mixed") & (lengths["length"] >= 40)]["accuracy"]
    assert f"stay between {mixed.min():.2f} and {mixed.max():.2f} from 40 to 160 points" in captions
    assert "Measured when the weights were trained" in chart_titles(at)


# Recompute and Measure are clicked, and their charts and captions checked, offline in tests/test_offline.py.


def test_home_page_has_a_sequence_lab_card_and_its_numbers():
    at = open_app(60)
    assert "Sequence lab" in [h.value for h in at.subheader]
    if SHIPPED:
        table = at.dataframe[0].value
        assert {"cnn", "gru", "logreg", "mlp"} <= set(table[table["task"] == "mnist1d"]["model"])


def test_the_mixed_length_caption_follows_the_table_it_describes(monkeypatch):
    """The "stay between ..." numbers are read from the lengths table drawn, not typed."""
    from cnnrnn.tasks.mnist1d import ui

    rows = [
        {"model": model, "length": length, "accuracy": accuracy}
        for model, scores in {
            "cnn_mixed": (0.2, 0.55, 0.6),
            "gru_mixed": (0.1, 0.5, 0.58),
            "cnn": (0.3, 0.9, 0.2),
        }.items()
        for length, accuracy in zip((20, 40, 160), scores)
    ]
    monkeypatch.setattr(ui, "recompute_mnist1d_tables", lambda: {"lengths": pd.DataFrame(rows)})
    at = _open_page()
    at.button(key="seqlab_recompute").click().run()
    assert not at.exception and not at.error, [e.value for e in at.exception]
    assert "stay between 0.50 and 0.60 from 40 to 160 points" in _captions(at)


def test_recompute_without_weights_shows_which_files_are_missing(monkeypatch, tmp_path):
    from cnnrnn.tasks.mnist1d import predict, ui
    from cnnrnn.tasks.mnist1d.config import MNIST1D_MODELS

    ui.mnist1d_predictors.clear()
    ui.recompute_mnist1d_tables.clear()
    monkeypatch.setattr(ui, "load_mnist1d_predictors", lambda: predict.load_mnist1d_predictors(tmp_path))
    try:
        at = _open_page()
        at.button(key="seqlab_recompute").click().run()
        assert not at.exception, [e.value for e in at.exception]
        assert [e.value for e in at.error] == [
            f"no {', '.join(f'mnist1d_{n}.keras' for n in MNIST1D_MODELS)} in {tmp_path}; "
            "run: python -m cnnrnn train mnist1d"
        ]
    finally:
        ui.mnist1d_predictors.clear()
        ui.recompute_mnist1d_tables.clear()


@pytest.mark.slow  # trains two runs through the queue (test_page_trains_two_models_live... stays quick)
def test_a_visitor_waiting_for_the_slot_sees_their_place_then_trains_and_can_stop():
    """Another session holds the one training slot: this page queues, says so, and trains when it frees."""
    import threading
    import time

    from cnnrnn.core.jobs import training_pool

    pool = training_pool()
    assert pool.slots == 1
    release = threading.Event()

    def other_session(run):  # another visitor's training, until released
        while not release.is_set() and not run.should_stop():
            run.touch()
            time.sleep(0.01)

    other = pool.submit(other_session, time_limit=300, session="another visitor")
    try:
        at = _open_page()
        at.slider(key="seqlab_epochs_a").set_value(40)
        at.slider(key="seqlab_epochs_b").set_value(40)
        at.button(key="seqlab_train").click().run()
        assert not at.exception, [e.value for e in at.exception]
        waiting = [i.value for i in at.info if i.value.startswith("Waiting for a training slot")]
        assert waiting and "you are number 1 in the queue" in waiting[0], [i.value for i in at.info]
        job = at.session_state["seqlab_job"]
        assert job.state == "queued"
        release.set()
        deadline = time.monotonic() + 120
        while not job.history[1]["history"]["epoch"]:  # the freed slot is this session's (both models traced)
            assert time.monotonic() < deadline and job.active, job
            time.sleep(0.5)
            at.run()
        at.button(key="seqlab_stop").click().run()
        assert not at.exception, [e.value for e in at.exception]
        assert job.wait(5) and job.reason == "stopped"
        assert job.ended - job.stop_requested < 1.0, "Stop ends the run within a second"
        run_until_trained(at, "seqlab_job", timeout=10)
        assert any(i.value.startswith("Stopped. What the runs reached so far") for i in at.info)
        assert at.session_state["seqlab_runs"][0]["history"]["epoch"], "the stopped runs keep what they reached"
        assert not at.button(key="seqlab_train").disabled
    finally:
        release.set()
        other.wait(5)
