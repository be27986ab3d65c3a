"""The per-account publishing queue: one driver per account, each on the platform's leader loop
(an advisory lock per account), so that exactly one process drives an account at a time.

A driver takes its account's first due post in arrival order and does the one step it needs:
* `queued` → within our daily cap and the network's quota, fetch its creatives, record the
  attempt (committed), call the network, record the answer with its result event;
* `in_flight` found by the driver → the process that made the call died before recording its
  answer: the post becomes `unclear`;
* `unclear` → read the account's recent posts: ours is there → posted; absent after the
  settling time → queued again; absent before it → look again shortly;
* `withdrawing` → delete it (X, Facebook) or open a by-hand task (Instagram).
A stopped account does nothing until it is resumed; its posts wait.
"""

from __future__ import annotations

import asyncio
import zlib
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import asyncpg
import structlog
from nazar_contracts.publish import Overflow
from nazar_platform.runtime import faults
from nazar_platform.runtime.leader import lead
from nazar_platform.runtime.retry import TRANSIENT, sleep_or_stop, wait_for_either

from social_publisher import metrics
from social_publisher.adapters.social import SocialCallError, SocialClient
from social_publisher.domain import quota as limits_rules
from social_publisher.domain import reconcile
from social_publisher.domain.accounts import Account
from social_publisher.domain.posts import Post, PostState, back_off
from social_publisher.domain.social import (
    AccountAccess,
    Creative,
    ErrorKind,
    Network,
    PostRequest,
    SocialError,
)
from social_publisher.handlers import posts as handle
from social_publisher.handlers import withdrawals
from social_publisher.handlers.context import Context
from social_publisher.store import accounts as account_store
from social_publisher.store import posts as post_store

log = structlog.get_logger(__name__)

AccessFor = Callable[[Account], Awaitable[AccountAccess]]
CreativesFor = Callable[[Post], Awaitable[tuple[Creative, ...]]]
AfterError = Callable[[Account, AccountAccess, SocialError], Awaitable[SocialError]]
_LOCK_BASE = 0x534F43 << 32  # "SOC" and the account id's CRC-32: one driver per account


def lock_key(account_id: str) -> int:
    return _LOCK_BASE | zlib.crc32(account_id.encode())


@dataclass(frozen=True)
class Networks:
    """What the drivers call: each network's client and how to get an account's access."""

    clients: Mapping[Network, SocialClient]
    access: Mapping[Network, AccessFor]
    creatives: CreativesFor
    # What a refused call's error becomes once its cause is dealt with (X's 401: a new token).
    after_error: AfterError | None = None


