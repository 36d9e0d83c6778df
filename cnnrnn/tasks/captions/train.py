"""Training the captioner on generated scenes under the fair-fight protocol: teacher forcing, seeds, the manifest.

`captions_fit` runs one protocol run (a cosine learning rate over its steps, greedy exact match on the validation
scenes after each epoch, checkpointed); `train_captions` draws the splits, runs the protocol, ships the median seed
as `captions_model.keras` (uncompiled) and writes the manifest's "captions" section with the test tables.
"""

from __future__ import annotations

import time
from pathlib import Path

import keras
import numpy as np
import tensorflow as tf

from cnnrnn.core.fitting import Checkpoint, steps_per_epoch, warmup_cosine
from cnnrnn.core.protocol import Protocol
from cnnrnn.core.seeds import RunResult, RunSpec, run_protocol, run_result, ship, shipped_fields
from cnnrnn.core.weights import WEIGHTS_DIR, library_versions, update_manifest
from cnnrnn.tasks.captions.config import CAPTIONS, MODEL_NAME
from cnnrnn.tasks.captions.data import CAPTION_VOCAB, SCENE_VERSION, caption_targets, make_scenes
from cnnrnn.tasks.captions.experiments import caption_scores, captions_by_objects, captions_by_size, scene_inputs
from cnnrnn.tasks.captions.model import CaptionPredictor, build_caption_model
from cnnrnn.tasks.captions.predict import CAPTIONS_FILE, load_caption_model


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


def captions_protocol(config, train_size: int) -> Protocol:
    """The captioner's protocol for `config` on `train_size` training scenes: `epochs` epochs of `batch_size` scenes,
    a learning rate from `lr_grid`, `seeds` seeds (one model: seeds and rates, no pairs)."""
    per_epoch = steps_per_epoch(train_size, config.batch_size)
    steps = per_epoch * config.epochs
    grid = max(1, round(config.epochs * config.grid_share)) * per_epoch  # whole epochs
    return Protocol(
        metric="exact_match",
        val_metric="val_exact_match",
        higher_is_better=True,
        steps=steps,
        batch_size=config.batch_size,
        lr_grid=tuple(config.lr_grid),
        label="test exact match",
        unit="scenes",
        seeds=config.seeds,
        grid_steps=grid,
    )


class _CaptionRun:
    """One protocol run of the captioner: teacher forcing for the spec's steps (whole epochs, a cosine from its rate
    to zero), greedy exact match on the validation scenes after each epoch; resumable from its checkpoint
    (`cnnrnn.core.fitting.Checkpoint`, every `checkpoint_seconds` CPU seconds; a resumed run reshuffles from a seed
    that depends on the epoch it resumes at)."""

    def __init__(self, spec: RunSpec, train, val, config):
        self.spec, self.train_set, self.val, self.config = spec, train, val, config
        self.per_epoch = steps_per_epoch(len(train.images), config.batch_size)
        if spec.steps % self.per_epoch:
            raise ValueError(f"{spec.steps} steps is not a whole number of epochs of {self.per_epoch} steps")
        self.epochs = spec.steps // self.per_epoch
        keras.utils.set_random_seed(spec.seed)
        self.model = build_caption_model(config)
        self.model.compile(
            optimizer=keras.optimizers.Adam(spec.lr, clipnorm=1.0),
            loss=keras.losses.SparseCategoricalCrossentropy(from_logits=True),
            weighted_metrics=["accuracy"],
        )
        self.epoch, self.cpu, self.seconds, self.history = 0, 0.0, 0.0, []
        self.saved = Checkpoint(spec.folder)
        state = self.saved.state()
        if state is not None:
            self.saved.restore(self.model)
            self.epoch, self.cpu, self.seconds, self.history = (
                state["epoch"],
                state["cpu"],
                state["seconds"],
                state["history"],
            )

    def run(self, log=print) -> None:
        config, spec = self.config, self.spec
        x_in, x_out = caption_targets(self.train_set.captions, config.max_length)
        predictor = CaptionPredictor(self.model, config.max_length)
        x_val = scene_inputs(self.val.images)
        step = {"at": self.epoch * self.per_epoch}

        class Schedule(keras.callbacks.Callback):
            def on_train_batch_begin(self, batch, logs=None):
                rate = warmup_cosine(spec.lr, step["at"], 0, 0.0, step["at"] / spec.steps)
                self.model.optimizer.learning_rate.assign(rate)

            def on_train_batch_end(self, batch, logs=None):
                step["at"] += 1

        batches = _caption_batches(
            self.train_set.images, x_in, x_out, config.batch_size, spec.seed * 1000 + self.epoch, True
        )
        last = self.cpu
        while self.epoch < self.epochs:
            cpu, wall = time.process_time(), time.perf_counter()
            logs = self.model.fit(batches, epochs=1, callbacks=[Schedule()], verbose=0).history
            self.cpu += time.process_time() - cpu
            self.seconds += time.perf_counter() - wall
            self.epoch += 1
            scores = caption_scores(predictor.greedy(x_val), self.val.captions)
            self.history.append(
                {
                    "step": self.epoch * self.per_epoch,
                    "seconds": round(self.cpu, 2),
                    "val_metric": round(scores["exact_match"], 4),
                    "val_token_accuracy": round(scores["token_accuracy"], 4),
                    "loss": round(float(logs["loss"][-1]), 5),
                }
            )
            if self.epoch < self.epochs and self.cpu - last >= config.checkpoint_seconds:
                self.saved.save(
                    self.model,
                    {"epoch": self.epoch, "cpu": self.cpu, "seconds": self.seconds, "history": self.history},
                )
                last = self.cpu
            log(
                f"    {spec.label}: epoch {self.epoch}/{self.epochs}: loss {logs['loss'][-1]:.4f}, validation exact "
                f"match {scores['exact_match']:.4f}, token accuracy {scores['token_accuracy']:.4f} "
                f"({self.cpu:.0f} CPU s)"
            )


