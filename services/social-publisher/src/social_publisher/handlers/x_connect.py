"""Connecting an X account: the cell starts an authorize round trip, X sends them back with a
code, the code (with the PKCE verifier kept here) becomes a token pair, sealed and stored, and a
stopped account resumes.

The state and the code_verifier stay server-side (`x_oauth_states`, the verifier sealed), live
`x_oauth_state_ttl` and are used once: the callback deletes the row in its own transaction
before calling X, so a replayed callback finds nothing. The token must act for the account's
own X user id (`GET /2/users/me`): authorizing with another X login is refused, not stored.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import asyncpg

from social_publisher.adapters.tokens import TokenCipher
from social_publisher.adapters.x_oauth import (
    OAuthRefusedError,
    OAuthUnavailableError,
    XOAuth,
    new_state,
    new_verifier,
)
from social_publisher.domain.social import Network
from social_publisher.handlers.tokens import store_new_pair
from social_publisher.store import accounts, x_oauth


class ConnectError(Exception):
    """Why a connection did not happen; `code` is the problem code the API answers with."""

    def __init__(self, code: str) -> None:
        super().__init__(code)
        self.code = code


async def start_connect(
    pool: asyncpg.Pool,
    cipher: TokenCipher,
    oauth: XOAuth,
    *,
    account_id: str,
    started_by: str,
    ttl: timedelta,
) -> tuple[str, datetime]:
    """The authorize URL to send the cell to, and until when it may be used."""
    state, verifier = new_state(), new_verifier()
    expires_at = datetime.now(UTC) + ttl
    async with pool.acquire() as conn, conn.transaction():
        account = await accounts.get(conn, account_id)
        if account is None or account.network is not Network.X:
            raise ConnectError("x_account_unknown")
        await x_oauth.put(
            conn,
            state=state,
            account_id=account_id,
            code_verifier=cipher.seal(verifier),
            started_by=started_by,
            expires_at=expires_at,
        )
    return oauth.authorize_url(state, verifier), expires_at


async def finish_connect(
    pool: asyncpg.Pool,
    cipher: TokenCipher,
    oauth: XOAuth,
    *,
    state: str,
    code: str,
    results_topic: str,
) -> str:
    """Exchange the code; returns the connected account's id."""
    async with pool.acquire() as conn, conn.transaction():
        taken = await x_oauth.take(conn, state, datetime.now(UTC))
    if taken is None:
        raise ConnectError("x_connect_expired")
    try:
        pair = await oauth.exchange(code, cipher.open(taken.code_verifier))
        user_id, _username = await oauth.whoami(pair.access_token)
    except OAuthRefusedError:
        raise ConnectError("x_connect_refused") from None
    except OAuthUnavailableError:
        raise ConnectError("x_unavailable") from None
    async with pool.acquire() as conn, conn.transaction():
        account = await accounts.lock(conn, taken.account_id)
        if account is None:
            raise ConnectError("x_account_unknown")
        if account.provider_account_id != user_id:
            raise ConnectError("x_wrong_account")
        await store_new_pair(conn, account, pair, cipher, topic=results_topic)
    return account.account_id


class XConnect:
    """What the API needs to connect X accounts, built at startup (it needs the pool)."""

    def __init__(
        self,
        pool: asyncpg.Pool,
        cipher: TokenCipher,
        oauth: XOAuth,
        *,
        state_ttl: timedelta,
        results_topic: str,
    ) -> None:
        self.pool = pool
        self.cipher = cipher
        self.oauth = oauth
        self.state_ttl = state_ttl
        self.results_topic = results_topic

    async def start(self, account_id: str, started_by: str) -> tuple[str, datetime]:
        return await start_connect(
            self.pool,
            self.cipher,
            self.oauth,
            account_id=account_id,
            started_by=started_by,
            ttl=self.state_ttl,
        )

    async def finish(self, state: str, code: str) -> str:
        return await finish_connect(
            self.pool,
            self.cipher,
            self.oauth,
            state=state,
            code=code,
            results_topic=self.results_topic,
        )
