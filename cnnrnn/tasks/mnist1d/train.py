"""Training the sequence lab's models: the shipped eight (`train_mnist1d`) and the page's live runs.

`Mnist1dRun` trains one model an epoch at a time (so two can take turns on the page) with
Keras's own `fit`, a cosine-decayed Adam and no model selection: the page's live runs score the test
signals after each epoch for the learning curve only. `train_mnist1d` trains the shipped models under the
fair-fight protocol (each rate of the grid and each seed judged on a validation split carved from the
training signals), ships each model's median seed as `mnist1d_NAME.keras`, and writes the experiment
tables and the manifest section "mnist1d".
"""

from __future__ import annotations

import time
from dataclasses import replace
from pathlib import Path

import keras
import numpy as np
import tensorflow as tf

from cnnrnn.core.fitting import steps_per_epoch
from cnnrnn.core.protocol import Protocol
from cnnrnn.core.seeds import RunResult, RunSpec, run_protocol, ship, shipped_fields
from cnnrnn.core.weights import WEIGHTS_DIR, library_versions, read_manifest, update_manifest
from cnnrnn.tasks.mnist1d.config import (
    MNIST1D,
    MNIST1D_LIVE,
    MNIST1D_LIVE_MAX_EPOCHS,
    MNIST1D_MODELS,
    MNIST1D_PAIRS,
    TASK,
    weights_file,
)
from cnnrnn.tasks.mnist1d.data import MNIST1D_ARGS, load_mnist1d, resample_signals
from cnnrnn.tasks.mnist1d.experiments import mnist1d_experiments
from cnnrnn.tasks.mnist1d.model import MNIST1D_NAMES, SignalPredictor, build_mnist1d
from cnnrnn.tasks.mnist1d.predict import load_mnist1d_predictors


def mnist1d_batches(x: np.ndarray, y: np.ndarray, batch_size: int, rng: np.random.Generator, lengths=None):
    """One epoch of shuffled (signals float32 (b, L), labels int64 (b,)) batches as a tf.data pipeline.

    With `lengths`, each batch is resampled to one of them, drawn at random.
    """
    order = rng.permutation(len(x))
    if not lengths:  # one length: slices of the permuted arrays, no Python in the loop
        ds = tf.data.Dataset.from_tensor_slices((np.asarray(x, np.float32)[order], np.asarray(y, np.int64)[order]))
        return ds.batch(batch_size).prefetch(2)
    chunks = [order[i : i + batch_size] for i in range(0, len(order), batch_size)]
    picks = rng.choice(lengths, len(chunks))

    def batches():
        for rows, length in zip(chunks, picks):
            yield resample_signals(x[rows], int(length)), y[rows]

    spec = (tf.TensorSpec((None, None), tf.float32), tf.TensorSpec((None,), tf.int64))
    ds = tf.data.Dataset.from_generator(batches, output_signature=spec)
    return ds.apply(tf.data.experimental.assert_cardinality(len(chunks))).prefetch(2)


