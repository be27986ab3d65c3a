"""Issue 16, item 5, on the running system: every console, API, signed link and webhook under one
origin (the stack's nginx, deploy/nginx/), each service under its prefix, its pages linking under
that prefix because of X-Forwarded-Prefix."""

from __future__ import annotations

import json
import re
import uuid
from typing import Any

import httpx

from tests.e2e.clients import World, wait_for
from tests.e2e.system import System
from tests.unit.story_intake.images import phone_jpeg

STATION = "PS-BHIWADI-KOTWALI"


def _origin(system: System) -> str:
    return f"http://localhost:{system.ports.base + 80}"


def _page_data(html: str) -> dict[str, Any]:
    found = re.search(r'<script id="page-data" type="application/json">(.*?)</script>', html, re.S)
    assert found, html[:500]
    data: dict[str, Any] = json.loads(found.group(1))
    return data


def _local_urls(html: str) -> list[str]:
    """Every href and src of the page that is a path on this origin."""
    return [u for u in re.findall(r'(?:href|src)="(/[^"]*)"', html) if not u.startswith("//")]


async def _get(system: System, url: str, **kwargs: Any) -> httpx.Response:
    return await system.http.get(url, follow_redirects=False, **kwargs)


async def test_the_root_and_bare_prefixes_lead_to_the_consoles(system: System) -> None:
    origin = _origin(system)
    root = await _get(system, f"{origin}/")
    assert root.status_code == 302
    assert root.headers["location"] == "/directive/console"
    assert (await _get(system, f"{origin}/healthz")).status_code == 200
    # A service's own redirect (story-intake's `/`) stays under its prefix.
    bare = await _get(system, f"{origin}/stories/")
    assert bare.status_code in (302, 307)
    assert bare.headers["location"] == "/stories/console"


async def test_each_console_links_under_its_prefix_and_its_files_load(system: System) -> None:
    origin = _origin(system)
    for prefix, path in (
        ("/directive", "/console"),
        ("/stories", "/console"),
        ("/roster", "/roster"),
        ("/directive", "/console/sign-in"),
        ("/roster", "/sign-in"),
        ("/roster", "/dev/sign-in"),
    ):
        page = await _get(system, f"{origin}{prefix}{path}?lang=en")
        assert page.status_code == 200, (prefix, path, page.text[:300])
        assert _page_data(page.text)["prefix"] == prefix
        urls = _local_urls(page.text)
        assert urls, page.text[:500]
        assert all(u.startswith(f"{prefix}/") for u in urls), (prefix, path, urls)
        for url in urls:
            if url.rsplit("?", 1)[0].endswith((".css", ".js")):
                loaded = await _get(system, f"{origin}{url}")
                assert loaded.status_code == 200, url
    # The same page on the service's own port has no prefix.
    own = await _get(system, system.url("directive", "/console?lang=en"))
    assert _page_data(own.text)["prefix"] == ""
    assert all(not u.startswith("/directive/") for u in _local_urls(own.text))
    # The API docs load their OpenAPI document under the prefix.
    docs = await _get(system, f"{origin}/publisher/docs")
    assert 'data-openapi-url="/publisher/openapi.json"' in docs.text
    assert (await _get(system, f"{origin}/publisher/openapi.json")).status_code == 200


async def test_each_service_api_answers_under_its_prefix(system: System) -> None:
    origin = _origin(system)
    w = World(system)
    author = await w.officer("constable", STATION)
    # A token from the roster, through the origin.
    minted = await system.http.post(
        f"{origin}/roster/api/v1/dev/tokens", json={"member_id": author}
    )
    assert minted.status_code == 200, minted.text
    auth = {"Authorization": f"Bearer {minted.json()['token']}", "Accept-Language": "en"}

    groups = await _get(system, f"{origin}/roster/api/v1/groups", headers=auth)
    assert groups.status_code == 200, groups.text
    inbox = await _get(system, f"{origin}/directive/api/v1/inbox", headers=auth)
    assert inbox.status_code == 200, inbox.text
    mine = await _get(system, f"{origin}/stories/api/v1/stories/mine", headers=auth)
    assert mine.status_code == 200, mine.text
    # The publisher's API is there too (an anonymous call is refused by the publisher itself).
    refused = await _get(system, f"{origin}/publisher/api/v1/audit")
    assert refused.status_code == 401
    assert refused.headers["content-type"].startswith("application/problem+json")
    # The same path names a different service under each prefix.
    health = {p: (await _get(system, f"{origin}{p}/readyz")).status_code for p in
              ("/roster", "/directive", "/stories", "/publisher")}  # fmt: skip
    assert set(health.values()) == {200}


