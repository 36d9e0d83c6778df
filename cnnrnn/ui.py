"""The only package module importing Streamlit: cached model loaders and shared widgets.

Models load once per process (`st.cache_resource`) and are shared by every
session; what they expose (predictors built on tf.function) is thread-safe.
"""

from __future__ import annotations

from pathlib import Path

import streamlit as st


@st.cache_resource(show_spinner="Loading the image models...")
def image_predictors() -> dict:
    """name -> ImagePredictor for the three shipped MNIST models."""
    from cnnrnn.inference import ImagePredictor, load_image_models

    return {name: ImagePredictor(model) for name, model in load_image_models().items()}


from cnnrnn.core.st import manifest, page_header, show_error  # noqa: E402,F401


# --- The image page -------------------------------------------------------------

SAMPLES_DIR = Path(__file__).resolve().parent / "samples"


@st.cache_data(show_spinner=False)
def sample_images() -> dict[str, tuple[bytes, int | None]]:
    """Built-in samples: file name -> (bytes, true label from the name's last digit)."""
    samples = {}
    for path in sorted(SAMPLES_DIR.glob("*.*")):
        stem = path.stem.rsplit("_", 1)[-1]
        samples[path.name] = (path.read_bytes(), int(stem) if stem.isdigit() else None)
    return samples


def drawing_canvas(key: str, stroke_width: int = 18, size: int = 280):
    """A black square to draw on in white; returns its RGBA array, or None while it is empty."""
    from streamlit_drawable_canvas import st_canvas

    result = st_canvas(stroke_width=stroke_width, stroke_color="#FFFFFF", background_color="#000000",
                       height=size, width=size, drawing_mode="freedraw", key=key, return_image_data=True)
    image = result.image_data
    if image is None or image[..., :3].max() < 32:
        return None
    return image


@st.cache_data(show_spinner=False, max_entries=64)
def prepare(raw, method: str, aspect: str):
    """images.prepare_digit, cached per input and choice (raises ImageError)."""
    from cnnrnn.core.images import prepare_digit

    return prepare_digit(raw, method=method, aspect=aspect)


def predict_models(predictors: dict, image):
    from cnnrnn.experiments import predict_models as run

    return run(predictors, image)


def render(prepared, side: int, method: str):
    """The prepared digit framed MNIST-style at `side` x `side`."""
    from cnnrnn.core.images import render_digit

    return render_digit(prepared, side, method)


@st.cache_data(show_spinner=False)
def fixed_size_error(side: int) -> str | None:
    """Keras's own error when the fixed CNN gets a side x side array (None at 28)."""
    import numpy as np

    from cnnrnn.inference import fixed_size_error as run

    return run(image_predictors()["cnn_fixed"].model, np.zeros((side, side), np.float32))


def native_predictions(predictors: dict, image) -> dict:
    """The size-free models on `image` as it is: name -> (label, confidence, shape shown)."""
    from cnnrnn.experiments import model_view

    out = {}
    for name in ("cnn_gap", "rnn_rows"):
        view = model_view(name, image[None])[0]
        probs = predictors[name].predict_one(view)
        shape = f"{view.shape[0]}x{view.shape[1]}" + (" (rows x 28 values)" if name == "rnn_rows" else "")
        out[name] = (int(probs.argmax()), float(probs.max()), shape)
    return out


@st.cache_data(show_spinner="Sweeping sizes...", max_entries=32)
def image_sweep(raw, method: str, aspect: str, target: int):
    from cnnrnn.experiments import image_resolution_sweep

    prepared = prepare(raw, method, aspect)
    return image_resolution_sweep(image_predictors(), lambda s: render(prepared, s, method), target)


@st.cache_data(show_spinner="Trying each resize method and aspect...", max_entries=32)
def choice_sweeps(raw, method: str, aspect: str, target: int):
    """(confidence per resize method at this aspect, confidence per aspect at this method)."""
    from cnnrnn.experiments import choice_sweep
    from cnnrnn.core.images import ASPECTS, RESIZE_METHODS

    predictors = image_predictors()
    by_method = choice_sweep(predictors, lambda m: prepare(raw, m, aspect).model_input, RESIZE_METHODS, "method", target)
    by_aspect = choice_sweep(predictors, lambda a: prepare(raw, method, a).model_input, ASPECTS, "aspect", target)
    return by_method, by_aspect


