"""A story's circulation survives SIGKILL: a state-wide circulation requested on story.events.v1,
the directive worker killed three times mid-fan-out and restarted. Afterwards every reachable
member of the PHQ crime admin group and of every circle group has exactly one delivery of the
story, with the contract's id, and it is on Kafka; nobody else has one; counters equal a recount;
the request, redelivered after all that, sends nothing more.
"""

from __future__ import annotations

import asyncio
import random
import subprocess
import tempfile
import uuid
from collections import Counter
from datetime import UTC, datetime
from pathlib import Path

import pytest
from directive.app import parts
from directive.handlers.stories import circulation_message_id
from directive.store import reach
from directive.store import roster as roster_store
from nazar_contracts.base import BilingualText
from nazar_contracts.ids import delivery_id
from nazar_contracts.stories import CirculationScope, StoryCirculationRequested, StoryKind
from nazar_platform import db
from nazar_platform.service import migrate

from bench.fanout.roster import generate
from tests.conftest import TopicFactory
from tests.integration.directive.support import (
    make_topics,
    produce,
    requested,
    settings_env,
    settings_for,
    sigkill,
    start_worker,
)
from tests.integration.platform.support import wait_for

KILLS = 3
BATCH = 25  # small batches: many of them, so the kills land mid-fan-out


@pytest.mark.slow
async def test_a_circulation_killed_three_times_reaches_each_member_once(
    kafka_bootstrap: str, fresh_database: str, new_topic: TopicFactory
) -> None:
    topics = await make_topics(new_topic)
    stories = await new_topic("story-events", partitions=3)
    tmp = Path(tempfile.mkdtemp(prefix="directive-story-kill-"))
    settings = settings_for(
        fresh_database,
        kafka_bootstrap,
        topics,
        tmp,
        topic_stories=stories,
        fanout_batch_size=BATCH,
        circulation_interval="PT0.2S",
        scheduler_interval="PT3600S",
    )
    await migrate(parts(settings))
    roster = generate(members_per_station=40, seed=13)  # ~36,000 members in 230 circle groups
    admins = [roster.adg_id, *(m.id for m in roster.members if "police_pro" in m.roles)]
    pool = await db.create_pool(fresh_database, min_size=1, max_size=4)
    proc: subprocess.Popen[bytes] | None = None
    story = f"sty-{uuid.uuid4().hex[:10]}"
    message_id = circulation_message_id(story)
    request = StoryCirculationRequested(
        story_id=story,
        kind=StoryKind.GANG_BUST,
        scope=CirculationScope.STATE,
        district_id=roster.districts[0],
        range_id=None,
        title=BilingualText(hi="वाहन चोर गिरोह का पर्दाफाश", en="Vehicle theft gang busted"),
        body=BilingualText(
            hi="पुलिस ने चोरी के बारह वाहन बरामद किए।", en="Twelve stolen vehicles found."
        ),
        approved_by="mbr-approver",
        at=datetime.now(UTC),
    )
    try:
        async with pool.acquire() as conn:
            await roster_store.upsert_units(conn, roster.units)
            await roster_store.upsert_members(conn, roster.members)
            await roster_store.upsert_groups(
                conn,
                [
                    *roster.groups,
                    roster_store.GroupRow(
                        "phq-crime-admin", "phq_crime_admin", roster.state_id, [], admins
                    ),
                ],
            )
        env = settings_env(settings)
        proc = start_worker(env)
        await produce(kafka_bootstrap, [(stories, request)], source="/nazar/story-intake")
        rng = random.Random(7)

        async def progress() -> int:
            found = await pool.fetchval("SELECT requested FROM jobs WHERE id = $1", message_id)
            return int(found or 0)

        async def finished() -> bool:
            return bool(
                await pool.fetchval(
                    "SELECT finished_at IS NOT NULL FROM jobs WHERE id = $1", message_id
                )
            )

        kills = 0
        while kills < KILLS:
            before = await progress()

            async def moving(before: int = before) -> bool:
                return await progress() > before

            await wait_for(moving, within=120, every=0.1)  # this run is fanning out now
            await asyncio.sleep(rng.uniform(0.2, 1.0))
            if await finished():
                break
            sigkill(proc)
            kills += 1
            proc = start_worker(env)
        assert kills == KILLS, f"the fan-out finished after {kills} kills; make it bigger"
        await wait_for(finished, within=300, every=1)

        # Redelivered (a new record: past the consumer's dedup) after all that: nothing more.
        await produce(kafka_bootstrap, [(stories, request)], source="/nazar/story-intake")
        await asyncio.sleep(3)

        reachable = {m.id for m in roster.members if m.may_message()}
        expected = set(admins) & reachable
        for g in roster.groups:
            if g.kind == "circle":
                expected |= set(g.members) & reachable
        sent = [
            s
            for s in await requested(kafka_bootstrap, topics.deliveries)
            if s.data.message_id == str(message_id)
        ]
        per_delivery = Counter(s.data.delivery_id for s in sent)
        assert {s.data.member_id for s in sent} == expected
        assert len(per_delivery) == len(expected)  # one delivery per member, no second id
        for s in sent:
            assert s.data.delivery_id == delivery_id(s.data.message_id, s.data.member_id)
        repeats = sum(per_delivery.values()) - len(per_delivery)
        assert repeats <= KILLS * BATCH * 2, repeats
        rows = await pool.fetchval(
            "SELECT count(*) FROM deliveries WHERE message_id = $1", message_id
        )
        assert rows == len(expected)
        assert await pool.fetchval("SELECT count(*) FROM jobs") == 1  # no second circulation
        async with pool.acquire() as conn:
            counted = await conn.fetch(
                "SELECT message_id, unit_id, targeted, sent, delivered, read, acknowledged, "
                "failed FROM reach_counters WHERE origin_kind = 'story' AND origin_id = $1",
                story,
            )
            recount = await reach.origin_recount(conn, "story", story)
        assert {(r["message_id"], r["unit_id"]): tuple(r)[2:] for r in counted} == {
            k: (c.targeted, c.sent, c.delivered, c.read, c.acknowledged, c.failed)
            for k, c in recount.items()
        }
        print(f"\nkills={kills} recipients={len(expected)} wire repeats={repeats}")
    finally:
        if proc is not None:
            sigkill(proc)
        await pool.close()
