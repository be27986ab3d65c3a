"""The audit trail: a mix of allowed, refused and state-changing requests, all read back: the
state changes as entries of their own, the refusals as counts per minute."""

from __future__ import annotations

import csv
import io
import logging
import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

import asyncpg
import httpx
import pytest
from cryptography.hazmat.primitives.asymmetric import rsa
from nazar_platform.http.audit_api import COLUMNS
from prometheus_client import REGISTRY

from tests.integration.platform.http.server import RunningApp, client
from tests.integration.platform.http.test_problems import note
from tests.integration.platform.http.testapp import bearer
from tests.integration.platform.refusals import wait_refusal

ADG = bearer("m-adg-crime", "adg:PHQ")
SP = bearer("m-sp-bikaner", "sp:DST-BIKANER")
CO = bearer("m-co-nokha", "co:CIR-NOKHA")
CONSTABLE = bearer("m-constable-1", "constable:PS-KOTGATE")
# Claims an HQ grant, but signed by nobody the app trusts.
FORGED = bearer(
    "m-adg-crime", "adg:PHQ", key=rsa.generate_private_key(public_exponent=65537, key_size=2048)
)


@dataclass
class Case:
    method: str
    path: str
    headers: dict[str, str] = field(default_factory=dict)
    json: Any = None
    status: int = 200
    # What the audit entry must say; None: the request must not be an entry of its own.
    expect: dict[str, Any] | None = None
    # What its refusal count must say (who, status, reason, action).
    refusal: dict[str, Any] | None = None
    request_id: str = ""


def cases(locked_note: str) -> list[Case]:
    bikaner = note("DST-BIKANER")
    return [
        Case("POST", "/api/v1/notes", SP, bikaner, 201, {
            "outcome": "allowed", "member_id": "m-sp-bikaner", "grant_role": "sp",
            "grant_unit": "DST-BIKANER", "action": "story.moderate",
            "target_unit": "DST-BIKANER", "reason": "within_subtree",
        }),
        # A CO may create notes in the circle, not at the district above it.
        Case("POST", "/api/v1/notes", CO, bikaner, 403, refusal={
            "who_kind": "member", "who": "m-co-nokha", "action": "story.moderate",
            "reason": "outside_scope",
        }),
        # A constable's role has no such action anywhere: refused before any unit is looked at.
        Case("POST", "/api/v1/notes", CONSTABLE, note("PS-KOTGATE"), 403, refusal={
            "who_kind": "member", "who": "m-constable-1", "action": "story.moderate",
            "reason": "role_lacks_action",
        }),
        Case("POST", "/api/v1/notes", {}, bikaner, 401, refusal={
            "who_kind": "address", "who": "127.0.0.1", "action": "", "reason": "missing_token",
        }),
        Case("GET", "/api/v1/notes", FORGED, None, 401, refusal={
            "who_kind": "address", "who": "127.0.0.1", "action": "", "reason": "bad_signature",
        }),
        Case("GET", "/api/v1/audit", SP, None, 403, refusal={
            "who_kind": "member", "who": "m-sp-bikaner", "action": "audit.read",
            "reason": "role_lacks_action",
        }),
        Case("GET", "/api/v1/notes", SP, None, 200, None),  # an allowed read is not audited
        Case("POST", "/api/v1/notes", SP, note("DST-BIKANER", priority="later"), 422, {
            "outcome": "failed", "member_id": "m-sp-bikaner", "grant_role": "sp",
            "grant_unit": "DST-BIKANER", "action": "story.moderate", "target_unit": None,
            "reason": "validation_failed",
        }),
        Case("POST", "/api/v1/boom", SP, None, 500, {
            "outcome": "failed", "member_id": None, "reason": "internal_error",
        }),
        Case("POST", f"/api/v1/notes/{locked_note}/lock", SP, None, 409, {
            "outcome": "failed", "member_id": "m-sp-bikaner", "grant_role": "sp",
            "grant_unit": "DST-BIKANER", "action": "alert.receive",
            "target_unit": "DST-BIKANER", "reason": "conflict",
        }),
        Case("POST", "/api/v1/सूचना", SP, {}, 404, {"outcome": "failed", "reason": "not_found"}),
        Case("DELETE", "/api/v1/notes", SP, None, 405, {
            "outcome": "failed", "reason": "method_not_allowed",
        }),
        Case("POST", "/api/v1/notes", SP, note("DST-NOWHERE"), 403, refusal={
            "who_kind": "member", "who": "m-sp-bikaner", "action": "story.moderate",
            "reason": "unknown_unit",
        }),
    ]  # fmt: skip


