"""Training: writes the image models' weights in `weights/` and their manifest section.

`train_mnist` trains cnn_fixed, cnn_gap, rnn_rows and cnn_gap_1scale on MNIST's training
images (minus a seeded validation split) with the same augmentation (cnn_gap in its own
multi-scale loop, `train_multiscale`), evaluates them on
the test images, measures accuracy against input resolution, and records
everything needed to reproduce the run in `weights/manifest.json`.
"""

from __future__ import annotations

import math
import time
from pathlib import Path

import keras
import numpy as np
import tensorflow as tf

from cnnrnn.core.fitting import KeepBest, Limits, epoch_callback
from cnnrnn.core.weights import WEIGHTS_DIR, library_versions, read_manifest, update_manifest, utc_now
from cnnrnn.tasks.digits.config import SHIPPED_NAMES, receptive_field
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


def train_multiscale(splits, config, log=print):
    """Train cnn_gap at many scales; returns (model, seconds, history dict).

    Every `scale_eval_every` steps the worst validation accuracy over `scale_eval_sizes`
    is checked and the best weights are kept; the run stops at `scale_steps` or its time limit.
    """
    keras.utils.set_random_seed(config.seed)
    model = build_model("cnn_gap", config)
    steps, every = config.scale_steps, config.scale_eval_every
    schedule = _WarmupCosine(config.learning_rate, config.scale_warmup, steps)
    model.compile(
        optimizer=keras.optimizers.Adam(schedule), loss="sparse_categorical_crossentropy", metrics=["accuracy"]
    )
    freeze_at = int(round(config.scale_freeze_at * steps))
    data = iter(_multiscale_dataset(splits.x_train, splits.y_train, config))
    x_val = scaled(splits.x_val[: config.scale_eval_images])
    y_val = splits.y_val[: config.scale_eval_images]
    best, limits = KeepBest(higher=True), Limits(config.scale_time_limit)
    history: dict[str, list] = {"step": [], "loss": [], "accuracy": [], "val_worst": [], "val_by_size": []}
    done = 0
    log(
        f"training cnn_gap for {steps} steps at sides {config.scale_range[0]}-{config.scale_range[1]} "
        f"(receptive field {receptive_field(config.gap_stages)} px)"
    )
    while done < steps:
        n = min(every, steps - done)
        logs = {}
        for _ in range(n):
            if done == freeze_at and freeze_at < steps:
                for layer in model.layers:
                    if isinstance(layer, keras.layers.BatchNormalization):
                        layer.trainable = False  # Keras 3: a frozen BatchNormalization runs in inference mode
                # A fresh optimizer for the remaining weights, continuing the schedule where it was.
                model.compile(
                    optimizer=keras.optimizers.Adam(_Offset(schedule, done)),
                    loss="sparse_categorical_crossentropy",
                    metrics=["accuracy"],
                )
                log(f"  cnn_gap step {done}: batch normalisation frozen")
            a, b = next(data)
            logs = model.train_on_batch(a, b, return_dict=True)
            done += 1
        by_size = scale_accuracy(ImagePredictor(model), x_val, y_val, config.scale_eval_sizes)
        worst = min(by_size.values())
        best.update(worst, model, done)
        for key, value in (
            ("step", done),
            ("loss", float(logs["loss"])),
            ("accuracy", float(logs["accuracy"])),
            ("val_worst", worst),
            ("val_by_size", {str(k): v for k, v in by_size.items()}),
        ):
            history[key].append(value)
        log(
            f"  cnn_gap step {done}/{steps}: loss={logs['loss']:.4f} val by side "
            + " ".join(f"{k}:{v:.3f}" for k, v in by_size.items())
            + f" ({limits.elapsed():.0f}s)"
        )
        if limits.reason():
            log(f"  cnn_gap: {limits.reason()} after {done} steps")
            break
    best.restore(model)
    history["best_step"] = best.at
    # A clean copy to save: no frozen layers, and an optimizer the safe loader knows.
    clean = build_model("cnn_gap", config)
    clean.set_weights(model.get_weights())
    clean.compile(optimizer="adam", loss="sparse_categorical_crossentropy", metrics=["accuracy"])
    return clean, limits.elapsed(), history


def train_image_model(name: str, splits, config, on_epoch=None, log=print):
    """Train one image model; returns (model, seconds, history dict)."""
    if name == "cnn_gap":
        return train_multiscale(splits, config, log)
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


def train_mnist(config, weights_dir: Path = WEIGHTS_DIR, on_epoch=None, log=print, models=None) -> dict:
    """Train the image models (all three unless `models` names some), save them, update the manifest.

    Models not retrained keep their manifest record. Once all three weight files
    exist, the accuracy-vs-resolution table is recomputed from them. Returns the entry.
    """
    weights_dir = Path(weights_dir)
    weights_dir.mkdir(parents=True, exist_ok=True)
    splits = load_mnist(config.val_size, config.seed, config.max_train, config.max_test)
    x_test = scaled(splits.x_test)
    trained = {}
    for name in models or SHIPPED_NAMES:
        if name != "cnn_gap":
            log(f"training {name} for {config.epochs} epochs on {len(splits.x_train)} images")
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