class AccountDriver:
    def __init__(self, ctx: Context, account_id: str, networks: Networks) -> None:
        self.ctx = ctx
        self.account_id = account_id
        self.networks = networks
        self.wake = asyncio.Event()
        # The whole account waits (rate limited, daily cap or quota used up) until then.
        self.wait_until: datetime | None = None
        # What the network said is left at the last look (None: not driven here, or not said).
        self.network_remaining: int | None = None

    @property
    def poll(self) -> float:
        return self.ctx.settings.social_poll_interval.total_seconds()

    async def run(self, _lock: asyncpg.Connection, stop: asyncio.Event) -> None:
        log.info("social queue driving", account_id=self.account_id)
        while not stop.is_set():
            try:
                pause = await self.step()
            except TRANSIENT as exc:
                log.warning("social queue step failed; retrying", error=repr(exc))
                pause = self.poll
            if pause > 0:
                self.wake.clear()
                await wait_for_either(self.wake, stop, min(pause, self.poll))

    async def step(self) -> float:
        """Do the account's next step; the seconds to wait before the next (0: go on)."""
        now = datetime.now(UTC)
        async with self.ctx.pool.acquire() as conn:
            account = await account_store.get(conn, self.account_id)
            if account is None or account.stopped:
                return self.poll
            if self.wait_until is not None and now < self.wait_until:
                return (self.wait_until - now).total_seconds()
            post = await post_store.next_due(conn, self.account_id, now)
            if post is None:
                wake = await post_store.next_wake(conn, self.account_id)
                return self.poll if wake is None else max(0.01, (wake - now).total_seconds())
            container = await post_store.last_container(conn, post.post_id)
            posted_today = await post_store.posted_since(
                conn,
                self.account_id,
                limits_rules.day_start(now, self.ctx.settings.social_day_zone),
            )
        client = self.networks.clients.get(account.network)
        access_for = self.networks.access.get(account.network)
        if client is None or access_for is None:
            return self.poll  # no client for this network in this deployment: its posts wait
        if post.state is PostState.IN_FLIGHT:
            await handle.mark_interrupted(self.ctx, post)
            metrics.SOCIAL_INTERRUPTED.labels(account.network, account.account_id).inc()
            return 0
        try:
            access = await access_for(account)
        except SocialCallError as exc:
            return await self._cannot_act(account, exc.error, now)
        if post.state is PostState.UNCLEAR:
            return await self.reconcile(account, access, client, post, now)
        if post.state is PostState.WITHDRAWING:
            return await self.withdraw(account, access, client, post, now)
        if post.withdraw_reason is not None and not post.thread_post_ids:
            # Withdrawn while its call was unsettled, and it turned out not posted: never post it.
            # (A thread with parts out is finished first, then taken down as any posted post.)
            await withdrawals.cancel(self.ctx, post)
            return 0
        return await self.publish(account, access, client, post, now, posted_today, container)

    async def _cannot_act(self, account: Account, error: SocialError, now: datetime) -> float:
        if error.kind is ErrorKind.ACCOUNT:
            if await handle.stop_account_now(self.ctx, account, error):
                log.warning(
                    "social account stopped", account_id=account.account_id, code=error.code
                )
            return self.poll
        self.wait_until = error.retry_at or now + timedelta(seconds=self.poll)
        return self.poll

    async def publish(
        self,
        account: Account,
        access: AccountAccess,
        client: SocialClient,
        post: Post,
        now: datetime,
        posted_today: int,
        container: str | None,
    ) -> float:
        zone = self.ctx.settings.social_day_zone
        cap_until = limits_rules.cap_wait(posted_today, account.daily_cap, now, zone)
        remaining: int | None = None
        pace: timedelta | None = None
        try:
            limits = await client.limits(access)
            remaining = self.network_remaining = limits.remaining
            quota_until = limits_rules.quota_wait(
                limits.remaining,
                await handle.quota_resets_at(self.ctx, account.account_id, limits, now),
                now,
            )
            pace = limits.pace
        except SocialCallError:
            quota_until = None  # the network would not say: its answer to the post will
        left = limits_rules.quota_left(remaining, account.daily_cap, posted_today)
        if left is not None:
            metrics.SOCIAL_QUOTA_LEFT.labels(account.network, account.account_id).set(left)
        until = max((u for u in (cap_until, quota_until) if u is not None), default=None)
        if until is not None:
            self.wait_until = until
            log.info(
                "social account waits for its limits",
                account_id=account.account_id,
                until=until.isoformat(),
            )
            return (until - now).total_seconds()
        try:
            creatives = await self.networks.creatives(post)
        except SocialCallError as exc:
            if exc.error.kind is ErrorKind.REFUSED:
                await handle.fail_before_call(self.ctx, post, exc.error)
                self._count_failure(post, exc.error.code)
                return 0
            # story-intake down or slow: this post waits, not the account's others.
            rules = handle.retry_rules(self.ctx)
            await handle.postpone(self.ctx, post, now + back_off(rules, 1, 0.5))
            log.warning(
                "creatives not fetched; the post waits", post_id=post.post_id, code=exc.error.code
            )
            return 0
        _, schedule_at = limits_rules.hand_over(
            post.scheduled_for, now, handle.scheduling(self.ctx, post.network)
        )
        request = PostRequest(
            post_id=post.post_id,
            story_id=post.story_id,
            network=Network(post.network),
            account_id=post.account_id,
            text=post.text,
            creatives=creatives,
            scheduled_for=schedule_at,
            overflow=Overflow(post.overflow),
            thread_post_ids=post.thread_post_ids,
            # Instagram: a container an unclear attempt created is polled before another is made.
            container_id=container,
        )
        n = await handle.begin_attempt(self.ctx, post.post_id)
        if n is None:
            return 0
        if pace:
            # The network asks for a gap between the account's calls (Facebook's usage near 100 %).
            self.wait_until = now + pace
        faults.point("social.before_call")
        try:
            published = await client.publish(access, request)
        except SocialCallError as exc:
            faults.point("social.after_call")
            error = exc.error
            if self.networks.after_error is not None:
                error = await self.networks.after_error(account, access, error)
            return await self._answer_error(account, post, n, error)
        except (asyncio.CancelledError, KeyboardInterrupt):
            raise  # the attempt stays open: reconciled at the next start
        except Exception as exc:  # whatever it was, the call may have posted
            log.exception("social client failed unexpectedly", post_id=post.post_id)
            error = SocialError(
                ErrorKind.UNCLEAR,
                account.network,
                "client_error",
                f"The publisher could not tell whether the post went out ({type(exc).__name__}).",
            )
            return await self._answer_error(account, post, n, error)
        faults.point("social.after_call")
        await handle.record_published(self.ctx, post, n, published)
        self._count_posted(post, "posted", datetime.now(UTC))
        return 0

    async def _answer_error(
        self, account: Account, post: Post, n: int, error: SocialError
    ) -> float:
        reaction = await handle.record_error(self.ctx, post, n, error, account)
        self._count_failure(post, error.code)
        if reaction.fail:
            metrics.SOCIAL_POSTS.labels(post.network, post.account_id, "failed").inc()
        if reaction.account_wait_until is not None:
            self.wait_until = reaction.account_wait_until
        log.info(
            "social post answered with an error",
            post_id=post.post_id,
            kind=error.kind,
            code=error.code,
            state=reaction.state,
        )
        return 0

    async def reconcile(
        self,
        account: Account,
        access: AccountAccess,
        client: SocialClient,
        post: Post,
        now: datetime,
    ) -> float:
        s = self.ctx.settings
        async with self.ctx.pool.acquire() as conn:
            tried = await post_store.attempts(conn, post.post_id)
        started = tried[-1].started_at if tried else post.requested_at
        window = reconcile.Window.of_attempt(started, now, s.social_clock_skew)
        try:
            remote = await client.recent_posts(access, window.start)
        except SocialCallError as exc:
            if exc.error.kind is ErrorKind.ACCOUNT:
                return await self._cannot_act(account, exc.error, now)
            await handle.reconcile_later(self.ctx, post, s.social_reconcile_settle / 4)
            return 0
        parts = handle.parts_of(post)
        found = reconcile.find_parts(remote, parts, window, post.thread_post_ids)
        ids = (*post.thread_post_ids, *(f.provider_post_id for f in found))
        verdict = reconcile.verdict(
            len(ids) >= len(parts), started_at=started, now=now, settle=s.social_reconcile_settle
        )
        metrics.SOCIAL_RECONCILED.labels(post.network, post.account_id, verdict).inc()
        if verdict is reconcile.Verdict.POSTED:
            url = found[0].public_url if found and not post.thread_post_ids else post.public_url
            await handle.record_reconciled(self.ctx, post, ids, url)
            self._count_posted(post, "reconciled", datetime.now(UTC))
        elif verdict is reconcile.Verdict.NOT_POSTED:
            await handle.record_not_posted(self.ctx, post, ids)
        else:
            await handle.reconcile_later(self.ctx, post, s.social_reconcile_settle / 4)
        log.info("social post reconciled", post_id=post.post_id, verdict=verdict)
        return 0

    async def withdraw(
        self,
        account: Account,
        access: AccountAccess,
        client: SocialClient,
        post: Post,
        now: datetime,
    ) -> float:
        if post.provider_post_id is None:  # cannot happen: only a posted post is withdrawn
            await withdrawals.deleted(self.ctx, post)
            return 0
        try:
            done = await client.delete(access, post.provider_post_id)
        except SocialCallError as exc:
            error = exc.error
            if withdrawals.is_final(error):
                await withdrawals.refused(self.ctx, post, error)
            elif error.kind is ErrorKind.ACCOUNT:
                return await self._cannot_act(account, error, now)
            else:
                rules = handle.retry_rules(self.ctx)
                until = error.retry_at or now + back_off(rules, 1, 0.5)
                await withdrawals.retry_later(self.ctx, post, until)
            self._count_failure(post, error.code)
            return 0
        if done:
            await withdrawals.deleted(self.ctx, post)
            metrics.SOCIAL_POSTS.labels(post.network, post.account_id, "withdrawn").inc()
        else:
            await withdrawals.open_task(self.ctx, post)
        return 0

    def _count_posted(self, post: Post, outcome: str, at: datetime) -> None:
        metrics.SOCIAL_POSTS.labels(post.network, post.account_id, outcome).inc()
        metrics.SOCIAL_TIME_TO_PUBLISH.labels(post.network).observe(
            max(0.0, (at - post.requested_at).total_seconds())
        )

    def _count_failure(self, post: Post, code: str | None) -> None:
        metrics.SOCIAL_FAILURES.labels(post.network, post.account_id, code or "none").inc()


