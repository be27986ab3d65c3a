"""Poison records for a contract topic, and what the DLQ must say of each kind.

Four kinds, as a misbehaving producer or a half-done rollout makes them:
* `not_json`: well-formed CloudEvents headers, a value that is not JSON;
* `unknown_type`: a type no contract has;
* `new_version`: a version of one of the topic's own types that this build does not know, with
  data that fits the version it knows: the record a producer upgraded before its consumers
  sends. `nazar-dlq replay --retype NEW=KNOWN` brings it back;
* `misfit`: a type the topic carries, with data that does not fit it.

Each record has a fresh event id, so a consumer that applied it would show it.
"""

from __future__ import annotations

import json
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from nazar_contracts.registry import specs_on
from nazar_contracts.schemas import load_golden
from nazar_platform.kafka.cloudevents import format_time, headers_for

ROOT = Path(__file__).resolve().parents[1]
CONTRACTS = ROOT / "libs" / "contracts"
KINDS = ("not_json", "unknown_type", "new_version", "misfit")
# What the DLQ's error header says of each kind (the consumer's or the registry's words): the
# registry names the fields that do not fit; the receipts' fast path names the one it needed.
REASONS = {
    "not_json": ("value is not JSON",),
    "unknown_type": ("unknown event type",),
    "new_version": ("unknown version",),
    "misfit": ("invalid ", "without a usable"),
}


def says_why(kind: str, error: str) -> bool:
    return any(reason in error for reason in REASONS[kind])


NEW_VERSION = ".v99"


@dataclass(frozen=True, slots=True)
class Poison:
    kind: str
    key: bytes
    value: bytes
    headers: list[tuple[str, bytes]]
    event_id: str
    known_type: str  # the topic's type it imitates

    @property
    def ce_type(self) -> str:
        return next(v.decode() for k, v in self.headers if k == "ce_type")

    @property
    def retype(self) -> str:
        """`--retype` argument that fixes a `new_version` record."""
        return f"{self.known_type.rpartition('.v')[0]}{NEW_VERSION}={self.known_type}"


def data_type_of(topic: str) -> str:
    """A data-carrying type of the contract topic (the first one declared)."""
    return next(s.type for s in specs_on(topic) if not s.tombstone)


def poison(topic: str, kind: str, n: int) -> Poison:
    known = data_type_of(topic)
    data = load_golden(known, CONTRACTS)
    event_id = f"poison-{kind}-{n}-{uuid.uuid4().hex[:12]}"
    ce_type, value = known, json.dumps(data, ensure_ascii=False).encode()
    if kind == "not_json":
        value = b"{'not': json"
    elif kind == "unknown_type":
        ce_type = "nazar.poison.happened.v1"
    elif kind == "new_version":
        ce_type = known.rpartition(".v")[0] + NEW_VERSION
    elif kind == "misfit":
        value = json.dumps({"poison": n}).encode()
    else:
        raise ValueError(kind)
    headers = headers_for(event_id, ce_type, "/tests/poison", format_time(datetime.now(UTC)))
    return Poison(kind, f"poison-{n}".encode(), value, headers, event_id, known)


def mixed(topic: str, count: int) -> list[Poison]:
    """`count` poison records of the four kinds in turn."""
    return [poison(topic, KINDS[i % len(KINDS)], i) for i in range(count)]
