"""Stories, their steps and the queues, in PostgreSQL."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import asdict, dataclass, fields
from datetime import date, datetime
from typing import Any

from nazar_platform import db


@dataclass(frozen=True, slots=True)
class Content:
    """What the author writes; the gate runs over the titles and texts."""

    kind: str
    title_hi: str | None
    title_en: str | None
    text_hi: str | None
    text_en: str | None
    place: str | None
    latitude: float | None
    longitude: float | None
    event_date: date | None
    case_ref: str | None


@dataclass(frozen=True, slots=True)
class StoryRow:
    id: uuid.UUID
    author_id: str
    author_role: str
    unit_id: str
    circle_id: str | None
    district_id: str
    content: Content
    state: str
    level: str | None
    last_editor_id: str
    gate_verdict: str
    gate_rules: tuple[str, ...]
    sexual_offence: bool
    child_involved: bool
    claim_by: str | None
    claim_role: str | None
    claim_at: datetime | None
    claim_lapses_at: datetime | None
    created_at: datetime
    updated_at: datetime
    # When it arrived at the level it waits at (or last waited at): submitted, forwarded or
    # resubmitted. The time at each step and the age of the queues are measured from it.
    arrived_at: datetime | None = None


@dataclass(frozen=True, slots=True)
class StepRow:
    action: str
    level: str | None
    by_id: str
    by_role: str
    note: str | None
    at: datetime
    request_id: uuid.UUID | None = None  # a decision's, from its Idempotency-Key


_CONTENT = [f.name for f in fields(Content)]
_ROW = [f.name for f in fields(StoryRow) if f.name != "content"]
_COLUMNS = ", ".join(_ROW + _CONTENT)


def _row(r: Any) -> StoryRow:
    values = {k: r[k] for k in _ROW}
    values["gate_rules"] = tuple(values["gate_rules"])
    return StoryRow(content=Content(**{k: r[k] for k in _CONTENT}), **values)


async def insert(conn: db.Connection, story: StoryRow) -> bool:
    """False if a story with this id exists already (an idempotent retry)."""
    values = {**{k: getattr(story, k) for k in _ROW}, **asdict(story.content)}
    values["gate_rules"] = list(story.gate_rules)
    names = list(values)
    placeholders = ", ".join(f"${i}" for i in range(1, len(names) + 1))
    done = await conn.fetchval(
        f"INSERT INTO stories ({', '.join(names)}) VALUES ({placeholders}) "
        "ON CONFLICT (id) DO NOTHING RETURNING true",
        *values.values(),
    )
    return bool(done)


async def get(conn: db.Connection, story_id: uuid.UUID, *, lock: bool = False) -> StoryRow | None:
    suffix = " FOR UPDATE" if lock else ""
    r = await conn.fetchrow(
        f"SELECT {_COLUMNS} FROM stories WHERE id = $1{suffix}",
        story_id,
    )
    return None if r is None else _row(r)


async def update(conn: db.Connection, story: StoryRow) -> None:
    """Writes back the story's content, chain state, gate result and claim."""
    values = {**{k: getattr(story, k) for k in _ROW}, **asdict(story.content)}
    values["gate_rules"] = list(story.gate_rules)
    values.pop("id")
    names = list(values)
    sets = ", ".join(f"{n} = ${i}" for i, n in enumerate(names, start=2))
    await conn.execute(
        f"UPDATE stories SET {sets} WHERE id = $1",
        story.id,
        *values.values(),
    )


async def add_step(conn: db.Connection, story_id: uuid.UUID, step: StepRow) -> None:
    await conn.execute(
        "INSERT INTO story_steps (story_id, action, level, by_id, by_role, note, at, request_id) "
        "VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
        story_id,
        step.action,
        step.level,
        step.by_id,
        step.by_role,
        step.note,
        step.at,
        step.request_id,
    )


async def step_of_request(
    conn: db.Connection, story_id: uuid.UUID, request_id: uuid.UUID
) -> StepRow | None:
    """The step a request already made on this story (a retried decision), if any."""
    r = await conn.fetchrow(
        "SELECT action, level, by_id, by_role, note, at, request_id FROM story_steps "
        "WHERE story_id = $1 AND request_id = $2",
        story_id,
        request_id,
    )
    return None if r is None else StepRow(**dict(r))


async def steps_of(conn: db.Connection, ids: Sequence[uuid.UUID]) -> dict[uuid.UUID, list[StepRow]]:
    rows = await conn.fetch(
        "SELECT story_id, action, level, by_id, by_role, note, at FROM story_steps "
        "WHERE story_id = ANY($1::uuid[]) ORDER BY id",
        list(ids),
    )
    out: dict[uuid.UUID, list[StepRow]] = {i: [] for i in ids}
    for r in rows:
        out[r["story_id"]].append(
            StepRow(r["action"], r["level"], r["by_id"], r["by_role"], r["note"], r["at"])
        )
    return out


async def of_author(conn: db.Connection, author_id: str, limit: int) -> list[StoryRow]:
    rows = await conn.fetch(
        f"SELECT {_COLUMNS} FROM stories WHERE author_id = $1 "
        "ORDER BY created_at DESC, id LIMIT $2",
        author_id,
        limit,
    )
    return [_row(r) for r in rows]


async def queue(
    conn: db.Connection,
    level: str,
    *,
    circle_ids: Sequence[str] = (),
    district_ids: Sequence[str] = (),
    everywhere: bool = False,
    limit: int,
) -> list[StoryRow]:
    """Stories waiting at `level` from these circles or districts (or all, at PHQ); the
    earliest arrival at the level first, since it has waited longest. Only the conditions asked
    for are in the SQL, so each kind of queue runs on its own index (023_queue_order.sql)."""
    args: list[Any] = [level, limit]
    scope = []
    if not everywhere:
        for column, ids in (("circle_id", circle_ids), ("district_id", district_ids)):
            if ids:
                args.append(list(ids))
                scope.append(f"{column} = ANY(${len(args)}::text[])")
        if not scope:
            return []
    where = f" AND ({' OR '.join(scope)})" if scope else ""
    rows = await conn.fetch(
        f"SELECT {_COLUMNS} FROM stories WHERE state = 'in_review' AND level = $1{where} "
        "ORDER BY arrived_at, id LIMIT $2",
        *args,
    )
    return [_row(r) for r in rows]


@dataclass(frozen=True, slots=True)
class Tally:
    state: str
    kind: str
    level: str | None
    count: int
    oldest_age_seconds: float | None  # of the group's longest wait at its level (in review)


async def tally(conn: db.Connection) -> list[Tally]:
    """Stories by state, kind and level, with the longest wait of those in review, for the
    metrics. One scan of a table that stays in the hundred thousands."""
    rows = await conn.fetch(
        "SELECT state, kind, level, count(*) AS n, "
        "extract(epoch FROM now() - min(arrived_at) FILTER (WHERE state = 'in_review'))::float8 "
        "AS oldest FROM stories GROUP BY 1, 2, 3"
    )
    return [Tally(r["state"], r["kind"], r["level"], r["n"], r["oldest"]) for r in rows]
