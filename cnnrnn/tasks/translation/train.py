"""Training the three translators: the subword vocabulary, the loop, held-out scoring, the manifest.

`train_translation` learns the joint byte-pair vocabulary on the training split, trains each
model with label-smoothed cross-entropy on batches of pairs of similar length (a linear warm-up
and a cosine, by steps or by the time limit, whichever runs out first), keeps the weights with
the best greedy BLEU on validation sentences, ships them as int8 and measures the shipped
(int8) weights on the test split: what `evaluate translation` re-measures.
"""

from __future__ import annotations

import time

import keras
import numpy as np
import tensorflow as tf

from cnnrnn.core.fitting import KeepBest, Limits, warmup_cosine
from cnnrnn.core.weights import library_versions, read_manifest, update_manifest, utc_now, weights_root
from cnnrnn.tasks.translation.config import MODEL_NAMES, TRANSLATION
from cnnrnn.tasks.translation.data import ATTRIBUTION, DOWNLOAD_URL, FOLDER, PAIRS_FILE, load_corpus, token_batches
from cnnrnn.tasks.translation.decode import Translator
from cnnrnn.tasks.translation.experiments import corpus_scores, heldout_scores, latency_by_length, probe_results
from cnnrnn.tasks.translation.model import build_model, count_params, load_weights_int8, save_weights_int8
from cnnrnn.tasks.translation.predict import VOCAB_FILE, model_file
from cnnrnn.tasks.translation.text import PAD_ID, Subwords


def training_pairs(corpus, subwords, config):
    """Encoded training pairs within the length limits: (sources, targets, how many were dropped)."""
    sources, targets, dropped = [], [], 0
    for en, fr in corpus.pairs("train"):
        s, t = subwords.encode(en), subwords.encode(fr)
        if 0 < len(s) <= config.max_train_source and 0 < len(t) <= config.max_train_target:
            sources.append(s)
            targets.append(t)
        else:
            dropped += 1
    return sources, targets, dropped


def heldout(corpus, part: str, limit: int | None = None):
    """English sentences of a split (first `limit`) and every French translation of each."""
    idx = corpus.indices(part)[:limit]
    return [corpus.english[i] for i in idx], [list(corpus.french[i]) for i in idx]


def _loss(logits, target, smoothing):
    logp = tf.nn.log_softmax(logits)
    nll = -tf.gather(logp, target, batch_dims=2)
    loss = (1.0 - smoothing) * nll - smoothing * tf.reduce_mean(logp, -1)
    mask = tf.cast(tf.not_equal(target, PAD_ID), tf.float32)
    return tf.reduce_sum(loss * mask) / tf.maximum(tf.reduce_sum(mask), 1.0)


def train_model(name, config, subwords, sources, targets, val, log, should_stop=None, init_weights=None):
    """One model trained; returns (model, record) with the best validation weights restored.

    init_weights: an int8 weights file to start from (a continued run) instead of a fresh model.
    """
    keras.utils.set_random_seed(config.seed)
    rng = np.random.default_rng(config.seed)
    model = build_model(name, config, len(subwords))
    if init_weights is not None:
        load_weights_int8(model, init_weights)
    optimizer = keras.optimizers.Adam(learning_rate=config.learning_rate, clipnorm=config.clipnorm)
    optimizer.build(model.trainable_variables)
    spec = tf.TensorSpec([None, None], tf.int32)

    @tf.function(input_signature=[spec, spec, spec])
    def step(src, tin, tout):
        with tf.GradientTape() as tape:
            loss = _loss(model((src, tin), training=True), tout, config.label_smoothing)
        grads = tape.gradient(loss, model.trainable_variables)
        optimizer.apply_gradients(zip(grads, model.trainable_variables))
        return loss

    translator = Translator(model, subwords, name)
    keep, limits = KeepBest(higher=True), Limits(config.time_limit, should_stop)
    history, losses, done, reason = [], [], 0, None
    val_en, val_refs = val
    while reason is None and done < config.steps:
        for src, tin, tout in token_batches(sources, targets, config.batch_tokens, rng):
            progress = limits.progress(done / config.steps)
            optimizer.learning_rate.assign(
                warmup_cosine(config.learning_rate, done, config.warmup_steps, config.final_lr_fraction, progress)
            )
            losses.append(float(step(src, tin, tout)))
            done += 1
            reason = limits.reason() or ("steps" if done >= config.steps else None)
            if done % config.eval_every == 0 or reason:
                bleu = corpus_scores(translator.translate_texts(val_en), val_refs)["bleu"]
                kept = keep.update(bleu, model, done)
                history.append(
                    {
                        "step": done,
                        "loss": round(float(np.mean(losses[-config.eval_every :])), 4),
                        "val_bleu": bleu,
                        "seconds": round(limits.elapsed(), 1),
                    }
                )
                log(
                    f"{name}: step {done}, loss {history[-1]['loss']:.3f}, validation BLEU {bleu:.2f}"
                    f"{' (best)' if kept else ''}, {limits.elapsed():.0f} s"
                )
            if reason:
                break
    keep.restore(model)
    record = {
        "steps": done,
        "stopped_by": reason,
        "train_seconds": round(limits.elapsed(), 1),
        "best_step": keep.at,
        "best_val_bleu": keep.score,
        "history": history,
        "params": count_params(model),
    }
    return model, record


