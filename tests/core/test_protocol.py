"""The fair-fight protocol's statistics, verdicts and runner (cnnrnn.core.protocol, cnnrnn.core.seeds)."""

from __future__ import annotations

import json
import math

import numpy as np
import pytest

from cnnrnn.core.protocol import (
    Protocol,
    curve_rows,
    fairness_rows,
    fairness_sentence,
    judge,
    mcnemar,
    mean_ci95,
    median_seed,
    paired_bootstrap,
)
from cnnrnn.core.seeds import RunResult, run_protocol


def test_mean_and_interval_over_seeds_use_students_t():
    mean, ci = mean_ci95([1.0, 2.0, 3.0])
    assert mean == 2.0
    half = 4.303 * 1.0 / math.sqrt(3)  # t(0.975, 2 dof) times the standard error
    assert ci == pytest.approx([2 - half, 2 + half])
    assert mean_ci95([0.5]) == (0.5, None), "one seed has no interval"
    with pytest.raises(ValueError):
        mean_ci95([])


def _seeds(*vals):
    return [{"seed": i + 1, "val_metric": v} for i, v in enumerate(vals)]


def test_the_shipped_seed_is_the_median_never_the_best():
    assert median_seed(_seeds(0.90, 0.95, 0.92), higher_is_better=True)["seed"] == 3
    assert median_seed(_seeds(0.90, 0.95), higher_is_better=True)["seed"] == 1, "of two, not the best"
    assert median_seed(_seeds(4.1, 3.9, 4.0), higher_is_better=False)["seed"] == 3, "a loss: lower is better"
    assert median_seed(_seeds(0.9), higher_is_better=True)["seed"] == 1


def test_mcnemar_counts_the_discordant_items_and_gives_the_exact_p():
    a = np.array([True] * 10 + [True] * 50)
    b = np.array([False] * 10 + [True] * 50)
    result = mcnemar(a, b)
    assert (result["a_only"], result["b_only"], result["items"]) == (10, 0, 60)
    assert result["p"] == pytest.approx(2 / 2**10, abs=1e-6)
    assert mcnemar(a, a)["p"] == 1.0, "the same answers: no difference"
    balanced = mcnemar([True, False] * 20, [False, True] * 20)
    assert balanced["p"] == 1.0 or balanced["p"] > 0.5
    with pytest.raises(ValueError):
        mcnemar([True], [True, False])


def test_paired_bootstrap_tells_a_real_difference_from_none():
    rng = np.random.default_rng(0)
    base = rng.normal(2.0, 1.0, 400)
    same = paired_bootstrap(lambda i: base[i].mean(), lambda i: base[i].mean(), 400, resamples=300)
    assert same["p"] == 1.0 and same["difference"] == 0
    apart = paired_bootstrap(lambda i: base[i].mean(), lambda i: (base[i] + 0.3).mean(), 400, resamples=300)
    assert apart["p"] < 0.01 and apart["difference"] == pytest.approx(-0.3)
    assert apart["ci95"][1] < 0


def _entry(a_mean, a_ci, b_mean, b_ci, comparisons=(), higher=True, metric="test_accuracy"):
    return {
        "protocol": {
            "metric": metric,
            "higher_is_better": higher,
            "label": "test accuracy" if higher else "held-out loss",
            "steps": 100,
            "batch_size": 10,
            "lr_grid": [0.01, 0.1],
            "seeds": 3,
        },
        "models": {
            "cnn": {"metric_mean": a_mean, "metric_ci95": a_ci, "params": 1000, "steps": 100, "cpu_seconds": 10.0},
            "rnn": {"metric_mean": b_mean, "metric_ci95": b_ci, "params": 1100, "steps": 100, "cpu_seconds": 30.0},
        },
        "comparisons": list(comparisons),
    }


