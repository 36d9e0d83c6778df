"""Training the sentiment models: MR plus negation templates, naive-Bayes tables, early stopping.

`train_sentiment` trains the rnn and the cnn (or a subset) on MR's 8,595 training sentences
plus `text.negation_templates`, saves `sentiment_<name>.keras`, re-measures exactly what was
saved on the test split, runs the experiments and writes the manifest's "sentiment" section.
"""

from __future__ import annotations

import time
from pathlib import Path

import keras
import numpy as np
import tensorflow as tf
from keras import ops

from cnnrnn.core.fitting import KeepBest, epoch_callback
from cnnrnn.core.predictor import load_model
from cnnrnn.core.weights import WEIGHTS_DIR, library_versions, read_manifest, update_manifest, utc_now
from cnnrnn.tasks.sentiment.config import SENTIMENT_NAMES
from cnnrnn.tasks.sentiment.data import load_polarity
from cnnrnn.tasks.sentiment.experiments import sentiment_experiments
from cnnrnn.tasks.sentiment.layers import bigram_buckets, core_of, keep_ids_of, set_nb_tables, text_ids, vectorizer_of
from cnnrnn.tasks.sentiment.model import TextPredictor, architecture, build_sentiment_core, build_sentiment_model
from cnnrnn.tasks.sentiment.predict import TASK, weights_file
from cnnrnn.tasks.sentiment.text import (
    build_vocabulary,
    nb_id_ratios,
    nb_log_ratios,
    nb_out_of_fold_ratios,
    negation_templates,
)

SENTIMENT_BUCKETS = (8, 16, 24, 32, 48, 64)  # RNN batches are padded to the next of these (fewer traces)


def _sentiment_batches(
    ids: np.ndarray, labels: np.ndarray, batch_size: int, seed: int, bucketed: bool, ratios: np.ndarray | None = None
):
    """A tf.data pipeline of (ids, labels) batches, reshuffled every epoch.

    ids: (n, steps) int64, zero-padded at the end. ratios: (n, steps, channels)
    float32 naive-Bayes ratios per token; when given, batches are ((ids, ratios),
    labels). Bucketed (RNN): sentences of similar length share a batch, padded to
    the next of SENTIMENT_BUCKETS, so the GRU does not run over 40 padding steps
    for a 10-word sentence.
    """
    lengths = (ids != 0).sum(axis=1)
    labels = labels.astype(np.float32)
    rng = np.random.default_rng(seed)
    count = int(np.ceil(len(ids) / batch_size))

    def batches():
        if bucketed:  # sort by length with noise, cut into batches, shuffle the batches
            order = np.argsort(lengths + rng.uniform(0, 4, len(lengths)), kind="stable")
        else:
            order = rng.permutation(len(lengths))
        chunks = [order[i : i + batch_size] for i in range(0, len(order), batch_size)]
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


