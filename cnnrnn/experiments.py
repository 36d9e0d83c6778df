"""Sweeps that return tidy pandas DataFrames, ready for `charts.py`.

`resolution_sweep` is the held-out accuracy-vs-resolution table: each 28x28
test digit is resampled to side s (what a camera at another resolution would
give), then each model gets what it can take:
- cnn_fixed: the s x s image resized back to 28x28 (its Flatten needs that);
- cnn_gap: the s x s image as it is;
- rnn_rows: s rows, each resized to the 28 values per step it was built for.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import tensorflow as tf

RESIZE_METHODS = ("nearest", "bilinear", "bicubic", "area", "lanczos3")


def resize_batch(images: np.ndarray, height: int, width: int, method: str = "bilinear") -> np.ndarray:
    """(n, H, W) float32 -> (n, height, width) float32, antialiased when shrinking."""
    x = tf.convert_to_tensor(np.asarray(images, np.float32)[..., None])
    out = tf.image.resize(x, (height, width), method=method, antialias=method != "nearest")
    return np.clip(out.numpy()[..., 0], 0.0, 1.0)


def model_view(name: str, images: np.ndarray, native: int = 28) -> np.ndarray:
    """What model `name` is given for (n, s, s) images: see the module docstring."""
    n, height, width = images.shape
    if name == "cnn_fixed" and (height, width) != (native, native):
        return resize_batch(images, native, native)
    if name == "rnn_rows" and width != native:
        return resize_batch(images, height, native)
    return images


def resolution_sweep(predictors: dict, images: np.ndarray, labels: np.ndarray,
                     sizes=(8, 12, 16, 20, 28, 40, 56, 80, 112), batch_size: int = 500) -> pd.DataFrame:
    """Accuracy of each predictor at each side length.

    images: (n, 28, 28) float32 in [0, 1]; labels: (n,) int.
    Returns columns model, size, accuracy, n.
    """
    rows = []
    for size in sizes:
        resized = resize_batch(images, size, size) if size != images.shape[1] else images
        for name, predictor in predictors.items():
            probs = predictor.predict_batches(model_view(name, resized), batch_size)
            accuracy = float(np.mean(probs.argmax(axis=1) == labels))
            rows.append({"model": name, "size": int(size), "accuracy": accuracy, "n": int(len(labels))})
    return pd.DataFrame(rows)


def evaluate_mnist(weights_dir=None) -> dict:
    """Test accuracy of the shipped image models on MNIST's 10,000 test images.

    Returns {"task": "mnist", "test_size": n, "accuracy": {model: fraction}}.
    """
    from cnnrnn.data import load_mnist
    from cnnrnn.inference import ImagePredictor, load_image_models

    splits = load_mnist()
    x_test = splits.x_test.astype(np.float32) / 255.0
    accuracy = {}
    for name, model in load_image_models(weights_dir).items():
        probs = ImagePredictor(model).predict_batches(x_test)
        accuracy[name] = round(float(np.mean(probs.argmax(axis=1) == splits.y_test)), 4)
    return {"task": "mnist", "test_size": int(len(splits.y_test)), "accuracy": accuracy}


def predict_models(predictors: dict, image: np.ndarray) -> dict[str, np.ndarray]:
    """Each model's probabilities for one (H, W) image, given what that model can take."""
    return {name: p.predict_one(model_view(name, image[None])[0]) for name, p in predictors.items()}


def image_resolution_sweep(predictors: dict, render, target: int,
                           sizes=(8, 10, 12, 14, 16, 20, 24, 28, 32, 40, 48, 56, 64, 80, 96, 112)) -> pd.DataFrame:
    """Confidence in digit `target` for one image rendered at each side length.

    render(size) -> (size, size) float32 image (see images.render_digit).
    Returns columns model, size, confidence, predicted.
    """
    rows = []
    for size in sizes:
        for name, probs in predict_models(predictors, render(int(size))).items():
            rows.append({"model": name, "size": int(size), "confidence": float(probs[target]),
                         "predicted": int(probs.argmax())})
    return pd.DataFrame(rows)