def captions_fit(train, val, test, config, log=print):
    """The protocol's fit(spec) for the captioner; its per-item outcomes are greedy exact matches on the test
    scenes."""
    x_test = scene_inputs(test.images)

    def fit(spec: RunSpec) -> RunResult:
        run = _CaptionRun(spec, train, val, config)
        run.run(log)
        shipped = build_caption_model(config)  # uncompiled: no optimizer state in the file
        shipped.set_weights(run.model.get_weights())
        shipped.save(spec.folder / "model.keras")
        predicted = CaptionPredictor(shipped, config.max_length).greedy(x_test)
        correct = np.array([p == t for p, t in zip(predicted, test.captions)], bool)
        return run_result(run, spec, correct.mean(), shipped.count_params(), correct)

    return fit


def train_captions(config=None, weights_dir: Path = WEIGHTS_DIR, log=print, seeds: int | None = None) -> dict:
    """Train the captioner on generated scenes under the fair-fight protocol (`captions_protocol`: every run kept in
    the runs folder, so the same command continues; `seeds` overrides the config's count); ship the median seed and
    write the manifest section "captions".

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
    protocol = captions_protocol(config, len(train.images))
    result = run_protocol(
        "captions", protocol, [MODEL_NAME], captions_fit(train, val, test, config, log), weights_dir, seeds, log
    )
    fields = result["models"][MODEL_NAME]
    path = ship(result["shipped"][MODEL_NAME], weights_dir / CAPTIONS_FILE)
    shipped = load_caption_model(weights_dir)
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
                **shipped_fields(fields, path),
                "params": int(shipped.count_params()),
                "config": {**dict(vars(config)), "learning_rate": fields["lr"]},
                "versions": library_versions(),
            }
        },
        "experiments": {
            "by_objects": by_objects.to_dict(orient="records"),
            "by_size": by_size.to_dict(orient="records"),
        },
    }
    entry.update(protocol=result["protocol"], comparisons=result["comparisons"])
    entry["protocol_cpu_seconds"] = result["cpu_seconds"]
    update_manifest("captions", entry, weights_dir)
    info = entry["models"][MODEL_NAME]
    log(
        f"captioner: test exact match {info['metric_mean']:.4f} over {info['spread_seeds']} seeds; shipped seed "
        f"{info['shipped_seed']}: {info['exact_match']:.4f} (greedy), {info['beam_exact_match']:.4f} (beam), "
        f"{info['cpu_seconds']:.0f} CPU s"
    )
    return entry
