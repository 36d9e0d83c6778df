"""The captioning charts encode their tables."""

from __future__ import annotations

import pandas as pd

from cnnrnn.tasks.captions import charts
from cnnrnn.tasks.captions.experiments import caption_steps_table


def test_caption_charts_encode_the_tables():
    steps = caption_steps_table(
        [
            {"step": 1, "chosen": "a", "candidates": [("a", 0.9), ("<end>", 0.1)]},
            {"step": 2, "chosen": "small", "candidates": [("small", 0.6), ("large", 0.4)]},
        ]
    )
    spec = charts.caption_steps_chart(steps).to_dict()
    values = next(iter(spec["datasets"].values()))
    assert len(values) == 4 and sum(v["chosen"] for v in values) == 2
    assert spec["layer"][0]["encoding"]["y"]["field"] == "step"
    assert spec["layer"][0]["encoding"]["x"]["field"] == "rank"
    assert spec["layer"][1]["encoding"]["text"]["field"] == "label"
    assert "datum.word" in spec["layer"][1]["transform"][0]["calculate"]
    objects = pd.DataFrame(
        {
            "decoder": ["greedy", "beam"] * 2,
            "objects": ["1", "1", "all", "all"],
            "exact_match": [1.0, 1.0, 0.9, 0.95],
            "token_accuracy": [1.0] * 4,
            "n": [3] * 4,
        }
    )
    spec = charts.caption_objects_chart(objects).to_dict()
    assert spec["encoding"]["x"]["sort"] == ["1", "all"]
    assert spec["encoding"]["color"]["scale"]["domain"] == ["greedy", "beam"]
    sizes = pd.DataFrame({"size": [16, 64], "exact_match": [0.2, 0.97], "token_accuracy": [0.7, 0.99], "n": [5, 5]})
    spec = charts.caption_size_chart(sizes).to_dict()
    rows = next(iter(spec["datasets"].values()))
    assert {r["measure"] for r in rows} == {"exact_match", "token_accuracy"} and len(rows) == 4
    assert spec["layer"][0]["encoding"]["x"]["scale"]["type"] == "log"