def choice_sweep(predictors: dict, prepare, choices, choice: str, target: int) -> pd.DataFrame:
    """Confidence in digit `target` for each preprocessing choice.

    prepare(choice_value) -> (28, 28) float32 model input.
    Returns columns model, `choice`, confidence, label (the predicted digit).
    """
    rows = []
    for value in choices:
        for name, probs in predict_models(predictors, prepare(value)).items():
            rows.append({"model": name, choice: value, "confidence": float(probs[target]),
                         "label": int(probs.argmax())})
    return pd.DataFrame(rows)


def rows_read(predictor, image: np.ndarray) -> pd.DataFrame:
    """The row RNN's probabilities after reading the first k rows, k = 1..H.

    Many to one, stopped early: one trace serves every k (rows are free in the
    predictor's signature). Returns columns rows, digit, probability.
    """
    rows = []
    for k in range(1, image.shape[0] + 1):
        probs = predictor.predict_one(image[:k])
        rows.extend({"rows": k, "digit": str(d), "probability": float(probs[d])} for d in range(len(probs)))
    return pd.DataFrame(rows)


# --- Sentiment (many to one): the rnn and the cnn on sentence polarity ---
#
# `predictors` below map "rnn"/"cnn" to `inference.TextPredictor`s: lists of
# str in, (n,) float32 P(positive) out.


def sentiment_verdicts(predictors: dict, text: str) -> dict[str, float]:
    """model -> P(positive) for one text."""
    return {name: predictor.predict_one(text) for name, predictor in predictors.items()}


def prefix_predictions(predictors: dict, text: str, limit: int | None = None) -> pd.DataFrame:
    """Each model's P(positive) after the first 1, 2, ..., n tokens (n <= limit).

    Columns: step (1-based), token, label ("3 film"), model, positive.
    """
    from cnnrnn.text import MAX_VIEW_TOKENS, prefixes, tokenize

    tokens = tokenize(text)[:limit or MAX_VIEW_TOKENS]
    texts = prefixes(tokens, len(tokens))
    rows = []
    for name, predictor in predictors.items():
        probs = predictor.predict_batches(texts, batch_size=64)
        rows += [{"step": i + 1, "token": tokens[i], "label": f"{i + 1} {tokens[i]}", "model": name,
                  "positive": float(p)} for i, p in enumerate(probs)]
    return pd.DataFrame(rows, columns=["step", "token", "label", "model", "positive"])


def occlusion_importance(predictors: dict, text: str, limit: int | None = None) -> pd.DataFrame:
    """Word importance by occlusion: drop token i, see how P(positive) moves.

    importance = P(positive | text) - P(positive | text without token i): above 0
    the word pushed towards positive, below 0 towards negative.
    Columns: position (1-based), token, label, model, positive_without, importance.
    """
    from cnnrnn.text import MAX_VIEW_TOKENS, occlusions, tokenize

    tokens = tokenize(text)[:limit or MAX_VIEW_TOKENS]
    texts = occlusions(tokens, len(tokens))
    full = " ".join(tokens)
    rows = []
    for name, predictor in predictors.items():
        base = predictor.predict_one(full)
        probs = predictor.predict_batches(texts, batch_size=64)
        rows += [{"position": i + 1, "token": tokens[i], "label": f"{i + 1} {tokens[i]}", "model": name,
                  "positive_without": float(p), "importance": float(base - p)} for i, p in enumerate(probs)]
    return pd.DataFrame(rows, columns=["position", "token", "label", "model", "positive_without", "importance"])


def _bucket_label(lo: int, hi: int | None) -> str:
    return f"{lo}+" if hi is None else f"{lo}-{hi}"


def length_buckets(predictors: dict, texts, labels, edges=(10, 15, 20, 25, 30, 40)) -> pd.DataFrame:
    """Held-out accuracy by sentence length in tokens; buckets end at each of `edges`.

    Columns: model, bucket ("1-10", ..., "41+"), order, accuracy, n.
    """
    from cnnrnn.text import tokenize

    labels = np.asarray(labels)
    lengths = np.array([len(tokenize(t)) for t in texts])
    bounds = [0, *edges, None]
    rows = []
    for name, predictor in predictors.items():
        right = (predictor.predict_batches(texts) >= 0.5) == labels
        for order, (lo, hi) in enumerate(zip(bounds[:-1], bounds[1:])):
            inside = (lengths > lo) & (lengths <= hi) if hi is not None else lengths > lo
            if inside.any():
                rows.append({"model": name, "bucket": _bucket_label(lo + 1, hi), "order": order,
                             "accuracy": float(right[inside].mean()), "n": int(inside.sum())})
    return pd.DataFrame(rows, columns=["model", "bucket", "order", "accuracy", "n"])


