"""`Idempotency-Key` for POSTs: a retry returns the first answer instead of acting twice.

A field app on a weak network resends a POST when it did not see the answer. With the same
`Idempotency-Key` (1..255 printable ASCII characters) and the same body, the repeat gets the
stored response with `Idempotent-Replayed: true` and changes nothing. The same key with a
different body (or path) is a 422 problem; the same key while the first request still runs is a
409 problem with `Retry-After`. Keys are per caller (the principal's member id), kept for
`idempotency_retention` (24 h) and then pruned by a background task of the service runtime.

Why a route dependency *and* an ASGI middleware: the caller is known only after the auth
dependency ran, and the response bytes exist only at the ASGI level. So

* `idempotent(get_principal)` is the route dependency: it depends on the principal (so it runs
  after authentication, and unauthenticated requests never claim keys), claims the key in
  PostgreSQL before the handler runs, and answers replays and conflicts;
* `IdempotencyMiddleware` stores the final response of a claimed request before its last byte
  goes out (so the client never sees an answer that a repeat could miss), or releases the claim
  when there is no final answer: a 5xx, an exception, 401/403/429 (those are re-evaluated on a
  retry).

Limitation: the handler's transaction and the stored response are two commits. A process killed
between them leaves the key in flight; after `idempotency_lease` a retry runs the handler again.
Handlers stay safe by making the effect itself idempotent: `claim.derived_id()` is a UUID fixed
by the request (caller, key, body), so `INSERT ... (id = claim.derived_id()) ON CONFLICT DO
NOTHING` creates a thing once however often it runs; the second run answers with what exists.
"""

from __future__ import annotations

import asyncio
import hashlib
import uuid
from collections.abc import Callable, Coroutine, Mapping
from dataclasses import dataclass
from datetime import timedelta
from typing import Annotated, Any

import asyncpg
import structlog
from fastapi import Depends, FastAPI, Header, Request
from starlette.responses import Response
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from nazar_platform.http.problems import ProblemError
from nazar_platform.observability import metrics
from nazar_platform.runtime.context import Runtime, runtime_of
from nazar_platform.runtime.retry import TRANSIENT, sleep_or_stop

log = structlog.get_logger(__name__)

HEADER = "Idempotency-Key"
REPLAYED_HEADER = "Idempotent-Replayed"
CLAIM_STATE = "idempotency_claim"
MAX_STORED_BODY = 1024 * 1024
_KEPT_HEADERS = (b"content-type", b"content-language", b"location", b"etag", b"last-modified")
# Answers that a retry must re-evaluate rather than replay.
_NOT_FINAL = frozenset({401, 403, 408, 425, 429})
_NAMESPACE = uuid.UUID("6f1d8a52-2b1e-4c55-9a63-7d3f0b2f6e11")

_CLAIM = """
INSERT INTO idempotency_keys AS k (caller, key, method, path, fingerprint, claim, locked_until)
VALUES ($1, $2, $3, $4, $5, $6, now() + $7::interval)
ON CONFLICT (caller, key) DO UPDATE
SET method = EXCLUDED.method, path = EXCLUDED.path, fingerprint = EXCLUDED.fingerprint,
    claim = EXCLUDED.claim, locked_until = EXCLUDED.locked_until, status = NULL,
    response_headers = NULL, response_body = NULL, created_at = now(), completed_at = NULL
WHERE k.created_at < now() - $8::interval
   OR (k.completed_at IS NULL AND k.locked_until < now() AND k.method = EXCLUDED.method
       AND k.path = EXCLUDED.path AND k.fingerprint = EXCLUDED.fingerprint)
RETURNING claim
"""
_EXISTING = """
SELECT method, path, fingerprint, completed_at, status, response_headers, response_body
FROM idempotency_keys WHERE caller = $1 AND key = $2
"""


@dataclass(frozen=True, slots=True)
class IdempotencyClaim:
    caller: str
    key: str
    fingerprint: str
    claim: uuid.UUID

    def derived_id(self, purpose: str = "") -> uuid.UUID:
        """A UUID fixed by this request (caller, key, body) and `purpose`: the id of what it
        creates. A key reused after it expired, with another body, derives another id."""
        return uuid.uuid5(_NAMESPACE, f"{self.caller}\n{self.key}\n{self.fingerprint}\n{purpose}")


