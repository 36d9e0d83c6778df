"""Training the character models: the shipped LSTM and CNN on tiny Shakespeare, and the page's live LSTM.

`train_charlm` trains the LSTM and the CNN under the fair-fight protocol (`charlm_protocol`: the same steps of the
same characters, each model's rate from the same grid on the validation text, several seeds; `charlm_fit` runs one
of them, `_CharRun`, checkpointed) and writes charlm_lstm.keras, charlm_cnn.keras (the median seeds),
charlm_vocab.json and the manifest's "charlm" section; `fit_charlm` / `train_live` train in chunks with progress,
a stop test and a time limit (the generation page's live training).
"""

from __future__ import annotations

import time
from dataclasses import dataclass, replace
from pathlib import Path

import keras
import numpy as np
import tensorflow as tf

from cnnrnn.core.fitting import Checkpoint, HeldOutLoss, Limits, warmup_cosine
from cnnrnn.core.protocol import Protocol
from cnnrnn.core.seeds import RunResult, RunSpec, run_protocol, run_result, ship, shipped_fields
from cnnrnn.core.weights import WEIGHTS_DIR, library_versions, read_manifest, update_manifest
from cnnrnn.tasks.charlm.config import CHARLM, CHARLM_LIVE, CHARLM_NAMES
from cnnrnn.tasks.charlm.data import CharVocab, load_shakespeare
from cnnrnn.tasks.charlm.experiments import heldout_losses, heldout_windows, loss_by_position
from cnnrnn.tasks.charlm.model import build_charlm
from cnnrnn.tasks.charlm.model_lstm import build_char_lstm
from cnnrnn.tasks.charlm.predict import CHARLM_VOCAB, CharPredictor, load_charlm, model_file


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


def charlm_protocol(config, models=None) -> Protocol:
    """The character models' fair-fight protocol for `config`: the same `steps` steps of `batch_size` windows of
    `sequence_length` characters for the LSTM and the CNN (the same characters), each model's rate from the same
    grid, judged on the test text's loss (lower is better; the paired test of the shipped seeds is a bootstrap over
    the test windows)."""
    names = set(models or CHARLM_NAMES)
    cut = max(1, int(round(config.steps * config.reduced_share)))
    return Protocol(
        metric="heldout_loss",
        val_metric="val_loss",
        higher_is_better=False,
        steps=config.steps,
        batch_size=config.batch_size,
        lr_grid=tuple(config.lr_grid),
        label="test loss in nats per character",
        unit="characters",
        per_step=config.batch_size * config.sequence_length,
        seeds=config.seeds,
        grid_steps=max(1, int(round(config.steps * config.grid_share))),
        reduced={name: cut for name in config.reduced if name in names},
        pairs=(("lstm", "cnn"),) if {"lstm", "cnn"} <= names else (),
        test="bootstrap",
    )


@dataclass(frozen=True)
class CharSplits:
    """Tiny Shakespeare cut for the protocol: the vocabulary (of the whole text), the training ids (the first 85%),
    and the validation and test windows (every non-overlapping `eval_length`-character window of the 5% before the
    last 10%, and of the last 10%: the held-out text `evaluate` scores)."""

    vocab: CharVocab
    train_ids: np.ndarray
    val_windows: np.ndarray
    test_windows: np.ndarray
    train_chars: int
    val_chars: int


def charlm_splits(corpus, vocab, config) -> CharSplits:
    """The corpus's training, validation and test parts (`CharSplits`) for `config`."""
    cut = corpus.split - int(len(corpus.text) * config.validation_fraction)
    if cut <= config.sequence_length + 1:
        raise ValueError(f"{len(corpus.text):,} characters leave too little training text before the validation text")
    train, val = corpus.text[:cut], corpus.text[cut : corpus.split]
    return CharSplits(
        vocab=vocab,
        train_ids=vocab.encode(train),
        val_windows=heldout_windows(vocab.encode(val), config.eval_length),
        test_windows=heldout_windows(vocab.encode(corpus.val_text), config.eval_length),
        train_chars=len(train),
        val_chars=len(val),
    )


