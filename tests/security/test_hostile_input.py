"""Hostile values in every parameter of every operation, deterministically.

Random generation (test_openapi_fuzz) finds a NUL byte in one query parameter on one run and
misses it on the next. This sweep sends, to every operation of every service's OpenAPI, each of
a fixed set of values known to have broken servers: NUL and other control characters, bytes that
are not UTF-8, a lone surrogate, integers far beyond 64 bits, and cursors that decode to such
values. Every answer must be below 500, and every error a problem document.
"""

from __future__ import annotations

import base64
import json
import re
from typing import Any
from urllib.parse import quote

import httpx
import pytest

from tests.e2e.clients import World
from tests.e2e.system import System

SERVICES = ("roster", "directive", "social-publisher", "story-intake")
# Already percent-encoded, so that what reaches the server is exactly these bytes.
HOSTILE_TEXT = {
    "nul": "a%00b",
    "control": "%1B%5B2J",
    "not-utf8": "%FF%FE%C0%80",
    "surrogate": "%ED%A0%80",
}
HUGE = str(10**30)


def _cursor(*keys: object) -> str:
    raw = json.dumps({"v": 1, "k": list(keys)}).encode()
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()


HOSTILE_CURSORS = {
    f"cursor-{name}": _cursor(*values)
    for name, values in {
        "huge-1": (10**30,),
        "huge-2": (10**30, 10**30),
        "huge-3": (10**30, 10**30, 10**30),
        "nul-1": ("a\x00",),
        "nul-2": ("a\x00", "b\x00"),
        "mixed": ("2026-01-01T00:00:00+00:00", "a\x00"),
        "negative": (-(10**30),),
    }.items()
}
HOSTILE_BODY_TEXT = "पुलिस\x00थाना"


def _operations(document: dict[str, Any]) -> list[tuple[str, str, dict[str, Any]]]:
    found = []
    for path, item in document["paths"].items():
        for method, operation in item.items():
            if method in {"get", "post", "put", "patch", "delete"} and not path.endswith("/stream"):
                found.append((method.upper(), path, operation))
    return found


def _fill_path(path: str, values: dict[str, str]) -> str:
    return re.sub(r"\{([^}]+)\}", lambda m: values.get(m.group(1), "x"), path)


def _cases(path: str, operation: dict[str, Any]) -> list[tuple[str, str]]:
    """(what, url path with query) for every hostile value in every parameter."""
    parameters = [p for p in operation.get("parameters", []) if p.get("in") in {"path", "query"}]
    cases = []
    for parameter in parameters:
        name, where = parameter["name"], parameter["in"]
        schema = parameter.get("schema", {})
        kinds = {schema.get("type")} | {s.get("type") for s in schema.get("anyOf", [])}
        values = dict(HOSTILE_TEXT)
        if "integer" in kinds or "number" in kinds:
            values |= {"huge": HUGE, "negative-huge": f"-{HUGE}"}
        if name == "cursor":
            values |= HOSTILE_CURSORS
        for label, value in values.items():
            if where == "path":
                cases.append((f"path.{name}={label}", _fill_path(path, {name: value})))
            else:
                url = f"{_fill_path(path, {})}?{quote(name)}={value}"
                cases.append((f"query.{name}={label}", url))
    return cases


def _hostile_body(operation: dict[str, Any], document: dict[str, Any]) -> dict[str, Any] | None:
    content = operation.get("requestBody", {}).get("content", {})
    schema = content.get("application/json", {}).get("schema")
    if schema is None:
        return None
    ref = schema.get("$ref", "")
    if ref:
        schema = document["components"]["schemas"][ref.rsplit("/", 1)[-1]]
    properties = schema.get("properties", {})
    return {name: HOSTILE_BODY_TEXT for name in properties} or {"x": HOSTILE_BODY_TEXT}


async def _send(
    failures: list[str], what: str, http: httpx.AsyncClient, *args: Any, **kwargs: Any
) -> None:
    try:
        response = await http.request(*args, **kwargs)
    except httpx.HTTPError as exc:  # e.g. a streamed answer that broke off half-way
        failures.append(f"{what}: {type(exc).__name__} {exc}")
        return
    if response.status_code >= 500:
        failures.append(f"{what}: {response.status_code} {response.text[:200]}")
    elif response.status_code >= 400:
        media = response.headers.get("content-type", "")
        if not media.startswith("application/problem+json") and not media.startswith("text/html"):
            failures.append(f"{what}: {response.status_code} answered as {media!r}")


@pytest.fixture(scope="module")
async def hq_token(system: System) -> str:
    world = World(system)
    return await world.token(await world.officer("adg", "BR-CRIME"))


@pytest.mark.parametrize("signed_in", [True, False], ids=["hq", "anonymous"])
@pytest.mark.parametrize("service", SERVICES)
async def test_no_hostile_value_in_any_parameter_is_a_server_error(
    system: System, hq_token: str, service: str, signed_in: bool
) -> None:
    base = system.url(service)
    headers = {"Accept-Language": "hi"}
    if signed_in:
        headers["Authorization"] = f"Bearer {hq_token}"
    async with httpx.AsyncClient(base_url=base, headers=headers, timeout=20) as http:
        document = (await http.get("/openapi.json")).json()
        failures: list[str] = []
        tried = 0
        for method, path, operation in _operations(document):
            for what, url in _cases(path, operation):
                # httpx.URL keeps percent-escapes as given: the server gets exactly these bytes.
                body: dict[str, Any] | None = {} if method in {"POST", "PUT", "PATCH"} else None
                await _send(
                    failures, f"{method} {path} {what}", http,
                    method, httpx.URL(base + url), json=body,
                )  # fmt: skip
                tried += 1
            hostile = _hostile_body(operation, document)
            if hostile is not None:
                await _send(
                    failures, f"{method} {path} body", http,
                    method, _fill_path(path, {}), json=hostile,
                    headers={"Idempotency-Key": f"hostile-body-{method}{path}"},
                )  # fmt: skip
                tried += 1
    assert tried > 20, f"only {tried} requests: the OpenAPI document lists too little"
    assert not failures, "\n".join(failures)
