"""Bad text and absurd numbers sent to the roster are refused at the edge, never a 500.

Each case was a 500 before the platform's input guard (a NUL reached PostgreSQL, an integer
wider than the column reached asyncpg); the audit CSV stream broke after its first line.
"""

from __future__ import annotations

import base64
import json
from collections.abc import AsyncIterator
from typing import Any

import pytest

from tests.conftest import DatabaseFactory, TopicFactory
from tests.integration.roster.support import Running, hq_token, make_topics, running_roster


@pytest.fixture(scope="module")
async def roster(databases: DatabaseFactory, kafka_bootstrap: str) -> AsyncIterator[Running]:
    database = await databases.create("roster_bad_input")
    factory = TopicFactory(kafka_bootstrap)
    topics = await make_topics(factory, partitions=1)
    try:
        async with running_roster(database, kafka_bootstrap, topics) as running:
            yield running
    finally:
        await factory.delete_all()
        await databases.drop(database)


def cursor(*key: Any) -> str:
    raw = json.dumps({"v": 1, "k": list(key)}).encode()
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()


# (method, raw path and query, JSON body, the field the problem must name, the character)
TEXT_CASES = [
    ("GET", "/api/v1/members?q=%00", None, "query.q", "U+0000"),
    ("GET", "/api/v1/members?q=ram%00", None, "query.q", "U+0000"),
    ("GET", "/api/v1/units?parent=%00", None, "query.parent", "U+0000"),
    ("GET", "/api/v1/units/%00", None, "path.unit_id", "U+0000"),
    ("GET", "/api/v1/units/DST%00/subtree", None, "path.unit_id", "U+0000"),
    ("GET", "/api/v1/members/%EF%BF%BE", None, "path.member_id", "U+FFFE"),
    ("GET", "/api/v1/groups/%01", None, "path.group_id", "U+0001"),
    ("GET", "/api/v1/audit?member=%00", None, "query.member", "U+0000"),
    ("GET", "/api/v1/audit.csv?member=%00", None, "query.member", "U+0000"),
    ("GET", "/api/v1/audit.csv?action=x%7F", None, "query.action", "U+007F"),
    (
        "POST",
        "/api/v1/units",
        {
            "unit_id": "CIR-NEW",
            "kind": "circle",
            "name_hi": "नया\u0000वृत्त",
            "name_en": "New circle",
            "parent_id": "DST-BIKANER",
        },
        "body.name_hi",
        "U+0000",
    ),
    (
        "POST",
        "/api/v1/members/m-1/consent",
        {"state": "granted", "purpose": "सूचना \ud800"},
        "body.purpose",
        "U+D800",
    ),
    ("PATCH", "/api/v1/units/DST-BIKANER", {"name_hi\u0000": "x"}, "body", "U+0000"),
]


@pytest.mark.parametrize(("method", "target", "body", "field", "char"), TEXT_CASES)
async def test_invalid_text_is_a_422_naming_the_field(
    roster: Running, method: str, target: str, body: Any, field: str, char: str
) -> None:
    async with roster.client(hq_token()) as c:
        if body is None:
            r = await c.request(method, target)
        else:
            # json.dumps escapes the lone surrogate as \ud800, as a client library would.
            r = await c.request(
                method,
                target,
                content=json.dumps(body),
                headers={"Content-Type": "application/json"},
            )
    assert r.status_code == 422, r.text
    assert r.headers["content-type"].startswith("application/problem+json")
    problem = r.json()
    assert problem["code"] == "invalid_text"
    [error] = problem["errors"]
    assert (error["field"], error["type"]) == (field, "invalid_character")
    assert char in error["message"] and char in problem["detail"]


async def test_the_problem_is_in_hindi_when_asked(roster: Running) -> None:
    async with roster.client(hq_token(), language="hi") as c:
        r = await c.get("/api/v1/members?q=%00")
    assert r.status_code == 422
    assert r.headers["content-language"] == "hi"
    assert "अक्षर" in r.json()["detail"] and "U+0000" in r.json()["detail"]


async def an_import(roster: Running) -> str:
    """An import that exists (its rejected rows are paged by row number, an `integer`)."""
    units = "unit_code,kind,name_hi,name_en,parent\r\nPHQ,state,मुख्यालय,Headquarters,\r\n"
    async with roster.client(hq_token()) as c:
        r = await c.post(
            "/api/v1/imports",
            params={"units": "true", "filename": "units.csv"},
            content=units.encode(),
            headers={"Content-Type": "text/csv"},
        )
    assert r.status_code == 202, r.text
    import_id: str = r.json()["import_id"]
    return import_id


@pytest.mark.parametrize(
    ("target", "value"),
    [
        ("/api/v1/audit", 2**63),
        ("/api/v1/audit", -(2**70)),
        ("/api/v1/audit", 10**400),
        ("/api/v1/imports/{import_id}", 2**31),
        ("/api/v1/imports/{import_id}", -(2**31) - 1),
        ("/api/v1/members", "ram\u0000"),
        ("/api/v1/groups", "\ud800"),
    ],
)
async def test_an_absurd_cursor_is_a_400(roster: Running, target: str, value: Any) -> None:
    if "{import_id}" in target:
        target = target.format(import_id=await an_import(roster))
    async with roster.client(hq_token()) as c:
        r = await c.get(target, params={"cursor": cursor(value)})
    assert r.status_code == 400, r.text
    assert r.json()["code"] == "invalid_cursor"


async def test_a_cursor_nested_too_deep_is_a_400(roster: Running) -> None:
    deep = base64.urlsafe_b64encode(b"[" * 1500).rstrip(b"=").decode()
    async with roster.client(hq_token()) as c:
        r = await c.get("/api/v1/audit", params={"cursor": deep})
    assert r.status_code == 400, r.text


@pytest.mark.parametrize("moment", ["9999-12-31T23:59:59-23:59", "0001-01-01T00:00:00+14:00"])
@pytest.mark.parametrize("target", ["/api/v1/audit", "/api/v1/audit.csv", "/api/v1/audit/refusals"])
async def test_a_date_no_column_holds_is_a_422(roster: Running, target: str, moment: str) -> None:
    async with roster.client(hq_token(), language="hi") as c:
        r = await c.get(target, params={"from": moment})
    assert r.status_code == 422, r.text
    [error] = r.json()["errors"]
    assert (error["field"], error["type"]) == ("query.from", "datetime_out_of_range")
    assert error["message"] == "UTC में वर्ष 1 और 9999 के बीच होना चाहिए।"


async def test_a_good_request_still_passes(roster: Running) -> None:
    async with roster.client(hq_token()) as c:
        search = await c.get("/api/v1/members", params={"q": "राम\tकुमार"})
        audit = await c.get("/api/v1/audit.csv", params={"member": "m-1"})
    assert search.status_code == 200, search.text
    assert audit.status_code == 200 and audit.content.startswith(b"\xef\xbb\xbf")
