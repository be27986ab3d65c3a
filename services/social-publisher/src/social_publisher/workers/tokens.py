"""The accounts' tokens at runtime: seeded at start, refreshed ahead of expiry, and what the API
(connecting X accounts) and the publishing queue (`TokenKeeper.tokens.access_for`) use.

Several processes may run the refresh loop: `AccountTokens.refresh` takes the account's row lock,
and a process that finds the pair already renewed uses it, so an account is refreshed once.
Without a token key (NAZAR_SOCIAL_TOKEN_KEY) nothing here starts: no account can be used.
"""

from __future__ import annotations

import asyncio

import aiohttp
import structlog
from nazar_platform.runtime.context import Runtime
from nazar_platform.runtime.retry import TRANSIENT, sleep_or_stop

from social_publisher.adapters.tokens import TokenCipher
from social_publisher.adapters.x_oauth import XOAuth
from social_publisher.domain.social import Network
from social_publisher.handlers.tokens import AccountTokens, Refresher, seed_accounts
from social_publisher.handlers.x_connect import XConnect
from social_publisher.settings import PublisherSettings

log = structlog.get_logger(__name__)


class TokenKeeper:
    def __init__(self, settings: PublisherSettings) -> None:
        self.settings = settings
        self.tokens: AccountTokens | None = None
        self.x_connect: XConnect | None = None
        self._session: aiohttp.ClientSession | None = None

    async def start(self, runtime: Runtime) -> None:
        s = self.settings
        key = s.social_token_key.get_secret_value()
        if not key:
            log.warning("no NAZAR_SOCIAL_TOKEN_KEY: social accounts are not started")
            return
        cipher = TokenCipher(key)
        seeded = await seed_accounts(runtime.pool, s, cipher)
        refreshers: dict[Network, Refresher] = {}
        if s.x_client_id:
            self._session = aiohttp.ClientSession(
                timeout=aiohttp.ClientTimeout(total=s.http_timeout.total_seconds())
            )
            oauth = XOAuth(
                self._session,
                api_base_url=s.x_api_base_url,
                authorize_url=s.x_authorize_url,
                client_id=s.x_client_id,
                client_secret=s.x_client_secret.get_secret_value(),
                redirect_url=s.x_redirect_url,
                scopes=s.x_scopes,
            )
            refreshers[Network.X] = oauth
            self.x_connect = XConnect(
                runtime.pool,
                cipher,
                oauth,
                state_ttl=s.x_oauth_state_ttl,
                results_topic=s.topic_publish_results,
            )
        self.tokens = AccountTokens(
            runtime.pool,
            cipher,
            refreshers,
            margin=s.x_refresh_margin,
            results_topic=s.topic_publish_results,
        )
        log.info("social accounts ready", configured=len(s.social_accounts), seeded=seeded)

    async def refresh_ahead(self, runtime: Runtime, stop: asyncio.Event) -> None:
        if self.tokens is None:  # no token key: nothing to refresh, but a task ends only at stop
            await stop.wait()
            return
        try:
            while not stop.is_set():
                try:
                    await self.tokens.refresh_due()
                except TRANSIENT as exc:
                    log.warning("token refresh round failed", error=type(exc).__name__)
                if await sleep_or_stop(stop, self.settings.x_refresh_interval.total_seconds()):
                    return
        finally:
            if self._session is not None:
                await self._session.close()