def shipped_resolution_sweep():
    """The manifest's accuracy-vs-resolution table as a DataFrame (None if absent)."""
    import pandas as pd

    table = manifest().get("mnist", {}).get("resolution_sweep")
    return pd.DataFrame(table) if table else None


@st.cache_data(show_spinner=False)
def recompute_resolution_sweep(n: int = 1000):
    """The same table recomputed now on the first `n` test digits."""
    import numpy as np

    from cnnrnn.config import MNIST
    from cnnrnn.data import load_mnist
    from cnnrnn.experiments import resolution_sweep

    splits = load_mnist(max_test=n)
    return resolution_sweep(image_predictors(), splits.x_test.astype(np.float32) / 255.0, splits.y_test,
                            MNIST.sweep_sizes)


def feature_maps(name: str, image) -> dict:
    from cnnrnn.inference import conv_feature_maps

    return conv_feature_maps(image_predictors()[name].model, image)


def hidden_states(image):
    from cnnrnn.inference import rnn_hidden_states

    return rnn_hidden_states(image_predictors()["rnn_rows"].model, image)


def rows_read(image):
    from cnnrnn.experiments import rows_read as run

    return run(image_predictors()["rnn_rows"], image)


def normalise(array):
    """Scale an array to [0, 1] for display (a flat array becomes all zeros)."""
    import numpy as np

    low, high = float(np.min(array)), float(np.max(array))
    return (array - low) / (high - low) if high > low else np.zeros_like(array)


# --- The sentiment page -----------------------------------------------------------


@st.cache_resource(show_spinner="Loading the sentiment models...")
def sentiment_predictors() -> dict:
    """"rnn" and "cnn" -> TextPredictor over the shipped sentiment models (thread-safe)."""
    from cnnrnn.inference import load_sentiment_predictors

    return load_sentiment_predictors()


@st.cache_data(show_spinner=False, max_entries=256)
def sentiment_analysis(text: str) -> dict:
    """Verdicts, prefix-by-prefix predictions, occlusion importance and the CNN's counted evidence."""
    from cnnrnn import experiments

    predictors = sentiment_predictors()
    evidence = predictors["cnn"].counted_evidence(text)
    return {"verdicts": experiments.sentiment_verdicts(predictors, text),
            "prefixes": experiments.prefix_predictions(predictors, text),
            "occlusion": experiments.occlusion_importance(predictors, text),
            "evidence": evidence, "score": predictors["cnn"].counted_score(evidence)}


def shipped_sentiment_tables() -> dict:
    """The manifest's sentiment experiment tables, name -> DataFrame ({} when absent)."""
    import pandas as pd

    tables = manifest().get("sentiment", {}).get("experiments", {})
    return {name: pd.DataFrame(rows) for name, rows in tables.items() if rows}


@st.cache_data(show_spinner=False)
def sentiment_probes():
    """The negation and contrast probes with both models' P(positive), computed now."""
    from cnnrnn.experiments import probe_table

    return probe_table(sentiment_predictors())


@st.cache_data(show_spinner="Timing both models on this machine...")
def measure_sentiment_latency():
    """The latency table measured now, on this machine."""
    from cnnrnn.config import SENTIMENT
    from cnnrnn.experiments import latency_sweep

    return latency_sweep(sentiment_predictors(), SENTIMENT.latency_lengths, SENTIMENT.latency_repeats)


