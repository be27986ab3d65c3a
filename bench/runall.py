"""bench/run-all: every benchmark (or those named) several times in a row, then the min / median /
max of each of its figures, because one run on a shared 2-core machine says little.

    bench/run-all [--runs 5] [--only REGEX] [--markdown] [name ...] [-- args for each benchmark]

Each run is `python -m bench.<name>` as a person would start it; its figures are the JSON copy
`bench.common.report` keeps under bench/results/, so run-all reads exactly what the runs printed.
A benchmark that fails is reported with its exit code and its other runs still count. The summary
is printed and kept as bench/results/summary-<time>.json; `--markdown` also prints the medians as
table rows (with the date) for the README.
"""

from __future__ import annotations

import argparse
import json
import re
import statistics
import subprocess
import sys
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from bench.common import RESULTS, ROOT

# In the order a person would read the README's table; stories.queue is a module of its own.
BENCHMARKS = (
    "outbox",
    "fanout",
    "roster",
    "roster.members",
    "sender",
    "gate",
    "social",
    "stories",
    "stories.queue",
    "alerts",
    "signin",
    "push",
)
RUNS = 5


@dataclass(frozen=True)
class Spread:
    runs: int
    low: float
    median: float
    high: float


@dataclass
class Summary:
    """The figures of one report name (a benchmark may print several) over its runs."""

    numbers: dict[str, Spread] = field(default_factory=dict)
    texts: dict[str, list[str]] = field(default_factory=dict)  # the distinct values, in order


def is_number(value: object) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def summarise(runs: Sequence[dict[str, Any]], only: re.Pattern[str] | None = None) -> Summary:
    """Min / median / max of every numeric figure across `runs`; other figures are kept as their
    distinct values (a figure that changes between runs, such as a verdict, shows every value).
    A figure missing from some runs counts the runs that have it (`Spread.runs`)."""
    keys: dict[str, None] = {}
    for run in runs:
        keys.update(dict.fromkeys(run))
    out = Summary()
    for key in keys:
        if only is not None and not only.search(key):
            continue
        values = [run[key] for run in runs if key in run]
        if all(is_number(v) for v in values):
            numbers = [float(v) for v in values]
            out.numbers[key] = Spread(
                len(numbers), min(numbers), statistics.median(numbers), max(numbers)
            )
        elif not any(isinstance(v, list | dict) for v in values):
            out.texts[key] = list(dict.fromkeys(str(v) for v in values))
    return out


def shown(value: float) -> str:
    if abs(value) >= 100:
        return f"{value:,.0f}"
    if abs(value) >= 1:
        return f"{value:,.2f}".rstrip("0").rstrip(".")
    return f"{value:.3g}"  # a 0.05 ms baseline must not print as 0


def lines(name: str, summary: Summary, runs: int) -> list[str]:
    rows = [
        (key, f"{shown(s.low)} / {shown(s.median)} / {shown(s.high)}", s.runs)
        for key, s in summary.numbers.items()
    ]
    rows += [(key, " | ".join(values), 0) for key, values in summary.texts.items()]
    width = max((len(k) for k, _, _ in rows), default=0)
    out = [f"\n== {name}: min / median / max over {runs} runs =="]
    for key, text, counted in rows:
        partial = f"  (in {counted} of {runs} runs)" if 0 < counted < runs else ""
        out.append(f"  {key.ljust(width)}  {text}{partial}")
    return out


def markdown(name: str, summary: Summary, day: str) -> list[str]:
    return [
        f"| `{name}` | {key} | {shown(s.median)} | {shown(s.low)}–{shown(s.high)} | {day} |"
        for key, s in summary.numbers.items()
    ]


def run_once(name: str, args: Sequence[str]) -> tuple[int, list[dict[str, Any]]]:
    """One run of `bench.<name>`; its exit code and the reports it wrote (name → figures)."""
    before = set(RESULTS.glob("*.json")) if RESULTS.exists() else set()
    command = [sys.executable, "-m", f"bench.{name}", *args]
    code = subprocess.run(command, check=False, cwd=ROOT).returncode
    after = set(RESULTS.glob("*.json")) if RESULTS.exists() else set()
    written = sorted(after - before, key=lambda p: p.stat().st_mtime)
    return code, [
        {"report": p.name.rsplit("-", 1)[0], "figures": json.loads(p.read_text())}
        for p in written
        if not p.name.startswith("summary-")
    ]


def main(argv: Sequence[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    passed = argv[argv.index("--") + 1 :] if "--" in argv else []
    own = argv[: argv.index("--")] if "--" in argv else argv
    parser = argparse.ArgumentParser(prog="bench/run-all", description=__doc__.split("\n")[0])
    parser.add_argument("names", nargs="*", metavar="name", help=", ".join(BENCHMARKS))
    parser.add_argument("--runs", type=int, default=RUNS)
    parser.add_argument("--only", help="show only figures whose name matches this regex")
    parser.add_argument("--markdown", action="store_true", help="also print README table rows")
    args = parser.parse_args(own)
    unknown = [n for n in args.names if n not in BENCHMARKS]
    if unknown:
        parser.error(f"unknown benchmark {', '.join(unknown)}; choose from {', '.join(BENCHMARKS)}")
    names = args.names or list(BENCHMARKS)
    only = re.compile(args.only) if args.only else None
    day = time.strftime("%Y-%m-%d")
    failures: list[str] = []
    collected: dict[str, list[dict[str, Any]]] = {}
    for name in names:
        for i in range(args.runs):
            print(f"\n[run-all] bench.{name}: run {i + 1} of {args.runs}", flush=True)
            code, reports = run_once(name, passed)
            if code != 0:
                failures.append(f"bench.{name} run {i + 1}: exit code {code}")
            for r in reports:
                collected.setdefault(r["report"], []).append(r["figures"])
    summaries = {name: summarise(runs, only) for name, runs in collected.items()}
    for name, summary in summaries.items():
        print("\n".join(lines(name, summary, len(collected[name]))))
    if args.markdown:
        print("\n| benchmark | figure | median | min–max | date |\n| --- | --- | --- | --- | --- |")
        for name, summary in summaries.items():
            print("\n".join(markdown(name, summary, day)))
    for failure in failures:
        print(f"[run-all] failed: {failure}", file=sys.stderr)
    RESULTS.mkdir(parents=True, exist_ok=True)
    (RESULTS / f"summary-{time.strftime('%Y%m%dT%H%M%S')}.json").write_text(
        json.dumps(
            {
                "runs": args.runs,
                "failures": failures,
                "reports": {
                    name: {k: vars(s) for k, s in summary.numbers.items()} | summary.texts
                    for name, summary in summaries.items()
                },
            },
            indent=2,
            ensure_ascii=False,
        )
    )
    return 1 if failures else 0


if __name__ == "__main__":
    raise SystemExit(main())