class Mnist1dRun:
    """One MNIST-1D model being trained, an epoch at a time (so two can take turns on the page).

    kind: "logreg", "mlp", "cnn" or "gru"; splits: data.Mnist1dSplits.
    `epochs` and `learning_rate` default to the config's (the GRU has its own
    epoch count). After each `train_epoch()` the test signals are scored, for the
    learning curve only: nothing is selected on them. `history` holds epoch,
    loss, accuracy (training), test_accuracy and seconds (training time so far,
    scoring excluded). With `validation` (signals, labels) each epoch is judged on those instead
    ("val_accuracy") and the test signals are left for the end. `live=True` (the page's runs) seeds the
    model's own initializers from config.seed instead of calling `keras.utils.set_random_seed` (the
    command line's).
    """

    def __init__(
        self,
        kind: str,
        splits,
        config=None,
        *,
        epochs: int | None = None,
        learning_rate: float | None = None,
        lengths=None,
        label: str | None = None,
        live: bool = False,
        validation=None,
    ):
        self.config = config = config or MNIST1D
        self.kind, self.label = kind, label or kind
        self.epochs = int(epochs if epochs is not None else (config.gru_epochs if kind == "gru" else config.epochs))
        if self.epochs < 1:
            raise ValueError(f"epochs must be 1 or more (got {self.epochs})")
        rate = float(learning_rate if learning_rate is not None else config.learning_rate)
        if not 0 < rate <= 1:
            raise ValueError(f"the learning rate must be above 0 and at most 1 (got {rate})")
        self.lengths = tuple(lengths) if lengths else None
        if self.lengths and kind in ("logreg", "mlp"):
            raise ValueError(
                f"{kind} reads exactly {config.sequence_length} points; only cnn and gru take other lengths"
            )
        self.splits = splits
        if live:  # a server's run for one visitor: its own generators, the global ones untouched
            self.model = build_mnist1d(kind, config, seed=config.seed)
        else:  # the command line: the global seed, as the shipped files were trained
            keras.utils.set_random_seed(config.seed)
            self.model = build_mnist1d(kind, config)
        self.rng = np.random.default_rng(config.seed)
        steps = steps_per_epoch(len(splits.x_train), config.batch_size) * self.epochs
        schedule = keras.optimizers.schedules.CosineDecay(rate, max(steps, 1))
        optimizer = (
            keras.optimizers.AdamW(schedule, weight_decay=config.weight_decay)
            if config.weight_decay
            else keras.optimizers.Adam(schedule)
        )
        self.model.compile(
            optimizer=optimizer, loss="sparse_categorical_crossentropy", metrics=["accuracy"], jit_compile=False
        )
        self.predictor = SignalPredictor(self.model)
        self.validation = validation  # (signals, labels): judged after each epoch instead of the test signals
        judged = "val_accuracy" if validation is not None else "test_accuracy"
        self.history = {"epoch": [], "loss": [], "accuracy": [], judged: [], "seconds": []}
        self.seconds = 0.0  # wall time in fit
        self.cpu_seconds = 0.0  # CPU time of this process in fit (other jobs on the machine do not count)

    @property
    def epoch(self) -> int:
        return len(self.history["epoch"])

    @property
    def done(self) -> bool:
        return self.epoch >= self.epochs

    @property
    def test_accuracy(self) -> float | None:
        """The last epoch's test accuracy (None before one, and for a run judged on a validation split)."""
        return self.history["test_accuracy"][-1] if self.history.get("test_accuracy") else None

    def train_epoch(self, should_stop=None) -> dict | None:
        """Train one more epoch; returns that epoch's record (epoch, loss, accuracy, test_accuracy, seconds).

        should_stop() is asked before every batch; when it says True the epoch ends there and
        None is returned (the weights keep the batches done; the history gets no row).
        """
        if self.done:
            raise ValueError(f"{self.label} has already trained for its {self.epochs} epochs")
        batches = mnist1d_batches(
            self.splits.x_train, self.splits.y_train, self.config.batch_size, self.rng, self.lengths
        )
        stopped = []

        class BetweenBatches(keras.callbacks.Callback):
            def on_train_batch_begin(self, batch, logs=None):
                if should_stop():
                    stopped.append(batch)
                    self.model.stop_training = True  # Keras ends the epoch after this batch

        start, cpu = time.perf_counter(), time.process_time()
        logs = self.model.fit(
            batches,
            epochs=self.epoch + 1,
            initial_epoch=self.epoch,
            shuffle=False,
            verbose=0,
            callbacks=[BetweenBatches()] if should_stop else [],
        ).history
        self.seconds += time.perf_counter() - start
        self.cpu_seconds += time.process_time() - cpu
        if stopped:
            self.model.stop_training = False
            return None
        x, y = self.validation if self.validation is not None else (self.splits.x_test, self.splits.y_test)
        judged = "val_accuracy" if self.validation is not None else "test_accuracy"
        record = {
            "epoch": self.epoch + 1,
            "loss": round(float(logs["loss"][-1]), 5),
            "accuracy": round(float(logs["accuracy"][-1]), 5),
            judged: float(np.mean(self.predictor.predict_batches(x).argmax(1) == y)),
            "seconds": round(self.seconds, 2),
        }
        for key, value in record.items():
            self.history[key].append(value)
        return record

    def shipped_model(self) -> keras.Model:
        """An uncompiled copy holding the trained weights (its saved file carries no optimizer state)."""
        copy = build_mnist1d(self.kind, self.config)
        copy.set_weights(self.model.get_weights())
        return copy


