"""Escalations driven by a controlled clock (`tick(now)`): an SP who does not relay is escalated to
the range IG (manual mode) or relayed for automatically (automatic mode); a circle under the
threshold after one window is escalated to its CO and, still under after a second, to its SP;
a circle at the threshold is left alone; escalation notices are messages with their own
deliveries; nothing is escalated twice; expiry closes the directive. Each automatic relay,
escalation and closing is on the audit trail once, as `system:scheduler`, with the deadline that
passed as its cause."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

from directive.domain.acks import AckVia
from directive.domain.model import Priority, RelayMode
from directive.handlers import acks as ack_handlers
from directive.handlers import relay as relay_handlers
from directive.handlers.common import Topics
from directive.handlers.escalate import tick
from nazar_contracts.dispatch import Channel, DispatchSent, Purpose
from pydantic import BaseModel

from tests.integration.directive.conftest import Env
from tests.integration.directive.support import produce, requested
from tests.integration.directive.test_cascade import actors, issued, settled
from tests.integration.platform.support import automatic_entries, wait_for

W = timedelta(hours=4)  # urgent: ack window


async def all_sent(env: Env, did: uuid.UUID, at: datetime) -> None:
    """The provider took every delivery of the directive: a sent receipt each, folded into the
    reach counters (a circle with members still waiting for the provider is held, not judged)."""
    pool = env.worker.pool
    assert pool is not None
    await settled(env, did)
    # The original message's deliveries: the circles are judged on them alone (an escalation's
    # own deliveries may still be on their way).
    original = str(
        await pool.fetchval("SELECT original_message_id FROM directives WHERE id = $1", did)
    )
    answered: set[str] = set()

    async def none_waiting() -> bool:
        # Receipts for what is on the delivery topics so far (the relay may still be publishing).
        made = [
            s.data
            for s in await requested(env.bootstrap, env.topics.deliveries, env.topics.flash)
            if s.data.message_id == original and s.data.delivery_id not in answered
        ]
        items: list[tuple[str, BaseModel]] = [
            (
                env.topics.receipts,
                DispatchSent(
                    delivery_id=d.delivery_id,
                    message_id=d.message_id,
                    member_id=d.member_id,
                    provider_message_id=f"wamid.{d.delivery_id}",
                    at=at,
                    channel=Channel.WHATSAPP,
                ),
            )
            for d in made
        ]
        if items:
            await produce(env.bootstrap, items, source="/nazar/social-publisher")
            answered.update(d.delivery_id for d in made)
        left = await pool.fetchval(
            "SELECT coalesce(sum(targeted - sent - failed), 0) FROM reach_counters"
            " WHERE message_id = $1",
            uuid.UUID(original),
        )
        return bool(left <= 0)

    await wait_for(none_waiting, within=120, every=1.0)


async def test_overdue_relay_and_silent_circles_escalate_up_the_chain(env: Env) -> None:
    topics = Topics(env.topics.events)
    pool = env.worker.pool
    assert pool is not None
    r = env.roster
    _, sp_bkn, _ = actors(env)
    t0 = datetime.now(UTC)
    did = await issued(
        env,
        t0,
        priority=Priority.URGENT,
        audience_units=["RNG-BIKANER"],
        relay_mode=RelayMode.MANUAL,
    )
    await relay_handlers.relay(pool, topics, did, "DST-BIKANER", None, None, sp_bkn, t0)
    await settled(env, did)
    deadline = t0 + timedelta(hours=2)

    report = await tick(pool, topics, deadline - timedelta(seconds=1))
    assert not report.escalations and not report.auto_relays
    report = await tick(pool, topics, deadline)
    assert report.escalations == [(did, "relay_overdue", "DST-CHURU")]
    assert not (await tick(pool, topics, deadline + timedelta(minutes=5))).escalations

    # Circle 1 acknowledges 8 of its 13 reachable members (62 %), circle 2 all of them.
    c1, c2 = r.circles_of["DST-BIKANER"]
    inside = {
        c: sorted(
            m
            for m in r.circle_members[c] & r.reachable
            if m not in (r.one("sp", "DST-BIKANER"), r.one("ig", "RNG-BIKANER"))
        )
        for c in (c1, c2)
    }
    assert len(inside[c1]) == 13
    for member in inside[c1][:8] + inside[c2]:
        await ack_handlers.acknowledge_directive(pool, topics, did, member, None, AckVia.APP, t0)
    await all_sent(env, did, t0)

    assert not (await tick(pool, topics, t0 + W - timedelta(seconds=1))).escalations
    report = await tick(pool, topics, t0 + W)
    assert report.escalations == [(did, "ack_to_co", c1)]
    assert not (await tick(pool, topics, t0 + W * 1.5)).escalations
    report = await tick(pool, topics, t0 + 2 * W)
    assert report.escalations == [(did, "ack_to_sp", c1)]
    assert not (await tick(pool, topics, t0 + 3 * W)).escalations

    await settled(env, did)
    sent = [
        s.data
        for s in await requested(env.bootstrap, env.topics.deliveries)
        if s.data.directive_id == str(did) and s.data.purpose is Purpose.ESCALATION
    ]
    to = {(s.member_id, s.title.split(" — ")[-1] if "—" in s.title else s.title) for s in sent}
    assert {m for m, _ in to} == {
        r.one("ig", "RNG-BIKANER"),
        r.one("co", c1),
        r.one("sp", "DST-BIKANER"),
    }
    assert all(s.ack_requested for s in sent)
    rows = await pool.fetch(
        "SELECT kind, unit_id, recipients, ack_share FROM escalations WHERE directive_id = $1 "
        "ORDER BY created_at",
        did,
    )
    assert [(x["kind"], x["unit_id"], x["recipients"]) for x in rows] == [
        ("relay_overdue", "DST-CHURU", [r.one("ig", "RNG-BIKANER")]),
        ("ack_to_co", c1, [r.one("co", c1)]),
        ("ack_to_sp", c1, [r.one("sp", "DST-BIKANER")]),
    ]
    assert abs(rows[1]["ack_share"] - 8 / 13) < 1e-6
    # Churu's circle members still have nothing: only its SP and IG (from the issue).
    churu = {m for c in r.circles_of["DST-CHURU"] for m in r.circle_members[c]}
    everyone = {
        s.data.member_id
        for s in await requested(env.bootstrap, env.topics.deliveries)
        if s.data.directive_id == str(did)
    }
    assert everyone & churu == {r.one("sp", "DST-CHURU"), r.one("ig", "RNG-BIKANER")}
    audited = await automatic_entries(pool, subject=f"directive:{did}", action="directive.escalate")
    assert [(a["actor"], a["action"], a["target_unit"], a["outcome"]) for a in audited] == [
        ("system:scheduler", "directive.escalate", "DST-CHURU", "allowed"),
        ("system:scheduler", "directive.escalate", c1, "allowed"),
        ("system:scheduler", "directive.escalate", c1, "allowed"),
    ]
    reasons = [a["reason"] for a in audited]
    assert reasons[0].startswith(f"relay deadline {deadline.isoformat(timespec='seconds')} passed")
    assert reasons[0].endswith("relay_overdue: 1 recipient(s)")
    assert "acknowledgement window 240 min passed" in reasons[1] and "ack_to_co" in reasons[1]
    assert "ack_to_sp" in reasons[2]
    # No event triggered them; no request either.
    assert {(a["cause_event_id"], a["method"], a["status"]) for a in audited} == {
        (None, None, None)
    }


async def test_automatic_mode_relays_at_the_deadline_and_expiry_closes(env: Env) -> None:
    topics = Topics(env.topics.events)
    pool = env.worker.pool
    assert pool is not None
    r = env.roster
    t0 = datetime.now(UTC)
    did = await issued(
        env,
        t0,
        priority=Priority.FLASH,
        audience_units=["CP-JAIPUR"],
        relay_mode=RelayMode.AUTOMATIC,
        expires_at=t0 + timedelta(days=1),
    )
    assert not (await tick(pool, topics, t0 + timedelta(minutes=14))).auto_relays
    report = await tick(pool, topics, t0 + timedelta(minutes=15))
    assert report.auto_relays == [(did, "DST-JAIPUR-EAST")] and not report.escalations
    await settled(env, did)
    relay = await pool.fetchrow("SELECT relayed_by, circles FROM relays WHERE directive_id=$1", did)
    assert relay is not None and relay["relayed_by"] is None
    assert sorted(relay["circles"]) == sorted(r.circles_of["DST-JAIPUR-EAST"])
    got = {
        s.data.member_id
        for s in await requested(env.bootstrap, env.topics.flash)
        if s.data.directive_id == str(did)
    }
    circles = {m for c in r.circles_of["DST-JAIPUR-EAST"] for m in r.circle_members[c]}
    assert circles & r.reachable <= got

    report = await tick(pool, topics, t0 + timedelta(days=1))
    assert report.closed == [did]
    assert await pool.fetchval("SELECT state FROM directives WHERE id = $1", did) == "closed"
    assert not (await tick(pool, topics, t0 + timedelta(days=2))).closed
    # (The day's tick also escalated the silent circles: those are entries of their own.)
    audited = [
        a
        for a in await automatic_entries(pool, subject=f"directive:{did}")
        if a["action"] != "directive.escalate"
    ]
    assert [(a["actor"], a["action"], a["target_unit"]) for a in audited] == [
        ("system:scheduler", "directive.relay", "DST-JAIPUR-EAST"),
        ("system:scheduler", "directive.close", None),
    ]
    assert audited[0]["reason"].startswith("relay deadline ")
    assert audited[1]["reason"] == (
        f"expiry {(t0 + timedelta(days=1)).isoformat(timespec='seconds')} passed"
    )


async def _relayed_in_bikaner(env: Env, t0: datetime) -> uuid.UUID:
    """An urgent directive to Bikaner district, relayed by its SP at `t0`, fanned out."""
    pool = env.worker.pool
    assert pool is not None
    _, sp_bkn, _ = actors(env)
    did = await issued(
        env, t0, priority=Priority.URGENT, audience_units=["DST-BIKANER"],
        relay_mode=RelayMode.MANUAL,
    )  # fmt: skip
    await relay_handlers.relay(pool, Topics(env.topics.events), did, "DST-BIKANER", None, None,
                               sp_bkn, t0)  # fmt: skip
    await settled(env, did)
    return did


async def test_a_circle_the_provider_has_not_reached_is_held_then_gets_a_whole_window(
    env: Env,
) -> None:
    """Issue 19 item 7: a provider outage must not count against the members it kept the message
    from. At the end of the window nobody has a sent receipt: the circles are held, their clock
    restarting at every check; once the provider has taken everything they are released, and a
    circle under the threshold is escalated a whole window after the last check that found it
    waiting, not at once. A hold ends after `hold_max` whatever comes."""
    topics = Topics(env.topics.events)
    pool = env.worker.pool
    assert pool is not None
    r = env.roster
    t0 = datetime.now(UTC)
    did = await _relayed_in_bikaner(env, t0)
    c1, c2 = r.circles_of["DST-BIKANER"]
    inside = sorted(
        m
        for m in r.circle_members[c1] & r.reachable
        if m not in (r.one("sp", "DST-BIKANER"), r.one("ig", "RNG-BIKANER"))
    )
    for member in inside[:2]:  # 2 of 13: far under the threshold
        await ack_handlers.acknowledge_directive(pool, topics, did, member, None, AckVia.APP, t0)

    report = await tick(pool, topics, t0 + W)  # the outage: nothing sent yet
    assert not report.escalations and sorted(c for _, c in report.held) == sorted([c1, c2])
    outage_over = t0 + W + timedelta(minutes=30)
    for minutes in (5, 10, 25):  # held: checked at every tick, nothing escalated
        assert not (await tick(pool, topics, t0 + W + timedelta(minutes=minutes))).escalations
    await all_sent(env, did, outage_over)
    released = await tick(pool, topics, outage_over)
    assert not released.escalations and not released.held
    rows = await pool.fetch(
        "SELECT held, clock_from FROM relayed_circles WHERE directive_id = $1", did
    )
    last_waiting = t0 + W + timedelta(minutes=25)
    assert {(x["held"], x["clock_from"]) for x in rows} == {(False, last_waiting)}
    assert not (await tick(pool, topics, last_waiting + W - timedelta(seconds=1))).escalations
    report = await tick(pool, topics, last_waiting + W)
    assert sorted(report.escalations) == sorted([(did, "ack_to_co", c1), (did, "ack_to_co", c2)])


async def test_a_hold_ends_after_hold_max(env: Env) -> None:
    topics = Topics(env.topics.events)
    pool = env.worker.pool
    assert pool is not None
    r = env.roster
    t0 = datetime.now(UTC)
    await _relayed_in_bikaner(env, t0)
    hold_max = 2 * W
    assert (await tick(pool, topics, t0 + W, hold_max)).held
    # Past hold_max the circles are released with the clock of their last waiting check, and
    # judged a window later though nobody was ever sent anything (a receipt lost for good).
    last = t0 + W + timedelta(hours=1)
    assert not (await tick(pool, topics, last, hold_max)).escalations
    assert not (await tick(pool, topics, t0 + hold_max, hold_max)).escalations
    report = await tick(pool, topics, last + W, hold_max)
    assert sorted(c for _, kind, c in report.escalations if kind == "ack_to_co") == sorted(
        r.circles_of["DST-BIKANER"]
    )
