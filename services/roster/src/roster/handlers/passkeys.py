"""Passkeys (issue 16 item 3): the passkey step of sign-in, a signed-in member's own passkeys, and
the reset of a lost one.

Sign-in: the ticket of a verified code asks for options. A member without a passkey registers one
(`register`: whoever holds the code adds the first passkey, which is why a member who has one must
use it instead); a member with one proves it (`authenticate`, their credentials only). The
challenge is bound to the sign-in and spent by the first answer, right or wrong. A right answer
marks the sign-in's passkey as verified and swaps its ticket for a new one, which /auth/token
accepts. Every outcome is in the sign-in audit, in the same transaction.
"""

from __future__ import annotations

import secrets
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import asyncpg
from nazar_platform import db
from nazar_platform.db import Connection

from roster import metrics
from roster.domain import passkeys as rules
from roster.domain.passkeys import Failure, Mode, PasskeyError, RelyingParty
from roster.domain.sign_in import TICKET_LIFETIME, keyed_hash
from roster.handlers.context import Seen
from roster.handlers.sign_in_codes import needs_passkey
from roster.store import auth_events
from roster.store import members as member_store
from roster.store import passkeys as store

# A little longer than the browser's own minute, for a slow network.
CHALLENGE_LIFETIME = timedelta(milliseconds=rules.TIMEOUT_MS) + timedelta(seconds=30)


@dataclass(frozen=True)
class Passkeys:
    pool: asyncpg.Pool
    hash_key: bytes
    rp: RelyingParty


class PasskeyRefusedError(Exception):
    """`code` is the problem code (api/problems.py); `failure` the passkey's reason, if any."""

    def __init__(self, code: str, failure: Failure | None = None) -> None:
        super().__init__(code)
        self.code = code
        self.failure = failure


@dataclass(frozen=True)
class Options:
    mode: Mode
    options: dict[str, Any]


@dataclass(frozen=True)
class PasskeyTicket:
    ticket: str
    expires_at: datetime


_FAILURE_CODES = {
    Failure.NO_CHALLENGE: "auth.passkey_no_challenge",
    Failure.EXPIRED: "auth.passkey_expired",
    Failure.EXISTS: "auth.passkey_exists",
}


def _code_of(failure: Failure) -> str:
    return _FAILURE_CODES.get(failure, "auth.passkey_failed")


async def _sign_in(conn: Connection, keys: Passkeys, ticket: str, now: datetime) -> asyncpg.Record:
    row = await store.ticket_sign_in(conn, keyed_hash(keys.hash_key, f"ticket:{ticket}"))
    if row is None or row["member_id"] is None or row["code_verified_at"] is None:
        raise PasskeyRefusedError("auth.ticket_invalid")
    if row["redeemed_at"] is not None:
        raise PasskeyRefusedError("auth.ticket_used")
    if row["ticket_expires_at"] is None or row["ticket_expires_at"] <= now:
        raise PasskeyRefusedError("auth.ticket_expired")
    return row


async def _options(
    conn: Connection,
    keys: Passkeys,
    *,
    member_id: str,
    sign_in_id: uuid.UUID | None,
    mode: Mode,
    now: datetime,
) -> dict[str, Any]:
    challenge = rules.new_challenge()
    existing = await store.of_member(conn, member_id)
    if mode is Mode.REGISTER:
        options = rules.registration_options(
            keys.rp,
            challenge,
            member_id=member_id,
            display_name=await store.display_name(conn, member_id),
            existing=existing,
        )
    else:
        options = rules.authentication_options(keys.rp, challenge, existing)
    await store.put_challenge(
        conn,
        sign_in_id=sign_in_id,
        member_id=member_id,
        mode=str(mode),
        challenge=challenge,
        now=now,
        expires_at=now + CHALLENGE_LIFETIME,
    )
    return options


async def sign_in_options(keys: Passkeys, ticket: str) -> Options:
    now = datetime.now(UTC)
    async with db.transaction(keys.pool) as conn:
        row = await _sign_in(conn, keys, ticket, now)
        member_id: str = row["member_id"]
        mode = Mode.AUTHENTICATE if await store.has_any(conn, member_id) else Mode.REGISTER
        options = await _options(
            conn, keys, member_id=member_id, sign_in_id=row["sign_in_id"], mode=mode, now=now
        )
    return Options(mode, options)


async def _ceremony(
    conn: Connection,
    keys: Passkeys,
    challenge: asyncpg.Record | None,
    member_id: str,
    credential: dict[str, Any],
    now: datetime,
    *,
    first_only: bool,
) -> Mode:
    """Checks the answer against the spent challenge and records the passkey (registered, or
    its counter moved on); raises PasskeyError. `first_only`: a registration stands only while
    the member has no passkey (sign-in: the code alone never adds a second one)."""
    if challenge is None:
        raise PasskeyError(Failure.NO_CHALLENGE)
    if challenge["expires_at"] <= now:
        raise PasskeyError(Failure.EXPIRED)
    mode = Mode(challenge["mode"])
    if mode is Mode.REGISTER:
        new = rules.verify_registration(keys.rp, challenge["challenge"], credential)
        if first_only and await store.has_any(conn, member_id):
            raise PasskeyError(Failure.EXISTS)
        if not await store.add(conn, member_id, new, now):
            raise PasskeyError(Failure.EXISTS)
        return mode
    stored = await store.for_update(conn, member_id, rules.credential_id_of(credential))
    if stored is None:
        raise PasskeyError(Failure.UNKNOWN_CREDENTIAL)
    count = rules.verify_authentication(keys.rp, challenge["challenge"], credential, stored)
    await store.used(conn, stored.credential_id, count, now)
    return mode