def validation_split(splits, val_size: int):
    """(the splits with their last `val_size` training signals taken out, (x_val, y_val) those signals)."""
    if not 0 < val_size < len(splits.x_train):
        raise ValueError(f"the validation split needs 1 to {len(splits.x_train) - 1} signals (got {val_size})")
    cut = len(splits.x_train) - val_size
    rest = replace(splits, x_train=splits.x_train[:cut], y_train=splits.y_train[:cut])
    return rest, (splits.x_train[cut:], splits.y_train[cut:])


def mnist1d_protocol(config, train_size: int, models=None) -> Protocol:
    """The sequence lab's fair-fight protocol for `config` on `train_size` training signals (validation
    excluded): every model the same epochs of the same batch size, so the same steps and signals."""
    per_epoch = steps_per_epoch(train_size, config.batch_size)
    names = set(models or MNIST1D_MODELS)
    return Protocol(
        metric="test_accuracy",
        val_metric="val_accuracy",
        higher_is_better=True,
        steps=per_epoch * config.epochs,
        batch_size=config.batch_size,
        lr_grid=tuple(config.lr_grid),
        label="test accuracy",
        unit="signals",
        seeds=config.seeds,
        pairs=tuple(pair for pair in MNIST1D_PAIRS if set(pair) <= names),
    )


def mnist1d_fit(data: dict, config):
    """The protocol's fit(spec) for the sequence lab: one model trained from scratch at the spec's rate and seed
    for its steps (whole epochs), judged on the validation signals after every epoch and on the test signals at
    the end. Runs last seconds to a minute, so a run is the unit that resumes (no checkpoint inside one)."""

    def fit(spec: RunSpec) -> RunResult:
        kind, variant, mixed = MNIST1D_MODELS[spec.model]
        train, (x_val, y_val) = data[variant]
        per_epoch = steps_per_epoch(len(train.x_train), config.batch_size)
        if spec.steps % per_epoch:
            raise ValueError(f"{spec.steps} steps is not a whole number of epochs of {per_epoch} steps")
        run = Mnist1dRun(
            kind,
            train,
            replace(config, seed=spec.seed),
            epochs=spec.steps // per_epoch,
            learning_rate=spec.lr,
            lengths=config.mixed_lengths if mixed else None,
            label=spec.model,
            validation=(x_val, y_val),
        )
        history = []
        while not run.done:
            record = run.train_epoch()
            history.append(
                {
                    "step": record["epoch"] * per_epoch,
                    "seconds": round(run.cpu_seconds, 2),
                    "val_metric": record["val_accuracy"],
                }
            )
        correct = run.predictor.predict_batches(train.x_test).argmax(1) == train.y_test
        run.shipped_model().save(spec.folder / "model.keras")
        return RunResult(
            metric=float(np.mean(correct)),
            val_metric=history[-1]["val_metric"],
            steps=spec.steps,
            cpu_seconds=run.cpu_seconds,
            seconds=run.seconds,
            params=int(run.model.count_params()),
            history=history,
            items=correct,
            weights="model.keras",
        )

    return fit


