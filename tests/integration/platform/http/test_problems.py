"""Every error class of the test application is an RFC 9457 problem document, in Hindi or
English."""

from __future__ import annotations

import contextlib
import logging
import re
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest
from cryptography.hazmat.primitives.asymmetric import rsa
from nazar_platform.http.problems import PROBLEM_MEDIA_TYPE, TYPE_BASE

from tests.hindi import PARAGRAPHS
from tests.integration.platform.http.server import RunningApp, client
from tests.integration.platform.http.testapp import bearer
from tests.integration.platform.refusals import wait_refusal

ROOT = Path(__file__).resolve().parents[4]
DEVANAGARI = re.compile(r"[\u0900-\u097F]")
SP = bearer("m-sp-bikaner", "sp:DST-BIKANER")
CONSTABLE = bearer("m-constable-1", "constable:PS-KOTGATE")


def hindi_text() -> str:
    """A Hindi sentence of more than 80 characters."""
    return PARAGRAPHS[2]


def assert_problem(response: httpx.Response, status: int, code: str) -> dict[str, Any]:
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith(PROBLEM_MEDIA_TYPE)
    body: dict[str, Any] = response.json()
    assert body["type"] == f"{TYPE_BASE}{code}"
    assert body["code"] == code
    assert body["status"] == status
    assert body["title"]
    assert body["instance"] == response.request.url.path
    assert body["request_id"] == response.headers["x-request-id"]
    return body


def note(unit: str = "DST-BIKANER", **overrides: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "unit_id": unit,
        "title": {"hi": "संदिग्ध गतिविधि पर नजर रखें", "en": "Watch suspicious activity"},
        "priority": "urgent",
        "tags": ["गश्त"],
    }
    body.update(overrides)
    return body


async def test_401_without_a_token(running_app: RunningApp) -> None:
    async with client(running_app) as http:
        english = await http.get("/api/v1/notes")
        hindi = await http.get("/api/v1/notes", headers={"Accept-Language": "hi-IN,hi;q=0.9"})
    body = assert_problem(english, 401, "auth.not_signed_in")
    assert english.headers["www-authenticate"] == 'Bearer realm="nazar"'
    assert english.headers["content-language"] == "en"
    assert body["title"] == "Not signed in"
    assert body["detail"] == "Sign in to continue."
    body = assert_problem(hindi, 401, "auth.not_signed_in")
    assert hindi.headers["content-language"] == "hi"
    assert body["title"] == "साइन इन नहीं है"
    assert DEVANAGARI.search(body["detail"])


@contextlib.contextmanager
def refusal_log() -> Iterator[list[dict[str, Any]]]:
    """The "request refused" log lines written meanwhile (their precise reasons)."""
    collect = _Collect()
    logger = logging.getLogger("nazar_platform.http.audit")
    logger.addHandler(collect)
    refused: list[dict[str, Any]] = []
    try:
        yield refused
    finally:
        logger.removeHandler(collect)
        refused += [e for e in collect.events if e.get("event") == "request refused"]


async def test_401_for_a_forged_or_an_expired_token_says_only_not_signed_in(
    running_app: RunningApp,
) -> None:
    """The body says "not signed in" whatever went wrong; the precise reason is in the log and
    in the audit's refusal counts, never in the body or the challenge."""
    stranger = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    forged = bearer("m-sp-bikaner", "adg:PHQ", key=stranger)
    five_hours_ago = datetime.now(UTC) - timedelta(hours=5)
    expired = bearer("m-sp-bikaner", "sp:DST-BIKANER", issued=five_hours_ago)
    with refusal_log() as logged:
        async with client(running_app) as http:
            bad = await http.get("/api/v1/notes", headers={**forged, "Accept-Language": "hi"})
            late = await http.post("/api/v1/notes", json=note(), headers=expired)
    body = assert_problem(bad, 401, "auth.not_signed_in")
    assert body["title"] == "साइन इन नहीं है" and DEVANAGARI.search(body["detail"])
    late_body = assert_problem(late, 401, "auth.not_signed_in")
    assert late_body["title"] == "Not signed in"
    for response in (bad, late):
        assert "reason" not in response.json()
        assert response.headers["www-authenticate"] == 'Bearer realm="nazar", error="invalid_token"'
        assert "signature" not in response.text and "expire" not in response.text
    by_path = {(e["method"], e["reason"]) for e in logged if e["status"] == 401}
    assert {("GET", "bad_signature"), ("POST", "expired")} <= by_path
    for reason in ("bad_signature", "expired"):
        await wait_refusal(
            running_app.database, who_kind="address", who="127.0.0.1", status=401, reason=reason
        )


