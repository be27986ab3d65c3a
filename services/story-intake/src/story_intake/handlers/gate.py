"""Gating and redacting a text: the gate's verdict, counted in the service's metrics.

Neither use case stores or logs the text: the audit trail records who asked and the outcome
(`nazar_platform.http.audit`), never the body.
"""

from __future__ import annotations

import json
import time
from collections.abc import Collection, Iterable, Iterator
from dataclasses import dataclass

from story_intake import metrics
from story_intake.adapters import gate_data
from story_intake.domain.redact import redact
from story_intake.domain.rules import Finding, GateResult, Verdict


def check(text: str) -> GateResult:
    started = time.perf_counter()
    result = gate_data.gate().check(text)
    metrics.GATE_SECONDS.observe(time.perf_counter() - started)
    metrics.GATE_CHECKS.labels(result.verdict.value).inc()
    for finding in result.findings:
        metrics.GATE_FINDINGS.labels(finding.rule).inc()
    return result


@dataclass(frozen=True)
class Redacted:
    text: str
    redacted: tuple[Finding, ...]
    result: GateResult  # the gate's verdict on the new text


def redact_text(
    text: str,
    *,
    rules: Collection[str] | None = None,
    indexes: Collection[int] | None = None,
    marker: str | None = None,
) -> Redacted:
    """Replaces the chosen findings of `text` (by rule name, by index in the check's findings,
    or by default every `block` finding) and gates the new text again."""
    findings = gate_data.gate().check(text).findings
    if indexes is not None:
        chosen = tuple(f for i, f in enumerate(findings) if i in indexes)
    elif rules is not None:
        chosen = tuple(f for f in findings if f.rule in rules)
    else:
        chosen = tuple(f for f in findings if f.verdict is Verdict.BLOCK)
    new_text = redact(text, chosen, marker)
    return Redacted(new_text, chosen, check(new_text))


@dataclass(frozen=True)
class BadLine:
    line: int
    reason: str


def check_jsonl(lines: Iterable[str]) -> Iterator[str | BadLine]:
    """One output line per input line with `id` and `text` (`gate --jsonl`): `{"id", "verdict",
    "findings": [{"rule", "start", "end", "text", "why"}]}`; a line that is not such an object
    is a `BadLine`. Blank lines are skipped."""
    for number, line in enumerate(lines, 1):
        if not line.strip():
            continue
        try:
            item = json.loads(line)
        except json.JSONDecodeError:
            yield BadLine(number, "not JSON")
            continue
        if not isinstance(item, dict) or "id" not in item or not isinstance(item.get("text"), str):
            yield BadLine(number, "not an object with id and text")
            continue
        result = check(item["text"])
        yield json.dumps(
            {
                "id": item["id"],
                "verdict": result.verdict.value,
                "findings": [f.as_dict() for f in result.findings],
            },
            ensure_ascii=False,
        )
