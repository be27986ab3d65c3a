"""What both fake providers share: the accepted-message log, the throughput window, rules that
pick recipients, and the signed webhook poster that batches, reorders, loses and redelivers."""

from __future__ import annotations

import asyncio
import contextlib
import gc
import hashlib
import heapq
import hmac
import itertools
import json
import random
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import aiohttp
from aiohttp import web


def sign(secret: bytes, body: bytes) -> str:
    return "sha256=" + hmac.new(secret, body, hashlib.sha256).hexdigest()


class ThroughputWindow:
    """Arrivals in the last second per sender; the cap is checked on the arrival clock."""

    def __init__(self) -> None:
        self._recent: dict[str, deque[float]] = {}

    def admit(self, sender: str, now: float, cap: int) -> bool:
        times = self._recent.setdefault(sender, deque())
        edge = now - 1.0
        while times and times[0] <= edge:
            times.popleft()
        if len(times) >= cap:
            return False
        times.append(now)
        return True


def max_in_window(times: list[float], span: float = 1.0) -> int:
    """The most events in any window [t, t + span) over sorted `times`: every window position."""
    best = start = 0
    for end, t in enumerate(times):
        while t - times[start] >= span:
            start += 1
        best = max(best, end - start + 1)
    return best


class MessageLog:
    """Every accepted message: in memory for `GET /_fake/messages` and as JSONL on disk."""

    def __init__(self, path: Path | None) -> None:
        self.entries: list[dict[str, Any]] = []
        self.accepted_at: list[float] = []
        self.attempts_at: list[float] = []
        self.rejected: dict[str, int] = {}
        self._file = path.open("a", encoding="utf-8") if path else None

    def attempt(self, now: float) -> None:
        self.attempts_at.append(now)

    def reject(self, code: str) -> None:
        self.rejected[code] = self.rejected.get(code, 0) + 1

    def accept(self, entry: dict[str, Any], now: float) -> None:
        entry["seq"] = len(self.entries)
        self.entries.append(entry)
        if len(self.entries) % 5000 == 0:
            # The log only grows: without this, every full collection walks all of it (100 ms
            # and more at 60,000 messages), and requests that arrive meanwhile are stamped
            # together afterwards, so the fake's own stall looks like a sender above the cap.
            gc.freeze()
        self.accepted_at.append(now)
        if self._file is not None:
            self._file.write(json.dumps(entry, ensure_ascii=False) + "\n")

    def flush(self) -> None:
        if self._file is not None:
            self._file.flush()

    def reset(self) -> None:
        self.entries.clear()
        self.accepted_at.clear()
        self.attempts_at.clear()
        self.rejected.clear()

    def stats(self) -> dict[str, Any]:
        accepted = self.accepted_at
        span = accepted[-1] - accepted[0] if len(accepted) > 1 else 0.0
        per_second: dict[int, int] = {}
        for t in accepted:
            per_second[int(t)] = per_second.get(int(t), 0) + 1
        return {
            "accepted": len(accepted),
            "attempts": len(self.attempts_at),
            "rejected": dict(self.rejected),
            "max_accepted_in_any_second": max_in_window(accepted),
            "max_attempts_in_any_second": max_in_window(self.attempts_at),
            "first_at": accepted[0] if accepted else None,
            "last_at": accepted[-1] if accepted else None,
            "mean_rate": (len(accepted) - 1) / span if span > 0 else 0.0,
            "per_second": [per_second[k] for k in sorted(per_second)],
        }


def matches(rule: dict[str, Any], recipient: str, payload: str | None) -> bool:
    """A rule applies to listed recipients, to a recipient prefix, to a payload prefix, or all."""
    if "recipients" in rule and recipient not in set(rule["recipients"]):
        return False
    if "recipient_prefix" in rule and not recipient.startswith(rule["recipient_prefix"]):
        return False
    return "payload_prefix" not in rule or (payload or "").startswith(rule["payload_prefix"])


def pick(
    rules: list[dict[str, Any]], recipient: str, payload: str | None, rng: random.Random
) -> dict[str, Any] | None:
    """The first rule that matches and whose `share` draw succeeds."""
    for rule in rules:
        if matches(rule, recipient, payload):
            return rule if rng.random() < float(rule.get("share", 1.0)) else None
    return None


