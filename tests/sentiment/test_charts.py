"""The sentiment charts: Altair specs from tidy frames, checked through to_dict()."""

import pandas as pd

from cnnrnn.tasks.sentiment import charts


def _encoding(spec, layer=0):
    return spec["layer"][layer]["encoding"] if "layer" in spec else spec["encoding"]


def test_evidence_chart_has_a_word_bar_and_a_pair_bar_per_token_in_reading_order():
    rows = [
        {"position": 1, "token": "not", "known": True, "word_ratio": -0.1, "pair": "not funny", "pair_ratio": -1.1},
        {"position": 2, "token": "funny", "known": True, "word_ratio": 0.5, "pair": None, "pair_ratio": 0.0},
    ]
    df = charts.evidence_table(rows)
    assert list(df["text"]) == ["not", "not funny", "funny", "(no next word)"]
    spec = charts.evidence_chart(df).to_dict()
    enc = _encoding(spec)
    assert enc["x"]["sort"] == ["1 not", "2 funny"] and enc["y"]["field"] == "ratio"
    assert enc["color"]["scale"]["domain"] == list(charts.EVIDENCE_KINDS)
    # A model without a pair channel (the RNN) gives word bars only.
    assert list(
        charts.evidence_table([{k: rows[0][k] for k in ("position", "token", "known", "word_ratio")}])["kind"]
    ) == ["word"]


def test_model_colours_are_the_dashboards_rnn_red_and_cnn_blue_with_both_in_the_legend():
    df = pd.DataFrame({"model": ["cnn"], "tokens": [10], "ms": [1.0]})  # one model present: both stay in the legend
    scale = charts.latency_chart(df).to_dict()["encoding"]["color"]["scale"]
    assert scale == {"domain": ["rnn", "cnn"], "range": ["#d62728", "#1f77b4"]}


def test_prefix_and_length_charts_keep_reading_order_and_the_half_line():
    prefixes = pd.DataFrame(
        {
            "step": [2, 1, 2, 1],
            "token": ["bad", "not"] * 2,
            "label": ["2 bad", "1 not"] * 2,
            "model": ["rnn", "rnn", "cnn", "cnn"],
            "positive": [0.7, 0.4, 0.6, 0.5],
        }
    )
    spec = charts.prefix_chart(prefixes).to_dict()
    assert _encoding(spec)["x"]["sort"] == ["1 not", "2 bad"]
    assert spec["layer"][1]["mark"]["type"] == "rule"
    buckets = pd.DataFrame(
        {"model": ["rnn", "rnn"], "bucket": ["11-15", "1-10"], "order": [1, 0], "accuracy": [0.8, 0.7], "n": [5, 6]}
    )
    assert _encoding(charts.length_bucket_chart(buckets).to_dict())["x"]["sort"] == ["1-10", "11-15"]