def filler_sweep(predictors: dict, texts, labels, counts=(0, 5, 10, 20, 40, 80, 160)) -> pd.DataFrame:
    """Held-out accuracy when N neutral filler words go before or after each sentence.

    Before: a fixed-length CNN truncates the sentence away. After: an RNN must
    carry the sentence through N more steps. Columns: model, where, filler, accuracy, n.
    """
    from cnnrnn.text import tokenize, with_filler

    labels = np.asarray(labels)
    tokens = [tokenize(t) for t in texts]
    rows = []
    for where in ("before", "after"):
        for count in counts:
            padded = [with_filler(t, count, where) for t in tokens]
            for name, predictor in predictors.items():
                accuracy = float(np.mean((predictor.predict_batches(padded, batch_size=128) >= 0.5) == labels))
                rows.append({"model": name, "where": where, "filler": int(count), "accuracy": accuracy,
                             "n": int(len(labels))})
    return pd.DataFrame(rows, columns=["model", "where", "filler", "accuracy", "n"])


def filler_summary(df: pd.DataFrame) -> dict:
    """The filler table at its largest count: {"filler": n, (model, where): accuracy, ...}."""
    if df is None or df.empty:
        return {}
    most = int(df["filler"].max())
    rows = df[df["filler"] == most]
    return {"filler": most, **{(r.model, r.where): float(r.accuracy) for r in rows.itertuples()}}


def median_ms(call, item, repeats: int) -> float:
    """Median milliseconds of call(item) over `repeats` runs, after one warm-up run for this size."""
    import time

    call(item)
    times = []
    for _ in range(max(1, repeats)):
        start = time.perf_counter()
        call(item)
        times.append(time.perf_counter() - start)
    return float(np.median(times) * 1000)


def latency_sweep(predictors: dict, lengths=(1, 2, 5, 10, 20, 50, 100, 200, 500, 1000, 2000),
                  repeats: int = 7) -> pd.DataFrame:
    """Single-text latency against input length: the median of `repeats` calls, in ms.

    The text is `lengths[i]` known, neutral words. Columns: model, tokens, ms.
    """
    from cnnrnn.text import FILLER_WORDS

    rows = []
    for length in lengths:
        text = " ".join(FILLER_WORDS[i % len(FILLER_WORDS)] for i in range(length))
        for name, predictor in predictors.items():
            rows.append({"model": name, "tokens": int(length), "ms": median_ms(predictor.predict_one, text, repeats)})
    return pd.DataFrame(rows, columns=["model", "tokens", "ms"])


def probe_table(predictors: dict, probes=None) -> pd.DataFrame:
    """The negation and contrast probes with each model's P(positive).

    Columns: text, expected, then per model `<model>` (P(positive)) and `<model>_right` (bool).
    """
    from cnnrnn.text import PROBES

    probes = list(probes or PROBES)
    texts = [t for t, _ in probes]
    df = pd.DataFrame({"text": texts, "expected": [e for _, e in probes]})
    for name, predictor in predictors.items():
        probs = predictor(texts) if texts else np.zeros(0, np.float32)
        df[name] = probs.astype(float)
        df[f"{name}_right"] = (probs >= 0.5) == (df["expected"] == "positive")
    return df


def sentiment_experiments(predictors: dict, texts, labels, config) -> dict[str, pd.DataFrame]:
    """All four sentiment tables, as stored in the manifest: length_buckets, filler, latency, probes."""
    return {
        "length_buckets": length_buckets(predictors, texts, labels, config.length_edges),
        "filler": filler_sweep(predictors, texts, labels, config.filler_counts),
        "latency": latency_sweep(predictors, config.latency_lengths, config.latency_repeats),
        "probes": probe_table(predictors),
    }