@st.cache_data(show_spinner="Running the held-out experiments (about a minute)...")
def recompute_sentiment_tables() -> dict:
    """Length buckets and filler words recomputed now on the 1,067 test sentences."""
    from cnnrnn.config import SENTIMENT
    from cnnrnn.data import load_polarity
    from cnnrnn.experiments import filler_sweep, length_buckets

    splits = load_polarity(SENTIMENT.val_size, SENTIMENT.test_size, SENTIMENT.split_seed)
    predictors = sentiment_predictors()
    return {"length_buckets": length_buckets(predictors, splits.x_test, splits.y_test, SENTIMENT.length_edges),
            "filler": filler_sweep(predictors, splits.x_test, splits.y_test, SENTIMENT.filler_counts)}


# --- The generation page (many to many) -------------------------------------------

GEN_READ_CHARS = 2000  # "read my text" colours at most this many characters


@st.cache_resource(show_spinner="Loading the character models...")
def charlm_predictors() -> dict:
    """"lstm" and "cnn" -> CharPredictor over the shipped character models (thread-safe).

    Raises FileNotFoundError when the weights are missing (not cached: retried next run).
    """
    from cnnrnn.inference import load_charlm

    predictors = load_charlm()
    for predictor in predictors.values():
        predictor.generate("\n", 4)  # trace and compile now, so the first Generate click is instant
    return predictors


def charlm_manifest() -> dict:
    """The manifest's "charlm" section ({} when absent)."""
    return manifest().get("charlm", {})


def escape_markdown(text: str) -> str:
    """Text shown verbatim by st.markdown / st.write_stream: punctuation escaped, line breaks kept."""
    import re

    escaped = re.sub(r"([\\`*_{}\[\]()#+\-.!|<>~=:$&^%@\"'])", r"\\\1", text)
    return escaped.replace("\n", "  \n")


def markdown_pieces(run, prefix: str = ""):
    """`prefix` (the prime), then a GenerationRun's text pieces, escaped for `st.write_stream`."""
    if prefix:
        yield escape_markdown(prefix)
    for piece in run:
        yield escape_markdown(piece)


def cnn_layout(entry: dict) -> str:
    """"kernel 3, dilations 1, 2, 4, 8, 16, 32" from the manifest's CNN config (or the default config)."""
    from cnnrnn.config import CHARLM

    config = entry.get("models", {}).get("cnn", {}).get("config", {})
    kernel = config.get("cnn_kernel_size", CHARLM.cnn_kernel_size)
    dilations = config.get("cnn_dilations", CHARLM.cnn_dilations)
    return f"{len(dilations)} causal convolutions of width {kernel}, dilations {', '.join(map(str, dilations))}"


def _surprise_color(loss: float) -> str:
    """Background for a character: green when expected (low loss) to red when surprising (>= 5 nats)."""
    hue = int(round(120 * (1.0 - min(max(loss, 0.0), 5.0) / 5.0)))
    return f"hsl({hue}, 85%, 80%)"


def probability_html(rows: list[dict]) -> str:
    """Each character on a background coloured by the model's probability for it (`CharPredictor.read`).

    Hovering shows the probability. Unknown characters are grey and struck through;
    the first character (nothing before it) is uncoloured.
    """
    import html

    spans = []
    for row in rows:
        char = row["char"]
        if char == "\n":
            spans.append("<br>")
            continue
        shown = html.escape(char) if char != " " else "&#32;"
        if not row["known"]:
            spans.append(f'<span title="never seen in training" style="color:#999;text-decoration:line-through">'
                         f"{shown}</span>")
        elif row["probability"] is None:
            spans.append(f'<span title="first character: no context">{shown}</span>')
        else:
            spans.append(f'<span title="p = {row["probability"]:.3f}" style="background:'
                         f'{_surprise_color(row["loss"])}">{shown}</span>')
    return ('<div style="font-family:ui-monospace,monospace;font-size:0.95rem;line-height:1.7;'
            'word-break:break-word">' + "".join(spans) + "</div>")


@st.cache_data(show_spinner=False, max_entries=64)
def read_text(text: str) -> dict:
    """Both shipped models' per-character readings of `text` (the first GEN_READ_CHARS characters)."""
    return {name: predictor.read(text[:GEN_READ_CHARS]) for name, predictor in charlm_predictors().items()}


