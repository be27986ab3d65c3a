"""The token step of sign-in (issue 16, item 2): a verified ticket, once, for an access token and
a refresh token; a refresh token, once, for a new pair; sign-out.

Access tokens are ES256 JWTs of `access_ttl` whose grants are the member's postings at the time
they are signed (the same rule as the dev sign-in: `store.members.grants`), so a posting change
takes effect at the next refresh. Refresh tokens are random, stored as keyed hashes, and rotate on
every use; all tokens descended from one sign-in form a family, and a refresh token presented a
second time (it was copied) revokes the whole family.
"""

from __future__ import annotations

import secrets
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import asyncpg
import structlog
from nazar_contracts.vocabulary import Role
from nazar_platform.auth.tokens import Grant, mint
from nazar_platform.db import Connection

from roster import metrics
from roster.domain.sign_in import keyed_hash
from roster.handlers.context import Seen
from roster.handlers.signing_keys import SigningKeys
from roster.store import auth_events
from roster.store import members as member_store
from roster.store import tokens as store

log = structlog.get_logger(__name__)


class TokenRefusedError(Exception):
    """`code` is the problem code (api/problems.py), also the refusal metric's reason."""

    def __init__(self, code: str) -> None:
        super().__init__(code)
        self.code = code


@dataclass(frozen=True, slots=True)
class Posting:
    """A posting as a person reads it: the role, and the unit's kind and names."""

    role: str
    unit_id: str
    unit_kind: str
    unit_name_hi: str
    unit_name_en: str


@dataclass(frozen=True, slots=True)
class Tokens:
    access_token: str
    expires_in: int
    refresh_token: str
    member_id: str
    # Who signed in, for the consoles' header: names, never the member id or codes.
    name_hi: str | None = None
    name_latin: str | None = None
    postings: tuple[Posting, ...] = ()


