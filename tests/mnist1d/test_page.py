"""The Sequence Lab page under AppTest, reached from the app's navigation."""

from __future__ import annotations

from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
WEIGHTS = ROOT / "cnnrnn" / "weights"


def test_page_trains_two_models_live_and_adds_them_to_the_table():
    from streamlit.testing.v1 import AppTest

    at = AppTest.from_file(str(PAGE), default_timeout=240).run()
    assert not at.exception, [e.value for e in at.exception]
    before = len(at.dataframe[0].value)
    at.slider(key="seqlab_epochs_a").set_value(2)
    at.selectbox(key="seqlab_kind_b").set_value("logreg")
    at.radio(key="seqlab_variant_b").set_value("shuffled")
    at.slider(key="seqlab_epochs_b").set_value(1)
    at.button(key="seqlab_train").click().run()
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
    at.button(key="seqlab_clear").click().run()
    assert not at.exception and at.session_state["seqlab_runs"] == []


def test_home_page_has_a_sequence_lab_card_and_its_numbers():
    from streamlit.testing.v1 import AppTest

    at = AppTest.from_file(str(ROOT / "streamlit_app.py"), default_timeout=60).run()
    assert not at.exception
    assert "Sequence lab" in [h.value for h in at.subheader]
    if (WEIGHTS / "mnist1d_cnn.keras").is_file():
        table = at.dataframe[0].value
        assert {"cnn", "gru", "logreg", "mlp"} <= set(table[table["task"] == "mnist1d"]["model"])
