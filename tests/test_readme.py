"""The README's numbers are the manifest's: every shipped model table and the training times in prose.

Numbers typed by hand drift from the measurements; this test reads them back. When a model is
retrained, the README's tables must be updated from the new manifest (or this test fails).
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from cnnrnn.core.weights import read_manifest
from cnnrnn.tasks.charlm.tang.form import FORM_NAMES

ROOT = Path(__file__).resolve().parents[1]
README = (ROOT / "README.md").read_text(encoding="utf-8")
MANIFEST = read_manifest()


def section(heading: str) -> str:
    """The README's text under the heading that starts with `heading`, up to the next heading."""
    match = re.search(rf"^#+ {re.escape(heading)}.*?$(.*?)(?=^#+ |\Z)", README, re.M | re.S)
    assert match, f"no README section {heading!r}"
    return match.group(1)


def table(heading: str) -> list[dict[str, str]]:
    """The first Markdown table of a section as rows of column -> cell text (backticks dropped)."""
    lines = [line for line in section(heading).splitlines() if line.startswith("|")]
    header = [cell.strip() for cell in lines[0].strip("|").split("|")]
    rows = []
    for line in lines[2:]:
        cells = [cell.strip().replace("`", "").replace("**", "") for cell in line.strip("|").split("|")]
        rows.append(dict(zip(header, cells)))
    return rows


def models(task: str) -> dict:
    return MANIFEST[task]["models"]


def test_the_mnist_table_is_the_manifest():
    rows = {row["model"]: row for row in table("Shipped MNIST models")}
    assert set(rows) == set(models("mnist"))
    for name, info in models("mnist").items():
        assert rows[name]["parameters"] == f"{info['params']:,}"
        assert rows[name]["test accuracy"] == f"{info['test_accuracy']:.4f}"


def test_the_pooled_cnn_size_table_is_the_manifest():
    """"Pooled CNNs against size": the manifest's held-out accuracy of both pooled CNNs per side."""
    rows = {row["model"]: row for row in table("Pooled CNNs against size")}
    sweep = MANIFEST["mnist"]["resolution_sweep"]
    assert set(rows) == {"cnn_gap", "cnn_gap_1scale"}
    for name, row in rows.items():
        sides = [column for column in row if column.endswith(" px")]
        assert sides, row
        for column in sides:
            side = int(column.split()[0])
            (accuracy,) = [r["accuracy"] for r in sweep if r["model"] == name and r["size"] == side]
            assert row[column] == f"{accuracy:.3f}", (name, column)


def test_the_sentiment_table_is_the_manifest():
    rows = {row["model"]: row for row in table("Shipped sentiment models")}
    assert set(rows) == set(models("sentiment"))
    for name, info in models("sentiment").items():
        assert rows[name]["parameters"] == f"{info['params']:,}"
        assert rows[name]["size"] == f"{info['bytes'] / 1e6:.1f} MB"
        assert rows[name]["test accuracy"] == f"{info['test_accuracy']:.3f}"


def test_the_character_model_table_is_the_manifest():
    rows = {row["model"]: row for row in table("Shipped character models")}
    assert set(rows) == set(models("charlm"))
    for name, info in models("charlm").items():
        assert rows[name]["parameters"] == f"{info['params']:,}"
        assert rows[name]["held-out loss"] == f"{info['heldout_loss']:.3f}"
        assert rows[name]["training"].startswith(f"{info['train_seconds'] / 60:.0f} min, {info['steps']:,} steps")


def test_the_tang_table_is_the_manifest():
    rows = {row["model"]: row for row in table("Shipped Tang-poem models")}
    assert set(rows) == set(models("tang"))
    for name, info in models("tang").items():
        row = rows[name]
        assert row["parameters"] == f"{info['params']:,}"
        assert row["size"] == f"{info['bytes'] / 1e6:.1f} MB"
        assert row["held-out loss"] == f"{info['heldout_loss']:.3f}"
        assert row["in form (五絕 / 七絕 / 五律 / 七律)"] == " / ".join(
            f"{info['form_accuracy'][form]:.2f}" for form in FORM_NAMES)
        assert row["first lines completed"] == f"{info['first_line_completion']['share']:.2f}"
        assert row["training"].startswith(f"{info['train_seconds'] / 60:.0f} min, {info['steps']:,} steps")
    text = " ".join(section("Shipped Tang-poem models").split())
    assert "MIT" in text and "JackeyGao" in text, "the chinese-poetry database's licence notice"