async def test_403_in_hindi_when_the_role_may_not(running_app: RunningApp) -> None:
    async with client(running_app) as http:
        response = await http.post(
            "/api/v1/notes",
            json=note("PS-KOTGATE"),
            headers={**CONSTABLE, "Accept-Language": "hi-IN,hi;q=0.9,en;q=0.8"},
        )
    body = assert_problem(response, 403, "access.forbidden")
    assert response.headers["content-language"] == "hi"
    assert body["title"] == "अनुमति नहीं है"
    assert body["detail"] == "आपको यह करने की अनुमति नहीं है।"
    assert "action" not in body and "reason" not in body  # "not allowed", and no more
    await wait_refusal(
        running_app.database,
        who="m-constable-1",
        status=403,
        action="story.moderate",
        reason="role_lacks_action",
    )


async def test_403_outside_the_grant_in_the_callers_own_language(running_app: RunningApp) -> None:
    """No Accept-Language: the token's `lang` decides. The CO of one circle may not act in the
    next circle, nor at the district above it."""
    kolayat_co = bearer("m-co-kolayat", "co:CIR-KOLAYAT", lang="hi")
    with refusal_log() as logged:
        async with client(running_app) as http:
            sibling = await http.post("/api/v1/notes", json=note("CIR-NOKHA"), headers=kolayat_co)
            above = await http.post("/api/v1/notes", json=note("DST-BIKANER"), headers=kolayat_co)
            own = await http.post("/api/v1/notes", json=note("CIR-KOLAYAT"), headers=kolayat_co)
    for refused in (sibling, above):
        body = assert_problem(refused, 403, "access.forbidden")
        assert refused.headers["content-language"] == "hi"
        assert body["title"] == "अनुमति नहीं है"
        assert "outside_scope" not in refused.text
    assert own.status_code == 201, own.text
    mine = [(e["member_id"], e["action"], e["reason"]) for e in logged if e["status"] == 403]
    assert mine == [("m-co-kolayat", "story.moderate", "outside_scope")] * 2
    row = await wait_refusal(
        running_app.database, who="m-co-kolayat", status=403, reason="outside_scope"
    )
    assert row["action"] == "story.moderate" and row["who_kind"] == "member"


async def test_404_for_an_unknown_route_in_both_languages(running_app: RunningApp) -> None:
    async with client(running_app) as http:
        english = await http.get("/api/v1/nowhere", headers=SP)
        hindi = await http.get("/api/v1/nowhere", headers={**SP, "Accept-Language": "hi"})
    assert assert_problem(english, 404, "not_found")["title"] == "Not found"
    assert assert_problem(hindi, 404, "not_found")["title"] == "नहीं मिला"


async def test_405_names_the_allowed_methods(running_app: RunningApp) -> None:
    async with client(running_app) as http:
        response = await http.delete("/api/v1/notes", headers=SP)
    body = assert_problem(response, 405, "method_not_allowed")
    assert response.headers["allow"] == "GET, POST"
    assert body["detail"] == "DELETE is not allowed here; allowed: GET, POST."


async def test_409_when_a_note_is_locked_twice(running_app: RunningApp) -> None:
    async with client(running_app) as http:
        created = await http.post("/api/v1/notes", json=note(), headers=SP)
        assert created.status_code == 201, created.text
        path = f"/api/v1/notes/{created.json()['id']}/lock"
        first = await http.post(path, headers=SP)
        second = await http.post(path, headers={**SP, "Accept-Language": "hi"})
    assert first.status_code == 200 and first.json()["locked"] is True
    assert assert_problem(second, 409, "conflict")["title"] == "टकराव"


async def test_413_for_a_body_over_the_limit(running_app: RunningApp) -> None:
    big = note(tags=["x" * 1000] * 20)  # about 20 KB, the limit is 16 KiB
    async with client(running_app) as http:
        declared = await http.post("/api/v1/notes", json=big, headers=SP)

        async def chunks() -> Any:
            for _ in range(20):
                yield b" " * 1024  # no Content-Length: the limit is counted while streaming

        streamed = await http.post(
            "/api/v1/notes",
            content=chunks(),
            headers={**SP, "Content-Type": "application/json"},
        )
    body = assert_problem(declared, 413, "payload_too_large")
    assert "16384" in body["detail"]
    assert assert_problem(streamed, 413, "payload_too_large")["detail"] == body["detail"]


