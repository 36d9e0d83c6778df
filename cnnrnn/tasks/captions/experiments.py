"""The captioner's measurements: exact match and token accuracy, by number of objects and by picture size.

Also the tidy tables of one caption's step-by-step record (greedy candidates, beams).
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import tensorflow as tf

from cnnrnn.tasks.captions.config import CAPTIONS
from cnnrnn.tasks.captions.data import make_scene, make_scenes, render_scene
from cnnrnn.tasks.captions.predict import load_caption_predictor


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
    predictor = load_caption_predictor(weights_dir)
    scenes = make_scenes(CAPTIONS.test_size, CAPTIONS.test_seed, CAPTIONS.image_size)
    scores = caption_scores(predictor.greedy(scene_inputs(scenes.images)), scenes.captions)
    return {
        "task": "captions",
        "test_size": scores["n"],
        "exact_match": round(scores["exact_match"], 4),
        "token_accuracy": round(scores["token_accuracy"], 4),
    }


def caption_steps_table(steps: list[dict]) -> pd.DataFrame:
    """Greedy decoding's record (`CaptionPredictor.caption_one()["greedy_steps"]`) as a tidy table.

    Columns: step (1-based output word), rank (1 = likeliest), word, probability, chosen (the
    word greedy decoding emitted at that step).
    """
    rows = [
        {"step": s["step"], "rank": rank, "word": word, "probability": p, "chosen": word == s["chosen"]}
        for s in steps
        for rank, (word, p) in enumerate(s["candidates"], start=1)
    ]
    return pd.DataFrame(rows, columns=["step", "rank", "word", "probability", "chosen"])


def beam_steps_table(history: list[dict]) -> pd.DataFrame:
    """Beam search's record (`caption_one()["beam_steps"]`): step, beam (1 = best), words so far, probability."""
    rows = [
        {"step": h["step"], "beam": b, "words so far": words, "probability": p}
        for h in history
        for b, (words, p) in enumerate(h["beams"], start=1)
    ]
    return pd.DataFrame(rows, columns=["step", "beam", "words so far", "probability"])