def _counted(mode: Mode | None, failure: Failure | None, where: str) -> None:
    if failure is not None:
        metrics.PASSKEY_FAILURES.labels(reason=str(failure)).inc()
    elif mode is Mode.REGISTER:
        metrics.PASSKEY_REGISTRATIONS.labels(where=where).inc()
    else:
        metrics.PASSKEY_VERIFICATIONS.inc()


async def sign_in_verify(
    keys: Passkeys, ticket: str, credential: dict[str, Any], seen: Seen
) -> PasskeyTicket:
    """The passkey step; a new ticket for /auth/token, or PasskeyRefusedError. The challenge is
    spent and a failure recorded even when the answer is refused (committed, then raised)."""
    now = datetime.now(UTC)
    failure: Failure | None = None
    mode: Mode | None = None
    async with db.transaction(keys.pool) as conn:
        row = await _sign_in(conn, keys, ticket, now)
        member_id: str = row["member_id"]
        challenge = await store.take_challenge(
            conn, sign_in_id=row["sign_in_id"], member_id=member_id
        )
        try:
            async with conn.transaction():  # a savepoint: a refused answer leaves no passkey
                mode = await _ceremony(
                    conn, keys, challenge, member_id, credential, now, first_only=True
                )
        except PasskeyError as exc:
            failure = exc.failure
        where = {"sign_in_id": str(row["sign_in_id"])}
        if failure is not None:
            await auth_events.record(
                conn, "passkey_failed", member_id, detail={**where, "reason": str(failure)},
                ip=seen.ip, request_id=seen.request_id,
            )  # fmt: skip
        else:
            new_ticket = secrets.token_urlsafe(32)
            expires_at = now + TICKET_LIFETIME
            await store.passkey_verified(
                conn,
                row["sign_in_id"],
                now,
                keyed_hash(keys.hash_key, f"ticket:{new_ticket}"),
                expires_at,
            )
            kind = "passkey_registered" if mode is Mode.REGISTER else "passkey_used"
            extra = {"where": "sign_in"} if mode is Mode.REGISTER else {}
            await auth_events.record(
                conn, kind, member_id, detail={**where, **extra},
                ip=seen.ip, request_id=seen.request_id,
            )  # fmt: skip
    _counted(mode, failure, "sign_in")
    if failure is not None:
        raise PasskeyRefusedError(_code_of(failure), failure)
    return PasskeyTicket(new_ticket, expires_at)


async def account_options(keys: Passkeys, member_id: str) -> dict[str, Any]:
    """A signed-in member adds a passkey (another one, or their first where none is needed)."""
    now = datetime.now(UTC)
    async with db.transaction(keys.pool) as conn:
        return await _options(
            conn, keys, member_id=member_id, sign_in_id=None, mode=Mode.REGISTER, now=now
        )


async def account_register(
    keys: Passkeys, member_id: str, credential: dict[str, Any], seen: Seen
) -> bytes:
    """The new passkey's credential id, or PasskeyRefusedError."""
    now = datetime.now(UTC)
    failure: Failure | None = None
    async with db.transaction(keys.pool) as conn:
        challenge = await store.take_challenge(conn, sign_in_id=None, member_id=member_id)
        try:
            async with conn.transaction():
                await _ceremony(conn, keys, challenge, member_id, credential, now, first_only=False)
        except PasskeyError as exc:
            failure = exc.failure
        kind = "passkey_failed" if failure else "passkey_registered"
        detail = {"reason": str(failure)} if failure else {"where": "account"}
        await auth_events.record(
            conn, kind, member_id, detail=detail, ip=seen.ip, request_id=seen.request_id
        )
    _counted(Mode.REGISTER, failure, "account")
    if failure is not None:
        raise PasskeyRefusedError(_code_of(failure), failure)
    return rules.credential_id_of(credential)


async def listing(keys: Passkeys, member_id: str) -> list[asyncpg.Record]:
    return await store.listing(keys.pool, member_id)


class LastPasskeyError(Exception):
    """The member's grants need a passkey and this is their last one."""


async def remove(keys: Passkeys, member_id: str, credential_id: bytes, seen: Seen) -> bool:
    """A member removes one of their own passkeys, but not the last one their grants need: a
    stolen access token must not open the way to a passkey registered by the code alone (a lost
    one is reset by an officer, in the audit)."""
    async with db.transaction(keys.pool) as conn:
        held = await store.of_member(conn, member_id)
        last = [c.credential_id for c in held] == [credential_id]
        if last and needs_passkey(await member_store.grants(conn, member_id)):
            raise LastPasskeyError(member_id)
        removed = await store.remove(conn, member_id, credential_id)
        if removed:
            await auth_events.record(
                conn, "passkey_removed", member_id,
                detail={"credential_id": rules.encode_id(credential_id)},
                ip=seen.ip, request_id=seen.request_id,
            )  # fmt: skip
    return removed


async def posting_units(keys: Passkeys, member_id: str) -> list[str]:
    return await store.posting_units(keys.pool, member_id)


async def reset(keys: Passkeys, member_id: str, *, by: str, grant: str | None, seen: Seen) -> int:
    """Removes every passkey of `member_id` (lost or stolen): their next sign-in registers a new
    one after the code. The caller has checked who may; the audit says who did."""
    async with db.transaction(keys.pool) as conn:
        removed = await store.remove_all(conn, member_id)
        await auth_events.record(
            conn, "passkey_reset", member_id,
            detail={"by": by, "grant": grant, "removed": removed},
            ip=seen.ip, request_id=seen.request_id,
        )  # fmt: skip
    metrics.PASSKEY_RESETS.inc()
    return removed


async def forget_expired(keys: Passkeys, now: datetime | None = None) -> int:
    async with db.transaction(keys.pool) as conn:
        return await store.forget_expired_challenges(conn, now or datetime.now(UTC))
