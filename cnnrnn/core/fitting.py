"""What the hand-written training loops share: progress callbacks, keep-best, held-out checks, warm-up and cosine,
limits.

Each task's `train.py` builds its own loop from these; nothing here knows a task.
"""

from __future__ import annotations

import json
import math
import time
from collections.abc import Callable
from pathlib import Path

import keras
import numpy as np


def epoch_callback(model_name: str, on_epoch: Callable[[str, int, dict], None]) -> keras.callbacks.Callback:
    """A Keras callback forwarding each epoch's end to on_epoch(model_name, epoch, logs)."""

    class EpochProgress(keras.callbacks.Callback):
        def on_epoch_end(self, epoch, logs=None):
            on_epoch(model_name, epoch, dict(logs or {}))

    return EpochProgress()


def warmup_cosine(peak: float, step: int, warmup_steps: int, final_fraction: float, progress: float) -> float:
    """Linear warm-up over `warmup_steps`, then a cosine from `peak` down to final_fraction * peak.

    `progress` (0..1) is how far the run is (the larger of its step and time fractions, so a run
    cut short by its time limit still ends at the low learning rate).
    """
    if step < warmup_steps:
        return peak * (step + 1) / warmup_steps
    floor = peak * final_fraction
    return floor + 0.5 * (peak - floor) * (1.0 + math.cos(math.pi * min(max(progress, 0.0), 1.0)))


class KeepBest:
    """The best score seen and a copy of the weights that made it; `restore` puts them back.

    higher: True when a larger score is better (accuracy), False for a loss.
    """

    def __init__(self, higher: bool = True):
        self.higher = higher
        self.score = -math.inf if higher else math.inf
        self.at = 0  # the step or epoch of the best score
        self.weights = None

    def update(self, score: float, model: keras.Model, at: int) -> bool:
        """Record `score` reached at `at`; keep the model's weights when it is the best yet. True when kept."""
        better = score > self.score if self.higher else score < self.score
        if better:
            self.score, self.at, self.weights = score, at, [w.copy() for w in model.get_weights()]
        return better

    @property
    def found(self) -> bool:
        return self.weights is not None

    def restore(self, model: keras.Model) -> None:
        """Set the model to the best weights seen (nothing when none were kept)."""
        if self.weights is not None:
            model.set_weights(self.weights)


class HeldOutLoss:
    """A hand-written loop's held-out checks: each loss recorded in `history` ("val_steps", "val_loss"), the weights
    of the lowest kept (`best`, a KeepBest), and after the loop the last weights judged and the best put back.

    score() -> the held-out loss of the model's weights now, or None when there is nothing to judge (no check is
    recorded). on_check(loss), when given, is called after each recorded check, the last one included.
    """

    def __init__(
        self,
        model: keras.Model,
        score: Callable[[], float | None],
        history: dict,
        on_check: Callable[[float], None] | None = None,
    ):
        self.model, self.score, self.history, self.on_check = model, score, history, on_check
        self.best = KeepBest(higher=False)

    def check(self, step: int) -> float | None:
        """Judge the weights at `step`: the loss (None when nothing was judged)."""
        value = self.score()
        if value is None:
            return None
        self.history["val_steps"].append(step)
        self.history["val_loss"].append(round(value, 5))
        self.best.update(value, self.model, step)
        if self.on_check:
            self.on_check(value)
        return value

    def finish(self, step: int) -> None:
        """After the loop: judge the last weights when the loop stopped between two checks, then restore the best."""
        if step > 0 and self.history["val_steps"][-1:] != [step]:
            self.check(step)
        self.best.restore(self.model)


