"""The sequence lab's bridge to Streamlit: cached loaders, live training on the pool, the page's tables.

Data and models load once per process (`core.ui.loading.loader`, warmed at server start) and are shared by every
session; the predictors are tf.functions, which are thread-safe. Live training runs on the
process's training pool (cnnrnn.core.jobs), off the script thread; `training_panel` draws it
in core's polled panel (cnnrnn.core.ui.live).
"""

from __future__ import annotations

from datetime import UTC, datetime

import pandas as pd
import streamlit as st

from cnnrnn.core.ui.live import live_panel
from cnnrnn.core.ui.loading import loader
from cnnrnn.core.ui.page import manifest, shipped_tables
from cnnrnn.core.ui.runs import SessionRun, submit_training
from cnnrnn.tasks.mnist1d import charts, experiments
from cnnrnn.tasks.mnist1d.config import (
    MNIST1D,
    MNIST1D_LIVE_MAX_EPOCHS,
    MNIST1D_LIVE_RATES,
    MNIST1D_LIVE_TIME_LIMIT,
    MNIST1D_LIVE_WIDTHS,
    TASK,
)
from cnnrnn.tasks.mnist1d.data import Mnist1dSplits, load_mnist1d
from cnnrnn.tasks.mnist1d.predict import load_mnist1d_predictors
from cnnrnn.tasks.mnist1d.train import start_mnist1d_run

RUNS_KEY = "seqlab_runs"  # this session's live runs in st.session_state
PAIR_RUN = SessionRun("seqlab_job", "seqlab_ended")  # this session's pair on the training pool, then how it ended


@loader("the MNIST-1D data")
def mnist1d_data() -> Mnist1dSplits:
    """data.Mnist1dSplits in order, loaded once per process (read-only arrays, shared by every session)."""
    return load_mnist1d(False)


@loader("the MNIST-1D data, shuffled")
def mnist1d_shuffled_data() -> Mnist1dSplits:
    """data.Mnist1dSplits with each signal's points shuffled (the paper's control), once per process."""
    return load_mnist1d(True)


def mnist1d_splits(shuffled: bool = False) -> Mnist1dSplits:
    """The MNIST-1D splits, in order or shuffled (each loaded once per process)."""
    return mnist1d_shuffled_data() if shuffled else mnist1d_data()


def _clear_splits() -> None:
    """Forget both loaded splits (the next call loads them again), as a cached loader's .clear() does."""
    mnist1d_data.clear()
    mnist1d_shuffled_data.clear()


mnist1d_splits.clear = _clear_splits


@loader("the MNIST-1D models")
def mnist1d_predictors() -> dict:
    """name -> SignalPredictor for the shipped MNIST-1D models (thread-safe).

    Raises FileNotFoundError when weights are missing (not cached: retried next run).
    """
    return load_mnist1d_predictors()


def mnist1d_manifest() -> dict:
    """The manifest's "mnist1d" section ({} when absent)."""
    return manifest().get(TASK, {})


def shipped_mnist1d_tables() -> dict:
    """The manifest's MNIST-1D experiment tables, name -> DataFrame ({} when absent)."""
    return shipped_tables(TASK)


def mnist1d_sizes() -> dict:
    """What the page says of the data: train and test signal counts and the points per signal."""
    splits = mnist1d_splits(False)
    return {"train": len(splits.x_train), "test": len(splits.x_test), "points": int(splits.x_train.shape[1])}


@st.cache_data(show_spinner=False)
def mnist1d_examples(per_class: int) -> pd.DataFrame:
    """The first `per_class` training signals of each digit, long form (experiments.signal_examples)."""
    splits = mnist1d_splits(False)
    return experiments.signal_examples(splits.x_train, splits.y_train, per_class)


@st.cache_data(show_spinner="Running the models at every length and shift...")
def recompute_mnist1d_tables() -> dict:
    """Lengths and shifts recomputed now on the 1,000 test signals (latency is measured separately)."""
    predictors, splits = mnist1d_predictors(), mnist1d_splits(False)
    return {
        "lengths": experiments.lengths_table(predictors, splits, MNIST1D),
        "shifts": experiments.shifts_table(predictors, splits, MNIST1D),
    }


