"""The sequence lab's measurements as tidy DataFrames: the paper's table, lengths, shifts, latency.

Which models each table measures is `config.SWEEP_MODELS`; `lengths_table`, `shifts_table` and
`latency_table` are the one way the training run and the page build them.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from cnnrnn.core.timing import median_ms
from cnnrnn.core.weights import read_manifest, weights_root
from cnnrnn.tasks.mnist1d.config import MNIST1D_MODELS, SINGLE_LENGTH_MODELS, SWEEP_MODELS, TASK
from cnnrnn.tasks.mnist1d.data import load_mnist1d, resample_signals, shift_signals
from cnnrnn.tasks.mnist1d.predict import load_mnist1d_predictors

# Test accuracy published by Greydanus & Kobak (ICML 2024), table 1 ("MNIST-1D" and "shuffled" columns).
MNIST1D_PAPER = {
    ("logreg", "normal"): 0.32,
    ("mlp", "normal"): 0.68,
    ("cnn", "normal"): 0.94,
    ("gru", "normal"): 0.91,
    ("cnn", "shuffled"): 0.56,
    ("gru", "shuffled"): 0.57,
}
MNIST1D_HUMAN = 0.96  # the paper's human accuracy on MNIST-1D


def mnist1d_table(records: dict) -> pd.DataFrame:
    """This project's accuracies beside the paper's.

    records: name -> {"kind", "variant", "test_accuracy", "train_seconds"} (the
    manifest's models, or the page's live runs; mixed-length models are left out).
    Columns: model, variant, source ("this project" or "paper"), accuracy (the mean over
    seeds where the manifest has one), low and high (its 95% interval; None for the paper
    and single runs), train_seconds (None for the paper), name.
    """
    rows = []
    for (kind, variant), accuracy in MNIST1D_PAPER.items():
        rows.append(
            {
                "model": kind,
                "variant": variant,
                "source": "paper",
                "accuracy": accuracy,
                "low": None,
                "high": None,
                "train_seconds": None,
                "name": f"paper {kind}",
            }
        )
    for name, record in records.items():
        if record.get("mixed_lengths") or record.get("test_accuracy") is None:
            continue
        interval = record.get("metric_ci95") or [None, None]
        rows.append(
            {
                "model": record["kind"],
                "variant": record.get("variant", "normal"),
                "source": "this project",
                "accuracy": float(record.get("metric_mean", record["test_accuracy"])),
                "low": interval[0],
                "high": interval[1],
                "train_seconds": record.get("train_seconds"),
                "name": name,
            }
        )
    return pd.DataFrame(
        rows, columns=["model", "variant", "source", "accuracy", "low", "high", "train_seconds", "name"]
    )


def evaluate_mnist1d(weights_dir=None) -> dict:
    """Test accuracy of the shipped MNIST-1D models on the 1,000 test signals (normal and shuffled).

    Returns {"task", "test_size", "accuracy": {logreg, mlp, cnn, gru}, "shuffled": {cnn, gru},
    "train_seconds": {cnn, gru}, "gru_cnn_time_ratio", "paper": {...}}, and, where the manifest has them,
    "train_cpu_seconds" and "gru_cnn_cpu_ratio" (CPU time, which other jobs on a shared machine do not inflate).
    Training times come from the manifest.
    """
    names = list(SINGLE_LENGTH_MODELS)
    predictors = load_mnist1d_predictors(weights_dir, names)
    data = {variant: load_mnist1d(variant == "shuffled") for variant in ("normal", "shuffled")}
    records = read_manifest(weights_root(weights_dir)).get(TASK, {}).get("models", {})
    result = {"task": TASK, "test_size": int(len(data["normal"].y_test)), "accuracy": {}, "shuffled": {}}
    for name in names:
        kind, variant, _ = MNIST1D_MODELS[name]
        splits = data[variant]
        accuracy = round(predictors[name].accuracy(splits.x_test, splits.y_test), 4)
        result["accuracy" if variant == "normal" else "shuffled"][kind] = accuracy
    seconds = {kind: records.get(kind, {}).get("train_seconds") for kind in ("cnn", "gru")}
    result["train_seconds"] = seconds
    if seconds["cnn"] and seconds["gru"]:
        result["gru_cnn_time_ratio"] = round(seconds["gru"] / seconds["cnn"], 1)
    cpu = {kind: records.get(kind, {}).get("train_cpu_seconds") for kind in ("cnn", "gru")}
    if cpu["cnn"] and cpu["gru"]:
        result["train_cpu_seconds"] = cpu
        result["gru_cnn_cpu_ratio"] = round(cpu["gru"] / cpu["cnn"], 1)
    result["paper"] = {
        "accuracy": {k: v for (k, variant), v in MNIST1D_PAPER.items() if variant == "normal"},
        "shuffled": {k: v for (k, variant), v in MNIST1D_PAPER.items() if variant == "shuffled"},
    }
    return result


def length_sweep(predictors: dict, signals: np.ndarray, labels: np.ndarray, lengths) -> pd.DataFrame:
    """Accuracy with every signal (n, 40) resampled to each length; models tied to 40 points are skipped
    elsewhere. Columns: model, length, accuracy."""
    rows = []
    for length in lengths:
        resampled = resample_signals(signals, int(length))
        for name, predictor in predictors.items():
            if predictor.length is not None and predictor.length != int(length):
                continue
            rows.append({"model": name, "length": int(length), "accuracy": predictor.accuracy(resampled, labels)})
    return pd.DataFrame(rows, columns=["model", "length", "accuracy"])


def shift_sweep(
    predictors: dict, signals: np.ndarray, labels: np.ndarray, shifts, modes=("pad", "roll")
) -> pd.DataFrame:
    """Accuracy with every signal translated by each shift (points), in each mode (`data.shift_signals`):
    "pad" fills the emptied points with zeros, "roll" wraps them around.

    Columns: model, mode, shift, accuracy."""
    rows = []
    for mode in modes:
        for shift in shifts:
            moved = shift_signals(signals, int(shift), mode)
            for name, predictor in predictors.items():
                rows.append(
                    {"model": name, "mode": mode, "shift": int(shift), "accuracy": predictor.accuracy(moved, labels)}
                )
    return pd.DataFrame(rows, columns=["model", "mode", "shift", "accuracy"])


def signal_latency_sweep(
    predictors: dict, lengths=(20, 40, 80, 160, 320, 640, 1280), repeats: int = 7, seed: int = 0
) -> pd.DataFrame:
    """Single-signal latency against length: the median of `repeats` calls of each predictor, in ms.

    Only predictors that take any length are timed. Columns: model, length, ms.
    """
    rng = np.random.default_rng(seed)
    rows = []
    for length in lengths:
        signal = rng.standard_normal(int(length)).astype(np.float32)
        for name, predictor in predictors.items():
            if predictor.length is not None:
                continue
            rows.append({"model": name, "length": int(length), "ms": median_ms(predictor.predict_one, signal, repeats)})
    return pd.DataFrame(rows, columns=["model", "length", "ms"])


def sweep_predictors(predictors: dict, table: str) -> dict:
    """The predictors table `table` ("lengths", "shifts" or "latency") measures (config.SWEEP_MODELS)."""
    return {name: predictors[name] for name in SWEEP_MODELS[table] if name in predictors}


def lengths_table(predictors: dict, splits, config) -> pd.DataFrame:
    """The "lengths" table: its models on the test signals resampled to each of config.sweep_lengths."""
    return length_sweep(sweep_predictors(predictors, "lengths"), splits.x_test, splits.y_test, config.sweep_lengths)


def shifts_table(predictors: dict, splits, config) -> pd.DataFrame:
    """The "shifts" table: its models on the test signals moved by each of config.shifts."""
    return shift_sweep(sweep_predictors(predictors, "shifts"), splits.x_test, splits.y_test, config.shifts)


def latency_table(predictors: dict, config) -> pd.DataFrame:
    """The "latency" table: its models timed on one signal of each of config.latency_lengths."""
    return signal_latency_sweep(sweep_predictors(predictors, "latency"), config.latency_lengths, config.latency_repeats)


def mnist1d_experiments(predictors: dict, splits, config) -> dict[str, pd.DataFrame]:
    """The tables the sequence lab charts (models: config.SWEEP_MODELS), on the normal test signals."""
    return {
        "lengths": lengths_table(predictors, splits, config),
        "shifts": shifts_table(predictors, splits, config),
        "latency": latency_table(predictors, config),
    }


def mixed_length_band(lengths: pd.DataFrame, start: int) -> tuple[float, float] | None:
    """The lowest and highest accuracy of the mixed-length models at `start` points or more, or None.

    lengths: the "lengths" table (columns model, length, accuracy).
    """
    rows = lengths[lengths["model"].str.endswith("_mixed") & (lengths["length"] >= start)]
    if rows.empty:
        return None
    return float(rows["accuracy"].min()), float(rows["accuracy"].max())


def seconds_for_epochs(record: dict, epochs: int) -> float | None:
    """A shipped model's training time scaled to `epochs` epochs (record: its manifest entry), or None."""
    seconds, trained = record.get("train_seconds"), record.get("epochs")
    return seconds * epochs / trained if seconds and trained else None


def signal_examples(signals: np.ndarray, labels: np.ndarray, per_class: int = 3) -> pd.DataFrame:
    """The first `per_class` signals of each digit in long form: columns digit, example, point, value."""
    rows = []
    labels = np.asarray(labels)
    for digit in range(10):
        for example, index in enumerate(np.flatnonzero(labels == digit)[:per_class]):
            for point, value in enumerate(np.asarray(signals[index], np.float32)):
                rows.append({"digit": digit, "example": example, "point": point, "value": float(value)})
    return pd.DataFrame(rows, columns=["digit", "example", "point", "value"])
