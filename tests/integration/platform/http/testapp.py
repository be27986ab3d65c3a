"""A small service built with `create_app`, on which the HTTP conventions are tested.

It keeps notes per unit: create (idempotent, writes an outbox event that its own consumer reads
back), list (cursor-paginated), lock (409 the second time), and a route that fails (500).

Callers authenticate and are authorized by the real access layer: `bearer()` mints RS256 tokens
with a key pair made for the test session (the app verifies with its public half), and the routes
use `require`/`authorize` over the real access table, with the command tree read from the app's
own `units` table (the fixture seeds `SAMPLE_TREE`; a service fills its read model from
`roster.units.v1`). The test app's operations are these table actions:

* creating a note is `story.moderate`: a CO or SP in their subtree, the ADG (and the PHQ cell)
  state-wide, never a field member;
* locking a note is `alert.receive`: the command roles (SHO, CO, SP, IG) in their subtree, the
  ADG and SP PHQ Crime state-wide;
* reading the audit trail is `audit.read` (HQ only), `create_app`'s default;
* listing notes needs a valid token only.
"""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Callable, Sequence
from datetime import datetime, timedelta
from enum import StrEnum
from functools import cache
from typing import Annotated

import asyncpg
from cryptography.hazmat.primitives.asymmetric import rsa
from fastapi import APIRouter, Depends, FastAPI, Request, Response
from nazar_platform import db
from nazar_platform.auth.access import Action
from nazar_platform.auth.tokens import AuthSettings, Grant, Principal, TokenVerifier, mint
from nazar_platform.config.settings import PlatformSettings
from nazar_platform.db.migrations import Migration
from nazar_platform.http.access import Authorized, authorize, get_principal, require
from nazar_platform.http.idempotency import IdempotencyClaim, idempotent
from nazar_platform.http.pagination import Keyset, Page, PageParams, Row, page_params
from nazar_platform.http.problems import ProblemError
from nazar_platform.http.ratelimit import RateLimitSettings
from nazar_platform.kafka.consumer import IdempotentConsumer
from nazar_platform.kafka.records import Record
from nazar_platform.outbox.publisher import OutboxEvent, enqueue
from nazar_platform.runtime.context import Runtime, runtime_of
from nazar_platform.service import ServiceParts, create_app
from pydantic import BaseModel, Field

NOTE_CREATE = Action.STORY_MODERATE
NOTE_LOCK = Action.ALERT_RECEIVE

# A piece of the real command tree: {unit: parent}.
SAMPLE_TREE: dict[str, str | None] = {
    "PHQ": None,
    "RNG-BIKANER": "PHQ",
    "DST-BIKANER": "RNG-BIKANER",
    "CIR-BIKANER-CITY": "DST-BIKANER",
    "PS-KOTGATE": "CIR-BIKANER-CITY",
    "CIR-NOKHA": "DST-BIKANER",
    "PS-NOKHA": "CIR-NOKHA",
    "CIR-KOLAYAT": "DST-BIKANER",
    "DST-CHURU": "RNG-BIKANER",
    "CIR-SARDARSHAHAR": "DST-CHURU",
}

# --- tokens ---------------------------------------------------------------------------------------

AUTH = AuthSettings(environment="test", issuer="nazar-testapp", audience="nazar-testapp-api")


@cache
def signing_key() -> rsa.RSAPrivateKey:
    """The test session's token key (one per process)."""
    return rsa.generate_private_key(public_exponent=65537, key_size=2048)


def bearer(
    member: str,
    *grants: str,
    lang: str | None = None,
    key: rsa.RSAPrivateKey | None = None,
    issued: datetime | None = None,
) -> dict[str, str]:
    """Headers of `member` holding `grants` (`"sp:DST-BIKANER"`): a real RS256 token, signed with
    the session key unless another `key` forges it, issued now unless `issued` says when."""
    token = mint(
        member,
        [Grant.parse(g) for g in grants],
        private_key=key or signing_key(),
        issuer=AUTH.issuer,
        audience=AUTH.audience,
        ttl=timedelta(hours=4),
        kid=None,
        language=lang,
        now=issued,
    )
    return {"Authorization": f"Bearer {token}"}


def token_verifier() -> TokenVerifier:
    return TokenVerifier(AUTH, public_key=signing_key().public_key())


# --- the command tree, as this service reads it -----------------------------------------------


class UnitsTable:
    """The `UnitDirectory` of the test app: its own `units` table (unit id → root-to-unit path)."""

    def __init__(self, pool: asyncpg.Pool) -> None:
        self._pool = pool

    async def path(self, unit_id: str) -> Sequence[str] | None:
        path = await self._pool.fetchval("SELECT path FROM units WHERE unit_id = $1", unit_id)
        return None if path is None else list(path)


def tree_paths(parents: dict[str, str | None]) -> dict[str, list[str]]:
    def path(unit: str) -> list[str]:
        parent = parents[unit]
        return [unit] if parent is None else [*path(parent), unit]

    return {unit: path(unit) for unit in parents}


async def add_units(database: str, parents: dict[str, str | None]) -> None:
    """Put units into the app's read model (what its roster consumer would do)."""
    known = {**SAMPLE_TREE, **parents}
    paths = tree_paths(known)
    conn = await asyncpg.connect(database)
    try:
        await conn.executemany(
            "INSERT INTO units (unit_id, path) VALUES ($1, $2)"
            " ON CONFLICT (unit_id) DO UPDATE SET path = EXCLUDED.path",
            [(unit, paths[unit]) for unit in parents],
        )
    finally:
        await conn.close()


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
        CREATE TABLE units (unit_id text PRIMARY KEY, path text[] NOT NULL);
        """,
    )
]
IDEMPOTENT = idempotent(get_principal)
KEYSET = Keyset(("created_at", "id"), (datetime, uuid.UUID))


class Priority(StrEnum):
    ROUTINE = "routine"
    URGENT = "urgent"


class Title(BaseModel):
    hi: str = Field(min_length=1, max_length=80)
    en: str | None = Field(None, max_length=80)


class NoteIn(BaseModel):
    unit_id: str = Field(pattern=r"^[A-Z0-9][A-Z0-9-]{1,63}$")
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
        principal: Annotated[Principal, Depends(require(NOTE_CREATE))],
        claim: Annotated[IdempotencyClaim | None, Depends(IDEMPOTENT)],
    ) -> Note:
        await authorize(request, principal, NOTE_CREATE, unit_id=body.unit_id)
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
        _principal: Authorized,
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
        principal: Annotated[Principal, Depends(require(NOTE_LOCK))],
    ) -> Note:
        pool = runtime_of(request).pool
        unit = await pool.fetchval("SELECT unit_id FROM notes WHERE id = $1", note_id)
        if unit is None:
            raise ProblemError(404, "not_found")
        await authorize(request, principal, NOTE_LOCK, unit_id=unit)
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


def build_app(
    settings: PlatformSettings, topic: str, rate_limits: RateLimitSettings | None = None
) -> FastAPI:
    app = create_app(
        ServiceParts(settings, migrations=MIGRATIONS, consumers=notes_consumer(topic)),
        title="Nazar test application",
        version="0.0.1",
        routers=[build_router(topic)],
        unit_directory=lambda runtime: UnitsTable(runtime.pool),
        rate_limits=rate_limits,
    )
    # The session's key instead of the stack's dev key that create_app would otherwise use.
    app.state.token_verifier = token_verifier()
    return app
