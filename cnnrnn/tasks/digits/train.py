"""Training: writes the three image models' weights in `weights/` and their manifest section.

`train_mnist` trains cnn_fixed, cnn_gap and rnn_rows on MNIST's training images
(minus a seeded validation split) with the same augmentation, evaluates them on
the test images, measures accuracy against input resolution, and records
everything needed to reproduce the run in `weights/manifest.json`.
"""

from __future__ import annotations

import time
from pathlib import Path

import keras
import numpy as np
import tensorflow as tf

from cnnrnn.core.fitting import epoch_callback
from cnnrnn.core.weights import WEIGHTS_DIR, library_versions, read_manifest, update_manifest, utc_now
from cnnrnn.tasks.digits.data import load_mnist, scaled
from cnnrnn.tasks.digits.experiments import accuracy_of, resolution_sweep
from cnnrnn.tasks.digits.config import MODEL_NAMES
from cnnrnn.tasks.digits.model import ImagePredictor, build_augmenter, build_model
from cnnrnn.tasks.digits.predict import TASK, load_predictors, weight_file, weights_present


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

    def stroke(a):
        # Per image: thicken (max filter), thin (min filter) or keep the strokes.
        thick = tf.nn.max_pool2d(a, 2, 1, "SAME")
        thin = -tf.nn.max_pool2d(-a, 2, 1, "SAME")
        pick = tf.random.uniform([tf.shape(a)[0], 1, 1, 1])
        return tf.where(pick < config.thicken, thick, tf.where(pick > 1.0 - config.thin, thin, a))

    def step(a, b):
        a = stroke(augment(a, training=True))
        if name != "cnn_fixed":
            side = sizes[tf.random.uniform([], 0, len(config.rescale_sizes), tf.int32)]
            width = side if name == "cnn_gap" else native
            a = tf.image.resize(a, (side, width), antialias=True)
        return tf.clip_by_value(a, 0.0, 1.0), b

    return ds.map(step, num_parallel_calls=tf.data.AUTOTUNE).prefetch(tf.data.AUTOTUNE)


def train_image_model(name: str, splits, config, on_epoch=None):
    """Train one image model; returns (model, seconds, history dict)."""
    keras.utils.set_random_seed(config.seed)
    model = build_model(name, config)
    steps = int(np.ceil(len(splits.x_train) / config.batch_size)) * config.epochs
    schedule = keras.optimizers.schedules.CosineDecay(config.learning_rate, max(steps, 1))
    model.compile(optimizer=keras.optimizers.Adam(schedule),
                  loss="sparse_categorical_crossentropy", metrics=["accuracy"])
    callbacks = [epoch_callback(name, on_epoch)] if on_epoch else []
    start = time.perf_counter()
    history = model.fit(
        _dataset(splits.x_train, splits.y_train, config, name, training=True),
        validation_data=_dataset(splits.x_val, splits.y_val, config, name, training=False),
        epochs=config.epochs, callbacks=callbacks, verbose=0,
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
    for name in models or MODEL_NAMES:
        log(f"training {name} for {config.epochs} epochs on {len(splits.x_train)} images")
        model, seconds, history = train_image_model(name, splits, config, on_epoch)
        accuracy = accuracy_of({name: ImagePredictor(model)}, x_test, splits.y_test)[name]
        path = weights_dir / weight_file(name)
        model.save(path)
        trained[name] = {"file": path.name, "test_accuracy": accuracy, "params": int(model.count_params()),
                         "train_seconds": round(seconds, 1), "bytes": path.stat().st_size,
                         "val_accuracy": history.get("val_accuracy", [None])[-1], "history": history,
                         "config": dict(vars(config)), "versions": library_versions(),
                         "trained_at": utc_now()}
        log(f"{name}: test accuracy {accuracy:.4f} in {seconds:.0f}s")
    # Read the manifest only now: another run may have finished meanwhile.
    entry = read_manifest(weights_dir).get(TASK, {})
    entry.update({"task": TASK, "command": f"python -m cnnrnn train {TASK}",
                  "data": {"file": Path(splits.source).name, "sha256": splits.sha256,
                           "train_size": int(len(splits.x_train)), "val_size": int(len(splits.x_val)),
                           "test_size": int(len(splits.x_test)), "seed": config.seed}})
    entry["models"] = {**entry.get("models", {}), **trained}
    if weights_present(weights_dir):
        entry["resolution_sweep"] = resolution_sweep(load_predictors(weights_dir), x_test, splits.y_test,
                                                     config.sweep_sizes).to_dict(orient="records")
    update_manifest(TASK, entry, weights_dir)
    return entry