async def send(http: httpx.AsyncClient, case: Case, run: str, n: int) -> None:
    case.request_id = f"audit-{run}-{n}"
    response = await http.request(
        case.method,
        case.path,
        json=case.json,
        headers={**case.headers, "X-Request-ID": case.request_id, "User-Agent": "nazar-test/1"},
    )
    assert response.status_code == case.status, (case.path, response.text)


async def read_all(
    http: httpx.AsyncClient, path: str = "/api/v1/audit", **filters: Any
) -> list[dict[str, Any]]:
    entries: list[dict[str, Any]] = []
    params: dict[str, Any] = {"limit": 4, **filters}
    while True:
        response = await http.get(path, params=params, headers=ADG)
        assert response.status_code == 200, response.text
        page = response.json()
        entries += page["items"]
        if page["next_cursor"] is None:
            return entries
        params["cursor"] = page["next_cursor"]


async def locked_note(http: httpx.AsyncClient) -> str:
    created = await http.post("/api/v1/notes", json=note("DST-BIKANER"), headers=SP)
    note_id: str = created.json()["id"]
    assert (await http.post(f"/api/v1/notes/{note_id}/lock", headers=SP)).status_code == 200
    return note_id


async def test_every_state_change_and_refusal_is_read_back(running_app: RunningApp) -> None:
    run = uuid.uuid4().hex[:8]
    started = datetime.now(UTC)
    async with client(running_app) as http:
        mix = cases(await locked_note(http))
        for n, case in enumerate(mix):
            await send(http, case, run, n)
        key = {"Idempotency-Key": f"audit-{run}"}
        replay = Case("POST", "/api/v1/notes", {**SP, **key}, note("DST-BIKANER"), 201)
        await send(http, replay, run, 100)
        await send(http, replay, run, 101)
        entries = await read_all(http)

    ours = {e["request_id"]: e for e in entries if e["request_id"].startswith(f"audit-{run}-")}
    ids = [e["id"] for e in entries]
    assert ids == sorted(ids, reverse=True)  # newest first, no entry twice across pages
    assert len(set(ids)) == len(ids)
    for case in mix:
        if case.expect is None:
            assert case.request_id not in ours, case
            continue
        entry = ours[case.request_id]
        assert entry["method"] == case.method
        assert entry["path"] == case.path
        assert entry["status"] == case.status
        assert entry["client_ip"] == "127.0.0.1"
        assert entry["user_agent"] == "nazar-test/1"
        assert started - timedelta(seconds=5) < datetime.fromisoformat(entry["at"])
        for name, value in case.expect.items():
            assert entry[name] == value, (case.path, name, entry)
    first, repeat = ours[f"audit-{run}-100"], ours[f"audit-{run}-101"]
    assert (first["outcome"], first["action"], first["reason"]) == (
        "allowed",
        "story.moderate",
        "within_subtree",
    )
    # The replay is answered after the role check, before the handler (and its unit check) runs.
    assert (repeat["outcome"], repeat["grant_role"], repeat["grant_unit"]) == (
        "allowed",
        "sp",
        "DST-BIKANER",
    )
    assert repeat["reason"] == "idempotent replay; role_has_action"
    expected = {c.request_id for c in mix if c.expect} | {first["request_id"], repeat["request_id"]}
    assert set(ours) == expected
    # Each refusal is counted, with its precise reason, under the member or the address.
    for case in mix:
        if case.refusal is not None:
            await wait_refusal(running_app.database, status=case.status, **case.refusal)
    async with client(running_app) as http:
        counted = await read_all(http, "/api/v1/audit/refusals")
    for case in mix:
        if case.refusal is not None:
            wanted = {
                **case.refusal,
                "status": case.status,
                "action": case.refusal["action"] or None,
            }
            assert any(
                all(row[k] == v for k, v in wanted.items())
                and row["count"] >= 1
                and started - timedelta(minutes=1) < datetime.fromisoformat(row["minute"])
                for row in counted
            ), (wanted, counted)


