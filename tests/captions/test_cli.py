"""The captioning task through `python -m cnnrnn`: evaluate, caption, train (tiny), and its errors."""

from __future__ import annotations

import json

import hand_drawn
import pytest
from cli import json_lines, run_cli

from cnnrnn.__main__ import main
from cnnrnn.tasks.captions import data
from cnnrnn.tasks.captions.config import CAPTIONS


def test_the_shipped_captioner_reaches_the_target():
    """tests/test_evaluate.py re-measures it against the manifest; here, the manifest against the target."""
    from cnnrnn.core.weights import read_manifest
    from cnnrnn.tasks.captions.cli import manifest_figures

    result = manifest_figures(read_manifest()["captions"])
    assert set(result) == {"task", "test_size", "exact_match", "token_accuracy"}
    assert result["task"] == "captions" and result["test_size"] == 1000
    assert result["exact_match"] >= 0.95 and result["token_accuracy"] >= result["exact_match"]


def test_cli_caption_prints_one_line_per_image_and_fails_on_bad_files(tmp_path):
    good = tmp_path / "drawn.png"
    good.write_bytes(hand_drawn.png_bytes(hand_drawn.draw(hand_drawn.DRAWINGS[0][1], paper=True)))
    scene = tmp_path / "scene.png"
    scene.write_bytes(hand_drawn.png_bytes(data.render_scene(data.make_scene(CAPTIONS.test_seed, 0), 128)))
    bad = tmp_path / "bad.png"
    bad.write_bytes(b"\x89PNG\r\n\x1a\n broken")
    missing = tmp_path / "missing.png"
    out = run_cli("caption", str(good), str(bad), str(missing), str(scene))
    assert out.returncode == 1 and "Traceback" not in out.stderr
    lines = json_lines(out.stdout)
    assert [line["path"] for line in lines] == [str(good), str(bad), str(missing), str(scene)]
    assert lines[0] == {"path": str(good), "caption": hand_drawn.DRAWINGS[0][0]}
    assert set(lines[1]) == {"path", "error"} and lines[1]["error"]
    assert set(lines[2]) == {"path", "error"} and lines[2]["error"]
    assert data.caption_is_valid(lines[3]["caption"])
    ok = run_cli("caption", "--beam", "3", str(good))
    assert ok.returncode == 0 and json.loads(ok.stdout)["caption"] == hand_drawn.DRAWINGS[0][0]


def test_cli_caption_and_evaluate_name_the_missing_weights_and_the_command(tmp_path, capsys):
    """In-process through `main` (an uncaught error would raise here); the caption test above runs a process."""
    for args in (
        ("caption", "--weights", str(tmp_path), "any.png"),
        ("evaluate", "captions", "--weights", str(tmp_path)),
    ):
        assert main(list(args)) == 2
        out = capsys.readouterr()
        assert out.out == "" and out.err.strip().splitlines()[-1] == (
            f"error: no captions_model.keras in {tmp_path}; run: python -m cnnrnn train captions"
        ), out.err


def test_cli_train_refuses_an_unknown_model_by_name(tmp_path):
    out = run_cli("train", "captions", "--preset", "tiny", "--out", str(tmp_path), "--models", "decoder")
    assert out.returncode == 2 and "Traceback" not in out.stderr
    assert out.stderr.strip().splitlines()[-1] == "error: unknown captions model(s) decoder; choose from captioner"
    assert not any(tmp_path.iterdir()), "nothing is written before the check"


@pytest.mark.slow  # trains, then evaluates on the full test split
def test_cli_train_tiny_writes_weights_and_prints_its_scores(tmp_path):
    out = run_cli("train", "captions", "--preset", "tiny", "--out", str(tmp_path))
    assert out.returncode == 0, out.stderr[-2000:]
    result = json.loads(out.stdout)
    assert set(result) == {
        "task",
        "weights",
        "exact_match",
        "token_accuracy",
        "beam_exact_match",
        "exact_match_mean",
        "shipped_seed",
    }
    assert result["task"] == "captions" and result["weights"] == str(tmp_path)
    assert 0.0 <= result["exact_match"] <= result["token_accuracy"] + 1e-9 <= 1.0 + 1e-9
    assert "captions captioner: learning rates 0.002, 0.004 at " in out.stderr
    assert "captioner lr=0.002 seed=1 steps=" in out.stderr and ": epoch 1/1: loss " in out.stderr
    assert (tmp_path / "captions_model.keras").is_file() and (tmp_path / "manifest.json").is_file()
    evaluated = run_cli("evaluate", "captions", "--weights", str(tmp_path))  # the tiny model on the full test split
    assert evaluated.returncode == 0, evaluated.stderr[-2000:]
    scores = json.loads(evaluated.stdout)
    assert scores["test_size"] == CAPTIONS.test_size and 0.0 <= scores["exact_match"] <= scores["token_accuracy"] <= 1.0
