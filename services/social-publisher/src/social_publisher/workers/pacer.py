"""The pacers: one per sender number, handing jobs to the sender as fast as the provider allows.

Every tick a pacer starts as many jobs as are due at the number's even pace (`Spacer`, at
`pace_share` of its limit) and its sliding window allows (flash first; no routine job starts
while flash work is waiting anywhere: queued here or still in Kafka), at most as many as the
sender has free call slots. The slot is taken before the window is consulted, so the time the
window records is the time the request leaves. A job that may not go now (its channel closed,
its member held after a pair-rate error, the portfolio's quota used up) goes back to the database
with a time to try again.

A number is paced only by the instance that owns it (`workers.leases`). A job for a number this
instance does not own goes back to the database the same way, due at once, with its number
(`intents.sender`): the owner's retry poller claims it. Sign-in codes are the exception (the code
is never stored): a non-owner sends them itself, under a window of its own as large as the
headroom the owner's pace leaves (`cap - floor(cap * pace_share)`, at least 1 per second).
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
from social_publisher.domain import codes
from social_publisher.domain.codes import CODE_PRIORITY
from social_publisher.domain.compose import Job
from social_publisher.domain.pacing import Quota, SlidingWindow, Spacer
from social_publisher.settings import PublisherSettings
from social_publisher.workers.gates import Gate

log = structlog.get_logger(__name__)

TICK = 0.004

# Where a job that may not go now is sent back: (job, now, not before).
Defer = Callable[[Job, datetime, datetime], None]


def _owns_all(_sender: str) -> bool:
    return True


class SenderQueue:
    """A number's waiting jobs in three lanes: sign-in codes, flash, routine. A code goes first,
    always: someone is looking at a sign-in page, and it is one message of the number's cap."""

    def __init__(self) -> None:
        self.codes: deque[Job] = deque()
        self.flash: deque[Job] = deque()
        self.routine: deque[Job] = deque()
        self.ready = asyncio.Event()

    def put(self, job: Job) -> None:
        self.lane(job.priority).append(job)
        self.ready.set()

    def lane(self, priority: str) -> deque[Job]:
        if priority == CODE_PRIORITY:
            return self.codes
        return self.flash if priority == "flash" else self.routine

    def pop(self, flash_waiting: bool) -> Job | None:
        if self.codes:
            return self.codes.popleft()
        if self.flash:
            return self.flash.popleft()
        if self.routine and not flash_waiting:
            return self.routine.popleft()
        return None

    def pop_code(self) -> Job | None:
        return self.codes.popleft() if self.codes else None

    def __len__(self) -> int:
        return len(self.codes) + len(self.flash) + len(self.routine)


class Slots:
    """The sender's calls in flight: at most `size` at a time."""

    def __init__(self, size: int) -> None:
        self.free = size
        self._freed = asyncio.Event()

    def take(self) -> None:
        self.free -= 1

    def give(self) -> None:
        self.free += 1
        self._freed.set()

    async def wait(self) -> None:
        self._freed.clear()
        await self._freed.wait()