@dataclass
class Sessions:
    pool: asyncpg.Pool
    keys: SigningKeys
    hash_key: bytes
    issuer: str
    audience: str
    access_ttl: timedelta = timedelta(minutes=15)
    refresh_ttl: timedelta = timedelta(days=14)

    async def redeem_ticket(
        self, ticket: str, now: datetime | None = None, seen: Seen | None = None
    ) -> Tokens:
        now = now or datetime.now(UTC)
        seen = seen or Seen()
        try:
            async with self.pool.acquire() as conn, conn.transaction():
                row = await store.ticket(conn, keyed_hash(self.hash_key, f"ticket:{ticket}"))
                _check_ticket(row, now)
                assert row is not None  # _check_ticket refuses a missing row
                await store.redeem(conn, row["sign_in_id"], now)
                member_id: str = row["member_id"]
                family = await store.new_family(conn, member_id, row["sign_in_id"], now)
                pair = await self._pair(conn, member_id, family, now)
                await auth_events.record(
                    conn, "signed_in", member_id,
                    detail={"sign_in_id": str(row["sign_in_id"]), "family_id": str(family),
                            "passkey": row["passkey_verified_at"] is not None},
                    ip=seen.ip, request_id=seen.request_id,
                )  # fmt: skip
        except TokenRefusedError as exc:
            metrics.TOKEN_REFUSALS.labels(exc.code).inc()
            raise
        metrics.TOKENS_ISSUED.labels("ticket").inc()
        return pair

    async def refresh(
        self, refresh_token: str, now: datetime | None = None, seen: Seen | None = None
    ) -> Tokens:
        now = now or datetime.now(UTC)
        seen = seen or Seen()
        token_hash = keyed_hash(self.hash_key, refresh_token)
        reused = False
        try:
            async with self.pool.acquire() as conn, conn.transaction():
                row = await store.refresh(conn, token_hash)
                if row is None:
                    raise TokenRefusedError("auth.refresh_invalid")
                if row["revoked_at"] is not None:
                    raise TokenRefusedError("auth.refresh_revoked")
                if row["used_at"] is not None:
                    # Committed before the refusal: the copy and the original both stop here.
                    reused = await store.revoke_family(conn, row["family_id"], "reuse", now)
                    if reused:
                        await auth_events.record(
                            conn, "refresh_reused", row["member_id"],
                            detail={"family_id": str(row["family_id"])},
                            ip=seen.ip, request_id=seen.request_id,
                        )  # fmt: skip
                else:
                    if row["expires_at"] <= now:
                        raise TokenRefusedError("auth.refresh_expired")
                    await store.use_refresh(conn, token_hash, now)
                    pair = await self._pair(conn, row["member_id"], row["family_id"], now)
            if row["used_at"] is not None:
                if reused:
                    family = str(row["family_id"])
                    log.warning("refresh token reused; family revoked", family=family)
                    metrics.REFRESH_REUSE.inc()
                    metrics.REFRESH_REVOCATIONS.labels("reuse").inc()
                raise TokenRefusedError("auth.refresh_reused")
        except TokenRefusedError as exc:
            metrics.TOKEN_REFUSALS.labels(exc.code).inc()
            raise
        metrics.TOKENS_ISSUED.labels("refresh_token").inc()
        return pair

    async def sign_out(
        self, refresh_token: str, now: datetime | None = None, seen: Seen | None = None
    ) -> bool:
        """Revokes the family of `refresh_token`; False when it names none still live."""
        now = now or datetime.now(UTC)
        seen = seen or Seen()
        async with self.pool.acquire() as conn, conn.transaction():
            row = await store.refresh(conn, keyed_hash(self.hash_key, refresh_token))
            if row is None:
                return False
            revoked = await store.revoke_family(conn, row["family_id"], "sign_out", now)
            if revoked:
                await auth_events.record(
                    conn, "signed_out", row["member_id"],
                    detail={"family_id": str(row["family_id"])},
                    ip=seen.ip, request_id=seen.request_id,
                )  # fmt: skip
        if revoked:
            metrics.REFRESH_REVOCATIONS.labels("sign_out").inc()
        return revoked

    async def forget_expired(self, now: datetime | None = None) -> int:
        """Deletes expired refresh tokens (refused anyway) and the families they leave empty."""
        async with self.pool.acquire() as conn, conn.transaction():
            return await store.forget_expired(conn, now or datetime.now(UTC))

    async def _pair(
        self, conn: Connection, member_id: str, family_id: uuid.UUID, now: datetime
    ) -> Tokens:
        rows = await member_store.identity(conn, member_id)
        if not rows:  # deactivated, erased, or without a posting: nothing to grant
            raise TokenRefusedError("auth.no_grants")
        postings = tuple(
            Posting(r["role"], r["unit_id"], r["unit_kind"], r["unit_name_hi"], r["unit_name_en"])
            for r in rows
        )
        kid, private_key = await self.keys.signer(now)
        access = mint(
            member_id,
            [Grant(Role(p.role), p.unit_id) for p in postings],
            private_key=private_key,
            issuer=self.issuer,
            audience=self.audience,
            ttl=self.access_ttl,
            kid=kid,
            now=now,
        )
        refresh_token = secrets.token_urlsafe(32)
        await store.add_refresh(
            conn, keyed_hash(self.hash_key, refresh_token), family_id, now, now + self.refresh_ttl
        )
        return Tokens(
            access,
            int(self.access_ttl.total_seconds()),
            refresh_token,
            member_id,
            rows[0]["name_hi"],
            rows[0]["name_latin"],
            postings,
        )


def _check_ticket(row: asyncpg.Record | None, now: datetime) -> None:
    if row is None or row["member_id"] is None or row["code_verified_at"] is None:
        raise TokenRefusedError("auth.ticket_invalid")
    if row["redeemed_at"] is not None:
        raise TokenRefusedError("auth.ticket_used")
    if row["ticket_expires_at"] is None or row["ticket_expires_at"] <= now:
        raise TokenRefusedError("auth.ticket_expired")
    if row["needs_passkey"] and row["passkey_verified_at"] is None:
        raise TokenRefusedError("auth.passkey_required")
