"""The app as a visitor opens it: Home from the registry, then every task's page through the navigation."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
from app_pages import chart_titles, open_app, open_page

from cnnrnn.core.weights import read_manifest
from cnnrnn.tasks import page_tasks

ROOT = Path(__file__).resolve().parents[1]


@pytest.mark.parametrize("task", page_tasks(), ids=lambda t: t.name)
def test_every_page_opens_from_the_app_without_exception(task):
    at = open_page(task.page)
    titles = [t.value for t in at.title]
    assert titles and titles[0] != "CNN vs RNN, side by side", f"{task.page} rendered no title of its own"
    if task.module("parser").MODELS:  # a page of trained models says how fair their comparison is
        assert "How fair is this fight" in [h.value for h in at.subheader], f"{task.page} has no fairness panel"
        entry = read_manifest().get(task.name, {})
        if entry.get("protocol"):  # trained under the protocol: its table and both learning curves
            table = at.dataframe[-1].value
            assert {"parameters", "steps", "CPU seconds", "learning rate", "seeds", "95% interval"} <= set(table)
            assert {"Against optimizer steps", "Against CPU seconds"} <= set(chart_titles(at))


def test_home_has_a_card_per_task_in_registry_order_and_the_manifest_table():
    at = open_app()
    headers = [h.value for h in at.subheader]
    cards = [h for h in headers if h in {t.pattern for t in page_tasks()}]
    assert cards == [t.pattern for t in page_tasks()], "one card per task, in the registry's order"
    for pattern in ("One to one", "One to many", "Many to one", "Many to many"):
        assert pattern in headers
    table = at.dataframe[0].value
    manifest = read_manifest()
    mnist = table[table["task"] == "mnist"].set_index("model")
    assert set(mnist.index) == {"cnn_fixed", "cnn_gap", "rnn_rows", "cnn_gap_1scale"}  # every shipped file
    for model, row in mnist.iterrows():
        assert row["test accuracy"] == manifest["mnist"]["models"][model]["test_accuracy"]
        assert row["measure"] == "accuracy"
    captioner = table[table["task"] == "captions"].set_index("model").loc["captioner"]
    assert captioner["measure"] == "exact match"
    assert captioner["test accuracy"] == manifest["captions"]["models"]["captioner"]["exact_match"]
    charlm = table[table["task"] == "charlm"].set_index("model")
    assert len(charlm) == 2 and charlm["test accuracy"].isna().all(), "generators report loss, not accuracy"
    for model, row in charlm.iterrows():
        assert row["held-out loss (nats/char)"] == manifest["charlm"]["models"][model]["heldout_loss"]
    translation = table[table["task"] == "translation"].set_index("model")
    assert set(translation.index) == set(manifest["translation"]["models"])
    for model, row in translation.iterrows():
        assert row["measure"] == "BLEU" and row["BLEU"] == manifest["translation"]["models"][model]["test"]["bleu"]
        assert row["test items"] == manifest["translation"]["data"]["test_size"]


def test_home_renders_without_importing_tensorflow():
    code = (
        "import sys\n"
        "from streamlit.testing.v1 import AppTest\n"
        f"at = AppTest.from_file({str(ROOT / 'streamlit_app.py')!r}, default_timeout=60).run()\n"
        "assert not at.exception, at.exception\n"
        "assert at.title[0].value == 'CNN vs RNN, side by side'\n"
        "print('tensorflow' in sys.modules, 'keras' in sys.modules)\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120, cwd=ROOT)
    assert out.returncode == 0, out.stderr[-2000:]
    assert out.stdout.strip().splitlines()[-1] == "False False"


def test_a_page_run_leaves_the_shared_keras_session_alone(monkeypatch):
    """Streamlit clears the Keras session after every run when Keras is imported (a full gc.collect and a
    flush of TensorFlow's kernel cache, in every session's every run); the app's models are shared by all
    sessions, so the entry point turns that off. Streamlit's own cleanup would call this recorder."""
    import keras

    calls = []
    monkeypatch.setattr(keras.backend, "clear_session", lambda *a, **k: calls.append(a))
    at = open_page("pages/sentiment.py")
    assert not at.exception and at.title, "the page ran"
    at.text_area[0].input("A warm and moving film.").run()
    assert not at.exception
    assert calls == [], f"clear_session ran {len(calls)} times after page runs"


def test_the_entry_point_applies_the_server_settings_before_the_warm_start(monkeypatch):
    from cnnrnn.core.ui import app

    calls = []
    monkeypatch.setattr(app, "server_settings", lambda: calls.append("settings"))
    monkeypatch.setattr(app, "start_warm", lambda tasks: calls.append("warm"))
    open_app()
    assert calls[:2] == ["settings", "warm"], (
        "run_page chooses TensorFlow's kernels and malloc's settings before the warm start imports TensorFlow"
    )
