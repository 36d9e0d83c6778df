"""The README and docs/: the generated files are what `python -m cnnrnn docs` makes, and the README stays a README.

docs/models.md, docs/benchmarks.md and the README's results table are rendered from the manifest and the
saved benchmark (`cnnrnn/docs.py`); these tests regenerate them and compare, show that a changed source
changes the text, and hold the hand-written parts to what they promise: the README's two commands first
(the test command identical to `.ci/run`'s), at most 250 lines, links that resolve, limits that are the code's.
"""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from cnnrnn import docs
from cnnrnn.__main__ import main
from cnnrnn.core.task import Task
from cnnrnn.core.weights import read_manifest
from cnnrnn.tasks import trained_tasks

ROOT = Path(__file__).resolve().parents[1]
README = (ROOT / "README.md").read_text(encoding="utf-8")
MANIFEST = read_manifest()
START = "pip install -r requirements.txt && streamlit run streamlit_app.py"
MAX_README_LINES = 250


def section(text: str, heading: str) -> str:
    """The text under the Markdown heading that starts with `heading`, up to the next heading."""
    match = re.search(rf"^#+ {re.escape(heading)}.*?$(.*?)(?=^#+ |\Z)", text, re.M | re.S)
    assert match, f"no section {heading!r}"
    return match.group(1)


def table(text: str, heading: str) -> list[dict[str, str]]:
    """The first Markdown table of a section as rows of column -> cell text (backticks dropped)."""
    lines = [line for line in section(text, heading).splitlines() if line.startswith("|")]
    header = [cell.strip() for cell in lines[0].strip("|").split("|")]
    return [
        dict(zip(header, (cell.strip().replace("`", "") for cell in line.strip("|").split("|")))) for line in lines[2:]
    ]


# The generated files.


def test_the_generated_files_are_what_the_docs_command_makes():
    stale = docs.stale()
    assert not stale, f"{', '.join(stale)} out of date: run `python -m cnnrnn docs` and commit the result"


def test_the_check_command_passes_here_and_fails_in_one_line_when_a_file_is_stale(monkeypatch, capsys):
    out = subprocess.run(
        [sys.executable, "-m", "cnnrnn", "docs", "--check"], cwd=ROOT, capture_output=True, text=True, timeout=120
    )
    assert out.returncode == 0, out.stderr
    monkeypatch.setattr(docs, "stale", lambda: ["docs/models.md"])
    assert main(["docs", "--check"]) == 1
    err = capsys.readouterr().err
    assert err == "error: docs/models.md out of date; run: python -m cnnrnn docs\n"


def test_a_changed_manifest_changes_the_generated_text(tmp_path):
    """Tamper with a copy of the manifest: the models page and the README's table follow it, the check sees it."""
    manifest = json.loads(json.dumps(MANIFEST))
    task = trained_tasks()[0]
    name, info = next(iter(manifest[task.name]["models"].items()))
    info["params"] = 987_654_321
    (tmp_path / "manifest.json").write_text(json.dumps(manifest), encoding="utf-8")

    texts = docs.generate(weights_dir=tmp_path)
    assert "987,654,321" in texts[docs.MODELS_MD] and "987,654,321" in texts[docs.README]
    assert "987,654,321" not in docs.generate()[docs.MODELS_MD]
    assert set(docs.stale(weights_dir=tmp_path)) == {docs.MODELS_MD, docs.README}


def test_writing_rewrites_only_what_differs(tmp_path):
    (tmp_path / "docs").mkdir()
    shutil.copy(ROOT / "README.md", tmp_path / "README.md")
    shutil.copy(ROOT / docs.MODELS_MD, tmp_path / docs.MODELS_MD)
    assert set(docs.write(tmp_path)) == {docs.BENCHMARKS_MD}  # the copy has no saved benchmark
    assert "No benchmark run is saved yet" in (tmp_path / docs.BENCHMARKS_MD).read_text(encoding="utf-8")
    assert docs.write(tmp_path) == [] and docs.stale(tmp_path) == []


