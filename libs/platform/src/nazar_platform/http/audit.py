"""The audit trail: every state-changing request, written append-only, and every refusal, counted.

`AuditMiddleware` records each request whose method is not GET/HEAD/OPTIONS and that was not
refused: who (member id), with which grant (role, unit), what (the access action), on which unit or
member, method, path, status, outcome (`allowed` | `refused` | `failed`), why, when, the request
id, client address and user agent. Refusals — a 401, 403 or 429 of any method — are not one row
each (a flood would grow the table without bound): they are logged (401, 403) with their precise
reason and counted per minute by `nazar_platform.http.refusals`. It reads what the access layer
leaves on the request:

* `request.state.principal`: the authenticated caller (`member_id`, `grants`);
* `request.state.access_decision`: the decision (`allowed`, `action`, `grant`, `unit_id`,
  `member_id`, `reason`).

Both are read through the small protocols below, so this module does not depend on the auth
implementation. The entry is written once the response status is known and before the response's
last byte is sent, in its own statement (its own transaction): the caller's own state change has
already committed or rolled back, and when the client has its answer, the audit has it too. A
failed write is never silent: it is logged at error level with the whole entry and counted
(`nazar_audit_write_failures_total`); the client still gets its answer.

The table (platform migration 004) refuses UPDATE, DELETE and TRUNCATE by trigger; entries are
kept forever. State changes that no request asked for (a consumer's or a scheduler's) are entries
of the same table, written by `nazar_platform.db.audit` (migration 006). The read API, for both,
is in `nazar_platform.http.audit_api`.
"""

from __future__ import annotations

import asyncio
from dataclasses import asdict, astuple, dataclass
from enum import Enum
from typing import Any, Protocol

import asyncpg
import structlog
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from nazar_platform.http.problems import PROBLEM_CODE_STATE, REFUSAL_REASON_STATE
from nazar_platform.http.refusals import RefusalCounter
from nazar_platform.observability import metrics
from nazar_platform.text import replace_invalid

log = structlog.get_logger(__name__)

READ_ONLY_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
REFUSALS = frozenset({401, 403, 429})
WRITE_TIMEOUT_SECONDS = 5.0
_USER_AGENT_MAX = 512


class GrantLike(Protocol):
    @property
    def role(self) -> object: ...
    @property
    def unit_id(self) -> object: ...


class PrincipalLike(Protocol):
    @property
    def member_id(self) -> object: ...


class AccessDecisionLike(Protocol):
    @property
    def allowed(self) -> bool: ...
    @property
    def action(self) -> object: ...
    @property
    def grant(self) -> GrantLike | None: ...
    @property
    def unit_id(self) -> object: ...
    @property
    def member_id(self) -> object: ...
    @property
    def reason(self) -> object: ...


@dataclass(frozen=True, slots=True)
class AuditEntry:
    request_id: str
    member_id: str | None
    grant_role: str | None
    grant_unit: str | None
    action: str | None
    target_unit: str | None
    target_member: str | None
    method: str
    path: str
    status: int
    outcome: str
    reason: str | None
    client_ip: str | None
    user_agent: str | None


def _text(value: object) -> str | None:
    if value is None:
        return None
    return str(value.value) if isinstance(value, Enum) else str(value)


def should_audit(method: str, status: int) -> bool:
    """Whether the request is an entry of its own (refusals are counted instead)."""
    return method.upper() not in READ_ONLY_METHODS and status not in REFUSALS


def outcome_of(status: int, decision: AccessDecisionLike | None) -> str:
    if status in REFUSALS or (decision is not None and not decision.allowed):
        return "refused"
    return "failed" if status >= 400 else "allowed"


def entry_for(
    state: dict[str, Any],
    *,
    method: str,
    path: str,
    status: int,
    headers: dict[str, str],
    client: tuple[str, int] | None,
    replayed: bool = False,
) -> AuditEntry:
    principal: PrincipalLike | None = state.get("principal")
    decision: AccessDecisionLike | None = state.get("access_decision")
    grant = decision.grant if decision is not None else None
    reason = _text(decision.reason) if decision is not None else None
    if status >= 400 and (decision is None or decision.allowed):
        # Unauthenticated, or allowed and then failed: why it failed is what the entry must say
        # (a refusal keeps the access decision's reason).
        reason = state.get(PROBLEM_CODE_STATE) or reason
    if replayed:
        reason = "idempotent replay" + (f"; {reason}" if reason else "")
    # What was refused for holding something that is not text is still recorded, readably.
    user_agent = replace_invalid(headers["user-agent"]) if "user-agent" in headers else None
    return AuditEntry(
        request_id=str(state.get("request_id", "")),
        member_id=_text(principal.member_id) if principal is not None else None,
        grant_role=_text(grant.role) if grant is not None else None,
        grant_unit=_text(grant.unit_id) if grant is not None else None,
        action=_text(decision.action) if decision is not None else None,
        target_unit=_text(decision.unit_id) if decision is not None else None,
        target_member=_text(decision.member_id) if decision is not None else None,
        method=method,
        path=replace_invalid(path),
        status=status,
        outcome=outcome_of(status, decision),
        reason=reason,
        client_ip=client[0] if client else None,
        user_agent=user_agent[:_USER_AGENT_MAX] if user_agent else None,
    )