def test_the_mnist1d_table_is_the_manifest():
    rows = {row["model"]: row for row in table("Sequence lab")}
    assert set(rows) == set(models("mnist1d"))
    for name, info in models("mnist1d").items():
        row = rows[name]
        assert row["parameters"] == f"{info['params']:,}"
        assert row["file (KB)"] == f"{info['bytes'] / 1024:.0f}"
        assert row["test accuracy"] == f"{info['test_accuracy']:.3f}"
        assert row["training (s)"] == f"{info['train_seconds']:.1f}"
        assert row["CPU (s)"] == f"{info['train_cpu_seconds']:.1f}"


def test_the_captioning_table_is_the_manifest():
    rows = {row["objects"]: row for row in table("Captioning")}
    by_objects = MANIFEST["captions"]["experiments"]["by_objects"]
    for record in by_objects:
        row = rows[record["objects"]]
        column = "exact match, greedy" if record["decoder"] == "greedy" else "exact match, beam (width 3)"
        assert row[column] == f"{record['exact_match']:.4f}"
        assert row["test scenes"].replace(",", "") == str(record["n"])
        if record["decoder"] == "greedy":
            assert row["token accuracy, greedy"] == f"{record['token_accuracy']:.4f}"
    info = models("captions")["captioner"]
    assert rows["all"]["exact match, greedy"] == f"{info['exact_match']:.4f}"
    assert f"{info['params']:,} parameters" in section("Captioning")


@pytest.mark.parametrize("task", ["mnist", "sentiment", "charlm", "captions", "mnist1d", "tang", "translation"])
def test_the_training_time_in_retraining_is_the_manifest(task):
    """"`train TASK` took N s" in the Retraining section: the shipped models' training seconds added up."""
    seconds = sum(info["train_seconds"] for info in models(task).values())
    text = " ".join(section("Retraining").split())
    match = re.search(rf"`train {task}` took ([\d,]+) s", text)
    assert match, f"the Retraining section gives no training time for {task}"
    assert match.group(1) == f"{seconds:,.0f}"


def test_the_translation_table_is_the_manifest():
    rows = {row["model"]: row for row in table("Shipped translation models")}
    assert set(rows) == set(models("translation"))
    for name, info in models("translation").items():
        row = rows[name]
        assert row["parameters"] == f"{info['params']:,}"
        assert row["size"] == f"{info['bytes'] / 1e6:.2f} MB"
        assert row["BLEU"] == f"{info['test']['bleu']:.1f}"
        assert row["chrF"] == f"{info['test']['chrf']:.1f}"
        assert row["BLEU, greedy"] == f"{info['test']['greedy']['bleu']:.1f}"
        assert row["training"].startswith(f"{info['train_seconds'] / 60:.0f} min, {info['steps']:,} steps")
    text = " ".join(section("Shipped translation models").split())
    assert "www.manythings.org/anki and tatoeba.org" in text and "CC-BY 2.0" in text, "the data's attribution"
    entry = MANIFEST["translation"]
    assert f"{entry['split']['test_sentences']:,} English sentences" in text
    assert f"{entry['vocabulary']['pieces']:,} subword pieces" in text


