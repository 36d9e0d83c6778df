"""Training the Tang-poem LSTM and CNN: one poem a sequence, padded in four length buckets, masked loss.

`train_tang` writes tang_lstm.keras, tang_cnn.keras (float16 weights), tang_vocab.json and the
manifest's "tang" section: held-out loss, loss by position, form accuracy per form and per line,
first-line completion, training time, data sha256. `fit_tang` is the loop (warm-up and cosine,
a time limit, the best held-out weights kept).
"""

from __future__ import annotations

from pathlib import Path

import keras
import numpy as np
import tensorflow as tf

from cnnrnn.core.fitting import HeldOutLoss, Limits, warmup_cosine
from cnnrnn.core.predictor import load_model
from cnnrnn.core.weights import WEIGHTS_DIR, library_versions, read_manifest, update_manifest, utc_now
from cnnrnn.tasks.charlm.api import CharPredictor, CharVocab, build_charlm
from cnnrnn.tasks.charlm.tang.config import TANG, TANG_NAMES
from cnnrnn.tasks.charlm.tang.data import (
    UNKNOWN,
    bucket_edges,
    build_vocab,
    corpus_sequences,
    form_share,
    load_tang,
    pad_batch,
)
from cnnrnn.tasks.charlm.tang.experiments import (
    anthology_first_lines,
    completion,
    form_figures,
    loss_by_position,
    mean_loss,
    poem_losses,
)
from cnnrnn.tasks.charlm.tang.predict import TANG_VOCAB, PoemPredictor, float32_model, model_file


def poem_batches(seqs, config, seed: int):
    """An endless generator of (x, y) int32 batches: a length bucket (uniformly when config.uniform_buckets,
    else by its share of the poems), then `batch_size` poems of it drawn with replacement.

    x is each sequence without its last id, y without its first, padded with 0 (PAD, never a target)
    to the bucket's length.
    """
    edges = bucket_edges(config.max_length)
    buckets = [[] for _ in edges]
    for s in seqs:
        buckets[next(i for i, e in enumerate(edges) if len(s) <= e)].append(s)
    sizes = np.array([len(b) for b in buckets], float)
    weights = (sizes > 0).astype(float) if getattr(config, "uniform_buckets", False) else sizes
    rng = np.random.default_rng(seed)
    while True:
        b = rng.choice(len(edges), p=weights / weights.sum())
        rows = rng.integers(0, len(buckets[b]), config.batch_size)
        batch = pad_batch([buckets[b][i] for i in rows], edges[b])
        yield batch[:, :-1], batch[:, 1:]


def fit_tang(model, train_seqs, held_seqs, config, vocab, *, on_progress=None, should_stop=None) -> dict:
    """Train in steps of `batch_size` poems; every `eval_every` steps judge `eval_poems` held-out poems, keep
    the best."""
    optimizer = keras.optimizers.Adam(config.learning_rate, clipnorm=config.clipnorm)
    optimizer.build(model.trainable_variables)
    spec = tf.TensorSpec([None, None], tf.int32)

    @tf.function(input_signature=[spec, spec])
    def train_step(x, y):
        with tf.GradientTape() as tape:
            logits = model(x, training=True)
            losses = tf.nn.sparse_softmax_cross_entropy_with_logits(labels=y, logits=logits)
            mask = tf.cast(y > 0, tf.float32)
            loss = tf.reduce_sum(losses * mask) / tf.maximum(tf.reduce_sum(mask), 1.0)
        grads = tape.gradient(loss, model.trainable_variables)
        optimizer.apply_gradients(zip(grads, model.trainable_variables))
        return loss

    rng = np.random.default_rng(config.seed)
    check_seqs = held_seqs
    if config.eval_poems and len(held_seqs) > config.eval_poems:
        check_seqs = [held_seqs[i] for i in sorted(rng.choice(len(held_seqs), config.eval_poems, replace=False))]
    scorer = CharPredictor(model, vocab, live=True)
    limits = Limits(config.time_limit, should_stop)
    history = {"steps": [], "loss": [], "val_steps": [], "val_loss": []}
    stopped, ema, step = "steps", None, 0

    def report(value):
        if on_progress:
            on_progress(
                {
                    "step": step,
                    "steps": config.steps,
                    "seconds": limits.elapsed(),
                    "loss": ema,
                    "val_loss": value,
                    "best_val_loss": heldout.best.score,
                    "evaluated": True,
                }
            )

    heldout = HeldOutLoss(model, lambda: mean_loss(poem_losses(scorer, check_seqs)), history, on_check=report)

    for x, y in poem_batches(train_seqs, config, config.seed):
        optimizer.learning_rate.assign(
            warmup_cosine(
                config.learning_rate,
                step,
                config.warmup_steps,
                config.final_lr_fraction,
                limits.progress(step / max(config.steps, 1)),
            )
        )
        loss = float(train_step(tf.constant(x), tf.constant(y)))
        step += 1
        ema = loss if ema is None else 0.9 * ema + 0.1 * loss
        if step % 10 == 0 or step == 1:
            history["steps"].append(step)
            history["loss"].append(round(ema, 5))
            if on_progress:
                on_progress({"step": step, "steps": config.steps, "seconds": limits.elapsed(), "loss": ema})
        if step % config.eval_every == 0:
            heldout.check(step)
        if step >= config.steps:
            break
        reason = limits.reason()
        if reason:
            stopped = reason
            break
    heldout.finish(step)
    history.update(
        seconds=round(limits.elapsed(), 1),
        best_step=heldout.best.at,
        best_val_loss=round(heldout.best.score, 5),
        stopped=stopped,
        step=step,
    )
    return history


