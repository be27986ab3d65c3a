"""Every guarded route × every role × own and foreign unit, against the running system.

The rows come from the services' own route tables (tests/security/routes.py), the columns from
the demo roster (one member per role; tests/security/matrix.py), the expectation from the
platform's access table. Every cell is one request with a valid token for that role:

* the role lacks the action: 403 and an RFC 9457 problem document;
* the role may, at that target (or the target is not one the matrix places): neither 401 nor 403;
* the role may, but not at the foreign target: 403 or 404 (existence hidden), never data;
* no token at all: 401, a problem document and a Bearer challenge.

A 2xx where the caller may not act, or list rows from outside the caller's scope, is a LEAK.
Requests the service refuses before it judges the target (a body that does not validate: 422)
are counted as "not reached". Figures are printed: routes, cells, wrong, leaks.
"""

from __future__ import annotations

import asyncio
import uuid
from collections import Counter
from typing import Any

import httpx
import pytest
from nazar_platform.auth.access import Scope

from tests.e2e.clients import World
from tests.e2e.system import System
from tests.security.matrix import (
    FOREIGN,
    OWN,
    Caller,
    Tree,
    callers,
    expected,
    fill,
    has_target,
    load_tree,
    scope_of,
)
from tests.security.routes import SERVICES, Guard, RouteRow, Target, route_table

BODY_METHODS = {"POST", "PUT", "PATCH"}
CONCURRENCY = 8


def _is_problem(response: httpx.Response) -> bool:
    if not response.headers.get("content-type", "").startswith("application/problem+json"):
        return False
    body = response.json()
    return {"type", "title", "status"} <= set(body) and body["status"] == response.status_code


async def _send(http: httpx.AsyncClient, row: RouteRow, path: str, token: str | None) -> Any:
    headers = {"Accept-Language": "en", "Idempotency-Key": str(uuid.uuid4())}
    if token:
        headers["Authorization"] = f"Bearer {token}"
    body: dict[str, Any] | None = {} if row.method in BODY_METHODS else None
    while True:
        # A stream answers its status at once and then stays open: read the head only.
        async with http.stream(row.method, path, headers=headers, json=body) as response:
            if response.status_code == 429:
                await asyncio.sleep(float(response.headers.get("retry-after", "1")))
                continue
            if not path.endswith("/stream") or response.status_code >= 400:
                await response.aread()
            return response


def _foreign_rows(body: Any, caller: Caller, row: RouteRow, tree: Tree, path: str) -> list[str]:
    """List rows (items with a unit_id) outside every grant the caller has for the action."""
    if not isinstance(body, dict) or not isinstance(body.get("items"), list):
        return []
    if row.target is Target.OPEN:
        return []
    outside = []
    for action in row.actions:
        scopes = scope_of(caller, action)
        if Scope.STATE in scopes:
            continue
        subtree = {g.unit_id for g in caller.principal.grants}
        if row.target is Target.MEMBERSHIP:
            # A member of a group sees its officers: those of the group's circle and above.
            subtree |= {part.removeprefix("circle.") for part in path.split("/")}
        above = set(caller.unit_path)  # one's own chain of command is no secret
        for item in body["items"]:
            if not isinstance(item, dict) or not isinstance(item.get("unit_id"), str):
                continue
            mine = item.get("member_id") == caller.principal.member_id and Scope.SELF in scopes
            unit = item["unit_id"]
            if not mine and unit not in above and not subtree & set(tree.path(unit)):
                outside.append(unit)
    return outside


