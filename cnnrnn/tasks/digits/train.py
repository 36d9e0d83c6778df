"""Training: writes the image models' weights in `weights/` and their manifest section.

`train_mnist` trains cnn_fixed, cnn_gap and rnn_rows under the fair-fight protocol (`digits_protocol`: the same
steps of the same number of images, each model's rate from the same grid, several seeds; `digits_fit` runs one of
them, checkpointed) on MNIST's training images minus a seeded validation split, with the same augmentation
(cnn_gap at many scales, `_multiscale_dataset`); the reference cnn_gap_1scale trains by its own recipe when named.
It evaluates them on the test images, measures accuracy against input resolution, and records everything needed to
reproduce the run in `weights/manifest.json`.
"""

from __future__ import annotations

import math
import time
from dataclasses import replace
from pathlib import Path

import keras
import numpy as np
import tensorflow as tf

from cnnrnn.core.fitting import Checkpoint, epoch_callback, steps_per_epoch
from cnnrnn.core.protocol import Protocol
from cnnrnn.core.seeds import RunResult, RunSpec, run_protocol, run_result, ship, shipped_fields
from cnnrnn.core.weights import WEIGHTS_DIR, library_versions, read_manifest, update_manifest, utc_now
from cnnrnn.tasks.digits.config import DIGITS_PAIRS, MODEL_NAMES, SHIPPED_NAMES
from cnnrnn.tasks.digits.data import load_mnist, scaled
from cnnrnn.tasks.digits.experiments import accuracy_of, resolution_sweep
from cnnrnn.tasks.digits.model import ImagePredictor, build_augmenter, build_model, resize_batch
from cnnrnn.tasks.digits.predict import TASK, load_predictors, weight_file, weights_present


def _stroke(config):
    """Per image: thicken (2x2 max filter), thin (2x2 min filter) or keep the strokes."""

    def stroke(a):
        thick = tf.nn.max_pool2d(a, 2, 1, "SAME")
        thin = -tf.nn.max_pool2d(-a, 2, 1, "SAME")
        pick = tf.random.uniform([tf.shape(a)[0], 1, 1, 1])
        return tf.where(pick < config.thicken, thick, tf.where(pick > 1.0 - config.thin, thin, a))

    return stroke


def _dataset(x, y, config, name: str, training: bool):
    """tf.data pipeline: scale to [0, 1], augment, and rescale per batch for size-free models."""
    ds = tf.data.Dataset.from_tensor_slices((x[..., None], y))
    if training:
        ds = ds.shuffle(len(x), seed=config.seed, reshuffle_each_iteration=True)
    ds = ds.batch(config.batch_size)
    ds = ds.map(lambda a, b: (tf.cast(a, tf.float32) / 255.0, b), num_parallel_calls=tf.data.AUTOTUNE)
    if not training:
        return ds.prefetch(tf.data.AUTOTUNE)
    augment = build_augmenter(config)
    sizes = tf.constant(config.rescale_sizes, tf.int32)
    native = config.image_size

    stroke = _stroke(config)

    def step(a, b):
        a = stroke(augment(a, training=True))
        if name != "cnn_fixed":
            side = sizes[tf.random.uniform([], 0, len(config.rescale_sizes), tf.int32)]
            width = side if name == "cnn_gap" else native
            a = tf.image.resize(a, (side, width), antialias=True)
        return tf.clip_by_value(a, 0.0, 1.0), b

    return ds.map(step, num_parallel_calls=tf.data.AUTOTUNE).prefetch(tf.data.AUTOTUNE)


