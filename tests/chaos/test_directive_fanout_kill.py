"""The fan-out survives SIGKILL: a state-wide directive with every district's relay submitted at
once, the directive worker killed five times mid-fan-out and restarted. Afterwards every reachable
member of every relayed circle has exactly one delivery of the directive, with the contract's id,
and it is on Kafka; nobody else has one; counters equal a recount. A record the worker had sent
but not seen acknowledged before a kill may be on the wire twice — with the same delivery id and
CloudEvents id, so the publisher drops it — and those repeats are bounded by what was in flight.
"""

from __future__ import annotations

import asyncio
import random
import subprocess
import tempfile
from collections import Counter
from datetime import UTC, datetime
from pathlib import Path

import pytest
from directive.app import parts
from directive.domain.model import Priority, Text
from directive.handlers import issue as issue_handlers
from directive.handlers import relay as relay_handlers
from directive.handlers.common import Actor, Topics
from directive.store import reach
from directive.store import roster as roster_store
from nazar_contracts.ids import delivery_id
from nazar_platform import db
from nazar_platform.service import migrate

from bench.fanout.roster import generate
from tests.conftest import TopicFactory
from tests.integration.directive.support import (
    make_topics,
    requested,
    settings_env,
    settings_for,
    sigkill,
    start_worker,
)
from tests.integration.platform.support import wait_for

KILLS = 5
BATCH = 25  # small batches: many of them, so the kills land mid-fan-out
CONCURRENCY = 2


@pytest.mark.slow
async def test_fan_out_killed_five_times_sends_each_member_the_directive_once(
    kafka_bootstrap: str, fresh_database: str, new_topic: TopicFactory
) -> None:
    topics = await make_topics(new_topic)
    tmp = Path(tempfile.mkdtemp(prefix="directive-kill-"))
    settings = settings_for(
        fresh_database,
        kafka_bootstrap,
        topics,
        tmp,
        fanout_batch_size=BATCH,
        fanout_concurrency=CONCURRENCY,
        scheduler_interval="PT3600S",
    )
    await migrate(parts(settings))
    roster = generate(members_per_station=40, seed=11)  # ~36,000 members in 230 circle groups
    pool = await db.create_pool(fresh_database, min_size=1, max_size=4)
    proc: subprocess.Popen[bytes] | None = None
    try:
        async with pool.acquire() as conn:
            await roster_store.upsert_units(conn, roster.units)
            await roster_store.upsert_members(conn, roster.members)
            await roster_store.upsert_groups(conn, roster.groups)
        events = Topics(topics.events)
        now = datetime.now(UTC)
        adg = Actor(roster.adg_id, "adg", roster.state_id)
        did = await issue_handlers.issue(
            pool,
            events,
            issue_handlers.IssueCommand(
                text=Text(title_hi="राज्यव्यापी निर्देश", body_hi="सभी सदस्य सतर्क रहें।"),
                priority=Priority.URGENT,
            ),
            adg,
            now,
        )
        await asyncio.gather(
            *(
                relay_handlers.relay(
                    pool, events, did, d, None, None, Actor(f"sp-{d}", "sp", d), now
                )
                for d in roster.districts
            )
        )
        env = settings_env(settings)
        proc = start_worker(env)
        kills = 0
        rng = random.Random(5)

        async def progress() -> int:
            return int(
                await pool.fetchval(
                    "SELECT coalesce(sum(requested), 0) FROM jobs WHERE directive_id = $1", did
                )
            )

        while kills < KILLS:
            before = await progress()

            async def moving(before: int = before) -> bool:
                return await progress() > before

            await wait_for(moving, within=120, every=0.1)  # this run is fanning out now
            await asyncio.sleep(rng.uniform(0.2, 1.5))
            left = await pool.fetchval(
                "SELECT count(*) FROM jobs WHERE directive_id = $1 AND finished_at IS NULL", did
            )
            if left == 0:
                break
            sigkill(proc)
            kills += 1
            proc = start_worker(env)
        assert kills == KILLS, f"the fan-out finished after {kills} kills; make it bigger"

        async def finished() -> bool:
            left = await pool.fetchval(
                "SELECT count(*) FROM jobs WHERE directive_id = $1 AND finished_at IS NULL", did
            )
            return bool(left == 0)

        await wait_for(finished, within=300, every=1)
        original = await pool.fetchval(
            "SELECT original_message_id FROM directives WHERE id = $1", did
        )
        expected = set(
            await pool.fetchval(
                "SELECT member_ids FROM jobs WHERE kind = 'issue' AND directive_id = $1", did
            )
        )
        reachable = {m.id for m in roster.members if m.may_message()}
        for g in roster.groups:
            expected |= set(g.members) & reachable

        sent = await requested(kafka_bootstrap, topics.deliveries)
        per_delivery = Counter(s.data.delivery_id for s in sent)
        members = {s.data.member_id for s in sent}
        assert members == expected
        # one delivery per member, no second id; if not, say which messages the extra ones carry
        by_message = Counter(s.data.message_id for s in sent)
        assert len(per_delivery) == len(expected), (str(original), by_message.most_common(5))
        for s in sent:
            assert s.data.message_id == str(original)
            assert s.data.delivery_id == delivery_id(s.data.message_id, s.data.member_id)
        ce_ids = Counter(dict(s.record.headers)["ce_id"].decode() for s in sent)
        assert set(ce_ids) == set(per_delivery)  # a repeat carries the same CloudEvents id
        repeats = sum(per_delivery.values()) - len(per_delivery)
        assert repeats <= KILLS * BATCH * CONCURRENCY * 2, repeats
        rows = await pool.fetchval("SELECT count(*) FROM deliveries WHERE directive_id = $1", did)
        assert rows == len(expected)
        async with pool.acquire() as conn:
            assert await reach.counters(conn, did) == await reach.recount(conn, did)
        print(f"\nkills={kills} recipients={len(expected)} wire repeats={repeats}")
    finally:
        if proc is not None:
            sigkill(proc)
        await pool.close()
