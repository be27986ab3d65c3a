"""Every response of a `create_app` service carries nosniff, no referrer and no framing, whoever
answered it (a route, a problem handler, the body limit, the last-resort 500, the CSV export);
`/metrics` answers only on the internal metrics listener, which lives and dies with the app."""

from __future__ import annotations

import asyncio
import socket

import httpx

from tests.conftest import DatabaseFactory, TopicFactory
from tests.integration.platform.http.server import RunningApp, client, serve_app
from tests.integration.platform.http.test_problems import note
from tests.integration.platform.http.testapp import bearer

ADG = bearer("m-adg-crime", "adg:PHQ")
SP = bearer("m-sp-bikaner", "sp:DST-BIKANER")


def assert_secured(name: str, response: httpx.Response) -> None:
    headers = response.headers
    assert headers.get_list("x-content-type-options") == ["nosniff"], name
    assert headers.get_list("referrer-policy") == ["no-referrer"], name
    assert headers.get_list("x-frame-options") == ["DENY"], name


async def test_every_kind_of_response_carries_the_headers(running_app: RunningApp) -> None:
    async with client(running_app) as http:
        answered = {
            "health": await http.get("/healthz"),
            "readiness": await http.get("/readyz"),
            "openapi": await http.get("/openapi.json"),
            "created": await http.post("/api/v1/notes", json=note(), headers=SP),
            "list": await http.get("/api/v1/notes", headers=SP),
            "401": await http.get("/api/v1/notes"),
            "403": await http.post("/api/v1/notes", json=note("DST-CHURU"), headers=SP),
            "404": await http.get("/nowhere"),
            "413": await http.post(
                "/api/v1/notes", content=b"x" * 20_000, headers={**SP, "content-type": "a/b"}
            ),
            "415": await http.post("/api/v1/notes", content=b"x", headers=SP),
            "422": await http.post("/api/v1/notes", json={"unit_id": 1}, headers=SP),
            "500": await http.get("/api/v1/boom"),
            "audit csv": await http.get("/api/v1/audit.csv", headers=ADG),
            "docs script": await http.get("/docs/swagger-init.js"),
        }
        docs = await http.get("/docs")
    expected = {
        "health": 200, "readiness": 200, "openapi": 200, "created": 201, "list": 200,
        "401": 401, "403": 403, "404": 404, "413": 413, "415": 415, "422": 422, "500": 500,
        "audit csv": 200, "docs script": 200,
    }  # fmt: skip
    assert {name: r.status_code for name, r in answered.items()} == expected
    assert answered["audit csv"].headers["content-type"].startswith("text/csv")
    for name, response in answered.items():
        assert_secured(name, response)
        assert "content-security-policy" not in response.headers, name  # not pages
    assert_secured("docs", docs)
    policy = docs.headers["content-security-policy"]
    assert "frame-ancestors 'none'" in policy and "unsafe-inline" not in policy
    # FastAPI's own docs pages, with inline script, are gone.
    async with client(running_app) as http:
        assert (await http.get("/redoc")).status_code == 404
        assert (await http.get("/docs/oauth2-redirect")).status_code == 404


async def test_metrics_only_on_the_internal_listener(running_app: RunningApp) -> None:
    listener = running_app.app.state.metrics_listener
    public_port = int(running_app.base_url.rsplit(":", 1)[1])
    assert listener.host == "127.0.0.1" and listener.port not in (0, public_port)
    async with client(running_app) as http:
        public = await http.get("/metrics")
        internal = await http.get(listener.url)
        spec = (await http.get("/openapi.json")).json()
    assert public.status_code == 404 and public.json()["code"] == "not_found"
    assert "nazar_http_requests_total" not in public.text
    assert internal.status_code == 200 and "nazar_http_requests_total" in internal.text
    assert "/metrics" not in spec["paths"]


def _accepts(port: int) -> bool:
    with socket.socket() as sock:
        sock.settimeout(1)
        return sock.connect_ex(("127.0.0.1", port)) == 0


async def test_the_listener_stops_with_the_app(
    databases: DatabaseFactory, kafka_bootstrap: str
) -> None:
    database = await databases.create("metrics_listener")
    topics = TopicFactory(kafka_bootstrap)
    topic = await topics("metrics-listener")
    try:
        async with serve_app(database, kafka_bootstrap, topic) as running:
            port = running.app.state.metrics_listener.port
            assert await asyncio.to_thread(_accepts, port)
        assert not await asyncio.to_thread(_accepts, port)
    finally:
        await topics.delete_all()
        await databases.drop(database)
