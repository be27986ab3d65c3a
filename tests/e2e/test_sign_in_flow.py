"""Issue 16 item 1 on the running system through its public APIs and the fake WhatsApp: an SHO
types their number as a member would; the roster seals a code onto auth.codes.v1; the publisher
opens it and sends the copy-code authentication template in the member's language; the code read
off the fake's message trades for a one-time ticket, the ticket for the roster's ES256 tokens, and
each of the four services accepts the access token through the roster's JWKS (issue 16 item 2).
A number that is not on the roster gets the same answer and no message."""

from __future__ import annotations

import asyncio
from typing import Any

from tests.e2e.clients import World, call, wait_for
from tests.e2e.system import System

STATION = "PS-BHIWADI-KOTWALI"


async def _messages(system: System) -> list[dict[str, Any]]:
    r = await system.http.get(f"http://127.0.0.1:{system.ports.base + 201}/_fake/messages")
    found: list[dict[str, Any]] = r.json()["messages"]
    return found


async def _code_message(system: System, sign_in_id: str) -> dict[str, Any] | None:
    return next(
        (m for m in await _messages(system) if m.get("callback") == f"code:{sign_in_id}"), None
    )


async def test_a_member_signs_in_with_the_code_that_reached_their_whatsapp(system: System) -> None:
    world = World(system)
    sho = await world.refresh(await world.officer("sho", STATION))
    assert sho.whatsapp, "the demo SHO has WhatsApp"
    typed = f"{sho.whatsapp[2:7]} {sho.whatsapp[7:]}"  # "98290 12345", as a member types it
    r = await call(system, "POST", world.roster("/auth/codes"), json={"phone": typed}, retry_for=30)
    assert r.status_code == 202, r.text
    sign_in_id = r.json()["sign_in_id"]

    async def arrived() -> bool:
        return await _code_message(system, sign_in_id) is not None

    await wait_for(arrived, 60)
    message = await _code_message(system, sign_in_id)
    assert message is not None
    assert message["template"] == "nazar_sign_in_code" and message["to"] == sho.whatsapp
    code = message["button_text"]
    assert code and len(code) == 6 and code.isdigit() and message["parameters"] == [code]

    wrong = f"{(int(code) + 1) % 1_000_000:06d}"
    url = world.roster("/auth/codes/verify")
    refused = await call(system, "POST", url, json={"sign_in_id": sign_in_id, "code": wrong})
    assert refused.status_code == 401 and refused.json()["attempts_left"] == 4
    ok = await call(system, "POST", url, json={"sign_in_id": sign_in_id, "code": code})
    assert ok.status_code == 200, ok.text
    ticket = ok.json()["ticket"]
    pair = await call(
        system, "POST", world.roster("/auth/token"), json={"grant_type": "ticket", "ticket": ticket}
    )
    assert pair.status_code == 200, pair.text
    access = pair.json()["access_token"]
    assert pair.json()["member_id"] == sho.member_id and pair.json()["refresh_token"]
    # Signed by the roster's own key (not the dev key), and accepted everywhere.
    own = await call(system, "GET", world.roster(f"/members/{sho.member_id}"), token=access)
    assert own.status_code == 200, own.text
    inbox = await call(system, "GET", world.directive("/inbox"), token=access)
    assert inbox.status_code == 200, inbox.text
    mine = await call(
        system, "GET", system.url("story-intake", "/api/v1/alerts/mine"), token=access
    )
    assert mine.status_code == 200, mine.text
    # The SHO may not read the publisher's channel report: refused, not unauthenticated.
    channels = await call(
        system, "GET", system.url("social-publisher", "/api/v1/channels"), token=access
    )
    assert channels.status_code == 403, channels.text
    forged = await call(system, "GET", world.directive("/inbox"), token=access[:-4] + "AAAA")
    assert forged.status_code == 401

    stranger = await call(
        system, "POST", world.roster("/auth/codes"), json={"phone": "+919999954321"}
    )
    assert stranger.status_code == 202 and set(stranger.json()) == set(r.json())
    await asyncio.sleep(5)  # the known member's code took less than this to arrive
    assert await _code_message(system, stranger.json()["sign_in_id"]) is None