@st.cache_data(show_spinner="Continuing the prime at each temperature...", max_entries=32)
def temperature_samples(model: str, prime: str, temperatures: tuple, length: int, top_k: int, seed: int):
    from cnnrnn.experiments import temperature_samples as run

    return run(charlm_predictors()[model], prime, temperatures, length, top_k, seed)


def shipped_loss_by_position():
    """The manifest's held-out loss-by-position table, binned by context length (None when absent)."""
    from cnnrnn.experiments import bin_by_context, shipped_loss_by_position as table

    df = table(charlm_manifest())
    return bin_by_context(df) if len(df) else None


def shipped_context_table():
    """The manifest's loss by position, averaged over ranges of context (None when absent)."""
    from cnnrnn.experiments import context_table, shipped_loss_by_position as table

    df = table(charlm_manifest())
    return context_table(df) if len(df) else None


@st.cache_data(show_spinner="Scoring held-out windows with both models...")
def recompute_loss_by_position(max_windows: int = 64):
    """The same table recomputed now on `max_windows` held-out windows."""
    from cnnrnn.config import CHARLM
    from cnnrnn.data import load_shakespeare
    from cnnrnn.experiments import loss_by_position

    from cnnrnn.experiments import bin_by_context

    text = load_shakespeare(CHARLM.val_fraction).val_text
    return bin_by_context(loss_by_position(charlm_predictors(), text, CHARLM.eval_length, max_windows))


@st.cache_data(show_spinner=False)
def shakespeare_excerpt(chars: int = 100_000):
    """The first `chars` characters of tiny Shakespeare as a CharCorpus (the live-training sample)."""
    from cnnrnn.data import corpus_from_text, load_shakespeare

    return corpus_from_text(load_shakespeare().text[:chars], name=f"tiny Shakespeare, first {chars // 1000} KB")


@st.cache_data(show_spinner=False, max_entries=8)
def corpus_from_upload(data: bytes, name: str):
    """data.corpus_from_bytes, cached per file (raises CorpusError)."""
    from cnnrnn.data import corpus_from_bytes

    return corpus_from_bytes(data, name)


@st.cache_data(show_spinner=False, max_entries=8)
def corpus_from_paste(text: str):
    """data.corpus_from_text, cached per text (raises CorpusError)."""
    from cnnrnn.data import corpus_from_text

    return corpus_from_text(text)


def start_live_model(corpus):
    """A fresh, untrained live LSTM for `corpus` (kept in the session, never shared)."""
    from cnnrnn.train import start_live_model as start

    return start(corpus)


def train_live(live, corpus, seconds: float, progress_bar, status, chart_slot, sample_slot, prime: str):
    """Train the session's live model for up to `seconds`, drawing progress as it goes.

    Clicking any button (Stop) while this runs makes Streamlit rerun the page,
    which ends training where it is; the page then finds the model half-trained.
    """
    from cnnrnn import charts
    from cnnrnn.train import train_live as run

    def on_progress(info):
        fraction = min(1.0, max(info["step"] / max(info["steps"], 1), info["seconds"] / max(seconds, 1e-9)))
        progress_bar.progress(fraction, text=f"step {info['step']:,}, {info['seconds']:.0f} of {seconds:.0f} s, "
                                             f"training loss {info['loss']:.3f}")
        if info.get("evaluated"):
            chart_slot.altair_chart(charts.training_loss_chart(live.history, title="Loss while training (live)"),
                                    width="stretch")
            sample = live.predictor.generate(prime, 200, 0.7, 0, 0)
            sample_slot.code(prime + sample, language=None, wrap_lines=True)
            if info.get("val_loss") is not None:
                status.caption(f"Held-out loss {info['val_loss']:.3f} nats per character at step {info['step']:,}.")

    return run(live, corpus, on_progress=on_progress, time_limit=seconds)


def filler_summary(table) -> dict:
    """The filler table at its largest count (see `experiments.filler_summary`)."""
    from cnnrnn.experiments import filler_summary as summary

    return summary(table)


# --- The captioning page (one to many) ---------------------------------------------