def test_the_limits_table_is_the_code():
    from cnnrnn.core import images
    from cnnrnn.tasks.charlm import data as charlm_data
    from cnnrnn.tasks.charlm import predict as charlm_predict
    from cnnrnn.tasks.charlm import ui as charlm_ui
    from cnnrnn.tasks.charlm.tang import predict as tang_predict
    from cnnrnn.tasks.mnist1d import train as mnist1d_train
    from cnnrnn.tasks.sentiment import text

    rows = {row["what"]: row["limit"] for row in table("Limits")}
    assert rows["upload size"].startswith(f"{images.MAX_UPLOAD_BYTES // 2**20} MB")
    assert rows["image pixels"].startswith(f"{images.MAX_PIXELS // 1_000_000} megapixels")
    assert f"at least {images.MIN_SIDE} pixels" in rows["image side"]
    assert f"at most {images.MAX_ASPECT} times" in rows["image side"]
    assert f"first {text.MAX_CHARS:,} characters" in rows["sentence (sentiment page and predict-sentiment)"]
    corpus = rows["training text (generation page)"]
    assert corpus.startswith(f"{charlm_data.MAX_CORPUS_BYTES // 2**20} MB")
    assert f"at least {charlm_data.MIN_CORPUS_CHARS} characters" in corpus
    assert f"at most {charlm_data.MAX_VOCAB:,} distinct" in corpus
    assert f"last {charlm_predict.MAX_PRIME_CHARS:,} characters" in rows["prime"]
    assert f"the last {tang_predict.MAX_PRIME_CHARS}, from a line's start, and {tang_predict.MAX_TITLE_CHARS} " \
           "of a title" in rows["prime"]
    assert rows["generated length"].startswith(f"{charlm_ui.GEN_MAX_LENGTH:,} per click")
    assert f"{charlm_data.MAX_GENERATE:,} on the command line" in rows["generated length"]
    read = rows['"read my text" (generation page)']
    assert f"first {charlm_ui.GEN_READ_CHARS:,} characters" in read
    assert f"at most {charlm_predict.MAX_READ_CHARS:,}" in read
    assert f"at most {mnist1d_train.MNIST1D_LIVE_MAX_EPOCHS} epochs" in rows["live training"]
    from cnnrnn.core import training
    from cnnrnn.tasks.mnist1d import config as mnist1d_config

    assert f"{mnist1d_config.MNIST1D_LIVE_TIME_LIMIT:.0f} seconds a pair" in rows["live training"]
    assert f"{training.DEFAULT_SLOTS} run at a time per server" in rows["live training"]
    from cnnrnn.tasks.translation import config as translation_config
    from cnnrnn.tasks.translation import predict as translation_predict

    english = rows["English text (translation page and translate)"]
    assert f"first {translation_config.MAX_INPUT_CHARS:,} characters" in english
    assert f"first {translation_config.MAX_SOURCE_TOKENS} subword tokens" in english
    assert f"at most {translation_config.MAX_OUTPUT_TOKENS} tokens" in english
    assert f"beam width 1 to {translation_predict.MAX_BEAM}" in english
    config = (ROOT / ".streamlit" / "config.toml").read_text()
    assert f"maxUploadSize = {images.MAX_UPLOAD_BYTES // 2**20}" in config


def test_the_audience_room_limits_are_the_code():
    from cnnrnn.tasks.room import limits, ui

    rows = {row["what"]: row["limit"] for row in table("Limits")}
    room = rows["audience room"]
    assert room.startswith(f"a room lasts {limits.ROOM_HOURS} hours; {limits.PER_MINUTE} submissions a minute")
    assert f"{limits.PER_ROOM:,} a room" in room and f"{limits.MIN_SENTENCE} to {limits.MAX_SENTENCE} characters" in room
    text = " ".join(section("Audience rooms").split())
    assert f"expires {limits.ROOM_HOURS} hours after" in text and f"may send {limits.PER_MINUTE} submissions a minute" in text
    assert f"at most {limits.PER_ROOM:,}" in text and f"{limits.MIN_SENTENCE} to {limits.MAX_SENTENCE} characters" in text
    assert f"{limits.CODE_LENGTH} characters from `{limits.ALPHABET}`" in text
    assert f"{len(limits.ALPHABET) ** limits.CODE_LENGTH:.1e}".replace("+", "") in text
    assert f"every {ui.REFRESH_S} seconds" in text and f"`{ui.ROOM_DIR_ENV}`" in text
    assert "~/" + str(ui.DEFAULT_ROOM_DIR.relative_to(ui.Path.home())) + "/" in text
