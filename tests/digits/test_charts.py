"""The image page's charts are Altair specs built from tidy frames; checked through to_dict()."""

import numpy as np
import pandas as pd

from cnnrnn.tasks.digits import charts


def _encoding(spec, layer=0):
    return spec["layer"][layer]["encoding"] if "layer" in spec else spec["encoding"]


def test_resolution_chart_plots_accuracy_against_log_size_per_model():
    df = pd.DataFrame(
        {"model": ["cnn_fixed", "cnn_gap"] * 2, "size": [8, 8, 28, 28], "accuracy": [0.1, 0.5, 0.99, 0.98]}
    )
    spec = charts.resolution_chart(df).to_dict()
    enc = _encoding(spec)
    assert enc["x"]["field"] == "size" and enc["x"]["scale"]["type"] == "log"
    assert enc["y"]["field"] == "accuracy" and enc["color"]["field"] == "model"
    assert enc["color"]["scale"]["domain"] == ["cnn_fixed", "cnn_gap"]


def test_probabilities_chart_has_one_bar_per_model_and_digit():
    spec = charts.probabilities_chart({"cnn_fixed": np.eye(10)[3], "rnn_rows": np.full(10, 0.1)}).to_dict()
    values = next(iter(spec["datasets"].values()))
    assert len(values) == 20
    assert max(v["probability"] for v in values if v["model"] == "cnn_fixed") == 1.0


def test_hidden_state_chart_is_a_heatmap_of_steps_by_units():
    spec = charts.hidden_state_chart(np.zeros((28, 8))).to_dict()
    assert spec["mark"]["type"] == "rect"
    assert len(next(iter(spec["datasets"].values()))) == 28 * 8


def test_resolution_chart_marks_the_native_side_and_keeps_each_models_colour():
    df = pd.DataFrame({"model": ["rnn_rows", "cnn_fixed"], "size": [8, 28], "accuracy": [0.6, 0.9]})
    spec = charts.resolution_chart(df).to_dict()
    rule = spec["layer"][1]
    assert rule["mark"]["type"] == "rule" and rule["encoding"]["x"]["field"] == "value"
    assert [row["value"] for row in spec["datasets"][rule["data"]["name"]]] == [28]
    scale = _encoding(spec)["color"]["scale"]
    assert scale["domain"] == ["cnn_fixed", "rnn_rows"]  # the models' fixed order, not the frame's
    assert scale["range"] == [charts.MODEL_COLORS["cnn_fixed"], charts.MODEL_COLORS["rnn_rows"]]
    # Lines that lie on one another (cnn_fixed and rnn_rows near 28 px) are told apart by their points' shapes.
    shapes = spec["layer"][2]["encoding"]["shape"]["scale"]
    assert shapes["domain"] == ["cnn_fixed", "rnn_rows"] and len(set(shapes["range"])) == 2
    assert _encoding(spec)["y"]["axis"]["format"] == ".0%", "accuracy reads 90%, not 0.900000"
    for layer in (spec["layer"][0], spec["layer"][2]):  # a null legend on one channel hides the merged legend
        assert all(
            enc.get("legend", {}) is not None
            for enc in layer["encoding"].values()
            if isinstance(enc, dict) and enc.get("field") == "model"
        ), "the chart keeps its model legend"