def _select_best(
    x_val: np.ndarray, y_val: np.ndarray, patience: int, ema_momentum: float = 0.0, extra_val: tuple | None = None
):
    """Keras callback: validation accuracy after each epoch, early stopping, best weights restored.

    With `ema_momentum` > 0 the weights judged (and kept) are an exponential
    moving average of the trained ones, updated after every batch (Polyak
    averaging): smoother than the last step's weights on a small data set.
    `extra_val` (x, y), held-out negation templates, is scored too: the epoch
    kept is the one with the best validation accuracy minus the shortfall of
    the template accuracy below 90% (so it is one that has learned them).
    Adds val_loss, val_accuracy (and val_template_accuracy) to the epoch logs;
    `best_epoch` is 1-based (0 before any epoch).
    """

    class SelectBest(keras.callbacks.Callback):
        def on_train_begin(self, logs=None):
            self.keep, self.wait = KeepBest(higher=True), 0
            self.average = [ops.convert_to_numpy(v) for v in self.model.trainable_variables] if ema_momentum else None

        @property
        def best_epoch(self) -> int:
            return self.keep.at

        def on_train_batch_end(self, batch, logs=None):
            if self.average is not None:
                m = ema_momentum
                self.average = [
                    m * a + (1 - m) * ops.convert_to_numpy(v)
                    for a, v in zip(self.average, self.model.trainable_variables)
                ]

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
            return np.concatenate(
                [
                    ops.convert_to_numpy(
                        self.model(
                            [p[i : i + 256] for p in parts] if len(parts) > 1 else parts[0][i : i + 256], training=False
                        )
                    ).reshape(-1)
                    for i in range(0, len(parts[0]), 256)
                ]
            )

        def on_epoch_end(self, epoch, logs=None):
            weights = self._judged()
            current = self.model.get_weights()
            self.model.set_weights(weights)  # judge (and keep) the judged weights
            probs = self._probs(x_val)
            extra = float(np.mean((self._probs(extra_val[0]) >= 0.5) == extra_val[1])) if extra_val else None
            clipped = np.clip(probs, 1e-7, 1 - 1e-7)
            accuracy = float(np.mean((probs >= 0.5) == y_val))
            if logs is not None:
                logs["val_accuracy"] = accuracy
                logs["val_loss"] = float(-np.mean(y_val * np.log(clipped) + (1 - y_val) * np.log(1 - clipped)))
                if extra is not None:
                    logs["val_template_accuracy"] = extra
            # An epoch that has not yet learned the held-out templates (>= 90%) is marked down.
            score = accuracy if extra is None else accuracy - max(0.0, 0.9 - extra)
            improved = self.keep.update(score, self.model, epoch + 1)
            self.model.set_weights(current)
            if improved:
                self.wait = 0
            else:
                self.wait += 1
                if self.wait >= patience:
                    self.model.stop_training = True

        def on_train_end(self, logs=None):
            self.keep.restore(self.model)

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
    counted = len(texts) if name in config.nb_with_templates else mr_count
    tables = [nb_log_ratios(texts[:counted], labels[:counted], vocabulary, config.nb_alpha, config.nb_min_count)]
    buckets = architecture(name).pair_buckets(config)
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
    set_nb_tables(core, tables.get("tables", []))


