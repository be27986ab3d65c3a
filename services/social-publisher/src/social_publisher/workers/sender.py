"""The sender: per sender number, flash before routine, paced under the cap, then the call.

Jobs arrive from the delivery consumers (new intents), the retry poller (due retries) and the
orphan sweep (unanswered intents). One pacer per sender number hands them to the provider: every
tick it sends as many as the sliding window allows (flash first; no routine job starts while
flash work is waiting anywhere: queued here or still in Kafka), each as its own task, at most
`max_in_flight` at a time. The slot is taken before the window is consulted, so the time the
window records is the time the request leaves.
"""

from __future__ import annotations

import asyncio
import contextlib
import math
import time
from collections import deque
from collections.abc import Callable
from datetime import UTC, datetime, timedelta

import structlog

from social_publisher import metrics
from social_publisher.adapters.errors import ProviderCallError
from social_publisher.adapters.sms import SmsGatewayClient
from social_publisher.adapters.whatsapp import WhatsAppClient
from social_publisher.domain.channels import ChannelReport, ChannelsReport, SenderRate
from social_publisher.domain.compose import Job
from social_publisher.domain.outcomes import ProviderError, Reaction, react
from social_publisher.domain.pacing import Quota, SlidingWindow
from social_publisher.handlers.attempts import Outcome
from social_publisher.settings import PublisherSettings
from social_publisher.workers.gates import Gate
from social_publisher.workers.recorder import Recorder

log = structlog.get_logger(__name__)

TICK = 0.004


