"""Phone sign-in, the code steps (issue 16 item 1): ask for a code, then trade it for a ticket.

The answer to "send me a code" is the same whether or not the number is on the roster, or may
sign in: every request leaves a sign-in row (for the rate limits) and only an eligible member's
gets a code, sealed for the publisher and sent through the outbox in the same transaction. The
code itself exists in plain text only in this process's memory and inside the sealed record.
"""

from __future__ import annotations

import secrets
import uuid
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import asyncpg
from nazar_contracts.auth import AuthCodeRequested, CodeChannel
from nazar_contracts.vocabulary import Language, Role
from nazar_platform import db, outbox
from nazar_platform.auth.access import Action, actions_of
from nazar_platform.auth.sealed import Sealer
from nazar_platform.outbox.events import outbox_event

from roster import metrics
from roster.domain import sign_in as rules
from roster.domain.sign_in import Verdict, Window
from roster.handlers.context import Seen
from roster.store import auth_events
from roster.store import members as member_store
from roster.store import passkeys as passkey_store
from roster.store import sign_ins as store

SOURCE = "/nazar/roster"

# Grants that can do harm state-wide or to many people: their holders add a passkey (item 3).
# Which roles hold them is the platform's access policy.
_POWERFUL = frozenset(
    {
        Action.DIRECTIVE_ISSUE,
        Action.ROSTER_IMPORT,
        Action.ROSTER_ERASE,
        Action.STORY_APPROVE,
        Action.PUBLISH_MANAGE,
    }
)


def needs_passkey(roles: Iterable[tuple[str, str]]) -> bool:
    """Whether the member's grants call for a passkey after the code (issue 16 item 3)."""
    for role, unit_id in roles:
        try:
            actions = actions_of(Role(role), unit_id)
        except ValueError:
            continue
        if _POWERFUL & set(actions):
            return True
    return False


@dataclass(frozen=True)
class Limits:
    """Codes per number and per client address within `span`, and for everyone within
    `global_span` (the values and why: RosterSettings.sign_in_*)."""

    per_phone: int
    per_address: int
    span: timedelta
    global_per_span: int
    global_span: timedelta


@dataclass(frozen=True)
class SignInCodes:
    pool: asyncpg.Pool
    hash_key: bytes
    sealer: Sealer
    topic: str
    limits: Limits


@dataclass(frozen=True)
class CodeSent:
    """What the caller is told, whoever owns the number."""

    sign_in_id: uuid.UUID
    expires_at: datetime


class RateLimitedError(Exception):
    def __init__(self, what: str, retry_after: int) -> None:
        super().__init__(f"too many sign-ins ({what})")
        self.what = what
        self.retry_after = retry_after


@dataclass(frozen=True)
class Ticket:
    ticket: str
    expires_at: datetime
    needs_passkey: bool


class CodeRefusedError(Exception):
    def __init__(self, verdict: Verdict, attempts_left: int) -> None:
        super().__init__(str(verdict))
        self.verdict = verdict
        self.attempts_left = attempts_left


def _limited(windows: tuple[Window, Window, Window], limits: Limits, now: datetime) -> None:
    phone, address, everyone = windows
    for what, window, limit, span in (
        ("phone", phone, limits.per_phone, limits.span),
        ("address", address, limits.per_address, limits.span),
        ("global", everyone, limits.global_per_span, limits.global_span),
    ):
        wait = rules.retry_after(window, limit, span, now)
        if wait is not None:
            metrics.SIGN_IN_RATE_LIMITED.labels(limit=what).inc()
            raise RateLimitedError(what, wait)


