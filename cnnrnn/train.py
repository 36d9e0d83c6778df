"""Training: writes the shipped weights in `weights/` and their manifest.

`train_mnist` trains cnn_fixed, cnn_gap and rnn_rows on MNIST's training images
(minus a seeded validation split) with the same augmentation, evaluates them on
the 10,000 test images, measures accuracy against input resolution, and
records everything needed to reproduce the run in `weights/manifest.json`.
"""

from __future__ import annotations

import json
import platform
import time
from datetime import datetime, timezone
from pathlib import Path
from typing import Callable

import numpy as np

WEIGHTS_DIR = Path(__file__).resolve().parent / "weights"
MANIFEST = "manifest.json"


def read_manifest(weights_dir: Path = WEIGHTS_DIR) -> dict:
    """The manifest as a dict ({} when there is none). Imports no TensorFlow."""
    path = Path(weights_dir) / MANIFEST
    if not path.is_file():
        return {}
    return json.loads(path.read_text(encoding="utf-8"))


def update_manifest(task: str, entry: dict, weights_dir: Path = WEIGHTS_DIR) -> Path:
    """Replace the manifest's section for `task`, keeping the other tasks'."""
    weights_dir = Path(weights_dir)
    weights_dir.mkdir(parents=True, exist_ok=True)
    manifest = read_manifest(weights_dir)
    manifest[task] = entry
    path = weights_dir / MANIFEST
    path.write_text(json.dumps(manifest, indent=2, sort_keys=True) + "\n", encoding="utf-8")
    return path


def library_versions() -> dict:
    import keras
    import tensorflow as tf

    return {"python": platform.python_version(), "tensorflow": tf.__version__,
            "keras": keras.__version__, "numpy": np.__version__}


class _Progress:
    """Keras callback forwarding epoch ends to a plain function."""

    def __new__(cls, model_name: str, on_epoch: Callable[[str, int, dict], None]):
        import keras

        class Callback(keras.callbacks.Callback):
            def on_epoch_end(self, epoch, logs=None):
                on_epoch(model_name, epoch, dict(logs or {}))

        return Callback()


def _dataset(x, y, config, name: str, training: bool):
    """tf.data pipeline: scale to [0, 1], augment, and rescale per batch for size-free models."""
    import tensorflow as tf

    from cnnrnn.models import build_augmenter

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
    import keras

    from cnnrnn.models import build_model

    keras.utils.set_random_seed(config.seed)
    model = build_model(name, config)
    steps = int(np.ceil(len(splits.x_train) / config.batch_size)) * config.epochs
    schedule = keras.optimizers.schedules.CosineDecay(config.learning_rate, max(steps, 1))
    model.compile(optimizer=keras.optimizers.Adam(schedule),
                  loss="sparse_categorical_crossentropy", metrics=["accuracy"])
    callbacks = [_Progress(name, on_epoch)] if on_epoch else []
    start = time.perf_counter()
    history = model.fit(
        _dataset(splits.x_train, splits.y_train, config, name, training=True),
        validation_data=_dataset(splits.x_val, splits.y_val, config, name, training=False),
        epochs=config.epochs, callbacks=callbacks, verbose=0,
    )
    return model, time.perf_counter() - start, {k: [float(v) for v in vals] for k, vals in history.history.items()}


def train_mnist(config, weights_dir: Path = WEIGHTS_DIR, on_epoch=None, log=print) -> dict:
    """Train the three image models, save them and their manifest entry; return the entry."""
    from cnnrnn.data import load_mnist
    from cnnrnn.experiments import resolution_sweep
    from cnnrnn.inference import ImagePredictor
    from cnnrnn.models import MODEL_NAMES

    weights_dir = Path(weights_dir)
    weights_dir.mkdir(parents=True, exist_ok=True)
    splits = load_mnist(config.val_size, config.seed, config.max_train, config.max_test)
    x_test = splits.x_test.astype(np.float32) / 255.0
    entry = {"task": "mnist", "data": {"file": Path(splits.source).name, "sha256": splits.sha256,
                                       "train_size": int(len(splits.x_train)), "val_size": int(len(splits.x_val)),
                                       "test_size": int(len(splits.x_test))},
             "config": {k: v for k, v in vars(config).items()}, "models": {}}
    predictors = {}
    for name in MODEL_NAMES:
        log(f"training {name} for {config.epochs} epochs on {len(splits.x_train)} images")
        model, seconds, history = train_image_model(name, splits, config, on_epoch)
        predictor = ImagePredictor(model)
        accuracy = float(np.mean(predictor.predict_batches(x_test).argmax(1) == splits.y_test))
        path = weights_dir / f"mnist_{name}.keras"
        model.save(path)
        predictors[name] = predictor
        entry["models"][name] = {"file": path.name, "test_accuracy": accuracy, "params": int(model.count_params()),
                                 "train_seconds": round(seconds, 1), "bytes": path.stat().st_size,
                                 "val_accuracy": history.get("val_accuracy", [None])[-1], "history": history}
        log(f"{name}: test accuracy {accuracy:.4f} in {seconds:.0f}s")
    sweep = resolution_sweep(predictors, x_test, splits.y_test, config.sweep_sizes)
    entry["resolution_sweep"] = sweep.to_dict(orient="records")
    entry["versions"] = library_versions()
    entry["trained_at"] = datetime.now(timezone.utc).isoformat(timespec="seconds")
    entry["command"] = "python -m cnnrnn train mnist"
    update_manifest("mnist", entry, weights_dir)
    return entry
