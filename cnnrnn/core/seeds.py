"""Running the fair-fight protocol (`cnnrnn.core.protocol`): the learning-rate grid, the seeds, resumable.

`run_protocol` asks a task's `fit(spec)` for each run it still needs and keeps every finished run's record in its own
folder under the runs directory (`runs/<task>/<model>/lr<rate>-seed<seed>-steps<steps>/result.json`, beside the
run's weights and its per-item test outcomes). A run whose record exists is not trained again: the same command
continues where a stopped one left off. A task whose single runs are long also checkpoints inside a run, in the
run's folder (its `fit` resumes from there).

No TensorFlow here: `fit` is the task's.
"""

from __future__ import annotations

import json
import os
import shutil
from collections.abc import Callable
from dataclasses import dataclass, field
from itertools import combinations
from pathlib import Path

import numpy as np

from cnnrnn.core.protocol import Protocol, mean_ci95, paired_test, summarize_seeds
from cnnrnn.core.weights import WEIGHTS_DIR, utc_now

RUNS_DIR = Path(__file__).resolve().parents[2] / "runs"  # the checkout's runs/ (ignored by git)


def runs_root(weights_dir=None) -> Path:
    """Where protocol runs are kept: $CNNRNN_RUNS_DIR when set; else the checkout's runs/ folder for the shipped
    weights, and `<weights_dir>/runs` for any other weights folder (a test's run never resumes the shipped ones)."""
    if os.environ.get("CNNRNN_RUNS_DIR"):
        return Path(os.environ["CNNRNN_RUNS_DIR"])
    if weights_dir is None or Path(weights_dir).resolve() == WEIGHTS_DIR.resolve():
        return RUNS_DIR
    return Path(weights_dir) / "runs"


@dataclass(frozen=True)
class RunSpec:
    """One training run the protocol needs: a model at a learning rate and seed for a number of steps.

    folder: where the run keeps its checkpoint and, once finished, its weights (`RunResult.weights`).
    """

    model: str
    lr: float
    seed: int
    steps: int
    folder: Path

    @property
    def label(self) -> str:
        return f"{self.model} lr={self.lr:g} seed={self.seed} steps={self.steps:,}"


@dataclass
class RunResult:
    """What a finished run reports to the protocol.

    metric and val_metric: the test and validation scores of its final weights; history: [{"step", "seconds"
    (CPU seconds of training so far), "val_metric"}]; items: the per-item test outcomes its paired test needs
    (right or wrong per item, or a per-item loss); weights: the saved model's file name inside the run's folder.
    """

    metric: float
    val_metric: float
    steps: int
    cpu_seconds: float
    seconds: float
    params: int
    history: list[dict]
    items: np.ndarray
    weights: str
    extra: dict = field(default_factory=dict)  # anything else the task records of the run


def run_result(run, spec: RunSpec, metric: float, params: int, items: np.ndarray, extra: dict | None = None):
    """The RunResult of a finished checkpointed run: `run` has its `history` (the last check's validation metric
    is the run's), `cpu` and `seconds`, and its `saved` Checkpoint, cleared here (the run's folder keeps its
    model and, once the protocol writes it, its result). The model is `model.keras` in the run's folder."""
    run.saved.clear()
    return RunResult(
        metric=float(metric),
        val_metric=run.history[-1]["val_metric"],
        steps=spec.steps,
        cpu_seconds=run.cpu,
        seconds=run.seconds,
        params=int(params),
        history=run.history,
        items=items,
        weights="model.keras",
        extra=extra or {},
    )


def _folder(root: Path, model: str, lr: float, seed: int, steps: int) -> Path:
    return root / model / f"lr{lr:g}-seed{seed}-steps{steps}"


def _finished(folder: Path) -> dict | None:
    path = folder / "result.json"
    return json.loads(path.read_text(encoding="utf-8")) if path.is_file() else None


def _run(spec: RunSpec, fit: Callable[[RunSpec], RunResult], log) -> dict:
    """The run's record: read when it finished before, else trained now and written."""
    done = _finished(spec.folder)
    if done is not None:
        log(f"  {spec.label}: done before ({done['metric']:.4f} test, {done['val_metric']:.4f} validation)")
        return done
    spec.folder.mkdir(parents=True, exist_ok=True)
    log(f"  {spec.label}: training")
    result = fit(spec)
    np.save(spec.folder / "items.npy", np.asarray(result.items))
    record = {
        "model": spec.model,
        "lr": spec.lr,
        "seed": spec.seed,
        "steps": int(result.steps),
        "metric": round(float(result.metric), 6),
        "val_metric": round(float(result.val_metric), 6),
        "cpu_seconds": round(float(result.cpu_seconds), 1),
        "seconds": round(float(result.seconds), 1),
        "params": int(result.params),
        "history": result.history,
        "weights": result.weights,
        **result.extra,
    }
    (spec.folder / "result.json").write_text(json.dumps(record, indent=1) + "\n", encoding="utf-8")
    scores = f"{record['metric']:.4f} test, {record['val_metric']:.4f} validation"
    log(f"  {spec.label}: {scores}, {record['cpu_seconds']} CPU s")
    return record