async def test_415_for_a_body_that_is_not_json(running_app: RunningApp) -> None:
    async with client(running_app) as http:
        response = await http.post(
            "/api/v1/notes",
            content="unit_id=DST-BIKANER",
            headers={**SP, "Content-Type": "text/plain"},
        )
    body = assert_problem(response, 415, "unsupported_media_type")
    assert "application/json" in body["detail"] and "text/plain" in body["detail"]


BAD_NOTE = {
    # unit_id missing
    "title": {"hi": hindi_text(), "en": ""},  # hi longer than 80 characters
    "priority": "whenever",  # not one of the enum
    "tags": ["a", "b", "c", "d", "e", "f"],  # more than 5
    "copies": 0,  # below 1
}
BAD_FIELDS = {
    "body.unit_id": "missing",
    "body.title.hi": "string_too_long",
    "body.priority": "enum",
    "body.tags": "too_long",
    "body.copies": "greater_than_equal",
}


@pytest.mark.parametrize(
    ("accept_language", "language"),
    [
        ("hi", "hi"),
        ("en-IN,en;q=0.9", "en"),
        ("en;q=0.3, hi-IN;q=0.8, *;q=0.1", "hi"),
        ("fr, de;q=0.5", "en"),
        (None, "en"),
    ],
)
async def test_422_lists_every_bad_field_in_the_chosen_language(
    running_app: RunningApp, accept_language: str | None, language: str
) -> None:
    headers = dict(SP)
    if accept_language is not None:
        headers["Accept-Language"] = accept_language
    async with client(running_app) as http:
        response = await http.post("/api/v1/notes", json=BAD_NOTE, headers=headers)
    body = assert_problem(response, 422, "validation_failed")
    assert response.headers["content-language"] == language
    assert {e["field"]: e["type"] for e in body["errors"]} == BAD_FIELDS
    messages = {e["field"]: e["message"] for e in body["errors"]}
    for message in [body["title"], body["detail"], *messages.values()]:
        assert bool(DEVANAGARI.search(message)) == (language == "hi"), message
    if language == "hi":
        assert messages["body.unit_id"] == "यह फ़ील्ड आवश्यक है।"
        assert messages["body.title.hi"] == "अधिकतम 80 अक्षर हो सकते हैं।"
        assert messages["body.priority"] == "इनमें से कोई एक होना चाहिए: 'routine' या 'urgent'।"
        assert body["detail"].startswith("5 फ़ील्ड")
    else:
        assert messages["body.unit_id"] == "This field is required."
        assert messages["body.tags"] == "Must have at most 5 item(s)."
        assert messages["body.copies"] == "Must be at least 1."


async def test_422_for_json_that_does_not_parse_and_a_bad_query(running_app: RunningApp) -> None:
    async with client(running_app) as http:
        broken = await http.post(
            "/api/v1/notes",
            content='{"unit_id": "DST-BIKANER",',
            headers={**SP, "Content-Type": "application/json", "Accept-Language": "hi"},
        )
        query = await http.get("/api/v1/notes", params={"limit": "many"}, headers=SP)
    errors = assert_problem(broken, 422, "validation_failed")["errors"]
    assert [(e["field"], e["type"]) for e in errors] == [("body", "json_invalid")]
    assert errors[0]["message"].startswith("अनुरोध का मुख्य भाग मान्य JSON नहीं है")
    errors = assert_problem(query, 422, "validation_failed")["errors"]
    assert errors == [
        {
            "field": "query.limit",
            "type": "int_parsing",
            "message": "Wrong type: expected a whole number.",
        }
    ]


class _Collect(logging.Handler):
    def __init__(self) -> None:
        super().__init__()
        self.events: list[dict[str, Any]] = []

    def emit(self, record: logging.LogRecord) -> None:
        if isinstance(record.msg, dict):
            self.events.append(record.msg)


async def test_500_shows_nothing_internal_and_is_logged_with_the_request_id(
    running_app: RunningApp,
) -> None:
    collect = _Collect()
    logger = logging.getLogger("nazar_platform.http.problems")
    logger.addHandler(collect)
    try:
        async with client(running_app) as http:
            response = await http.get(
                "/api/v1/boom", headers={**SP, "X-Request-ID": "boom-1", "Accept-Language": "hi"}
            )
    finally:
        logger.removeHandler(collect)
    body = assert_problem(response, 500, "internal_error")
    assert body["request_id"] == "boom-1"
    assert "boom-1" in body["detail"] and DEVANAGARI.search(body["detail"])
    assert "hunter2" not in response.text and "RuntimeError" not in response.text
    [event] = [e for e in collect.events if e.get("event") == "unhandled error"]
    assert event["request_id"] == "boom-1"
    assert "RuntimeError" in event["exception"] and "hunter2" in event["exception"]
    assert "98765" not in event["exception"]  # phone numbers are masked in logs


