"""Training the character models: the shipped LSTM and CNN on tiny Shakespeare, and the page's live LSTM.

`train_charlm` writes charlm_lstm.keras, charlm_cnn.keras, charlm_vocab.json and the
manifest's "charlm" section; `fit_charlm` / `train_live` train in chunks with progress, a
stop test and a time limit (the generation page's live training).
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from pathlib import Path

import keras
import numpy as np
import tensorflow as tf

from cnnrnn.core.fitting import HeldOutLoss, Limits, warmup_cosine
from cnnrnn.core.weights import WEIGHTS_DIR, library_versions, read_manifest, update_manifest, utc_now
from cnnrnn.tasks.charlm.config import CHARLM, CHARLM_LIVE, CHARLM_NAMES
from cnnrnn.tasks.charlm.data import CharVocab, load_shakespeare
from cnnrnn.tasks.charlm.experiments import heldout_losses, heldout_windows, loss_by_position
from cnnrnn.tasks.charlm.model import build_charlm
from cnnrnn.tasks.charlm.model_lstm import build_char_lstm
from cnnrnn.tasks.charlm.predict import CHARLM_VOCAB, CharPredictor, model_file


def charlm_batches(ids: np.ndarray, sequence_length: int, batch_size: int, seed: int):
    """An endless tf.data pipeline of random windows: (x, y), each (batch, sequence_length) int32.

    y is x shifted by one character: every position is a prediction. Offsets are
    drawn by a seeded generator, so a run is reproducible.
    """
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


def fit_charlm(
    model,
    train_ids: np.ndarray,
    val_ids: np.ndarray,
    config,
    vocab,
    *,
    on_progress=None,
    should_stop=None,
    time_limit: float | None = None,
    progress_every: int = 10,
) -> dict:
    """Train a character model in chunks of `eval_every` steps; keep the best held-out weights.

    on_progress(info) is called every `progress_every` steps and after each held-out check,
    with info: step, steps, seconds, loss (training loss, smoothed over ~10 steps), lr, and, after a check,
    val_loss, best_val_loss and evaluated=True. should_stop() -> True stops after the
    current step; so does the time limit (`time_limit`, else config.time_limit; None: none).
    Returns the history: steps, loss, val_steps, val_loss, seconds, best_step, best_val_loss, stopped.
    """
    limit = time_limit if time_limit is not None else config.time_limit
    if not model.compiled:  # a model trained on (the page's Keep training) keeps its optimizer and its state
        model.compile(
            optimizer=keras.optimizers.Adam(config.learning_rate, clipnorm=config.clipnorm),
            loss=keras.losses.SparseCategoricalCrossentropy(from_logits=True),
        )
    windows = heldout_windows(val_ids, config.eval_length, config.max_eval_windows)
    scorer = CharPredictor(model, vocab, live=True)
    history = {"steps": [], "loss": [], "val_steps": [], "val_loss": [], "lr": []}
    state = {"step": 0, "stopped": "steps", "ema": None}
    limits = Limits(limit, should_stop)

    def score():
        return float(np.mean(heldout_losses(scorer, windows))) if len(windows) else None

    heldout = HeldOutLoss(model, score, history)  # the lowest held-out loss and its weights
    best = heldout.best

    class Callback(keras.callbacks.Callback):
        def on_train_batch_begin(self, batch, logs=None):
            progress = limits.progress(state["step"] / max(config.steps, 1))
            self.model.optimizer.learning_rate.assign(
                warmup_cosine(
                    config.learning_rate, state["step"], config.warmup_steps, config.final_lr_fraction, progress
                )
            )

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
                    on_progress(
                        {
                            "step": state["step"],
                            "steps": config.steps,
                            "seconds": limits.elapsed(),
                            "loss": loss,
                            "lr": history["lr"][-1],
                            "time_limit": limit,
                        }
                    )
            if state["step"] >= config.steps:  # the last chunk may be shorter than eval_every
                self.model.stop_training = True
            else:
                reason = limits.reason()  # "time limit", then "stopped" (should_stop), or None
                if reason:
                    state["stopped"] = reason
                    self.model.stop_training = True

        def on_epoch_end(self, epoch, logs=None):
            value = heldout.check(state["step"])
            if on_progress:
                on_progress(
                    {
                        "step": state["step"],
                        "steps": config.steps,
                        "seconds": limits.elapsed(),
                        "loss": state["ema"],
                        "val_loss": value,
                        "best_val_loss": best.score,
                        "evaluated": True,
                        "time_limit": limit,
                    }
                )

    chunk = max(1, min(config.eval_every, config.steps))
    batches = charlm_batches(train_ids, config.sequence_length, config.batch_size, config.seed)
    model.fit(
        batches,
        steps_per_epoch=chunk,
        epochs=int(np.ceil(config.steps / chunk)),
        callbacks=[Callback()],
        verbose=0,
        shuffle=False,
    )  # the batches are shuffled by their seed (Keras warns on shuffle=True)
    heldout.finish(state["step"])  # stopped inside a chunk: the last weights are judged too
    history.update(
        seconds=round(limits.elapsed(), 1),
        best_step=best.at,
        best_val_loss=round(best.score, 5) if best.found else None,
        stopped=state["stopped"],
        step=state["step"],
    )
    return history


def train_charlm(config=None, weights_dir: Path = WEIGHTS_DIR, models=None, log=print, on_progress=None) -> dict:
    """Train the character LSTM and CNN on tiny Shakespeare; save them, the vocabulary and the manifest.

    Writes charlm_lstm.keras, charlm_cnn.keras and charlm_vocab.json in `weights_dir`
    and the manifest section "charlm": held-out loss (nats per character over the
    last 10%), loss by position in the context, parameters, bytes, training time,
    seed, data sha256 and library versions. Models not retrained keep their record.
    """
    config = config or CHARLM
    weights_dir = Path(weights_dir)
    weights_dir.mkdir(parents=True, exist_ok=True)
    corpus = load_shakespeare(config.val_fraction, config.max_chars)
    vocab = CharVocab.from_text(corpus.text)
    vocab_path = weights_dir / CHARLM_VOCAB
    if vocab_path.is_file() and CharVocab.load(vocab_path) != vocab:
        for stale in CHARLM_NAMES:  # a model trained on another vocabulary cannot be kept
            (weights_dir / model_file(stale)).unlink(missing_ok=True)
    vocab.save(vocab_path)
    train_ids, val_ids = vocab.encode(corpus.train_text), vocab.encode(corpus.val_text)
    windows = heldout_windows(val_ids, config.eval_length)
    trained = {}
    for name in models or CHARLM_NAMES:
        model_config = config.for_model(name)
        keras.utils.set_random_seed(config.seed)
        model = build_charlm(name, len(vocab), model_config)
        log(
            f"training charlm {name} ({model.count_params():,} parameters) for up to {model_config.steps:,} steps"
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

        history = fit_charlm(
            model,
            train_ids,
            val_ids,
            model_config,
            vocab,
            on_progress=progress,
            progress_every=max(config.eval_every // 5, 1),
        )
        path = weights_dir / model_file(name)
        shipped = build_charlm(name, len(vocab), model_config)  # uncompiled: no optimizer state in the file
        shipped.set_weights(model.get_weights())
        shipped.save(path)
        predictor = CharPredictor(shipped, vocab, name)
        losses = heldout_losses(predictor, windows)  # (windows, eval_length)
        by_position = loss_by_position({name: predictor}, corpus.val_text, config.eval_length)
        record = {
            "file": path.name,
            "heldout_loss": round(float(losses.mean()), 4),
            "loss_by_position": [round(float(v), 4) for v in by_position["loss"]],
            "loss_by_position_windows": int(by_position["windows"].iloc[0]),
            "params": int(model.count_params()),
            "bytes": path.stat().st_size,
            "train_seconds": history["seconds"],
            "steps": history["step"],
            "best_step": history["best_step"],
            "stopped": history["stopped"],
            "history": history,
            "seed": config.seed,
            "config": dict(vars(config)),
            "versions": library_versions(),
            "trained_at": utc_now(),
        }
        if name == "cnn":
            record["receptive_field"] = config.receptive_field
        trained[name] = record
        log(f"{name}: held-out {record['heldout_loss']:.4f} nats/char in {history['seconds']:.0f} s")
    entry = read_manifest(weights_dir).get("charlm", {})
    entry.update(
        {
            "task": "charlm",
            "command": "python -m cnnrnn train charlm",
            "data": {
                "file": corpus.source,
                "sha256": corpus.sha256,
                "chars": len(corpus.text),
                "train_chars": len(corpus.train_text),
                "heldout_chars": len(corpus.val_text),
                "val_fraction": config.val_fraction,
            },
            "vocab": {"file": CHARLM_VOCAB, "size": len(vocab)},
            "evaluation": (
                f"mean nats per character over every position of the {len(windows)} "
                f"non-overlapping {config.eval_length}-character windows of the held-out text; "
                f"loss by position over windows starting every {config.eval_length // 4} "
                "characters"
            ),
            "eval_length": config.eval_length,
        }
    )
    entry["models"] = {
        name: record
        for name, record in {**entry.get("models", {}), **trained}.items()
        if (weights_dir / model_file(name)).is_file()
    }
    update_manifest("charlm", entry, weights_dir)
    return entry


@dataclass
class LiveModel:
    """A character LSTM trained on the page: the predictor to sample from, and how training went."""

    predictor: object  # predict.CharPredictor (live: it reads the model's current weights)
    vocab: object  # data.CharVocab of the user's text
    history: dict
    corpus_chars: int
    config: object


def start_live_model(corpus, config=None) -> LiveModel:
    """Build (untrained) the live LSTM for a CharCorpus: vocabulary, model, predictor."""
    config = config or CHARLM_LIVE
    vocab = CharVocab.from_text(corpus.text)
    model = build_char_lstm(len(vocab), config, seed=config.seed)  # its own seeds: no global reseeding
    return LiveModel(CharPredictor(model, vocab, "your LSTM", live=True), vocab, {}, len(corpus.text), config)


LIVE_PROGRESS_EVERY = 2  # steps between progress reports while a page trains (its fragment polls them);
# Stop is read before every batch (should_stop), so it lands within a few tenths of a second


def train_live(
    live: LiveModel,
    corpus,
    *,
    on_progress=None,
    should_stop=None,
    time_limit: float | None = None,
    steps: int | None = None,
    progress_every: int = LIVE_PROGRESS_EVERY,
) -> LiveModel:
    """Train (or keep training) a LiveModel on its corpus, for at most `time_limit` seconds.

    A thin wrapper of fit_charlm for the page: the held-out text is the corpus's
    last 10%, and the model ends on its best held-out weights. `live.history`
    (steps, loss, val_steps, val_loss, step, seconds) grows as training goes, so a
    run interrupted from outside (the page's Stop button) keeps what it recorded.
    Training on keeps the model's optimizer (Adam's moments and step count).
    """
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
    if offset:  # Keep training: fresh windows, not the first run's again
        config = replace(config, seed=config.seed + offset)

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

    result = fit_charlm(
        live.predictor.model,
        train_ids,
        val_ids,
        config,
        live.vocab,
        on_progress=progress,
        should_stop=should_stop,
        time_limit=time_limit,
        progress_every=progress_every,
    )
    history.update(
        step=offset + result["step"],
        seconds=round(before + result["seconds"], 1),
        stopped=result["stopped"],
        best_val_loss=result["best_val_loss"],
    )
    return live
