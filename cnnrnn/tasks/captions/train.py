"""Training the captioner on generated scenes: teacher forcing, the best validation epoch kept, the manifest.

`fit_captions` trains a built model (a cosine learning rate over the larger of the step and
time fractions, greedy exact match on the validation scenes after each epoch);
`train_captions` draws the splits, trains, saves `captions_model.keras` uncompiled and
writes the manifest's "captions" section with the test tables.
"""

from __future__ import annotations

import time
from pathlib import Path

import keras
import numpy as np
import tensorflow as tf

from cnnrnn.core.fitting import KeepBest, Limits, epoch_callback, warmup_cosine
from cnnrnn.core.weights import WEIGHTS_DIR, library_versions, update_manifest, utc_now
from cnnrnn.tasks.captions.config import CAPTIONS, MODEL_NAME
from cnnrnn.tasks.captions.data import CAPTION_VOCAB, SCENE_VERSION, caption_targets, make_scenes
from cnnrnn.tasks.captions.experiments import caption_scores, captions_by_objects, captions_by_size, scene_inputs
from cnnrnn.tasks.captions.model import CaptionPredictor, build_caption_model
from cnnrnn.tasks.captions.predict import CAPTIONS_FILE


def _caption_batches(
    images: np.ndarray, inputs: np.ndarray, targets: np.ndarray, batch_size: int, seed: int, training: bool
):
    """tf.data of ((image float32 in [0, 1], tokens), targets, weights); weights are 0 on padding.

    Captions of equal length (the same number of objects) share a batch, cut to
    that length, so the LSTM does not run over padding; the batches of the
    lengths are interleaved at random.
    """
    lengths = (targets != 0).sum(axis=1)
    groups = []
    for length in np.unique(lengths):
        rows = np.flatnonzero(lengths == length)
        part = tf.data.Dataset.from_tensor_slices(
            (
                (images[rows], inputs[rows, :length]),
                targets[rows, :length],
                (targets[rows, :length] != 0).astype(np.float32),
            )
        )
        if training:
            part = part.shuffle(len(rows), seed=seed + int(length), reshuffle_each_iteration=True)
        groups.append((part.batch(batch_size), int(np.ceil(len(rows) / batch_size))))
    count = sum(n for _, n in groups)
    choice = np.concatenate([np.full(n, i, np.int64) for i, (_, n) in enumerate(groups)])
    order = tf.data.Dataset.from_tensor_slices(choice)
    if training:
        order = order.shuffle(len(choice), seed=seed, reshuffle_each_iteration=True)
    ds = tf.data.Dataset.choose_from_datasets([g for g, _ in groups], order)
    ds = ds.apply(tf.data.experimental.assert_cardinality(count))
    return ds.map(
        lambda x, y, w: ((tf.cast(x[0], tf.float32) / 255.0, x[1]), y, w), num_parallel_calls=tf.data.AUTOTUNE
    ).prefetch(tf.data.AUTOTUNE)


def fit_captions(model, train, val, config, on_epoch=None, log=print) -> dict:
    """Teacher-forced training; after each epoch, greedy exact match on `val`; keeps the best epoch's weights.

    train, val: `data.SceneSet`s. The learning rate follows a cosine from
    `learning_rate` to zero over the larger of the step and time fractions, so a
    run stopped by `time_limit` ends at a low rate. Returns the history.
    """
    x_in, x_out = caption_targets(train.captions, config.max_length)
    steps_per_epoch = int(np.ceil(len(train.images) / config.batch_size))
    total_steps = max(1, steps_per_epoch * config.epochs)
    model.compile(
        optimizer=keras.optimizers.Adam(config.learning_rate, clipnorm=1.0),
        loss=keras.losses.SparseCategoricalCrossentropy(from_logits=True),
        weighted_metrics=["accuracy"],
    )
    predictor = CaptionPredictor(model, config.max_length)
    x_val = scene_inputs(val.images)
    state = {"step": 0, "stopped": "epochs"}
    best = KeepBest(higher=True)
    history = {"loss": [], "accuracy": [], "val_exact_match": [], "val_token_accuracy": [], "seconds": []}
    limits = Limits(config.time_limit)

    class Schedule(keras.callbacks.Callback):
        def on_train_batch_begin(self, batch, logs=None):
            progress = limits.progress(state["step"] / total_steps)
            self.model.optimizer.learning_rate.assign(
                warmup_cosine(config.learning_rate, state["step"], 0, 0.0, progress)
            )

        def on_train_batch_end(self, batch, logs=None):
            state["step"] += 1
            if limits.reason() == "time limit":
                state["stopped"] = "time limit"
                self.model.stop_training = True

    def validate(name, epoch, logs):
        scores = caption_scores(predictor.greedy(x_val), val.captions)
        history["loss"].append(round(float(logs.get("loss", float("nan"))), 5))
        history["accuracy"].append(round(float(logs.get("accuracy", float("nan"))), 5))
        history["val_exact_match"].append(round(scores["exact_match"], 4))
        history["val_token_accuracy"].append(round(scores["token_accuracy"], 4))
        history["seconds"].append(round(limits.elapsed(), 1))
        best.update(scores["exact_match"] + 1e-3 * scores["token_accuracy"], model, epoch + 1)
        log(
            f"  validation after epoch {epoch + 1}: exact match {scores['exact_match']:.4f}, "
            f"token accuracy {scores['token_accuracy']:.4f} ({history['seconds'][-1]:.0f} s)"
        )
        if on_epoch:
            on_epoch(
                name,
                epoch,
                {**logs, "val_exact_match": scores["exact_match"], "val_token_accuracy": scores["token_accuracy"]},
            )

    model.fit(
        _caption_batches(train.images, x_in, x_out, config.batch_size, config.seed, True),
        epochs=config.epochs,
        callbacks=[Schedule(), epoch_callback(MODEL_NAME, validate)],
        verbose=0,
    )
    best.restore(model)
    history.update(
        best_epoch=best.at, stopped=state["stopped"], steps=state["step"], train_seconds=round(limits.elapsed(), 1)
    )
    return history