class SenderQueue:
    def __init__(self) -> None:
        self.flash: deque[Job] = deque()
        self.routine: deque[Job] = deque()
        self.ready = asyncio.Event()

    def put(self, job: Job) -> None:
        (self.flash if job.priority == "flash" else self.routine).append(job)
        self.ready.set()

    def pop(self, flash_waiting: bool) -> Job | None:
        if self.flash:
            return self.flash.popleft()
        if self.routine and not flash_waiting:
            return self.routine.popleft()
        return None

    def __len__(self) -> int:
        return len(self.flash) + len(self.routine)


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
    ) -> None:
        self.settings = settings
        self._whatsapp = whatsapp
        self._sms = sms
        self._recorder = recorder
        self.gates = gates
        self.quota = quota
        self._margin = settings.whatsapp_window_margin.total_seconds()
        window = 1.0 + self._margin
        self.limiters: dict[str, SlidingWindow] = {
            sender: SlidingWindow(settings.whatsapp_mps_cap, window)
            for sender in settings.whatsapp_phone_number_ids
        }
        self.limiters["sms"] = SlidingWindow(settings.sms_mps_cap, window)
        self.queues: dict[str, SenderQueue] = {s: SenderQueue() for s in self.limiters}
        self.inflight: dict[str, Job] = {}
        self._free = settings.max_in_flight
        self._slot_freed = asyncio.Event()
        self._holds: dict[str, float] = {}  # member -> monotonic time before which we wait
        self._tasks: set[asyncio.Task[None]] = set()
        self.flash_upstream: Callable[[], bool] = lambda: False
        self._quota_warned = False
        self._lateness = 0.0
        self._learned = 0.0  # window margin learned from throughput errors (seconds)
        self._learned_at = 0.0
        self.sent = 0

    # --- intake -----------------------------------------------------------------------------

    def enqueue(self, jobs: list[Job]) -> None:
        for job in jobs:
            if job.probe:
                # A probe reopens a closed channel: it goes first, whatever its priority, or
                # routine probe could wait forever behind flash work paused in Kafka.
                self.queues[job.sender].flash.appendleft(job)
                self.queues[job.sender].ready.set()
            else:
                self.queues[job.sender].put(job)

    def queued(self, priority: str | None = None) -> int:
        if priority is None:
            return sum(len(q) for q in self.queues.values())
        return sum(len(q.flash if priority == "flash" else q.routine) for q in self.queues.values())

    def held_ids(self) -> list[str]:
        """Deliveries this process holds (queued or in flight): never orphans."""
        held = list(self.inflight)
        for q in self.queues.values():
            held += [j.delivery_id for j in q.flash]
            held += [j.delivery_id for j in q.routine]
        return held

    def flash_waiting(self) -> bool:
        return self.flash_upstream() or any(q.flash for q in self.queues.values())

    def report(self, queue_depth: dict[str, int]) -> ChannelsReport:
        """What `/api/v1/channels` shows: gates, rates, queues and quota, now."""
        now, epoch = time.monotonic(), time.time()
        channels = []
        for channel, gate in self.gates.items():
            senders = ["sms"] if channel == "sms" else self.settings.whatsapp_phone_number_ids
            rates = [
                SenderRate(
                    sender=s,
                    cap=self.limiters[s].cap,
                    limit=round(self.limiters[s].limit, 1),
                    sent_last_window=self.limiters[s].in_window(now),
                )
                for s in senders
            ]
            channels.append(ChannelReport(channel, gate.state, gate.reason, rates))
        return ChannelsReport(
            channels=channels,
            queue_depth=queue_depth,
            in_memory={"flash": self.queued("flash"), "routine": self.queued("routine")},
            quota_limit=self.quota.limit,
            quota_used=self.quota.used(epoch),
            quota_warning=self.quota.warning(epoch),
        )

    # --- pacing -------------------------------------------------------------------------------

    async def run(self, stop: asyncio.Event) -> None:
        pacers = [asyncio.create_task(self._pace(s, stop)) for s in self.queues]
        try:
            await stop.wait()
        finally:
            for p in pacers:
                p.cancel()
            await asyncio.gather(*pacers, return_exceptions=True)

    async def drain(self, within: float) -> None:
        """Wait for calls in flight (at shutdown), so their answers are recorded."""
        if self._tasks:
            await asyncio.wait(list(self._tasks), timeout=within)

    async def _pace(self, sender: str, stop: asyncio.Event) -> None:
        queue, limiter = self.queues[sender], self.limiters[sender]
        gate = self.gates["sms" if sender == "sms" else "whatsapp"]
        last = time.monotonic()
        tick = TICK
        while not stop.is_set():
            if not len(queue):
                queue.ready.clear()
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(queue.ready.wait(), 0.5)
                continue
            now = time.monotonic()
            tick = now - last
            limiter.recover(now, limiter.cap * 0.1, tick)
            last = now
            metrics.RATE_LIMIT.labels(sender).set(limiter.limit)
            room = limiter.available(now)
            if room == 0:
                await self._nap(min(max(limiter.wait(now), 0.001), 0.05), limiter)
                continue
            if self._free == 0:
                self._slot_freed.clear()
                await self._slot_freed.wait()
                continue
            # What the time since the last tick allows (ticks stretch on a busy machine), with
            # headroom; the window, not this, is what keeps the cap.
            budget = min(room, self._free, max(1, math.ceil(limiter.limit * max(tick, TICK) * 2)))
            flash_waiting = self.flash_waiting()
            for _ in range(budget):
                job = queue.pop(flash_waiting)
                if job is None:
                    break
                if not self._admissible(job, gate, now):
                    continue
                limiter.record(now)
                self._start(job)
            metrics.RATE_SENT.labels(sender).set(limiter.in_window(now))
            await self._nap(TICK, limiter)

    async def _nap(self, seconds: float, limiter: SlidingWindow) -> None:
        """Sleep, and widen the window by how late the event loop wakes us.

        A late wake-up means this process (and likely the provider's side of the measurement)
        is short of CPU: requests then leave and arrive in bursts, and the provider's one-second
        windows can catch more than ours did. The recent lateness, decaying with a 2 s
        half-life, widens the window beyond the configured and learned margin (at most 0.25 s):
        twice the lateness and a 5 s half-life cost 2-3% of the rate with no fewer 130429s
        (bench.sender).
        """
        before = time.monotonic()
        await asyncio.sleep(seconds)
        woke = time.monotonic()
        late = max(0.0, woke - before - seconds)
        self._lateness = max(late, self._lateness * 0.5 ** ((woke - before) / 2.0))
        base = self._margin + self._decayed_learned(woke)
        margin = max(base, min(0.25, self._lateness))
        limiter.window = 1.0 + margin

    def _decayed_learned(self, now: float) -> float:
        """The learned margin halves every 30 s without a throughput error."""
        return float(self._learned * 0.5 ** ((now - self._learned_at) / 30.0))

    def _admissible(self, job: Job, gate: Gate, now: float) -> bool:
        """False when the job goes back to the database instead (gate closed, held, no quota)."""
        ok = self._may_send(job, gate, now)
        if not ok and job.probe:
            gate.probing = False  # this probe did not go: let the next one
        return ok

    def _may_send(self, job: Job, gate: Gate, now: float) -> bool:
        wall = datetime.now(UTC)
        if not gate.is_open and not job.probe:
            self._recorder.put(Outcome(job, wall, defer_until=wall + timedelta(seconds=1)))
            return False
        hold = self._holds.get(job.member_id)
        if hold is not None:
            if hold > now:
                until = wall + timedelta(seconds=hold - now)
                self._recorder.put(Outcome(job, wall, defer_until=until))
                return False
            del self._holds[job.member_id]
        if job.channel == "whatsapp" and job.kind == "template":
            epoch = wall.timestamp()
            if not self.quota.allows(job.member_id, epoch):
                metrics.QUOTA_DEFERRED.inc()
                until = datetime.fromtimestamp(self.quota.frees_at(epoch), UTC)
                self._recorder.put(Outcome(job, wall, defer_until=until))
                return False
            self.quota.record(job.member_id, epoch)
            self._report_quota(epoch)
        return True

    def _report_quota(self, epoch: float) -> None:
        used = self.quota.used(epoch)
        metrics.QUOTA_USED.set(used)
        warning = self.quota.warning(epoch)
        if warning and not self._quota_warned:
            log.warning("messaging quota nearly used up", used=used, limit=self.quota.limit)
        self._quota_warned = warning
        metrics.QUOTA_WARNING.set(1 if warning else 0)

    def _start(self, job: Job) -> None:
        self._free -= 1
        self.inflight[job.delivery_id] = job
        task = asyncio.create_task(self._send(job))
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    # --- the call -------------------------------------------------------------------------------

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
                    ref=job.delivery_id,
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
            self._recorder.put(Outcome(job, datetime.now(UTC), provider_message_id=pmid))
        finally:
            self.inflight.pop(job.delivery_id, None)
            self._free += 1
            self._slot_freed.set()

    def _on_error(self, job: Job, gate: Gate, error: ProviderError) -> None:
        reaction = react(error)
        metrics.FAILURES.labels(job.channel, error.code_text, str(reaction)).inc()
        now = time.monotonic()
        if reaction is Reaction.SLOW_SENDER:
            metrics.THROTTLED.labels(job.sender).inc()
            if self.limiters[job.sender].slow_down(now, self.settings.whatsapp_throttle_factor):
                # The provider's windows caught more than ours: widen ours for a while.
                self._learned = min(0.1, self._decayed_learned(now) + 0.01)
                self._learned_at = now
                log.warning(
                    "throughput error: slowing the sender",
                    sender=job.sender,
                    limit=self.limiters[job.sender].limit,
                )
        elif reaction is Reaction.DELAY_RECIPIENT:
            self._holds[job.member_id] = now + self.settings.recipient_hold.total_seconds()
        elif reaction is Reaction.PAUSE_CHANNEL:
            gate.pause("token_expired" if job.channel == "whatsapp" else "credentials")
        elif reaction is Reaction.CHANNEL_DOWN:
            gate.down(error.code_text)
        elif job.probe:
            gate.success()  # any real answer means the provider is reachable again
        if reaction is Reaction.UNKNOWN:
            log.warning(
                "no answer after the request left; waiting for a webhook",
                delivery_id=job.delivery_id,
                error=error.title,
            )
            return
        self._recorder.put(Outcome(job, datetime.now(UTC), error=error))
