"""The sender: the provider calls, each as its own task, and what their answers change.

Jobs arrive from the delivery consumers (new intents), the retry poller (due retries) and the
orphan sweep (unanswered intents) into the pacers (`workers.pacer`), which start them under each
number's cap, flash first. A call's answer goes to the recorder; an error also changes the
sending (a slower number, a held member, a closed channel: `domain.outcomes`). At shutdown the
calls in flight finish, so that the recorder writes their answers.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from datetime import UTC, datetime

import structlog

from social_publisher import metrics
from social_publisher.adapters.errors import ProviderCallError
from social_publisher.adapters.sms import SmsGatewayClient
from social_publisher.adapters.whatsapp import WhatsAppClient
from social_publisher.domain.channels import ChannelReport, ChannelsReport, SenderRate
from social_publisher.domain.codes import CODE_PRIORITY, callback_of
from social_publisher.domain.compose import Job
from social_publisher.domain.outcomes import ProviderError, Reaction, react
from social_publisher.domain.pacing import Quota
from social_publisher.handlers.attempts import Outcome
from social_publisher.settings import PublisherSettings
from social_publisher.workers.gates import PAUSE_REASONS, Gate
from social_publisher.workers.pacer import Pacers, Slots
from social_publisher.workers.recorder import Recorder

log = structlog.get_logger(__name__)

# A sign-in code is tried this many times when the provider asks us to slow down or retry; then
# it fails for good (the member asks for another).
CODE_ATTEMPTS = 3


class Sender:
    def __init__(
        self,
        settings: PublisherSettings,
        *,
        whatsapp: WhatsAppClient,
        sms: SmsGatewayClient,
        recorder: Recorder,
        gates: dict[str, Gate],
        quota: Quota,
        owns: Callable[[str], bool] | None = None,
    ) -> None:
        self.settings = settings
        self._whatsapp = whatsapp
        self._sms = sms
        self._recorder = recorder
        self.gates = gates
        self.quota = quota
        self._slots = Slots(settings.max_in_flight)
        self.pacers = Pacers(
            settings,
            gates=gates,
            quota=quota,
            slots=self._slots,
            defer=self._defer,
            owns=owns,
        )
        self.inflight: dict[str, Job] = {}
        self._tasks: set[asyncio.Task[None]] = set()
        self.sent = 0

    # --- intake -----------------------------------------------------------------------------

    def enqueue(self, jobs: list[Job]) -> None:
        self.pacers.enqueue(jobs)

    def owned(self) -> list[str]:
        """The sender numbers (and "sms") whose lease this instance holds."""
        return [s for s in self.pacers.limiters if self.pacers.leased(s)]

    def queued(self, priority: str | None = None) -> int:
        return self.pacers.queued(priority)

    def held_ids(self) -> list[str]:
        """Deliveries this process holds (queued or in flight): never orphans."""
        return [*self.inflight, *self.pacers.queued_ids()]

    def report(self, queue_depth: dict[str, int]) -> ChannelsReport:
        """What `/api/v1/channels` shows: gates, rates, queues and quota, now."""
        now, epoch = time.monotonic(), time.time()
        channels = []
        for channel, gate in self.gates.items():
            senders = ["sms"] if channel == "sms" else self.settings.whatsapp_phone_number_ids
            rates = [
                SenderRate(
                    sender=s,
                    cap=self.pacers.limiters[s].cap,
                    limit=round(self.pacers.limiters[s].limit, 1),
                    sent_last_window=self.pacers.limiters[s].in_window(now),
                )
                for s in senders
            ]
            channels.append(ChannelReport(channel, gate.state, gate.reason, rates))
        return ChannelsReport(
            channels=channels,
            queue_depth=queue_depth,
            in_memory={
                CODE_PRIORITY: self.queued(CODE_PRIORITY),
                "flash": self.queued("flash"),
                "routine": self.queued("routine"),
            },
            quota_limit=self.quota.limit,
            quota_used=self.quota.used(epoch),
            quota_warning=self.quota.warning(epoch),
        )

    # --- sending ------------------------------------------------------------------------------

    async def run(self, stop: asyncio.Event) -> None:
        await self.pacers.run(self._start, stop)

    async def drain(self, within: float) -> None:
        """Wait for calls in flight (at shutdown), so their answers are recorded."""
        if self._tasks:
            await asyncio.wait(list(self._tasks), timeout=within)

    def _defer(self, job: Job, now: datetime, until: datetime) -> None:
        if job.priority == CODE_PRIORITY:  # never handed back: only a closed channel defers one
            metrics.CODES.labels(job.channel, "channel_down").inc()
        self._recorder.put(Outcome(job, now, defer_until=until))

    def _start(self, job: Job) -> None:
        self._slots.take()
        self.inflight[job.delivery_id] = job
        task = asyncio.create_task(self._send(job))
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def _send(self, job: Job) -> None:
        gate = self.gates[job.channel]
        try:
            if job.channel == "whatsapp":
                assert job.message is not None
                pmid = await self._whatsapp.send(job.sender, job.message)
            else:
                assert job.sms_text is not None and job.sms_template_id is not None
                pmid = await self._sms.send(
                    to=job.address,
                    text=job.sms_text,
                    template_id=job.sms_template_id,
                    ref=callback_of(job.delivery_id)
                    if job.priority == CODE_PRIORITY
                    else job.delivery_id,
                )
        except ProviderCallError as exc:
            self._on_error(job, gate, exc.error)
        except Exception as exc:  # a bug must not lose the delivery: it stays unanswered
            log.exception("send crashed", delivery_id=job.delivery_id, error=repr(exc))
            if job.probe:
                gate.probing = False
        else:
            gate.success()
            self.sent += 1
            metrics.SENDS.labels(job.channel, job.priority).inc()
            if job.priority == CODE_PRIORITY:
                metrics.CODES.labels(job.channel, "sent").inc()
            self._recorder.put(Outcome(job, datetime.now(UTC), provider_message_id=pmid))
        finally:
            self.inflight.pop(job.delivery_id, None)
            self._slots.give()

    def _on_error(self, job: Job, gate: Gate, error: ProviderError) -> None:
        reaction = react(error)
        metrics.FAILURES.labels(job.channel, error.code_text, str(reaction)).inc()
        now = time.monotonic()
        if reaction is Reaction.SLOW_SENDER:
            metrics.THROTTLED.labels(job.sender).inc()
            if self.pacers.slow_down(job.sender, now):
                log.warning(
                    "throughput error: slowing the sender",
                    sender=job.sender,
                    limit=self.pacers.limiters[job.sender].limit,
                )
        elif reaction is Reaction.DELAY_RECIPIENT:
            self.pacers.hold(job.member_id, now)
        elif reaction is Reaction.PAUSE_CHANNEL:
            gate.pause(PAUSE_REASONS.get(job.channel, "credentials"))
        elif reaction is Reaction.CHANNEL_DOWN:
            gate.down(error.code_text)
        elif job.probe:
            gate.success()  # any real answer means the provider is reachable again
        if job.priority == CODE_PRIORITY:
            self._code_error(job, reaction, error)
            return
        if reaction is Reaction.UNKNOWN:
            log.warning(
                "no answer after the request left; waiting for a webhook",
                delivery_id=job.delivery_id,
                error=error.title,
            )
            return
        self._recorder.put(Outcome(job, datetime.now(UTC), error=error))

    def _code_error(self, job: Job, reaction: Reaction, error: ProviderError) -> None:
        """A code is retried at once (first in its lane) after a throughput or transient error,
        a few times; a WhatsApp code WhatsApp will not take goes by SMS when the member has it;
        otherwise it failed, or (no answer) it may have gone."""
        if reaction in (Reaction.SLOW_SENDER, Reaction.RETRY) and job.attempts < CODE_ATTEMPTS:
            job.attempts += 1
            self.pacers.queues[job.sender].codes.appendleft(job)
            self.pacers.queues[job.sender].ready.set()
            return
        # WhatsApp refused it or is down (not "maybe sent": never two codes): its OTP SMS.
        if reaction is not Reaction.UNKNOWN and self.pacers.code_to_sms(job):
            return
        outcome = "unknown" if reaction is Reaction.UNKNOWN else "failed"
        metrics.CODES.labels(job.channel, outcome).inc()
        self._recorder.put(Outcome(job, datetime.now(UTC), error=error))