@dataclass(order=True)
class _Due:
    due: float
    seq: int
    events: list[dict[str, Any]] = field(compare=False)
    attempts: int = field(default=0, compare=False)
    batched: bool = field(default=False, compare=False)


class WebhookPoster:
    """Posts events in signed batches; a batch not answered 200 is redelivered with backoff."""

    def __init__(
        self,
        url: str,
        secret: bytes,
        *,
        header: str,
        envelope: Callable[[list[dict[str, Any]]], bytes],
        settings: Callable[[], dict[str, Any]],
    ) -> None:
        self.url = url
        self.secret = secret
        self.header = header
        self._envelope = envelope
        self._settings = settings
        self._heap: list[_Due] = []
        self._seq = itertools.count()
        self.posted = self.failed = self.lost = self.delivered_events = 0
        self._session: aiohttp.ClientSession | None = None

    def schedule(self, event: dict[str, Any], delay: float) -> None:
        heapq.heappush(self._heap, _Due(time.monotonic() + delay, next(self._seq), [event]))

    @property
    def pending(self) -> int:
        return sum(len(d.events) for d in self._heap)

    async def run(self, stop: asyncio.Event) -> None:
        self._session = aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=10))
        inflight: set[asyncio.Task[None]] = set()
        try:
            while not stop.is_set():
                cfg = self._settings()
                await asyncio.sleep(float(cfg.get("batch_interval", 0.2)))
                if cfg.get("webhooks_paused"):
                    continue
                for batch in self._due_batches(int(cfg.get("batch_size", 100))):
                    if len(inflight) >= int(cfg.get("webhook_concurrency", 4)):
                        heapq.heappush(self._heap, batch)
                        continue
                    task = asyncio.create_task(self._post(batch, cfg))
                    inflight.add(task)
                    task.add_done_callback(inflight.discard)
        finally:
            for task in inflight:
                task.cancel()
            await self._session.close()

    def _due_batches(self, size: int) -> list[_Due]:
        now = time.monotonic()
        singles: list[dict[str, Any]] = []
        out: list[_Due] = []
        while self._heap and self._heap[0].due <= now:
            item = heapq.heappop(self._heap)
            if item.batched:
                out.append(item)
            else:
                singles.extend(item.events)
        for i in range(0, len(singles), size):
            out.append(_Due(now, next(self._seq), singles[i : i + size], 0, True))
        return out

    async def _post(self, batch: _Due, cfg: dict[str, Any]) -> None:
        body = self._envelope(batch.events)
        headers = {"Content-Type": "application/json", self.header: sign(self.secret, body)}
        ok = False
        assert self._session is not None
        with contextlib.suppress(aiohttp.ClientError, asyncio.TimeoutError, OSError):
            async with self._session.post(self.url, data=body, headers=headers) as resp:
                await resp.read()
                ok = resp.status == 200
        if ok:
            self.posted += 1
            self.delivered_events += len(batch.events)
            return
        self.failed += 1
        batch.attempts += 1
        cap = float(cfg.get("webhook_retry_cap", 30.0))
        delay = min(cap, float(cfg.get("webhook_retry_base", 0.5)) * 2 ** (batch.attempts - 1))
        batch.due = time.monotonic() + delay
        batch.seq = next(self._seq)
        heapq.heappush(self._heap, batch)


def merge_config(config: dict[str, Any], update: dict[str, Any]) -> dict[str, Any]:
    config.update(update)
    return config


class Outage:
    """A provider's outage, switched by its config's `outage`: None (up), "503", "500",
    "timeout" (the request hangs `outage_hang` seconds, longer than a client waits, and the
    provider takes nothing) or "500+timeout" (every other request hangs). The caller answers
    through `answer` while the switch is on; nothing is accepted."""

    KINDS = (None, "503", "500", "timeout", "500+timeout")

    def __init__(self) -> None:
        self.calls = 0

    async def answer(
        self,
        kind: str,
        log: MessageLog,
        hang: float,
        unavailable: Callable[[], web.Response],
        failed: Callable[[], web.Response],
    ) -> web.Response:
        self.calls += 1
        if kind == "timeout" or (kind == "500+timeout" and self.calls % 2 == 0):
            log.reject("timeout")
            await asyncio.sleep(hang)
            return failed()
        if kind in ("500", "500+timeout"):
            log.reject("500")
            return failed()
        log.reject("503")
        return unavailable()