def test_a_win_needs_intervals_apart_or_a_significant_paired_test():
    win = judge(_entry(0.95, [0.94, 0.96], 0.90, [0.89, 0.91]), "cnn", "rnn", {"cnn": "CNN", "rnn": "RNN"})
    assert (win.winner, win.by) == ("cnn", "intervals") and win.text.startswith("CNN wins")
    tie = judge(_entry(0.95, [0.93, 0.97], 0.94, [0.92, 0.96]), "cnn", "rnn", {"cnn": "CNN", "rnn": "RNN"})
    assert tie.tie and tie.text.startswith("A tie") and "0.950" in tie.text and "0.940" in tie.text
    # Both with seeds at the full budget: one significant pair of shipped seeds does not outweigh their spread.
    paired = {"a": "rnn", "b": "cnn", "test": "mcnemar", "a_only": 5, "b_only": 30, "p": 0.0001}
    seeded = judge(_entry(0.95, [0.93, 0.97], 0.94, [0.92, 0.96], [paired]), "cnn", "rnn")
    assert seeded.tie and "does not outweigh the seeds' spread" in seeded.text and "p = 0.0001" in seeded.text
    # A costly model (its spread from seeds at a reduced budget): the paired test decides.
    costly = _entry(0.95, [0.93, 0.97], 0.94, [0.92, 0.96], [paired])
    costly["models"]["rnn"]["spread_steps"] = 50
    shown = judge(costly, "cnn", "rnn")
    assert (shown.winner, shown.by) == ("cnn", "mcnemar"), "the recorded test is read either way round"
    against = {"a": "cnn", "b": "rnn", "test": "mcnemar", "a_only": 5, "b_only": 30, "p": 0.0001}
    costly["comparisons"] = [against]
    assert judge(costly, "cnn", "rnn").tie, "the seeds' means and the paired test disagree: no claim"
    costly["comparisons"] = [{"a": "cnn", "b": "rnn", "test": "mcnemar", "a_only": 12, "b_only": 8, "p": 0.5}]
    assert judge(costly, "cnn", "rnn").tie
    costly["comparisons"] = []
    assert "No verdict" in judge(costly, "cnn", "rnn").text


def test_a_loss_wins_by_being_lower():
    verdict = judge(_entry(1.4, [1.38, 1.42], 1.6, [1.55, 1.65], higher=False, metric="heldout_nats"), "cnn", "rnn")
    assert verdict.winner == "cnn"


def test_models_without_the_protocol_get_no_verdict():
    entry = {"models": {"cnn": {"test_accuracy": 0.99}, "rnn": {"test_accuracy": 0.98}}}
    verdict = judge(entry, "cnn", "rnn")
    assert verdict.tie and "not trained under the protocol" in verdict.text
    assert fairness_sentence(entry, ["cnn", "rnn"]).endswith("each by its own recipe, with one seed.")
    entry["models"]["cnn"].update(params=520_193, steps=827, train_seconds=540.6)
    entry["models"]["rnn"].update(params=1_338_305, steps=2_500, train_seconds=3075.3)
    said = fairness_sentence(entry, ["cnn", "rnn"], {"cnn": "CNN", "rnn": "LSTM"})
    assert "Not equal: LSTM has 2.6x the parameters of CNN (1,338,305 against 520,193)" in said
    assert "steps: CNN 827, LSTM 2,500" in said and "LSTM took 5.7x the training time of CNN" in said


def test_the_fairness_sentence_says_what_is_equal_and_what_is_not():
    entry = _entry(0.95, [0.94, 0.96], 0.90, [0.89, 0.91])
    sentence = fairness_sentence(entry, ["cnn", "rnn"], {"cnn": "CNN", "rnn": "RNN"})
    assert "the same 100 steps of 10" in sentence and "3.0x the CPU time" in sentence
    assert "parameters" not in sentence, "1,000 against 1,100 is within 25%"
    entry["models"]["rnn"]["params"] = 2000
    assert "RNN has 2.0x the parameters of CNN" in fairness_sentence(
        entry, ["cnn", "rnn"], {"cnn": "CNN", "rnn": "RNN"}
    )
    rows = fairness_rows(entry, ["cnn", "rnn"])
    assert [r["examples seen"] for r in rows] == [1000, 1000]
    assert rows[0]["95% interval"] == "0.940 to 0.960"
    entry["models"]["rnn"]["seen"] = None  # its steps hold a varying number of examples, not counted
    assert [r["examples seen"] for r in fairness_rows(entry, ["cnn", "rnn"])] == [1000, None]