def _seed_view(record: dict) -> dict:
    return {k: record[k] for k in ("seed", "metric", "val_metric", "steps", "cpu_seconds")}


def run_protocol(
    task: str,
    protocol: Protocol,
    models: list[str],
    fit: Callable[[RunSpec], RunResult],
    weights_dir=None,
    seeds: int | None = None,
    log=print,
) -> dict:
    """Run (or continue) the protocol for `models` and return what the manifest records of it.

    For each model: seed 1 at every rate of the grid (at the grid's steps), the best rate by the validation
    metric, then the protocol's seeds at that rate and the full budget (or, for a model in `protocol.reduced`,
    seed 1 at the full budget and the seeds at its reduced steps). `seeds` overrides the protocol's count.

    Returns {"protocol": ..., "models": {name: fields}, "comparisons": [paired tests of the shipped seeds],
    "shipped": {name: path of the shipped seed's weights}, "cpu_seconds": all runs' CPU seconds together}.
    """
    record = protocol.as_manifest()
    count = protocol.seeds if seeds is None else int(seeds)  # 0 is refused below, not read as the default
    if count < 1:
        raise ValueError("--seeds must be 1 or more")
    record["seeds"] = count
    root = runs_root(weights_dir) / task
    higher = protocol.higher_is_better
    fields, shipped, items, total = {}, {}, {}, 0.0
    for model in models:
        grid_steps = record["grid_steps"]
        log(f"{task} {model}: learning rates {', '.join(f'{r:g}' for r in protocol.lr_grid)} at {grid_steps:,} steps")
        grid = []
        for lr in protocol.lr_grid:
            run = _run(RunSpec(model, lr, 1, grid_steps, _folder(root, model, lr, 1, grid_steps)), fit, log)
            grid.append(run)
        best = max(grid, key=lambda r: r["val_metric"] if higher else -r["val_metric"])
        lr = best["lr"]
        full_steps = protocol.steps
        spread_steps = int(protocol.reduced.get(model, full_steps))
        plan = [(s, full_steps) for s in range(1, count + 1)] if spread_steps == full_steps else [(1, full_steps)]
        if spread_steps != full_steps:
            plan += [(s, spread_steps) for s in range(1, count + 1)]
        log(f"{task} {model}: learning rate {lr:g}; seeds {', '.join(f'{s} ({n:,} steps)' for s, n in plan)}")
        runs = [_run(RunSpec(model, lr, s, n, _folder(root, model, lr, s, n)), fit, log) for s, n in plan]
        everything = {(r["lr"], r["seed"], r["steps"]): r for r in grid + runs}
        total += sum(r["cpu_seconds"] for r in everything.values())
        summary = summarize_seeds([_seed_view(r) for r in runs], record, full_steps)
        chosen = next(r for r in runs if r["seed"] == summary["shipped_seed"] and r["steps"] == full_steps)
        folder = _folder(root, model, lr, chosen["seed"], full_steps)
        shipped[model] = folder / chosen["weights"]
        items[model] = np.load(folder / "items.npy")
        full = [r["metric"] for r in runs if r["steps"] == full_steps]
        fields[model] = {
            "params": chosen["params"],
            "steps": full_steps,
            "cpu_seconds": chosen["cpu_seconds"],
            "seconds": chosen["seconds"],
            "lr": lr,
            "lr_search": [{"lr": r["lr"], "val_metric": r["val_metric"], "steps": r["steps"]} for r in grid],
            "seeds": [_seed_view(r) for r in runs],
            **summary,
            "metric": chosen["metric"],
            "val_metric": chosen["val_metric"],
            "full_budget_mean": round(mean_ci95(full)[0], 6),
            "history": chosen["history"],
            "seed_histories": {str(r["seed"]): r["history"] for r in runs if r["steps"] == full_steps},
        }
    pairs = protocol.pairs or tuple(combinations(models, 2))
    comparisons = []
    for a, b in pairs:
        if a in items and b in items:
            comparisons.append({"a": a, "b": b, **paired_test(protocol.test, items[a], items[b])})
    return {
        "protocol": record,
        "models": fields,
        "comparisons": comparisons,
        "shipped": shipped,
        "cpu_seconds": round(total, 1),
    }


def ship(source: Path, target: Path) -> Path:
    """Copy a run's weights file to the weights folder under the shipped name."""
    target.parent.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(source, target)
    return target


def shipped_fields(fields: dict, path: Path) -> dict:
    """What every protocol task records of a model it shipped to `path`: the model's protocol fields (from
    `run_protocol`), its file and size, its shipped seed's wall and CPU seconds, that seed, and when."""
    return {
        **fields,
        "file": path.name,
        "bytes": path.stat().st_size,
        "train_seconds": fields["seconds"],
        "train_cpu_seconds": fields["cpu_seconds"],
        "seed": fields["shipped_seed"],
        "trained_at": utc_now(),
    }