def test_the_readme_needs_its_results_markers():
    with pytest.raises(ValueError, match="results:begin"):
        docs.replace_results("# A README without the block\n", "| table |")


@pytest.mark.parametrize("task", trained_tasks(), ids=lambda task: task.name)
def test_every_trained_task_and_model_is_on_the_models_page(task):
    """The registry drives the page: each task's section, each model's row with its parameters, the data's sha256."""
    text = section((ROOT / docs.MODELS_MD).read_text(encoding="utf-8"), f"{task.title} (`{task.name}`")
    entry = MANIFEST[task.name]
    for name, info in entry["models"].items():
        assert re.search(rf"^\| `{re.escape(name)}` \|.*\| {info['params']:,} \|", text, re.M), name
    data = entry["data"]
    for digest in [data["sha256"]] if "sha256" in data else data.get("files", {}).values():
        assert digest in text


@pytest.mark.parametrize("task", trained_tasks(), ids=lambda task: task.name)
def test_every_shipped_model_has_a_headline_result(task):
    """A model whose manifest records none of the headline metrics would get an empty cell in the README."""
    for name, info in MANIFEST[task.name]["models"].items():
        assert any(metric.headline and metric.value(info) is not None for metric in docs.METRICS), (task.name, name)


def test_a_new_task_gets_its_section_and_rows_without_a_list_of_names():
    task = Task(name="toy", package="cnnrnn.tasks.digits", title="Toy", url_path="Toy", icon="", page="pages/toy.py")
    manifest = {
        "toy": {
            "models": {"tiny": {"params": 12, "bytes": 3000, "test_accuracy": 0.5, "train_seconds": 1.0}},
            "data": {"file": "toy.npz", "sha256": "ab" * 32},
        }
    }
    text = docs.models_md(manifest, [task])
    assert "## Toy (`toy`)" in text and "| `tiny` |" in text and "| 0.5000 |" in text and "ab" * 32 in text
    assert "| Toy | `toy` | `tiny` | 12 | test accuracy | 0.5000 |" in docs.results_table(manifest, [task])


def test_a_model_over_seeds_says_its_interval_and_a_reduced_budget():
    full = {"metric_mean": 0.99, "metric_ci95": [0.98, 0.995], "steps": 6450, "spread_steps": 6450, "spread_seeds": 3}
    assert docs._over_seeds(full) == "0.9900 [0.9800, 0.9950], 3 seeds"
    reduced = {**full, "spread_steps": 1612}  # a costlier model: its spread from seeds at a quarter of the steps
    assert docs._over_seeds(reduced) == "0.9900 [0.9800, 0.9950], 3 seeds at 1,612 steps"
    assert docs._over_seeds({"test_accuracy": 0.9}) == ""


def test_a_generated_file_names_the_command_that_made_it():
    for name in (docs.MODELS_MD, docs.BENCHMARKS_MD):
        assert "python -m cnnrnn docs" in (ROOT / name).read_text(encoding="utf-8").splitlines()[0]
    block = README[README.index(docs.BEGIN) : README.index(docs.END)]
    assert "python -m cnnrnn docs" in block.splitlines()[1]