async def test_400_for_a_bad_idempotency_key_and_a_bad_cursor(running_app: RunningApp) -> None:
    async with client(running_app) as http:
        raw_headers = [(k.encode(), v.encode()) for k, v in SP.items()]
        key = await http.post(
            "/api/v1/notes",
            json=note(),
            headers=[*raw_headers, (b"Idempotency-Key", "कुंजी".encode())],
        )
        too_long = await http.post(
            "/api/v1/notes", json=note(), headers={**SP, "Idempotency-Key": "k" * 256}
        )
        cursor = await http.get("/api/v1/notes", params={"cursor": "not-a-cursor"}, headers=SP)
    assert_problem(key, 400, "idempotency_key_invalid")
    assert_problem(too_long, 400, "idempotency_key_invalid")
    assert_problem(cursor, 400, "invalid_cursor")


async def test_request_ids_are_taken_when_sane_and_made_otherwise(running_app: RunningApp) -> None:
    async with client(running_app) as http:
        kept = await http.get("/healthz", headers={"X-Request-ID": "field-app:42.a_b-c"})
        replaced = await http.get("/healthz", headers={"X-Request-ID": "bad id; drop table"})
        made = await http.get("/healthz")
    assert kept.headers["x-request-id"] == "field-app:42.a_b-c"
    assert re.fullmatch(r"[0-9a-f]{32}", replaced.headers["x-request-id"])
    assert re.fullmatch(r"[0-9a-f]{32}", made.headers["x-request-id"])
    assert replaced.headers["x-request-id"] != made.headers["x-request-id"]


async def test_openapi_documents_problem_responses(running_app: RunningApp) -> None:
    async with client(running_app) as http:
        spec = (await http.get("/openapi.json")).json()
    post = spec["paths"]["/api/v1/notes"]["post"]
    for status in ("400", "401", "403", "409", "413", "415", "422", "429", "500"):
        content = post["responses"][status]["content"]
        assert content == {PROBLEM_MEDIA_TYPE: {"schema": {"$ref": "#/components/schemas/Problem"}}}
    assert "idempotency_key_reused" in post["responses"]["422"]["description"]
    # The input guard's codes are documented with every other 422.
    assert "invalid_text" in post["responses"]["422"]["description"]
    assert "too_many_requests" in post["responses"]["429"]["description"]
    assert "/api/v1/audit/refusals" in spec["paths"]
    assert any(p["name"] == "Idempotency-Key" and p["in"] == "header" for p in post["parameters"])
    assert "HTTPValidationError" not in spec["components"]["schemas"]
    problem = spec["components"]["schemas"]["Problem"]
    assert {"type", "title", "status", "code"} <= set(problem["required"])
    assert spec["components"]["schemas"]["FieldError"]["properties"].keys() == {
        "field",
        "message",
        "type",
    }
    assert "/api/v1/audit" in spec["paths"] and "/readyz" in spec["paths"]


async def test_health_and_metrics(running_app: RunningApp) -> None:
    async with client(running_app) as http:
        health = await http.get("/healthz")
        ready = await http.get("/readyz")
        await http.get("/api/v1/nowhere")
        public_metrics = await http.get("/metrics")
        exposition = await http.get(running_app.app.state.metrics_listener.url)
    assert health.json() == {"status": "ok"}
    assert ready.status_code == 200, ready.text
    assert ready.json() == {
        "status": "ready",
        "checks": {"postgresql": "ok", "kafka": "ok", "tasks": "ok"},
    }
    # /metrics is served on the internal listener only, never on the public port.
    assert public_metrics.status_code == 404
    assert public_metrics.headers["content-type"] == PROBLEM_MEDIA_TYPE
    assert exposition.status_code == 200
    assert exposition.headers["content-type"].startswith("text/plain")
    text = exposition.text
    assert 'nazar_http_requests_total{method="GET",route="/readyz",status="200"}' in text
    assert 'route="<unmatched>",status="404"' in text
    assert 'nazar_ready{dependency="kafka"} 1.0' in text
