"""The publisher on the platform runtime (`nazar_platform.service`): its parts and its HTTP app.

`parts(settings)` wires the sender: at startup the provider clients, the channel gates, the quota,
the recorder, the sender and its leases on sender numbers are built on the runtime's pool; the
delivery consumers (flash and routine) and the sign-in codes' consumer feed the sender; the
recovery loops bring back retries and orphans (and the work other instances handed over); the
quota is synced with the other instances' through the database. They all run on the platform's
supervisor, which stops them in order: the WORK stage (consumers, sender, leases, recovery; the
sender lets its calls in flight finish, a released number's queue goes back to the database),
then RECORD (the recorder writes their answers), then PUBLISH (the outbox publisher sends what
they wrote).
"""

from __future__ import annotations

import asyncio

import aiohttp
import structlog
from fastapi import FastAPI
from nazar_platform.db import migrations
from nazar_platform.kafka.consumer import IdempotentConsumer
from nazar_platform.runtime.context import Runtime
from nazar_platform.runtime.supervisor import Stage
from nazar_platform.service import ServiceParts, Task, create_app

from social_publisher import __version__, metrics
from social_publisher.adapters.media_fetch import MediaFetcher
from social_publisher.adapters.sms import SmsGatewayClient
from social_publisher.adapters.whatsapp import WhatsAppClient
from social_publisher.api import channels, media, problems, social, webhooks, x_oauth
from social_publisher.domain.channels import ChannelsReport
from social_publisher.domain.pacing import Quota
from social_publisher.handlers.context import Context
from social_publisher.handlers.deliveries import quota_members
from social_publisher.handlers.media import MediaStore
from social_publisher.settings import PublisherSettings
from social_publisher.workers import media_retention, recovery
from social_publisher.workers import quota as quota_sync
from social_publisher.workers.deliveries import (
    codes_consumer,
    contacts_consumer,
    deliveries_consumer,
)
from social_publisher.workers.gates import Gate
from social_publisher.workers.leases import Leases
from social_publisher.workers.recorder import Recorder
from social_publisher.workers.sender import Sender
from social_publisher.workers.social import Social
from social_publisher.workers.tokens import TokenKeeper

log = structlog.get_logger(__name__)

# The recorder's backlog above which no more deliveries are fetched (the database is behind).
RECORDER_BACKLOG_MAX = 20_000
# How long the sender's last calls may take at shutdown, and the recorder to write their answers.
DRAIN_SECONDS = 10.0


class Sending:
    """The sender and what it needs, built at startup (they need the runtime's pool)."""

    def __init__(self, settings: PublisherSettings) -> None:
        self.settings = settings
        self.session: aiohttp.ClientSession | None = None
        self.ctx: Context | None = None
        self.sender: Sender | None = None
        self.recorder: Recorder | None = None
        self.leases: Leases | None = None
        self.quota: Quota | None = None
        self.deliveries: dict[str, IdempotentConsumer] = {}
        self.codes: IdempotentConsumer | None = None

    async def start(self, runtime: Runtime) -> None:
        s = self.settings
        connector = aiohttp.TCPConnector(
            limit=s.max_in_flight, keepalive_timeout=30, ttl_dns_cache=300
        )
        self.session = session = aiohttp.ClientSession(
            connector=connector,
            timeout=aiohttp.ClientTimeout(total=s.http_timeout.total_seconds()),
        )
        self.ctx = ctx = Context.of(runtime.pool, s)
        self.recorder = recorder = Recorder(ctx)
        self.quota = quota = Quota(limit=s.whatsapp_portfolio_limit, warn_ratio=s.quota_warn_ratio)
        for member, at in await quota_members(ctx):
            quota.record(member, at.timestamp(), counted=True)
        metrics.QUOTA_LIMIT.set(s.whatsapp_portfolio_limit)
        gates = {
            c: Gate(
                c,
                threshold=s.outage_threshold,
                probe_max=s.outage_probe_max.total_seconds(),
                pause_probe=s.token_probe_interval.total_seconds(),
            )
            for c in ("whatsapp", "sms")
        }
        whatsapp = WhatsAppClient(
            session,
            s.whatsapp_base_url,
            s.whatsapp_api_version,
            s.whatsapp_token.get_secret_value(),
        )
        sms = SmsGatewayClient(
            session, s.sms_base_url, s.sms_api_key.get_secret_value(), s.sms_entity_id, s.sms_sender
        )
        # Each sender number (and the SMS lane) is paced by the one instance holding its lease.
        self.leases = leases = Leases(
            s.database_url.get_secret_value(),
            [*s.whatsapp_phone_number_ids, "sms"],
            retry=s.lease_retry.total_seconds(),
            ping=s.lease_ping.total_seconds(),
            ping_timeout=s.lease_ping_timeout.total_seconds(),
        )
        self.sender = sender = Sender(
            s,
            whatsapp=whatsapp,
            sms=sms,
            recorder=recorder,
            gates=gates,
            quota=quota,
            owns=leases.owns,
        )
        leases.on_gain = sender.pacers.take
        leases.on_loss = sender.pacers.release

        def may_fetch() -> bool:
            # The recorder's backlog bounds memory if the database falls behind.
            return gates["whatsapp"].is_open and recorder.backlog < RECORDER_BACKLOG_MAX

        flash = deliveries_consumer(
            ctx, sender, topic=s.topic_deliveries_flash, priority="flash", may_fetch=may_fetch
        )
        routine = deliveries_consumer(
            ctx,
            sender,
            topic=s.topic_deliveries,
            priority="routine",
            may_fetch=lambda: may_fetch() and not flash.waiting,
        )
        self.deliveries = {"flash": flash, "routine": routine}
        # Sign-in codes: their own consumer, into the pacer's first lane.
        self.codes = codes_consumer(ctx, sender, s.code_sealer())
        sender.pacers.flash_upstream = lambda: flash.waiting
        log.info("social-publisher ready", senders=len(s.whatsapp_phone_number_ids))

    def consumers(self, runtime: Runtime) -> list[IdempotentConsumer]:
        codes = [self.codes] if self.codes is not None else []
        return [
            *self.deliveries.values(),
            *codes,
            contacts_consumer(self.settings, runtime.pool),
        ]

    async def send(self, runtime: Runtime, stop: asyncio.Event) -> None:
        assert self.sender is not None and self.session is not None
        try:
            await self.sender.run(stop)
        finally:
            # The calls in flight finish, so that the recorder (next stage) writes their answers.
            await self.sender.drain(DRAIN_SECONDS)
            await self.session.close()

    async def hold_leases(self, runtime: Runtime, stop: asyncio.Event) -> None:
        assert self.leases is not None
        await self.leases.run(stop)

    async def sync_quota(self, runtime: Runtime, stop: asyncio.Event) -> None:
        assert self.ctx is not None and self.quota is not None
        await quota_sync.run(self.ctx, self.quota, stop)

    async def record(self, runtime: Runtime, stop: asyncio.Event) -> None:
        assert self.recorder is not None
        await self.recorder.run(stop)

    async def poll_retries(self, runtime: Runtime, stop: asyncio.Event) -> None:
        assert self.ctx is not None and self.sender is not None
        await recovery.poll_retries(self.ctx, self.sender, stop)

    async def sweep_orphans(self, runtime: Runtime, stop: asyncio.Event) -> None:
        assert self.ctx is not None and self.sender is not None
        await recovery.sweep_orphans(self.ctx, self.sender, stop)

    def report(self) -> ChannelsReport:
        assert self.sender is not None
        return self.sender.report({p: c.lag for p, c in self.deliveries.items()})


