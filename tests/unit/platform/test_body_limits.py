"""Body limits per route: the service-wide limit holds for every route that declares none, a
route declaring its own (`edge.body_limit`) takes up to that, and a 413 names the limit applied."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest
from fastapi import APIRouter, FastAPI, Request
from nazar_platform.http.context import BodyLimitMiddleware
from nazar_platform.http.edge import SIGNED_LINK, body_limit, route_class, route_table
from nazar_platform.http.input_guard import InputGuardMiddleware
from nazar_platform.http.problems import install_problem_handlers

SERVICE_LIMIT = 1024
UPLOAD_LIMIT = 64 * 1024


def build_app() -> FastAPI:
    app = FastAPI()
    install_problem_handlers(app)
    router = APIRouter()

    @router.post("/notes")
    async def notes(body: dict[str, Any]) -> dict[str, int]:
        return {"keys": len(body)}

    @router.post("/stories/{story_id}/photos", openapi_extra=body_limit(UPLOAD_LIMIT))
    async def photos(story_id: str, request: Request) -> dict[str, Any]:
        return {"story": story_id, "size": len(await request.body())}

    @router.post("/big-json", openapi_extra={**route_class(SIGNED_LINK), **body_limit(8192)})
    async def big_json(body: dict[str, str]) -> dict[str, int]:
        return {"size": sum(len(v) for v in body.values())}

    app.include_router(router, prefix="/api/v1")
    app.add_middleware(BodyLimitMiddleware, max_bytes=SERVICE_LIMIT)
    app.add_middleware(InputGuardMiddleware, max_body_bytes=SERVICE_LIMIT)
    return app


@pytest.fixture
async def http() -> AsyncIterator[httpx.AsyncClient]:
    transport = httpx.ASGITransport(app=build_app())
    async with httpx.AsyncClient(transport=transport, base_url="http://nazar.test") as client:
        yield client


def too_large(response: httpx.Response, limit: int) -> None:
    assert response.status_code == 413, response.text
    assert response.headers["content-type"] == "application/problem+json"
    assert str(limit) in response.json()["detail"]


async def test_a_route_without_its_own_limit_keeps_the_service_one(
    http: httpx.AsyncClient,
) -> None:
    ok = await http.post("/api/v1/notes", json={"a": "x" * 500})
    assert ok.status_code == 200, ok.text
    too_large(await http.post("/api/v1/notes", json={"a": "x" * 2000}), SERVICE_LIMIT)


async def test_a_route_with_its_own_limit_takes_up_to_it_and_names_it(
    http: httpx.AsyncClient,
) -> None:
    body = b"\x00" * (UPLOAD_LIMIT - 10)
    ok = await http.post("/api/v1/stories/s1/photos", content=body)
    assert ok.json() == {"story": "s1", "size": len(body)}
    too_large(await http.post("/api/v1/stories/s1/photos", content=body + b"0" * 11), UPLOAD_LIMIT)


async def test_a_chunked_body_is_counted_against_the_routes_limit(
    http: httpx.AsyncClient,
) -> None:
    async def chunks() -> AsyncIterator[bytes]:
        for _ in range(UPLOAD_LIMIT // 4096 + 2):
            yield b"\x01" * 4096

    too_large(await http.post("/api/v1/stories/s2/photos", content=chunks()), UPLOAD_LIMIT)


async def test_the_input_guard_checks_json_up_to_the_routes_limit(
    http: httpx.AsyncClient,
) -> None:
    # Past the service limit but within the route's: the guard still reads and checks it all.
    bad = await http.post("/api/v1/big-json", json={"a": "x" * 3000 + "\u0000"})
    assert bad.status_code == 422, bad.text
    assert bad.json()["code"] == "invalid_text"
    ok = await http.post("/api/v1/big-json", json={"a": "x" * 3000})
    assert ok.json() == {"size": 3000}


def test_the_limit_is_in_the_openapi_document_and_per_method() -> None:
    app = build_app()
    operation = app.openapi()["paths"]["/api/v1/stories/{story_id}/photos"]["post"]
    assert operation["x-nazar-body-limit"] == UPLOAD_LIMIT
    table = route_table(app)
    assert table.body_limit("POST", "/api/v1/stories/x/photos", 7) == UPLOAD_LIMIT
    assert table.body_limit("PUT", "/api/v1/stories/x/photos", 7) == 7
    assert table.body_limit("POST", "/api/v1/notes", 7) == 7
    with pytest.raises(ValueError, match="at least"):
        body_limit(0)


async def test_a_declared_oversize_json_body_is_refused_before_any_of_it_is_read() -> None:
    """A client announcing 100 MB (and sending a trickle) is answered at once: the input guard
    leaves the body unread for the body limit's 413 (found by tests/security)."""
    app = build_app()
    reads = 0
    sent: list[dict[str, Any]] = []

    async def receive() -> dict[str, Any]:
        nonlocal reads
        reads += 1
        raise AssertionError("the body was read")

    async def send(message: dict[str, Any]) -> None:
        sent.append(message)

    scope = {
        "type": "http", "asgi": {"version": "3.0"}, "http_version": "1.1", "method": "POST",
        "scheme": "http", "path": "/api/v1/notes", "raw_path": b"/api/v1/notes",
        "query_string": b"", "root_path": "", "server": ("nazar.test", 80),
        "client": ("127.0.0.1", 1), "app": app,
        "headers": [(b"content-type", b"application/json"),
                    (b"content-length", str(100 * 1024 * 1024).encode())],
    }  # fmt: skip
    await app(scope, receive, send)  # type: ignore[arg-type]
    assert reads == 0
    assert sent[0]["type"] == "http.response.start" and sent[0]["status"] == 413