_INSERT = """
INSERT INTO audit_log (request_id, member_id, grant_role, grant_unit, action, target_unit,
                       target_member, method, path, status, outcome, reason, client_ip, user_agent)
VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14)
"""


async def write(pool: asyncpg.Pool, entry: AuditEntry) -> None:
    """Append one entry in its own transaction (a single autocommitted INSERT)."""
    await asyncio.wait_for(
        pool.execute(_INSERT, *astuple(entry)),
        WRITE_TIMEOUT_SECONDS,
    )


def count_refusal(scope: Scope, state: dict[str, Any], status: int) -> None:
    """Log a 401/403 with its precise reason and count any refusal for the aggregates."""
    principal: PrincipalLike | None = state.get("principal")
    decision: AccessDecisionLike | None = state.get("access_decision")
    refused_decision = decision if decision is not None and not decision.allowed else None
    reason = (
        state.get(REFUSAL_REASON_STATE)
        or (_text(refused_decision.reason) if refused_decision is not None else None)
        or state.get(PROBLEM_CODE_STATE)
        or str(status)
    )
    member_id = _text(principal.member_id) if principal is not None else None
    action = _text(decision.action) if decision is not None else None
    client = scope.get("client")
    address = str(client[0]) if client else None
    if status != 429:  # a 429 is counted in nazar_rate_limited_total; a flood must not flood logs
        log.info(
            "request refused",
            status=status,
            reason=reason,
            member_id=member_id,
            client_ip=address,
            action=action,
            method=scope["method"],
            path=scope["path"],
        )
    counter: RefusalCounter | None = getattr(scope["app"].state, "refusals", None)
    if counter is not None:
        counter.add(
            member_id=member_id, address=address, status=status, reason=reason, action=action
        )


async def record(scope: Scope, entry: AuditEntry) -> None:
    """Write `entry`; a failure is logged with the whole entry and counted, never raised."""
    try:
        pool = scope["app"].state.runtime.pool
        await write(pool, entry)
    except Exception as exc:  # whatever broke, the entry must show up somewhere
        metrics.AUDIT_WRITE_FAILURES.inc()
        log.error("audit entry not written", error=repr(exc), **asdict(entry))
        return
    metrics.AUDIT_RECORDED.labels(entry.outcome).inc()


class AuditMiddleware:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        state: dict[str, Any] = scope.setdefault("state", {})
        method: str = scope["method"]
        status: int | None = None
        replayed = False
        recorded = False

        async def audit(final_status: int) -> None:
            nonlocal recorded
            recorded = True
            headers = {
                k.decode("latin-1").lower(): v.decode("latin-1")
                for k, v in scope.get("headers", [])
            }
            entry = entry_for(
                state,
                method=method,
                path=scope["path"],
                status=final_status,
                headers=headers,
                client=scope.get("client"),
                replayed=replayed,
            )
            await record(scope, entry)

        async def send_audited(message: Message) -> None:
            nonlocal status, replayed, recorded
            if message["type"] == "http.response.start":
                status = int(message["status"])
                replayed = any(
                    k.lower() == b"idempotent-replayed" for k, _ in message.get("headers", [])
                )
            elif (
                message["type"] == "http.response.body"
                and not message.get("more_body", False)
                and status is not None
                and not recorded
            ):
                if status in REFUSALS:
                    recorded = True
                    count_refusal(scope, state, status)
                elif should_audit(method, status):
                    await audit(status)
            await send(message)

        try:
            await self.app(scope, receive, send_audited)
        except Exception:
            # The outer middleware answers 500; the attempt is on the record either way.
            if not recorded and should_audit(method, 500):
                state.setdefault(PROBLEM_CODE_STATE, "internal_error")
                await audit(500)
            raise