class FakeTask:
    """A task whose runs score lr * 10 + seed / 100 on validation and test (the best rate is the largest)."""

    def __init__(self):
        self.calls = []

    def __call__(self, spec):
        self.calls.append((spec.model, spec.lr, spec.seed, spec.steps))
        score = spec.lr * 10 + spec.seed / 100 + (0.05 if spec.model == "cnn" else 0)
        (spec.folder / "w.bin").write_bytes(b"weights %d" % spec.seed)
        history = [
            {"step": s, "seconds": s / 10, "val_metric": score * s / spec.steps} for s in (spec.steps // 2, spec.steps)
        ]
        return RunResult(
            metric=score,
            val_metric=score,
            steps=spec.steps,
            cpu_seconds=spec.steps / 10,
            seconds=spec.steps / 5,
            params=123,
            history=history,
            items=np.arange(20) % (3 if spec.model == "cnn" else 2) == 0,
            weights="w.bin",
        )


def test_the_runner_picks_the_rate_on_validation_ships_the_median_seed_and_resumes(tmp_path, monkeypatch):
    monkeypatch.delenv("CNNRNN_RUNS_DIR", raising=False)
    protocol = Protocol(
        metric="test_accuracy", higher_is_better=True, steps=40, batch_size=8, lr_grid=(0.01, 0.03), seeds=3
    )
    fit = FakeTask()
    result = run_protocol("toy", protocol, ["cnn", "rnn"], fit, tmp_path, log=lambda m: None)
    assert len(fit.calls) == 2 * (2 + 2), "two rates at seed 1, then seeds 2 and 3 at the chosen rate"
    for name in ("cnn", "rnn"):
        fields = result["models"][name]
        assert fields["lr"] == 0.03 and [s["seed"] for s in fields["seeds"]] == [1, 2, 3]
        assert fields["shipped_seed"] == 2, "the median of three seeds"
        assert fields["metric_ci95"][0] < fields["metric_mean"] < fields["metric_ci95"][1]
        assert result["shipped"][name].read_bytes() == b"weights 2"
        assert {"step", "seconds", "val_metric"} <= set(fields["history"][0])
    assert result["comparisons"][0]["a"] == "cnn" and result["comparisons"][0]["test"] == "mcnemar"
    assert result["protocol"]["seeds"] == 3 and result["protocol"]["val_metric"] == "val_accuracy"
    again = FakeTask()
    resumed = run_protocol("toy", protocol, ["cnn", "rnn"], again, tmp_path, log=lambda m: None)
    assert again.calls == [], "every run finished before: nothing is trained again"
    assert json.dumps(resumed["models"], default=str) == json.dumps(result["models"], default=str)
    more = FakeTask()
    run_protocol("toy", protocol, ["cnn"], more, tmp_path, seeds=4, log=lambda m: None)
    assert more.calls == [("cnn", 0.03, 4, 40)], "a fourth seed adds one run"
    with pytest.raises(ValueError, match="1 or more"):
        run_protocol("toy", protocol, ["cnn"], FakeTask(), tmp_path, seeds=0, log=lambda m: None)


def test_a_costly_model_gets_one_full_seed_and_its_spread_at_a_reduced_budget(tmp_path):
    protocol = Protocol(
        metric="heldout_nats",
        higher_is_better=False,
        steps=40,
        batch_size=8,
        lr_grid=(0.01,),
        seeds=3,
        reduced={"rnn": 10},
    )
    fit = FakeTask()
    result = run_protocol("toy", protocol, ["rnn"], fit, tmp_path, log=lambda m: None)
    assert sorted(c[2:] for c in fit.calls) == [(1, 10), (1, 40), (2, 10), (3, 10)]
    fields = result["models"]["rnn"]
    assert fields["spread_steps"] == 10 and fields["spread_seeds"] == 3
    assert fields["steps"] == 40 and fields["shipped_seed"] == 1
    assert "reduced" in fairness_sentence({**result, "protocol": result["protocol"]}, ["rnn"])
    assert curve_rows(result, ["rnn"])[0]["model"] == "rnn"


def test_the_learning_curves_draw_the_shipped_seed_bold_and_the_others_faint(tmp_path):
    from cnnrnn.core.charts import learning_curves_chart

    result = run_protocol(
        "toy",
        Protocol(metric="test_accuracy", higher_is_better=True, steps=40, batch_size=8, lr_grid=(0.01,), seeds=3),
        ["cnn", "rnn"],
        FakeTask(),
        tmp_path,
        log=lambda m: None,
    )
    rows = curve_rows(result, ["cnn", "rnn"], {"cnn": "CNN", "rnn": "RNN"})
    assert len(rows) == 2 * 3 * 2, "two points for each of three seeds of two models"
    assert sum(r["shipped"] for r in rows) == 2 * 2
    for x in ("step", "CPU seconds"):
        spec = learning_curves_chart(rows, x, "accuracy", {"CNN": "#1f77b4", "RNN": "#d62728"}, "t").to_dict()
        faint, bold = spec["layer"]
        assert faint["mark"]["opacity"] < 1 and bold["mark"]["strokeWidth"] > faint["mark"]["strokeWidth"]
        assert bold["encoding"]["x"]["field"] == x and bold["encoding"]["color"]["scale"]["range"][:2] == [
            "#1f77b4",
            "#d62728",
        ]


def test_a_reduced_budget_interval_says_its_steps():
    entry = _entry(0.95, [0.94, 0.96], 0.90, [0.89, 0.91])
    entry["models"]["rnn"].update(steps=100, spread_steps=25)
    text = judge(entry, "cnn", "rnn").text
    assert "0.900 [0.890, 0.910] at 25 steps" in text and "0.950 [0.940, 0.960] against" in text