def test_the_benchmark_page_renders_a_saved_run_and_says_when_there_is_none():
    assert "No benchmark run is saved yet" in docs.benchmarks_md(None)
    result = {
        "machine": "x86_64, 2 cores, Linux",
        "tensorflow": "2.21.0",
        "date": "2026-12-07T18:00:00+00:00",
        "cpu": "Some CPU",
        "commit": "abc123",
        "command": "python -m cnnrnn bench",
        "latency_ms": {"cnn_fixed": {"p50": 0.71, "p95": 0.92, "predict_p50": 46.3, "ratio": 65.2}},
        "traces": {"cnn_fixed": 1},
        "chars_per_second": {"lstm": 3514.0},
        "rss_mb": 988.0,
        "memory_growth": {"interactions": 1000, "rss_before_mb": 991.0, "rss_after_mb": 994.0, "growth_mb": 2.8},
    }
    text = docs.benchmarks_md(result)
    assert "| cnn_fixed | 0.71 | 0.92 | 46.3 | 65x | 1 |" in text
    assert "2026-12-07T18:00:00+00:00" in text and "Some CPU" in text and "`abc123`" in text
    assert "3,514 characters per second" in text and "+2.8 MB" in text
    assert "load average" not in text
    result["load_average"] = {"before": 0.4, "after": 1.5}
    assert "was 0.4 before the run and 1.5 after it." in docs.benchmarks_md(result)
    result["load_average"] = {"before": 0.4, "after": 2.5}
    assert "after it: above its number of cores, so other work shared them." in docs.benchmarks_md(result)
    result["latency_ms"]["cnn_fixed"]["p50"] = 0.5
    assert "| cnn_fixed | 0.50 | 0.92 |" in docs.benchmarks_md(result)


def test_the_committed_benchmark_page_is_the_committed_run():
    saved = docs.read_bench(ROOT / "docs" / "bench-latest.json")
    audience = docs.read_bench(ROOT / "docs" / "bench-audience.json")
    assert (ROOT / docs.BENCHMARKS_MD).read_text(encoding="utf-8") == docs.benchmarks_md(saved, audience)


def _room(phones: int, window: float, holds: bool, **extra) -> dict:
    return {
        "phones": phones,
        "browsers": 0,
        "join_window_s": window,
        "sends_per_phone": 2,
        "joined": phones,
        "join_max_s": window + 1,
        "join_each_p95_s": 0.9,
        "send_p50_s": 0.2,
        "send_p95_s": 0.5 if holds else 4.2,
        "send_max_s": 0.9 if holds else 6.0,
        "speaker_lag_max_s": 2.1,
        "errors": 0,
        "exceptions": 0,
        "server_cpu_s": 30.5,
        "phones_cpu_s": 6.1,
        "server_peak_mb": 990.0,
        "holds": holds,
        "machine_cores": 2,
        "date": "2026-12-08T04:00:00+00:00",
        "commit": "abc123def4567",
        **extra,
    }


def test_the_audience_section_gives_the_largest_room_that_held_per_join_window(tmp_path):
    from cnnrnn.audience import TARGETS, save_audience

    assert "No audience benchmark is saved yet" in docs.benchmarks_md(None, None)
    path = tmp_path / "bench-audience.json"
    first = {"runs": [_room(40, 15.0, True), _room(100, 15.0, False)], "targets": TARGETS}
    save_audience(first, path, "python -m cnnrnn bench --audience 40,100", {"commit": "abc123def4567"})
    browsers = _room(10, 15.0, True, browsers=10, browser_send_p50_s=0.41, browser_send_p95_s=0.77)
    browsers["phone_cost_cpu_s"] = {"scripts and styles": 0.151, "first run": 0.043, "a drawn digit": 0.082}
    later = {"runs": [_room(100, 60.0, True), _room(40, 15.0, False), browsers], "targets": TARGETS}
    save_audience(later, path, "python -m cnnrnn bench --audience 100 --join-window 60", {"commit": "abc123def4567"})
    saved = docs.read_bench(path)
    keys = [(r["join_window_s"], r["browsers"], r["phones"]) for r in saved["runs"]]
    assert keys == [(15.0, 0, 40), (15.0, 0, 40), (15.0, 0, 100), (15.0, 10, 10), (60.0, 0, 100)]  # both 40s kept
    assert [r["holds"] for r in saved["runs"]] == [True, False, False, True, True]
    assert saved["runs"][1]["command"] == "python -m cnnrnn bench --audience 100 --join-window 60"
    text = docs.benchmarks_md(None, saved)
    assert "| 100 | 0 | one server | 60 | 100 | 61.00 | 0.90 | 0.20 | 0.50 | 0.90 | 2.10 | 0 | 0 | 30.5 | 6.1 |" in text
    assert (
        "- one server, phones joining over 15 s: the largest count that held every target in every run: 10 phones "
        "(tried: 10, 40, 100)" in text
    )
    assert "over 60 s: the largest count that held every target in every run: 100 phones (tried: 100)" in text
    replicated = {"runs": [_room(100, 15.0, True, replicas=2)], "targets": TARGETS}
    save_audience(replicated, path, "python -m cnnrnn bench --audience 100 --replicas 2", {"commit": "abc123def4567"})
    text = docs.benchmarks_md(None, docs.read_bench(path))
    assert "| 100 | 0 | 2 | 15 | 100 |" in text
    assert "- 2 replicas behind HAProxy, phones joining over 15 s: the largest count that held every target" in text
    assert "- one server, phones joining over 15 s: the largest count that held every target in every run: 10" in text
    assert "- 10 phones, 10 in browsers: send p50 0.41 s, p95 0.77 s in the browsers" in text
    assert "send p95 at most 2 s" in text and "`abc123def456`" in text
    assert "scripts and styles 0.15, first run 0.04, a drawn digit 0.08; 0.28 in all" in text


