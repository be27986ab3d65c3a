"""Automatic decisions on the audit trail (issue 18, item 7): written in the caller's transaction
(committed with the change, rolled back with it), once per triggering event however often it is
redelivered, refused by the table when incomplete, and read back through the same API as the
requests' entries, filterable and marked automatic."""

from __future__ import annotations

import csv
import io
import uuid

import asyncpg
import pytest
from nazar_platform import db
from nazar_platform.db import audit
from nazar_platform.db.audit import Cause, Decision

from tests.integration.platform.http.server import RunningApp, client
from tests.integration.platform.http.test_audit_trail import ADG, SP, read_all
from tests.integration.platform.http.test_problems import note

WORKER = audit.actor("test-worker")


def decision(event_id: str, **fields: str) -> Decision:
    return Decision(
        WORKER,
        "directive.relay",
        Cause.event(event_id),
        subject=fields.get("subject", "directive:d-1"),
        target_unit=fields.get("target_unit", "DST-BIKANER"),
        detail=fields.get("detail"),
    )


async def test_an_entry_commits_and_rolls_back_with_the_change_and_is_written_once(
    running_app: RunningApp,
) -> None:
    event_id = str(uuid.uuid4())
    pool = await db.create_pool(running_app.database, min_size=1, max_size=2)
    try:
        with pytest.raises(RuntimeError, match="rolled back"):
            async with db.transaction(pool) as conn:
                assert await audit.record(conn, decision(event_id))
                raise RuntimeError("the change failed: rolled back")
        count = "SELECT count(*) FROM audit_log WHERE cause_event_id = $1"
        assert await pool.fetchval(count, event_id) == 0
        written = []
        for _ in range(3):  # delivered, then redelivered to a consumer that skips dedupe
            async with db.transaction(pool) as conn:
                written.append(await audit.record(conn, decision(event_id)))
        assert written == [True, False, False]
        assert await pool.fetchval(count, event_id) == 1
        # One event deciding for two districts: two entries.
        async with db.transaction(pool) as conn:
            assert await audit.record(conn, decision(event_id, target_unit="DST-CHURU"))
        assert await pool.fetchval(count, event_id) == 2
        async with pool.acquire() as conn:
            with pytest.raises(RuntimeError, match="transaction of its change"):
                await audit.record(conn, decision(str(uuid.uuid4())))
    finally:
        await pool.close()


@pytest.mark.parametrize(
    "insert",
    [
        # An automatic entry with neither a cause event nor a reason.
        "INSERT INTO audit_log (actor, action, outcome) VALUES ('system:x', 'a', 'allowed')",
        # An actor that is not automatic.
        "INSERT INTO audit_log (actor, action, outcome, reason) "
        "VALUES ('m-sp-bikaner', 'a', 'allowed', 'why')",
        # A request's entry without its request.
        "INSERT INTO audit_log (request_id, outcome) VALUES ('r-1', 'allowed')",
    ],
)
async def test_the_table_refuses_an_incomplete_entry(running_app: RunningApp, insert: str) -> None:
    conn = await asyncpg.connect(running_app.database)
    try:
        with pytest.raises(asyncpg.CheckViolationError):
            await conn.execute(insert)
    finally:
        await conn.close()


async def test_the_read_api_lists_automatic_entries_with_their_cause(
    running_app: RunningApp,
) -> None:
    event_id, subject = str(uuid.uuid4()), f"directive:{uuid.uuid4()}"
    pool = await db.create_pool(running_app.database, min_size=1, max_size=2)
    try:
        async with db.transaction(pool) as conn:
            await audit.record(conn, decision(event_id, subject=subject, detail="२ जिले / 2"))
            await audit.record(
                conn,
                Decision(
                    audit.actor("scheduler"),
                    "directive.escalate",
                    Cause.scheduled("relay deadline 2026-12-05T06:00:00+00:00 passed"),
                    subject=subject,
                    target_unit="DST-CHURU",
                    detail="relay_overdue: 1 recipient(s)",
                ),
            )
    finally:
        await pool.close()
    async with client(running_app) as http:
        await http.post("/api/v1/notes", json=note("DST-BIKANER"), headers=SP)  # a request's
        automatic = [e for e in await read_all(http, automatic="true") if e["subject"] == subject]
        by_request = await read_all(http, automatic="false")
        by_cause = await read_all(http, cause_event=event_id)
        by_actor = await read_all(http, actor="system:scheduler")
        by_unit = await read_all(http, unit="DST-CHURU", automatic="true")
        export = await http.get("/api/v1/audit.csv", params={"automatic": "true"}, headers=ADG)
    relay, escalation = sorted(automatic, key=lambda e: e["id"])
    assert (relay["automatic"], relay["actor"], relay["action"], relay["cause_event_id"]) == (
        True,
        "system:test-worker",
        "directive.relay",
        event_id,
    )
    assert (relay["target_unit"], relay["outcome"], relay["reason"]) == (
        "DST-BIKANER",
        "allowed",
        "२ जिले / 2",
    )
    assert (relay["request_id"], relay["method"], relay["path"], relay["status"]) == (None,) * 4
    assert escalation["cause_event_id"] is None
    assert escalation["reason"] == (
        "relay deadline 2026-12-05T06:00:00+00:00 passed; relay_overdue: 1 recipient(s)"
    )
    assert by_request and all(not e["automatic"] and e["actor"] is None for e in by_request)
    assert [e["id"] for e in by_cause] == [relay["id"]]
    assert escalation["id"] in {e["id"] for e in by_actor}
    assert {e["actor"] for e in by_actor} == {"system:scheduler"}
    assert escalation["id"] in {e["id"] for e in by_unit} and relay["id"] not in {
        e["id"] for e in by_unit
    }
    rows = list(csv.DictReader(io.StringIO(export.content.decode("utf-8-sig"))))
    mine = {r["action"]: r for r in rows if r["subject"] == subject}
    assert mine["directive.relay"]["cause_event_id"] == event_id
    assert mine["directive.escalate"]["actor"] == "system:scheduler"
    assert {r["method"] for r in rows} == {""}