@st.cache_data(show_spinner="Timing both models on this machine...")
def measure_mnist1d_latency() -> tuple[pd.DataFrame, str]:
    """The CNN's and the GRU's single-signal latency against length, measured once per process,
    and when: (table, "2026-12-01 at 20:51 UTC")."""
    table = experiments.latency_table(mnist1d_predictors(), MNIST1D)
    return table, datetime.now(UTC).strftime("%Y-%m-%d at %H:%M UTC")


def mnist1d_records() -> dict:
    """The shipped models' records plus this session's live runs (name -> record), for the table."""
    records = dict(mnist1d_manifest().get("models", {}))
    for run in st.session_state.get(RUNS_KEY, []):
        records[run["name"]] = run
    return records


def session_runs() -> list:
    """This session's live runs (records kept by train_mnist1d_pair), oldest first."""
    return st.session_state.get(RUNS_KEY, [])


def clear_runs() -> None:
    """Forget this session's live runs."""
    st.session_state[RUNS_KEY] = []


def next_run_number() -> int:
    """The number of the next pair of live runs: 1, 2, ..."""
    return len(session_runs()) // 2 + 1


def train_mnist1d_pair(specs: list[dict]):
    """Queue the runs described by `specs` on the training pool, as one job: one epoch each in turn.

    specs: dicts of kind, variant ("normal"/"shuffled"), epochs, learning_rate, width, name.
    The models are built here (ValueError with a plain message for bad choices); they train on
    the pool's thread (cnnrnn.core.jobs), stopping between batches on Stop, at
    MNIST1D_LIVE_TIME_LIMIT or when this session closes. Each run's record (name, kind, variant,
    test_accuracy, train_seconds, history, finished, ...) is kept in st.session_state["seqlab_runs"]
    and grows after every epoch, so a stopped run keeps what it reached. Returns the pool's Run;
    `training_panel` draws it.
    """
    runs = [
        start_mnist1d_run(
            spec["kind"],
            mnist1d_splits(spec["variant"] == "shuffled"),
            epochs=spec["epochs"],
            learning_rate=spec["learning_rate"],
            width=spec["width"],
            label=spec["name"],
        )
        for spec in specs
    ]
    records = [
        {
            **spec,
            "test_accuracy": None,
            "train_seconds": 0.0,
            "history": run.history,
            "params": int(run.model.count_params()),
            "mixed_lengths": False,
            "finished": False,
        }
        for spec, run in zip(specs, runs)
    ]
    total = sum(run.epochs for run in runs)

    def train(job):
        while not all(run.done for run in runs):
            for run, record in zip(runs, records):
                if run.done:
                    continue
                info = run.train_epoch(should_stop=job.should_stop)
                record["train_seconds"] = round(run.seconds, 1)
                if info is None:  # stopped, timed out or closed between two batches
                    return records
                record.update(test_accuracy=round(info["test_accuracy"], 4), finished=run.done)
                job.report(sum(r.epoch for r in runs) / total)
        return records

    st.session_state.setdefault(RUNS_KEY, []).extend(records)
    job = submit_training(
        train, time_limit=MNIST1D_LIVE_TIME_LIMIT, name=" and ".join(s["name"] for s in specs), history=records
    )
    return PAIR_RUN.keep(job)


def _history_copy(history: dict) -> dict:
    """A run's history as it stands, every column cut to the same length (the run may be adding a row)."""
    columns = {key: list(values) for key, values in history.items()}
    rows = min((len(values) for values in columns.values()), default=0)
    return {key: values[:rows] for key, values in columns.items()}


def _pair_progress(job) -> None:
    """The pair's progress: a progress bar and learning curves per run, side by side."""
    for column, record in zip(st.columns(2), job.history):
        with column:
            history = _history_copy(record["history"])
            done = len(history.get("epoch", []))
            if done:
                text = (
                    f"{record['name']}: epoch {done} of {record['epochs']}, test accuracy "
                    f"{history['test_accuracy'][-1]:.3f}, {history['seconds'][-1]:.1f} s"
                )
            else:
                text = f"{record['name']}: " + ("waiting" if job.state == "queued" else "first epoch")
            st.progress(done / record["epochs"], text=text)
            if done:
                st.altair_chart(
                    charts.mnist1d_curves_chart({record["name"]: history}, title=f"{record['name']}: learning curves"),
                    width="stretch",
                )


