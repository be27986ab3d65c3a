"""A small service built with `create_app`, on which the HTTP conventions are tested.

It keeps notes per unit: create (idempotent, writes an outbox event that its own consumer reads
back), list (cursor-paginated), lock (409 the second time), and a route that fails (500).

THE AUTH SEAM (test application only). Until `nazar_platform.auth`/`access` are merged, callers
authenticate with a fake bearer token `test:<member>:<role>@<unit>[,<role>@<unit>...]`, and
`fake_principal` / `fake_require` / `fake_authorize` leave on `request.state` exactly what the
real access layer leaves there (`principal`, `access_decision`), raising the same problem codes
(`unauthenticated` 401, `forbidden` 403). At merge: replace them with `access.get_principal`,
`access.require` and `access.authorize`, and mint real tokens in `bearer()`; nothing else changes.
"""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Callable, Coroutine, Sequence
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import Annotated, Any

from fastapi import APIRouter, Depends, FastAPI, Request, Response
from nazar_platform import db
from nazar_platform.consumer import IdempotentConsumer, Record
from nazar_platform.idempotency import IdempotencyClaim, idempotent
from nazar_platform.migrations import Migration
from nazar_platform.outbox import OutboxEvent, enqueue
from nazar_platform.pagination import Keyset, Page, PageParams, Row, page_params
from nazar_platform.problems import ProblemError
from nazar_platform.runtime import Runtime, runtime_of
from nazar_platform.service import create_app
from nazar_platform.settings import PlatformSettings
from pydantic import BaseModel, Field

# --- the seam: fake authentication and authorization --------------------------------------------

HQ_ROLES = frozenset({"adg", "sp_phq_crime"})
PERMISSIONS = {
    "note.create": frozenset({"sp", "co", "adg"}),
    "note.lock": frozenset({"sp", "co"}),
    "audit.read": HQ_ROLES,
}


@dataclass(frozen=True)
class Grant:
    role: str
    unit_id: str


@dataclass(frozen=True)
class Principal:
    member_id: str
    grants: tuple[Grant, ...]
    token_id: str
    language: str = "en"


@dataclass(frozen=True)
class AccessDecision:
    allowed: bool
    action: str
    grant: Grant | None
    unit_id: str | None
    member_id: str | None
    reason: str | None


def bearer(member: str, *grants: str) -> dict[str, str]:
    """Headers of a caller holding `grants` (`"sp@district-bikaner"`)."""
    return {"Authorization": f"Bearer test:{member}:{','.join(grants)}"}


def _unauthenticated() -> ProblemError:
    return ProblemError(401, "unauthenticated", headers={"WWW-Authenticate": "Bearer"})


async def fake_principal(request: Request) -> Principal:
    scheme, _, token = request.headers.get("authorization", "").partition(" ")
    parts = token.split(":")
    if scheme.lower() != "bearer" or len(parts) != 3 or parts[0] != "test" or not parts[1]:
        raise _unauthenticated()
    grants = []
    for raw in filter(None, parts[2].split(",")):
        role, _, unit = raw.partition("@")
        grants.append(Grant(role, unit))
    principal = Principal(parts[1], tuple(grants), token_id=uuid.uuid4().hex)
    request.state.principal = principal
    return principal


def fake_authorize(
    request: Request, principal: Principal, action: str, *, unit_id: str | None = None
) -> AccessDecision:
    allowed_roles = PERMISSIONS[action]
    grant = next(
        (
            g
            for g in principal.grants
            if g.role in allowed_roles and (unit_id is None or g.unit_id == unit_id)
        ),
        None,
    )
    decision = AccessDecision(
        allowed=grant is not None,
        action=action,
        grant=grant or (principal.grants[0] if principal.grants else None),
        unit_id=unit_id,
        member_id=None,
        reason=None if grant else f"no grant allows {action} on {unit_id or 'any unit'}",
    )
    request.state.access_decision = decision
    if not decision.allowed:
        raise ProblemError(403, "forbidden", detail_params={"action": action})
    return decision


def fake_require(action: str) -> Callable[..., Coroutine[Any, Any, AccessDecision]]:
    async def dependency(
        request: Request, principal: Annotated[Principal, Depends(fake_principal)]
    ) -> AccessDecision:
        return fake_authorize(request, principal, action)

    return dependency


# --- the service ---------------------------------------------------------------------------------

MIGRATIONS = [
    Migration(
        "testapp",
        1,
        "notes",
        """
        CREATE TABLE notes (
            id          uuid PRIMARY KEY,
            unit_id     text NOT NULL,
            title_hi    text NOT NULL,
            title_en    text,
            priority    text NOT NULL,
            tags        text[] NOT NULL,
            created_by  text NOT NULL,
            created_at  timestamptz NOT NULL DEFAULT clock_timestamp(),
            locked      boolean NOT NULL DEFAULT false
        );
        CREATE TABLE note_events_seen (event_id text PRIMARY KEY, note_id text NOT NULL);
        """,
    )
]
IDEMPOTENT = idempotent(fake_principal)
KEYSET = Keyset(("created_at", "id"), (datetime, uuid.UUID))


class Priority(StrEnum):
    ROUTINE = "routine"
    URGENT = "urgent"


class Title(BaseModel):
    hi: str = Field(min_length=1, max_length=80)
    en: str | None = Field(None, max_length=80)


