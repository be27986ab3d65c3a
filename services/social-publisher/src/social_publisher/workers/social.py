"""Social publishing on the runtime: the accounts configured at start, the network clients, the
publish.requests consumer and the per-account queue (`app.py` adds them to the service's parts).
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from dataclasses import replace
from datetime import UTC, datetime

import aiohttp
import structlog
from nazar_contracts.publish import PublishMedia
from nazar_platform.kafka.consumer import IdempotentConsumer
from nazar_platform.runtime.context import Runtime

from social_publisher.adapters.facebook import FacebookClient
from social_publisher.adapters.instagram import InstagramClient
from social_publisher.adapters.social import SocialCallError, SocialClient
from social_publisher.adapters.tokens import TokenKeyError
from social_publisher.adapters.x import XClient
from social_publisher.domain.accounts import Account
from social_publisher.domain.posts import Post
from social_publisher.domain.social import (
    AccountAccess,
    Creative,
    ErrorKind,
    Network,
    SocialError,
)
from social_publisher.handlers.context import Context
from social_publisher.handlers.media import MediaStore
from social_publisher.handlers.tokens import AccountTokens
from social_publisher.settings import PublisherSettings
from social_publisher.workers.publish_requests import publish_requests_consumer
from social_publisher.workers.social_queue import Networks, SocialQueue

log = structlog.get_logger(__name__)


class Social:
    """Built at startup (it needs the runtime's pool); runs as the `social-queue` task."""

    def __init__(
        self,
        settings: PublisherSettings,
        media_store: Callable[[], MediaStore | None] = lambda: None,
        tokens: Callable[[], AccountTokens | None] = lambda: None,
    ) -> None:
        self.settings = settings
        # Built at startup too (app.Media, workers.tokens.TokenKeeper, which also configures the
        # accounts and seeds their tokens): read when the queue needs them.
        self.media_store = media_store
        self.tokens = tokens
        self.session: aiohttp.ClientSession | None = None
        self.ctx: Context | None = None
        self.queue: SocialQueue | None = None

    async def start(self, runtime: Runtime) -> None:
        s = self.settings
        self.ctx = ctx = Context.of(runtime.pool, s)
        self.session = aiohttp.ClientSession(
            timeout=aiohttp.ClientTimeout(total=s.http_timeout.total_seconds())
        )
        self.queue = SocialQueue(ctx, self.networks())
        log.info("social queue ready", accounts=sorted(self.queue.drivers))

    def networks(self) -> Networks:
        assert self.session is not None
        s = self.settings
        clients: dict[Network, SocialClient] = {
            Network.X: XClient(
                self.session,
                s.x_api_base_url,
                simple_upload_max=s.x_simple_upload_max,
                chunk_size=s.x_chunk_size,
                processing_max=s.x_media_processing_max,
            ),
            Network.FACEBOOK: FacebookClient(
                self.session,
                base_url=s.facebook_base_url,
                version=s.facebook_api_version,
                timeout=s.facebook_http_timeout,
                slow_from=s.facebook_slow_from_percent,
                max_gap=s.facebook_max_gap,
            ),
            Network.INSTAGRAM: InstagramClient.of(self.session, s),
        }
        # Every network's token through the one handler: X's refreshed ahead of expiry under the
        # account's lock, Facebook's and Instagram's long-lived ones decrypted for the call.
        return Networks(
            clients=clients,
            access=dict.fromkeys(Network, self.access),
            creatives=self.creatives,
            after_error=self.after_error,
        )

    async def access(self, account: Account) -> AccountAccess:
        tokens = self.tokens()
        if tokens is None:
            raise SocialCallError(
                SocialError(
                    ErrorKind.TRANSIENT,
                    account.network,
                    "no_token_key",
                    "The publisher has no token key (NAZAR_SOCIAL_TOKEN_KEY): no account posts.",
                )
            )
        try:
            return await tokens.access_for(account.account_id)
        except TokenKeyError:
            raise SocialCallError(
                SocialError(
                    ErrorKind.ACCOUNT,
                    account.network,
                    "token_key",
                    f"{account.name}'s stored token does not open with the current key: connect"
                    " the account again.",
                )
            ) from None

    async def after_error(
        self, account: Account, access: AccountAccess, error: SocialError
    ) -> SocialError:
        """X answers 401 to an access token it stopped accepting before its expiry (revoked
        early, or replaced): get a new one once, under the account's lock, before stopping the
        account. A 401 is refused before anything is posted, so the post is simply tried again."""
        tokens = self.tokens()
        if (
            tokens is None
            or account.network is not Network.X
            or error.kind is not ErrorKind.ACCOUNT
            or error.code != "401"
        ):
            return error
        try:
            fresh = await tokens.refresh(
                account.account_id, seen_version=account.token_version, force=True
            )
        except SocialCallError as exc:
            return exc.error  # the refresh was refused too: that stops the account
        if fresh.access_token == access.access_token:
            return error  # nothing new to try with
        log.info("x access token renewed after a 401", account_id=account.account_id)
        return replace(
            error,
            kind=ErrorKind.TRANSIENT,
            code="401_renewed",
            reason="X no longer accepted the access token; a new one was fetched and the post "
            "is tried again.",
        )

    async def creatives(self, post: Post) -> tuple[Creative, ...]:
        """The post's creatives through the media store (fetched, checked, kept)."""
        if not post.media:
            return ()
        store = self.media_store()
        if store is None:
            raise SocialCallError(
                SocialError(
                    ErrorKind.TRANSIENT,
                    Network(post.network),
                    "media_store",
                    "The publisher's media store is not running; the post waits for it.",
                )
            )
        media = [
            PublishMedia(
                sha256=m.sha256,
                size=m.size,
                media_type=m.media_type,
                url=m.url,
                url_expires_at=m.url_expires_at,
                alt_text=m.alt_text,
            )
            for m in post.media
        ]
        return await store.creatives_for(
            post.post_id, Network(post.network), media, datetime.now(UTC)
        )

    def network_remaining(self, account_id: str) -> int | None:
        return None if self.queue is None else self.queue.network_remaining(account_id)

    def consumers(self, runtime: Runtime) -> list[IdempotentConsumer]:
        assert self.ctx is not None and self.queue is not None
        return [publish_requests_consumer(self.ctx, self.queue.wake)]

    async def run(self, runtime: Runtime, stop: asyncio.Event) -> None:
        assert self.queue is not None and self.session is not None
        try:
            await self.queue.run(stop)
        finally:
            await self.session.close()
