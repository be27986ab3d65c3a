"""Connecting an X account through the running publisher's HTTP API, against the fake X: the cell
asks for the authorize URL, X (the fake) approves and redirects to the publisher's callback,
which stores the tokens; a replayed callback, a member without `publish.manage` and an unknown
account are refused with problem documents in Hindi."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator

import asyncpg
import pytest
from cryptography.fernet import Fernet

from tests.conftest import DatabaseFactory, TopicFactory
from tests.integration.publisher.support import Stack, make_stack
from tests.integration.social_publisher.conftest import (
    CLIENT_ID,
    CLIENT_SECRET,
    HANDLE,
    USER_ID,
    RunningFakeX,
)


@pytest.fixture
async def publisher(
    kafka_bootstrap: str, databases: DatabaseFactory, fake_x: RunningFakeX
) -> AsyncIterator[Stack]:
    topics = TopicFactory(kafka_bootstrap)
    results = await topics("publish-results")
    account = {
        "account_id": "x-state",
        "network": "x",
        "name": "राजस्थान पुलिस",
        "provider_account_id": USER_ID,
        "handle": HANDLE,
    }
    stack = await make_stack(
        kafka_bootstrap,
        databases,
        topics,
        NAZAR_SOCIAL_TOKEN_KEY=Fernet.generate_key().decode(),
        NAZAR_SOCIAL_ACCOUNTS=json.dumps([account]),
        NAZAR_TOPIC_PUBLISH_RESULTS=results,
        NAZAR_X_API_BASE_URL=fake_x.url,
        NAZAR_X_AUTHORIZE_URL=f"{fake_x.url}/i/oauth2/authorize",
        NAZAR_X_CLIENT_ID=CLIENT_ID,
        NAZAR_X_CLIENT_SECRET=CLIENT_SECRET,
    )
    stack.settings["NAZAR_X_REDIRECT_URL"] = f"{stack.url}/oauth/x/callback"
    stack.start_fakes()
    try:
        await stack.start_publisher()
        yield stack
    finally:
        stack.stop()
        if stack.http is not None:
            await stack.http.close()
        await databases.drop(stack.dsn)
        await topics.delete_all()


async def test_the_cell_connects_the_x_account_over_http(
    publisher: Stack, fake_x: RunningFakeX
) -> None:
    http = publisher.client
    connect = f"{publisher.url}/api/v1/social/accounts/x-state/connect"
    async with http.post(connect, headers=publisher.bearer("police_pro:PHQ")) as r:
        assert r.status == 200, await r.text()
        authorize_url = (await r.json())["authorize_url"]
    assert authorize_url.startswith(f"{fake_x.url}/i/oauth2/authorize?")
    async with http.get(authorize_url, allow_redirects=False) as r:
        assert r.status == 302
        callback = r.headers["Location"]
    assert callback.startswith(f"{publisher.url}/oauth/x/callback?")
    async with http.get(callback) as r:
        page = await r.text()
        assert r.status == 200, page
    assert "जुड़ गया" in page and "x-state" in page
    assert fake_x.fake.auth.tokens.calls == {"authorize": 1, "authorization_code": 1}

    conn = await asyncpg.connect(publisher.dsn)
    try:
        row = await conn.fetchrow(
            "SELECT access_token, refresh_token, token_version, state FROM social_accounts"
            " WHERE account_id = 'x-state'"
        )
    finally:
        await conn.close()
    assert row is not None and row["token_version"] == 1 and row["state"] == "active"
    issued = set(fake_x.fake.auth.tokens.access)
    # Sealed at rest: no issued token appears in the stored bytes.
    assert not any(t.encode() in row["access_token"] for t in issued)

    async with http.get(callback) as r:  # the same state again: used once
        assert r.status == 400
        problem = await r.json(content_type=None)
    assert problem["code"] == "x_connect_expired"

    async with http.post(connect, headers=publisher.bearer("constable:DST-BIKANER")) as r:
        assert r.status == 403
    unknown = f"{publisher.url}/api/v1/social/accounts/x-nowhere/connect"
    async with http.post(
        unknown, headers={**publisher.bearer("police_pro:PHQ"), "Accept-Language": "hi"}
    ) as r:
        assert r.status == 404
        problem = await r.json(content_type=None)
    assert problem["code"] == "x_account_unknown" and problem["title"] == "X खाता नहीं मिला"
