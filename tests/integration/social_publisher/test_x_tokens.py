"""X's OAuth 2.0 against the fake, with the accounts in a real PostgreSQL: the PKCE flow end to
end, one refresh for two concurrent refreshers, a revoked grant that stops the account once, and
no token in any log."""

from __future__ import annotations

import asyncio
import json
import logging
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import aiohttp
import asyncpg
import pytest
from nazar_contracts import event_types
from nazar_platform import db
from nazar_platform.db import migrations
from pydantic import SecretStr
from social_publisher.adapters.social import SocialCallError
from social_publisher.adapters.tokens import TokenCipher
from social_publisher.adapters.x import XClient
from social_publisher.adapters.x_oauth import XOAuth
from social_publisher.domain.social import ErrorKind, Network, PostRequest
from social_publisher.handlers.tokens import AccountTokens, seed_accounts
from social_publisher.handlers.x_connect import ConnectError, XConnect
from social_publisher.settings import PublisherSettings, SocialAccountSetting
from social_publisher.store import accounts

from tests.integration.social_publisher.conftest import (
    CLIENT_ID,
    CLIENT_SECRET,
    HANDLE,
    USER_ID,
    RunningFakeX,
)

RESULTS = "test.publish.results"
ACCOUNT = SocialAccountSetting(
    account_id="x-state",
    network=Network.X,
    name="राजस्थान पुलिस (@PoliceRajasthan)",
    provider_account_id=USER_ID,
    handle=HANDLE,
)


@dataclass
class Env:
    pool: asyncpg.Pool
    cipher: TokenCipher
    oauth: XOAuth
    fake: RunningFakeX
    http: aiohttp.ClientSession

    def tokens(self, pool: asyncpg.Pool | None = None) -> AccountTokens:
        return AccountTokens(
            pool or self.pool,
            self.cipher,
            {Network.X: self.oauth},
            margin=timedelta(minutes=15),
            results_topic=RESULTS,
        )

    def settings(self, seed: dict[str, dict[str, str]] | None = None) -> PublisherSettings:
        return PublisherSettings(
            social_accounts=[ACCOUNT],
            social_seed_tokens=seed or {},
            social_token_key=SecretStr(TokenCipher.new_key()),
        )

    async def seed(self, expires_in: int) -> dict[str, str]:
        pair = await self.fake.grant(expires_in=expires_in)
        expires = (datetime.now(UTC) + timedelta(seconds=expires_in)).isoformat()
        seed = {
            "x-state": {
                "access_token": pair["access_token"],
                "refresh_token": pair["refresh_token"],
                "expires_at": expires,
            }
        }
        await seed_accounts(self.pool, self.settings(seed), self.cipher)
        return pair

    async def outbox_types(self) -> list[str]:
        rows = await self.pool.fetch("SELECT ce_type FROM outbox ORDER BY id")
        return [r["ce_type"] for r in rows]


@pytest.fixture
async def env(fresh_database: str, fake_x: RunningFakeX) -> AsyncIterator[Env]:
    conn = await db.connect(fresh_database)
    try:
        await migrations.apply(
            conn,
            [
                *migrations.platform_migrations(),
                *migrations.load("social-publisher", "social_publisher"),
            ],
        )
    finally:
        await conn.close()
    pool = await db.create_pool(fresh_database, min_size=1, max_size=4)
    http = aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=5))
    oauth = XOAuth(
        http,
        api_base_url=fake_x.url,
        authorize_url=f"{fake_x.url}/i/oauth2/authorize",
        client_id=CLIENT_ID,
        client_secret=CLIENT_SECRET,
        redirect_url="http://127.0.0.1:1/oauth/x/callback",
        scopes=["tweet.read", "tweet.write", "users.read", "media.write", "offline.access"],
    )
    try:
        yield Env(pool, TokenCipher(TokenCipher.new_key()), oauth, fake_x, http)
    finally:
        await http.close()
        await pool.close()


