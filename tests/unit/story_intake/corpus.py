"""The gate's labelled corpus (tests/data/gate/*.jsonl), written for this repository."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

CORPUS_DIR = Path(__file__).resolve().parents[2] / "data" / "gate"


@dataclass(frozen=True)
class Example:
    id: str
    label: str  # block | review | pass
    rules: tuple[str, ...]  # the rules that must find something
    text: str
    reason: str


def examples() -> list[Example]:
    out = []
    for path in sorted(CORPUS_DIR.glob("*.jsonl")):
        for line in path.read_text(encoding="utf-8").splitlines():
            item = json.loads(line)
            out.append(
                Example(
                    item["id"], item["label"], tuple(item["rules"]), item["text"], item["reason"]
                )
            )
    return out