class IdempotentReplayError(Exception):
    """Raised by the guard to answer with the stored response (see `install`)."""

    def __init__(self, status: int, headers: Mapping[str, str], body: bytes) -> None:
        super().__init__(status)
        self.status = status
        self.headers = dict(headers)
        self.body = body


def valid_key(key: str) -> bool:
    return 1 <= len(key) <= 255 and all(" " <= ch <= "~" for ch in key)


def _caller_id(principal: object) -> str:
    member_id = getattr(principal, "member_id", None)
    return "" if member_id is None else str(member_id)


def _request_path(request: Request) -> str:
    query = request.url.query
    return f"{request.url.path}?{query}" if query else request.url.path


async def _no_principal() -> None:
    return None


Guard = Callable[..., Coroutine[Any, Any, IdempotencyClaim | None]]


def idempotent(principal: Callable[..., Any] | None, *, required: bool = False) -> Guard:
    """The route dependency: `@router.post(..., dependencies=[Depends(IDEMPOTENT)])` with
    `IDEMPOTENT = idempotent(get_principal)`, or take it as a parameter to get the claim
    (`claim: IdempotencyClaim | None = Depends(IDEMPOTENT)`). `principal=None` keys an
    unauthenticated route's requests to the anonymous caller; `required=True` answers 400 to a
    POST without the header."""

    async def guard(
        request: Request,
        # A default, not Annotated: this module's annotations are strings, resolved in its
        # globals, where the closure's `principal` does not exist.
        caller: Any = Depends(principal or _no_principal),  # noqa: B008
        key: Annotated[
            str | None,
            Header(
                alias=HEADER,
                description="Makes a retry safe: the same key and body return the first response",
            ),
        ] = None,
    ) -> IdempotencyClaim | None:
        if key is None:
            if required:
                raise ProblemError(400, "idempotency_key_missing")
            return None
        if not valid_key(key):
            raise ProblemError(400, "idempotency_key_invalid")
        runtime = runtime_of(request)
        fingerprint = hashlib.sha256(await request.body()).hexdigest()
        claim = await _claim(
            runtime, _caller_id(caller), key, request.method, _request_path(request), fingerprint
        )
        setattr(request.state, CLAIM_STATE, claim)
        return claim

    return guard


async def _claim(
    runtime: Runtime, caller: str, key: str, method: str, path: str, fingerprint: str
) -> IdempotencyClaim:
    settings = runtime.settings
    for _ in range(3):
        claim = uuid.uuid4()
        won = await runtime.pool.fetchval(
            _CLAIM,
            caller,
            key,
            method,
            path,
            fingerprint,
            claim,
            settings.idempotency_lease,
            settings.idempotency_retention,
        )
        if won is not None:
            metrics.IDEMPOTENCY.labels("claimed").inc()
            return IdempotencyClaim(caller, key, fingerprint, claim)
        row = await runtime.pool.fetchrow(_EXISTING, caller, key)
        if row is None:
            continue  # pruned in between: claim again
        if (row["method"], row["path"], row["fingerprint"]) != (method, path, fingerprint):
            metrics.IDEMPOTENCY.labels("conflict").inc()
            raise ProblemError(422, "idempotency_key_reused")
        if row["completed_at"] is None:
            metrics.IDEMPOTENCY.labels("in_flight").inc()
            raise ProblemError(409, "idempotency_request_in_flight", headers={"Retry-After": "1"})
        metrics.IDEMPOTENCY.labels("replayed").inc()
        raise IdempotentReplayError(row["status"], row["response_headers"], row["response_body"])
    raise ProblemError(409, "idempotency_request_in_flight", headers={"Retry-After": "1"})


async def _on_replay(_request: Request, exc: Exception) -> Response:
    assert isinstance(exc, IdempotentReplayError)
    headers = {**exc.headers, REPLAYED_HEADER: "true"}
    return Response(content=exc.body, status_code=exc.status, headers=headers)