async def _authorize(env: Env, url: str) -> tuple[str, str]:
    async with env.http.get(url, allow_redirects=False) as resp:
        assert resp.status == 302
        location = resp.headers["Location"]
    assert location.startswith("http://127.0.0.1:1/oauth/x/callback?")
    query = dict(p.split("=", 1) for p in location.split("?", 1)[1].split("&"))
    return query["state"], query["code"]


async def test_the_pkce_flow_connects_and_resumes_a_stopped_account(env: Env) -> None:
    await seed_accounts(env.pool, env.settings(), env.cipher)
    async with env.pool.acquire() as conn:
        await accounts.stop(conn, "x-state", code="revoked", reason="test", at=datetime.now(UTC))
    connect = XConnect(
        env.pool, env.cipher, env.oauth, state_ttl=timedelta(minutes=10), results_topic=RESULTS
    )
    url, _expires = await connect.start("x-state", "M-CELL-1")
    assert "code_challenge_method=S256" in url and "offline.access" in url
    state, code = await _authorize(env, url)
    assert await connect.finish(state, code) == "x-state"

    async with env.pool.acquire() as conn:
        account = await accounts.get(conn, "x-state")
        sealed_access, sealed_refresh = await accounts.sealed_tokens(conn, "x-state")
    assert account is not None and not account.stopped and account.has_token
    assert sealed_access is not None and sealed_refresh is not None
    assert account.token_expires_at is not None
    assert (
        timedelta(minutes=110) < account.token_expires_at - datetime.now(UTC) <= timedelta(hours=2)
    )
    assert await env.outbox_types() == [event_types.PUBLISH_ACCOUNT_RESUMED]
    # The stored token posts.
    access = await env.tokens().access_for("x-state")
    client = XClient(env.http, env.fake.url)
    post = PostRequest("P-9", "S-9", Network.X, "x-state", "सीकर पुलिस का जनसंवाद आज शाम 5 बजे।")
    published = await client.publish(access, post)
    assert published.provider_post_id in env.fake.fake.posts
    # The same callback again: the state was used once.
    with pytest.raises(ConnectError) as again:
        await connect.finish(state, code)
    assert again.value.code == "x_connect_expired"
    # A wrong verifier (another round trip's state) is refused by X's PKCE check.
    url2, _ = await connect.start("x-state", "M-CELL-1")
    state2, _code2 = await _authorize(env, url2)
    with pytest.raises(ConnectError) as wrong:
        await connect.finish(state2, code)  # the first round trip's code
    assert wrong.value.code == "x_connect_refused"


async def test_authorizing_another_x_login_is_refused(env: Env) -> None:
    await seed_accounts(env.pool, env.settings(), env.cipher)
    env.fake.fake.config["users"]["1500000000000000002"] = "SomeoneElse"
    env.fake.fake.config["authorize_user"] = "1500000000000000002"
    connect = XConnect(
        env.pool, env.cipher, env.oauth, state_ttl=timedelta(minutes=10), results_topic=RESULTS
    )
    state, code = await _authorize(env, (await connect.start("x-state", "M-CELL-1"))[0])
    with pytest.raises(ConnectError) as caught:
        await connect.finish(state, code)
    assert caught.value.code == "x_wrong_account"
    async with env.pool.acquire() as conn:
        account = await accounts.get(conn, "x-state")
    assert account is not None and not account.has_token


async def test_two_concurrent_refreshers_make_one_refresh_and_share_the_pair(
    env: Env, fresh_database: str
) -> None:
    old = await env.seed(expires_in=120)  # within the 15-minute margin: due
    other_pool = await db.create_pool(fresh_database, min_size=1, max_size=2)  # "process" two
    try:
        first, second = await asyncio.gather(
            env.tokens().access_for("x-state"), env.tokens(other_pool).access_for("x-state")
        )
    finally:
        await other_pool.close()
    assert env.fake.fake.auth.tokens.calls.get("refresh_token") == 1
    assert first.access_token == second.access_token != old["access_token"]
    async with env.pool.acquire() as conn:
        account = await accounts.get(conn, "x-state")
        _, sealed_refresh = await accounts.sealed_tokens(conn, "x-state")
    assert account is not None and account.token_version == 2  # seed, one refresh
    assert sealed_refresh is not None
    new_refresh = env.cipher.open(sealed_refresh)
    assert new_refresh != old["refresh_token"]
    # X rotated it: the old refresh token is spent, the stored one is the live one.
    assert old["refresh_token"] not in env.fake.fake.auth.tokens.refresh
    assert new_refresh in env.fake.fake.auth.tokens.refresh
    # Fresh now: no further refresh.
    await env.tokens().access_for("x-state")
    assert env.fake.fake.auth.tokens.calls.get("refresh_token") == 1