def training_panel() -> None:
    """The running pair, polled (core.ui.live): the queue place, a progress bar and curves per run, Stop."""
    live_panel(PAIR_RUN, _pair_progress, stop_key="seqlab_stop", stopping="Stopping after this batch...")


def mnist1d_table(records: dict) -> pd.DataFrame:
    """experiments.mnist1d_table: this project's (and this session's) accuracies beside the paper's."""
    return experiments.mnist1d_table(records)


def mnist1d_table_view(table: pd.DataFrame) -> pd.DataFrame:
    """The table as shown: one row per model, variant and source, readable column names."""
    view = table.rename(columns={"name": "run", "train_seconds": "training (s)"})
    spread = [
        f"{low:.3f} to {high:.3f}" if pd.notna(low) and pd.notna(high) else ""
        for low, high in zip(view.get("low", []), view.get("high", []))
    ]
    view = view.assign(**{"95% interval": spread or [""] * len(view)})
    return view[["model", "variant", "source", "run", "accuracy", "95% interval", "training (s)"]]


def mnist1d_time_ratio(entry: dict, key: str = "train_seconds") -> float | None:
    """The GRU's training time over the CNN's from the manifest: wall time ("train_seconds") or
    CPU time ("train_cpu_seconds"); None when either is missing."""
    models = entry.get("models", {})
    cnn, gru = (models.get(name, {}).get(key) for name in ("cnn", "gru"))
    return gru / cnn if cnn and gru else None


def step_costs(entry: dict) -> dict | None:
    """What one training step of 100 signals cost each model in CPU milliseconds (logreg, cnn, gru: the shipped
    seeds, the same steps and batches), and the GRU-to-CNN ratio with and without the fixed cost that every step
    pays whatever the model (taken as the logistic regression's: 410 weights, so its step is almost all fixed
    cost). None without the three records."""
    models = entry.get("models", {})
    steps = {name: models.get(name, {}).get("steps") for name in ("logreg", "cnn", "gru")}
    cpu = {name: models.get(name, {}).get("cpu_seconds") for name in ("logreg", "cnn", "gru")}
    if not all(steps.values()) or not all(cpu.values()):
        return None
    ms = {name: 1000 * cpu[name] / steps[name] for name in cpu}
    beyond = (ms["gru"] - ms["logreg"]) / (ms["cnn"] - ms["logreg"]) if ms["cnn"] > ms["logreg"] else None
    return {"ms": ms, "ratio": ms["gru"] / ms["cnn"], "beyond_fixed": beyond, "steps": steps["cnn"]}


def cnn_seconds(entry: dict, epochs: int) -> float | None:
    """The shipped CNN's training time scaled to `epochs` epochs (None without its record)."""
    return experiments.seconds_for_epochs(entry.get("models", {}).get("cnn", {}), epochs)


def mixed_length_band(tables: dict) -> tuple[float, float] | None:
    """The mixed-length models' lowest and highest accuracy from the trained length up, in `tables["lengths"]`."""
    return experiments.mixed_length_band(tables["lengths"], MNIST1D.sequence_length) if "lengths" in tables else None


def mnist1d_live_choices() -> tuple:
    """(widths, learning rates) offered for live training."""
    return list(MNIST1D_LIVE_WIDTHS), list(MNIST1D_LIVE_RATES)


def mnist1d_live_max_epochs() -> int:
    """The most epochs a live run may train."""
    return MNIST1D_LIVE_MAX_EPOCHS


def mnist1d_run_name(number: int, side: str, spec: dict) -> str:
    """A live run's name in the table: "run 2A: gru 32, shuffled"."""
    width = "" if spec["kind"] == "logreg" else f" {spec['width']}"
    variant = ", shuffled" if spec["variant"] == "shuffled" else ""
    return f"run {number}{side.upper()}: {spec['kind']}{width}{variant}"


def mnist1d_runs_view(runs: list) -> pd.DataFrame:
    """This session's live runs as a table."""
    rows = [
        {
            "run": r["name"],
            "epochs": f"{len(r['history']['epoch'])} of {r['epochs']}",
            "learning rate": r["learning_rate"],
            "parameters": r["params"],
            "test accuracy": r["test_accuracy"],
            "training (s)": r["train_seconds"],
            "status": "finished" if r["finished"] else "stopped",
        }
        for r in runs
    ]
    return pd.DataFrame(rows)
