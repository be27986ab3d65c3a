"""`nazar_rostergen seed` (what `deploy/stack up` runs) run again on a roster changed through the
API: it succeeds and leaves every change as it was."""

from __future__ import annotations

from typing import Any

import asyncpg
from nazar_rostergen.__main__ import seed
from nazar_rostergen.build import Scale

from tests.conftest import DatabaseFactory, TopicFactory
from tests.integration.roster.support import (
    erase,
    hq_token,
    make_topics,
    member_ids_by_role,
    running_roster,
    settings_for,
)


async def _one(database: str, sql: str, *args: Any) -> Any:
    conn = await asyncpg.connect(database)
    try:
        return await conn.fetchrow(sql, *args)
    finally:
        await conn.close()


async def test_seeding_a_changed_roster_again_keeps_the_changes(
    databases: DatabaseFactory, kafka_bootstrap: str
) -> None:
    database = await databases.create("roster_seed")
    factory = TopicFactory(kafka_bootstrap)
    topics = await make_topics(factory)
    settings = settings_for(database, kafka_bootstrap, topics)
    try:
        assert await seed(settings, Scale.DEMO) == 0
        async with running_roster(database, kafka_bootstrap, topics) as running:
            sho, erased = (await member_ids_by_role(database, "sho"))[:2]
            constable = (await member_ids_by_role(database, "constable"))[0]
            renamed = await _one(database, "SELECT unit_id FROM postings WHERE member_id = $1", sho)
            closed = await _one(
                database, "SELECT unit_id FROM postings WHERE member_id = $1", erased
            )
            async with running.client(hq_token()) as c:
                changes = [
                    await c.patch(f"/api/v1/members/{sho}", json={"name_latin": "Changed Name"}),
                    await c.patch(f"/api/v1/members/{constable}", json={"active": False}),
                    await c.patch(
                        f"/api/v1/units/{renamed['unit_id']}", json={"name_en": "Renamed Thana"}
                    ),
                    # An erased member posted at a closed station: their row in the seed file
                    # has two problems at once.
                    await erase(running, erased),
                    await c.post(f"/api/v1/units/{closed['unit_id']}/closure"),
                ]
            assert [r.status_code for r in changes] == [200] * 5, [r.text for r in changes]

            assert await seed(settings, Scale.DEMO) == 0

        name = await _one(database, "SELECT name_latin FROM members WHERE member_id = $1", sho)
        active = await _one(database, "SELECT active FROM members WHERE member_id = $1", constable)
        unit = await _one(
            database, "SELECT name_en FROM units WHERE unit_id = $1", renamed["unit_id"]
        )
        station = await _one(
            database, "SELECT active FROM units WHERE unit_id = $1", closed["unit_id"]
        )
        gone = await _one(
            database, "SELECT erased_at, name_hi FROM members WHERE member_id = $1", erased
        )
        assert name["name_latin"] == "Changed Name" and active["active"] is False
        assert unit["name_en"] == "Renamed Thana" and station["active"] is False
        assert gone["erased_at"] is not None and gone["name_hi"] is None
    finally:
        await factory.delete_all()
        await databases.drop(database)