def save_model(model, name: str, config, vocab_size: int, path: Path) -> keras.Model:
    """Save `model` (uncompiled, float16 weights when config.store_float16) and return the float32 model read back."""
    policy = keras.config.dtype_policy()
    try:
        if config.store_float16:
            keras.config.set_dtype_policy("float16")
        shipped = build_charlm(name, vocab_size, config.for_model(name))
    finally:
        keras.config.set_dtype_policy(policy)
    shipped.set_weights([np.asarray(w, shipped.weights[i].dtype) for i, w in enumerate(model.get_weights())])
    shipped.save(path)
    return float32_model(load_model(path))


def measure(predictor, held_seqs, first_lines, config) -> dict:
    """A shipped model's figures: held-out loss, loss by position, forms (per form and line), first-line completion."""
    losses = poem_losses(predictor, held_seqs)
    forms = form_figures(predictor, config.form_poems, config.temperature)
    figures = {
        "heldout_loss": round(mean_loss(losses), 4),
        "loss_by_position": [round(v, 4) for v in loss_by_position(losses)],
        "forms": forms,
        "form_accuracy": {f: v["accuracy"] for f, v in forms.items()},
    }
    if first_lines:
        figures["first_line_completion"] = completion(
            predictor, first_lines, config.completion_seeds, config.temperature
        )
    return figures


def figures_line(record: dict) -> str:
    """One log line of a model's form figures."""
    line = "in form: " + ", ".join(f"{f} {v:.3f}" for f, v in record["form_accuracy"].items())
    if "first_line_completion" in record:
        line += f"; first lines completed in form {record['first_line_completion']['share']:.3f}"
    return line


def remeasure_tang(config=None, weights_dir: Path = WEIGHTS_DIR, log=print) -> dict:
    """Measure the Tang files in `weights_dir` again (no training) and update their manifest records.

    For a change in how the figures are measured; `train_tang` measures with the same `measure`.
    """
    config = config or TANG
    entry = read_manifest(weights_dir)["tang"]
    corpus = load_tang(config)
    vocab = CharVocab.load(Path(weights_dir) / TANG_VOCAB)
    _, held_seqs = corpus_sequences(corpus, vocab, config)
    first_lines = anthology_first_lines()
    for name, record in entry["models"].items():
        predictor = PoemPredictor(float32_model(load_model(Path(weights_dir) / model_file(name))), vocab, name)
        record.update(measure(predictor, held_seqs, first_lines, config), measured_at=utc_now())
        log(f"{name}: held-out {record['heldout_loss']:.4f}; {figures_line(record)}")
    entry["first_lines"] = len(first_lines)
    update_manifest("tang", entry, weights_dir)
    return entry