class Media:
    """The media store (creatives fetched from story-intake, kept, served at `/media/{sha256}`)
    and its retention sweep; the store is built at startup, on the runtime's pool."""

    def __init__(self, settings: PublisherSettings) -> None:
        self.settings = settings
        self.session: aiohttp.ClientSession | None = None
        self.store: MediaStore | None = None

    async def start(self, runtime: Runtime) -> None:
        s = self.settings
        self.session = aiohttp.ClientSession()
        fetcher = MediaFetcher(
            self.session, s.media_fetch_timeout.total_seconds(), s.media_fetch_max_bytes
        )
        self.store = MediaStore.local(runtime.pool, s, fetcher)

    async def retain(self, runtime: Runtime, stop: asyncio.Event) -> None:
        assert self.store is not None and self.session is not None
        try:
            await media_retention.run(runtime, self.store.files, stop)
        finally:
            await self.session.close()


def parts(
    settings: PublisherSettings,
    sending: Sending | None = None,
    media_parts: Media | None = None,
    keeper: TokenKeeper | None = None,
    social_parts: Social | None = None,
) -> ServiceParts:
    sending = sending or Sending(settings)
    media_parts = media_parts or Media(settings)
    keeper = keeper or TokenKeeper(settings)
    social_parts = social_parts or Social(settings)
    # The queue reads creatives through the media store and tokens through the keeper.
    social_parts.media_store = lambda: media_parts.store
    social_parts.tokens = lambda: keeper.tokens
    return ServiceParts(
        settings,
        migrations=migrations.load("social-publisher", "social_publisher"),
        consumers=lambda rt: [*sending.consumers(rt), *social_parts.consumers(rt)],
        # The accounts (seeded by the keeper) and the media store before the queue.
        on_startup=[sending.start, media_parts.start, keeper.start, social_parts.start],
        background=[
            Task("x-tokens", keeper.refresh_ahead),
            Task("social-queue", social_parts.run),
            Task("sender-leases", sending.hold_leases),
            Task("sender", sending.send),
            Task("quota-sync", sending.sync_quota),
            Task("retries", sending.poll_retries),
            Task("orphans", sending.sweep_orphans),
            Task("media-retention", media_parts.retain),
            Task("recorder", sending.record, Stage.RECORD),
        ],
    )


def create(
    settings: PublisherSettings | None = None, social_parts: Social | None = None
) -> FastAPI:
    settings = settings or PublisherSettings()
    sending = Sending(settings)
    media_parts = Media(settings)
    keeper = TokenKeeper(settings)
    social_parts = social_parts or Social(settings)
    problems.register_codes()
    problems.register_x_codes()
    app = create_app(
        parts(settings, sending, media_parts, keeper, social_parts),
        title="Nazar social-publisher",
        version=__version__,
        description="WhatsApp and SMS to members; provider webhooks back as receipts and replies;"
        " posts to the official X, Facebook and Instagram accounts.",
        routers=[channels.router, social.router, x_oauth.router],
    )
    # Providers call these outside /api/v1 and authenticate with an HMAC signature of the body
    # (api.webhooks), not with our tokens.
    app.include_router(webhooks.router)
    # Instagram fetches creatives here, with our signed URL as the only credential.
    app.include_router(media.router)
    app.state.media = media_parts
    # X sends the browser back here; the one-use state is its only credential.
    app.include_router(x_oauth.callback_router)
    app.state.settings = settings
    app.state.channels_report = sending.report
    app.state.social = social_parts
    app.state.tokens = keeper  # .x_connect for the API; .tokens.access_for for the queue
    return app
