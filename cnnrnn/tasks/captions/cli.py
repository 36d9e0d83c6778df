"""The captioning task's command line: train, evaluate, `caption PATH...` and the benchmark rows.

The interface `python -m cnnrnn` and `python -m cnnrnn bench` call (see `cnnrnn.core.task`):
train(args, log), evaluate(weights_dir), manifest_figures(entry), cmd_caption(args), bench(live) and
bench_calls(rng).
"""

from __future__ import annotations

import functools

import numpy as np

from cnnrnn.core.cli import prepared_files, print_json
from cnnrnn.core.images import ImageError
from cnnrnn.core.timing import latency_summary, time_ms
from cnnrnn.core.weights import have_files, require_files, weights_root
from cnnrnn.tasks.captions.config import MODEL_NAME, captions_preset
from cnnrnn.tasks.captions.data import make_scenes
from cnnrnn.tasks.captions.experiments import evaluate_captions, scene_inputs
from cnnrnn.tasks.captions.parser import MODELS  # noqa: F401  (the command line checks --models against it)
from cnnrnn.tasks.captions.predict import CAPTIONS_FILE, load_caption_predictor
from cnnrnn.tasks.captions.prepare import prepare_scene
from cnnrnn.tasks.captions.train import train_captions

BENCH_SEED = 4242  # the benchmark's scenes (not a training, validation or test split)


@functools.lru_cache(maxsize=1)
def _shipped_predictor():
    """The shipped captioner, loaded once per benchmark process (its rows and its memory-loop call share it)."""
    return load_caption_predictor()


def train(args, log) -> dict:
    """Train the captioner with preset `args.preset` into `args.out` under the fair-fight protocol (`args.seeds`
    seeds, else the preset's); the summary JSON to print.

    `args.models` can only name the one model ("captioner"), so it changes nothing.
    """
    config = captions_preset(args.preset)
    out = weights_root(args.out)
    entry = train_captions(config, out, log=log, seeds=getattr(args, "seeds", None))
    info = entry["models"][MODEL_NAME]
    return {
        "task": "captions",
        "weights": str(out),
        "exact_match": info["exact_match"],
        "token_accuracy": info["token_accuracy"],
        "beam_exact_match": info["beam_exact_match"],
        "exact_match_mean": info["metric_mean"],
        "shipped_seed": info["shipped_seed"],
    }


def evaluate(weights_dir=None) -> dict:
    """Greedy captions of the 1,000 test scenes: {"task", "test_size", "exact_match", "token_accuracy"}."""
    return evaluate_captions(weights_dir)


def manifest_figures(entry: dict) -> dict:
    """What `evaluate` prints, as the manifest section recorded it when the weights were trained."""
    info = entry["models"][MODEL_NAME]
    return {
        "task": "captions",
        "test_size": entry["data"]["test_size"],
        "exact_match": info["exact_match"],
        "token_accuracy": info["token_accuracy"],
    }


def cmd_caption(args) -> int:
    """One JSON line per picture: {"path", "caption"} or {"path", "error"}; exit 1 when any failed."""
    require_files([CAPTIONS_FILE], args.weights, task="captions")
    predictor = load_caption_predictor(args.weights)
    failed = False
    for path, prepared in prepared_files(args.paths, prepare_scene, (ImageError,)):
        if prepared is None:
            failed = True
            continue
        image = prepared.model_input[None]
        caption = predictor.beam(image, args.beam)[0] if args.beam > 1 else predictor.greedy(image)[0]
        print_json({"path": path, "caption": caption})
    return 1 if failed else 0


def bench(live: bool = False, repeats: int = 50) -> dict:
    """One scene captioned greedily, and with beam search (width 3), through the page's predictor.

    Rows "captions greedy" and "captions beam 3"; traces "captions" after eight scenes of other
    caption lengths. {} when the shipped weights are missing. `live` adds nothing here.
    """
    if not have_files([CAPTIONS_FILE]):
        return {}
    predictor = _shipped_predictor()
    images = scene_inputs(make_scenes(8, seed=BENCH_SEED).images)
    latency = {
        "captions greedy": latency_summary(time_ms(lambda: predictor.greedy(images[:1]), repeats)),
        "captions beam 3": latency_summary(time_ms(lambda: predictor.beam(images[:1], 3), repeats)),
    }
    for image in images:  # other scenes, other caption lengths
        predictor.caption_one(image)
    return {"latency_ms": latency, "traces": {"captions": predictor.traces}}


def bench_calls(rng: np.random.Generator) -> list:
    """The memory loop's captioning call: one random-looking 64x64 picture, greedy and beam (width 3).

    [] when the shipped weights are missing.
    """
    if not have_files([CAPTIONS_FILE]):
        return []
    predictor = _shipped_predictor()
    side = predictor.image_size
    return [lambda: predictor.caption_one(rng.random((side, side, 3), dtype=np.float32), 3)]