class Limits:
    """A run's clock, time limit and stop test: why it should stop now, or None.

    time_limit: seconds (None or 0: none); should_stop: a function returning True when the
    user pressed Stop.
    """

    def __init__(self, time_limit: float | None = None, should_stop: Callable[[], bool] | None = None):
        self.time_limit = time_limit
        self.should_stop = should_stop
        self.start = time.perf_counter()

    def elapsed(self) -> float:
        return time.perf_counter() - self.start

    def progress(self, fraction: float) -> float:
        """The larger of `fraction` (steps done / steps) and the share of the time limit used."""
        return max(fraction, self.elapsed() / self.time_limit) if self.time_limit else fraction

    def reason(self) -> str | None:
        """ "time limit", "stopped" (the stop test said so) or None to go on."""
        if self.time_limit and self.elapsed() >= self.time_limit:
            return "time limit"
        if self.should_stop and self.should_stop():
            return "stopped"
        return None


class LocalSeeds:
    """Seeds for one model's layers, drawn from its own `np.random.default_rng(seed)`: no global generator moves.

    Keras's default initializers and dropout layers draw their seeds from Python's global
    `random` module; a server that builds a model for one visitor must not move another
    visitor's draws, so the live models take their initializers from here. With seed None,
    `initializer(name)` returns the plain name (Keras's own default, seeded globally by the
    command line's `keras.utils.set_random_seed`) and `next()` returns None.
    """

    _CLASSES = {
        "glorot_uniform": keras.initializers.GlorotUniform,
        "orthogonal": keras.initializers.Orthogonal,
        "uniform": lambda seed: keras.initializers.RandomUniform(-0.05, 0.05, seed=seed),
    }

    def __init__(self, seed: int | None):
        self.rng = None if seed is None else np.random.default_rng(seed)

    def next(self) -> int | None:
        """A fresh integer seed (None when unseeded)."""
        return None if self.rng is None else int(self.rng.integers(1, 2**31 - 1))

    def initializer(self, name: str):
        """Keras's initializer `name` ("glorot_uniform", "orthogonal", "uniform"), seeded from this generator."""
        if self.rng is None:
            return name
        return self._CLASSES[name](seed=self.next())


def steps_per_epoch(examples: int, batch_size: int) -> int:
    """Optimizer steps in one epoch over `examples` training examples (the last batch may be short)."""
    return -(-int(examples) // int(batch_size))


class Checkpoint:
    """A training run's weights, optimizer state and progress in its folder (`checkpoint.npz` and `checkpoint.json`,
    each replaced whole), so that a run stopped part-way resumes where it was: `state()` says how far it got,
    `restore(model)` puts its weights and its optimizer's moments and step count back, `clear()` removes both once
    the run has finished."""

    def __init__(self, folder):
        folder = Path(folder)
        self.arrays, self.progress = folder / "checkpoint.npz", folder / "checkpoint.json"

    def state(self) -> dict | None:
        """The progress saved with the last checkpoint, or None when there is none."""
        if not (self.arrays.is_file() and self.progress.is_file()):
            return None
        return json.loads(self.progress.read_text(encoding="utf-8"))

    def save(self, model, state: dict) -> None:
        weights = model.get_weights()
        optimizer = [np.asarray(v) for v in model.optimizer.variables]
        tmp = self.arrays.with_suffix(".tmp.npz")
        np.savez(tmp, **{f"w{i}": w for i, w in enumerate(weights)}, **{f"o{i}": o for i, o in enumerate(optimizer)})
        tmp.replace(self.arrays)
        text = json.dumps({**state, "weights": len(weights), "optimizer": len(optimizer)})
        tmp = self.progress.with_suffix(".tmp.json")
        tmp.write_text(text, encoding="utf-8")
        tmp.replace(self.progress)

    def restore(self, model) -> None:
        """Weights and optimizer state into `model` (compiled as it was when saved: the same trainable layers)."""
        state = self.state()
        data = np.load(self.arrays)
        model.set_weights([data[f"w{i}"] for i in range(state["weights"])])
        model.optimizer.build(model.trainable_variables)
        for i, variable in enumerate(model.optimizer.variables):
            variable.assign(data[f"o{i}"])

    def clear(self) -> None:
        for path in (self.arrays, self.progress):
            path.unlink(missing_ok=True)