class NoteIn(BaseModel):
    unit_id: str = Field(pattern=r"^[a-z0-9-]{3,40}$")
    title: Title
    priority: Priority
    tags: list[str] = Field(default_factory=list, max_length=5)
    copies: int = Field(1, ge=1, le=10)
    slow_ms: int = Field(0, ge=0, le=5000, description="test hook: hold the request this long")
    fail: bool = Field(False, description="test hook: fail with a 500 before changing anything")


class Note(BaseModel):
    id: uuid.UUID
    unit_id: str
    title: Title
    priority: Priority
    tags: list[str]
    created_by: str
    created_at: datetime
    locked: bool

    @classmethod
    def from_row(cls, row: Row) -> Note:
        return cls(
            id=row["id"],
            unit_id=row["unit_id"],
            title=Title(hi=row["title_hi"], en=row["title_en"]),
            priority=Priority(row["priority"]),
            tags=list(row["tags"]),
            created_by=row["created_by"],
            created_at=row["created_at"],
            locked=row["locked"],
        )


def build_router(topic: str) -> APIRouter:
    router = APIRouter()

    @router.post("/notes", status_code=201)
    async def create_note(
        request: Request,
        response: Response,
        body: NoteIn,
        principal: Annotated[Principal, Depends(fake_principal)],
        claim: Annotated[IdempotencyClaim | None, Depends(IDEMPOTENT)],
    ) -> Note:
        fake_authorize(request, principal, "note.create", unit_id=body.unit_id)
        if body.slow_ms:
            await asyncio.sleep(body.slow_ms / 1000)
        if body.fail:
            raise RuntimeError("note store unavailable")
        note_id = claim.derived_id("note") if claim else uuid.uuid4()
        async with db.transaction(runtime_of(request).pool) as conn:
            row = await conn.fetchrow(
                "INSERT INTO notes (id, unit_id, title_hi, title_en, priority, tags, created_by)"
                " VALUES ($1, $2, $3, $4, $5, $6, $7) ON CONFLICT (id) DO NOTHING RETURNING *",
                note_id,
                body.unit_id,
                body.title.hi,
                body.title.en,
                body.priority.value,
                body.tags,
                principal.member_id,
            )
            if row is None:  # this key's note exists already: a re-run after a lost response
                row = await conn.fetchrow("SELECT * FROM notes WHERE id = $1", note_id)
            else:
                await enqueue(
                    conn,
                    [
                        OutboxEvent(
                            topic=topic,
                            key=str(note_id),
                            type="nazar.note.created.v1",
                            source="/nazar/testapp",
                            data={"note_id": str(note_id), "unit_id": body.unit_id},
                        )
                    ],
                )
        assert row is not None
        response.headers["Location"] = f"/api/v1/notes/{note_id}"
        return Note.from_row(row)

    @router.get("/notes")
    async def list_notes(
        request: Request,
        _principal: Annotated[Principal, Depends(fake_principal)],
        page: Annotated[PageParams, Depends(page_params)],
        unit: str | None = None,
    ) -> Page[Note]:
        where, args = KEYSET.after(page.cursor, first_param=2)
        rows = await runtime_of(request).pool.fetch(
            f"SELECT * FROM notes WHERE ($1::text IS NULL OR unit_id = $1) AND {where}"
            f" ORDER BY {KEYSET.order_by()} LIMIT ${len(args) + 2}",
            unit,
            *args,
            page.limit + 1,
        )
        return KEYSET.page(rows, page.limit, Note.from_row)

    @router.post("/notes/{note_id}/lock", dependencies=[Depends(IDEMPOTENT)])
    async def lock_note(
        request: Request,
        note_id: uuid.UUID,
        principal: Annotated[Principal, Depends(fake_principal)],
    ) -> Note:
        pool = runtime_of(request).pool
        unit = await pool.fetchval("SELECT unit_id FROM notes WHERE id = $1", note_id)
        if unit is None:
            raise ProblemError(404, "not_found")
        fake_authorize(request, principal, "note.lock", unit_id=unit)
        row = await pool.fetchrow(
            "UPDATE notes SET locked = true WHERE id = $1 AND NOT locked RETURNING *", note_id
        )
        if row is None:
            raise ProblemError(409, "conflict")
        return Note.from_row(row)

    @router.get("/boom")
    async def boom() -> None:
        # A phone number in an exception must not reach the client, nor the log unmasked.
        raise RuntimeError("database password hunter2; caller +91 98765 43210")

    @router.post("/boom")
    async def boom_post() -> None:
        raise RuntimeError("failed after changing state, perhaps")

    return router


def notes_consumer(topic: str) -> Callable[[Runtime], list[IdempotentConsumer]]:
    def factory(runtime: Runtime) -> list[IdempotentConsumer]:
        async def seen(conn: db.Connection, records: Sequence[Record]) -> None:
            await conn.executemany(
                "INSERT INTO note_events_seen (event_id, note_id) VALUES ($1, $2)",
                [(r.event_id, r.key) for r in records],
            )

        return [
            IdempotentConsumer(
                name=f"testapp-{topic}",
                topics=[topic],
                pool=runtime.pool,
                handler=seen,
                bootstrap=runtime.settings.kafka_bootstrap,
                session_timeout_ms=6000,
            )
        ]

    return factory


def build_app(settings: PlatformSettings, topic: str) -> FastAPI:
    return create_app(
        settings,
        title="Nazar test application",
        version="0.0.1",
        migrations=MIGRATIONS,
        routers=[build_router(topic)],
        audit_read=fake_require("audit.read"),
        consumers=notes_consumer(topic),
    )
