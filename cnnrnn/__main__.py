"""The command line over the registry: `python -m cnnrnn COMMAND ...` (see `--help`).

`train`, `evaluate` and `bench` work for every registered task, `docs` renders the generated documentation
from the manifest and the latest saved benchmark; each task adds its own
commands (predict-image, predict-sentiment, generate, caption) from its `parser` module. The
parsers import no TensorFlow: a usage error answers at once, and only the command that runs loads
its task's `cli` module (and TensorFlow) through the registry.
Commands print JSON where their output is data. Bad input gives a one-line error on
stderr and a non-zero exit, never a traceback.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from cnnrnn import docs
from cnnrnn.audience import (
    AUDIENCE_JSON,
    JOIN_WINDOW_S,
    audience_summary,
    bench_audience,
    format_audience,
    save_audience,
)
from cnnrnn.bench import LATEST, context, format_table, run, save
from cnnrnn.core.cli import log, print_json
from cnnrnn.core.process import server_settings
from cnnrnn.core.weights import WEIGHTS_DIR
from cnnrnn.loadtest import bench_room, format_room
from cnnrnn.tasks import all_tasks, get_task, trained_tasks


def cmd_train(args) -> int:
    args.preset = "quick" if args.quick else args.preset
    args.out = Path(args.out) if args.out else WEIGHTS_DIR
    args.models = [m.strip() for m in args.models.split(",") if m.strip()] if args.models else None
    task = get_task(args.task)
    known = task.module("parser").MODELS
    unknown = sorted(set(args.models or ()) - set(known))
    if unknown:  # before TensorFlow loads
        raise ValueError(f"unknown {args.task} model(s) {', '.join(unknown)}; choose from {', '.join(known)}")
    if args.seeds is not None and not getattr(task.module("parser"), "PROTOCOL", False):
        raise ValueError(f"{args.task} is not trained under the fair-fight protocol yet: it takes no --seeds")
    if args.seeds is not None and args.seeds < 1:
        raise ValueError("--seeds must be 1 or more")
    print_json(task.module("cli").train(args, log))
    return 0


def cmd_evaluate(args) -> int:
    print_json(get_task(args.task).module("cli").evaluate(args.weights))
    return 0


def cmd_task(args) -> int:
    """A task's own command: the function its parser named (`run`) in the task's cli module."""
    return getattr(get_task(args.task).module("cli"), args.run)(args)


def _counts(text: str) -> list[int]:
    """`--audience 10,50,100` -> [10, 50, 100]; each a whole number of at least 1."""
    try:
        counts = [int(part) for part in str(text).split(",") if part.strip()]
    except ValueError:
        counts = []
    if not counts or min(counts) < 1:
        raise ValueError("--audience takes phone counts of at least 1, separated by commas (e.g. 10,50,100)")
    return counts


def cmd_bench(args) -> int:
    server_settings()  # the kernels and the malloc settings the server runs with (core.ui.app.run_page)
    if args.audience is not None:
        counts = _counts(args.audience)
        if args.sends < 1:
            raise ValueError("--sends takes a whole number of at least 1")
        if args.join_window <= 0 or args.browsers < 0 or args.replicas < 0:
            raise ValueError("--join-window takes seconds above 0, --browsers and --replicas whole numbers from 0")
        before = context() if args.save else {}
        results = [
            bench_audience(
                n, sends=args.sends, join_window=args.join_window, browsers=args.browsers, replicas=args.replicas
            )
            for n in counts
        ]
        summary = audience_summary(results)
        print_json(summary) if args.json else print(format_audience(summary))
        if args.save:
            path = AUDIENCE_JSON if args.save == str(LATEST) else Path(args.save)
            command = f"python -m cnnrnn bench --audience {args.audience} --sends {args.sends} --join-window "
            command += f"{args.join_window:g}" + (f" --browsers {args.browsers}" if args.browsers else "")
            command += f" --replicas {args.replicas}" if args.replicas else ""
            log(f"saved {save_audience(summary, path, command, before)}")
        return 0
    if args.room is not None:
        if args.room < 1 or args.rounds < 1:
            raise ValueError("--room and --rounds take a whole number of at least 1")
        result = bench_room(sessions=args.room, rounds=args.rounds, train_seconds=args.train_seconds)
        print_json(result) if args.json else print(format_room(result))
        return 0
    before = context() if args.save else {}
    result = run(startup=args.startup, live=args.live)
    print_json(result) if args.json else print(format_table(result))
    if args.save:
        flags = "".join(f" --{name}" for name in ("startup", "live") if getattr(args, name))
        log(f"saved {save(result, Path(args.save), f'python -m cnnrnn bench{flags}', before)}")
    return 0


def cmd_docs(args) -> int:
    """Rewrite the generated docs (or, with --check, only say which differ: exit 1 and one line)."""
    if args.check:
        stale = docs.stale()
        if stale:
            print(f"error: {', '.join(stale)} out of date; run: {docs.COMMAND}", file=sys.stderr)
            return 1
        return 0
    for name in docs.write():
        log(f"wrote {name}")
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m cnnrnn", description=__doc__.splitlines()[0])
    sub = parser.add_subparsers(dest="command", required=True)
    names = [task.name for task in trained_tasks()]  # the room trains nothing: no train or evaluate for it

    train = sub.add_parser("train", help="train a task's models and write weights + manifest")
    train.add_argument("task", choices=names)
    train.add_argument("--quick", action="store_true", help="a short run on part of the data (minutes)")
    train.add_argument("--preset", default="full", choices=("full", "quick", "tiny"))
    train.add_argument("--out", help="weights directory (default: the shipped cnnrnn/weights)")
    train.add_argument("--models", help="comma-separated subset to retrain (see each task's models in docs/models.md)")
    train.add_argument(
        "--seeds",
        type=int,
        help="training seeds per model under the fair-fight protocol (default: the task's); finished runs are "
        "kept under runs/, so the same command continues a stopped one",
    )
    train.set_defaults(func=cmd_train)

    evaluate = sub.add_parser("evaluate", help="evaluate shipped models on the test split; prints JSON")
    evaluate.add_argument("task", choices=names)
    evaluate.add_argument("--weights", help="weights directory (default: the shipped cnnrnn/weights)")
    evaluate.set_defaults(func=cmd_evaluate)

    for task in all_tasks():
        commands = getattr(task.module("parser"), "add_commands", None)
        if commands:
            commands(sub)

    bench = sub.add_parser("bench", help="latency, traces and memory of the shipped models")
    bench.add_argument("--json", action="store_true", help="print one JSON object instead of a table")
    bench.add_argument(
        "--startup",
        action="store_true",
        help="also time `streamlit run` and every page in a real browser (needs Chromium)",
    )
    bench.add_argument(
        "--live",
        action="store_true",
        help="also time the generation page's live training on 100 KB of text (two minutes)",
    )
    bench.add_argument(
        "--save",
        nargs="?",
        const=str(LATEST),
        metavar="PATH",
        help="also write the result as JSON, with the date, CPU and commit (default PATH: "
        "docs/bench-latest.json, with --audience docs/bench-audience.json, its runs added to those saved; "
        "`python -m cnnrnn docs` renders both into docs/benchmarks.md)",
    )
    bench.add_argument(
        "--room",
        type=int,
        metavar="N",
        help="instead: a cold `streamlit run` and N browser sessions over every page, one training "
        "(needs Chromium); per page p50/p95 action-to-result, errors, server memory",
    )
    bench.add_argument("--rounds", type=int, default=4, help="with --room: actions per session (default 4)")
    bench.add_argument(
        "--audience",
        metavar="N[,N...]",
        help="instead: a cold `streamlit run`, the audience room's speaker in a real browser (needs Chromium) and N "
        "simulated phones speaking Streamlit's websocket protocol (no browser each) that join over --join-window "
        "seconds and send digits and sentences; per N: join time, send-to-verdict p50/p95, the speaker's lag, "
        "errors, server CPU and memory, and the largest N that holds the targets",
    )
    bench.add_argument("--sends", type=int, default=2, help="with --audience: submissions per phone (default 2)")
    bench.add_argument(
        "--join-window",
        type=float,
        default=JOIN_WINDOW_S,
        metavar="S",
        help=f"with --audience: the phones join evenly over S seconds (default {JOIN_WINDOW_S:.0f}: a rush; a talk's "
        "room fills over a minute)",
    )
    bench.add_argument(
        "--replicas",
        type=int,
        default=0,
        metavar="K",
        help="with --audience: the room on K replicas behind HAProxy with PostgreSQL (deploy/start.py; Debian's "
        "haproxy and postgresql) instead of one server",
    )
    bench.add_argument(
        "--browsers",
        type=int,
        default=0,
        metavar="K",
        help="with --audience: K of the phones are real Chromium browsers at a phone's size (each draws a 1, then "
        "types a sentence), the rest simulated: their times side by side check the simulation",
    )
    bench.add_argument(
        "--train-seconds",
        type=float,
        default=40.0,
        help="with --room: how long the training session trains before Stop (default 40)",
    )
    bench.set_defaults(func=cmd_bench)

    generated = sub.add_parser(
        "docs",
        help="rewrite docs/models.md, docs/benchmarks.md and the README's results "
        "table from the manifest and the latest saved benchmark",
    )
    generated.add_argument(
        "--check", action="store_true", help="change nothing; exit 1 with one line if any generated text differs"
    )
    generated.set_defaults(func=cmd_docs)
    return parser


def main(argv=None) -> int:
    args = build_parser().parse_args(argv)
    try:
        return args.func(args) if hasattr(args, "func") else cmd_task(args)
    except KeyboardInterrupt:
        print("error: interrupted", file=sys.stderr)
        return 130
    except (FileNotFoundError, ValueError) as error:
        print(f"error: {error}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