def train_sentiment_model(name: str, splits, vocabulary, config, on_epoch=None):
    """Train one sentiment model; returns (full string model, seconds, history dict, best epoch).

    The returned model is a fresh, uncompiled pipeline holding the best weights
    (so the saved file carries no optimizer state).
    """
    arch = architecture(name)
    seed = config.model_seed(name)
    keras.utils.set_random_seed(seed)
    model = build_sentiment_model(name, vocabulary, config)
    core = core_of(model)

    def vectorize(texts):
        return text_ids(model, texts)

    train_texts, train_labels = list(splits.x_train), np.asarray(splits.y_train)
    if config.negation_templates:
        extra, extra_labels = negation_templates(splits.x_train, splits.y_train, config.negation_templates, seed)
        train_texts = train_texts + extra
        train_labels = np.concatenate([train_labels, np.asarray(extra_labels, train_labels.dtype)])
        held, held_labels = negation_templates(
            splits.x_train, splits.y_train, max(200, config.negation_templates // 4), seed + 1
        )
        template_val = (vectorize(held), np.asarray(held_labels, np.float32)) if held else None
    else:
        template_val = None
    tables = _nb_tables(name, config, vocabulary, vectorize, train_texts, train_labels, len(splits.x_train))
    x_train, x_val = vectorize(train_texts), vectorize(splits.x_val)
    variable_length = arch.sequence_length(config) is None
    if variable_length:  # the RNN: no steps beyond the longest validation sentence
        x_val = x_val[:, : max(1, int((x_val != 0).sum(axis=1).max()))]
    train_ratios = None
    folds = arch.nb_folds(config)
    if tables and folds:
        # Out of fold in training (`text.nb_out_of_fold_ratios`); held-out text reads the tables, as shipped.
        counted = np.arange(len(x_train)) < tables["counted"]
        train_ratios = np.stack(
            [
                nb_out_of_fold_ratios(
                    ids, train_labels, counted, len(table), folds, seed, config.nb_alpha, config.nb_min_count
                )
                for ids, table in zip(tables["ids"](x_train), tables["tables"])
            ],
            axis=-1,
        )
        core = build_sentiment_core(name, len(tables["tables"][0]), config, keep_ids_of(vocabulary), ratio_input=True)
        x_val = (x_val, tables["lookup"](x_val))
        if template_val is not None:
            template_val = ((template_val[0], tables["lookup"](template_val[0])), template_val[1])
    else:
        _set_nb_tables(core, tables)
    optimizer = (
        keras.optimizers.AdamW(config.learning_rate, weight_decay=config.weight_decay)
        if config.weight_decay
        else keras.optimizers.Adam(config.learning_rate)
    )
    core.compile(optimizer=optimizer, loss="binary_crossentropy", metrics=["accuracy"])
    select = _select_best(x_val, splits.y_val.astype(np.float32), config.patience, config.ema_momentum, template_val)
    callbacks = [select] + ([epoch_callback(name, on_epoch)] if on_epoch else [])
    start = time.perf_counter()
    history = core.fit(
        _sentiment_batches(x_train, train_labels, config.batch_size, seed, variable_length, train_ratios),
        epochs=config.epochs,
        callbacks=callbacks,
        shuffle=False,
        verbose=0,
    )
    seconds = time.perf_counter() - start
    history = {k: [float(v) for v in vals] for k, vals in history.history.items()}
    best = select.best_epoch or len(history["loss"])
    shipped = build_sentiment_core(name, vectorizer_of(model).vocabulary_size(), config, keep_ids_of(vocabulary))
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
    weights_dir = Path(weights_dir)
    weights_dir.mkdir(parents=True, exist_ok=True)
    splits = load_polarity(config.val_size, config.test_size, config.split_seed, config.max_train)
    vocabulary = build_vocabulary(splits.x_train, config.max_features - 2)
    x_test, y_test = splits.x_test[: config.max_test], splits.y_test[: config.max_test]
    entry = {
        "task": TASK,
        "data": {
            "dataset": "sentence polarity v1.0 (Pang & Lee 2005)",
            "files": splits.files,
            "train_size": len(splits.x_train),
            "val_size": len(splits.x_val),
            "test_size": len(splits.x_test),
            "split_seed": config.split_seed,
        },
        "config": {k: v for k, v in vars(config).items()},
        "seed": config.seed,
        "vocabulary_size": len(vocabulary) + 2,
        "models": {},
    }
    wanted = list(models or SENTIMENT_NAMES)
    unknown = sorted(set(wanted) - set(SENTIMENT_NAMES))
    if unknown:
        raise ValueError(f"unknown sentiment model(s) {', '.join(unknown)}; choose from {', '.join(SENTIMENT_NAMES)}")
    previous = read_manifest(weights_dir).get(TASK, {}).get("models", {})
    predictors = {}
    for name in SENTIMENT_NAMES:
        path = weights_dir / weights_file(name)
        if name not in wanted:
            if not path.is_file() or name not in previous:
                raise FileNotFoundError(f"{path} (or its manifest entry) is missing: retrain it too")
            predictors[name] = TextPredictor(load_model(path))
            entry["models"][name] = previous[name]
            continue
        log(f"training sentiment {name} for up to {config.epochs} epochs on {len(splits.x_train)} sentences")
        model, seconds, history, best = train_sentiment_model(name, splits, vocabulary, config, on_epoch)
        model.save(path)
        predictor = TextPredictor(load_model(path))  # measure exactly what ships
        accuracy = float(np.mean((predictor.predict_batches(x_test) >= 0.5) == y_test))
        predictors[name] = predictor
        entry["models"][name] = {
            "file": path.name,
            "test_accuracy": accuracy,
            "params": int(model.count_params()),
            "bytes": path.stat().st_size,
            "train_seconds": round(seconds, 1),
            "seed": config.model_seed(name),
            "best_epoch": best,
            "val_accuracy": history["val_accuracy"][best - 1],
            "val_template_accuracy": history.get("val_template_accuracy", [None] * best)[best - 1],
            "sequence_length": predictor.sequence_length,
            "history": history,
        }
        log(f"sentiment {name}: test accuracy {accuracy:.4f} (best epoch {best}) in {seconds:.0f}s")
    log("running the sentiment experiments on the test split")
    tables = sentiment_experiments(predictors, x_test, y_test, config)
    entry["experiments"] = {key: df.to_dict(orient="records") for key, df in tables.items()}
    entry["versions"] = library_versions()
    entry["trained_at"] = utc_now()
    entry["command"] = "python -m cnnrnn train sentiment"
    update_manifest(TASK, entry, weights_dir)
    return entry