SCENE_CANVAS = 320  # the drawing canvas's side in pixels (5x the encoder's 64)
CANVAS_TOOLS = {"circle": "circle", "square": "rect", "triangle (click 3 corners, then the first again)": "polygon",
                "brush": "freedraw"}


@st.cache_resource(show_spinner="Loading the captioning model...")
def caption_predictor():
    """The shipped captioner as a CaptionPredictor (thread-safe), traced once on a blank image.

    Raises FileNotFoundError when the weights are missing (not cached: retried next run).
    """
    import numpy as np

    from cnnrnn.inference import load_caption_predictor

    predictor = load_caption_predictor()
    predictor.caption_one(np.ones((predictor.image_size, predictor.image_size, 3), np.float32), 2)
    return predictor


def captions_manifest() -> dict:
    """The manifest's "captions" section ({} when absent)."""
    return manifest().get("captions", {})


@st.cache_data(show_spinner=False, max_entries=256)
def random_scene(seed: int, objects: int | None):
    """A generated scene: (64x64 uint8 image, a 256x256 copy for display, its true caption)."""
    from cnnrnn.data import SCENE_SIZE, random_scene as make, render_scene

    import numpy as np

    scene = make(np.random.default_rng(seed), objects)
    return render_scene(scene, SCENE_SIZE), render_scene(scene, 256, supersample=2), scene.caption


@st.cache_data(show_spinner=False, max_entries=64)
def prepare_scene(raw):
    """images.prepare_scene, cached per input (raises ImageError)."""
    from cnnrnn.core.images import prepare_scene as run

    return run(raw)


@st.cache_data(show_spinner=False, max_entries=128)
def caption(image, beam_width: int) -> dict:
    """Greedy and beam captions of one (64, 64, 3) float32 image, with the step-by-step record."""
    return caption_predictor().caption_one(image, beam_width)


def scene_canvas(key: str, colour: str, tool: str):
    """A white canvas to draw filled shapes on; returns its RGBA array, or None while it is empty."""
    from streamlit_drawable_canvas import st_canvas

    from cnnrnn.data import COLOURS

    hex_colour = "#%02x%02x%02x" % COLOURS[colour]
    result = st_canvas(fill_color=hex_colour, stroke_color=hex_colour, stroke_width=6 if tool != "brush" else 22,
                       background_color="#FFFFFF", background_image=canvas_guide(),
                       height=SCENE_CANVAS, width=SCENE_CANVAS, drawing_mode=CANVAS_TOOLS[tool], key=key,
                       return_image_data=True)
    image = result.image_data
    if image is None or not (image[..., 3] > 0).any():
        return None
    rgb = image[..., :3].astype(int)
    drawn = (image[..., 3] > 0) & (rgb.min(axis=2) < 235)
    return image if drawn.any() else None


@st.cache_data(show_spinner=False)
def canvas_guide():
    """A faint grid behind the canvas (not part of the drawing): one cell = a small shape, two = a large one."""
    from PIL import Image, ImageDraw

    side = SCENE_CANVAS
    guide = Image.new("RGB", (side, side), "white")
    draw = ImageDraw.Draw(guide)
    for i in range(1, 6):
        at = round(i * side / 6)
        draw.line([(at, 0), (at, side)], fill=(232, 232, 232))
        draw.line([(0, at), (side, at)], fill=(232, 232, 232))
    return guide


def shipped_caption_tables() -> dict:
    """The manifest's captioning tables, "by_objects" and "by_size" -> DataFrame ({} when absent)."""
    import pandas as pd

    tables = captions_manifest().get("experiments", {})
    return {name: pd.DataFrame(rows) for name, rows in tables.items() if rows}