async def test_a_signed_media_link_opens_through_the_origin(system: System) -> None:
    origin = _origin(system)
    w = World(system)
    author = await w.officer("constable", STATION)
    token = await w.token(author)
    headers = {"Authorization": f"Bearer {token}", "Idempotency-Key": str(uuid.uuid4())}
    story = await system.http.post(
        f"{origin}/stories/api/v1/stories",
        headers=headers,
        json={
            "kind": "gang_bust",
            "title": {"hi": "एक मूल की जाँच", "en": "One origin check"},
            "text": {"hi": "पुलिस ने जाँच की।", "en": "Police checked."},
            "place": "भिवाड़ी",
            "submit": False,
        },
    )
    assert story.status_code == 201, story.text
    photo = await system.http.post(
        f"{origin}/stories/api/v1/stories/{story.json()['id']}/photos",
        headers={"Authorization": f"Bearer {token}", "Idempotency-Key": str(uuid.uuid4())},
        files={"file": ("IMG_1.jpg", phone_jpeg(400, 200), "application/octet-stream")},
    )
    assert photo.status_code == 201, photo.text
    # The link is made under the one origin and opens there, without a token.
    web_url = photo.json()["web_url"]
    assert web_url.startswith(f"{origin}/stories/api/v1/media/"), web_url
    opened = await _get(system, web_url)
    assert opened.status_code == 200
    assert opened.headers["content-type"].startswith("image/")
    forged = await _get(system, web_url.replace("token=", "token=x"))
    assert forged.status_code in (403, 404, 410)


async def test_the_publishers_webhook_is_reached_through_the_origin(system: System) -> None:
    origin = _origin(system)
    challenge = uuid.uuid4().hex
    verify = await _get(
        system,
        f"{origin}/publisher/webhooks/whatsapp",
        params={
            "hub.mode": "subscribe",
            "hub.verify_token": "local-verify-token",
            "hub.challenge": challenge,
        },
    )
    assert verify.status_code == 200, verify.text
    assert verify.text == challenge
    # An unsigned notification is refused by the publisher (its signature check), not the proxy.
    unsigned = await system.http.post(
        f"{origin}/publisher/webhooks/whatsapp", content=b'{"entry": []}'
    )
    assert unsigned.status_code in (401, 403), unsigned.text
    assert unsigned.headers["content-type"].startswith("application/problem+json")


async def test_a_browsers_refresh_cookie_lives_under_the_rosters_prefix(system: System) -> None:
    origin = _origin(system)
    world = World(system)
    sho = await world.refresh(await world.officer("sho", STATION))
    assert sho.whatsapp, "the demo SHO has WhatsApp"
    async with httpx.AsyncClient(base_url=f"{origin}/roster/api/v1", timeout=30) as browser:
        asked = await browser.post("/auth/codes", json={"phone": f"+{sho.whatsapp}"})
        assert asked.status_code == 202, asked.text
        sign_in_id = asked.json()["sign_in_id"]

        async def code() -> str | None:
            r = await system.http.get(f"http://127.0.0.1:{system.ports.base + 201}/_fake/messages")
            return next(
                (
                    str(m["button_text"])
                    for m in r.json()["messages"]
                    if m.get("callback") == f"code:{sign_in_id}"
                ),
                None,
            )

        async def arrived() -> bool:
            return await code() is not None

        await wait_for(arrived, 60, what="the sign-in code at the fake WhatsApp")
        verified = await browser.post(
            "/auth/codes/verify", json={"sign_in_id": sign_in_id, "code": await code()}
        )
        assert verified.status_code == 200, verified.text
        # A browser on the origin: its Origin header is the origin, and it gets the cookie.
        pair = await browser.post(
            "/auth/token",
            json={"grant_type": "ticket", "ticket": verified.json()["ticket"]},
            headers={"Origin": origin},
        )
        assert pair.status_code == 200, pair.text
        cookie = pair.headers["set-cookie"].lower()
        assert "path=/roster/api/v1/auth" in cookie, cookie
        # The browser sends it back to the token route under the prefix, and it rotates.
        first = browser.cookies["nazar_refresh"]
        again = await browser.post(
            "/auth/token", json={"grant_type": "refresh_token"}, headers={"Origin": origin}
        )
        assert again.status_code == 200, again.text
        assert browser.cookies["nazar_refresh"] != first