def test_the_docs_module_imports_no_tensorflow_and_no_streamlit():
    code = (
        "import sys; from cnnrnn import docs; docs.generate(); "
        "print(sorted(m for m in ('tensorflow', 'keras', 'streamlit') if m in sys.modules))"
    )
    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == "[]"


# The README as a README.


def test_the_readme_reads_in_ten_minutes():
    lines = len(README.splitlines())
    assert lines <= MAX_README_LINES, f"README.md has {lines} lines; move detail to docs/ (at most {MAX_README_LINES})"


def ci_test_command() -> str:
    lines = [line.strip() for line in (ROOT / ".ci" / "run").read_text().splitlines()]
    return [line for line in lines if line and not line.startswith("#")][-1]


def test_the_readme_starts_with_its_two_commands_and_the_test_command_is_ci():
    blocks = re.findall(r"^```bash\n(.*?)^```", README, re.M | re.S)
    assert [block.strip() for block in blocks[:2]] == [START, ci_test_command()]
    assert README.index(START) < README.index("\n## "), "the two commands come before the first section"
    assert ci_test_command() == "pip install -r requirements-dev.txt && python -m pytest"


LINK = re.compile(r"!?\[[^\]]*\]\(([^)\s]+)\)")


@pytest.mark.parametrize(
    "path", ["README.md", *sorted(p.relative_to(ROOT).as_posix() for p in (ROOT / "docs").glob("*.md"))]
)
def test_every_relative_link_points_to_a_file(path):
    text = (ROOT / path).read_text(encoding="utf-8")
    links = [
        target.split("#")[0]
        for target in LINK.findall(text)
        if not re.match(r"[a-z]+:", target) and not target.startswith("#")
    ]
    missing = [target for target in links if not ((ROOT / path).parent / target).exists()]
    assert not missing, f"{path} links to missing files: {missing}"


def test_the_link_checker_finds_links():
    assert LINK.findall("see [a](docs/a.md) and ![b](x/b.jpg) but not [c] (d)") == ["docs/a.md", "x/b.jpg"]
    assert "docs/models.md" in LINK.findall(README)


def test_the_data_sets_are_credited_as_their_terms_ask():
    credits = " ".join(section(README, "Credits").split())
    for task in trained_tasks():
        attribution = MANIFEST[task.name].get("data", {}).get("attribution")
        if attribution:
            assert attribution in credits, task.name
    assert "www.manythings.org/anki and tatoeba.org" in credits and "CC-BY 2.0" in credits
    assert "MIT" in credits and "JackeyGao" in credits, "the chinese-poetry database's licence notice"
    assert "Pang" in credits and "Lee" in credits