async def test_a_revoked_grant_stops_the_account_once_and_logs_no_token(
    env: Env, caplog: pytest.LogCaptureFixture, capsys: pytest.CaptureFixture[str]
) -> None:
    caplog.set_level(logging.DEBUG)
    pair = await env.seed(expires_in=60)
    # A refresh that works first (its new pair must not be logged either) ...
    fresh = await env.tokens().refresh("x-state")
    assert fresh.access_token != pair["access_token"]
    async with env.pool.acquire() as conn:
        _, sealed_refresh = await accounts.sealed_tokens(conn, "x-state")
        await conn.execute(
            "UPDATE social_accounts SET token_expires_at = now() WHERE account_id = 'x-state'"
        )
    assert sealed_refresh is not None
    live_refresh = env.cipher.open(sealed_refresh)
    # ... then the owner revokes the app.
    env.fake.fake.config["revoked"] = [USER_ID]
    with pytest.raises(SocialCallError) as caught:
        await env.tokens().access_for("x-state")
    assert caught.value.error.kind is ErrorKind.ACCOUNT
    async with env.pool.acquire() as conn:
        account = await accounts.get(conn, "x-state")
    assert account is not None and account.stopped
    with pytest.raises(SocialCallError):
        await env.tokens().access_for("x-state")  # stopped: no second event, no call
    assert await env.tokens().refresh_due() == 0
    assert await env.outbox_types() == [event_types.PUBLISH_ACCOUNT_STOPPED]
    row = await env.pool.fetchrow("SELECT key, value FROM outbox")
    assert row is not None
    assert row["key"] == b"x-state"
    stopped = json.loads(row["value"])
    assert stopped["account_id"] == "x-state" and stopped["channel"] == "x"
    assert stopped["reason"].startswith("X ने")
    logged = caplog.text + capsys.readouterr().out
    assert "token refresh refused" in logged or "token refreshed" in logged
    for secret in (pair["access_token"], pair["refresh_token"], fresh.access_token, live_refresh):
        assert secret not in logged
        assert secret not in str(caught.value)


async def test_seed_tokens_go_only_into_accounts_without_tokens(env: Env) -> None:
    first = await env.seed(expires_in=7200)
    await env.seed(expires_in=7200)  # a second start with other seed values changes nothing
    async with env.pool.acquire() as conn:
        sealed_access, _ = await accounts.sealed_tokens(conn, "x-state")
        account = await accounts.get(conn, "x-state")
    assert sealed_access is not None and env.cipher.open(sealed_access) == first["access_token"]
    assert account is not None and account.token_version == 1
    assert account.name == ACCOUNT.name


async def test_a_forced_refresh_renews_a_token_x_refused(env: Env) -> None:
    # X answered 401 to a token that is not due (revoked access token, clock skew): the queue
    # forces one refresh with the version it read, and a concurrent caller does not repeat it.
    old = await env.seed(expires_in=7200)
    async with env.pool.acquire() as conn:
        account = await accounts.get(conn, "x-state")
    assert account is not None
    first, second = await asyncio.gather(
        env.tokens().refresh("x-state", seen_version=account.token_version, force=True),
        env.tokens().refresh("x-state", seen_version=account.token_version, force=True),
    )
    assert first.access_token == second.access_token != old["access_token"]
    assert env.fake.fake.auth.tokens.calls.get("refresh_token") == 1