class _CharRun:
    """One protocol run of a character model, resumable: trained from scratch at the spec's rate and seed for its
    steps (a warm-up of at most a tenth of them, then a cosine to `final_lr_fraction` of the rate), the loss on
    every validation window every `eval_every` steps and at the end; weights, optimizer state and history are
    checkpointed in the run's folder every `config.checkpoint_seconds` CPU seconds (`cnnrnn.core.fitting.Checkpoint`;
    a resumed run draws its windows from a seed that depends on the step it resumes at, so it is not bit-identical
    to an unbroken one)."""

    def __init__(self, spec: RunSpec, data: CharSplits, config, log=print):
        self.spec, self.data, self.config = spec, data, config.for_model(spec.model)
        self.warmup = min(config.warmup_steps, max(1, spec.steps // 10))
        keras.utils.set_random_seed(spec.seed)
        self.model = build_charlm(spec.model, len(data.vocab), self.config)
        self.model.compile(
            optimizer=keras.optimizers.Adam(spec.lr, clipnorm=config.clipnorm),
            loss=keras.losses.SparseCategoricalCrossentropy(from_logits=True),
        )
        self.done, self.cpu, self.seconds, self.history = 0, 0.0, 0.0, []
        self.saved = Checkpoint(spec.folder)
        state = self.saved.state()
        if state is not None:
            self.saved.restore(self.model)
            self.done, self.cpu, self.seconds = state["done"], state["cpu"], state["seconds"]
            self.history = state["history"]
            log(f"    {spec.label}: resumed at step {self.done:,} ({self.cpu:.0f} CPU s)")
        self.scorer = CharPredictor(self.model, data.vocab, spec.model, live=True)  # reads the weights as they train

    def checkpoint(self) -> None:
        state = {"done": self.done, "cpu": self.cpu, "seconds": self.seconds, "history": self.history}
        self.saved.save(self.model, state)

    def validation(self) -> float:
        """Nats per character over every validation window, with the weights as they are now."""
        return float(np.mean(heldout_losses(self.scorer, self.data.val_windows)))

    def train(self, log=print) -> None:
        spec, config = self.spec, self.config
        seed = spec.seed * 100_003 + self.done  # a resumed run draws fresh windows
        batches = iter(charlm_batches(self.data.train_ids, config.sequence_length, config.batch_size, seed))
        eval_every = max(1, config.eval_every)
        last, losses = self.cpu, []
        while self.done < spec.steps:
            cpu, wall = time.process_time(), time.perf_counter()
            rate = warmup_cosine(spec.lr, self.done, self.warmup, config.final_lr_fraction, self.done / spec.steps)
            self.model.optimizer.learning_rate.assign(rate)
            x, y = next(batches)
            losses.append(float(self.model.train_on_batch(x, y, return_dict=True)["loss"]))
            self.done += 1
            self.cpu += time.process_time() - cpu
            self.seconds += time.perf_counter() - wall
            checked = self.done % eval_every == 0 or self.done == spec.steps
            if checked:
                val, loss = self.validation(), float(np.mean(losses))
                point = {"step": self.done, "seconds": round(self.cpu, 2), "val_metric": round(val, 6)}
                self.history.append({**point, "loss": round(loss, 5)})
                losses = []
            if self.done < spec.steps and self.cpu - last >= config.checkpoint_seconds:
                self.checkpoint()
                last = self.cpu
            if checked:
                log(f"    {spec.label}: step {self.done:,} loss {loss:.4f} val {val:.4f} ({self.cpu:.0f} CPU s)")

    def clean_model(self) -> keras.Model:
        """The trained weights in an uncompiled model (no optimizer state in the file)."""
        clean = build_charlm(self.spec.model, len(self.data.vocab), self.config)
        clean.set_weights(self.model.get_weights())
        return clean


def charlm_fit(data: CharSplits, config, log=print):
    """The protocol's fit(spec) for the character models (`_CharRun`); a run's test metric is the mean loss over
    every test window (what `evaluate charlm` measures of a shipped file), its per-item outcomes each window's mean
    loss (the paired bootstrap's items)."""

    def fit(spec: RunSpec) -> RunResult:
        run = _CharRun(spec, data, config, log)
        run.train(log)
        model = run.clean_model()
        model.save(spec.folder / "model.keras")
        losses = heldout_losses(CharPredictor(model, data.vocab, spec.model), data.test_windows)
        return run_result(run, spec, losses.mean(), model.count_params(), losses.mean(axis=1))

    return fit


def train_charlm(
    config=None, weights_dir: Path = WEIGHTS_DIR, models=None, log=print, seeds: int | None = None
) -> dict:
    """Train the character LSTM and CNN on tiny Shakespeare under the fair-fight protocol; ship them, the
    vocabulary and the manifest.

    The models (CHARLM_NAMES, or those `models` names) train under `charlm_protocol` (every run kept in the runs
    folder, checkpointed, so the same command continues and a finished run is not trained again; `seeds`
    overrides the config's count), and each one's median seed by validation loss is shipped as charlm_<name>.keras
    beside charlm_vocab.json. The manifest section "charlm" records the protocol's fields, the held-out loss of
    the shipped seed (nats per character over the last 10%) and, for it only, the loss by position in the context.
    Models not retrained keep their record.
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
    data = charlm_splits(corpus, vocab, config)
    wanted = [name for name in CHARLM_NAMES if name in (models or CHARLM_NAMES)]
    protocol = charlm_protocol(config, wanted)
    result = run_protocol("charlm", protocol, wanted, charlm_fit(data, config, log), weights_dir, seeds, log)
    trained = {}
    for name in wanted:
        fields = result["models"][name]
        path = ship(result["shipped"][name], weights_dir / model_file(name))
        predictor = load_charlm(weights_dir, names=(name,))[name]  # the shipped file, as `evaluate` reads it
        by_position = loss_by_position({name: predictor}, corpus.val_text, config.eval_length)
        record = {
            **shipped_fields(fields, path),
            "heldout_loss": round(fields["metric"], 4),
            "val_loss": fields["val_metric"],
            "loss_by_position": [round(float(v), 4) for v in by_position["loss"]],
            "loss_by_position_windows": int(by_position["windows"].iloc[0]),
            "config": {**dict(vars(config)), "learning_rate": fields["lr"]},
            "versions": library_versions(),
        }
        if name == "cnn":
            record["receptive_field"] = config.receptive_field
        trained[name] = record
        log(
            f"charlm {name}: test loss {fields['metric_mean']:.4f} nats/char over {fields['spread_seeds']} "
            f"seed{'s' if fields['spread_seeds'] != 1 else ''} at {fields['spread_steps']:,} steps, shipped seed "
            f"{fields['shipped_seed']} ({fields['metric']:.4f} at {fields['steps']:,} steps, "
            f"{fields['cpu_seconds']:.0f} CPU s)"
        )
    # Read the manifest only now: another run (the other model's) may have finished meanwhile.
    entry = read_manifest(weights_dir).get("charlm", {})
    entry.update(
        {
            "task": "charlm",
            "command": "python -m cnnrnn train charlm",
            "data": {
                "file": corpus.source,
                "sha256": corpus.sha256,
                "chars": len(corpus.text),
                "train_chars": data.train_chars,
                "validation_chars": data.val_chars,
                "heldout_chars": len(corpus.val_text),
                "val_fraction": config.val_fraction,
                "validation_fraction": config.validation_fraction,
            },
            "vocab": {"file": CHARLM_VOCAB, "size": len(vocab)},
            "evaluation": (
                f"mean nats per character over every position of the {len(data.test_windows)} "
                f"non-overlapping {config.eval_length}-character windows of the held-out text (the last "
                f"{config.val_fraction:.0%}); learning rates and the shipped seed chosen on the "
                f"{len(data.val_windows)} windows of the {config.validation_fraction:.0%} before it; "
                f"loss by position over windows starting every {config.eval_length // 4} characters"
            ),
            "eval_length": config.eval_length,
            "protocol": result["protocol"],
            "comparisons": result["comparisons"],
            "protocol_cpu_seconds": result["cpu_seconds"],  # every run of this command, the grid included
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