async def request_code(
    codes: SignInCodes,
    phone: str,
    ip: str | None,
    channel: str | None = None,
    request_id: str | None = None,
) -> CodeSent:
    """`phone` is already E.164. Raises RateLimitedError; otherwise the same answer for all.
    The audit has the member (when the number is theirs) and the channel, never the number."""
    now = datetime.now(UTC)
    phone_key = rules.keyed_hash(codes.hash_key, f"phone:{phone}")
    sign_in_id = uuid.uuid4()
    expires_at = now + rules.CODE_LIFETIME
    async with db.transaction(codes.pool) as conn:
        await store.lock_phone(conn, phone_key)
        _limited(
            await store.windows(
                conn, phone_key, ip, now, codes.limits.span, codes.limits.global_span
            ),
            codes.limits,
            now,
        )
        signer = await store.signer(conn, phone)
        chosen = rules.channel_for(signer, phone, channel) if signer else None
        code_hash = None
        if signer is not None and chosen is not None and rules.may_sign_in(signer):
            code = rules.new_code(secrets.randbelow)
            code_hash = rules.code_hash(codes.hash_key, str(sign_in_id), code)
            sealed = codes.sealer.seal(code, f"{sign_in_id}:{signer.member_id}")
            event = AuthCodeRequested(
                sign_in_id=str(sign_in_id),
                member_id=signer.member_id,
                channel=CodeChannel(chosen),
                sealed_code=sealed.text,
                key_id=sealed.key_id,
                language=Language(signer.language),
                requested_at=now,
                expires_at=expires_at,
            )
            await outbox.enqueue(conn, [outbox_event(event, source=SOURCE, topic=codes.topic)])
        await store.insert(
            conn,
            sign_in_id=sign_in_id,
            member_id=signer.member_id if code_hash is not None and signer else None,
            phone_key=phone_key,
            ip=ip,
            channel=chosen if code_hash is not None else None,
            code_hash=code_hash,
            created_at=now,
            expires_at=expires_at,
        )
        if code_hash is not None:
            kind, detail = "code_sent", {"channel": chosen, "sign_in_id": str(sign_in_id)}
        else:
            why = "not_on_roster" if signer is None else "may_not_sign_in"
            if signer is not None and chosen is None:
                why = "no_channel"
            kind, detail = "code_withheld", {"why": why, "sign_in_id": str(sign_in_id)}
        member = signer.member_id if signer is not None else None
        await auth_events.record(conn, kind, member, detail=detail, ip=ip, request_id=request_id)
    metrics.SIGN_IN_CODES.labels(outcome="sent" if code_hash else "withheld").inc()
    if code_hash is not None:
        metrics.SIGN_IN_CODES_SENT.labels(channel=str(chosen)).inc()
    return CodeSent(sign_in_id, expires_at)


async def verify_code(
    codes: SignInCodes, sign_in_id: uuid.UUID, code: str, seen: Seen | None = None
) -> Ticket:
    """A right code spends the sign-in and hands out a one-time ticket for the token step;
    anything else raises CodeRefusedError (a wrong code counts against the five tries).

    A passkey follows when the member's grants call for one, or when they have one already: a
    passkey added by choice protects the member too (handlers/passkeys.py)."""
    seen = seen or Seen()
    now = datetime.now(UTC)
    given = rules.code_hash(codes.hash_key, str(sign_in_id), code)
    async with db.transaction(codes.pool) as conn:
        attempt = await store.attempt_for_update(conn, sign_in_id)
        verdict = rules.judge(attempt, given, now)
        if verdict is Verdict.WRONG:
            assert attempt is not None
            tries = attempt.attempts + 1
            await store.record_wrong(conn, sign_in_id, now, locks=tries >= rules.CODE_ATTEMPTS)
            left = rules.CODE_ATTEMPTS - tries
            if left <= 0:
                verdict = Verdict.LOCKED
                metrics.SIGN_IN_LOCKOUTS.inc()
            await auth_events.record(
                conn,
                "code_locked" if left <= 0 else "code_wrong",
                attempt.member_id,
                detail={"sign_in_id": str(sign_in_id), "attempts_left": max(left, 0)},
                ip=seen.ip,
                request_id=seen.request_id,
            )
        elif verdict is Verdict.VERIFIED:
            assert attempt is not None and attempt.member_id is not None
            ticket = secrets.token_urlsafe(32)
            needs = needs_passkey(
                await member_store.grants(conn, attempt.member_id)
            ) or await passkey_store.has_any(conn, attempt.member_id)
            expires_at = now + rules.TICKET_LIFETIME
            await store.record_verified(
                conn,
                sign_in_id,
                now=now,
                ticket_hash=rules.keyed_hash(codes.hash_key, f"ticket:{ticket}"),
                ticket_expires_at=expires_at,
                needs_passkey=needs,
            )
            await auth_events.record(
                conn,
                "code_verified",
                attempt.member_id,
                detail={"sign_in_id": str(sign_in_id), "needs_passkey": needs},
                ip=seen.ip,
                request_id=seen.request_id,
            )
    metrics.SIGN_IN_VERIFICATIONS.labels(outcome=str(verdict)).inc()
    if verdict is Verdict.VERIFIED:
        return Ticket(ticket, expires_at, needs)
    attempts_left = 0
    if verdict is Verdict.WRONG:
        attempts_left = left
    raise CodeRefusedError(verdict, attempts_left)


async def forget_old(codes: SignInCodes, keep: timedelta) -> int:
    """Sign-in rows outlive their use only for the rate limits and a short audit window."""
    async with db.transaction(codes.pool) as conn:
        return await store.forget_before(conn, datetime.now(UTC) - keep)