@st.cache_data(show_spinner="Captioning held-out scenes (greedy and beam, at every size)...")
def recompute_caption_tables(n: int = 300) -> dict:
    """Both tables recomputed now on the first `n` test scenes."""
    from cnnrnn.config import CAPTIONS
    from cnnrnn.data import make_scenes
    from cnnrnn.experiments import captions_by_objects, captions_by_size

    predictor = caption_predictor()
    scenes = make_scenes(n, CAPTIONS.test_seed, CAPTIONS.image_size)
    return {"by_objects": captions_by_objects(predictor, scenes, CAPTIONS.beam_width),
            "by_size": captions_by_size(predictor, CAPTIONS.test_seed, n, CAPTIONS.sweep_sizes, CAPTIONS.image_size)}


@st.cache_data(show_spinner=False)
def encoder_size_error(side: int) -> str | None:
    """Keras's own error when the fixed-size encoder is handed a side x side picture (None at 64)."""
    import numpy as np

    from cnnrnn.inference import fixed_size_error_rgb

    return fixed_size_error_rgb(caption_predictor().model, np.ones((side, side, 3), np.float32))


# --- The sequence lab (MNIST-1D) ----------------------------------------------------


@st.cache_resource(show_spinner="Loading MNIST-1D...")
def mnist1d_splits(shuffled: bool = False):
    """data.Mnist1dSplits, loaded once per process (read-only arrays, shared by every session)."""
    from cnnrnn.data import load_mnist1d

    return load_mnist1d(shuffled)


@st.cache_resource(show_spinner="Loading the MNIST-1D models...")
def mnist1d_predictors() -> dict:
    """name -> SignalPredictor for the shipped MNIST-1D models (thread-safe).

    Raises FileNotFoundError when weights are missing (not cached: retried next run).
    """
    from cnnrnn.inference import load_mnist1d_predictors

    return load_mnist1d_predictors()


def mnist1d_manifest() -> dict:
    """The manifest's "mnist1d" section ({} when absent)."""
    return manifest().get("mnist1d", {})


@st.cache_data(show_spinner=False)
def mnist1d_examples(per_class: int):
    """The first `per_class` training signals of each digit, long form (experiments.signal_examples)."""
    from cnnrnn.experiments import signal_examples

    splits = mnist1d_splits(False)
    return signal_examples(splits.x_train, splits.y_train, per_class)


def shipped_mnist1d_tables() -> dict:
    """The manifest's MNIST-1D experiment tables, name -> DataFrame ({} when absent)."""
    import pandas as pd

    tables = mnist1d_manifest().get("experiments", {})
    return {name: pd.DataFrame(rows) for name, rows in tables.items() if rows}


@st.cache_data(show_spinner="Running the models at every length and shift...")
def recompute_mnist1d_tables() -> dict:
    """Lengths and shifts recomputed now on the 1,000 test signals (latency is measured separately)."""
    from cnnrnn.config import MNIST1D
    from cnnrnn.experiments import length_sweep, shift_sweep

    predictors, splits = mnist1d_predictors(), mnist1d_splits(False)
    pick = lambda *names: {n: predictors[n] for n in names if n in predictors}  # noqa: E731
    return {"lengths": length_sweep(pick("cnn", "gru", "cnn_mixed", "gru_mixed"), splits.x_test, splits.y_test,
                                    MNIST1D.sweep_lengths),
            "shifts": shift_sweep(pick("cnn", "gru", "mlp"), splits.x_test, splits.y_test, MNIST1D.shifts)}


@st.cache_data(show_spinner="Timing both models on this machine...")
def measure_mnist1d_latency():
    """The CNN's and the GRU's single-signal latency against length, measured now."""
    from cnnrnn.config import MNIST1D
    from cnnrnn.experiments import signal_latency_sweep

    predictors = mnist1d_predictors()
    return signal_latency_sweep({n: predictors[n] for n in ("cnn", "gru")}, MNIST1D.latency_lengths,
                                MNIST1D.latency_repeats)


def mnist1d_records() -> dict:
    """The shipped models' records plus this session's live runs (name -> record), for the table."""
    records = dict(mnist1d_manifest().get("models", {}))
    for run in st.session_state.get("seqlab_runs", []):
        records[run["name"]] = run
    return records


