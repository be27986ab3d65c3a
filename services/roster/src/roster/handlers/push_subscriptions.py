"""The field app's Web Push subscriptions: a member adds the browser they allowed notifications
in, or removes it; each change republishes the member's contacts (roster.contacts.v1), the one
topic the publisher reads them from."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from nazar_platform import db

from roster.domain.push import Subscription, refusal
from roster.handlers import events
from roster.handlers.context import Roster
from roster.store import push_subscriptions as store
from roster.store import staging


@dataclass(frozen=True, slots=True)
class PushPolicy:
    """The push services a subscription may point at, and how many devices a member keeps."""

    allowed: tuple[str, ...]
    keep: int


class PushRefusedError(ValueError):
    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason  # "endpoint", "p256dh" or "auth"


async def subscribe(roster: Roster, member_id: str, sub: Subscription, policy: PushPolicy) -> bool:
    """Take the subscription (False: it was there already, unchanged); the member keeps their
    newest `policy.keep`. Raises PushRefusedError for an endpoint or keys not taken."""
    reason = refusal(sub, policy.allowed)
    if reason is not None:
        raise PushRefusedError(reason)
    async with db.transaction(roster.pool) as conn:
        changed = await store.save(conn, member_id, sub.endpoint, sub.p256dh, sub.auth)
        dropped = await store.drop_oldest_beyond(conn, member_id, policy.keep)
        if changed or dropped:
            await staging.touch(conn, [member_id])
            await events.contacts(conn, roster.topics)
    return changed


async def unsubscribe(roster: Roster, member_id: str, endpoint: str) -> bool:
    async with db.transaction(roster.pool) as conn:
        removed = await store.remove(conn, member_id, endpoint)
        if removed:
            await staging.touch(conn, [member_id])
            await events.contacts(conn, roster.topics)
    return removed


async def listing(roster: Roster, member_id: str) -> list[dict[str, Any]]:
    async with roster.pool.acquire() as conn:
        return await store.of_member(conn, member_id)
