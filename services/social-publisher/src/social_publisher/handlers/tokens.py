"""The accounts' tokens: seeding, access for a call, refresh, and stopping an account whose
authorization is gone. Used by every network; only X refreshes (a `Refresher` per network).

X's access tokens last about two hours and every refresh returns a NEW refresh token, spending the
old one. So exactly one process refreshes an account at a time: the refresh runs inside a
transaction holding the account's row (`store.accounts.lock`); a second process waits on the row,
then sees the token version moved and uses the pair the first stored. The new pair is committed
BEFORE anything uses it: a crash after the commit loses nothing, and a crash between X's answer
and the commit leaves the account to be reconnected (X already spent the old refresh token), which
the refusal of the next refresh reports. A refused refresh (invalid, spent or revoked grant)
stops the account and tells the cell once (`PublishAccountStopped` through the outbox).
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime, timedelta
from typing import Protocol

import asyncpg
import structlog
from nazar_contracts.publish import PublishAccountResumed, PublishAccountStopped
from nazar_platform import outbox
from nazar_platform.db import Connection
from nazar_platform.outbox import outbox_event

from social_publisher import metrics
from social_publisher.adapters.social import SocialCallError
from social_publisher.adapters.tokens import TokenCipher
from social_publisher.adapters.x_oauth import OAuthRefusedError, OAuthUnavailableError
from social_publisher.domain.accounts import Account, TokenPair
from social_publisher.domain.identities import SOURCE
from social_publisher.domain.social import AccountAccess, ErrorKind, Network, SocialError
from social_publisher.settings import PublisherSettings
from social_publisher.store import accounts

log = structlog.get_logger(__name__)

REFRESH_REFUSED_REASON = (
    "X ने खाते की अनुमति लौटा ली या नवीनीकरण अस्वीकार किया; खाते को दोबारा जोड़ें। "
    "X revoked the account's authorization or refused to renew it; connect the account again."
)


class Refresher(Protocol):
    async def refresh(self, refresh_token: str) -> TokenPair: ...


def _error(network: Network, kind: ErrorKind, code: str | None, reason: str) -> SocialCallError:
    return SocialCallError(SocialError(kind, network, code, reason))


async def seed_accounts(
    pool: asyncpg.Pool, settings: PublisherSettings, cipher: TokenCipher
) -> int:
    """At start: every account of `social_accounts` configured, and the `social_seed_tokens` of
    an account that has no tokens yet sealed into it. Returns how many accounts were seeded."""
    seeded = 0
    async with pool.acquire() as conn, conn.transaction():
        for a in settings.social_accounts:
            await accounts.configure(
                conn,
                account_id=a.account_id,
                network=a.network,
                name=a.name,
                provider_account_id=a.provider_account_id,
                handle=a.handle,
                daily_cap=a.daily_cap,
            )
        for account_id, seed in settings.social_seed_tokens.items():
            account = await accounts.lock(conn, account_id)
            if account is None or account.has_token or not seed.get("access_token"):
                continue
            expires = seed.get("expires_at")
            await accounts.save_tokens(
                conn,
                account_id,
                access_token=cipher.seal(seed["access_token"]),
                refresh_token=cipher.seal(seed["refresh_token"])
                if seed.get("refresh_token")
                else None,
                expires_at=datetime.fromisoformat(expires) if expires else None,
            )
            seeded += 1
    return seeded


async def stop_account(
    conn: Connection, account: Account, *, code: str | None, reason: str, topic: str, at: datetime
) -> bool:
    """Stop the account and tell the cell, in the caller's transaction; once: False (and no
    event) when it was already stopped."""
    if not await accounts.stop(conn, account.account_id, code=code, reason=reason, at=at):
        return False
    event = PublishAccountStopped(
        account_id=account.account_id,
        channel=account.network,
        account_name=account.name,
        reason=reason,
        provider_code=code,
        at=at,
    )
    await outbox.enqueue(conn, [outbox_event(event, source=SOURCE, topic=topic)])
    return True


async def store_new_pair(
    conn: Connection, account: Account, pair: TokenPair, cipher: TokenCipher, *, topic: str
) -> None:
    """A pair from a fresh authorization: stored, and a stopped account resumed (told once)."""
    await accounts.save_tokens(
        conn,
        account.account_id,
        access_token=cipher.seal(pair.access_token),
        refresh_token=cipher.seal(pair.refresh_token) if pair.refresh_token else None,
        expires_at=pair.expires_at,
    )
    if await accounts.resume(conn, account.account_id):
        resumed = PublishAccountResumed(
            account_id=account.account_id, channel=account.network, at=datetime.now(UTC)
        )
        await outbox.enqueue(conn, [outbox_event(resumed, source=SOURCE, topic=topic)])


class AccountTokens:
    """`access_for(account_id)`: the account's access with a token fresh for at least `margin`,
    refreshed first when needed. `refresh(account_id)`: the same, for the worker that refreshes
    ahead of expiry."""

    def __init__(
        self,
        pool: asyncpg.Pool,
        cipher: TokenCipher,
        refreshers: Mapping[Network, Refresher],
        *,
        margin: timedelta,
        results_topic: str,
    ) -> None:
        self._pool = pool
        self._cipher = cipher
        self._refreshers = refreshers
        self._margin = margin
        self._topic = results_topic

    def _due(self, account: Account, now: datetime) -> bool:
        return (
            account.network in self._refreshers
            and account.token_expires_at is not None
            and account.token_expires_at - now <= self._margin
        )

    async def access_for(self, account_id: str) -> AccountAccess:
        async with self._pool.acquire() as conn:
            account = await accounts.get(conn, account_id)
            if account is None:
                raise _error(Network.X, ErrorKind.ACCOUNT, "unknown_account", "Unknown account.")
            self._check_usable(account)
            if not self._due(account, datetime.now(UTC)):
                sealed, _ = await accounts.sealed_tokens(conn, account_id)
                if sealed is not None:
                    return self._access(account, self._cipher.open(sealed))
        return await self.refresh(account_id, seen_version=account.token_version)

    def _check_usable(self, account: Account) -> None:
        if account.stopped:
            reason = account.stopped_reason or "The account is stopped."
            raise _error(account.network, ErrorKind.ACCOUNT, account.stopped_code, reason)
        if not account.has_token:
            raise _error(
                account.network,
                ErrorKind.ACCOUNT,
                "not_connected",
                "खाता अभी जुड़ा नहीं है; उसे जोड़ें। The account is not connected yet; connect it.",
            )

    def _access(self, account: Account, token: str) -> AccountAccess:
        return AccountAccess(
            account_id=account.account_id,
            network=account.network,
            provider_account_id=account.provider_account_id,
            handle=account.handle,
            access_token=token,
        )

    async def refresh(
        self, account_id: str, *, seen_version: int | None = None, force: bool = False
    ) -> AccountAccess:
        """Refresh under the account's row lock, unless another process already did (the version
        moved, or the token is no longer due): then use what it stored. `force` refreshes a
        token that is not due (X answered 401 to it; pass the version it was read at)."""
        stopped: SocialCallError | None = None
        async with self._pool.acquire() as conn, conn.transaction():
            account = await accounts.lock(conn, account_id)
            if account is None:
                raise _error(Network.X, ErrorKind.ACCOUNT, "unknown_account", "Unknown account.")
            self._check_usable(account)
            now = datetime.now(UTC)
            moved = seen_version is not None and account.token_version != seen_version
            sealed_access, sealed_refresh = await accounts.sealed_tokens(conn, account_id)
            due = force or self._due(account, now)
            if account.network not in self._refreshers:
                due = False
            if moved or not due or sealed_refresh is None:
                if moved:
                    metrics.X_TOKEN_REFRESHES.labels("already_fresh").inc()
                assert sealed_access is not None  # has_token was checked under the lock
                return self._access(account, self._cipher.open(sealed_access))
            refresher = self._refreshers[account.network]
            try:
                pair = await refresher.refresh(self._cipher.open(sealed_refresh))
            except OAuthRefusedError as exc:
                metrics.X_TOKEN_REFRESHES.labels("revoked").inc()
                log.warning("token refresh refused", account_id=account_id, code=exc.code)
                await stop_account(
                    conn,
                    account,
                    code=exc.code,
                    reason=REFRESH_REFUSED_REASON,
                    topic=self._topic,
                    at=now,
                )
                stopped = _error(
                    account.network, ErrorKind.ACCOUNT, exc.code, REFRESH_REFUSED_REASON
                )
            except OAuthUnavailableError as exc:
                metrics.X_TOKEN_REFRESHES.labels("failed").inc()
                log.warning("token refresh failed", account_id=account_id, error=str(exc))
                raise _error(
                    account.network,
                    ErrorKind.TRANSIENT,
                    "refresh_unavailable",
                    "X से टोकन नवीनीकरण नहीं हो सका; फिर प्रयास होगा। Token refresh failed; retrying.",
                ) from None
            else:
                await accounts.save_tokens(
                    conn,
                    account_id,
                    access_token=self._cipher.seal(pair.access_token),
                    refresh_token=(
                        self._cipher.seal(pair.refresh_token)
                        if pair.refresh_token
                        else sealed_refresh
                    ),
                    expires_at=pair.expires_at,
                )
        # Out of the transaction: the stop (and its event) or the new pair is committed.
        if stopped is not None:
            raise stopped
        metrics.X_TOKEN_REFRESHES.labels("refreshed").inc()
        log.info("token refreshed", account_id=account_id, expires_at=pair.expires_at)
        return self._access(account, pair.access_token)

    async def refresh_due(self) -> int:
        """The worker's round: refresh every active account whose token is due; returns how many
        were refreshed. A failure of one account does not stop the others."""
        async with self._pool.acquire() as conn:
            due = [
                a
                for a in await accounts.all_accounts(conn)
                if not a.stopped and a.has_token and self._due(a, datetime.now(UTC))
            ]
        done = 0
        for account in due:
            try:
                await self.refresh(account.account_id, seen_version=account.token_version)
                done += 1
            except SocialCallError as exc:
                log.warning(
                    "refresh ahead failed", account_id=account.account_id, kind=exc.error.kind
                )
        return done
