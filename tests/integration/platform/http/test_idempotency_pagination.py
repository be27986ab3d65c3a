"""Idempotency-Key on POSTs and cursor pagination, through the test application."""

from __future__ import annotations

import asyncio
import base64
import hashlib
import json
import uuid
from datetime import timedelta
from typing import Any

import asyncpg
from nazar_platform.http import idempotency
from nazar_platform.http.idempotency import IdempotencyClaim

from tests.integration.platform.http.server import RunningApp, client
from tests.integration.platform.http.test_problems import assert_problem, note
from tests.integration.platform.http.testapp import add_units, bearer
from tests.integration.platform.refusals import wait_refusal
from tests.integration.platform.support import wait_for

CO = bearer("m-co-nokha", "co:CIR-NOKHA")
# Another member with the same grant: keys are per caller, not per grant.
OTHER_CO = bearer("m-co-nokha-2", "co:CIR-NOKHA")


def key() -> str:
    return f"field-app-{uuid.uuid4()}"


async def scalar(running_app: RunningApp, sql: str, *args: Any) -> Any:
    conn = await asyncpg.connect(running_app.database)
    try:
        return await conn.fetchval(sql, *args)
    finally:
        await conn.close()


async def test_a_repeat_returns_the_first_answer_and_changes_state_once(
    running_app: RunningApp,
) -> None:
    k = key()
    body = note("CIR-NOKHA", title={"hi": "नाकाबंदी की सूचना " + k})
    async with client(running_app) as http:
        first = await http.post("/api/v1/notes", json=body, headers={**CO, "Idempotency-Key": k})
        again = await http.post("/api/v1/notes", json=body, headers={**CO, "Idempotency-Key": k})
        third = await http.post("/api/v1/notes", json=body, headers={**CO, "Idempotency-Key": k})
        # Keys belong to one caller: another member's identical key is a different request.
        other = await http.post(
            "/api/v1/notes", json=body, headers={**OTHER_CO, "Idempotency-Key": k}
        )
    assert first.status_code == 201, first.text
    assert "idempotent-replayed" not in first.headers
    for repeat in (again, third):
        assert repeat.status_code == 201
        assert repeat.content == first.content
        assert repeat.headers["idempotent-replayed"] == "true"
        assert repeat.headers["location"] == first.headers["location"]
        assert repeat.headers["content-type"] == first.headers["content-type"]
        assert repeat.headers["x-request-id"] != first.headers["x-request-id"]
    assert other.status_code == 201 and "idempotent-replayed" not in other.headers
    assert other.json()["id"] != first.json()["id"]

    title = body["title"]["hi"]
    assert await scalar(running_app, "SELECT count(*) FROM notes WHERE title_hi = $1", title) == 2
    note_id = first.json()["id"]
    outbox = "SELECT count(*) FROM outbox WHERE key = $1"
    assert await scalar(running_app, outbox, note_id.encode()) == 1
    # The runtime's relay and consumer are running: the one event arrives once.
    await wait_for(
        lambda: _seen(running_app, note_id),
        within=30,
    )
    await asyncio.sleep(0.5)
    assert (
        await scalar(
            running_app, "SELECT count(*) FROM note_events_seen WHERE note_id = $1", note_id
        )
        == 1
    )


async def _seen(running_app: RunningApp, note_id: str) -> bool:
    found = await scalar(
        running_app, "SELECT count(*) FROM note_events_seen WHERE note_id = $1", note_id
    )
    return bool(found)


async def test_the_same_key_with_another_body_or_path_is_a_422(running_app: RunningApp) -> None:
    k = key()
    body = note("CIR-NOKHA", title={"hi": "पहला अनुरोध " + k})
    changed = note("CIR-NOKHA", title={"hi": "दूसरा अनुरोध " + k})
    async with client(running_app) as http:
        first = await http.post("/api/v1/notes", json=body, headers={**CO, "Idempotency-Key": k})
        conflict = await http.post(
            "/api/v1/notes",
            json=changed,
            headers={**CO, "Idempotency-Key": k, "Accept-Language": "hi"},
        )
        other_path = await http.post(
            f"/api/v1/notes/{first.json()['id']}/lock", headers={**CO, "Idempotency-Key": k}
        )
    assert first.status_code == 201
    problem = assert_problem(conflict, 422, "idempotency_key_reused")
    assert problem["title"] == "Idempotency-Key का दोबारा उपयोग"
    assert_problem(other_path, 422, "idempotency_key_reused")
    assert (
        await scalar(
            running_app, "SELECT count(*) FROM notes WHERE title_hi = $1", changed["title"]["hi"]
        )
        == 0
    )


