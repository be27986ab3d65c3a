"""The whole directive service (HTTP, fan-out, consumers) on an ephemeral port for API tests,
with real tokens signed by a key made for the test."""

from __future__ import annotations

import contextlib
import tempfile
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path

import asyncpg
import httpx
from directive.app import create
from directive.settings import DirectiveSettings
from nazar_contracts.vocabulary import Role
from nazar_platform.auth.keys import ensure_dev_keypair
from nazar_platform.auth.tokens import AuthSettings, Grant, TokenVerifier, mint

from tests.conftest import DatabaseFactory, TopicFactory
from tests.integration.directive import roster as roster_fixture
from tests.integration.directive.support import Topics, make_topics, publish_roster, settings_for
from tests.integration.platform.http.server import serve
from tests.integration.platform.support import wait_for


@dataclass
class Api:
    base_url: str
    settings: DirectiveSettings
    roster: roster_fixture.Roster
    topics: Topics
    pool: asyncpg.Pool
    bootstrap: str
    _auth: AuthSettings
    _key_path: Path

    def token(self, member: str, *grants: str, language: str | None = None) -> dict[str, str]:
        """Headers of `member` holding `grants` ("sp:DST-BIKANER")."""
        token = mint(
            member,
            [Grant.parse(g) for g in grants],
            private_key=ensure_dev_keypair(self._key_path),
            issuer=self._auth.issuer,
            audience=self._auth.audience,
            ttl=timedelta(hours=1),
            kid=self._auth.dev_kid,
            language=language,
        )
        return {"Authorization": f"Bearer {token}"}

    def as_(self, role: str, unit: str) -> dict[str, str]:
        """Headers of the roster's member holding `role` at `unit`."""
        return self.token(self.roster.one(role, unit), f"{role}:{unit}")

    def client(self) -> httpx.AsyncClient:
        return httpx.AsyncClient(base_url=self.base_url, timeout=30)


def field_member(api: Api, station: str) -> str:
    return api.roster.by_role[(str(Role.CONSTABLE), station)][0]


@contextlib.asynccontextmanager
async def running_service(
    databases: DatabaseFactory,
    kafka_bootstrap: str,
    *,
    signing_key: Path | None = None,
    scheduler: bool = False,
    **overrides: object,
) -> AsyncIterator[Api]:
    """The service with the test roster consumed. `signing_key`: sign and verify with this key
    (the dev sign-in signs with the environment's, so a browser test passes that one); the
    scheduler runs only when asked (most tests call `tick` with their own clock)."""
    factory = TopicFactory(kafka_bootstrap)
    topics = await make_topics(factory)
    dsn = await databases.create("directive_api")
    tmp = Path(tempfile.mkdtemp(prefix="directive-api-"))
    values: dict[str, object] = {
        "database_pool_min": 1,
        "database_pool_max": 8,
        "reach_stream_interval": "PT0.2S",
        "http_max_body_bytes": 2 * 1024 * 1024,
        "attachment_max_bytes": 1024 * 1024,
        **overrides,
    }
    # Alerts of its own: the e2e system's alerts are on the stack's alert.events.v1, and a
    # service reading that topic would show them on this test's board.
    for setting, name in (
        ("topic_alert_events", "alert-events"),
        ("topic_alert_cases", "alert-cases"),
    ):
        if setting not in values:
            values[setting] = await factory(name, partitions=3)
    settings = settings_for(dsn, kafka_bootstrap, topics, tmp, **values)
    key_path = signing_key or tmp / "signing-key.pem"
    auth = AuthSettings(dev_private_key_path=key_path)
    roster = roster_fixture.build()
    app = create(settings, verifier=TokenVerifier(auth), scheduler=scheduler)
    try:
        async with serve(app) as base_url:
            pool: asyncpg.Pool = app.state.runtime.pool
            await publish_roster(kafka_bootstrap, topics, roster)

            async def consumed() -> bool:
                n = await pool.fetchval("SELECT count(*) FROM members")
                g = await pool.fetchval("SELECT count(*) FROM groups")
                return bool(n == len(roster.members) and g == len(roster.groups))

            await wait_for(consumed, within=60)
            yield Api(base_url, settings, roster, topics, pool, kafka_bootstrap, auth, key_path)
    finally:
        await factory.delete_all()
        await databases.drop(dsn)
