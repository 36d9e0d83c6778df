"""The fair-fight protocol: how compared models are trained, and what may be claimed from their scores.

A task declares one `Protocol` in its config: the compared models train on the same data for the same number of
optimizer steps with the same batch size, each with its learning rate chosen on the validation split from the same
grid, over several seeds. The statistics here turn the recorded runs into the manifest's fields (mean, 95% interval,
the shipped median seed) and into verdicts: one model beats another only when the difference exceeds the noise
(non-overlapping intervals over seeds, or a paired test on the same test items), otherwise they tie.

No TensorFlow and no Streamlit here: the pages, the command line and the tests read the same functions.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass, field

import numpy as np

# Two-sided 95% quantiles of Student's t by degrees of freedom (1..30); 1.96 past the table.
_T95 = (12.706, 4.303, 3.182, 2.776, 2.571, 2.447, 2.365, 2.306, 2.262, 2.228, 2.201, 2.179, 2.160, 2.145, 2.131)
_T95 += (2.120, 2.110, 2.101, 2.093, 2.086, 2.080, 2.074, 2.069, 2.064, 2.060, 2.056, 2.052, 2.048, 2.045, 2.042)
ALPHA = 0.05  # a paired test's p below this is a difference; otherwise the page says the models tie
PARAMS_GAP = 0.25  # parameter counts further apart than this (relative to the larger) are said on the page


@dataclass(frozen=True)
class Protocol:
    """How a task's compared models are trained (recorded as the manifest section's "protocol").

    metric: the headline test metric's manifest name ("test_accuracy", "test_bleu", "heldout_nats"...), measured on
    the test split once a run ends; val_metric: the one its learning rate and shipped seed are chosen by, on the
    validation split. steps and batch_size: every compared model's budget. lr_grid: the same number of learning
    rates for every model (the grid's runs use seed 1 and `grid_steps`, the full budget unless said). seeds: how
    many seeds each model trains at the chosen rate. Models in `reduced` (name -> steps) cost more than
    `cpu_budget` CPU seconds a run: one seed at the full budget and `seeds` seeds at their reduced steps, whose
    spread is the one reported.
    """

    metric: str
    higher_is_better: bool
    steps: int
    batch_size: int
    lr_grid: tuple[float, ...]
    val_metric: str = ""
    label: str = ""  # the metric in words: "test accuracy"
    unit: str = ""  # what one step sees: "signals", "images", "tokens"
    per_step: int = 0  # how many of `unit` one step sees (0: batch_size)
    seeds: int = 3
    grid_steps: int = 0  # 0: the full budget
    reduced: dict = field(default_factory=dict)
    cpu_budget: float = 1200.0
    pairs: tuple[tuple[str, str], ...] = ()  # the comparisons a page draws (their paired tests are recorded)
    test: str = "mcnemar"  # the paired test on the test items: "mcnemar" (classification) or "bootstrap"

    def __post_init__(self):
        if self.steps < 1 or self.batch_size < 1 or not self.lr_grid or self.seeds < 1:
            raise ValueError("a protocol needs steps, a batch size, learning rates and seeds (each at least 1)")
        if self.test not in ("mcnemar", "bootstrap"):
            raise ValueError(f"unknown paired test {self.test!r}: mcnemar or bootstrap")

    def as_manifest(self) -> dict:
        """The manifest's "protocol" field."""
        record = asdict(self)
        record["lr_grid"] = list(self.lr_grid)
        record["pairs"] = [list(pair) for pair in self.pairs]
        record["val_metric"] = self.val_metric or self.metric.replace("test_", "val_")
        record["per_step"] = self.per_step or self.batch_size
        record["grid_steps"] = self.grid_steps or self.steps
        return record


def t95(dof: int) -> float:
    """The two-sided 95% quantile of Student's t with `dof` degrees of freedom."""
    return _T95[dof - 1] if 1 <= dof <= len(_T95) else 1.96


def mean_ci95(values: Sequence[float]) -> tuple[float, list[float] | None]:
    """The mean of `values` and its 95% interval (Student's t over the seeds); None for the interval of one value."""
    x = np.asarray(values, np.float64)
    if x.size == 0:
        raise ValueError("no values to average")
    mean = float(x.mean())
    if x.size < 2:
        return mean, None
    half = t95(x.size - 1) * float(x.std(ddof=1)) / math.sqrt(x.size)
    return mean, [mean - half, mean + half]


def median_seed(seeds: Sequence[dict], higher_is_better: bool, key: str = "val_metric") -> dict:
    """The median run by its validation metric, never the best one when there are two or more: runs ranked best
    first, the one at index n // 2 (the middle of three, the second of two)."""
    if not seeds:
        raise ValueError("no seeds to choose from")
    ranked = sorted(seeds, key=lambda s: (s[key], -s["seed"]), reverse=higher_is_better)
    return ranked[len(ranked) // 2]


def mcnemar(a_correct: Sequence[bool], b_correct: Sequence[bool]) -> dict:
    """McNemar's test on the same test items: a right where b is wrong (`a_only`), the reverse (`b_only`) and the
    two-sided p of the exact binomial test on those discordant items (p 1 when there are none)."""
    a, b = np.asarray(a_correct, bool), np.asarray(b_correct, bool)
    if a.shape != b.shape:
        raise ValueError(f"the two models were scored on different items ({a.shape} against {b.shape})")
    a_only, b_only = int(np.sum(a & ~b)), int(np.sum(~a & b))
    n, k = a_only + b_only, min(a_only, b_only)
    if n == 0:
        p = 1.0
    elif n <= 1000:  # the exact tail, in integers
        p = min(1.0, 2 * sum(math.comb(n, i) for i in range(k + 1)) / 2**n)
    else:  # the normal approximation with continuity correction
        z = (abs(a_only - b_only) - 1) / math.sqrt(n)
        p = min(1.0, math.erfc(max(z, 0.0) / math.sqrt(2)))
    return {"test": "mcnemar", "a_only": a_only, "b_only": b_only, "items": int(a.size), "p": round(p, 6)}


def paired_bootstrap(
    score_a: Callable[[np.ndarray], float],
    score_b: Callable[[np.ndarray], float],
    items: int,
    resamples: int = 1000,
    seed: int = 0,
) -> dict:
    """A paired bootstrap over the test items: `score_x(indices)` scores a model on those items (a mean loss, a
    corpus BLEU); both are scored on the same resamples. Returns the difference a - b on all items, its 95%
    interval over the resamples, and the two-sided p (twice the share of resamples on the other side of zero)."""
    if items < 1:
        raise ValueError("no test items to resample")
    rng = np.random.default_rng(seed)
    everything = np.arange(items)
    observed = score_a(everything) - score_b(everything)
    diffs = np.empty(resamples)
    for r in range(resamples):
        pick = rng.integers(0, items, items)
        diffs[r] = score_a(pick) - score_b(pick)
    below, above = float(np.mean(diffs <= 0)), float(np.mean(diffs >= 0))
    p = min(1.0, 2 * min(below, above))
    lo, hi = np.percentile(diffs, [2.5, 97.5])
    return {
        "test": "bootstrap",
        "difference": round(float(observed), 6),
        "ci95": [round(float(lo), 6), round(float(hi), 6)],
        "resamples": resamples,
        "items": int(items),
        "p": round(p, 6),
    }


def paired_test(kind: str, a_items: np.ndarray, b_items: np.ndarray) -> dict:
    """The protocol's paired test on two models' per-item test outcomes: "mcnemar" on right/wrong per item,
    "bootstrap" on a per-item score (a loss) whose mean is the metric."""
    if kind == "mcnemar":
        return mcnemar(a_items, b_items)
    a, b = np.asarray(a_items, np.float64), np.asarray(b_items, np.float64)
    if a.shape != b.shape:
        raise ValueError(f"the two models were scored on different items ({a.shape} against {b.shape})")
    return paired_bootstrap(lambda i: float(a[i].mean()), lambda i: float(b[i].mean()), len(a))


def summarize_seeds(seeds: list[dict], protocol: dict, full_steps: int) -> dict:
    """A model's manifest fields from its seed runs (each {"seed", "metric", "val_metric", "steps", ...}).

    The interval is over the runs at the full budget when there are two or more; otherwise over the
    reduced-budget runs (`spread_steps` says which). The shipped seed is the median full-budget run by the
    validation metric.
    """
    higher = protocol["higher_is_better"]
    full = [s for s in seeds if s["steps"] == full_steps]
    if not full:
        raise ValueError(f"no run at the full budget of {full_steps} steps")
    spread = full if len(full) >= 2 else [s for s in seeds if s["steps"] != full_steps] or full
    mean, ci = mean_ci95([s["metric"] for s in spread])
    shipped = median_seed(full, higher)
    return {
        "metric_mean": round(mean, 6),
        "metric_ci95": None if ci is None else [round(v, 6) for v in ci],
        "spread_steps": spread[0]["steps"],
        "spread_seeds": len(spread),
        "shipped_seed": shipped["seed"],
    }


# --- Verdicts, built from a manifest section ------------------------------------------------------------------------


@dataclass(frozen=True)
class Verdict:
    """What a page may say of two models: `winner` (a name, or None for a tie or no evidence), `by` (how the
    difference was shown: "intervals", "mcnemar", "bootstrap"; None when it was not), and `text`, one sentence
    with the numbers."""

    a: str
    b: str
    winner: str | None
    by: str | None
    text: str

    @property
    def tie(self) -> bool:
        return self.winner is None


def _interval(model: dict) -> list[float] | None:
    ci = model.get("metric_ci95")
    return list(ci) if ci else None


def pair_record(entry: dict, a: str, b: str) -> dict | None:
    """The recorded paired test of models a and b (their shipped seeds), oriented so that a is "a"; None if none."""
    for record in entry.get("comparisons", []):
        if [record.get("a"), record.get("b")] == [a, b]:
            return record
        if [record.get("a"), record.get("b")] == [b, a]:
            flipped = dict(record, a=a, b=b)
            if "a_only" in record:
                flipped["a_only"], flipped["b_only"] = record["b_only"], record["a_only"]
            if "difference" in record:
                flipped["difference"] = -record["difference"]
                flipped["ci95"] = [-record["ci95"][1], -record["ci95"][0]]
            return flipped
    return None


def fmt_metric(value: float, protocol: dict) -> str:
    """A metric as the pages print it: accuracies to 3 decimals, losses and BLEU to 2."""
    return f"{value:.3f}" if "accuracy" in protocol.get("metric", "") else f"{value:.2f}"


def _full_interval(model: dict) -> bool:
    """Whether the model's interval is over seeds at its full budget (not at a reduced one, nor missing)."""
    return bool(_interval(model)) and model.get("spread_steps", model.get("steps")) == model.get("steps")


def judge(entry: dict, a: str, b: str, labels: dict | None = None) -> Verdict:
    """The verdict on models a and b of a manifest section trained under the protocol.

    Where both models have 95% intervals over seeds at the full budget, the intervals decide: a win only when
    they do not overlap (the paired test of the shipped seeds is reported, but one pair of seeds does not
    outweigh the seeds' spread). Where either has a single seed at the full budget (a costly model), the paired
    test of the shipped models on the same test items decides, a win at p below ALPHA. Otherwise the models tie,
    and the sentence says so with the numbers. A section without the protocol gets no verdict and says why.
    """
    protocol = entry.get("protocol") or {}
    labels = labels or {}
    name_a, name_b = labels.get(a, a), labels.get(b, b)
    ma, mb = entry["models"][a], entry["models"][b]
    higher = protocol.get("higher_is_better", True)
    mean_a = ma.get("metric_mean")
    mean_b = mb.get("metric_mean")
    if mean_a is None or mean_b is None:
        return Verdict(a, b, None, None, f"{name_a} and {name_b} were not trained under the protocol: no verdict.")
    better, worse = (a, b) if (mean_a > mean_b) == higher else (b, a)
    label = protocol.get("label") or protocol.get("metric", "the metric")

    def show(name: str) -> str:
        model = entry["models"][name]
        ci = _interval(model)
        spread = f" [{fmt_metric(ci[0], protocol)}, {fmt_metric(ci[1], protocol)}]" if ci else ""
        steps = model.get("spread_steps")
        if steps and steps != model.get("steps"):  # a costlier model's spread: seeds at its reduced budget
            spread += f" at {steps:,} steps"
        return f"{labels.get(name, name)} {fmt_metric(model['metric_mean'], protocol)}{spread}"

    ci_a, ci_b = _interval(ma), _interval(mb)
    paired = pair_record(entry, a, b)
    paired_note = f"; paired {paired['test']} test of the shipped seeds, p = {paired['p']:.3g}" if paired else ""
    both = f"{show(better)} against {show(worse)} ({label}, mean and 95% interval over seeds{paired_note})"
    if _full_interval(ma) and _full_interval(mb):
        if ci_a[1] < ci_b[0] or ci_b[1] < ci_a[0]:
            return Verdict(a, b, better, "intervals", f"{labels.get(better, better)} wins: {both}.")
        why = "the seeds' intervals overlap"
        if paired and paired["p"] < ALPHA:
            why += ", and one pair of seeds on the test items does not outweigh the seeds' spread"
        return Verdict(a, b, None, None, f"A tie: {both}. The difference is within the noise: {why}.")
    if paired and paired["p"] < ALPHA:
        # The paired test's own direction decides (it compares the shipped models).
        if paired["test"] == "mcnemar":
            paired_better = a if paired["a_only"] > paired["b_only"] else b
        else:
            paired_better = a if (paired["difference"] > 0) == higher else b
        if paired_better == better:
            return Verdict(a, b, better, paired["test"], f"{labels.get(better, better)} wins: {both}.")
    if not paired:
        return Verdict(a, b, None, None, f"No verdict: {both}; without seeds at the full budget or a paired test.")
    return Verdict(a, b, None, None, f"A tie: {both}. The difference is within the noise.")


def _dig(record: dict, path: str):
    """record["a"]["b"] for path "a.b" (None where a key is missing)."""
    for key in path.split("."):
        record = record.get(key) if isinstance(record, dict) else None
    return record


def fairness_rows(
    entry: dict, names: Sequence[str], labels: dict | None = None, legacy: tuple[str, str] | None = None
) -> list[dict]:
    """The "How fair is this fight" table: one row per model (parameters, steps, examples or tokens seen, CPU
    seconds, learning rate, seeds, the metric's mean and interval). For a section trained before the protocol,
    `legacy` (manifest key, label) names its single-seed metric, shown with the wall seconds each model took."""
    protocol = entry.get("protocol") or {}
    labels = labels or {}
    per_step = protocol.get("per_step") or protocol.get("batch_size") or 0
    unit = protocol.get("unit") or "examples"
    rows = []
    for name in names:
        model = entry["models"][name]
        ci = _interval(model)
        steps = model.get("steps")
        seeds = model.get("seeds") or []
        spread = model.get("spread_steps")
        seeds_text = f"{len([s for s in seeds if s.get('steps') == steps])}" if seeds else "1"
        if spread and spread != steps:
            seeds_text += f" (+{model.get('spread_seeds', 0)} at {spread:,} steps)"
        mean = model.get("metric_mean")
        # A model whose steps hold a varying number of examples records "seen" itself (None: not counted).
        seen = model["seen"] if "seen" in model else (steps * per_step if steps and per_step else None)
        old = _dig(model, legacy[0]) if legacy else None
        if mean is None and old is not None:
            rows.append(
                {
                    "model": labels.get(name, name),
                    "parameters": model.get("params"),
                    "steps": steps,
                    "wall seconds": model.get("train_seconds"),
                    "seeds": "1",
                    legacy[1]: old,
                }
            )
            continue
        rows.append(
            {
                "model": labels.get(name, name),
                "parameters": model.get("params"),
                "steps": steps,
                f"{unit} seen": seen,
                "CPU seconds": model.get("cpu_seconds", model.get("train_cpu_seconds")),
                "learning rate": model.get("lr"),
                "seeds": seeds_text,
                protocol.get("label") or "metric": None if mean is None else round(mean, 4),
                "95% interval": f"{fmt_metric(ci[0], protocol)} to {fmt_metric(ci[1], protocol)}" if ci else "",
                "shipped seed": model.get("shipped_seed"),
            }
        )
    return rows


def _unequal(models: list[dict], names: Sequence[str], labels: dict, time_key: str, time_words: str) -> list[str]:
    """What differs between the models beyond the noise of a budget: parameters (more than PARAMS_GAP apart),
    steps, and time (`time_key`, more than 1.25x apart)."""
    unequal = []
    params = [m.get("params") or 0 for m in models]
    if params and max(params) and (max(params) - min(params)) / max(params) > PARAMS_GAP:
        big, small = names[params.index(max(params))], names[params.index(min(params))]
        unequal.append(
            f"{labels.get(big, big)} has {max(params) / max(min(params), 1):.1f}x the parameters of "
            f"{labels.get(small, small)} ({max(params):,} against {min(params):,})"
        )
    steps = [m.get("steps") for m in models]
    if all(steps) and len(set(steps)) > 1:
        unequal.append("steps: " + ", ".join(f"{labels.get(n, n)} {s:,}" for n, s in zip(names, steps)))
    spent = [m.get(time_key) or 0 for m in models]
    if min(spent) > 0 and max(spent) / min(spent) > 1.25:
        slow, fast = names[spent.index(max(spent))], names[spent.index(min(spent))]
        unequal.append(
            f"{labels.get(slow, slow)} took {max(spent) / min(spent):.1f}x the {time_words} of {labels.get(fast, fast)}"
        )
    return unequal


def fairness_sentence(entry: dict, names: Sequence[str], labels: dict | None = None) -> str:
    """One sentence on what is equal between the models and what is not, from the manifest."""
    protocol = entry.get("protocol")
    labels = labels or {}
    models = [entry["models"][n] for n in names]
    if not protocol:
        sentence = "These models were trained before the fair-fight protocol: each by its own recipe, with one seed."
        unequal = _unequal(models, names, labels, "train_seconds", "training time") if len(models) > 1 else []
        return sentence + (" Not equal: " + "; ".join(unequal) + "." if unequal else "")
    equal = []
    steps = {m.get("steps") for m in models}
    if len(steps) == 1:
        per_step = protocol.get("per_step") or protocol["batch_size"]  # characters, where a step holds windows
        unit = protocol.get("unit") or "examples"
        equal.append(f"the same {protocol['steps']:,} steps of {per_step:,} {unit} on the same data")
    equal.append(f"learning rates each chosen on the validation split from the same {len(protocol['lr_grid'])}")
    counts = [len([s for s in m.get("seeds", []) if s.get("steps") == m.get("steps")]) for m in models]
    if len(set(counts)) == 1:
        equal.append(f"{counts[0]} seeds each")
    unequal = _unequal(models, names, labels, "cpu_seconds", "CPU time")
    reduced = [labels.get(n, n) for n, m in zip(names, models) if m.get("spread_steps") not in (None, m.get("steps"))]
    if reduced:
        unequal.append(f"{', '.join(reduced)}: one seed at the full budget, the spread from seeds at a reduced one")
    sentence = "Equal: " + "; ".join(equal) + "."
    if unequal:
        sentence += " Not equal: " + "; ".join(unequal) + "."
    return sentence


def curve_rows(entry: dict, names: Sequence[str], labels: dict | None = None) -> list[dict]:
    """The learning curves from the recorded histories: rows of model, seed, shipped (whether it is the shipped
    seed's), step, CPU seconds and validation metric; every full-budget seed's when recorded, else the shipped
    one's (empty for models trained before the protocol)."""
    labels = labels or {}
    rows = []
    for name in names:
        model = entry["models"][name]
        shipped = model.get("shipped_seed")
        histories = model.get("seed_histories") or {str(shipped): model.get("history") or []}
        for seed, history in histories.items():
            for point in history if isinstance(history, list) else []:
                if isinstance(point, dict) and {"step", "seconds", "val_metric"} <= set(point):
                    rows.append(
                        {
                            "model": labels.get(name, name),
                            "seed": int(seed) if str(seed).isdecimal() else seed,
                            "shipped": str(seed) == str(shipped),
                            "step": point["step"],
                            "CPU seconds": point["seconds"],
                            "validation": point["val_metric"],
                        }
                    )
    return rows
