"""Training: writes the shipped weights in `weights/` and their manifest.

`train_mnist` trains cnn_fixed, cnn_gap and rnn_rows on MNIST's training images
(minus a seeded validation split) with the same augmentation, evaluates them on
the 10,000 test images, measures accuracy against input resolution, and
records everything needed to reproduce the run in `weights/manifest.json`.
`train_charlm` does the same for the character LSTM and CNN on tiny Shakespeare;
`fit_charlm`/`train_live` train in chunks with progress, a stop test and a time limit
(the generation page's live training).
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path
from typing import Callable

import numpy as np

from cnnrnn.core.weights import MANIFEST, WEIGHTS_DIR, library_versions, read_manifest, update_manifest  # noqa: F401


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


def train_mnist(config, weights_dir: Path = WEIGHTS_DIR, on_epoch=None, log=print, models=None) -> dict:
    """Train the image models (all three unless `models` names some), save them, update the manifest.

    Models not retrained keep their manifest record. Once all three weight files
    exist, the accuracy-vs-resolution table is recomputed from them. Returns the entry.
    """
    from cnnrnn.data import load_mnist
    from cnnrnn.experiments import resolution_sweep
    from cnnrnn.inference import ImagePredictor, load_image_models
    from cnnrnn.models import MODEL_NAMES

    weights_dir = Path(weights_dir)
    weights_dir.mkdir(parents=True, exist_ok=True)
    splits = load_mnist(config.val_size, config.seed, config.max_train, config.max_test)
    x_test = splits.x_test.astype(np.float32) / 255.0
    trained = {}
    for name in models or MODEL_NAMES:
        log(f"training {name} for {config.epochs} epochs on {len(splits.x_train)} images")
        model, seconds, history = train_image_model(name, splits, config, on_epoch)
        accuracy = float(np.mean(ImagePredictor(model).predict_batches(x_test).argmax(1) == splits.y_test))
        path = weights_dir / f"mnist_{name}.keras"
        model.save(path)
        trained[name] = {"file": path.name, "test_accuracy": accuracy, "params": int(model.count_params()),
                         "train_seconds": round(seconds, 1), "bytes": path.stat().st_size,
                         "val_accuracy": history.get("val_accuracy", [None])[-1], "history": history,
                         "config": dict(vars(config)), "versions": library_versions(),
                         "trained_at": datetime.now(timezone.utc).isoformat(timespec="seconds")}
        log(f"{name}: test accuracy {accuracy:.4f} in {seconds:.0f}s")
    # Read the manifest only now: another run may have finished meanwhile.
    entry = read_manifest(weights_dir).get("mnist", {})
    entry.update({"task": "mnist", "command": "python -m cnnrnn train mnist",
                  "data": {"file": Path(splits.source).name, "sha256": splits.sha256,
                           "train_size": int(len(splits.x_train)), "val_size": int(len(splits.x_val)),
                           "test_size": int(len(splits.x_test)), "seed": config.seed}})
    entry["models"] = {**entry.get("models", {}), **trained}
    if all((weights_dir / f"mnist_{n}.keras").is_file() for n in MODEL_NAMES):
        predictors = {n: ImagePredictor(m) for n, m in load_image_models(weights_dir).items()}
        entry["resolution_sweep"] = resolution_sweep(predictors, x_test, splits.y_test,
                                                     config.sweep_sizes).to_dict(orient="records")
    update_manifest("mnist", entry, weights_dir)
    return entry


# --- Sentiment: the GRU and the Kim CNN on sentence polarity ---

SENTIMENT_BUCKETS = (8, 16, 24, 32, 48, 64)  # RNN batches are padded to the next of these (fewer traces)


def _sentiment_batches(ids: np.ndarray, labels: np.ndarray, batch_size: int, seed: int, bucketed: bool,
                       ratios: np.ndarray | None = None):
    """A tf.data pipeline of (ids, labels) batches, reshuffled every epoch.

    ids: (n, steps) int64, zero-padded at the end. ratios: (n, steps, channels)
    float32 naive-Bayes ratios per token; when given, batches are ((ids, ratios),
    labels). Bucketed (RNN): sentences of similar length share a batch, padded to
    the next of SENTIMENT_BUCKETS, so the GRU does not run over 40 padding steps
    for a 10-word sentence.
    """
    import tensorflow as tf

    lengths = (ids != 0).sum(axis=1)
    labels = labels.astype(np.float32)
    rng = np.random.default_rng(seed)
    count = int(np.ceil(len(ids) / batch_size))

    def batches():
        if bucketed:  # sort by length with noise, cut into batches, shuffle the batches
            order = np.argsort(lengths + rng.uniform(0, 4, len(lengths)), kind="stable")
        else:
            order = rng.permutation(len(lengths))
        chunks = [order[i:i + batch_size] for i in range(0, len(order), batch_size)]
        for index in rng.permutation(len(chunks)):
            rows = chunks[index]
            x = ids[rows]
            steps = ids.shape[1]
            if bucketed:
                longest = max(1, int(lengths[rows].max()))
                steps = next((b for b in SENTIMENT_BUCKETS if b >= longest), ids.shape[1])
                x = x[:, :steps]
            yield ((x, ratios[rows, :steps]) if ratios is not None else x), labels[rows]

    x_spec = tf.TensorSpec((None, None), tf.int64)
    if ratios is not None:
        x_spec = (x_spec, tf.TensorSpec((None, None, ratios.shape[2]), tf.float32))
    spec = (x_spec, tf.TensorSpec((None,), tf.float32))
    ds = tf.data.Dataset.from_generator(batches, output_signature=spec)
    return ds.apply(tf.data.experimental.assert_cardinality(count)).prefetch(2)


def _select_best(x_val: np.ndarray, y_val: np.ndarray, patience: int, ema_momentum: float = 0.0,
                 extra_val: tuple | None = None):
    """Keras callback: validation accuracy after each epoch, early stopping, best weights restored.

    With `ema_momentum` > 0 the weights judged (and kept) are an exponential
    moving average of the trained ones, updated after every batch (Polyak
    averaging): smoother than the last step's weights on a small data set.
    `extra_val` (x, y), held-out negation templates, is scored too: the epoch
    kept is the one with the best validation accuracy minus the shortfall of
    the template accuracy below 90% (so it is one that has learned them).
    Adds val_loss, val_accuracy (and val_template_accuracy) to the epoch logs;
    `best_epoch` is 1-based.
    """
    import keras
    from keras import ops

    class SelectBest(keras.callbacks.Callback):
        def on_train_begin(self, logs=None):
            self.best, self.best_epoch, self.best_weights, self.wait = -1.0, 0, None, 0
            self.average = [ops.convert_to_numpy(v) for v in self.model.trainable_variables] if ema_momentum else None

        def on_train_batch_end(self, batch, logs=None):
            if self.average is not None:
                m = ema_momentum
                self.average = [m * a + (1 - m) * ops.convert_to_numpy(v)
                                for a, v in zip(self.average, self.model.trainable_variables)]

        def _judged(self):
            if self.average is None:
                return self.model.get_weights()
            trained = [ops.convert_to_numpy(v) for v in self.model.trainable_variables]
            for variable, value in zip(self.model.trainable_variables, self.average):
                variable.assign(value)
            weights = self.model.get_weights()
            for variable, value in zip(self.model.trainable_variables, trained):
                variable.assign(value)
            return weights

        def _probs(self, x):  # x: ids, or a tuple (ids, ratios) for a core that takes both
            parts = x if isinstance(x, tuple) else (x,)
            return np.concatenate([
                ops.convert_to_numpy(self.model([p[i:i + 256] for p in parts] if len(parts) > 1 else parts[0][i:i + 256],
                                                training=False)).reshape(-1)
                for i in range(0, len(parts[0]), 256)])

        def on_epoch_end(self, epoch, logs=None):
            weights = self._judged()
            current = self.model.get_weights()
            self.model.set_weights(weights)
            probs = self._probs(x_val)
            extra = float(np.mean((self._probs(extra_val[0]) >= 0.5) == extra_val[1])) if extra_val else None
            self.model.set_weights(current)
            clipped = np.clip(probs, 1e-7, 1 - 1e-7)
            accuracy = float(np.mean((probs >= 0.5) == y_val))
            if logs is not None:
                logs["val_accuracy"] = accuracy
                logs["val_loss"] = float(-np.mean(y_val * np.log(clipped) + (1 - y_val) * np.log(1 - clipped)))
                if extra is not None:
                    logs["val_template_accuracy"] = extra
            # An epoch that has not yet learned the held-out templates (>= 90%) is marked down.
            score = accuracy if extra is None else accuracy - max(0.0, 0.9 - extra)
            if score > self.best:
                self.best, self.best_epoch, self.best_weights, self.wait = score, epoch + 1, weights, 0
            else:
                self.wait += 1
                if self.wait >= patience:
                    self.model.stop_training = True

        def on_train_end(self, logs=None):
            if self.best_weights is not None:
                self.model.set_weights(self.best_weights)

    return SelectBest()


def _nb_tables(name: str, config, vocabulary, vectorize, texts, labels, mr_count: int) -> dict:
    """The naive-Bayes ratio tables a sentiment model reads (none when `nb_channel` is "off").

    Counted on MR's training sentences (the first `mr_count` of `texts`), or on them and the templates
    for the models in `nb_with_templates`. Returns {"tables": [per word, (per word pair)], "counted":
    how many texts were counted, "ids": vectorized ids -> the ids each table is indexed by,
    "lookup": vectorized ids -> (n, steps, channels) ratios as the shipped model reads them}.
    """
    if config.nb_channel == "off":
        return {}
    from cnnrnn.models import bigram_buckets, sentiment_bigram_buckets
    from cnnrnn.text import nb_id_ratios, nb_log_ratios

    counted = len(texts) if name in config.nb_with_templates else mr_count
    tables = [nb_log_ratios(texts[:counted], labels[:counted], vocabulary, config.nb_alpha, config.nb_min_count)]
    buckets = sentiment_bigram_buckets(name, config)
    if buckets:
        pairs = np.asarray(bigram_buckets(vectorize(texts[:counted]), buckets))
        tables.append(nb_id_ratios(pairs, labels[:counted], buckets, config.nb_alpha, config.nb_min_count))

    def ids(x):
        return [x] + ([np.asarray(bigram_buckets(x, buckets))] if buckets else [])

    def lookup(x):
        return np.stack([table[i] for table, i in zip(tables, ids(x))], axis=-1)

    return {"tables": tables, "counted": counted, "ids": ids, "lookup": lookup}


def _set_nb_tables(core, tables: dict) -> None:
    """Write `_nb_tables`' tables into a core's frozen `nb_ratio` (and `nb_bigram_ratio`) layers."""
    for layer, table in zip(("nb_ratio", "nb_bigram_ratio"), tables.get("tables", [])):
        core.get_layer(layer).set_weights([table[:, None]])


def train_sentiment_model(name: str, splits, vocabulary, config, on_epoch=None):
    """Train one sentiment model; returns (full string model, seconds, history dict, best epoch).

    The returned model is a fresh, uncompiled pipeline holding the best weights
    (so the saved file carries no optimizer state).
    """
    import keras
    import tensorflow as tf

    from cnnrnn.models import build_sentiment_core, build_sentiment_model, keep_ids_of

    seed = getattr(config, f"{name}_seed", None) or config.seed
    keras.utils.set_random_seed(seed)
    model = build_sentiment_model(name, vocabulary, config)
    core = model.get_layer(f"{name}_core")

    def vectorize(texts):
        text = tf.constant(list(texts), tf.string)
        return model.get_layer("vectorize")(model.get_layer("standardize")(text)).numpy()

    train_texts, train_labels = list(splits.x_train), np.asarray(splits.y_train)
    if config.negation_templates:
        from cnnrnn.text import negation_templates

        extra, extra_labels = negation_templates(splits.x_train, splits.y_train, config.negation_templates, seed)
        train_texts = train_texts + extra
        train_labels = np.concatenate([train_labels, np.asarray(extra_labels, train_labels.dtype)])
        held, held_labels = negation_templates(splits.x_train, splits.y_train, max(200, config.negation_templates // 4),
                                               seed + 1)
        template_val = (vectorize(held), np.asarray(held_labels, np.float32)) if held else None
    else:
        template_val = None
    tables = _nb_tables(name, config, vocabulary, vectorize, train_texts, train_labels, len(splits.x_train))
    x_train, x_val = vectorize(train_texts), vectorize(splits.x_val)
    if name == "rnn":
        x_val = x_val[:, :max(1, int((x_val != 0).sum(axis=1).max()))]
    train_ratios = None
    if tables and name == "cnn" and config.cnn_nb_folds >= 2 and config.nb_channel == "frozen":
        # Out of fold in training (`text.nb_out_of_fold_ratios`); held-out text reads the tables, as shipped.
        from cnnrnn.text import nb_out_of_fold_ratios

        counted = np.arange(len(x_train)) < tables["counted"]
        train_ratios = np.stack([nb_out_of_fold_ratios(ids, train_labels, counted, len(table), config.cnn_nb_folds,
                                                       seed, config.nb_alpha, config.nb_min_count)
                                 for ids, table in zip(tables["ids"](x_train), tables["tables"])], axis=-1)
        core = build_sentiment_core(name, len(tables["tables"][0]), config, keep_ids_of(vocabulary), ratio_input=True)
        x_val = (x_val, tables["lookup"](x_val))
        if template_val is not None:
            template_val = ((template_val[0], tables["lookup"](template_val[0])), template_val[1])
    else:
        _set_nb_tables(core, tables)
    optimizer = (keras.optimizers.AdamW(config.learning_rate, weight_decay=config.weight_decay)
                 if config.weight_decay else keras.optimizers.Adam(config.learning_rate))
    core.compile(optimizer=optimizer, loss="binary_crossentropy", metrics=["accuracy"])
    select = _select_best(x_val, splits.y_val.astype(np.float32), config.patience, config.ema_momentum,
                          template_val)
    callbacks = [select] + ([_Progress(name, on_epoch)] if on_epoch else [])
    start = time.perf_counter()
    history = core.fit(_sentiment_batches(x_train, train_labels, config.batch_size, seed, name == "rnn",
                                          train_ratios),
                       epochs=config.epochs, callbacks=callbacks, shuffle=False, verbose=0)
    seconds = time.perf_counter() - start
    history = {k: [float(v) for v in vals] for k, vals in history.history.items()}
    best = select.best_epoch or len(history["loss"])
    shipped = build_sentiment_core(name, model.get_layer("vectorize").vocabulary_size(), config,
                                   keep_ids_of(vocabulary))
    trained = {layer.name: layer for layer in core.layers}
    for layer in shipped.layers:  # by name: a core trained on given ratios has no tables to copy
        if layer.weights and layer.name in trained and trained[layer.name].weights:
            layer.set_weights(trained[layer.name].get_weights())
    _set_nb_tables(shipped, tables)
    return build_sentiment_model(name, vocabulary, config, core=shipped), seconds, history, best


def train_sentiment(config, weights_dir: Path = WEIGHTS_DIR, on_epoch=None, log=print, models=None) -> dict:
    """Train the rnn and cnn sentiment models, save them, run the experiments, write the manifest.

    Writes `sentiment_rnn.keras`, `sentiment_cnn.keras` and the manifest section
    "sentiment"; returns that section. `models` retrains a subset (e.g. ["cnn"]):
    the others are read from `weights_dir` and keep their manifest entries.
    """
    from cnnrnn.data import load_polarity
    from cnnrnn.experiments import sentiment_experiments
    from cnnrnn.inference import TextPredictor, load_model
    from cnnrnn.models import SENTIMENT_NAMES
    from cnnrnn.text import build_vocabulary

    weights_dir = Path(weights_dir)
    weights_dir.mkdir(parents=True, exist_ok=True)
    splits = load_polarity(config.val_size, config.test_size, config.split_seed, config.max_train)
    vocabulary = build_vocabulary(splits.x_train, config.max_features - 2)
    x_test, y_test = splits.x_test[:config.max_test], splits.y_test[:config.max_test]
    entry = {"task": "sentiment",
             "data": {"dataset": "sentence polarity v1.0 (Pang & Lee 2005)", "files": splits.files,
                      "train_size": len(splits.x_train), "val_size": len(splits.x_val),
                      "test_size": len(splits.x_test), "split_seed": config.split_seed},
             "config": {k: v for k, v in vars(config).items()}, "seed": config.seed,
             "vocabulary_size": len(vocabulary) + 2, "models": {}}
    wanted = list(models or SENTIMENT_NAMES)
    unknown = sorted(set(wanted) - set(SENTIMENT_NAMES))
    if unknown:
        raise ValueError(f"unknown sentiment model(s) {', '.join(unknown)}; choose from {', '.join(SENTIMENT_NAMES)}")
    previous = read_manifest(weights_dir).get("sentiment", {}).get("models", {})
    predictors = {}
    for name in SENTIMENT_NAMES:
        if name not in wanted:
            path = weights_dir / f"sentiment_{name}.keras"
            if not path.is_file() or name not in previous:
                raise FileNotFoundError(f"{path} (or its manifest entry) is missing: retrain it too")
            predictors[name] = TextPredictor(load_model(path))
            entry["models"][name] = previous[name]
            continue
        log(f"training sentiment {name} for up to {config.epochs} epochs on {len(splits.x_train)} sentences")
        model, seconds, history, best = train_sentiment_model(name, splits, vocabulary, config, on_epoch)
        path = weights_dir / f"sentiment_{name}.keras"
        model.save(path)
        predictor = TextPredictor(load_model(path))  # measure exactly what ships
        accuracy = float(np.mean((predictor.predict_batches(x_test) >= 0.5) == y_test))
        predictors[name] = predictor
        entry["models"][name] = {"file": path.name, "test_accuracy": accuracy, "params": int(model.count_params()),
                                 "bytes": path.stat().st_size, "train_seconds": round(seconds, 1),
                                 "seed": getattr(config, f"{name}_seed", None) or config.seed,
                                 "best_epoch": best, "val_accuracy": history["val_accuracy"][best - 1],
                                 "val_template_accuracy": history.get("val_template_accuracy", [None] * best)[best - 1],
                                 "sequence_length": predictor.sequence_length, "history": history}
        log(f"sentiment {name}: test accuracy {accuracy:.4f} (best epoch {best}) in {seconds:.0f}s")
    log("running the sentiment experiments on the test split")
    tables = sentiment_experiments(predictors, x_test, y_test, config)
    entry["experiments"] = {key: df.to_dict(orient="records") for key, df in tables.items()}
    entry["versions"] = library_versions()
    entry["trained_at"] = datetime.now(timezone.utc).isoformat(timespec="seconds")
    entry["command"] = "python -m cnnrnn train sentiment"
    update_manifest("sentiment", entry, weights_dir)
    return entry


# --- Character language models: tiny Shakespeare, and the page's live training ---

CHARLM_VOCAB = "charlm_vocab.json"


def check_charlm_weights(weights_dir=None, names=("lstm", "cnn")) -> Path:
    """The weights directory, once its character-model files are known to exist (else FileNotFoundError)."""
    root = Path(weights_dir) if weights_dir else WEIGHTS_DIR
    files = [root / CHARLM_VOCAB] + [root / f"charlm_{name}.keras" for name in names]
    missing = [p.name for p in files if not p.is_file()]
    if missing:
        raise FileNotFoundError(f"no {', '.join(missing)} in {root}; run: python -m cnnrnn train charlm")
    return root


def charlm_batches(ids: np.ndarray, sequence_length: int, batch_size: int, seed: int):
    """An endless tf.data pipeline of random windows: (x, y), each (batch, sequence_length) int32.

    y is x shifted by one character: every position is a prediction. Offsets are
    drawn by a seeded generator, so a run is reproducible.
    """
    import tensorflow as tf

    ids = np.asarray(ids, np.int32)
    span = len(ids) - sequence_length - 1
    if span < 1:
        raise ValueError(f"the training text has {len(ids):,} characters; at least {sequence_length + 2:,} are needed")
    data = tf.constant(ids)
    window = tf.range(sequence_length + 1)[None, :]

    def cut(offsets):
        chunk = tf.gather(data, offsets[:, None] + window)
        return chunk[:, :-1], chunk[:, 1:]

    offsets = tf.data.Dataset.random(seed=seed).map(lambda r: tf.cast(r % span, tf.int32))
    return offsets.batch(batch_size, drop_remainder=True).map(cut).prefetch(4)


def _charlm_lr(config, progress: float, step: int) -> float:
    """Linear warm-up over `warmup_steps`, then a cosine from learning_rate to final_lr_fraction of it.

    `progress` (0..1) is the larger of the step and time fractions, so a run cut
    short by its time limit still ends at the low learning rate.
    """
    import math

    peak = config.learning_rate
    if step < config.warmup_steps:
        return peak * (step + 1) / config.warmup_steps
    floor = peak * config.final_lr_fraction
    return floor + 0.5 * (peak - floor) * (1.0 + math.cos(math.pi * min(max(progress, 0.0), 1.0)))


def fit_charlm(model, train_ids: np.ndarray, val_ids: np.ndarray, config, vocab, *, on_progress=None,
               should_stop=None, time_limit: float | None = None, progress_every: int = 10) -> dict:
    """Train a character model in chunks of `eval_every` steps; keep the best held-out weights.

    on_progress(info) is called every `progress_every` steps and after each held-out check,
    with info: step, steps, seconds, loss (training loss, smoothed over ~10 steps), lr, and, after a check,
    val_loss, best_val_loss and evaluated=True. should_stop() -> True stops after the
    current step; so does the time limit (`time_limit`, else config.time_limit; None: none).
    Returns the history: steps, loss, val_steps, val_loss, seconds, best_step, best_val_loss, stopped.
    """
    import keras

    from cnnrnn.experiments import heldout_losses, heldout_windows
    from cnnrnn.inference import CharPredictor

    limit = time_limit if time_limit is not None else config.time_limit
    model.compile(optimizer=keras.optimizers.Adam(config.learning_rate, clipnorm=config.clipnorm),
                  loss=keras.losses.SparseCategoricalCrossentropy(from_logits=True))
    windows = heldout_windows(val_ids, config.eval_length, config.max_eval_windows)
    scorer = CharPredictor(model, vocab, live=True)
    history = {"steps": [], "loss": [], "val_steps": [], "val_loss": [], "lr": []}
    state = {"step": 0, "best": float("inf"), "best_step": 0, "weights": None, "stopped": "steps", "ema": None}
    start = time.perf_counter()

    def elapsed():
        return time.perf_counter() - start

    def check():
        if len(windows) == 0:
            return None
        value = float(np.mean(heldout_losses(scorer, windows)))
        history["val_steps"].append(state["step"])
        history["val_loss"].append(round(value, 5))
        if value < state["best"]:
            state.update(best=value, best_step=state["step"], weights=[w.copy() for w in model.get_weights()])
        return value

    class Callback(keras.callbacks.Callback):
        def on_train_batch_begin(self, batch, logs=None):
            progress = state["step"] / max(config.steps, 1)
            if limit:
                progress = max(progress, elapsed() / limit)
            self.model.optimizer.learning_rate.assign(_charlm_lr(config, progress, state["step"]))

        def on_train_batch_end(self, batch, logs=None):
            state["step"] += 1
            # Keras reports the mean since the chunk began; recover this batch's loss and smooth it.
            mean = float((logs or {}).get("loss", float("nan")))
            this = mean * (batch + 1) - state.get("mean", 0.0) * batch
            state["mean"] = mean
            loss = state["ema"] = this if state.get("ema") is None else 0.9 * state["ema"] + 0.1 * this
            if state["step"] % progress_every == 0 or state["step"] == 1:
                history["steps"].append(state["step"])
                history["loss"].append(round(loss, 5))
                history["lr"].append(float(self.model.optimizer.learning_rate.numpy()))
                if on_progress:
                    on_progress({"step": state["step"], "steps": config.steps, "seconds": elapsed(), "loss": loss,
                                 "lr": history["lr"][-1], "time_limit": limit})
            if state["step"] >= config.steps:  # the last chunk may be shorter than eval_every
                self.model.stop_training = True
            elif limit and elapsed() >= limit:
                state["stopped"] = "time limit"
                self.model.stop_training = True
            elif should_stop and should_stop():
                state["stopped"] = "stopped"
                self.model.stop_training = True

        def on_epoch_end(self, epoch, logs=None):
            value = check()
            if on_progress:
                on_progress({"step": state["step"], "steps": config.steps, "seconds": elapsed(),
                             "loss": state["ema"], "val_loss": value,
                             "best_val_loss": state["best"], "evaluated": True, "time_limit": limit})

    chunk = max(1, min(config.eval_every, config.steps))
    batches = charlm_batches(train_ids, config.sequence_length, config.batch_size, config.seed)
    model.fit(batches, steps_per_epoch=chunk, epochs=int(np.ceil(config.steps / chunk)), callbacks=[Callback()],
              verbose=0)
    if history["val_steps"][-1:] != [state["step"]] and state["step"] > 0:
        check()  # stopped inside a chunk: judge the last weights too
    if state["weights"] is not None:
        model.set_weights(state["weights"])
    history.update(seconds=round(elapsed(), 1), best_step=state["best_step"],
                   best_val_loss=round(state["best"], 5) if state["weights"] is not None else None,
                   stopped=state["stopped"], step=state["step"])
    return history


def train_charlm(config=None, weights_dir: Path = WEIGHTS_DIR, models=None, log=print, on_progress=None) -> dict:
    """Train the character LSTM and CNN on tiny Shakespeare; save them, the vocabulary and the manifest.

    Writes charlm_lstm.keras, charlm_cnn.keras and charlm_vocab.json in `weights_dir`
    and the manifest section "charlm": held-out loss (nats per character over the
    last 10%), loss by position in the context, parameters, bytes, training time,
    seed, data sha256 and library versions. Models not retrained keep their record.
    """
    import keras

    from cnnrnn.config import CHARLM
    from cnnrnn.data import CharVocab, load_shakespeare
    from cnnrnn.experiments import heldout_losses, heldout_windows, loss_by_position
    from cnnrnn.inference import CharPredictor
    from cnnrnn.models import CHARLM_NAMES, build_charlm

    config = config or CHARLM
    weights_dir = Path(weights_dir)
    weights_dir.mkdir(parents=True, exist_ok=True)
    corpus = load_shakespeare(config.val_fraction, config.max_chars)
    vocab = CharVocab.from_text(corpus.text)
    vocab_path = weights_dir / CHARLM_VOCAB
    if vocab_path.is_file() and CharVocab.load(vocab_path) != vocab:
        for stale in CHARLM_NAMES:  # a model trained on another vocabulary cannot be kept
            (weights_dir / f"charlm_{stale}.keras").unlink(missing_ok=True)
    vocab.save(vocab_path)
    train_ids, val_ids = vocab.encode(corpus.train_text), vocab.encode(corpus.val_text)
    windows = heldout_windows(val_ids, config.eval_length)
    trained = {}
    for name in models or CHARLM_NAMES:
        model_config = config.for_model(name)
        keras.utils.set_random_seed(config.seed)
        model = build_charlm(name, len(vocab), model_config)
        log(f"training charlm {name} ({model.count_params():,} parameters) for up to {model_config.steps:,} steps"
            + (f" or {model_config.time_limit:.0f} s" if model_config.time_limit else ""))

        def progress(info, name=name):
            if info.get("evaluated"):
                log(f"  {name} step {info['step']:,}: loss {info['loss']:.4f}, held-out {info['val_loss']:.4f} "
                    f"({info['seconds']:.0f} s)")
            if on_progress:
                on_progress(name, info)

        history = fit_charlm(model, train_ids, val_ids, model_config, vocab, on_progress=progress,
                             progress_every=max(config.eval_every // 5, 1))
        path = weights_dir / f"charlm_{name}.keras"
        shipped = build_charlm(name, len(vocab), model_config)  # uncompiled: no optimizer state in the file
        shipped.set_weights(model.get_weights())
        shipped.save(path)
        predictor = CharPredictor(shipped, vocab, name)
        losses = heldout_losses(predictor, windows)  # (windows, eval_length)
        by_position = loss_by_position({name: predictor}, corpus.val_text, config.eval_length)
        record = {"file": path.name, "heldout_loss": round(float(losses.mean()), 4),
                  "loss_by_position": [round(float(v), 4) for v in by_position["loss"]],
                  "loss_by_position_windows": int(by_position["windows"].iloc[0]),
                  "params": int(model.count_params()), "bytes": path.stat().st_size,
                  "train_seconds": history["seconds"], "steps": history["step"], "best_step": history["best_step"],
                  "stopped": history["stopped"], "history": history, "seed": config.seed,
                  "config": dict(vars(config)), "versions": library_versions(),
                  "trained_at": datetime.now(timezone.utc).isoformat(timespec="seconds")}
        if name == "cnn":
            record["receptive_field"] = config.receptive_field
        trained[name] = record
        log(f"{name}: held-out {record['heldout_loss']:.4f} nats/char in {history['seconds']:.0f} s")
    entry = read_manifest(weights_dir).get("charlm", {})
    entry.update({"task": "charlm", "command": "python -m cnnrnn train charlm",
                  "data": {"file": corpus.source, "sha256": corpus.sha256, "chars": len(corpus.text),
                           "train_chars": len(corpus.train_text), "heldout_chars": len(corpus.val_text),
                           "val_fraction": config.val_fraction},
                  "vocab": {"file": CHARLM_VOCAB, "size": len(vocab)},
                  "evaluation": (f"mean nats per character over every position of the {len(windows)} "
                                 f"non-overlapping {config.eval_length}-character windows of the held-out text; "
                                 f"loss by position over windows starting every {config.eval_length // 4} "
                                 "characters"),
                  "eval_length": config.eval_length})
    entry["models"] = {name: record for name, record in {**entry.get("models", {}), **trained}.items()
                       if (weights_dir / f"charlm_{name}.keras").is_file()}
    update_manifest("charlm", entry, weights_dir)
    return entry


@dataclass
class LiveModel:
    """A character LSTM trained on the page: the predictor to sample from, and how training went."""

    predictor: object  # inference.CharPredictor (live: it reads the model's current weights)
    vocab: object  # data.CharVocab of the user's text
    history: dict
    corpus_chars: int
    config: object


def start_live_model(corpus, config=None) -> LiveModel:
    """Build (untrained) the live LSTM for a CharCorpus: vocabulary, model, predictor."""
    import keras

    from cnnrnn.config import CHARLM_LIVE
    from cnnrnn.data import CharVocab
    from cnnrnn.inference import CharPredictor
    from cnnrnn.models import build_char_lstm

    config = config or CHARLM_LIVE
    keras.utils.set_random_seed(config.seed)
    vocab = CharVocab.from_text(corpus.text)
    model = build_char_lstm(len(vocab), config)
    return LiveModel(CharPredictor(model, vocab, "your LSTM", live=True), vocab, {}, len(corpus.text), config)


def train_live(live: LiveModel, corpus, *, on_progress=None, should_stop=None, time_limit: float | None = None,
               steps: int | None = None) -> LiveModel:
    """Train (or keep training) a LiveModel on its corpus, for at most `time_limit` seconds.

    A thin wrapper of fit_charlm for the page: the held-out text is the corpus's
    last 10%, and the model ends on its best held-out weights. `live.history`
    (steps, loss, val_steps, val_loss, step, seconds) grows as training goes, so a
    run interrupted from outside (the page's Stop button) keeps what it recorded.
    """
    from dataclasses import replace

    config = live.config
    if steps is not None:
        config = replace(config, steps=max(1, int(steps)))
    train_ids, val_ids = live.vocab.encode(corpus.train_text), live.vocab.encode(corpus.val_text)
    if len(val_ids) < config.eval_length + 1:  # a short text: judge it on shorter windows
        config = replace(config, eval_length=max(8, len(val_ids) - 1))
    if len(train_ids) < config.sequence_length + 2:
        config = replace(config, sequence_length=max(8, len(train_ids) // 2))
    history = live.history
    for key in ("steps", "loss", "val_steps", "val_loss"):
        history.setdefault(key, [])
    offset, before = history.get("step", 0), history.get("seconds", 0.0)

    def progress(info):
        step = offset + info["step"]
        history.update(step=step, seconds=round(before + info["seconds"], 1))
        if info.get("evaluated"):
            if info.get("val_loss") is not None:
                history["val_steps"].append(step)
                history["val_loss"].append(round(info["val_loss"], 5))
        else:
            history["steps"].append(step)
            history["loss"].append(round(info["loss"], 5))
        if on_progress:
            on_progress(info)

    result = fit_charlm(live.predictor.model, train_ids, val_ids, config, live.vocab, on_progress=progress,
                        should_stop=should_stop, time_limit=time_limit)
    history.update(step=offset + result["step"], seconds=round(before + result["seconds"], 1),
                   stopped=result["stopped"], best_val_loss=result["best_val_loss"])
    return live


# --- Captioning: the CNN encoder + LSTM decoder on generated scenes ---


def _caption_batches(images: np.ndarray, inputs: np.ndarray, targets: np.ndarray, batch_size: int, seed: int,
                     training: bool):
    """tf.data of ((image float32 in [0, 1], tokens), targets, weights); weights are 0 on padding.

    Captions of equal length (the same number of objects) share a batch, cut to
    that length, so the LSTM does not run over padding; the batches of the
    lengths are interleaved at random.
    """
    import tensorflow as tf

    lengths = (targets != 0).sum(axis=1)
    groups = []
    for length in np.unique(lengths):
        rows = np.flatnonzero(lengths == length)
        part = tf.data.Dataset.from_tensor_slices(((images[rows], inputs[rows, :length]), targets[rows, :length],
                                                   (targets[rows, :length] != 0).astype(np.float32)))
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
    return ds.map(lambda x, y, w: ((tf.cast(x[0], tf.float32) / 255.0, x[1]), y, w),
                  num_parallel_calls=tf.data.AUTOTUNE).prefetch(tf.data.AUTOTUNE)


def fit_captions(model, train, val, config, on_epoch=None, log=print) -> dict:
    """Teacher-forced training; after each epoch, greedy exact match on `val`; keeps the best epoch's weights.

    train, val: `data.SceneSet`s. The learning rate follows a cosine from
    `learning_rate` to zero over the larger of the step and time fractions, so a
    run stopped by `time_limit` ends at a low rate. Returns the history.
    """
    import math

    import keras

    from cnnrnn.data import caption_targets
    from cnnrnn.experiments import caption_scores, scene_inputs
    from cnnrnn.inference import CaptionPredictor

    x_in, x_out = caption_targets(train.captions, config.max_length)
    steps_per_epoch = int(np.ceil(len(train.images) / config.batch_size))
    total_steps = max(1, steps_per_epoch * config.epochs)
    model.compile(optimizer=keras.optimizers.Adam(config.learning_rate, clipnorm=1.0),
                  loss=keras.losses.SparseCategoricalCrossentropy(from_logits=True), weighted_metrics=["accuracy"])
    predictor = CaptionPredictor(model, config.max_length)
    x_val = scene_inputs(val.images)
    state = {"step": 0, "best": -1.0, "weights": None, "best_epoch": 0, "stopped": "epochs"}
    history = {"loss": [], "accuracy": [], "val_exact_match": [], "val_token_accuracy": [], "seconds": []}
    start = time.perf_counter()

    class Callback(keras.callbacks.Callback):
        def on_train_batch_begin(self, batch, logs=None):
            progress = state["step"] / total_steps
            if config.time_limit:
                progress = max(progress, (time.perf_counter() - start) / config.time_limit)
            lr = 0.5 * config.learning_rate * (1.0 + math.cos(math.pi * min(progress, 1.0)))
            self.model.optimizer.learning_rate.assign(lr)

        def on_train_batch_end(self, batch, logs=None):
            state["step"] += 1
            if config.time_limit and time.perf_counter() - start >= config.time_limit:
                state["stopped"] = "time limit"
                self.model.stop_training = True

        def on_epoch_end(self, epoch, logs=None):
            scores = caption_scores(predictor.greedy(x_val), val.captions)
            logs = dict(logs or {})
            history["loss"].append(round(float(logs.get("loss", float("nan"))), 5))
            history["accuracy"].append(round(float(logs.get("accuracy", float("nan"))), 5))
            history["val_exact_match"].append(round(scores["exact_match"], 4))
            history["val_token_accuracy"].append(round(scores["token_accuracy"], 4))
            history["seconds"].append(round(time.perf_counter() - start, 1))
            score = scores["exact_match"] + 1e-3 * scores["token_accuracy"]
            if score > state["best"]:
                state.update(best=score, weights=model.get_weights(), best_epoch=epoch + 1)
            log(f"  validation after epoch {epoch + 1}: exact match {scores['exact_match']:.4f}, "
                f"token accuracy {scores['token_accuracy']:.4f} ({history['seconds'][-1]:.0f} s)")
            if on_epoch:
                on_epoch("captioner", epoch, {**logs, "val_exact_match": scores["exact_match"],
                                              "val_token_accuracy": scores["token_accuracy"]})

    model.fit(_caption_batches(train.images, x_in, x_out, config.batch_size, config.seed, True),
              epochs=config.epochs, callbacks=[Callback()], verbose=0)
    if state["weights"] is not None:
        model.set_weights(state["weights"])
    history.update(best_epoch=state["best_epoch"], stopped=state["stopped"], steps=state["step"],
                   train_seconds=round(time.perf_counter() - start, 1))
    return history


def train_captions(config=None, weights_dir: Path = WEIGHTS_DIR, on_epoch=None, log=print) -> dict:
    """Train the captioner on generated scenes; save it and the manifest section "captions".

    Writes `captions_model.keras` (uncompiled: no optimizer state) and records
    exact match and token accuracy on the test scenes (greedy and beam search),
    the tables by number of objects and by picture size, parameters, bytes,
    training time, seeds, the generator's version and the library versions.
    """
    import keras

    from cnnrnn.config import CAPTIONS
    from cnnrnn.data import CAPTION_VOCAB, SCENE_VERSION, make_scenes
    from cnnrnn.experiments import captions_by_objects, captions_by_size
    from cnnrnn.inference import CAPTIONS_FILE, CaptionPredictor
    from cnnrnn.models import build_caption_model

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
    log(f"training the captioner ({model.count_params():,} parameters) for up to {config.epochs} epochs"
        + (f" or {config.time_limit:.0f} s" if config.time_limit else ""))
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
        "task": "captions", "command": "python -m cnnrnn train captions",
        "data": {"generator": "cnnrnn.data.make_scenes", "generator_version": SCENE_VERSION,
                 "seeds": {"train": config.train_seed, "val": config.val_seed, "test": config.test_seed},
                 "train_size": config.train_size, "val_size": config.val_size, "test_size": config.test_size,
                 "image_size": config.image_size},
        "vocab": list(CAPTION_VOCAB),
        "models": {"captioner": {
            "file": path.name, "exact_match": round(float(overall.loc["greedy", "exact_match"]), 4),
            "token_accuracy": round(float(overall.loc["greedy", "token_accuracy"]), 4),
            "beam_exact_match": round(float(overall.loc["beam", "exact_match"]), 4),
            "beam_token_accuracy": round(float(overall.loc["beam", "token_accuracy"]), 4),
            "beam_width": config.beam_width,
            "test_accuracy": round(float(overall.loc["greedy", "exact_match"]), 4),  # the home page's column
            "params": int(shipped.count_params()), "bytes": path.stat().st_size,
            "train_seconds": history["train_seconds"], "best_epoch": history["best_epoch"],
            "stopped": history["stopped"], "history": history, "seed": config.seed,
            "config": dict(vars(config)), "versions": library_versions(),
            "trained_at": datetime.now(timezone.utc).isoformat(timespec="seconds")}},
        "experiments": {"by_objects": by_objects.to_dict(orient="records"),
                        "by_size": by_size.to_dict(orient="records")},
    }
    update_manifest("captions", entry, weights_dir)
    log(f"captioner: test exact match {entry['models']['captioner']['exact_match']:.4f} (greedy), "
        f"{entry['models']['captioner']['beam_exact_match']:.4f} (beam) in {history['train_seconds']:.0f} s")
    return entry


# --- MNIST-1D: the sequence lab's four models, the shuffled variant, mixed lengths ---

# Shipped models: name -> (kind, variant, trained on mixed lengths).
MNIST1D_MODELS = {
    "logreg": ("logreg", "normal", False),
    "mlp": ("mlp", "normal", False),
    "cnn": ("cnn", "normal", False),
    "gru": ("gru", "normal", False),
    "cnn_shuffled": ("cnn", "shuffled", False),
    "gru_shuffled": ("gru", "shuffled", False),
    "cnn_mixed": ("cnn", "normal", True),
    "gru_mixed": ("gru", "normal", True),
}


def mnist1d_batches(x: np.ndarray, y: np.ndarray, batch_size: int, rng: np.random.Generator, lengths=None):
    """One epoch of shuffled (signals float32 (b, L), labels int64 (b,)) batches as a tf.data pipeline.

    With `lengths`, each batch is resampled to one of them, drawn at random.
    """
    import tensorflow as tf

    from cnnrnn.data import resample_signals

    order = rng.permutation(len(x))
    if not lengths:  # one length: slices of the permuted arrays, no Python in the loop
        ds = tf.data.Dataset.from_tensor_slices((np.asarray(x, np.float32)[order], np.asarray(y, np.int64)[order]))
        return ds.batch(batch_size).prefetch(2)
    chunks = [order[i:i + batch_size] for i in range(0, len(order), batch_size)]
    picks = rng.choice(lengths, len(chunks))

    def batches():
        for rows, length in zip(chunks, picks):
            yield resample_signals(x[rows], int(length)), y[rows]

    spec = (tf.TensorSpec((None, None), tf.float32), tf.TensorSpec((None,), tf.int64))
    ds = tf.data.Dataset.from_generator(batches, output_signature=spec)
    return ds.apply(tf.data.experimental.assert_cardinality(len(chunks))).prefetch(2)


def check_mnist1d_weights(weights_dir=None, names=None) -> Path:
    """The weights directory, once the named MNIST-1D files are known to exist (else FileNotFoundError).

    Imports no TensorFlow, so the command line can fail fast with a one-line error.
    """
    root = Path(weights_dir) if weights_dir else WEIGHTS_DIR
    names = list(names or MNIST1D_MODELS)
    missing = [n for n in names if not (root / f"mnist1d_{n}.keras").is_file()]
    if missing:
        raise FileNotFoundError(f"no weights for {', '.join(missing)} in {root}; run: python -m cnnrnn train mnist1d")
    return root


class Mnist1dRun:
    """One MNIST-1D model being trained, an epoch at a time (so two can take turns on the page).

    kind: "logreg", "mlp", "cnn" or "gru"; splits: data.Mnist1dSplits.
    `epochs` and `learning_rate` default to the config's (the GRU has its own
    epoch count). After each `train_epoch()` the test signals are scored, for the
    learning curve only: nothing is selected on them. `history` holds epoch,
    loss, accuracy (training), test_accuracy and seconds (training time so far,
    scoring excluded).
    """

    def __init__(self, kind: str, splits, config=None, *, epochs: int | None = None,
                 learning_rate: float | None = None, lengths=None, label: str | None = None):
        import keras

        from cnnrnn.config import MNIST1D
        from cnnrnn.inference import SignalPredictor
        from cnnrnn.models import build_mnist1d

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
            raise ValueError(f"{kind} reads exactly {config.sequence_length} points; only cnn and gru take other lengths")
        self.splits = splits
        keras.utils.set_random_seed(config.seed)
        self.rng = np.random.default_rng(config.seed)
        self.model = build_mnist1d(kind, config)
        steps = int(np.ceil(len(splits.x_train) / config.batch_size)) * self.epochs
        schedule = keras.optimizers.schedules.CosineDecay(rate, max(steps, 1))
        optimizer = (keras.optimizers.AdamW(schedule, weight_decay=config.weight_decay) if config.weight_decay
                     else keras.optimizers.Adam(schedule))
        self.model.compile(optimizer=optimizer, loss="sparse_categorical_crossentropy", metrics=["accuracy"],
                           jit_compile=False)
        self.predictor = SignalPredictor(self.model)
        self.history = {"epoch": [], "loss": [], "accuracy": [], "test_accuracy": [], "seconds": []}
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
        return self.history["test_accuracy"][-1] if self.history["test_accuracy"] else None

    def train_epoch(self) -> dict:
        """Train one more epoch; returns that epoch's record (epoch, loss, accuracy, test_accuracy, seconds)."""
        if self.done:
            raise ValueError(f"{self.label} has already trained for its {self.epochs} epochs")
        batches = mnist1d_batches(self.splits.x_train, self.splits.y_train, self.config.batch_size, self.rng,
                                  self.lengths)
        start, cpu = time.perf_counter(), time.process_time()
        logs = self.model.fit(batches, epochs=self.epoch + 1, initial_epoch=self.epoch, shuffle=False,
                              verbose=0).history
        self.seconds += time.perf_counter() - start
        self.cpu_seconds += time.process_time() - cpu
        probs = self.predictor.predict_batches(self.splits.x_test)
        record = {"epoch": self.epoch + 1, "loss": round(float(logs["loss"][-1]), 5),
                  "accuracy": round(float(logs["accuracy"][-1]), 5),
                  "test_accuracy": float(np.mean(probs.argmax(1) == self.splits.y_test)),
                  "seconds": round(self.seconds, 2)}
        for key, value in record.items():
            self.history[key].append(value)
        return record

    def shipped_model(self):
        """An uncompiled copy holding the trained weights (its saved file carries no optimizer state)."""
        from cnnrnn.models import build_mnist1d

        copy = build_mnist1d(self.kind, self.config)
        copy.set_weights(self.model.get_weights())
        return copy