def train_mnist1d_pair(specs: list[dict], slots: list[dict]) -> list[dict]:
    """Train the runs described by `specs` side by side, one epoch each in turn, drawing progress.

    specs: dicts of kind, variant ("normal"/"shuffled"), epochs, learning_rate, width, name.
    slots: per run, {"progress": st.progress placeholder, "chart": st.empty, "status": st.empty}.
    Each run's record (name, kind, variant, test_accuracy, train_seconds, history, ...) is kept in
    st.session_state["seqlab_runs"] after every epoch, so a run stopped from outside (the
    Stop button makes Streamlit rerun the page) keeps what it reached. Raises ValueError for bad choices.
    """
    from cnnrnn import charts
    from cnnrnn.train import start_mnist1d_run

    runs = [start_mnist1d_run(spec["kind"], mnist1d_splits(spec["variant"] == "shuffled"), epochs=spec["epochs"],
                              learning_rate=spec["learning_rate"], width=spec["width"], label=spec["name"])
            for spec in specs]
    kept = st.session_state.setdefault("seqlab_runs", [])
    records = []
    for spec, run in zip(specs, runs):
        record = {**spec, "test_accuracy": None, "train_seconds": 0.0, "history": run.history,
                  "params": int(run.model.count_params()), "mixed_lengths": False, "finished": False}
        kept.append(record)
        records.append(record)
    while not all(run.done for run in runs):
        for run, record, slot in zip(runs, records, slots):
            if run.done:
                continue
            info = run.train_epoch()
            record.update(test_accuracy=round(info["test_accuracy"], 4), train_seconds=round(run.seconds, 1),
                          finished=run.done)
            slot["progress"].progress(run.epoch / run.epochs,
                                      text=f"{record['name']}: epoch {run.epoch} of {run.epochs}, "
                                           f"test accuracy {info['test_accuracy']:.3f}, {run.seconds:.1f} s")
            slot["chart"].altair_chart(charts.mnist1d_curves_chart({record["name"]: run.history},
                                                                   title=f"{record['name']}: learning curves"),
                                       width="stretch")
    return records


def mnist1d_table(records: dict):
    """experiments.mnist1d_table: this project's (and this session's) accuracies beside the paper's."""
    from cnnrnn.experiments import mnist1d_table as table

    return table(records)


def mnist1d_table_view(table):
    """The table as shown: one row per model, variant and source, readable column names."""
    view = table.rename(columns={"name": "run", "train_seconds": "training (s)"})
    return view[["model", "variant", "source", "run", "accuracy", "training (s)"]]


def mnist1d_time_ratio(entry: dict, key: str = "train_seconds") -> float | None:
    """The GRU's training time over the CNN's from the manifest: wall time ("train_seconds") or
    CPU time ("train_cpu_seconds"); None when either is missing."""
    models = entry.get("models", {})
    cnn, gru = (models.get(name, {}).get(key) for name in ("cnn", "gru"))
    return gru / cnn if cnn and gru else None


def mnist1d_live_choices() -> tuple:
    """(widths, learning rates) offered for live training."""
    from cnnrnn.train import MNIST1D_LIVE_RATES, MNIST1D_LIVE_WIDTHS

    return list(MNIST1D_LIVE_WIDTHS), list(MNIST1D_LIVE_RATES)


def mnist1d_run_name(number: int, side: str, spec: dict) -> str:
    """A live run's name in the table: "run 2A: gru 32, shuffled"."""
    width = "" if spec["kind"] == "logreg" else f" {spec['width']}"
    variant = ", shuffled" if spec["variant"] == "shuffled" else ""
    return f"run {number}{side.upper()}: {spec['kind']}{width}{variant}"


def mnist1d_runs_view(runs: list):
    """This session's live runs as a table."""
    import pandas as pd

    rows = [{"run": r["name"], "epochs": f"{len(r['history']['epoch'])} of {r['epochs']}",
             "learning rate": r["learning_rate"], "parameters": r["params"],
             "test accuracy": r["test_accuracy"], "training (s)": r["train_seconds"],
             "status": "finished" if r["finished"] else "stopped"} for r in runs]
    return pd.DataFrame(rows)