def _multiscale_dataset(x, y, config):
    """Endless training batches for cnn_gap: augmented at 28 px, then resized to a random side.

    Each batch's side is drawn log-uniformly from `config.scale_range` (or is 28, for a
    `native_share` of the batches); it holds
    pixel_budget // side**2 images (8 to max_batch), so every step costs about the same.
    """
    lo, hi = config.scale_range
    augment = build_augmenter(config)
    stroke = _stroke(config)

    def step(a, b):
        a = stroke(augment(tf.cast(a, tf.float32) / 255.0, training=True))
        side = tf.cast(tf.round(tf.exp(tf.random.uniform([], math.log(lo), math.log(hi)))), tf.int32)
        side = tf.where(tf.random.uniform([]) < config.native_share, config.image_size, side)
        count = tf.clip_by_value(config.pixel_budget // (side * side), 8, config.max_batch)
        a = tf.image.resize(a[:count], (side, side), antialias=True)
        return tf.clip_by_value(a, 0.0, 1.0), b[:count]

    ds = tf.data.Dataset.from_tensor_slices((x[..., None], y))
    ds = ds.shuffle(len(x), seed=config.seed, reshuffle_each_iteration=True).repeat()
    ds = ds.batch(config.max_batch, drop_remainder=len(x) >= config.max_batch)
    return ds.map(step, num_parallel_calls=tf.data.AUTOTUNE).prefetch(tf.data.AUTOTUNE)


class _WarmupCosine(keras.optimizers.schedules.LearningRateSchedule):
    def __init__(self, peak, warmup, steps):
        self.peak, self.warmup, self.steps = peak, warmup, steps

    def __call__(self, step):
        step = tf.cast(step, tf.float32)
        warm = self.peak * (step + 1.0) / self.warmup
        progress = tf.clip_by_value((step - self.warmup) / max(self.steps - self.warmup, 1), 0.0, 1.0)
        return tf.where(step < self.warmup, warm, 0.5 * self.peak * (1.0 + tf.cos(math.pi * progress)))

    def get_config(self):
        return {"peak": self.peak, "warmup": self.warmup, "steps": self.steps}


class _Offset(keras.optimizers.schedules.LearningRateSchedule):
    """`schedule` from step `offset` on (for an optimizer created part-way through a run)."""

    def __init__(self, schedule, offset):
        self.schedule, self.offset = schedule, offset

    def __call__(self, step):
        return self.schedule(tf.cast(step, tf.float32) + self.offset)


def scale_accuracy(predictor, images, labels, sizes) -> dict[int, float]:
    """Accuracy at each side of (n, 28, 28) images resampled to it: side -> fraction."""
    out = {}
    for size in sizes:
        resized = resize_batch(images, size, size) if size != images.shape[1] else images
        probs = predictor.predict_batches(resized, max(8, 100_000 // (size * size)))
        out[int(size)] = float(np.mean(probs.argmax(axis=1) == labels))
    return out


def train_image_model(name: str, splits, config, on_epoch=None, log=print):
    """Train the reference model (cnn_gap_1scale) by its own recipe; returns (model, seconds, history dict)."""
    if name in MODEL_NAMES:
        raise ValueError(f"{name} trains under the fair-fight protocol (digits_fit), not by its own recipe")
    keras.utils.set_random_seed(config.seed)
    model = build_model(name, config)
    steps = int(np.ceil(len(splits.x_train) / config.batch_size)) * config.epochs
    schedule = keras.optimizers.schedules.CosineDecay(config.learning_rate, max(steps, 1))
    model.compile(
        optimizer=keras.optimizers.Adam(schedule), loss="sparse_categorical_crossentropy", metrics=["accuracy"]
    )
    callbacks = [epoch_callback(name, on_epoch)] if on_epoch else []
    start = time.perf_counter()
    history = model.fit(
        _dataset(splits.x_train, splits.y_train, config, name, training=True),
        validation_data=_dataset(splits.x_val, splits.y_val, config, name, training=False),
        epochs=config.epochs,
        callbacks=callbacks,
        verbose=0,
    )
    return model, time.perf_counter() - start, {k: [float(v) for v in vals] for k, vals in history.history.items()}


def digits_protocol(config, train_size: int, models=None) -> Protocol:
    """The image task's fair-fight protocol for `config` on `train_size` training images: the same steps of
    `batch_size` images for every compared model (cnn_gap: the same pixels per step, at many sides)."""
    steps = steps_per_epoch(train_size, config.batch_size) * config.epochs
    names = set(models or MODEL_NAMES)
    cut = max(1, int(round(steps * config.reduced_share)))
    return Protocol(
        metric="test_accuracy",
        val_metric="val_accuracy",
        higher_is_better=True,
        steps=steps,
        batch_size=config.batch_size,
        lr_grid=tuple(config.lr_grid),
        label="test accuracy",
        unit="images",
        seeds=config.seeds,
        grid_steps=max(1, int(round(steps * config.grid_share))),
        reduced={name: cut for name in config.reduced if name in names},
        pairs=tuple(pair for pair in DIGITS_PAIRS if set(pair) <= names),
    )


def _stream(name: str, splits, config):
    """Endless augmented training batches for `name` (its own recipe: 28 px for cnn_fixed, random row counts for
    rnn_rows, random sides at a fixed pixel budget for cnn_gap), shuffled by `config.seed`."""
    if name == "cnn_gap":
        return iter(_multiscale_dataset(splits.x_train, splits.y_train, config))
    return iter(_dataset(splits.x_train, splits.y_train, config, name, training=True).repeat())


def _freeze_batch_norm(model, optimizer):
    for layer in model.layers:
        if isinstance(layer, keras.layers.BatchNormalization):
            layer.trainable = False  # Keras 3: a frozen BatchNormalization runs in inference mode
    model.compile(optimizer=optimizer, loss="sparse_categorical_crossentropy", metrics=["accuracy"])


class _DigitsRun:
    """One protocol run of an image model, resumable: weights, optimizer state and history are checkpointed in the
    run's folder every `config.checkpoint_seconds` of CPU time (a resumed run draws fresh batches from a seed that
    depends on the step it resumes at, so it is not bit-identical to an unbroken one)."""

    def __init__(self, spec: RunSpec, splits, config):
        self.spec, self.splits = spec, splits
        self.config = replace(config, seed=spec.seed, learning_rate=spec.lr)
        self.steps = spec.steps
        warmup = min(config.scale_warmup, max(1, spec.steps // 10)) if spec.model == "cnn_gap" else 0
        self.schedule = _WarmupCosine(spec.lr, warmup, spec.steps)
        self.freeze_at = int(round(config.scale_freeze_at * spec.steps)) if spec.model == "cnn_gap" else -1
        keras.utils.set_random_seed(spec.seed)
        self.model = build_model(spec.model, self.config)
        self.model.compile(
            optimizer=keras.optimizers.Adam(self.schedule), loss="sparse_categorical_crossentropy", metrics=["accuracy"]
        )
        self.done, self.cpu, self.seconds, self.history = 0, 0.0, 0.0, []
        self.frozen = False
        self.saved = Checkpoint(spec.folder)
        self._resume()

    # -- checkpoints (cnnrnn.core.fitting.Checkpoint, in the run's folder)
    def _freeze(self):
        _freeze_batch_norm(self.model, keras.optimizers.Adam(_Offset(self.schedule, self.freeze_at)))
        self.frozen = True

    def _resume(self):
        saved = self.saved.state()
        if saved is None:
            return
        if saved["frozen"]:
            self._freeze()
        self.saved.restore(self.model)
        self.done, self.cpu, self.seconds = saved["done"], saved["cpu"], saved["seconds"]
        self.history = saved["history"]

    def checkpoint(self):
        state = {"done": self.done, "cpu": self.cpu, "seconds": self.seconds, "frozen": self.frozen}
        self.saved.save(self.model, {**state, "history": self.history})

    # -- training
    def validation(self) -> float:
        x_val = scaled(self.splits.x_val)
        return accuracy_of({self.spec.model: ImagePredictor(self.model)}, x_val, self.splits.y_val)[self.spec.model]

    def train(self, eval_every: int, log=print):
        data = _stream(self.spec.model, self.splits, replace(self.config, seed=self.spec.seed * 100_003 + self.done))
        last = self.cpu
        while self.done < self.steps:
            n = min(eval_every - self.done % eval_every, self.steps - self.done)
            cpu0, wall0 = time.process_time(), time.perf_counter()
            logs = {}
            for _ in range(n):
                if self.done == self.freeze_at and not self.frozen:
                    self._freeze()
                a, b = next(data)
                logs = self.model.train_on_batch(a, b, return_dict=True)
                self.done += 1
            self.cpu += time.process_time() - cpu0
            self.seconds += time.perf_counter() - wall0
            val = self.validation()
            loss = float(logs["loss"])
            point = {"step": self.done, "seconds": round(self.cpu, 2), "val_metric": round(val, 6), "loss": loss}
            self.history.append(point)
            if self.done < self.steps and self.cpu - last >= self.config.checkpoint_seconds:
                self.checkpoint()
                last = self.cpu
            log(f"    {self.spec.label}: step {self.done:,} loss {loss:.4f} val {val:.4f} ({self.cpu:.0f} CPU s)")

    def clean_model(self):
        """A copy to save: nothing frozen, and an optimizer the safe loader knows."""
        clean = build_model(self.spec.model, self.config)
        clean.set_weights(self.model.get_weights())
        clean.compile(optimizer="adam", loss="sparse_categorical_crossentropy", metrics=["accuracy"])
        return clean


def digits_fit(splits, config, log=print):
    """The protocol's fit(spec) for the image models: trained from scratch at the spec's rate and seed for its
    steps (cosine decay to zero over them), validated at 28 px every epoch, tested on the test images at 28 px."""
    x_test = scaled(splits.x_test)
    eval_every = config.eval_every or steps_per_epoch(len(splits.x_train), config.batch_size)

    def fit(spec: RunSpec) -> RunResult:
        run = _DigitsRun(spec, splits, config)
        run.train(eval_every, log)
        model = run.clean_model()
        correct = ImagePredictor(model).predict_batches(x_test, 500).argmax(axis=1) == splits.y_test
        model.save(spec.folder / "model.keras")
        extra = {}
        if spec.model == "cnn_gap":
            n = config.scale_eval_images
            by_size = scale_accuracy(
                ImagePredictor(model), scaled(splits.x_val[:n]), splits.y_val[:n], config.scale_eval_sizes
            )
            extra["val_by_size"] = {str(side): round(value, 4) for side, value in by_size.items()}
            log(f"    {spec.label}: validation by side " + " ".join(f"{k}:{v:.3f}" for k, v in by_size.items()))
        return run_result(run, spec, np.mean(correct), model.count_params(), correct, extra)

    return fit


def train_mnist(config, weights_dir: Path = WEIGHTS_DIR, on_epoch=None, log=print, models=None, seeds=None) -> dict:
    """Train the image models, save them, update the manifest; returns the entry.

    The compared models (MODEL_NAMES, or those of them `models` names) train under the fair-fight protocol
    (`digits_protocol`; every run kept in the runs folder, so the same command continues) and their median seed by
    validation accuracy is shipped. The reference model cnn_gap_1scale trains by its own recipe only when named.
    Models not retrained keep their manifest record. Once every weight file exists, the accuracy-vs-resolution
    table is recomputed from them.
    """
    weights_dir = Path(weights_dir)
    weights_dir.mkdir(parents=True, exist_ok=True)
    splits = load_mnist(config.val_size, config.seed, config.max_train, config.max_test)
    x_test = scaled(splits.x_test)
    wanted = list(models or MODEL_NAMES)
    compared = [name for name in wanted if name in MODEL_NAMES]
    trained = {}
    if compared:
        protocol = digits_protocol(config, len(splits.x_train), compared)
        result = run_protocol(TASK, protocol, compared, digits_fit(splits, config, log), weights_dir, seeds, log)
        for name in compared:
            fields = result["models"][name]
            path = ship(result["shipped"][name], weights_dir / weight_file(name))
            trained[name] = {
                **shipped_fields(fields, path),
                "test_accuracy": round(fields["metric"], 4),
                "val_accuracy": fields["val_metric"],
                "config": {**dict(vars(config)), "learning_rate": fields["lr"]},
                **({"seen": None} if name == "cnn_gap" else {}),  # its steps hold a varying number of images
                "versions": library_versions(),
            }
            log(
                f"mnist {name}: test accuracy {fields['metric_mean']:.4f} over {fields['spread_seeds']} "
                f"seed{'s' if fields['spread_seeds'] != 1 else ''} at "
                f"{fields['spread_steps']:,} steps, "
                f"shipped seed {fields['shipped_seed']} ({fields['metric']:.4f}, {fields['cpu_seconds']:.0f} CPU s)"
            )
    for name in wanted:
        if name in MODEL_NAMES:
            continue
        log(f"training {name} for {config.epochs} epochs on {len(splits.x_train)} images (its own recipe)")
        model, seconds, history = train_image_model(name, splits, config, on_epoch, log)
        accuracy = accuracy_of({name: ImagePredictor(model)}, x_test, splits.y_test)[name]
        path = weights_dir / weight_file(name)
        model.save(path)
        trained[name] = {
            "file": path.name,
            "test_accuracy": accuracy,
            "params": int(model.count_params()),
            "train_seconds": round(seconds, 1),
            "bytes": path.stat().st_size,
            "val_accuracy": (
                history["val_accuracy"][-1] if "val_accuracy" in history else max(history["val_worst"], default=None)
            ),
            "history": history,
            "config": dict(vars(config)),
            "versions": library_versions(),
            "trained_at": utc_now(),
        }
        log(f"{name}: test accuracy {accuracy:.4f} in {seconds:.0f}s")
    # Read the manifest only now: another run may have finished meanwhile.
    entry = read_manifest(weights_dir).get(TASK, {})
    if compared:
        entry["protocol"] = result["protocol"]
        entry["comparisons"] = result["comparisons"]
        entry["protocol_cpu_seconds"] = result["cpu_seconds"]
    entry.update(
        {
            "task": TASK,
            "command": f"python -m cnnrnn train {TASK}",
            "data": {
                "file": Path(splits.source).name,
                "sha256": splits.sha256,
                "train_size": int(len(splits.x_train)),
                "val_size": int(len(splits.x_val)),
                "test_size": int(len(splits.x_test)),
                "seed": config.seed,
            },
        }
    )
    entry["models"] = {**entry.get("models", {}), **trained}
    if weights_present(weights_dir):
        entry["resolution_sweep"] = resolution_sweep(
            load_predictors(weights_dir, SHIPPED_NAMES), x_test, splits.y_test, config.sweep_sizes
        ).to_dict(orient="records")
    update_manifest(TASK, entry, weights_dir)
    return entry