async def test_the_same_key_while_the_first_request_runs_is_a_409(running_app: RunningApp) -> None:
    k = key()
    body = note("CIR-NOKHA", slow_ms=1500, title={"hi": "धीमा अनुरोध " + k})
    headers = {**CO, "Idempotency-Key": k}
    async with client(running_app) as http:
        first = asyncio.create_task(http.post("/api/v1/notes", json=body, headers=headers))
        await asyncio.sleep(0.5)
        during = await http.post("/api/v1/notes", json=body, headers=headers)
        done = await first
        after = await http.post("/api/v1/notes", json=body, headers=headers)
    problem = assert_problem(during, 409, "idempotency_request_in_flight")
    assert during.headers["retry-after"] == "1"
    assert "retry" in problem["detail"]
    assert done.status_code == 201
    assert after.status_code == 201 and after.headers["idempotent-replayed"] == "true"
    assert after.content == done.content


async def test_no_final_answer_is_not_stored(running_app: RunningApp) -> None:
    k = key()
    failing = note("CIR-NOKHA", fail=True)
    # The same member, still holding the charge of the next circle only.
    elsewhere = bearer("m-co-nokha", "co:CIR-KOLAYAT")
    body = note("CIR-NOKHA", title={"hi": "अनुमति के बाद " + k})
    async with client(running_app) as http:
        crash = await http.post("/api/v1/notes", json=failing, headers={**CO, "Idempotency-Key": k})
        crash_again = await http.post(
            "/api/v1/notes", json=failing, headers={**CO, "Idempotency-Key": k}
        )
        k2 = key()
        # A 403 (here refused after the key was claimed) is re-evaluated on retry: the same
        # member with the right grant now succeeds.
        refused = await http.post(
            "/api/v1/notes", json=body, headers={**elsewhere, "Idempotency-Key": k2}
        )
        allowed = await http.post("/api/v1/notes", json=body, headers={**CO, "Idempotency-Key": k2})
    assert_problem(crash, 500, "internal_error")
    assert_problem(crash_again, 500, "internal_error")
    assert "idempotent-replayed" not in crash_again.headers
    assert await scalar(running_app, "SELECT count(*) FROM idempotency_keys WHERE key = $1", k) == 0
    assert_problem(refused, 403, "access.forbidden")
    await wait_refusal(running_app.database, who="m-co-nokha", status=403, reason="outside_scope")
    assert allowed.status_code == 201 and "idempotent-replayed" not in allowed.headers


async def test_a_validation_error_is_a_final_answer_and_replayed(running_app: RunningApp) -> None:
    k = key()
    bad = note("CIR-NOKHA", priority="someday")
    async with client(running_app) as http:
        first = await http.post("/api/v1/notes", json=bad, headers={**CO, "Idempotency-Key": k})
        again = await http.post("/api/v1/notes", json=bad, headers={**CO, "Idempotency-Key": k})
    assert_problem(first, 422, "validation_failed")
    assert again.status_code == 422 and again.headers["idempotent-replayed"] == "true"
    assert again.json()["errors"] == first.json()["errors"]


async def test_a_key_abandoned_by_a_crash_is_taken_over_without_a_second_effect(
    running_app: RunningApp,
) -> None:
    """The process died after the handler committed but before the response was stored."""
    k = key()
    raw = json.dumps(note("CIR-NOKHA", title={"hi": "क्रैश के बाद " + k})).encode()
    claim = IdempotencyClaim("m-co-nokha", k, hashlib.sha256(raw).hexdigest(), uuid.uuid4())
    note_id = claim.derived_id("note")
    conn = await asyncpg.connect(running_app.database)
    try:
        await conn.execute(
            "INSERT INTO idempotency_keys (caller, key, method, path, fingerprint, claim,"
            " locked_until) VALUES ($1, $2, 'POST', '/api/v1/notes', $3, $4,"
            " now() - interval '1 second')",
            claim.caller,
            k,
            claim.fingerprint,
            claim.claim,
        )
        await conn.execute(
            "INSERT INTO notes (id, unit_id, title_hi, priority, tags, created_by)"
            " VALUES ($1, 'CIR-NOKHA', 'क्रैश से पहले', 'urgent', '{}', 'm-co-nokha')",
            note_id,
        )
    finally:
        await conn.close()
    async with client(running_app) as http:
        retry = await http.post(
            "/api/v1/notes",
            content=raw,
            headers={**CO, "Idempotency-Key": k, "Content-Type": "application/json"},
        )
    assert retry.status_code == 201, retry.text
    assert retry.json()["id"] == str(note_id)
    assert retry.json()["title"]["hi"] == "क्रैश से पहले"  # the first run's note, not a new one
    assert await scalar(running_app, "SELECT count(*) FROM notes WHERE id = $1", note_id) == 1