def _judge(
    row: RouteRow, expect: str, response: httpx.Response, caller: Caller, tree: Tree, path: str
) -> str:
    """'ok', 'unreached', 'wrong: ...' or 'LEAK: ...' for one cell."""
    status = response.status_code
    if status >= 500:
        return f"wrong: {status}"
    if expect == "refused":
        if 200 <= status < 300:
            return f"LEAK: {status} for a role without {row.actions}"
        return "ok" if status == 403 and _is_problem(response) else f"wrong: {status} not 403"
    if expect == "outside":
        if 200 <= status < 300:
            return f"LEAK: {status} at a target outside the caller's scope"
        if status in (403, 404):
            return "ok" if _is_problem(response) else f"wrong: {status} not a problem document"
        return "unreached" if status in (400, 409, 415, 422) else f"wrong: {status}"
    if status == 401 or (status == 403 and expect == "allowed"):
        return f"wrong: {status} for a caller who may"
    if 200 <= status < 300 and "json" in response.headers.get("content-type", ""):
        outside = _foreign_rows(response.json(), caller, row, tree, path)
        if outside:
            return f"LEAK: rows of {sorted(set(outside))[:3]}"
    if status >= 400 and not _is_problem(response):
        return f"wrong: {status} not a problem document"
    return "ok"


async def _anonymous(http: httpx.AsyncClient, row: RouteRow) -> str:
    caller_free = row.path.replace("{", "").replace("}", "")
    response = await _send(http, row, caller_free, None)
    challenge = response.headers.get("www-authenticate", "").startswith("Bearer")
    if response.status_code == 401 and _is_problem(response) and challenge:
        return "ok"
    if 200 <= response.status_code < 300:
        return f"LEAK: {response.status_code} without a token"
    return f"wrong: {response.status_code} without a token"


@pytest.fixture(scope="module")
async def columns(system: System) -> tuple[list[Caller], Tree, list[str]]:
    world = World(system)
    adg = await world.token(await world.officer("adg", "BR-CRIME"))
    tree = await load_tree(world, adg)
    found, missing = await callers(world, tree)
    return found, tree, [role.value for role in missing]


async def test_every_route_every_role_own_and_foreign_unit(
    system: System, columns: tuple[list[Caller], Tree, list[str]]
) -> None:
    found, tree, missing = columns
    assert len(found) >= 15, f"the demo roster holds too few roles; missing: {missing}"
    rows = [r for r in route_table() if r.guard in (Guard.ACTION, Guard.SIGNED_IN)]
    limit = asyncio.Semaphore(CONCURRENCY)
    tally: Counter[str] = Counter()
    failures: list[str] = []

    clients = {s: httpx.AsyncClient(base_url=system.url(s), timeout=30) for s in SERVICES}

    async def cell(row: RouteRow, caller: Caller | None, side: str) -> None:
        http = clients[row.service]
        async with limit:
            if caller is None:
                verdict, who = await _anonymous(http, row), "anonymous"
            else:
                expect = "signed-in" if row.guard is Guard.SIGNED_IN else "refused"
                if row.guard is Guard.ACTION:
                    expect = await expected(row, caller, side, tree)
                path = fill(row, caller, side)
                if row.destructive and expect not in ("refused", "outside"):
                    tally["skipped"] += 1  # see routes.DESTRUCTIVE
                    return
                response = await _send(http, row, path, caller.token)
                verdict = _judge(row, expect, response, caller, tree, path)
                who = f"{caller.role.value}@{caller.target_units[OWN]} {side} ({expect})"
        tally[verdict.split(":")[0]] += 1
        if verdict not in ("ok", "unreached"):
            failures.append(f"{row} as {who}: {verdict}")

    cells = [cell(row, None, OWN) for row in rows]
    for row in rows:
        sides = (OWN, FOREIGN) if has_target(row) else (OWN,)
        cells += [cell(row, caller, side) for caller in found for side in sides]
    try:
        await asyncio.gather(*cells)
    finally:
        for client in clients.values():
            await client.aclose()
    wrong = sum(n for verdict, n in tally.items() if verdict == "wrong")
    leaks = tally["LEAK"]
    print(
        f"\nauthorization matrix: {len(rows)} routes, {len(found)} roles "
        f"(none in the demo roster: {missing or 'none'}), {len(cells)} cells; "
        f"ok {tally['ok']}, not reached {tally['unreached']}, destructive not sent "
        f"{tally['skipped']}, wrong {wrong}, leaks {leaks}"
    )
    assert not failures, f"{len(failures)} cells:\n" + "\n".join(sorted(failures))
