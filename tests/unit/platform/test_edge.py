"""The edge of every app, on a tiny app: the input guard (422 naming the field and the character),
the route table it and the rate limiter read, the token buckets and the 429s."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from typing import Any

import httpx
import pytest
from fastapi import APIRouter, FastAPI, Form, Request
from nazar_platform.http.edge import SIGNED_LINK, WEBHOOK, RouteTable, route_class, route_table
from nazar_platform.http.input_guard import InputGuardMiddleware
from nazar_platform.http.problems import install_problem_handlers
from nazar_platform.http.ratelimit import (
    Buckets,
    Rate,
    RateLimiter,
    RateLimitMiddleware,
    RateLimitSettings,
)
from nazar_platform.http.refusals import RefusalCounter
from prometheus_client import REGISTRY
from pydantic import BaseModel, ValidationError


class Title(BaseModel):
    hi: str
    en: str | None = None


class NoteIn(BaseModel):
    title: Title
    tags: list[str] = []
    copies: int = 1


def build_app(limits: RateLimitSettings | None = None, max_body: int = 4096) -> FastAPI:
    app = FastAPI()
    install_problem_handlers(app)
    router = APIRouter()

    @router.get("/units/{unit_id}/members")
    async def members(unit_id: str, q: str | None = None) -> dict[str, Any]:
        return {"unit": unit_id, "q": q}

    @router.post("/notes")
    async def notes(body: NoteIn) -> dict[str, Any]:
        return body.model_dump()

    @router.post("/ack", openapi_extra=route_class(SIGNED_LINK))
    async def ack(lang: str = Form("hi")) -> dict[str, str]:
        return {"lang": lang}

    @router.post("/hook", openapi_extra=route_class(WEBHOOK))
    async def hook(request: Request) -> dict[str, int]:
        return {"size": len(await request.body())}

    app.include_router(router, prefix="/api/v1")
    app.add_middleware(InputGuardMiddleware, max_body_bytes=max_body)
    limiter = RateLimiter(limits or RateLimitSettings(enabled=False), "edge-test")
    app.state.rate_limiter = limiter
    app.add_middleware(RateLimitMiddleware, limiter=limiter)
    return app


@pytest.fixture
async def http() -> AsyncIterator[httpx.AsyncClient]:
    transport = httpx.ASGITransport(app=build_app())
    async with httpx.AsyncClient(transport=transport, base_url="http://nazar.test") as client:
        yield client


def refused(response: httpx.Response, field: str, char: str, code: str = "invalid_text") -> None:
    assert response.status_code == 422, response.text
    assert response.headers["content-type"] == "application/problem+json"
    body = response.json()
    assert body["code"] == code
    [error] = body["errors"]
    assert error["field"] == field, body
    if char:
        assert char in error["message"] and char in body["detail"]


@pytest.mark.parametrize(
    ("url", "field", "char"),
    [
        ("/api/v1/units/%00/members", "path.unit_id", "U+0000"),
        ("/api/v1/units/A%7F/members", "path.unit_id", "U+007F"),
        ("/api/v1/nowhere/%1B", "path", "U+001B"),
        ("/api/v1/units/A/members?q=%00", "query.q", "U+0000"),
        ("/api/v1/units/A/members?q=%EF%BF%BF", "query.q", "U+FFFF"),
        ("/api/v1/units/A/members?%00=x", "query", "U+0000"),
        ("/api/v1/units/A/members?q=ok&q=%08", "query.q", "U+0008"),
    ],
)
async def test_paths_and_queries(http: httpx.AsyncClient, url: str, field: str, char: str) -> None:
    refused(await http.get(url), field, char)


async def test_text_that_is_text_passes(http: httpx.AsyncClient) -> None:
    r = await http.get("/api/v1/units/DST-बीकानेर/members", params={"q": "राम\tकुमार\r\n😀"})
    assert r.json() == {"unit": "DST-बीकानेर", "q": "राम\tकुमार\r\n😀"}


async def test_headers(http: httpx.AsyncClient) -> None:
    refused(
        await http.get("/api/v1/units/A/members", headers={"X-Note": "a\x7fb"}),
        "header.x-note",
        "U+007F",
    )


def post_json(http: httpx.AsyncClient, raw: str | bytes, media: str = "application/json") -> Any:
    return http.post("/api/v1/notes", content=raw, headers={"Content-Type": media})


@pytest.mark.parametrize(
    ("raw", "field", "char"),
    [
        ('{"title": {"hi": "a\\u0000b"}}', "body.title.hi", "U+0000"),
        ('{"title": {"hi": "ok", "en": "\\ud83d"}}', "body.title.en", "U+D83D"),
        ('{"title": {"hi": "ok"}, "tags": ["a", "b", "\\u001f"]}', "body.tags.2", "U+001F"),
        ('{"title": {"hi": "ok", "x\\u0000": 1}}', "body.title", "U+0000"),
        ('{"title": {"hi": "\x7f"}}', "body.title.hi", "U+007F"),
        ('{"title": {"hi": "\ufdd0"}}', "body.title.hi", "U+FDD0"),
    ],
)
async def test_json_strings_and_keys_at_any_depth(
    http: httpx.AsyncClient, raw: str, field: str, char: str
) -> None:
    refused(await post_json(http, raw.encode("utf-8", "surrogatepass")), field, char)


async def test_json_in_another_encoding_and_media_type(http: httpx.AsyncClient) -> None:
    utf16 = json.dumps({"title": {"hi": "a\u0000"}}).encode("utf-16")
    refused(await post_json(http, utf16), "body.title.hi", "U+0000")
    refused(
        await post_json(http, '{"title": {"hi": "\\u0000"}}', "application/merge-patch+json"),
        "body.title.hi",
        "U+0000",
    )


@pytest.mark.parametrize(
    "number", ["9223372036854775808", "-9223372036854775809", "1e999", "1e300", "NaN", "-Infinity"]
)
async def test_numbers_no_column_holds(http: httpx.AsyncClient, number: str) -> None:
    raw = f'{{"title": {{"hi": "ok"}}, "copies": {number}}}'
    refused(await post_json(http, raw), "body.copies", "", code="number_out_of_range")


async def test_ordinary_json_deep_json_and_not_json(http: httpx.AsyncClient) -> None:
    good = {"title": {"hi": "संदिग्ध गतिविधि", "en": "Watch"}, "tags": ["गश्त"], "copies": 2**62}
    assert (await http.post("/api/v1/notes", json=good)).json() == good
    escaped = json.dumps(good, ensure_ascii=True)  # every Hindi letter a \\u escape
    assert (await post_json(http, escaped)).json() == good
    deep = await post_json(http, "[" * 5000 + "]" * 5000)
    assert deep.status_code == 400 and deep.json()["code"] == "bad_request"  # not a 500
    broken = await post_json(http, '{"title": \x00}')
    assert broken.status_code == 422 and broken.json()["errors"][0]["type"] == "json_invalid"


async def test_form_bodies_and_an_oversized_body(http: httpx.AsyncClient) -> None:
    refused(await http.post("/api/v1/ack", data={"lang": "hi\x00"}), "form.lang", "U+0000")
    assert (await http.post("/api/v1/ack", data={"lang": "en"})).json() == {"lang": "en"}
    # Past the limit the guard stops reading and hands the body on (the body limit answers).
    big = b'{"title": {"hi": "' + b"x" * 10_000 + b'\\u0000"}}'
    r = await http.post("/api/v1/hook", content=big, headers={"Content-Type": "application/json"})
    assert r.json() == {"size": len(big)}


async def test_the_problem_is_in_hindi_when_asked(http: httpx.AsyncClient) -> None:
    r = await http.get("/api/v1/units/A/members?q=%00", headers={"Accept-Language": "hi"})
    assert r.headers["content-language"] == "hi"
    assert r.json()["title"] == "अमान्य अक्षर"
    assert r.json()["detail"] == "query.q में ऐसा अक्षर है जो पाठ में अनुमत नहीं है: U+0000।"
    assert r.json()["errors"][0]["message"] == "इसमें ऐसा अक्षर है जो पाठ में अनुमत नहीं है: U+0000।"


def test_route_table_classes_and_parameters() -> None:
    app = build_app()
    table = route_table(app)
    assert isinstance(table, RouteTable) and route_table(app) is table  # built once per app
    assert table.route_class("POST", "/api/v1/ack") == SIGNED_LINK
    assert table.route_class("POST", "/api/v1/hook") == WEBHOOK
    assert table.route_class("GET", "/api/v1/hook") == "api"  # the class is per operation
    assert table.route_class("GET", "/api/v1/units/x/members") == "api"
    assert table.path_params("/api/v1/units/x/members") == {"unit_id": "x"}
    assert table.path_params("/elsewhere") == {}
    with pytest.raises(ValueError, match="unknown route class"):
        route_class("vip")


def test_rates() -> None:
    assert Rate.parse("100/s burst 300") == Rate(100.0, 300)
    assert Rate.parse("30/minute") == Rate(0.5, 30)
    assert Rate.parse("10/min burst 5") == Rate(10 / 60, 5)
    assert Rate.parse("OFF") is None
    for bad in ("100", "0/s", "-1/s", "5/day", "1/s burst x"):
        with pytest.raises(ValueError):
            Rate.parse(bad)
    with pytest.raises(ValidationError):
        RateLimitSettings(signed_link="lots")


def test_token_buckets() -> None:
    buckets = Buckets(max_keys=2)
    rate = Rate(2.0, 3)
    assert [buckets.take("a", rate, 100.0) for _ in range(3)] == [0.0, 0.0, 0.0]
    assert buckets.take("a", rate, 100.0) == pytest.approx(0.5)  # one token in half a second
    assert buckets.take("a", rate, 100.5) == 0.0
    assert buckets.take("b", rate, 100.5) == 0.0
    buckets.take("c", rate, 100.5)  # a third key: the least recently used ("a") is forgotten
    assert len(buckets) == 2
    assert buckets.take("a", rate, 100.5) == 0.0  # forgotten is full again


async def test_429_with_retry_after_per_address_and_class() -> None:
    limits = RateLimitSettings(address="1/s burst 2", signed_link="1/minute burst 1", webhook="off")
    app = build_app(limits)
    before = REGISTRY.get_sample_value(
        "nazar_rate_limited_total",
        {"service": "edge-test", "route_class": "signed_link", "limit": "signed_link"},
    )
    transport = httpx.ASGITransport(app=app, client=("10.1.2.3", 4000))
    async with httpx.AsyncClient(transport=transport, base_url="http://nazar.test") as http:
        api = [(await http.get("/api/v1/units/A/members")).status_code for _ in range(3)]
        link = [(await http.post("/api/v1/ack", data={"lang": "hi"})).status_code for _ in range(2)]
        hooks = {(await http.post("/api/v1/hook", content=b"{}")).status_code for _ in range(20)}
        last = await http.post(
            "/api/v1/ack", data={"lang": "hi"}, headers={"Accept-Language": "hi"}
        )
    assert api == [200, 200, 429] and link == [200, 429] and hooks == {200}
    assert last.status_code == 429 and last.json()["code"] == "too_many_requests"
    assert 55 <= int(last.headers["retry-after"]) <= 60
    assert (
        last.json()["detail"]
        == f"बहुत अधिक अनुरोध; {last.headers['retry-after']} सेकंड बाद फिर प्रयास करें।"
    )
    after = REGISTRY.get_sample_value(
        "nazar_rate_limited_total",
        {"service": "edge-test", "route_class": "signed_link", "limit": "signed_link"},
    )
    assert after == (before or 0) + 2
    other = httpx.ASGITransport(app=app, client=("10.9.9.9", 4000))
    async with httpx.AsyncClient(transport=other, base_url="http://nazar.test") as http:
        assert (await http.get("/api/v1/units/A/members")).status_code == 200  # its own bucket


def test_refusal_counts_are_bounded_per_minute() -> None:
    counter = RefusalCounter(max_callers=2)
    at = datetime(2026, 1, 1, 10, 0, 5, tzinfo=UTC)
    for _ in range(50):
        counter.add(
            member_id=None,
            address="10.0.0.1",
            status=401,
            reason="bad_signature",
            action=None,
            at=at,
        )
    counter.add(
        member_id="M-1",
        address="10.0.0.2",
        status=403,
        reason="outside_scope",
        action="roster.read",
        at=at,
    )
    keys = {
        counter.add(
            member_id=None,
            address=f"10.0.1.{n}",
            status=429,
            reason="rate_limit.address",
            action=None,
            at=at,
        )
        for n in range(100)
    }
    assert {(k.who_kind, k.who) for k in keys} == {("overflow", "*")}
    assert counter.pending == 3  # 50 refusals of one caller are one tally; 100 callers one more
    later = counter.add(
        member_id=None,
        address="10.0.1.7",
        status=429,
        reason="rate_limit.address",
        action=None,
        at=at.replace(minute=1),
    )
    assert (later.who_kind, later.who, later.minute) == (
        "address",
        "10.0.1.7",
        at.replace(minute=1, second=0),
    )