async def test_filters_select_by_member_unit_outcome_action_and_time(
    running_app: RunningApp,
) -> None:
    run = uuid.uuid4().hex[:8]
    async with client(running_app) as http:
        every = cases(str(uuid.uuid4()))
        # allowed; failed validation, a 500, an unknown route, a method not allowed
        mix = [every[0], every[7], every[8], every[10], every[11]]
        for n, case in enumerate(mix):
            await send(http, case, run, n)
        mine = f"audit-{run}-"

        async def ours(**filters: Any) -> set[int]:
            return {
                int(e["request_id"].rsplit("-", 1)[1])
                for e in await read_all(http, **filters)
                if e["request_id"].startswith(mine)
            }

        assert await ours(outcome="failed") == {1, 2, 3, 4}
        assert await ours(outcome="allowed") == {0}
        assert await ours(outcome="refused") == set()  # refusals are counted, not entries
        assert await ours(member="m-sp-bikaner") == {0, 1}
        assert await ours(unit="DST-BIKANER") == {0, 1}  # target or grant unit
        assert await ours(action="story.moderate") == {0, 1}
        future = (datetime.now(UTC) + timedelta(minutes=1)).isoformat()
        assert await ours(**{"from": future}) == set()
        assert await ours(to=future) == {0, 1, 2, 3, 4}
        bad = await http.get("/api/v1/audit", params={"outcome": "maybe"}, headers=ADG)
    assert bad.status_code == 422
    assert [e["field"] for e in bad.json()["errors"]] == ["query.outcome"]


async def test_csv_export_has_every_entry_and_opens_in_excel(running_app: RunningApp) -> None:
    run = uuid.uuid4().hex[:8]
    async with client(running_app) as http:
        mix = [c for c in cases(await locked_note(http)) if c.expect]
        for n, case in enumerate(mix):
            await send(http, case, run, n)
        export = await http.get("/api/v1/audit.csv", headers=ADG)
        failed_only = await http.get("/api/v1/audit.csv", params={"outcome": "failed"}, headers=ADG)
        not_hq = await http.get("/api/v1/audit.csv", headers=SP)
    assert export.status_code == 200
    assert export.headers["content-type"] == "text/csv; charset=utf-8"
    assert export.headers["content-disposition"] == 'attachment; filename="audit.csv"'
    assert export.content.startswith(b"\xef\xbb\xbf")
    rows = list(csv.DictReader(io.StringIO(export.content.decode("utf-8-sig"))))
    assert tuple(rows[0].keys()) == COLUMNS
    by_request = {r["request_id"]: r for r in rows}
    for case in mix:
        row = by_request[case.request_id]
        assert (row["method"], row["path"], int(row["status"])) == (
            case.method,
            case.path,
            case.status,
        )
        assert row["outcome"] == case.expect["outcome"]  # type: ignore[index]
    [hindi] = [c for c in mix if "सूचना" in c.path]
    assert by_request[hindi.request_id]["path"] == "/api/v1/सूचना"
    failed = list(csv.DictReader(io.StringIO(failed_only.content.decode("utf-8-sig"))))
    assert failed and {r["outcome"] for r in failed} == {"failed"}
    assert not_hq.status_code == 403


