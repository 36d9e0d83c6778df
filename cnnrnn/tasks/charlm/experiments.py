"""The character models' measurements as tidy pandas DataFrames, ready for `charts.py`.

Held-out loss (nats per character over non-overlapping windows of the corpus's last 10%),
loss against the position in the context, temperature samples, generation speed, and the
per-character tables behind the page's generation and "read my text" charts.
"""

from __future__ import annotations

import time

import numpy as np
import pandas as pd

from cnnrnn.core.predictor import in_batches
from cnnrnn.tasks.charlm.config import CHARLM
from cnnrnn.tasks.charlm.data import load_shakespeare
from cnnrnn.tasks.charlm.predict import load_charlm


def heldout_windows(
    ids: np.ndarray, eval_length: int, max_windows: int | None = None, stride: int | None = None
) -> np.ndarray:
    """Windows of a held-out id sequence: (n, eval_length + 1) int32.

    Window i is ids[i * S : i * S + L + 1] with stride S = L (non-overlapping, the
    held-out loss) unless `stride` is given; its L predictions are scored. With
    `max_windows`, that many windows evenly spread over the text are kept.
    """
    ids = np.asarray(ids, np.int32)
    stride = stride or eval_length
    count = max((len(ids) - 1 - eval_length) // stride + 1, 0)
    starts = np.arange(count) * stride
    if max_windows is not None and count > max_windows:
        starts = starts[np.linspace(0, count - 1, max_windows).round().astype(int)]
    if len(starts) == 0:
        return np.zeros((0, eval_length + 1), np.int32)
    return ids[starts[:, None] + np.arange(eval_length + 1)[None, :]]


def heldout_losses(predictor, windows: np.ndarray, batch_size: int = 32) -> np.ndarray:
    """Nats per character for each prediction of each window: (n, eval_length) float32.

    Column p is the loss of the character that follows p + 1 characters of context.
    """
    return in_batches(
        predictor.token_losses, windows, batch_size, np.zeros((0, max(windows.shape[1] - 1, 0)), np.float32)
    )


def loss_by_position(
    predictors: dict, text: str, eval_length: int = 256, max_windows: int | None = None, stride: int | None = None
) -> pd.DataFrame:
    """Mean held-out loss against the number of characters of context, per model.

    text: held-out text; windows as in `heldout_windows`, overlapping by default
    (stride eval_length // 4) so that no position is tied to one place in the text's
    layout. Characters a model does not know are dropped.
    Returns columns model, context (1..eval_length), loss (nats), windows.
    """
    rows = []
    stride = stride or max(eval_length // 4, 1)
    for name, predictor in predictors.items():
        ids, _, _ = predictor.vocab.encode_known(text)
        windows = heldout_windows(ids, eval_length, max_windows, stride)
        if len(windows) == 0:
            continue
        losses = heldout_losses(predictor, windows).mean(axis=0)
        rows.extend(
            {"model": name, "context": p + 1, "loss": float(v), "windows": int(len(windows))}
            for p, v in enumerate(losses)
        )
    return pd.DataFrame(rows, columns=["model", "context", "loss", "windows"])


def shipped_loss_by_position(entry: dict) -> pd.DataFrame:
    """The manifest's loss-by-position tables (section "charlm") as one DataFrame like `loss_by_position`."""
    rows = []
    for name, record in entry.get("models", {}).items():
        rows.extend(
            {"model": name, "context": p + 1, "loss": float(v)}
            for p, v in enumerate(record.get("loss_by_position", []))
        )
    return pd.DataFrame(rows, columns=["model", "context", "loss"])


def bin_by_context(
    df: pd.DataFrame, edges=(1, 2, 3, 4, 5, 7, 9, 13, 17, 25, 33, 49, 65, 97, 129, 193, 257)
) -> pd.DataFrame:
    """Average a loss-by-position table over bins of context length (log-spaced), per model.

    Per-position means over a few hundred windows are noisy; bins [edges[i], edges[i+1])
    are not. Returns columns model, context (the bin's geometric middle), loss, first, last.
    """
    rows = []
    for name, group in df.groupby("model", sort=False):
        for low, high in zip(edges[:-1], edges[1:]):
            part = group[(group["context"] >= low) & (group["context"] < high)]
            if len(part):
                rows.append(
                    {
                        "model": name,
                        "context": float(np.sqrt(low * (high - 1))),
                        "loss": float(part["loss"].mean()),
                        "first": int(low),
                        "last": int(min(high - 1, part["context"].max())),
                    }
                )
    return pd.DataFrame(rows, columns=["model", "context", "loss", "first", "last"])


def context_table(df: pd.DataFrame, ranges=((1, 8), (9, 32), (33, 127), (128, 256))) -> pd.DataFrame:
    """Mean loss per model over ranges of context length, from a per-position table.

    df: columns model, context, loss (`loss_by_position`). Returns one row per range:
    context ("1-8"), one column per model, and "cnn - lstm" when both are there.
    """
    rows = []
    for low, high in ranges:
        part = df[(df["context"] >= low) & (df["context"] <= high)]
        if not len(part):
            continue
        row = {"context": f"{low}-{high}"}
        row.update({name: round(float(group["loss"].mean()), 3) for name, group in part.groupby("model", sort=False)})
        if "lstm" in row and "cnn" in row:
            row["cnn - lstm"] = round(row["cnn"] - row["lstm"], 3)
        rows.append(row)
    return pd.DataFrame(rows)


def evaluate_charlm(weights_dir=None) -> dict:
    """Held-out loss of the shipped character models on tiny Shakespeare's last 10%.

    Returns {"task": "charlm", "loss": {model: nats per character}, "windows": n, "eval_length": L}.
    """
    predictors = load_charlm(weights_dir)
    corpus = load_shakespeare(CHARLM.val_fraction)
    loss, count = {}, 0
    for name, predictor in predictors.items():
        windows = heldout_windows(predictor.vocab.encode_known(corpus.val_text)[0], CHARLM.eval_length)
        loss[name] = round(float(heldout_losses(predictor, windows).mean()), 4)
        count = len(windows)
    return {"task": "charlm", "loss": loss, "windows": int(count), "eval_length": CHARLM.eval_length}


def temperature_samples(
    predictor, prime: str, temperatures=(0.0, 0.5, 0.8, 1.0, 1.3), length: int = 240, top_k: int = 0, seed: int = 0
) -> pd.DataFrame:
    """The same prime continued at several temperatures: columns temperature, text, mean_probability."""
    rows = []
    for temperature in temperatures:
        run = predictor.stream(prime, length, temperature, top_k, seed)
        text = "".join(run)
        mean_p = float(np.mean([s["probability"] for s in run.steps])) if run.steps else float("nan")
        rows.append({"temperature": float(temperature), "text": text, "mean_probability": mean_p})
    return pd.DataFrame(rows)


def generation_speed(predictors: dict, length: int = 2000, repeats: int = 3, prime: str = "ROMEO:\n") -> dict:
    """Characters per second of stateful generation per model (best of `repeats`, after a warm-up)."""
    speed = {}
    for name, predictor in predictors.items():
        predictor.generate(prime, 64, 0.8, 0, 0)  # trace once
        best = float("inf")
        for seed in range(repeats):
            start = time.perf_counter()
            predictor.generate(prime, length, 0.8, 0, seed)
            best = min(best, time.perf_counter() - start)
        speed[name] = round(length / best, 1)
    return speed


def generation_steps_table(steps: list[dict], max_steps: int | None = 120) -> pd.DataFrame:
    """A GenerationRun's per-character record as a tidy table (the first `max_steps` characters).

    Columns step, chosen, rank (1 = most likely), candidate, probability, entropy (nats),
    surprise (-log p of the chosen character, nats).
    """
    rows = []
    for record in steps[:max_steps] if max_steps else steps:
        surprise = float(-np.log(max(record["probability"], 1e-12)))
        for rank, (candidate, probability) in enumerate(record["top"], start=1):
            rows.append(
                {
                    "step": record["step"],
                    "chosen": record["char"],
                    "rank": rank,
                    "candidate": candidate,
                    "probability": probability,
                    "entropy": record["entropy"],
                    "surprise": surprise,
                }
            )
    return pd.DataFrame(rows, columns=["step", "chosen", "rank", "candidate", "probability", "entropy", "surprise"])


def read_table(readings: dict) -> pd.DataFrame:
    """Per-character readings of several models (`CharPredictor.read`) as one table.

    readings: model -> list of dicts. Columns model, position, char, known, probability, loss.
    """
    rows = [{"model": name, "position": i, **row} for name, rows_ in readings.items() for i, row in enumerate(rows_)]
    return pd.DataFrame(rows, columns=["model", "position", "char", "known", "probability", "loss"])