def train_mnist1d(config=None, weights_dir: Path = WEIGHTS_DIR, models=None, log=print, on_epoch=None) -> dict:
    """Train the MNIST-1D models (all of MNIST1D_MODELS unless `models` names some), save them, run the
    experiments, and write the manifest section "mnist1d". Returns that section.

    Writes `mnist1d_NAME.keras` (uncompiled). Models not retrained keep their
    record; the experiment tables are recomputed once every file exists.
    on_epoch(name, epoch_index, logs) is called after each epoch.
    """
    from cnnrnn.config import MNIST1D
    from cnnrnn.data import MNIST1D_ARGS, load_mnist1d
    from cnnrnn.experiments import mnist1d_experiments

    config = config or MNIST1D
    wanted = list(models or MNIST1D_MODELS)
    unknown = sorted(set(wanted) - set(MNIST1D_MODELS))
    if unknown:
        raise ValueError(f"unknown MNIST-1D model(s) {', '.join(unknown)}; choose from {', '.join(MNIST1D_MODELS)}")
    weights_dir = Path(weights_dir)
    weights_dir.mkdir(parents=True, exist_ok=True)
    data = {variant: load_mnist1d(variant == "shuffled", config.max_train, config.max_test)
            for variant in ("normal", "shuffled")}
    trained = {}
    for name in wanted:
        kind, variant, mixed = MNIST1D_MODELS[name]
        run = Mnist1dRun(kind, data[variant], config, lengths=config.mixed_lengths if mixed else None, label=name)
        log(f"training mnist1d {name} ({run.model.count_params():,} parameters) for {run.epochs} epochs "
            f"on {len(data[variant].x_train):,} {variant} signals" + (" of mixed lengths" if mixed else ""))
        while not run.done:
            record = run.train_epoch()
            if on_epoch:
                on_epoch(name, record["epoch"] - 1, {k: v for k, v in record.items() if k != "epoch"})
        path = weights_dir / f"mnist1d_{name}.keras"
        run.shipped_model().save(path)
        trained[name] = {"file": path.name, "kind": kind, "variant": variant, "mixed_lengths": mixed,
                         "test_accuracy": round(run.test_accuracy, 4), "params": int(run.model.count_params()),
                         "bytes": path.stat().st_size, "train_seconds": round(run.seconds, 1),
                         "train_cpu_seconds": round(run.cpu_seconds, 1), "epochs": run.epochs, "seed": config.seed, "history": run.history,
                         "trained_at": datetime.now(timezone.utc).isoformat(timespec="seconds")}
        log(f"mnist1d {name}: test accuracy {run.test_accuracy:.4f} in {run.seconds:.1f} s "
            f"({run.cpu_seconds:.1f} s of CPU)")
    entry = read_manifest(weights_dir).get("mnist1d", {})
    normal = data["normal"]
    entry.update({"task": "mnist1d", "command": "python -m cnnrnn train mnist1d",
                  "data": {"dataset": "MNIST-1D (Greydanus & Kobak, ICML 2024)", "source": normal.source,
                           "sha256": normal.sha256 or None, "generation_args": dict(MNIST1D_ARGS),
                           "train_size": int(len(normal.x_train)), "test_size": int(len(normal.x_test)),
                           "shuffled": "generated with shuffle_seq=True (one fixed permutation of the 40 points)"},
                  "config": dict(vars(config)), "versions": library_versions()})
    entry["models"] = {name: record for name, record in {**entry.get("models", {}), **trained}.items()
                       if (weights_dir / f"mnist1d_{name}.keras").is_file()}
    if all((weights_dir / f"mnist1d_{name}.keras").is_file() for name in MNIST1D_MODELS):
        log("running the mnist1d experiments (lengths, shifts, latency)")
        from cnnrnn.inference import load_mnist1d_predictors

        tables = mnist1d_experiments(load_mnist1d_predictors(weights_dir), normal, config)
        entry["experiments"] = {key: df.to_dict(orient="records") for key, df in tables.items()}
    update_manifest("mnist1d", entry, weights_dir)
    return entry


MNIST1D_LIVE_WIDTHS = (8, 16, 32, 64)  # the page's choices: filters (cnn), units (gru, mlp)
MNIST1D_LIVE_RATES = (0.001, 0.003, 0.01, 0.03)
MNIST1D_LIVE_MAX_EPOCHS = 40


def start_mnist1d_run(kind: str, splits, *, epochs: int, learning_rate: float, width: int, label: str | None = None,
                      config=None) -> Mnist1dRun:
    """A fresh Mnist1dRun for the page's live training, with the user's choices checked.

    kind: logreg, mlp, cnn or gru; width: the CNN's filters per layer, the GRU's
    units or the MLP's hidden units (ignored by logreg). ValueError with a plain
    message for a choice out of range.
    """
    from dataclasses import replace

    from cnnrnn.config import MNIST1D_LIVE
    from cnnrnn.models import MNIST1D_NAMES

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
    return Mnist1dRun(kind, splits, config, epochs=epochs, learning_rate=learning_rate, label=label)