def train_mnist1d(
    config=None, weights_dir: Path = WEIGHTS_DIR, models=None, log=print, seeds: int | None = None
) -> dict:
    """Train the MNIST-1D models (all of MNIST1D_MODELS unless `models` names some) under the fair-fight protocol,
    ship each model's median seed, run the experiments, and write the manifest section "mnist1d". Returns it.

    Every run is kept under the runs folder (cnnrnn.core.seeds): the same command continues a stopped one.
    Writes `mnist1d_NAME.keras` (uncompiled). Models not retrained keep their record; the experiment tables are
    recomputed once every file exists. `seeds` overrides the config's count.
    """
    config = config or MNIST1D
    wanted = list(models or MNIST1D_MODELS)
    unknown = sorted(set(wanted) - set(MNIST1D_MODELS))
    if unknown:
        raise ValueError(f"unknown MNIST-1D model(s) {', '.join(unknown)}; choose from {', '.join(MNIST1D_MODELS)}")
    weights_dir = Path(weights_dir)
    weights_dir.mkdir(parents=True, exist_ok=True)
    loaded = {
        variant: load_mnist1d(variant == "shuffled", config.max_train, config.max_test)
        for variant in ("normal", "shuffled")
    }
    data = {variant: validation_split(splits, config.val_size) for variant, splits in loaded.items()}
    protocol = mnist1d_protocol(config, len(data["normal"][0].x_train), wanted)
    result = run_protocol(TASK, protocol, wanted, mnist1d_fit(data, config), weights_dir, seeds=seeds, log=log)
    entry = read_manifest(weights_dir).get(TASK, {})
    trained = {}
    for name in wanted:
        kind, variant, mixed = MNIST1D_MODELS[name]
        fields = result["models"][name]
        path = ship(result["shipped"][name], weights_dir / weights_file(name))
        trained[name] = {
            **shipped_fields(fields, path),
            "kind": kind,
            "variant": variant,
            "mixed_lengths": mixed,
            "test_accuracy": round(fields["metric"], 4),
            "epochs": protocol.steps // steps_per_epoch(len(data[variant][0].x_train), config.batch_size),
        }
        log(
            f"mnist1d {name}: test accuracy {fields['metric_mean']:.4f} over {len(fields['seeds'])} seeds, "
            f"shipped seed {fields['shipped_seed']} ({fields['metric']:.4f}, {fields['cpu_seconds']:.1f} CPU s)"
        )
    train_split, (x_val, _) = data["normal"]
    entry.update(
        {
            "task": TASK,
            "command": f"python -m cnnrnn train {TASK}",
            "data": {
                "dataset": "MNIST-1D (Greydanus & Kobak, ICML 2024)",
                "source": train_split.source,
                "sha256": train_split.sha256 or None,
                "generation_args": dict(MNIST1D_ARGS),
                "train_size": int(len(train_split.x_train)),
                "validation_size": int(len(x_val)),
                "test_size": int(len(train_split.x_test)),
                "shuffled": "generated with shuffle_seq=True (one fixed permutation of the 40 points)",
            },
            "config": dict(vars(config)),
            "versions": library_versions(),
            "protocol": result["protocol"],
            "protocol_cpu_seconds": result["cpu_seconds"],  # every run of this command, the grid included
        }
    )
    entry["models"] = {
        name: record
        for name, record in {**entry.get("models", {}), **trained}.items()
        if (weights_dir / weights_file(name)).is_file()
    }
    kept = [c for c in entry.get("comparisons", []) if not ({c["a"], c["b"]} & set(wanted))]
    entry["comparisons"] = kept + result["comparisons"]
    if all((weights_dir / weights_file(name)).is_file() for name in MNIST1D_MODELS):
        log("running the mnist1d experiments (lengths, shifts, latency)")
        tables = mnist1d_experiments(load_mnist1d_predictors(weights_dir), loaded["normal"], config)
        entry["experiments"] = {key: df.to_dict(orient="records") for key, df in tables.items()}
    update_manifest(TASK, entry, weights_dir)
    return entry


def start_mnist1d_run(
    kind: str, splits, *, epochs: int, learning_rate: float, width: int, label: str | None = None, config=None
) -> Mnist1dRun:
    """A fresh Mnist1dRun for the page's live training, with the user's choices checked.

    kind: logreg, mlp, cnn or gru; width: the CNN's filters per layer, the GRU's
    units or the MLP's hidden units (ignored by logreg). ValueError with a plain
    message for a choice out of range.
    """
    if kind not in MNIST1D_NAMES:
        raise ValueError(f"unknown model {kind!r}; choose one of {', '.join(MNIST1D_NAMES)}")
    try:
        epochs, width, learning_rate = int(epochs), int(width), float(learning_rate)
    except (TypeError, ValueError, OverflowError):
        raise ValueError("epochs and width must be whole numbers and the learning rate a number") from None
    if not 1 <= epochs <= MNIST1D_LIVE_MAX_EPOCHS:
        raise ValueError(f"epochs must be between 1 and {MNIST1D_LIVE_MAX_EPOCHS} (got {epochs})")
    if not 1 <= width <= 256:
        raise ValueError(f"width must be between 1 and 256 (got {width})")
    config = config or MNIST1D_LIVE
    depth = len(config.cnn_filters)
    config = replace(config, cnn_filters=(width,) * depth, gru_units=width, mlp_units=width)
    return Mnist1dRun(kind, splits, config, epochs=epochs, learning_rate=learning_rate, label=label, live=True)
