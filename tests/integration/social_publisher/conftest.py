"""Fixtures of the publisher's integration tests: one database, media folder and set of servers
per test (`w`, all in process: cheap), and the fake X served over 127.0.0.1 with an `XClient`
against it (`fake_x`)."""

from __future__ import annotations

import socket
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path

import aiohttp
import pytest
from aiohttp import web
from nazar_fakes.x import FakeX, x_app
from social_publisher.adapters.x import XClient
from social_publisher.domain.social import AccountAccess, Network

from tests.integration.social_publisher.support import World, world

USER_ID = "1500000000000000001"
HANDLE = "PoliceRajasthan"
CLIENT_ID = "test-x-client"
CLIENT_SECRET = "test-x-client-secret"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@dataclass
class RunningFakeX:
    fake: FakeX
    url: str
    http: aiohttp.ClientSession

    async def grant(self, user_id: str = USER_ID, expires_in: int = 7200) -> dict[str, str]:
        async with self.http.post(
            f"{self.url}/_fake/grant", json={"user_id": user_id, "expires_in": expires_in}
        ) as resp:
            body: dict[str, str] = await resp.json()
            return body

    async def access(self, account_id: str = "x-state") -> AccountAccess:
        pair = await self.grant()
        return AccountAccess(account_id, Network.X, USER_ID, HANDLE, pair["access_token"])


@pytest.fixture
async def fake_x() -> AsyncIterator[RunningFakeX]:
    fake = FakeX(CLIENT_ID, CLIENT_SECRET, check_after_secs=0.05)
    runner = web.AppRunner(x_app(fake), handle_signals=False)
    await runner.setup()
    port = free_port()
    site = web.TCPSite(runner, "127.0.0.1", port)
    await site.start()
    http = aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=5))
    try:
        yield RunningFakeX(fake, f"http://127.0.0.1:{port}", http)
    finally:
        await http.close()
        await runner.cleanup()


@pytest.fixture
async def x_client(fake_x: RunningFakeX) -> AsyncIterator[XClient]:
    # A short timeout, so that "sleep past the client's timeout" is quick.
    session = aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=1.5))
    try:
        yield XClient(
            session, fake_x.url, chunk_size=1024 * 1024, simple_upload_max=5 * 1024 * 1024
        )
    finally:
        await session.close()


@pytest.fixture
async def w(
    fresh_database: str, tmp_path: Path, request: pytest.FixtureRequest
) -> AsyncIterator[World]:
    config = getattr(request, "param", {})
    async with world(fresh_database, tmp_path / "media", **config) as running:
        yield running
