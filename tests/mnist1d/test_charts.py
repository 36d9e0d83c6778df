"""The sequence lab's charts encode the data they are given."""

from __future__ import annotations

import numpy as np


def test_charts_encode_the_data():
    import pandas as pd

    from cnnrnn.tasks.mnist1d import charts
    from cnnrnn.tasks.mnist1d.experiments import mnist1d_table, signal_examples

    table = mnist1d_table({"gru": {"kind": "gru", "variant": "normal", "test_accuracy": 0.95, "train_seconds": 9}})
    spec = charts.mnist1d_table_chart(table).to_dict()
    assert spec["encoding"]["y"]["field"] == "accuracy"
    assert spec["encoding"]["x"]["field"] == "group", "one view (its width follows the column), grouped by model"
    rows = next(iter(spec["datasets"].values()))
    assert {r["group"] for r in rows} == {f"{r['model']}, {r['variant']}" for r in rows}
    assert {r["variant"] for r in rows} == {"normal", "shuffled"}, "both variants of the paper's table"
    assert "facet" not in spec and "width" not in spec, "no fixed-width panels (they overflow a phone)"
    x = np.random.default_rng(0).standard_normal((30, 40)).astype(np.float32)
    examples = signal_examples(x, np.arange(30) % 10, per_class=2)
    assert len(examples) == 10 * 2 * 40
    assert charts.signals_chart(examples).to_dict()["facet"]["field"] == "digit"
    lengths = pd.DataFrame({"model": ["cnn", "gru"], "length": [20, 20], "accuracy": [0.5, 0.4]})
    spec = charts.mnist1d_length_chart(lengths).to_dict()
    assert spec["layer"][0]["encoding"]["x"]["field"] == "length"
    assert spec["layer"][0]["encoding"]["color"]["scale"]["domain"] == ["cnn", "gru"]
    shifts = pd.DataFrame({"model": ["cnn", "cnn"], "mode": ["pad", "roll"], "shift": [4, 4], "accuracy": [0.9, 0.95]})
    spec = charts.mnist1d_shift_chart(shifts).to_dict()
    assert spec["encoding"]["x"]["field"] == "shift" and spec["encoding"]["strokeDash"]["field"] == "mode"
    latency = pd.DataFrame({"model": ["cnn", "gru"], "length": [40, 40], "ms": [0.3, 0.9]})
    assert charts.mnist1d_latency_chart(latency).to_dict()["encoding"]["y"]["scale"]["type"] == "log"
    curves = charts.mnist1d_curves_chart({"A": {"epoch": [1, 2], "accuracy": [0.5, 0.7], "test_accuracy": [0.4, 0.6]}})
    values = curves.to_dict()["datasets"]
    rows = next(iter(values.values()))
    assert len(rows) == 4 and {r["curve"] for r in rows} == {"test", "training"}
    spec = curves.to_dict()
    assert "#1f77b4" not in spec["encoding"]["color"]["scale"]["range"], "your runs are not the shipped blue"
    assert spec["encoding"]["strokeDash"]["legend"]["symbolType"] == "stroke"
