"""The audience room's benchmark row: the speaker's view under AppTest, without starting a warm start."""

from __future__ import annotations

import os

from cnnrnn.core import warm
from cnnrnn.tasks.room import cli


def test_the_speakers_view_bench_renders_the_room_and_starts_no_warm_start(monkeypatch):
    # A visitor's server warms its models; the benchmark's process must not: a warm-start thread loading
    # every model again would run beside the benchmarks after this one (the memory loop grew 165 MB).
    monkeypatch.delenv(warm.ENV, raising=False)
    enabled_at_start = []
    real_start = warm.start
    monkeypatch.setattr(warm, "start", lambda plan: enabled_at_start.append(warm.enabled()) or real_start(plan))
    row = cli.bench(submissions=6, repeats=1)["room_speaker_view_s"]
    assert row["submissions"] == 6 and row["shown"] and row["first"] > 0 and row["p50"] > 0
    assert enabled_at_start and not any(enabled_at_start), "the page asked for a warm start with it turned on"
    assert warm.ENV not in os.environ, "the environment is as it was"
