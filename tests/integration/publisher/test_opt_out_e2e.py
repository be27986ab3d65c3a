"""Opt-out end to end, with the roster running (issue 5, "Done when").

A volunteer with consent replies "बंद" on WhatsApp (the fake plays them) -> the publisher emits
`dispatch.opted_out` -> the roster withdraws consent and republishes the contact on
roster.contacts.v1 -> the publisher's copy says "withdrawn" -> the next message to that member is
refused with a failed receipt, and nothing reaches the provider. The withdrawal is on the roster's
audit trail with the publisher's event's id as its cause.
"""

from __future__ import annotations

from pathlib import Path

import asyncpg
import pytest
from nazar_rostergen.build import Scale
from nazar_rostergen.files import write

from tests.conftest import DatabaseFactory, TopicFactory
from tests.integration.platform.support import automatic_entries
from tests.integration.publisher.support import make_stack, request, wait_for
from tests.integration.roster.support import (
    import_roster,
    make_topics,
    running_roster,
    wait_relayed,
)

pytestmark = pytest.mark.timeout(600)


@pytest.fixture(scope="module")
def roster_files(tmp_path_factory: pytest.TempPathFactory) -> Path:
    directory = tmp_path_factory.mktemp("publisher-roster-demo")
    write(directory, Scale.DEMO)
    return directory


async def _volunteer(database: str) -> tuple[str, str]:
    conn = await asyncpg.connect(database)
    try:
        row = await conn.fetchrow(
            """SELECT m.member_id, c.whatsapp FROM members m JOIN contacts c USING (member_id)
               WHERE m.consent_required AND m.consent_state = 'granted' AND m.active
                 AND c.whatsapp IS NOT NULL ORDER BY m.member_id LIMIT 1"""
        )
        assert row is not None
        return str(row["member_id"]), str(row["whatsapp"]).lstrip("+")
    finally:
        await conn.close()


async def test_a_bund_reply_withdraws_consent_and_the_next_message_is_refused(
    kafka_bootstrap: str, databases: DatabaseFactory, roster_files: Path
) -> None:
    factory = TopicFactory(kafka_bootstrap)
    roster_topics = await make_topics(factory)
    roster_db = await databases.create("roster_opt_out")
    stack = await make_stack(kafka_bootstrap, databases, factory)
    # The two services meet on the roster's contacts topic and the replies topic.
    stack.topics["contacts"] = roster_topics.contacts
    stack.topics["replies"] = roster_topics.replies
    try:
        async with running_roster(roster_db, kafka_bootstrap, roster_topics) as roster:
            await import_roster(roster, roster_files)
            await wait_relayed(roster_db)
            member, number = await _volunteer(roster_db)
            stack.start_fakes()
            await stack.start_publisher()

            async def consent(state: str) -> bool:
                rows = await stack.query(
                    "SELECT consent_state FROM contacts WHERE member_id = $1", member
                )
                return bool(rows) and rows[0]["consent_state"] == state

            await wait_for(lambda: consent("granted"), 120)
            await stack.fake("whatsapp", "inbound", {"from": number, "text": "बंद"})
            await wait_for(lambda: consent("withdrawn"), 120)
            opted = [r for r in await stack.replies({member}) if r["type"] == "opted_out"]
            assert [(r["keyword"], r["channel"]) for r in opted] == [("बंद", "whatsapp")]
            # The roster's withdrawal is on its audit trail, caused by the publisher's event.
            conn = await asyncpg.connect(roster_db)
            try:
                audited = await automatic_entries(conn, target_member=member)
            finally:
                await conn.close()
            assert [(a["actor"], a["action"], a["cause_event_id"]) for a in audited] == [
                ("system:opt-outs", "roster.consent", opted[0]["id"])
            ]
            req = request(member)
            await stack.deliver([req])

            async def refused() -> bool:
                return bool(await stack.receipts({req["delivery_id"]}))

            await wait_for(refused, 60)
            (receipt,) = await stack.receipts({req["delivery_id"]})
            assert receipt["type"] == "failed"
            assert receipt["error"]["code"] == "no_consent"
            assert await stack.sent_for({req["delivery_id"]}) == []
    finally:
        stack.stop()
        if stack.http is not None:
            await stack.http.close()
        await databases.drop(stack.dsn)
        await databases.drop(roster_db)
        await factory.delete_all()
