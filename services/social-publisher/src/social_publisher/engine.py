"""The publisher's own machinery, started on the platform runtime (`nazar_platform.service`).

`start` (a startup hook) builds the provider clients, the gates, the quota, the dispatcher and
the Kafka sources on the runtime's pool; `run` (a background task) runs them until the runtime
stops, then lets the calls in flight finish and records their answers before the outbox publisher
(stopped last by the platform) publishes what they wrote.
"""

from __future__ import annotations

import asyncio
import contextlib

import aiohttp
import structlog
from nazar_platform.runtime.context import Runtime

from social_publisher import handlers, metrics, recovery
from social_publisher.consumers import DeliverySource
from social_publisher.dispatcher import Dispatcher
from social_publisher.domain.outcomes import RetryPolicy
from social_publisher.domain.pacing import Quota
from social_publisher.gates import Gate
from social_publisher.handlers import Context
from social_publisher.providers.sms import SmsGatewayClient
from social_publisher.providers.whatsapp import WhatsAppClient
from social_publisher.recorder import Recorder
from social_publisher.settings import PublisherSettings

log = structlog.get_logger(__name__)


def policy_from(s: PublisherSettings) -> RetryPolicy:
    return RetryPolicy(
        base=s.retry_base,
        cap=s.retry_cap,
        max_attempts=s.retry_max_attempts,
        back_off_base=s.back_off_base,
        back_off_cap=max(s.back_off_base, 3600.0),
        recipient_hold=s.recipient_hold,
    )


class Engine:
    def __init__(self, settings: PublisherSettings) -> None:
        self.settings = settings
        self.session: aiohttp.ClientSession | None = None
        self.ctx: Context | None = None
        self.dispatcher: Dispatcher | None = None
        self.recorder: Recorder | None = None
        self.sources: dict[str, DeliverySource] = {}

    async def start(self, runtime: Runtime) -> None:
        s = self.settings
        connector = aiohttp.TCPConnector(
            limit=s.max_in_flight, keepalive_timeout=30, ttl_dns_cache=300
        )
        self.session = aiohttp.ClientSession(
            connector=connector, timeout=aiohttp.ClientTimeout(total=s.http_timeout)
        )
        self.ctx = ctx = Context(runtime.pool, s, policy_from(s))
        self.recorder = recorder = Recorder(ctx)
        quota = Quota(limit=s.whatsapp_portfolio_limit, warn_ratio=s.quota_warn_ratio)
        for member, at in await handlers.quota_members(ctx):
            quota.record(member, at.timestamp())
        metrics.QUOTA_LIMIT.set(s.whatsapp_portfolio_limit)
        gates = {
            c: Gate(
                c,
                threshold=s.outage_threshold,
                probe_max=s.outage_probe_max,
                pause_probe=s.token_probe_interval,
            )
            for c in ("whatsapp", "sms")
        }
        self.dispatcher = d = Dispatcher(
            s,
            whatsapp=WhatsAppClient(
                self.session,
                s.whatsapp_base_url,
                s.whatsapp_api_version,
                s.whatsapp_token.get_secret_value(),
            ),
            sms=SmsGatewayClient(
                self.session,
                s.sms_base_url,
                s.sms_api_key.get_secret_value(),
                s.sms_entity_id,
                s.sms_sender,
            ),
            recorder=recorder,
            gates=gates,
            quota=quota,
        )

        def may_fetch() -> bool:
            # The recorder's backlog bounds memory if the database falls behind.
            return gates["whatsapp"].is_open and recorder.backlog < 20_000

        flash = DeliverySource(ctx, d, topic=s.flash_topic, priority="flash", may_fetch=may_fetch)
        routine = DeliverySource(
            ctx,
            d,
            topic=s.deliveries_topic,
            priority="routine",
            may_fetch=lambda: may_fetch() and not flash.waiting,
        )
        self.sources = {"flash": flash, "routine": routine}
        d.flash_upstream = lambda: flash.waiting
        log.info("social-publisher ready", senders=len(s.whatsapp_phone_number_ids))

    async def run(self, runtime: Runtime, stop_all: asyncio.Event) -> None:
        assert self.ctx and self.dispatcher and self.recorder and self.session
        d, ctx = self.dispatcher, self.ctx
        # Our own stop: set when the runtime stops, or when one of our parts dies (the platform
        # then sees this background task fail, and /readyz reports it).
        stop, recorder_stop = asyncio.Event(), asyncio.Event()
        sending = [
            asyncio.create_task(d.run(stop), name="dispatcher"),
            *(asyncio.create_task(src.run(stop), name=n) for n, src in self.sources.items()),
            asyncio.create_task(recovery.poll_retries(ctx, d, stop), name="retries"),
            asyncio.create_task(recovery.sweep_orphans(ctx, d, stop), name="orphans"),
        ]
        recording = asyncio.create_task(self.recorder.run(recorder_stop), name="recorder")
        stopping = asyncio.create_task(stop_all.wait())
        try:
            done, _ = await asyncio.wait(
                [*sending, recording, stopping], return_when=asyncio.FIRST_COMPLETED
            )
            for task in done:
                if task is not stopping and not task.cancelled() and task.exception():
                    raise RuntimeError(f"{task.get_name()} died") from task.exception()
        finally:
            stop.set()
            stopping.cancel()
            await d.drain(10)
            await self.recorder.flush(10)
            recorder_stop.set()
            for task in [*sending, recording]:
                with contextlib.suppress(asyncio.CancelledError, Exception):
                    await asyncio.wait_for(task, 10)
            await self.session.close()
