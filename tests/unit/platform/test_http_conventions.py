"""The pure parts of the HTTP conventions: language choice, messages, cursors, keys, audit rows."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime

import pytest
from nazar_contracts.vocabulary import Role
from nazar_platform.auth.access import AccessDecision, Action, Reason
from nazar_platform.auth.tokens import Grant, Principal
from nazar_platform.http.audit import entry_for, outcome_of, should_audit
from nazar_platform.http.audit_api import COLUMNS, csv_lines
from nazar_platform.http.context import request_id_for
from nazar_platform.http.idempotency import IdempotencyClaim, valid_key
from nazar_platform.http.pagination import Keyset, decode_cursor, encode_cursor
from nazar_platform.http.problem_messages import field_message, negotiate, render
from nazar_platform.http.problems import ProblemError


@pytest.mark.parametrize(
    ("header", "own", "expected"),
    [
        (None, None, "en"),
        ("", None, "en"),
        (None, "hi", "hi"),  # no header: the caller's own language
        ("hi", None, "hi"),
        ("hi-IN", None, "hi"),
        ("HI-in;q=0.5, en;q=0.4", None, "hi"),
        ("en;q=0.4, hi;q=0.5", None, "hi"),
        ("en-GB, hi;q=0.9", "hi", "en"),
        ("fr, de;q=0.9", None, "en"),
        ("fr, de;q=0.9", "hi", "hi"),
        ("*", "hi", "hi"),
        ("hi;q=0, en;q=0.1", None, "en"),  # q=0 means "not this one"
        ("hi;q=abc, en;q=0.1", None, "en"),
        ("mr, *;q=0.5, en;q=0.1", None, "en"),
        ("ta", "xx", "en"),
    ],
)
def test_language_negotiation(header: str | None, own: str | None, expected: str) -> None:
    assert negotiate(header, own) == expected


def test_templates_drop_a_detail_whose_parameter_is_missing() -> None:
    assert render("{a} and {b}", {"a": 1, "b": ["x", "y"]}) == "1 and x, y"
    assert render("{a} and {b}", {"a": 1}) is None


def test_field_messages() -> None:
    ctx = {"expected": "'routine' or 'urgent'"}
    assert field_message("enum", ctx, "hi", "") == "इनमें से कोई एक होना चाहिए: 'routine' या 'urgent'।"
    assert field_message("enum", ctx, "en", "") == "Must be one of: 'routine' or 'urgent'."
    assert field_message("int_parsing", {}, "hi", "") == "गलत प्रकार: पूर्णांक अपेक्षित है।"
    pattern = {"pattern": "^[a-z0-9-]{3,40}$"}
    assert field_message("string_pattern_mismatch", pattern, "hi", "") == (
        "अपेक्षित प्रारूप (^[a-z0-9-]{3,40}$) से मेल नहीं खाता।"
    )
    assert field_message("string_too_short", {"min_length": 1}, "hi", "") == (
        "कम से कम 1 अक्षर होने चाहिए।"
    )
    assert field_message("missing", {}, "en", "Field required") == "This field is required."
    # Untranslated kinds keep pydantic's English, or a generic Hindi line.
    assert field_message("url_parsing", {}, "en", "Input should be a valid URL") == (
        "Input should be a valid URL"
    )
    assert field_message("url_parsing", {}, "hi", "Input should be a valid URL") == "मान अमान्य है।"
    assert field_message("string_too_long", {}, "en", "pydantic text") == "pydantic text"


def test_cursors_round_trip_and_refuse_tampering() -> None:
    at = datetime(2025, 3, 1, 10, 30, 0, 123456, tzinfo=UTC)
    note_id = uuid.uuid4()
    cursor = encode_cursor([at, note_id])
    assert "=" not in cursor and "/" not in cursor and "+" not in cursor
    assert decode_cursor(cursor, (datetime, uuid.UUID)) == (at, note_id)
    assert decode_cursor(encode_cursor([7, "x"]), (int, str)) == (7, "x")
    for bad, types in [
        ("", (int,)),
        ("@@", (int,)),
        (encode_cursor([True]), (int,)),
        (encode_cursor(["7"]), (int,)),
        (encode_cursor([7]), (int, int)),
        (encode_cursor(["not-a-uuid"]), (uuid.UUID,)),
        (encode_cursor(["2025-03-01T10:30:00"]), (datetime,)),
        (cursor[:-3], (datetime, uuid.UUID)),
    ]:
        with pytest.raises(ProblemError) as caught:
            decode_cursor(bad, types)
        assert (caught.value.status, caught.value.code) == (400, "invalid_cursor")


def test_keyset_builds_row_comparisons_and_pages() -> None:
    asc = Keyset(("n.created_at", "n.id"), (datetime, uuid.UUID))
    assert asc.after(None, first_param=3) == ("TRUE", [])
    at, note_id = datetime(2025, 1, 1, tzinfo=UTC), uuid.uuid4()
    where, args = asc.after(encode_cursor([at, note_id]), first_param=3)
    assert where == "(n.created_at, n.id) > ($3, $4)" and args == [at, note_id]
    assert asc.order_by() == "n.created_at, n.id"
    desc = Keyset(("id",), (int,), descending=True)
    assert desc.after(encode_cursor([9]), first_param=1) == ("(id) < ($1)", [9])
    assert desc.order_by() == "id DESC"

    rows = [{"id": i} for i in (9, 8, 7)]
    page = desc.page(rows, 2, lambda r: r["id"])
    assert page.items == [9, 8]
    assert page.next_cursor is not None
    assert decode_cursor(page.next_cursor, (int,)) == (8,)
    last = desc.page(rows[:2], 2, lambda r: r["id"])
    assert last.items == [9, 8] and last.next_cursor is None
    with pytest.raises(ValueError, match="one type per column"):
        Keyset(("a", "b"), (int,))


def test_idempotency_keys_and_derived_ids() -> None:
    assert valid_key("a") and valid_key("k" * 255) and valid_key("field app: 42 ~!")
    assert not valid_key("") and not valid_key("k" * 256)
    assert not valid_key("tab\there") and not valid_key("कुंजी") and not valid_key("\x7f")
    claim = IdempotencyClaim("m-1", "k", "f1", uuid.uuid4())
    again = IdempotencyClaim("m-1", "k", "f1", uuid.uuid4())  # another attempt, same request
    assert claim.derived_id("note") == again.derived_id("note")
    assert claim.derived_id("note") != claim.derived_id("event")
    assert claim.derived_id() != IdempotencyClaim("m-2", "k", "f1", claim.claim).derived_id()
    assert claim.derived_id() != IdempotencyClaim("m-1", "k", "f2", claim.claim).derived_id()


def test_request_ids() -> None:
    assert request_id_for("abc-123:x.y_z") == "abc-123:x.y_z"
    for insane in (None, "", "a b", "x" * 129, "ok\nX-Evil: 1", "ग"):
        made = request_id_for(insane)
        assert made != insane and len(made) == 32


def test_what_is_audited_and_how() -> None:
    assert should_audit("POST", 201) and should_audit("DELETE", 404) and should_audit("patch", 200)
    assert not should_audit("GET", 200) and not should_audit("OPTIONS", 404)
    # Refusals of any method are counted per minute (nazar_platform.http.refusals), not one entry
    # each.
    for method, status in (("GET", 401), ("HEAD", 403), ("POST", 401), ("POST", 403), ("PUT", 429)):
        assert not should_audit(method, status)
    action = Action.STORY_MODERATE
    refused = AccessDecision(False, action, None, "CIR-NOKHA", None, Reason.OUTSIDE_SCOPE)
    grant = Grant(Role.SP, "DST-BIKANER")
    allowed = AccessDecision(True, action, grant, "CIR-NOKHA", "M-9", Reason.WITHIN_SUBTREE)
    assert outcome_of(403, None) == "refused" and outcome_of(404, refused) == "refused"
    assert outcome_of(201, allowed) == "allowed" and outcome_of(409, allowed) == "failed"
    assert outcome_of(500, None) == "failed"

    sp = Principal("M-SP", (grant,))
    state = {"request_id": "r-1", "principal": sp, "access_decision": allowed}
    entry = entry_for(
        state,
        method="POST",
        path="/api/v1/notes",
        status=201,
        headers={"user-agent": "u" * 600},
        client=("10.0.0.7", 5555),
        replayed=True,
    )
    assert (entry.member_id, entry.grant_role, entry.grant_unit) == ("M-SP", "sp", "DST-BIKANER")
    assert (entry.action, entry.target_unit, entry.target_member) == (
        "story.moderate",
        "CIR-NOKHA",
        "M-9",
    )
    assert (entry.outcome, entry.reason, entry.client_ip) == (
        "allowed",
        "idempotent replay; within_subtree",
        "10.0.0.7",
    )
    assert entry.user_agent == "u" * 512
    # Allowed, then failed: the failure is the reason worth keeping.
    failed = entry_for(
        {**state, "problem_code": "conflict"},
        method="POST",
        path="/api/v1/notes/1/lock",
        status=409,
        headers={},
        client=None,
    )
    assert (failed.outcome, failed.reason, failed.grant_role) == ("failed", "conflict", "sp")
    denied = entry_for(
        {**state, "access_decision": refused, "problem_code": "access.forbidden"},
        method="POST",
        path="/api/v1/notes",
        status=403,
        headers={},
        client=None,
    )
    assert (denied.outcome, denied.reason, denied.grant_role) == ("refused", "outside_scope", None)
    anonymous = entry_for(
        {"request_id": "r-2", "problem_code": "auth.not_signed_in"},
        method="GET",
        path="/x",
        status=401,
        headers={},
        client=None,
    )
    assert (anonymous.member_id, anonymous.outcome, anonymous.reason) == (
        None,
        "refused",
        "auth.not_signed_in",
    )


def test_an_entry_keeps_what_is_not_text_readably() -> None:
    entry = entry_for(
        {"request_id": "r-3", "problem_code": "invalid_text"},
        method="POST",
        path="/api/v1/units/\x00",
        status=422,
        headers={"user-agent": "agent\x7f/1"},
        client=None,
    )
    assert (entry.path, entry.user_agent) == ("/api/v1/units/\ufffd", "agent\ufffd/1")


def test_audit_csv_lines_go_through_the_one_writer() -> None:
    at = datetime(2025, 1, 1, tzinfo=UTC)
    row = {**dict.fromkeys(COLUMNS), "id": 1, "at": at, "path": 'a,"b"', "user_agent": "=cmd|x"}
    text = csv_lines([row])  # type: ignore[list-item]
    assert text.startswith("1,2025-01-01T00:00:00+00:00,,") and ',"a,""b""",' in text
    assert text.endswith(",'=cmd|x,,,\r\n") and text.count("\r\n") == 1  # no actor: a request