def train_captions(config=None, weights_dir: Path = WEIGHTS_DIR, on_epoch=None, log=print) -> dict:
    """Train the captioner on generated scenes; save it and the manifest section "captions".

    Writes `captions_model.keras` (uncompiled: no optimizer state) and records
    exact match and token accuracy on the test scenes (greedy and beam search),
    the tables by number of objects and by picture size, parameters, bytes,
    training time, seeds, the generator's version and the library versions.
    """
    config = config or CAPTIONS
    weights_dir = Path(weights_dir)
    weights_dir.mkdir(parents=True, exist_ok=True)
    begin = time.perf_counter()
    log(f"drawing {config.train_size:,} training, {config.val_size:,} validation and {config.test_size:,} test scenes")
    train = make_scenes(config.train_size, config.train_seed, config.image_size)
    val = make_scenes(config.val_size, config.val_seed, config.image_size)
    test = make_scenes(config.test_size, config.test_seed, config.image_size)
    log(f"  drawn in {time.perf_counter() - begin:.0f} s")
    keras.utils.set_random_seed(config.seed)
    model = build_caption_model(config)
    log(
        f"training the captioner ({model.count_params():,} parameters) for up to {config.epochs} epochs"
        + (f" or {config.time_limit:.0f} s" if config.time_limit else "")
    )
    history = fit_captions(model, train, val, config, on_epoch=on_epoch, log=log)
    shipped = build_caption_model(config)  # uncompiled: no optimizer state in the file
    shipped.set_weights(model.get_weights())
    path = weights_dir / CAPTIONS_FILE
    shipped.save(path)
    predictor = CaptionPredictor(shipped, config.max_length)
    by_objects = captions_by_objects(predictor, test, config.beam_width)
    overall = by_objects[by_objects["objects"] == "all"].set_index("decoder")
    by_size = captions_by_size(predictor, config.test_seed, config.test_size, config.sweep_sizes, config.image_size)
    entry = {
        "task": "captions",
        "command": "python -m cnnrnn train captions",
        "data": {
            "generator": f"{make_scenes.__module__}.{make_scenes.__name__}",
            "generator_version": SCENE_VERSION,
            "seeds": {"train": config.train_seed, "val": config.val_seed, "test": config.test_seed},
            "train_size": config.train_size,
            "val_size": config.val_size,
            "test_size": config.test_size,
            "image_size": config.image_size,
        },
        "vocab": list(CAPTION_VOCAB),
        "models": {
            MODEL_NAME: {
                "file": path.name,
                "exact_match": round(float(overall.loc["greedy", "exact_match"]), 4),
                "token_accuracy": round(float(overall.loc["greedy", "token_accuracy"]), 4),
                "beam_exact_match": round(float(overall.loc["beam", "exact_match"]), 4),
                "beam_token_accuracy": round(float(overall.loc["beam", "token_accuracy"]), 4),
                "beam_width": config.beam_width,
                "test_accuracy": round(float(overall.loc["greedy", "exact_match"]), 4),  # the home page's column
                "params": int(shipped.count_params()),
                "bytes": path.stat().st_size,
                "train_seconds": history["train_seconds"],
                "best_epoch": history["best_epoch"],
                "stopped": history["stopped"],
                "history": history,
                "seed": config.seed,
                "config": dict(vars(config)),
                "versions": library_versions(),
                "trained_at": utc_now(),
            }
        },
        "experiments": {
            "by_objects": by_objects.to_dict(orient="records"),
            "by_size": by_size.to_dict(orient="records"),
        },
    }
    update_manifest("captions", entry, weights_dir)
    log(
        f"captioner: test exact match {entry['models']['captioner']['exact_match']:.4f} (greedy), "
        f"{entry['models']['captioner']['beam_exact_match']:.4f} (beam) in {history['train_seconds']:.0f} s"
    )
    return entry