def measure(translator, corpus, config) -> dict:
    """The shipped model on the test split: BLEU/chrF and BLEU by length with beam 4 (the headline) and
    greedy, probes, latency, examples. `evaluate translation` re-measures the scores."""
    test_en, test_refs = heldout(corpus, "test")
    start = time.perf_counter()
    beam = heldout_scores(translator, test_en, test_refs, beam=4)
    beam_seconds = time.perf_counter() - start
    greedy = heldout_scores(translator, test_en, test_refs, beam=1)
    hyps = beam.pop("hypotheses")
    greedy.pop("hypotheses")
    return {
        **beam,
        "decoding": "beam 4",
        "beam_seconds": round(beam_seconds, 1),
        "greedy": greedy,
        "probes": probe_results(translator),
        "latency_beam4": latency_by_length(translator, config.latency_lengths, repeats=config.latency_repeats),
        "examples": [
            {"english": e, "translation": h, "reference": r[0]}
            for e, h, r in list(zip(test_en, hyps, test_refs))[:: max(1, len(test_en) // 12)][:12]
        ],
    }


def train_translation(config=TRANSLATION, out_dir=None, models=None, log=print, should_stop=None) -> dict:
    """Train the named models (all three by default), write their files and the manifest section."""
    out = weights_root(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    names = list(models or MODEL_NAMES)
    start = time.perf_counter()
    corpus = load_corpus(config)
    subwords = Subwords.learn(
        [t for pair in corpus.pairs("train") for t in pair], config.bpe_merges, config.min_char_count
    )
    (out / VOCAB_FILE).write_text(subwords.to_json(), encoding="utf-8")
    sources, targets, dropped = training_pairs(corpus, subwords, config)
    log(
        f"vocabulary {len(subwords)} pieces; {len(sources)} training pairs ({dropped} over the length limits) "
        f"in {time.perf_counter() - start:.0f} s"
    )
    val = heldout(corpus, "val", config.eval_sentences)
    previous = read_manifest(out).get("translation", {}).get("models", {})
    results = {k: v for k, v in previous.items() if k not in names and (out / model_file(k)).is_file()}
    for name in names:
        model, record = train_model(name, config, subwords, sources, targets, val, log, should_stop)
        path = out / model_file(name)
        if config.quantize:
            save_weights_int8(model, path)
            load_weights_int8(model, path)  # what ships is what is measured
        else:
            np.savez_compressed(path, **{f"w{k}": w for k, w in enumerate(model.get_weights())})
        record.update(file=path.name, bytes=path.stat().st_size, trained_at=utc_now())
        record["test"] = measure(Translator(model, subwords, name), corpus, config)
        results[name] = record
        log(f"{name}: test BLEU {record['test']['bleu']}, chrF {record['test']['chrf']}, {record['bytes']:,} bytes")
    test_en, _ = heldout(corpus, "test")
    entry = {
        "task": "translation",
        "data": {
            "file": f"{FOLDER}/{PAIRS_FILE}",
            "sha256": corpus.sha256,
            "download": DOWNLOAD_URL,
            "attribution": ATTRIBUTION,
            "english_sentences": len(corpus.english),
            "pairs": sum(len(f) for f in corpus.french),
            "test_size": len(test_en),
        },
        "split": {
            "by": "English sentence",
            "seed": config.split_seed,
            "train_sentences": len(corpus.indices("train")),
            "val_sentences": len(corpus.indices("val")),
            "test_sentences": len(test_en),
            "training_pairs": len(sources),
            "dropped_over_limit": dropped,
            "max_train_source_tokens": config.max_train_source,
            "max_train_target_tokens": config.max_train_target,
        },
        "vocabulary": {
            "file": VOCAB_FILE,
            "pieces": len(subwords),
            "merges": len(subwords.merges),
            "bytes": (out / VOCAB_FILE).stat().st_size,
        },
        "config": {k: v for k, v in vars(config).items()},
        "receptive_field": config.receptive_fields(),
        "models": results,
        "scorer": (
            "sacreBLEU corpus BLEU and chrF (13a tokenisation), greedy decoding, every reference of each sentence"
        ),
        "versions": library_versions(),
        "total_seconds": round(time.perf_counter() - start, 1),
    }
    update_manifest("translation", entry, out)
    return {
        "task": "translation",
        "out": str(out),
        "bleu": {k: v["test"]["bleu"] for k, v in results.items()},
        "chrf": {k: v["test"]["chrf"] for k, v in results.items()},
    }
