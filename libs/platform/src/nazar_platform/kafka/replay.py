"""Which dead-lettered records to put back, and how: the rules of `nazar-dlq replay`, free of I/O.

A replayed record goes back to its source topic with its original key, value and CloudEvents
headers (its `ce_type` rewritten only when asked: `--retype`, for a producer that labelled a
version wrongly). A marker record is then appended to the DLQ naming the replayed offset, so a
second `replay` skips it unless `--again` is given. A crash between the two replays it once more
on the next run; consumers deduplicate by event id, so that costs nothing but a lookup.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime

from nazar_platform.kafka import dlq

REPLAY_OF = "dlq.replay_of"  # on a marker: "PARTITION:OFFSET" of the DLQ record replayed
REPLAYED_AT = "dlq.replayed_at"


@dataclass(frozen=True, slots=True)
class Choice:
    """What to replay; every given criterion must hold. No criterion at all chooses nothing, so
    that a bare `replay` never floods a topic by accident (`everything=True` is `--all`)."""

    offsets: frozenset[tuple[int, int]] = frozenset()
    everything: bool = False
    since: datetime | None = None
    reason: str | None = None
    types: frozenset[str] = frozenset()
    consumer: str | None = None
    again: bool = False
    retype: Mapping[str, str] = field(default_factory=dict)

    @property
    def empty(self) -> bool:
        given = (self.offsets, self.everything, self.since, self.reason, self.types, self.consumer)
        return not any(given)


def is_marker(record: dlq.RawRecord) -> bool:
    return dlq.header(record.headers, REPLAY_OF) is not None


def replayed(records: Iterable[dlq.RawRecord]) -> set[tuple[int, int]]:
    """The DLQ offsets that markers say were replayed already."""
    done: set[tuple[int, int]] = set()
    for r in records:
        of = dlq.header(r.headers, REPLAY_OF)
        if of is not None:
            partition, _, offset = of.partition(":")
            done.add((int(partition), int(offset)))
    return done


def _failed_at(record: dlq.RawRecord) -> datetime | None:
    text = dlq.header(record.headers, dlq.FAILED_AT)
    return None if text is None else datetime.fromisoformat(text)


def chosen(record: dlq.RawRecord, choice: Choice, done: set[tuple[int, int]]) -> bool:
    if choice.empty or is_marker(record):
        return False
    where = (record.partition, record.offset)
    if where in done and not choice.again:
        return False
    if choice.offsets and where not in choice.offsets:
        return False
    if choice.since is not None:
        failed = _failed_at(record)
        if failed is None or failed < choice.since:
            return False
    if (
        choice.reason
        and choice.reason.lower() not in (dlq.header(record.headers, dlq.ERROR) or "").lower()
    ):
        return False
    if choice.types and dlq.header(record.headers, "ce_type") not in choice.types:
        return False
    return choice.consumer is None or dlq.header(record.headers, dlq.CONSUMER) == choice.consumer


def select(records: list[dlq.RawRecord], choice: Choice) -> list[dlq.RawRecord]:
    done = replayed(records)
    return [r for r in records if chosen(r, choice, done)]


def replay_headers(record: dlq.RawRecord, retype: Mapping[str, str]) -> list[tuple[str, bytes]]:
    """The original headers (DLQ headers dropped), `ce_type` rewritten per `retype`, and where
    the record came back from."""
    out: list[tuple[str, bytes]] = []
    for k, v in dlq.original_headers(record.headers):
        out.append((k, retype.get(v.decode(), v.decode()).encode() if k == "ce_type" else v))
    out.append((dlq.REPLAYED_FROM, f"{record.partition}:{record.offset}".encode()))
    return out


def marker_headers(record: dlq.RawRecord, at: datetime) -> list[tuple[str, bytes]]:
    return [
        (REPLAY_OF, f"{record.partition}:{record.offset}".encode()),
        (REPLAYED_AT, at.isoformat().encode()),
    ]


def parse_retype(pairs: Iterable[str]) -> dict[str, str]:
    """`OLD=NEW` pairs, e.g. `nazar.dispatch.sent.v2=nazar.dispatch.sent.v1`."""
    out: dict[str, str] = {}
    for pair in pairs:
        old, sep, new = pair.partition("=")
        if not sep or not old or not new:
            raise ValueError(f"--retype wants OLD=NEW, got {pair!r}")
        out[old] = new
    return out
