"""The poems on the command line: `generate --corpus tang` prints a plain poem that stops at its end,
bad input is one line, `train tang` without the data says where to get it.

In-process through `cnnrnn.__main__.main` (TensorFlow is imported once for the whole file).
"""

from __future__ import annotations

from pathlib import Path

import pytest

from cnnrnn.__main__ import main
from cnnrnn.tasks.charlm.tang.form import check_form, split_lines
from cnnrnn.tasks.charlm.tang.predict import load_tang

ROOT = Path(__file__).resolve().parents[2]
WEIGHTS = ROOT / "cnnrnn" / "weights"
SHIPPED = pytest.mark.skipif(not (WEIGHTS / "tang_lstm.keras").is_file(), reason="the shipped Tang models are missing")


def _poem(predictor, prime: str, seed: int) -> str:
    run = predictor.stream(prime, 100, 0.8, 0, seed)
    return run.prime + "".join(run)


@SHIPPED
def test_generate_finishes_a_famous_first_line_as_a_plain_poem(capsys):
    assert (
        main(
            [
                "generate",
                "--corpus",
                "tang",
                "--model",
                "lstm",
                "--prime",
                "床前明月光，",
                "--length",
                "100",
                "--temperature",
                "0.8",
                "--seed",
                "3",
            ]
        )
        == 0
    )
    out = capsys.readouterr().out
    poem = out.strip()
    assert out.endswith("\n") and poem.startswith("床前明月光，") and "\n" not in poem
    lines, _ = split_lines(poem)
    assert all("\u4e00" <= c <= "\u9fff" for line in lines for c in line[:-1]), poem
    predictor = load_tang(names=("lstm",))["lstm"]
    run = predictor.stream("床前明月光，", 100, 0.8, 0, 3)
    assert poem == run.prime + "".join(run), "the command prints the prime and the predictor's continuation"
    if run.finished:  # it stopped at the poem's end mark, not at --length
        assert len(poem) < 100 + len("床前明月光，") and "\ue007" not in poem
    assert any(check_form(_poem(predictor, "床前明月光，", seed), "五言絕句").ok for seed in range(5)), (
        "most seeds finish the quatrain in form (the share is measured in the manifest)"
    )
    assert (
        main(
            [
                "generate",
                "--corpus",
                "tang",
                "--model",
                "lstm",
                "--prime",
                "床前明月光，",
                "--length",
                "100",
                "--temperature",
                "0.8",
                "--seed",
                "3",
            ]
        )
        == 0
    )
    assert capsys.readouterr().out == out, "the same seed gives the same poem"


@SHIPPED
def test_generate_tang_odd_primes_give_notes_and_bad_settings_one_line(capsys):
    assert main(["generate", "--corpus", "tang", "--model", "cnn", "--prime", "ROMEO 床前明月光，", "--seed", "1"]) == 0
    captured = capsys.readouterr()
    assert captured.out.startswith("床前明月光，")
    assert "note: Left out 5 characters of the prime this model has never seen: 'R' 'O' 'M' 'E'." in captured.err
    assert main(["generate", "--corpus", "tang", "--prime", "", "--form", "七言律詩", "--title", "秋夜"]) == 0
    captured = capsys.readouterr()
    title, poem = captured.out.rstrip("\n").split("\n")
    assert title == "秋夜" and split_lines(poem)[0]
    assert main(["generate", "--corpus", "tang", "--prime", "床前明月光，" * 100, "--temperature", "1e9"]) == 0
    assert "only its last" in capsys.readouterr().err
    for args, message in [
        (["--temperature", "-1"], "temperature must be"),
        (["--length", "0"], "length must be"),
        (["--temperature", "nan"], "temperature must be"),
    ]:
        assert main(["generate", "--corpus", "tang", *args]) == 2
        err = capsys.readouterr().err
        assert message in err and err.count("\n") == 1 and "Traceback" not in err
    assert main(["generate", "--form", "五言絕句"]) == 2
    assert "--form and --title are for --corpus tang" in capsys.readouterr().err


def test_train_tang_without_the_data_says_where_to_get_it(tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("CNNRNN_DATA_DIR", "")
    assert main(["train", "tang", "--preset", "tiny", "--out", str(tmp_path / "w")]) == 2
    err = capsys.readouterr().err
    assert err.startswith("error: the Tang poems are not shipped: set CNNRNN_DATA_DIR") and err.count("\n") == 1
    assert "tang-poems/quantangshi.tsv" in err and "chinese-poetry" in err
    assert not (tmp_path / "w").exists() or not any((tmp_path / "w").iterdir())
    assert main(["train", "tang", "--preset", "tiny", "--out", str(tmp_path), "--models", "gru"]) == 2
    assert "unknown tang model(s) gru" in capsys.readouterr().err