def evaluate_sentiment(weights_dir=None) -> dict:
    """Test accuracy of the shipped sentiment models on the fixed 1,067-sentence test split.

    Returns {"task": "sentiment", "test_size": 1067, "accuracy": {"rnn": fraction, "cnn": fraction}}.
    """
    from cnnrnn.config import SENTIMENT
    from cnnrnn.data import load_polarity
    from cnnrnn.inference import load_sentiment_predictors

    splits = load_polarity(SENTIMENT.val_size, SENTIMENT.test_size, SENTIMENT.split_seed)
    accuracy = {}
    for name, predictor in load_sentiment_predictors(weights_dir).items():
        probs = predictor.predict_batches(splits.x_test)
        accuracy[name] = round(float(np.mean((probs >= 0.5) == splits.y_test)), 4)
    return {"task": "sentiment", "test_size": int(len(splits.y_test)), "accuracy": accuracy}


# --- Character models: held-out loss, loss by position in the context, speed ---


def heldout_windows(ids: np.ndarray, eval_length: int, max_windows: int | None = None,
                    stride: int | None = None) -> np.ndarray:
    """Windows of a held-out id sequence: (n, eval_length + 1) int32.

    Window i is ids[i * S : i * S + L + 1] with stride S = L (non-overlapping, the
    held-out loss) unless `stride` is given; its L predictions are scored. With
    `max_windows`, that many windows evenly spread over the text are kept.
    """
    ids = np.asarray(ids, np.int32)
    stride = stride or eval_length
    count = max((len(ids) - 1 - eval_length) // stride + 1, 0)
    starts = np.arange(count) * stride
    if max_windows is not None and count > max_windows:
        starts = starts[np.linspace(0, count - 1, max_windows).round().astype(int)]
    if len(starts) == 0:
        return np.zeros((0, eval_length + 1), np.int32)
    return ids[starts[:, None] + np.arange(eval_length + 1)[None, :]]


def heldout_losses(predictor, windows: np.ndarray, batch_size: int = 32) -> np.ndarray:
    """Nats per character for each prediction of each window: (n, eval_length) float32.

    Column p is the loss of the character that follows p + 1 characters of context.
    """
    from cnnrnn.inference import in_batches

    return in_batches(predictor.token_losses, windows, batch_size,
                      np.zeros((0, max(windows.shape[1] - 1, 0)), np.float32))


def loss_by_position(predictors: dict, text: str, eval_length: int = 256, max_windows: int | None = None,
                     stride: int | None = None) -> pd.DataFrame:
    """Mean held-out loss against the number of characters of context, per model.

    text: held-out text; windows as in `heldout_windows`, overlapping by default
    (stride eval_length // 4) so that no position is tied to one place in the text's
    layout. Characters a model does not know are dropped.
    Returns columns model, context (1..eval_length), loss (nats), windows.
    """
    rows = []
    stride = stride or max(eval_length // 4, 1)
    for name, predictor in predictors.items():
        ids, _, _ = predictor.vocab.encode_known(text)
        windows = heldout_windows(ids, eval_length, max_windows, stride)
        if len(windows) == 0:
            continue
        losses = heldout_losses(predictor, windows).mean(axis=0)
        rows.extend({"model": name, "context": p + 1, "loss": float(v), "windows": int(len(windows))}
                    for p, v in enumerate(losses))
    return pd.DataFrame(rows, columns=["model", "context", "loss", "windows"])


def shipped_loss_by_position(entry: dict) -> pd.DataFrame:
    """The manifest's loss-by-position tables (section "charlm") as one DataFrame like `loss_by_position`."""
    rows = []
    for name, record in entry.get("models", {}).items():
        rows.extend({"model": name, "context": p + 1, "loss": float(v)}
                    for p, v in enumerate(record.get("loss_by_position", [])))
    return pd.DataFrame(rows, columns=["model", "context", "loss"])


def bin_by_context(df: pd.DataFrame, edges=(1, 2, 3, 4, 5, 7, 9, 13, 17, 25, 33, 49, 65, 97, 129, 193, 257)) -> pd.DataFrame:
    """Average a loss-by-position table over bins of context length (log-spaced), per model.

    Per-position means over a few hundred windows are noisy; bins [edges[i], edges[i+1])
    are not. Returns columns model, context (the bin's geometric middle), loss, first, last.
    """
    rows = []
    for name, group in df.groupby("model", sort=False):
        for low, high in zip(edges[:-1], edges[1:]):
            part = group[(group["context"] >= low) & (group["context"] < high)]
            if len(part):
                rows.append({"model": name, "context": float(np.sqrt(low * (high - 1))), "loss": float(part["loss"].mean()),
                             "first": int(low), "last": int(min(high - 1, part["context"].max()))})
    return pd.DataFrame(rows, columns=["model", "context", "loss", "first", "last"])


def context_table(df: pd.DataFrame, ranges=((1, 8), (9, 32), (33, 127), (128, 256))) -> pd.DataFrame:
    """Mean loss per model over ranges of context length, from a per-position table.

    df: columns model, context, loss (`loss_by_position`). Returns one row per range:
    context ("1-8"), one column per model, and "cnn - lstm" when both are there.
    """
    rows = []
    for low, high in ranges:
        part = df[(df["context"] >= low) & (df["context"] <= high)]
        if not len(part):
            continue
        row = {"context": f"{low}-{high}"}
        row.update({name: round(float(group["loss"].mean()), 3) for name, group in part.groupby("model", sort=False)})
        if "lstm" in row and "cnn" in row:
            row["cnn - lstm"] = round(row["cnn"] - row["lstm"], 3)
        rows.append(row)
    return pd.DataFrame(rows)


def evaluate_charlm(weights_dir=None) -> dict:
    """Held-out loss of the shipped character models on tiny Shakespeare's last 10%.

    Returns {"task": "charlm", "loss": {model: nats per character}, "windows": n, "eval_length": L}.
    """
    from cnnrnn.config import CHARLM
    from cnnrnn.data import load_shakespeare
    from cnnrnn.inference import load_charlm

    predictors = load_charlm(weights_dir)
    corpus = load_shakespeare(CHARLM.val_fraction)
    loss, count = {}, 0
    for name, predictor in predictors.items():
        windows = heldout_windows(predictor.vocab.encode_known(corpus.val_text)[0], CHARLM.eval_length)
        loss[name] = round(float(heldout_losses(predictor, windows).mean()), 4)
        count = len(windows)
    return {"task": "charlm", "loss": loss, "windows": int(count), "eval_length": CHARLM.eval_length}


def temperature_samples(predictor, prime: str, temperatures=(0.0, 0.5, 0.8, 1.0, 1.3), length: int = 240,
                        top_k: int = 0, seed: int = 0) -> pd.DataFrame:
    """The same prime continued at several temperatures: columns temperature, text, mean_probability."""
    rows = []
    for temperature in temperatures:
        run = predictor.stream(prime, length, temperature, top_k, seed)
        text = "".join(run)
        mean_p = float(np.mean([s["probability"] for s in run.steps])) if run.steps else float("nan")
        rows.append({"temperature": float(temperature), "text": text, "mean_probability": mean_p})
    return pd.DataFrame(rows)


def generation_speed(predictors: dict, length: int = 2000, repeats: int = 3, prime: str = "ROMEO:\n") -> dict:
    """Characters per second of stateful generation per model (best of `repeats`, after a warm-up)."""
    import time

    speed = {}
    for name, predictor in predictors.items():
        predictor.generate(prime, 64, 0.8, 0, 0)  # trace once
        best = float("inf")
        for seed in range(repeats):
            start = time.perf_counter()
            predictor.generate(prime, length, 0.8, 0, seed)
            best = min(best, time.perf_counter() - start)
        speed[name] = round(length / best, 1)
    return speed


def generation_steps_table(steps: list[dict], max_steps: int | None = 120) -> pd.DataFrame:
    """A GenerationRun's per-character record as a tidy table (the first `max_steps` characters).

    Columns step, chosen, rank (1 = most likely), candidate, probability, entropy (nats),
    surprise (-log p of the chosen character, nats).
    """
    rows = []
    for record in steps[:max_steps] if max_steps else steps:
        surprise = float(-np.log(max(record["probability"], 1e-12)))
        for rank, (candidate, probability) in enumerate(record["top"], start=1):
            rows.append({"step": record["step"], "chosen": record["char"], "rank": rank, "candidate": candidate,
                         "probability": probability, "entropy": record["entropy"], "surprise": surprise})
    return pd.DataFrame(rows, columns=["step", "chosen", "rank", "candidate", "probability", "entropy", "surprise"])


def read_table(readings: dict) -> pd.DataFrame:
    """Per-character readings of several models (`CharPredictor.read`) as one table.

    readings: model -> list of dicts. Columns model, position, char, known, probability, loss.
    """
    rows = [{"model": name, "position": i, **row} for name, rows_ in readings.items() for i, row in enumerate(rows_)]
    return pd.DataFrame(rows, columns=["model", "position", "char", "known", "probability", "loss"])


# --- Captioning (one to many) ---


def caption_scores(predicted, truth) -> dict:
    """Exact match and token accuracy of predicted captions against the true ones.

    Token accuracy: the share of the true captions' tokens (each word and the
    final <end>) that the prediction has at the same position.
    """
    predicted, truth = list(predicted), list(truth)
    if len(predicted) != len(truth):
        raise ValueError("predicted and true captions differ in number")
    exact = sum(p == t for p, t in zip(predicted, truth))
    hits = total = 0
    for p, t in zip(predicted, truth):
        pw, tw = p.split() + ["<end>"], t.split() + ["<end>"]
        hits += sum(a == b for a, b in zip(pw, tw))
        total += len(tw)
    n = max(len(truth), 1)
    return {"exact_match": exact / n, "token_accuracy": hits / max(total, 1), "n": len(truth)}


def scene_inputs(images: np.ndarray) -> np.ndarray:
    """(n, 64, 64, 3) uint8 -> float32 in [0, 1], the encoder's input."""
    return np.asarray(images, np.float32) / 255.0


def captions_by_objects(predictor, scenes, beam_width: int = 3) -> pd.DataFrame:
    """Exact match and token accuracy per number of objects (and "all"), greedy and beam search.

    scenes: a `data.SceneSet`. Columns: decoder, objects, exact_match, token_accuracy, n.
    """
    x = scene_inputs(scenes.images)
    rows = []
    for decoder, captions in (("greedy", predictor.greedy(x)), ("beam", predictor.beam(x, beam_width))):
        for objects in sorted(set(scenes.num_objects.tolist())) + ["all"]:
            keep = np.ones(len(x), bool) if objects == "all" else scenes.num_objects == objects
            picked = [c for c, k in zip(captions, keep) if k]
            truth = [c for c, k in zip(scenes.captions, keep) if k]
            rows.append({"decoder": decoder, "objects": str(objects), **caption_scores(picked, truth)})
    return pd.DataFrame(rows)


def captions_by_size(predictor, seed: int, n: int, sizes, side: int = 64) -> pd.DataFrame:
    """Greedy exact match when the scene is drawn at s x s pixels and resized to the encoder's 64 x 64.

    The same `n` scenes (of the split seeded by `seed`) at each size in `sizes`:
    below 64 detail is lost for good; above it, the shrink averages pixels.
    Columns: size, exact_match, token_accuracy, n.
    """
    from cnnrnn.data import make_scene, render_scene

    scenes = [make_scene(seed, i) for i in range(n)]
    truth = [s.caption for s in scenes]
    rows = []
    for size in sizes:
        drawn = np.stack([render_scene(s, int(size), supersample=4 if size <= 64 else 2) for s in scenes])
        x = scene_inputs(drawn)
        if size != side:
            x = tf.image.resize(x, (side, side), method="area" if size > side else "bilinear").numpy()
        rows.append({"size": int(size), **caption_scores(predictor.greedy(np.clip(x, 0, 1)), truth)})
    return pd.DataFrame(rows)


def evaluate_captions(weights_dir=None) -> dict:
    """Greedy captions of the 1,000 test scenes: {"task", "test_size", "exact_match", "token_accuracy"}."""
    from cnnrnn.config import CAPTIONS
    from cnnrnn.data import make_scenes
    from cnnrnn.inference import load_caption_predictor

    predictor = load_caption_predictor(weights_dir)
    scenes = make_scenes(CAPTIONS.test_size, CAPTIONS.test_seed, CAPTIONS.image_size)
    scores = caption_scores(predictor.greedy(scene_inputs(scenes.images)), scenes.captions)
    return {"task": "captions", "test_size": scores["n"], "exact_match": round(scores["exact_match"], 4),
            "token_accuracy": round(scores["token_accuracy"], 4)}


def caption_steps_table(steps: list[dict]) -> pd.DataFrame:
    """Greedy decoding's record (`CaptionPredictor.caption_one()["greedy_steps"]`) as a tidy table.

    Columns: step (1-based output word), rank (1 = likeliest), word, probability, chosen (the
    word greedy decoding emitted at that step).
    """
    rows = [{"step": s["step"], "rank": rank, "word": word, "probability": p, "chosen": word == s["chosen"]}
            for s in steps for rank, (word, p) in enumerate(s["candidates"], start=1)]
    return pd.DataFrame(rows, columns=["step", "rank", "word", "probability", "chosen"])


def beam_steps_table(history: list[dict]) -> pd.DataFrame:
    """Beam search's record (`caption_one()["beam_steps"]`): step, beam (1 = best), words so far, probability."""
    rows = [{"step": h["step"], "beam": b, "words so far": words, "probability": p}
            for h in history for b, (words, p) in enumerate(h["beams"], start=1)]
    return pd.DataFrame(rows, columns=["step", "beam", "words so far", "probability"])


# --- MNIST-1D (the sequence lab): the paper's table, lengths, shifts, latency ---

# Test accuracy published by Greydanus & Kobak (ICML 2024), table 1 ("MNIST-1D" and "shuffled" columns).
MNIST1D_PAPER = {
    ("logreg", "normal"): 0.32, ("mlp", "normal"): 0.68, ("cnn", "normal"): 0.94, ("gru", "normal"): 0.91,
    ("cnn", "shuffled"): 0.56, ("gru", "shuffled"): 0.57,
}
MNIST1D_HUMAN = 0.96


def mnist1d_table(records: dict) -> pd.DataFrame:
    """This project's accuracies beside the paper's.

    records: name -> {"kind", "variant", "test_accuracy", "train_seconds"} (the
    manifest's models, or the page's live runs; mixed-length models are left out).
    Columns: model, variant, source ("this project" or "paper"), accuracy,
    train_seconds (None for the paper), name.
    """
    rows = []
    for (kind, variant), accuracy in MNIST1D_PAPER.items():
        rows.append({"model": kind, "variant": variant, "source": "paper", "accuracy": accuracy,
                     "train_seconds": None, "name": f"paper {kind}"})
    for name, record in records.items():
        if record.get("mixed_lengths") or record.get("test_accuracy") is None:
            continue
        rows.append({"model": record["kind"], "variant": record.get("variant", "normal"), "source": "this project",
                     "accuracy": float(record["test_accuracy"]), "train_seconds": record.get("train_seconds"),
                     "name": name})
    return pd.DataFrame(rows, columns=["model", "variant", "source", "accuracy", "train_seconds", "name"])


def evaluate_mnist1d(weights_dir=None) -> dict:
    """Test accuracy of the shipped MNIST-1D models on the 1,000 test signals (normal and shuffled).

    Returns {"task", "test_size", "accuracy": {logreg, mlp, cnn, gru}, "shuffled": {cnn, gru},
    "train_seconds": {cnn, gru}, "gru_cnn_time_ratio", "paper": {...}}, and, where the manifest has them,
    "train_cpu_seconds" and "gru_cnn_cpu_ratio" (CPU time, which other jobs on a shared machine do not inflate).
    Training times come from the manifest.
    """
    from cnnrnn.data import load_mnist1d
    from cnnrnn.inference import load_mnist1d_predictors
    from cnnrnn.train import MNIST1D_MODELS, WEIGHTS_DIR, read_manifest

    names = [n for n, (_, _, mixed) in MNIST1D_MODELS.items() if not mixed]
    predictors = load_mnist1d_predictors(weights_dir, names)
    data = {variant: load_mnist1d(variant == "shuffled") for variant in ("normal", "shuffled")}
    records = read_manifest(weights_dir or WEIGHTS_DIR).get("mnist1d", {}).get("models", {})
    result = {"task": "mnist1d", "test_size": int(len(data["normal"].y_test)), "accuracy": {}, "shuffled": {}}
    for name in names:
        kind, variant, _ = MNIST1D_MODELS[name]
        splits = data[variant]
        accuracy = round(predictors[name].accuracy(splits.x_test, splits.y_test), 4)
        result["accuracy" if variant == "normal" else "shuffled"][kind] = accuracy
    seconds = {kind: records.get(kind, {}).get("train_seconds") for kind in ("cnn", "gru")}
    result["train_seconds"] = seconds
    if seconds["cnn"] and seconds["gru"]:
        result["gru_cnn_time_ratio"] = round(seconds["gru"] / seconds["cnn"], 1)
    cpu = {kind: records.get(kind, {}).get("train_cpu_seconds") for kind in ("cnn", "gru")}
    if cpu["cnn"] and cpu["gru"]:
        result["train_cpu_seconds"] = cpu
        result["gru_cnn_cpu_ratio"] = round(cpu["gru"] / cpu["cnn"], 1)
    result["paper"] = {"accuracy": {k: v for (k, variant), v in MNIST1D_PAPER.items() if variant == "normal"},
                       "shuffled": {k: v for (k, variant), v in MNIST1D_PAPER.items() if variant == "shuffled"}}
    return result


def length_sweep(predictors: dict, signals: np.ndarray, labels: np.ndarray, lengths) -> pd.DataFrame:
    """Accuracy with every signal (n, 40) resampled to each length; models tied to 40 points are skipped
    elsewhere. Columns: model, length, accuracy."""
    from cnnrnn.data import resample_signals

    rows = []
    for length in lengths:
        resampled = resample_signals(signals, int(length))
        for name, predictor in predictors.items():
            if predictor.length is not None and predictor.length != int(length):
                continue
            rows.append({"model": name, "length": int(length), "accuracy": predictor.accuracy(resampled, labels)})
    return pd.DataFrame(rows, columns=["model", "length", "accuracy"])


def shift_sweep(predictors: dict, signals: np.ndarray, labels: np.ndarray, shifts,
                modes=("pad", "roll")) -> pd.DataFrame:
    """Accuracy with every signal translated by each shift (points), in each mode (`data.shift_signals`):
    "pad" fills the emptied points with zeros, "roll" wraps them around.

    Columns: model, mode, shift, accuracy."""
    from cnnrnn.data import shift_signals

    rows = []
    for mode in modes:
        for shift in shifts:
            moved = shift_signals(signals, int(shift), mode)
            for name, predictor in predictors.items():
                rows.append({"model": name, "mode": mode, "shift": int(shift),
                             "accuracy": predictor.accuracy(moved, labels)})
    return pd.DataFrame(rows, columns=["model", "mode", "shift", "accuracy"])


def signal_latency_sweep(predictors: dict, lengths=(20, 40, 80, 160, 320, 640, 1280), repeats: int = 7,
                         seed: int = 0) -> pd.DataFrame:
    """Single-signal latency against length: the median of `repeats` calls of each predictor, in ms.

    Only predictors that take any length are timed. Columns: model, length, ms.
    """
    rng = np.random.default_rng(seed)
    rows = []
    for length in lengths:
        signal = rng.standard_normal(int(length)).astype(np.float32)
        for name, predictor in predictors.items():
            if predictor.length is not None:
                continue
            rows.append({"model": name, "length": int(length), "ms": median_ms(predictor.predict_one, signal, repeats)})
    return pd.DataFrame(rows, columns=["model", "length", "ms"])


def mnist1d_experiments(predictors: dict, splits, config) -> dict[str, pd.DataFrame]:
    """The tables the sequence lab charts: lengths (cnn, gru, cnn_mixed, gru_mixed), shifts and latency
    (cnn, gru), on the normal test signals."""
    pick = lambda *names: {n: predictors[n] for n in names if n in predictors}  # noqa: E731
    return {
        "lengths": length_sweep(pick("cnn", "gru", "cnn_mixed", "gru_mixed"), splits.x_test, splits.y_test,
                                config.sweep_lengths),
        "shifts": shift_sweep(pick("cnn", "gru", "mlp"), splits.x_test, splits.y_test, config.shifts),
        "latency": signal_latency_sweep(pick("cnn", "gru"), config.latency_lengths, config.latency_repeats),
    }


def signal_examples(signals: np.ndarray, labels: np.ndarray, per_class: int = 3) -> pd.DataFrame:
    """The first `per_class` signals of each digit in long form: columns digit, example, point, value."""
    rows = []
    labels = np.asarray(labels)
    for digit in range(10):
        for example, index in enumerate(np.flatnonzero(labels == digit)[:per_class]):
            for point, value in enumerate(np.asarray(signals[index], np.float32)):
                rows.append({"digit": digit, "example": example, "point": point, "value": float(value)})
    return pd.DataFrame(rows, columns=["digit", "example", "point", "value"])