async def test_expired_keys_are_reusable_and_pruned(running_app: RunningApp) -> None:
    k = key()
    async with client(running_app) as http:
        first = await http.post(
            "/api/v1/notes", json=note("CIR-NOKHA"), headers={**CO, "Idempotency-Key": k}
        )
        conn = await asyncpg.connect(running_app.database)
        try:
            await conn.execute(
                "UPDATE idempotency_keys SET created_at = now() - interval '25 hours'"
                " WHERE key = $1",
                k,
            )
            reused = await http.post(
                "/api/v1/notes",
                json=note("CIR-NOKHA", title={"hi": "नया अनुरोध"}),
                headers={**CO, "Idempotency-Key": k},
            )
            await conn.execute(
                "UPDATE idempotency_keys SET created_at = now() - interval '25 hours'"
                " WHERE key = $1",
                k,
            )
            pool = running_app.app.state.runtime.pool
            pruned = await idempotency.prune(pool, timedelta(hours=24))
            left = await conn.fetchval("SELECT count(*) FROM idempotency_keys WHERE key = $1", k)
        finally:
            await conn.close()
    assert first.status_code == 201
    assert reused.status_code == 201 and "idempotent-replayed" not in reused.headers
    assert reused.json()["id"] != first.json()["id"]
    assert pruned >= 1 and left == 0


async def test_pages_hold_every_item_exactly_once(running_app: RunningApp) -> None:
    # A circle of its own, so that the list holds this test's notes only.
    unit = f"CIR-{uuid.uuid4().hex[:8].upper()}"
    await add_units(running_app.database, {unit: "DST-BIKANER"})
    new_co = bearer("m-co-new", f"co:{unit}")
    async with client(running_app) as http:
        created = []
        for i in range(10):
            r = await http.post(
                "/api/v1/notes", json=note(unit, title={"hi": f"सूचना {i}"}), headers=new_co
            )
            assert r.status_code == 201, r.text
            created.append(r.json()["id"])
        pages: list[list[dict[str, Any]]] = []
        cursor: str | None = None
        while True:
            params: dict[str, Any] = {"unit": unit, "limit": 3}
            if cursor:
                params["cursor"] = cursor
            page = (await http.get("/api/v1/notes", params=params, headers=new_co)).json()
            pages.append(page["items"])
            if len(pages) == 2:
                # Written while a client pages: it sorts last, so it shows up exactly once.
                r = await http.post("/api/v1/notes", json=note(unit), headers=new_co)
                created.append(r.json()["id"])
            cursor = page["next_cursor"]
            if cursor is None:
                break
    assert [len(p) for p in pages] == [3, 3, 3, 2]
    seen = [item["id"] for p in pages for item in p]
    assert seen == created  # all of them, none twice, in creation order
    stamps = [item["created_at"] for p in pages for item in p]
    assert stamps == sorted(stamps)


def _cursor(document: object) -> str:
    return base64.urlsafe_b64encode(json.dumps(document).encode()).rstrip(b"=").decode()


async def test_tampered_cursors_and_limits_out_of_bounds_are_refused(
    running_app: RunningApp,
) -> None:
    bad_cursors = [
        "%%%",
        _cursor({"v": 1, "k": ["2025-01-01T00:00:00+00:00"]}),  # too short
        _cursor({"v": 1, "k": [5, str(uuid.uuid4())]}),  # wrong type
        _cursor({"v": 1, "k": ["2025-01-01T00:00:00", str(uuid.uuid4())]}),  # no time zone
        _cursor({"v": 2, "k": ["2025-01-01T00:00:00+00:00", str(uuid.uuid4())]}),
        _cursor(["not", "an", "object"]),
    ]
    async with client(running_app) as http:
        for cursor in bad_cursors:
            response = await http.get("/api/v1/notes", params={"cursor": cursor}, headers=CO)
            assert_problem(response, 400, "invalid_cursor")
        for limit in (0, 501):
            response = await http.get("/api/v1/notes", params={"limit": limit}, headers=CO)
            errors = assert_problem(response, 422, "validation_failed")["errors"]
            assert [e["field"] for e in errors] == ["query.limit"]
        fine = await http.get("/api/v1/notes", params={"limit": 500}, headers=CO)
    assert fine.status_code == 200