def train_tang(config=None, weights_dir: Path = WEIGHTS_DIR, models=None, log=print, on_progress=None) -> dict:
    """Train the Tang LSTM and CNN; save them, the vocabulary and the manifest section "tang"."""
    config = config or TANG
    weights_dir = Path(weights_dir)
    weights_dir.mkdir(parents=True, exist_ok=True)
    corpus = load_tang(config)
    vocab = build_vocab(corpus.train_poems, config.vocab_size)
    vocab_path = weights_dir / TANG_VOCAB
    if vocab_path.is_file() and CharVocab.load(vocab_path) != vocab:
        for stale in TANG_NAMES:  # a model trained on another vocabulary cannot be kept
            (weights_dir / model_file(stale)).unlink(missing_ok=True)
    vocab.save(vocab_path)
    train_seqs, held_seqs = corpus_sequences(corpus, vocab, config)
    try:
        first_lines = anthology_first_lines()
    except FileNotFoundError:
        first_lines = []
    trained = {}
    for name in models or TANG_NAMES:
        model_config = config.for_model(name)
        keras.utils.set_random_seed(config.seed)
        model = build_charlm(name, len(vocab), model_config)
        log(
            f"training tang {name} ({model.count_params():,} parameters) for up to {model_config.steps:,} steps"
            + (f" or {model_config.time_limit:.0f} s" if model_config.time_limit else "")
        )

        def progress(info, name=name):
            if info.get("evaluated"):
                log(
                    f"  {name} step {info['step']:,}: loss {info['loss']:.4f}, held-out {info['val_loss']:.4f} "
                    f"({info['seconds']:.0f} s)"
                )
            if on_progress:
                on_progress(name, info)

        history = fit_tang(model, train_seqs, held_seqs, model_config, vocab, on_progress=progress)
        float32_loss = mean_loss(poem_losses(CharPredictor(model, vocab, live=True), held_seqs))
        path = weights_dir / model_file(name)
        predictor = PoemPredictor(save_model(model, name, config, len(vocab), path), vocab, name)
        record = {
            "file": path.name,
            "heldout_loss_float32": round(float32_loss, 4),
            **measure(predictor, held_seqs, first_lines, config),
            "params": int(model.count_params()),
            "bytes": path.stat().st_size,
            "weights_dtype": "float16" if config.store_float16 else "float32",
            "train_seconds": history["seconds"],
            "steps": history["step"],
            "best_step": history["best_step"],
            "stopped": history["stopped"],
            "history": history,
            "seed": config.seed,
            "config": {k: (list(v) if isinstance(v, tuple) else v) for k, v in vars(model_config).items()},
            "versions": library_versions(),
            "trained_at": utc_now(),
        }
        if name == "cnn":
            record["receptive_field"] = config.receptive_field
        trained[name] = record
        log(
            f"{name}: held-out {record['heldout_loss']:.4f} nats/char (float32 {record['heldout_loss_float32']:.4f}) "
            f"in {history['seconds']:.0f} s; {figures_line(record)}"
        )
    unknown_share = float(np.mean(np.concatenate(held_seqs) == vocab.index[UNKNOWN]))
    entry = read_manifest(weights_dir).get("tang", {})
    entry.update(
        {
            "task": "tang",
            "command": "python -m cnnrnn train tang",
            "data": {
                "file": corpus.source,
                "sha256": corpus.sha256,
                "poems": len(corpus.poems),
                "train_poems": len(train_seqs),
                "heldout_poems": len(held_seqs),
                "heldout_fraction": config.heldout_fraction,
                "split_seed": config.split_seed,
                "forms": form_share(corpus.poems),
                "licence": "chinese-poetry database, MIT licence (c) 2016 JackeyGao; poems public domain",
            },
            "vocab": {"file": TANG_VOCAB, "size": len(vocab), "heldout_unknown_share": round(unknown_share, 4)},
            "evaluation": (
                "mean nats per predicted character over every held-out poem, read from its start "
                "mark to its end mark; form accuracy: of seeded poems written from nothing at "
                f"temperature {config.temperature}, the share keeping every line's length and mark"
            ),
            "first_lines": len(first_lines),
        }
    )
    entry["models"] = {
        name: record
        for name, record in {**entry.get("models", {}), **trained}.items()
        if (weights_dir / model_file(name)).is_file()
    }
    update_manifest("tang", entry, weights_dir)
    return entry
