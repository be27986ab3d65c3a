"""The pure parts of automatic decisions on the audit trail: actors, causes, the stored reason,
the read API's filters and how an entry reads back."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from nazar_platform.db.audit import Cause, Decision, actor, is_automatic
from nazar_platform.http.audit_api import COLUMNS, AuditFilter, AuditRecord, csv_lines


def test_an_automatic_actor_is_a_named_worker() -> None:
    assert actor("scheduler") == "system:scheduler"
    assert actor("alert-escalation") == "system:alert-escalation"
    for bad in ("", "Scheduler", "sched uler", "system:x", "x" * 64):
        with pytest.raises(ValueError):
            actor(bad)
    assert is_automatic("system:opt-outs")
    assert not is_automatic("m-sp-bikaner") and not is_automatic(None)


def test_a_cause_is_an_event_or_a_tick_exactly_one() -> None:
    assert Cause.event("e-1") == Cause(event_id="e-1")
    assert Cause.scheduled("relay deadline passed").tick == "relay deadline passed"
    for bad in ({}, {"event_id": "e", "tick": "t"}, {"event_id": " "}, {"tick": ""}):
        with pytest.raises(ValueError):
            Cause(**bad)


def test_a_decision_says_who_what_and_why() -> None:
    by_event = Decision(actor("alerts"), "alert.route", Cause.event("e-1"), detail="stage routed")
    assert by_event.reason == "stage routed" and by_event.outcome == "allowed"
    by_tick = Decision(
        actor("scheduler"), "directive.close", Cause.scheduled("expiry 2026-12-05 passed")
    )
    assert by_tick.reason == "expiry 2026-12-05 passed"
    both = Decision(actor("scheduler"), "x", Cause.scheduled("deadline"), detail="2 recipient(s)")
    assert both.reason == "deadline; 2 recipient(s)"
    assert Decision(actor("alerts"), "a", Cause.event("e")).reason is None
    with pytest.raises(ValueError):
        Decision("m-sp-bikaner", "directive.relay", Cause.event("e"))
    with pytest.raises(ValueError):
        Decision("system:Bad Name", "directive.relay", Cause.event("e"))
    with pytest.raises(ValueError):
        Decision(actor("alerts"), "", Cause.event("e"))
    with pytest.raises(ValueError):
        Decision(actor("alerts"), "alert.route", Cause.event("e"), outcome="refused")


def test_filters_select_automatic_entries_by_actor_and_cause() -> None:
    conditions, args = AuditFilter(
        automatic=True, actor="system:scheduler", cause_event="e-1"
    ).where()
    assert conditions == ["actor IS NOT NULL", "actor = $1", "cause_event_id = $2"]
    assert args == ["system:scheduler", "e-1"]
    conditions, args = AuditFilter(member="m-1", automatic=False).where()
    assert conditions == ["member_id = $1", "actor IS NULL"] and args == ["m-1"]
    assert AuditFilter().where() == ([], [])


def test_an_automatic_entry_reads_back_as_automatic_without_a_request() -> None:
    at = datetime(2026, 12, 5, tzinfo=UTC)
    row = {
        **dict.fromkeys(COLUMNS),
        "id": 7,
        "at": at,
        "action": "roster.consent",
        "target_member": "m-1",
        "outcome": "allowed",
        "actor": "system:opt-outs",
        "cause_event_id": "e-1",
    }
    record = AuditRecord.from_row(row)
    assert record.automatic and record.actor == "system:opt-outs"
    assert (record.request_id, record.method, record.status) == (None, None, None)
    request = AuditRecord.from_row(
        {**row, "actor": None, "request_id": "r", "method": "POST", "path": "/x", "status": 201}
    )
    assert not request.automatic
    assert csv_lines([row]).endswith(",system:opt-outs,,e-1\r\n")  # type: ignore[list-item]