class Pacers:
    """The queues, windows and pacing loops of every sender number (and of SMS)."""

    def __init__(
        self,
        settings: PublisherSettings,
        *,
        gates: dict[str, Gate],
        quota: Quota,
        slots: Slots,
        defer: Defer,
        owns: Callable[[str], bool] | None = None,
    ) -> None:
        self.settings = settings
        self.gates = gates
        self.quota = quota
        self._slots = slots
        self._defer = defer
        # Without leases (one instance, the unit tests) every number is this instance's.
        self._owns = owns or _owns_all
        self._margin = settings.whatsapp_window_margin.total_seconds()
        window = 1.0 + self._margin
        self.limiters: dict[str, SlidingWindow] = {
            sender: SlidingWindow(settings.whatsapp_mps_cap, window)
            for sender in settings.whatsapp_phone_number_ids
        }
        self.limiters["sms"] = SlidingWindow(settings.sms_mps_cap, window)
        self.queues: dict[str, SenderQueue] = {s: SenderQueue() for s in self.limiters}
        share = settings.pace_share
        # A catch-up after a late tick is at most the headroom the share leaves (pacing.Spacer).
        self.spacers = {
            s: Spacer(share * w.limit, slack=(1.0 - share) / share)
            for s, w in self.limiters.items()
        }
        # Sign-in codes of a number owned elsewhere, within the owner's headroom.
        self.guests = {
            s: SlidingWindow(max(1, w.cap - math.floor(w.cap * share)), window)
            for s, w in self.limiters.items()
        }
        self._ready_at: dict[str, float] = {}  # a new owner's first start (monotonic)
        for sender in self.limiters:
            metrics.HANDED_BACK.labels(sender)
        self._holds: dict[str, float] = {}  # member -> monotonic time before which we wait
        self.flash_upstream: Callable[[], bool] = lambda: False
        self._quota_warned = False
        self._lateness = 0.0
        self._learned = 0.0  # window margin learned from throughput errors (seconds)
        self._learned_at = 0.0

    def leased(self, sender: str) -> bool:
        """This instance holds the lease on `sender` (it may still wait to pace it)."""
        return self._owns(sender)

    def owns(self, sender: str, now: float | None = None) -> bool:
        """This instance paces `sender` now: it holds the lease, and a window has passed since
        it took it (the previous owner's last sends are in no window of ours)."""
        if not self._owns(sender):
            return False
        ready = self._ready_at.get(sender)
        return ready is None or (time.monotonic() if now is None else now) >= ready

    def take(self, sender: str) -> None:
        """The lease on `sender` was taken here: pace it after one window."""
        self._ready_at[sender] = time.monotonic() + self.limiters[sender].window
        self.queues[sender].ready.set()

    def release(self, sender: str) -> None:
        """The lease on `sender` is gone: its queued work goes back to the database, due now
        (codes stay: they are sent as a guest's)."""
        queue = self.queues[sender]
        jobs = [*queue.flash, *queue.routine]
        queue.flash.clear()
        queue.routine.clear()
        for job in jobs:
            self._hand_back(job)

    def _hand_back(self, job: Job) -> None:
        if job.probe:
            self.gates["sms" if job.sender == "sms" else "whatsapp"].probing = False
            job.probe = False
        wall = datetime.now(UTC)
        metrics.HANDED_BACK.labels(job.sender).inc()
        self._defer(job, wall, wall)

    def enqueue(self, jobs: list[Job]) -> None:
        for job in jobs:
            if job.priority != CODE_PRIORITY and not self.leased(job.sender):
                self._hand_back(job)
            elif job.probe:
                # A probe reopens a closed channel: it goes first, whatever its priority, or
                # routine probe could wait forever behind flash work paused in Kafka.
                self.queues[job.sender].flash.appendleft(job)
                self.queues[job.sender].ready.set()
            else:
                self.queues[job.sender].put(job)

    def queued(self, priority: str | None = None) -> int:
        if priority is None:
            return sum(len(q) for q in self.queues.values())
        return sum(len(q.lane(priority)) for q in self.queues.values())

    def queued_ids(self) -> list[str]:
        held = []
        for q in self.queues.values():
            held += [j.delivery_id for j in q.codes]
            held += [j.delivery_id for j in q.flash]
            held += [j.delivery_id for j in q.routine]
        return held

    def flash_waiting(self) -> bool:
        return self.flash_upstream() or any(q.flash for q in self.queues.values())

    def slow_down(self, sender: str, now: float) -> bool:
        """After a throughput error: lower the number's limit (True when it was lowered)."""
        if not self.limiters[sender].slow_down(now, self.settings.whatsapp_throttle_factor):
            return False
        # The provider's windows caught more than ours: widen ours for a while.
        self._learned = min(0.1, self._decayed_learned(now) + 0.01)
        self._learned_at = now
        return True

    def code_to_sms(self, job: Job) -> bool:
        """A WhatsApp code goes first in the SMS lane instead, when the member has SMS and that
        channel is open: sign-in keeps working through a WhatsApp outage."""
        if not self.gates["sms"].is_open or not codes.to_sms(job):
            return False
        self.queues["sms"].codes.appendleft(job)
        self.queues["sms"].ready.set()
        metrics.CODES.labels("whatsapp", "fallback_sms").inc()
        return True

    def hold(self, member_id: str, now: float) -> None:
        """After a pair-rate error: this member's messages wait, no one else's."""
        self._holds[member_id] = now + self.settings.recipient_hold.total_seconds()

    async def run(self, start: Callable[[Job], None], stop: asyncio.Event) -> None:
        pacers = [asyncio.create_task(self._pace(s, start, stop)) for s in self.queues]
        try:
            await stop.wait()
        finally:
            for p in pacers:
                p.cancel()
            await asyncio.gather(*pacers, return_exceptions=True)

    async def _pace(self, sender: str, start: Callable[[Job], None], stop: asyncio.Event) -> None:
        queue, own_limiter = self.queues[sender], self.limiters[sender]
        spacer = self.spacers[sender]
        gate = self.gates["sms" if sender == "sms" else "whatsapp"]
        share = self.settings.pace_share
        last = time.monotonic()
        while not stop.is_set():
            now = time.monotonic()
            owned = self.owns(sender, now)
            if not (len(queue) if owned else len(queue.codes)):
                queue.ready.clear()
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(queue.ready.wait(), 0.5 if owned else 0.05)
                continue
            limiter = own_limiter if owned else self.guests[sender]
            if owned:
                own_limiter.recover(now, own_limiter.cap * 0.1, now - last)
                spacer.rate = share * own_limiter.limit
                metrics.RATE_LIMIT.labels(sender).set(own_limiter.limit)
            last = now
            room = limiter.available(now)
            if room == 0:
                await self._nap(min(max(limiter.wait(now), 0.001), 0.05), limiter)
                continue
            # Starts due at the even pace; the window, not this, is what keeps the cap.
            due = spacer.allowance(now) if owned else room
            if due == 0:
                await self._nap(min(max(spacer.wait(now), 0.001), TICK), limiter)
                continue
            if self._slots.free == 0:
                await self._slots.wait()
                continue
            budget = min(room, self._slots.free, due)
            flash_waiting = self.flash_waiting()
            started = 0
            for _ in range(budget):
                job = queue.pop(flash_waiting) if owned else queue.pop_code()
                if job is None:
                    break
                if not self._admissible(job, gate, now):
                    continue
                limiter.record(now)
                start(job)
                started += 1
            if owned:
                spacer.took(now, started)
                metrics.RATE_SENT.labels(sender).set(own_limiter.in_window(now))
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
            if job.priority == CODE_PRIORITY and self.code_to_sms(job):
                return False  # it waits in the SMS number's code lane now
            self._defer(job, wall, wall + timedelta(seconds=1))
            return False
        if job.priority == CODE_PRIORITY:
            # A code waits for no member hold nor the quota (it expires in minutes); it still
            # counts as one of the portfolio's recipients.
            if job.channel == "whatsapp":
                self.quota.record(job.member_id, wall.timestamp())
            return True
        hold = self._holds.get(job.member_id)
        if hold is not None:
            if hold > now:
                until = wall + timedelta(seconds=hold - now)
                self._defer(job, wall, until)
                return False
            del self._holds[job.member_id]
        if job.channel == "whatsapp" and job.kind == "template":
            epoch = wall.timestamp()
            if not self.quota.allows(job.member_id, epoch):
                metrics.QUOTA_DEFERRED.inc()
                until = datetime.fromtimestamp(self.quota.frees_at(epoch), UTC)
                self._defer(job, wall, until)
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
