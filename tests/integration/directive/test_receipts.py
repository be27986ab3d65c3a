"""Receipts and acknowledgements through Kafka: forward-only status whatever the order, duplicates
and replays change nothing, the SMS fallback clears a failure, replies acknowledge by button,
reply code and the free-text rule, and the counters always equal a recount from the deliveries."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

from directive.domain.acks import AckVia
from directive.domain.model import Priority
from directive.handlers import acks as ack_handlers
from directive.handlers import issue as issue_handlers
from directive.handlers import relay as relay_handlers
from directive.handlers.common import Topics
from directive.store import reach
from nazar_contracts.dispatch import (
    Channel,
    DispatchDelivered,
    DispatchFailed,
    DispatchRead,
    DispatchReplied,
    DispatchSent,
    ProviderError,
    ReplyKind,
)
from nazar_contracts.ids import delivery_id
from pydantic import BaseModel

from tests.integration.directive.conftest import Env
from tests.integration.directive.support import produce, requested
from tests.integration.directive.test_cascade import TEXT, actors, issued, settled
from tests.integration.platform.support import read_topic, wait_for

T = datetime(2026, 11, 28, 5, 0, tzinfo=UTC)


def receipt(kind: type[BaseModel], d: str, msg: str, member: str, at: datetime) -> BaseModel:
    if kind is DispatchFailed:
        return DispatchFailed(
            delivery_id=d,
            message_id=msg,
            member_id=member,
            at=at,
            channel=Channel.WHATSAPP,
            provider_message_id=None,
            error=ProviderError(
                code="131026", title="Message undeliverable", detail=None, retryable=False
            ),
        )
    return kind(
        delivery_id=d,
        message_id=msg,
        member_id=member,
        at=at,
        channel=Channel.WHATSAPP,
        provider_message_id=f"ref-{d[:8]}",
    )


def reply(
    member: str, text: str | None, *, to: str | None = None, button: bool = False, at: datetime
) -> DispatchReplied:
    return DispatchReplied(
        reply_id=f"rep-{uuid.uuid4().hex[:12]}",
        member_id=member,
        channel=Channel.WHATSAPP,
        kind=ReplyKind.BUTTON if button else ReplyKind.TEXT,
        text=text,
        button_payload=f"ack:{to}" if button else None,
        in_reply_to_delivery_id=to,
        provider_message_id=f"ref-{uuid.uuid4().hex[:8]}",
        received_at=at,
    )


async def test_receipts_and_replies_move_status_forward_and_count_exactly(env: Env) -> None:
    topics = Topics(env.topics.events)
    pool = env.worker.pool
    assert pool is not None
    _, sp_bkn, _ = actors(env)
    now = datetime.now(UTC)
    did = await issued(env, now, priority=Priority.ROUTINE, audience_units=["DST-BIKANER"])
    await relay_handlers.relay(pool, topics, did, "DST-BIKANER", None, None, sp_bkn, now)
    await settled(env, did)
    original = str(
        await pool.fetchval("SELECT original_message_id FROM directives WHERE id=$1", did)
    )
    sent = [
        s.data
        for s in await requested(env.bootstrap, env.topics.deliveries)
        if s.data.directive_id == str(did)
    ]
    members = sorted(s.member_id for s in sent)
    a, b, c, d, e, f, g = members[:7]
    did_of = {m: delivery_id(original, m) for m in members}
    rt = env.topics.receipts
    items: list[tuple[str, BaseModel]] = [
        # a: read before delivered before sent (WhatsApp does that); b: sent twice, delivered.
        (rt, receipt(DispatchRead, did_of[a], original, a, T + timedelta(seconds=30))),
        (rt, receipt(DispatchDelivered, did_of[a], original, a, T + timedelta(seconds=20))),
        (rt, receipt(DispatchSent, did_of[a], original, a, T + timedelta(seconds=10))),
        (rt, receipt(DispatchSent, did_of[b], original, b, T)),
        (rt, receipt(DispatchSent, did_of[b], original, b, T)),
        (rt, receipt(DispatchDelivered, did_of[b], original, b, T + timedelta(seconds=5))),
        # c: failed for good; d: failed on WhatsApp, then delivered by the SMS fallback.
        (rt, receipt(DispatchSent, did_of[c], original, c, T)),
        (rt, receipt(DispatchFailed, did_of[c], original, c, T + timedelta(seconds=3))),
        (rt, receipt(DispatchFailed, did_of[d], original, d, T + timedelta(seconds=3))),
        (rt, receipt(DispatchDelivered, did_of[d], original, d, T + timedelta(seconds=9))),
        # Someone else's delivery (not ours): ignored.
        (rt, receipt(DispatchSent, delivery_id("msg-elsewhere", a), "msg-elsewhere", a, T)),
    ]
    await produce(env.bootstrap, items, source="/nazar/social-publisher")
    # Replays: every receipt once more (as after a publisher crash), new event ids.
    await produce(env.bootstrap, items, source="/nazar/social-publisher")

    later = datetime.now(UTC)
    rp = env.topics.replies
    replies: list[tuple[str, BaseModel]] = [
        (rp, reply(e, "प्राप्त हुआ", to=did_of[e], button=True, at=later)),  # button
        (rp, reply(f, "ठीक है", at=later)),  # free text, no context
        (
            rp,
            reply(
                g,
                "ok "
                + (
                    await pool.fetchval(
                        "SELECT reply_code FROM messages WHERE id = $1", uuid.UUID(original)
                    )
                ),
                at=later,
            ),
        ),
        (rp, reply(a, "कौन?", to=delivery_id("msg-elsewhere", a), at=later)),  # not ours
    ]
    await produce(env.bootstrap, replies, source="/nazar/social-publisher")
    await produce(env.bootstrap, replies[:2], source="/nazar/social-publisher")  # redelivered
    # And one from the field app (POST .../ack does this).
    await ack_handlers.acknowledge_directive(pool, topics, did, b, None, AckVia.APP, later)
    await ack_handlers.acknowledge_directive(pool, topics, did, b, None, AckVia.APP, later)

    async def row(member: str) -> dict[str, object]:
        got = await pool.fetchrow(
            "SELECT status, failed, sent_at, delivered_at, read_at, acked_at, ack_via, failure "
            "FROM deliveries WHERE id = $1",
            uuid.UUID(did_of[member]),
        )
        assert got is not None
        return dict(got)

    async def applied() -> bool:
        return (
            (await row(d))["status"] == 2
            and (await row(g))["acked_at"] is not None
            and (await row(f))["acked_at"] is not None
            and (await row(a))["sent_at"] is not None
        )

    await wait_for(applied, within=60)
    ra, rb, rc, rd = await row(a), await row(b), await row(c), await row(d)
    assert (ra["status"], ra["read_at"], ra["delivered_at"], ra["sent_at"]) == (
        3,
        T + timedelta(seconds=30),
        T + timedelta(seconds=20),
        T + timedelta(seconds=10),
    )
    assert rb["status"] == 3 and rb["ack_via"] == "app"  # acknowledged: read, whatever came
    assert rc["status"] == 1 and rc["failed"] and rc["failure"] == "131026: Message undeliverable"
    assert rd["status"] == 2 and rd["failed"]  # failed once, delivered after all
    assert (await row(e))["ack_via"] == "button"
    assert (await row(f))["ack_via"] == "text"
    assert (await row(g))["ack_via"] == "sms_code"

    async with pool.acquire() as conn:
        counters = await reach.counters(conn, did)
        recount = await reach.recount(conn, did)
    assert counters == recount
    totals = sum(
        (x for k, x in counters.items() if str(k[0]) == original),
        start=type(next(iter(counters.values())))(),
    )
    assert (totals.acknowledged, totals.failed) == (4, 1)  # d's failure is cleared

    # Each first acknowledgement announced once, however often it was repeated.
    async def announced() -> list[str]:
        events = await read_topic(env.bootstrap, env.topics.events)
        return [
            dict(e.headers)["ce_subject"].decode()
            for e in events
            if dict(e.headers)["ce_type"] == b"nazar.directive.acknowledged.v1"
            and dict(e.headers)["ce_subject"].decode() == str(did)
        ]

    async def four() -> bool:
        return len(await announced()) >= 4

    await wait_for(four, within=30)
    assert len(await announced()) == 4


async def test_free_text_acknowledges_the_most_recent_open_message_then_the_next(
    env: Env,
) -> None:
    topics = Topics(env.topics.events)
    pool = env.worker.pool
    assert pool is not None
    adg, _, _ = actors(env)
    now = datetime.now(UTC)
    did = await issued(env, now, audience_units=["DST-CHURU"])
    await settled(env, did)
    update_id = await issue_handlers.update(
        pool, topics, did, TEXT, None, adg, now + timedelta(seconds=1)
    )
    await settled(env, did)
    sp = env.roster.one("sp", "DST-CHURU")
    original = await pool.fetchval("SELECT original_message_id FROM directives WHERE id=$1", did)
    later = datetime.now(UTC) + timedelta(seconds=2)
    await produce(env.bootstrap, [(env.topics.replies, reply(sp, "ठीक है", at=later))])

    async def acked(message: uuid.UUID) -> bool:
        return bool(
            await pool.fetchval(
                "SELECT acked_at IS NOT NULL FROM deliveries "
                "WHERE message_id = $1 AND member_id = $2",
                message,
                sp,
            )
        )

    await wait_for(lambda: acked(update_id), within=30)
    assert not await acked(original)  # the newest open one only
    await produce(
        env.bootstrap, [(env.topics.replies, reply(sp, "जी", at=later + timedelta(seconds=1)))]
    )
    await wait_for(lambda: acked(original), within=30)
