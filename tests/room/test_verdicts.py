"""The room's summaries and charts from stored rows: accuracy, the confusion matrix and its cells, sentences."""

from __future__ import annotations

import numpy as np

from cnnrnn.tasks.room import charts, limits, verdicts


def _digit(id_, true, fixed, gap, rows):
    said = {"cnn_fixed": fixed, "cnn_gap": gap, "rnn_rows": rows}
    return {
        "id": id_,
        "kind": "digit",
        "label": true,
        "digit": np.zeros((28, 28), np.uint8),
        "sentence": None,
        "verdicts": {k: {"label": v, "confidence": 0.9} for k, v in said.items()},
    }


ROWS = [
    _digit(4, 7, 7, 7, 1),
    _digit(3, 7, 1, 7, 1),
    _digit(2, 3, 3, 3, 3),
    _digit(1, 7, 7, 2, 7),
    {
        "id": 5,
        "kind": "sentence",
        "label": 1,
        "digit": None,
        "sentence": "<b>fine</b>",
        "verdicts": {"rnn": {"label": 1, "positive": 0.8}, "cnn": {"label": 0, "positive": 0.3}},
    },
]


def test_accuracy_per_model_counts_what_each_read_right():
    table = verdicts.accuracy(verdicts.digit_frame(ROWS)).set_index("model")
    assert list(table.index) == ["cnn_fixed", "cnn_gap", "rnn_rows"]
    assert table.loc["cnn_fixed", "right"] == 3 and table.loc["cnn_gap", "right"] == 3
    assert table.loc["rnn_rows", "right"] == 2 and set(table["n"]) == {4}
    assert table.loc["rnn_rows", "accuracy"] == 0.5


def test_the_confusion_matrix_has_100_cells_and_a_cell_gives_its_drawings():
    frame = verdicts.digit_frame(ROWS)
    matrix = verdicts.confusion(frame, "rnn_rows")
    assert len(matrix) == 100 and matrix["count"].sum() == 4
    assert matrix.set_index(["true", "predicted"]).loc[(7, 1), "count"] == 2
    assert verdicts.cell_ids(frame, "rnn_rows", 7, 1) == [4, 3], "newest first"
    assert verdicts.cell_ids(frame, "cnn_fixed", 7, 1) == [3]
    assert verdicts.cell_ids(frame, "cnn_gap", 5, 5) == []


def test_the_confusion_chart_selects_a_cell_by_true_and_predicted():
    spec = charts.confusion_chart(verdicts.confusion(verdicts.digit_frame(ROWS), "cnn_fixed"), "t").to_dict()
    params = spec.get("params", []) + [p for layer in spec["layer"] for p in layer.get("params", [])]
    assert [p["name"] for p in params] == [charts.CELL]
    assert params[0]["select"]["fields"] == ["true", "predicted"]
    bars = charts.accuracy_chart(verdicts.accuracy(verdicts.digit_frame(ROWS))).to_dict()
    assert bars["encoding"]["x"]["scale"]["domain"] == [0, 1]


def test_sentences_show_both_verdicts_and_where_they_disagree():
    table = verdicts.sentence_table(ROWS)
    assert list(table["sentence"]) == ["<b>fine</b>"] and list(table["said"]) == ["positive"]
    assert table.iloc[0]["RNN"].startswith("positive") and table.iloc[0]["CNN"].startswith("negative")
    assert not table.iloc[0]["models agree"]
    assert verdicts.sentence_accuracy(ROWS) == {"rnn": (1, 1), "cnn": (0, 1)}
    assert verdicts.gallery_caption(ROWS[0]) == "drew 7 · fixed CNN 7 ✓ · pooled CNN 7 ✓ · row RNN 1 ✗"


def test_keys_match_only_themselves():
    key = limits.new_key()
    stored = limits.key_hash(key)
    assert limits.key_matches(key, stored) and len(key) >= 32
    assert not any(limits.key_matches(k, stored) for k in (None, "", key[:-1], key + "a", limits.new_key()))


def test_the_rate_message_says_the_stated_limits():
    assert limits.rate_message(limits.PER_MINUTE - 1, limits.PER_ROOM - 1) is None
    assert str(limits.PER_MINUTE) in limits.rate_message(limits.PER_MINUTE, 0)
    assert f"{limits.PER_ROOM:,}" in limits.rate_message(0, limits.PER_ROOM)