class IdempotencyMiddleware:
    """Stores the final response of a request whose guard claimed a key, or releases the key."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        state: dict[str, Any] = scope.setdefault("state", {})
        start: Message | None = None
        chunks: list[bytes] = []
        settled = False

        async def capture(message: Message) -> None:
            nonlocal start, settled
            claim = state.get(CLAIM_STATE)
            if claim is None or settled:
                await send(message)
                return
            if message["type"] == "http.response.start":
                start = message
            elif message["type"] == "http.response.body":
                chunks.append(message.get("body", b""))
                if not message.get("more_body", False) and start is not None:
                    settled = True
                    await _settle(scope, claim, start, b"".join(chunks))
            await send(message)

        try:
            await self.app(scope, receive, capture)
        except BaseException:
            claim = state.get(CLAIM_STATE)
            if claim is not None and not settled:
                await _release(scope, claim)
            raise


async def _settle(scope: Scope, claim: IdempotencyClaim, start: Message, body: bytes) -> None:
    status = int(start["status"])
    if status >= 500 or status in _NOT_FINAL or len(body) > MAX_STORED_BODY:
        await _release(scope, claim)
        return
    headers = {
        k.decode("latin-1"): v.decode("latin-1")
        for k, v in start.get("headers", [])
        if k.lower() in _KEPT_HEADERS
    }
    try:
        runtime = scope["app"].state.runtime
        await runtime.pool.execute(
            "UPDATE idempotency_keys SET status = $4, response_headers = $5, response_body = $6,"
            " completed_at = now(), locked_until = NULL"
            " WHERE caller = $1 AND key = $2 AND claim = $3",
            claim.caller,
            claim.key,
            claim.claim,
            status,
            headers,
            body,
        )
    except (OSError, asyncpg.PostgresError, asyncpg.InterfaceError, AttributeError) as exc:
        # The key stays in flight until its lease ends; then a retry runs the handler again.
        metrics.IDEMPOTENCY.labels("store_failed").inc()
        log.error("idempotent response not stored", key=claim.key, error=repr(exc))


async def _release(scope: Scope, claim: IdempotencyClaim) -> None:
    try:
        runtime = scope["app"].state.runtime
        await runtime.pool.execute(
            "DELETE FROM idempotency_keys WHERE caller = $1 AND key = $2 AND claim = $3",
            claim.caller,
            claim.key,
            claim.claim,
        )
        metrics.IDEMPOTENCY.labels("released").inc()
    except (OSError, asyncpg.PostgresError, asyncpg.InterfaceError, AttributeError) as exc:
        metrics.IDEMPOTENCY.labels("store_failed").inc()
        log.error("idempotency key not released", key=claim.key, error=repr(exc))


async def prune(pool: asyncpg.Pool, retention: timedelta) -> int:
    """Delete expired keys in chunks (short locks); returns how many."""
    total = 0
    while True:
        status = await pool.execute(
            "DELETE FROM idempotency_keys WHERE ctid IN (SELECT ctid FROM idempotency_keys"
            " WHERE created_at < now() - $1::interval LIMIT 5000)",
            retention,
        )
        deleted = int(status.split()[-1])
        total += deleted
        if deleted < 5000:
            break
    metrics.IDEMPOTENCY_PRUNED.inc(total)
    return total


PRUNE_EVERY = timedelta(minutes=10)


async def pruner(runtime: Runtime, stop: asyncio.Event) -> None:
    """A task of the HTTP app: prune every PRUNE_EVERY until the service stops."""
    while not stop.is_set():
        try:
            await prune(runtime.pool, runtime.settings.idempotency_retention)
        except TRANSIENT as exc:
            log.warning("idempotency prune failed; will retry", error=repr(exc))
        await sleep_or_stop(stop, PRUNE_EVERY.total_seconds())


def install(app: FastAPI) -> None:
    """Answer replays and store responses in `app` (create_app does this)."""
    app.add_exception_handler(IdempotentReplayError, _on_replay)
    app.add_middleware(IdempotencyMiddleware)
