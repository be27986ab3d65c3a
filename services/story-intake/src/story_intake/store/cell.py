"""The PHQ cell's rows in PostgreSQL: versions, acknowledgements, approvals (posts: `posts.py`)."""

from __future__ import annotations

import json
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from nazar_platform import db


@dataclass(frozen=True, slots=True)
class FindingRow:
    part: str
    rule: str
    start: int
    end: int
    text: str


@dataclass(frozen=True, slots=True)
class VersionRow:
    story_id: uuid.UUID
    channel: str
    n: int
    text: str | None
    title_hi: str | None
    title_en: str | None
    body_hi: str | None
    body_en: str | None
    author_id: str
    author_role: str
    redacted_from: int | None
    gate_verdict: str
    findings: tuple[FindingRow, ...]
    at: datetime


@dataclass(frozen=True, slots=True)
class AckRow:
    channel: str
    n: int
    finding: int
    rule: str
    reason: str
    by_id: str
    by_role: str
    at: datetime


@dataclass(frozen=True, slots=True)
class ApprovalRow:
    story_id: uuid.UUID
    scope: str
    public_channels: tuple[str, ...]
    versions: dict[str, int]
    by_id: str
    by_role: str
    at: datetime
    overflow: str = "refuse"  # X: a version over the limit is refused or sent as a thread


_VERSION = (
    "story_id, channel, n, text, title_hi, title_en, body_hi, body_en, author_id, author_role, "
    "redacted_from, gate_verdict, findings, at"
)


def findings_json(findings: Sequence[FindingRow]) -> str:
    return json.dumps(
        [
            {"part": f.part, "rule": f.rule, "start": f.start, "end": f.end, "text": f.text}
            for f in findings
        ],
        ensure_ascii=False,
    )


def findings_of(raw: str | None) -> tuple[FindingRow, ...]:
    return tuple(FindingRow(**f) for f in json.loads(raw or "[]"))


def _version(r: Any) -> VersionRow:
    values = {k: r[k] for k in _VERSION.split(", ")}
    values["findings"] = findings_of(values["findings"])
    return VersionRow(**values)


async def add_version(conn: db.Connection, v: VersionRow) -> None:
    await conn.execute(
        f"INSERT INTO story_versions ({_VERSION}) "
        "VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13::jsonb, $14)",
        v.story_id,
        v.channel,
        v.n,
        v.text,
        v.title_hi,
        v.title_en,
        v.body_hi,
        v.body_en,
        v.author_id,
        v.author_role,
        v.redacted_from,
        v.gate_verdict,
        findings_json(v.findings),
        v.at,
    )


async def last_n(conn: db.Connection, story_id: uuid.UUID, channel: str) -> int:
    """The highest version number of the channel; 0 if none."""
    n = await conn.fetchval(
        "SELECT max(n) FROM story_versions WHERE story_id = $1 AND channel = $2",
        story_id,
        channel,
    )
    return int(n or 0)


async def versions(
    conn: db.Connection, story_id: uuid.UUID, channel: str | None = None
) -> list[VersionRow]:
    rows = await conn.fetch(
        f"SELECT {_VERSION} FROM story_versions WHERE story_id = $1 "
        "AND ($2::text IS NULL OR channel = $2) ORDER BY channel, n",
        story_id,
        channel,
    )
    return [_version(r) for r in rows]


async def version(
    conn: db.Connection, story_id: uuid.UUID, channel: str, n: int | None = None
) -> VersionRow | None:
    """Version `n` of the channel; the latest when `n` is None."""
    r = await conn.fetchrow(
        f"SELECT {_VERSION} FROM story_versions WHERE story_id = $1 AND channel = $2 "
        "AND ($3::int IS NULL OR n = $3) ORDER BY n DESC LIMIT 1",
        story_id,
        channel,
        n,
    )
    return None if r is None else _version(r)


async def set_phq_findings(
    conn: db.Connection, story_id: uuid.UUID, findings: Sequence[FindingRow]
) -> None:
    await conn.execute(
        "UPDATE stories SET phq_findings = $2::jsonb WHERE id = $1",
        story_id,
        findings_json(findings),
    )


async def phq_findings(conn: db.Connection, story_id: uuid.UUID) -> tuple[FindingRow, ...] | None:
    raw = await conn.fetchval("SELECT phq_findings FROM stories WHERE id = $1", story_id)
    return None if raw is None else findings_of(raw)


async def add_ack(conn: db.Connection, story_id: uuid.UUID, ack: AckRow) -> bool:
    """False if this finding was acknowledged already (the first reason stands)."""
    done = await conn.fetchval(
        "INSERT INTO story_acknowledgements "
        "(story_id, channel, n, finding, rule, reason, by_id, by_role, at) "
        "VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) ON CONFLICT DO NOTHING RETURNING true",
        story_id,
        ack.channel,
        ack.n,
        ack.finding,
        ack.rule,
        ack.reason,
        ack.by_id,
        ack.by_role,
        ack.at,
    )
    return bool(done)


async def acks(conn: db.Connection, story_id: uuid.UUID) -> list[AckRow]:
    rows = await conn.fetch(
        "SELECT channel, n, finding, rule, reason, by_id, by_role, at "
        "FROM story_acknowledgements WHERE story_id = $1 ORDER BY channel, n, finding",
        story_id,
    )
    return [AckRow(**dict(r)) for r in rows]


async def add_approval(conn: db.Connection, a: ApprovalRow) -> None:
    await conn.execute(
        "INSERT INTO story_approvals "
        "(story_id, scope, public_channels, versions, by_id, by_role, at, overflow) "
        "VALUES ($1, $2, $3, $4::jsonb, $5, $6, $7, $8)",
        a.story_id,
        a.scope,
        list(a.public_channels),
        json.dumps(a.versions),
        a.by_id,
        a.by_role,
        a.at,
        a.overflow,
    )


async def approvals(conn: db.Connection, ids: Sequence[uuid.UUID]) -> dict[uuid.UUID, ApprovalRow]:
    rows = await conn.fetch(
        "SELECT story_id, scope, public_channels, versions, by_id, by_role, at, overflow "
        "FROM story_approvals WHERE story_id = ANY($1::uuid[])",
        list(ids),
    )
    return {
        r["story_id"]: ApprovalRow(
            r["story_id"],
            r["scope"],
            tuple(r["public_channels"]),
            json.loads(r["versions"]),
            r["by_id"],
            r["by_role"],
            r["at"],
            r["overflow"],
        )
        for r in rows
    }