# Hand-written figures held to the code.


def test_the_limits_table_is_the_code():
    from cnnrnn.core import images, jobs
    from cnnrnn.tasks.charlm import data as charlm_data
    from cnnrnn.tasks.charlm import predict as charlm_predict
    from cnnrnn.tasks.charlm import ui as charlm_ui
    from cnnrnn.tasks.charlm.tang import predict as tang_predict
    from cnnrnn.tasks.mnist1d import config as mnist1d_config
    from cnnrnn.tasks.mnist1d import train as mnist1d_train
    from cnnrnn.tasks.sentiment import text
    from cnnrnn.tasks.translation import config as translation_config
    from cnnrnn.tasks.translation import predict as translation_predict

    rows = {row["what"]: row["limit"] for row in table(README, "Limits")}
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
    assert (
        f"the last {tang_predict.MAX_PRIME_CHARS}, from a line's start, and {tang_predict.MAX_TITLE_CHARS} "
        "of a title" in rows["prime"]
    )
    assert rows["generated length"].startswith(f"{charlm_ui.GEN_MAX_LENGTH:,} per click")
    assert f"{charlm_data.MAX_GENERATE:,} on the command line" in rows["generated length"]
    read = rows['"read my text" (generation page)']
    assert f"first {charlm_ui.GEN_READ_CHARS:,} characters" in read
    assert f"at most {charlm_predict.MAX_READ_CHARS:,}" in read
    assert f"at most {mnist1d_train.MNIST1D_LIVE_MAX_EPOCHS} epochs" in rows["live training"]
    assert f"{mnist1d_config.MNIST1D_LIVE_TIME_LIMIT:.0f} seconds a pair" in rows["live training"]
    assert f"{jobs.DEFAULT_SLOTS} run at a time per server" in rows["live training"]
    english = rows["English text (translation page and translate)"]
    assert f"first {translation_config.MAX_INPUT_CHARS:,} characters" in english
    assert f"first {translation_config.MAX_SOURCE_TOKENS} subword tokens" in english
    assert f"at most {translation_config.MAX_OUTPUT_TOKENS} tokens" in english
    assert f"beam width 1 to {translation_predict.MAX_BEAM}" in english
    config = (ROOT / ".streamlit" / "config.toml").read_text()
    assert f"maxUploadSize = {images.MAX_UPLOAD_BYTES // 2**20}" in config


def test_the_audience_room_limits_are_the_code():
    from cnnrnn.tasks.room import limits, ui

    rows = {row["what"]: row["limit"] for row in table(README, "Limits")}
    room = rows["audience room"]
    assert room.startswith(f"a room lasts {limits.ROOM_HOURS} hours; {limits.PER_MINUTE} submissions a minute")
    assert (
        f"{limits.PER_ROOM:,} a room" in room and f"{limits.MIN_SENTENCE} to {limits.MAX_SENTENCE} characters" in room
    )
    deploy = (ROOT / "docs" / "deploy.md").read_text(encoding="utf-8")
    text = " ".join((section(deploy, "The audience room") + section(deploy, "Its store")).split())
    assert (
        f"expires {limits.ROOM_HOURS} hours after" in text
        and f"may send {limits.PER_MINUTE} submissions a minute" in text
    )
    assert (
        f"at most {limits.PER_ROOM:,}" in text and f"{limits.MIN_SENTENCE} to {limits.MAX_SENTENCE} characters" in text
    )
    assert f"{limits.CODE_LENGTH} characters from `{limits.ALPHABET}`" in text
    assert f"{len(limits.ALPHABET) ** limits.CODE_LENGTH:.1e}".replace("+", "") in text
    assert f"every {ui.REFRESH_S} seconds" in text and f"`{ui.ROOM_DIR_ENV}`" in text
    assert "~/" + str(ui.DEFAULT_ROOM_DIR.relative_to(ui.Path.home())) + "/" in text
