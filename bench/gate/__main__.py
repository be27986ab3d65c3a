"""bench/gate: the lawful-publishing gate on texts of 200, 2,000 and 10,000 characters.

    uv run python -m bench.gate [--texts 2000] [--sizes 200,2000,10000]

Builds texts of each size from the sentences of the gate's corpus (tests/data/gate: Hindi,
English and romanised, with victims, children, accused persons, numbers and plain news), every
text a different mix, and gates each one in this process (one core): p50 and p99 per text and
texts/s. Same-run baseline: a plain regular-expression scan of the same texts for 12-digit
numbers, which is all a naive filter would do; the ratio says what the gate costs beyond it.
Target (README's reference 2-core machine): p99 ≤ 20 ms for 2,000 characters. No Kafka, no
PostgreSQL: the gate is pure computation.
"""

from __future__ import annotations

import argparse
import json
import random
import re
import statistics
import time
from collections.abc import Callable
from typing import Any

from story_intake.adapters.gate_data import gate

from bench.common import ROOT, report

CORPUS = ROOT / "tests" / "data" / "gate"
TWELVE_DIGITS = re.compile(r"(?<!\d)\d{12}(?!\d)")
TARGET_P99_MS_AT_2000 = 20.0


def sentences() -> list[str]:
    out = []
    for path in sorted(CORPUS.glob("*.jsonl")):
        out += [json.loads(line)["text"] for line in path.read_text(encoding="utf-8").splitlines()]
    return out


def texts_of(size: int, count: int, rng: random.Random, pool: list[str]) -> list[str]:
    out = []
    for _ in range(count):
        parts: list[str] = []
        length = 0
        while length < size:
            parts.append(rng.choice(pool))
            length += len(parts[-1]) + 1
        out.append(" ".join(parts)[:size])
    return out


def timed(run: Callable[[str], object], texts: list[str]) -> dict[str, float]:
    per_text = []
    started = time.perf_counter()
    for text in texts:
        t0 = time.perf_counter()
        run(text)
        per_text.append(time.perf_counter() - t0)
    total = time.perf_counter() - started
    per_text.sort()
    return {
        "p50_ms": statistics.median(per_text) * 1e3,
        "p99_ms": per_text[min(len(per_text) - 1, int(len(per_text) * 0.99))] * 1e3,
        "texts_per_s": len(texts) / total,
    }


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.gate", description=__doc__)
    parser.add_argument("--texts", type=int, default=2000, help="texts per size")
    parser.add_argument("--sizes", default="200,2000,10000")
    parser.add_argument("--seed", type=int, default=2026)
    args = parser.parse_args()
    rng = random.Random(args.seed)
    pool = sentences()
    started = time.perf_counter()
    the_gate = gate()
    figures: dict[str, Any] = {"gate build ms": (time.perf_counter() - started) * 1e3}
    for size in (int(s) for s in args.sizes.split(",")):
        texts = texts_of(size, args.texts, rng, pool)
        for text in texts[:20]:  # warm the caches as a running service would be
            the_gate.check(text)
        gated = timed(the_gate.check, texts)
        baseline = timed(TWELVE_DIGITS.findall, texts)
        for key, value in gated.items():
            figures[f"{size} chars gate {key}"] = value
        for key, value in baseline.items():
            figures[f"{size} chars regex baseline {key}"] = value
        figures[f"{size} chars gate/regex time ratio"] = (
            baseline["texts_per_s"] / gated["texts_per_s"]
        )
    if "2000 chars gate p99_ms" in figures:
        figures["target p99 <= 20 ms at 2,000 chars met"] = str(
            figures["2000 chars gate p99_ms"] <= TARGET_P99_MS_AT_2000
        )
    report("gate", figures)


if __name__ == "__main__":
    main()