class SocialQueue:
    """Every configured account's driver, each leading its own account."""

    def __init__(self, ctx: Context, networks: Networks) -> None:
        self.ctx = ctx
        self.drivers = {
            a.account_id: AccountDriver(ctx, a.account_id, networks)
            for a in ctx.settings.social_accounts
        }

    def network_remaining(self, account_id: str) -> int | None:
        driver = self.drivers.get(account_id)
        return driver.network_remaining if driver is not None else None

    def wake(self, account_id: str) -> None:
        driver = self.drivers.get(account_id)
        if driver is not None:
            driver.wake.set()

    async def run(self, stop: asyncio.Event) -> None:
        dsn = self.ctx.settings.database_url.get_secret_value()
        await asyncio.gather(
            *(
                lead(
                    dsn,
                    lock_key(a),
                    d.run,
                    stop,
                    name=f"social queue {a}",
                    on_change=metrics.SOCIAL_DRIVING.labels(a).set,
                )
                for a, d in self.drivers.items()
            ),
            self._gauges(stop),
        )

    async def _gauges(self, stop: asyncio.Event) -> None:
        """Queue depth, stopped accounts and tokens' days to expiry, for the dashboards."""
        while True:
            try:
                async with self.ctx.pool.acquire() as conn:
                    depths = await post_store.queue_depths(conn)
                    accounts = await account_store.all_accounts(conn)
                now = datetime.now(UTC)
                for a in accounts:
                    metrics.known_account(a.network, a.account_id)
                    metrics.SOCIAL_QUEUE_DEPTH.labels(a.network, a.account_id).set(
                        depths.get(a.account_id, 0)
                    )
                    metrics.SOCIAL_ACCOUNT_STOPPED.labels(a.network, a.account_id).set(
                        1 if a.stopped else 0
                    )
                    days = a.days_to_expiry(now)
                    if days is not None:
                        metrics.SOCIAL_TOKEN_DAYS.labels(a.network, a.account_id).set(days)
            except TRANSIENT as exc:
                log.warning("social gauges not refreshed", error=repr(exc))
            if await sleep_or_stop(stop, self.ctx.settings.social_gauge_interval.total_seconds()):
                return
