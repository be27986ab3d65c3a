"""Bad text and absurd numbers sent to the directive service are refused at the edge, never a
500; the signed inbox links have their own, stricter rate limit per client address.

Each text case below was a 500 before the platform's input guard (a NUL or a lone surrogate
reached PostgreSQL), as were the cursor cases (a value the driver could not send).
"""

from __future__ import annotations

import base64
import json
import uuid
from collections.abc import AsyncIterator
from typing import Any

import pytest

from tests.conftest import DatabaseFactory
from tests.integration.directive.api_support import Api, running_service
from tests.integration.platform.refusals import wait_refusal

PDF = b"%PDF-1.4\n1 0 obj\n<< /Type /Catalog >>\nendobj\ntrailer\n%%EOF\n"


@pytest.fixture(scope="module")
async def api(databases: DatabaseFactory, kafka_bootstrap: str) -> AsyncIterator[Api]:
    with pytest.MonkeyPatch.context() as env:
        env.setenv("NAZAR_RATE_LIMIT_SIGNED_LINK", "2/s burst 30")
        async with running_service(databases, kafka_bootstrap) as running:
            yield running


def cursor(*key: Any) -> str:
    raw = json.dumps({"v": 1, "k": list(key)}).encode()
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()


def directive(title_hi: str) -> dict[str, Any]:
    return {
        "title": {"hi": title_hi},
        "body": {"hi": "सभी थाना प्रभारी ध्यान दें।"},
        "audience": {"unit_ids": ["RNG-BIKANER"]},
    }


@pytest.mark.parametrize(
    ("method", "target", "body", "field", "char"),
    [
        ("GET", "/api/v1/dev/members?q=%00", None, "query.q", "U+0000"),
        ("GET", "/api/v1/dev/members?unit=DST%00", None, "query.unit", "U+0000"),
        ("GET", "/api/v1/units?kind=%00", None, "query.kind", "U+0000"),
        ("GET", "/api/v1/directives?state=%EF%BF%BF", None, "query.state", "U+FFFF"),
        ("GET", "/api/v1/audit?member=%00", None, "query.member", "U+0000"),
        ("GET", "/api/v1/audit.csv?unit=%00", None, "query.unit", "U+0000"),
        ("GET", "/inbox/d/%00", None, "path.token", "U+0000"),
        ("POST", "/api/v1/directives", directive("नज़र\u0000"), "body.title.hi", "U+0000"),
        ("POST", "/api/v1/directives", directive("\udc00"), "body.title.hi", "U+DC00"),
    ],
)
async def test_invalid_text_is_a_422_naming_the_field(
    api: Api, method: str, target: str, body: Any, field: str, char: str
) -> None:
    headers = {**api.as_("adg", "BR-CRIME"), "Content-Type": "application/json"}
    async with api.client() as c:
        content = None if body is None else json.dumps(body)
        r = await c.request(method, target, content=content, headers=headers)
    assert r.status_code == 422, r.text
    problem = r.json()
    assert problem["code"] == "invalid_text"
    assert [(e["field"], e["type"]) for e in problem["errors"]] == [(field, "invalid_character")]
    assert char in problem["detail"]


@pytest.mark.parametrize(
    ("expires_at", "kind"),
    [
        ("9999-12-31T23:59:59-23:59", "datetime_out_of_range"),
        ("2027-01-01T00:00:00", "timezone_aware"),  # compared with an aware now: was a 500
    ],
)
async def test_an_expiry_no_column_holds_is_a_422(api: Api, expires_at: str, kind: str) -> None:
    body = {**directive("नज़र रखें"), "expires_at": expires_at}
    async with api.client() as c:
        r = await c.post("/api/v1/directives", json=body, headers=api.as_("adg", "BR-CRIME"))
    assert r.status_code == 422, r.text
    assert [(e["field"], e["type"]) for e in r.json()["errors"]] == [("body.expires_at", kind)]


async def test_an_attachment_name_that_is_not_text_is_a_422(api: Api) -> None:
    # Written out by hand: a client library would percent-encode the NUL in the name.
    boundary = "nazar-boundary"
    body = (
        (
            f"--{boundary}\r\n"
            'Content-Disposition: form-data; name="file"; filename="निर्देश\x00.pdf"\r\n'
            "Content-Type: application/pdf\r\n\r\n"
        ).encode()
        + PDF
        + f"\r\n--{boundary}--\r\n".encode()
    )
    async with api.client() as c:
        r = await c.post(
            "/api/v1/attachments",
            content=body,
            headers={
                **api.as_("adg", "BR-CRIME"),
                "Accept-Language": "hi",
                "Content-Type": f"multipart/form-data; boundary={boundary}",
            },
        )
    assert r.status_code == 422, r.text
    assert r.json()["code"] == "invalid_text"
    assert r.json()["errors"][0]["field"] == "body.file.filename"
    assert "U+0000" in r.json()["errors"][0]["message"] and "अक्षर" in r.json()["detail"]


@pytest.mark.parametrize(
    ("target", "key"),
    [
        ("/api/v1/dev/members", (2**31, "m-1")),
        ("/api/v1/dev/members", (1, "m-1\u0000")),
        ("/api/v1/directives", ("9999-12-31T23:59:59-23:59", str(uuid.uuid4()))),
        ("/api/v1/directives", ("0001-01-01T00:00:00+14:00", str(uuid.uuid4()))),
        ("/api/v1/inbox", ("2026-01-01T00:00:00+00:00", "not-a-uuid")),
    ],
)
async def test_an_absurd_cursor_is_a_400(api: Api, target: str, key: tuple[Any, ...]) -> None:
    async with api.client() as c:
        r = await c.get(target, params={"cursor": cursor(*key)}, headers=api.as_("adg", "BR-CRIME"))
    assert r.status_code == 400, r.text
    assert r.json()["code"] == "invalid_cursor"


async def test_guessing_signed_links_is_limited_per_address(api: Api) -> None:
    """A bad link is a 404; past the signed links' burst (30 here) from one address, 429."""
    async with api.client() as c:
        answers = [await c.get(f"/inbox/d/guess-{n}") for n in range(40)]
    statuses = [r.status_code for r in answers]
    assert set(statuses[:30]) == {404} and statuses[-1] == 429, statuses
    refused = answers[-1]
    assert refused.json()["code"] == "too_many_requests"
    assert int(refused.headers["retry-after"]) >= 1
    await wait_refusal(
        api.settings.database_url.get_secret_value(),
        who="127.0.0.1",
        status=429,
        reason="rate_limit.signed_link",
    )
    async with api.client() as c:  # the API's own budget is another bucket
        assert (
            await c.get("/api/v1/directives", headers=api.as_("adg", "BR-CRIME"))
        ).status_code == 200