async def test_csv_export_cells_never_run_as_formulas(running_app: RunningApp) -> None:
    """What a caller controls (the member id in a token, the user agent) is text in the file."""
    member = '=HYPERLINK("http://x","राम")'
    agent = "=cmd|' /C calc'!A0"
    run = uuid.uuid4().hex[:8]
    async with client(running_app) as http:
        sent = await http.post(
            "/api/v1/notes",
            json=note("DST-BIKANER"),
            headers={**bearer(member, "sp:DST-BIKANER"), "User-Agent": agent,
                     "X-Request-ID": f"formula-{run}"},
        )  # fmt: skip
        assert sent.status_code == 201, sent.text
        export = await http.get("/api/v1/audit.csv", params={"action": "story.moderate"},
                                headers=ADG)  # fmt: skip
    rows = list(csv.DictReader(io.StringIO(export.content.decode("utf-8-sig"), newline="")))
    [row] = [r for r in rows if r["request_id"] == f"formula-{run}"]
    assert (row["member_id"], row["user_agent"]) == ("'" + member, "'" + agent)
    assert not any(v.startswith(("=", "+", "-", "@", "\t", "\r")) for r in rows for v in r.values())


@pytest.mark.parametrize(
    "statement",
    ["UPDATE audit_log SET outcome = 'allowed'", "DELETE FROM audit_log", "TRUNCATE audit_log"],
)
async def test_the_database_refuses_to_change_the_trail(
    running_app: RunningApp, statement: str
) -> None:
    async with client(running_app) as http:
        await http.post("/api/v1/notes", json=note("DST-BIKANER"), headers=SP)
    conn = await asyncpg.connect(running_app.database)
    try:
        before = await conn.fetchval("SELECT count(*) FROM audit_log")
        with pytest.raises(asyncpg.InsufficientPrivilegeError, match="append-only"):
            await conn.execute(statement)
        assert await conn.fetchval("SELECT count(*) FROM audit_log") == before > 0
    finally:
        await conn.close()


class _Collect(logging.Handler):
    def __init__(self) -> None:
        super().__init__()
        self.events: list[dict[str, Any]] = []

    def emit(self, record: logging.LogRecord) -> None:
        if isinstance(record.msg, dict):
            self.events.append(record.msg)


async def test_an_entry_that_cannot_be_written_is_logged_and_counted(
    running_app: RunningApp,
) -> None:
    failures = REGISTRY.get_sample_value("nazar_audit_write_failures_total") or 0.0
    collect = _Collect()
    logger = logging.getLogger("nazar_platform.http.audit")
    logger.addHandler(collect)
    conn = await asyncpg.connect(running_app.database)
    try:
        await conn.execute("ALTER TABLE audit_log RENAME TO audit_log_away")
        async with client(running_app) as http:
            response = await http.post(
                "/api/v1/notes",
                json=note("DST-BIKANER"),
                headers={**SP, "X-Request-ID": "audit-lost-1"},
            )
    finally:
        await conn.execute("ALTER TABLE audit_log_away RENAME TO audit_log")
        await conn.close()
        logger.removeHandler(collect)
    assert response.status_code == 201  # the caller still gets the answer
    assert REGISTRY.get_sample_value("nazar_audit_write_failures_total") == failures + 1
    [event] = [e for e in collect.events if e.get("event") == "audit entry not written"]
    assert event["request_id"] == "audit-lost-1"
    assert event["member_id"] == "m-sp-bikaner" and event["action"] == "story.moderate"
    assert (event["grant_role"], event["grant_unit"]) == ("sp", "DST-BIKANER")
    assert event["outcome"] == "allowed" and event["status"] == 201


async def test_a_change_refused_for_bad_text_is_on_the_record(running_app: RunningApp) -> None:
    """The entry keeps the path it was refused for, the bad character replaced: PostgreSQL would
    refuse the NUL itself, and the entry would be lost."""
    failures = REGISTRY.get_sample_value("nazar_audit_write_failures_total") or 0.0
    async with client(running_app) as http:
        response = await http.post(
            "/api/v1/notes/%00/lock",
            headers={**SP, "X-Request-ID": "audit-nul-1"},
        )
        assert response.status_code == 422
        entries = await read_all(http)
    [entry] = [e for e in entries if e["request_id"] == "audit-nul-1"]
    assert (entry["path"], entry["status"], entry["outcome"], entry["reason"]) == (
        "/api/v1/notes/\ufffd/lock",
        422,
        "failed",
        "invalid_text",
    )
    assert REGISTRY.get_sample_value("nazar_audit_write_failures_total") == failures
