"""Issue 16, "Done when", walked in headless Chromium through the one origin: the SP of a district
signs in with the code the fake WhatsApp received and a passkey (Chromium's virtual
authenticator), relays a directive to their circles and signs out; a constable of that district
signs in with the code from the fake SMS (or WhatsApp) log and finds the directive in their
inbox. A deactivated member and five wrong codes are walked in tests/browser/roster/test_sign_in.py.
"""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from typing import Any
from urllib.parse import quote

import pytest
from playwright.async_api import Browser, BrowserContext, Page, expect

from tests.browser.roster.test_sign_in import SESSION, _ask, _code, _roster_db, _session
from tests.browser.roster.test_sign_in import browser as browser  # noqa: PLC0414 - the fixture
from tests.e2e.clients import World, call, wait_for
from tests.e2e.system import System

pytestmark = [pytest.mark.slow, pytest.mark.timeout(600)]
WAIT = 30_000
DISTRICT = "DST-KHAIRTHAL-TIJARA"
STATION = "PS-BHIWADI-KOTWALI"
TITLE = "भिवाड़ी: रात्रि गश्त बढ़ाएँ, संदिग्ध वाहनों की जाँच करें"


@pytest.fixture
async def context(browser: Browser) -> AsyncIterator[BrowserContext]:
    found = await browser.new_context(locale="hi-IN")
    try:
        yield found
    finally:
        await found.close()


def _typed(digits: str) -> str:
    """A number as a member types it ("98290 12345"), from the providers' "9198290..."."""
    local = digits.removeprefix("+").removeprefix("91")
    return f"{local[:5]} {local[5:]}"


async def _sign_in(
    system: System, page: Page, origin: str, phone: str, channel: str, asked_for: str
) -> None:
    await page.goto(f"{origin}/roster/sign-in?lang=hi&next={quote(asked_for, safe='')}")
    answer = await _ask(page, _typed(phone), channel)
    await page.fill("#code", await _code(system, answer["sign_in_id"]))
    await page.click("#verify")


async def _forget_passkeys(system: System, member_id: str) -> None:
    conn = await _roster_db(system)
    try:
        await conn.execute("DELETE FROM passkeys WHERE member_id = $1", member_id)
    finally:
        await conn.close()


async def _issued(w: World) -> str:
    adg = await w.token(await w.officer("adg", "BR-CRIME"))
    r = await call(
        w.system,
        "POST",
        w.directive("/directives"),
        token=adg,
        key=str(uuid.uuid4()),
        retry_for=120,
        json={
            "priority": "urgent",
            "title": {"hi": TITLE},
            "body": {"hi": "सभी थाना क्षेत्रों में रात्रि गश्त बढ़ाई जाए और संदिग्ध वाहनों की जाँच हो।"},
            "audience": {"unit_ids": [DISTRICT]},
            "ack_required": True,
            "relay_mode": "manual",
            "relay_deadline_seconds": 3600,
            "ack_window_seconds": 3600,
        },
    )
    assert r.status_code == 201, r.text
    return str(r.json()["id"])


async def test_an_sp_relays_after_code_and_passkey_and_a_constable_finds_it_in_the_inbox(
    system: System, context: BrowserContext
) -> None:
    origin = (system.processes["roster"].env.get("NAZAR_PUBLIC_ORIGIN") or "").rstrip("/")
    assert origin, "the stack serves everything under one origin (NAZAR_PUBLIC_ORIGIN)"
    w = World(system)
    sp = await w.refresh(await w.officer("sp", DISTRICT))
    constable = await w.refresh(await w.officer("constable", STATION))
    assert sp.whatsapp, sp
    # An SP without a passkey yet (another test may have made one on its own authenticator).
    await _forget_passkeys(system, sp.member_id)
    directive = await _issued(w)

    # The SP: the code from the fake WhatsApp, then a passkey made on this "device".
    page = await context.new_page()
    cdp = await context.new_cdp_session(page)
    await cdp.send("WebAuthn.enable")
    await cdp.send(
        "WebAuthn.addVirtualAuthenticator",
        {
            "options": {
                "protocol": "ctap2",
                "transport": "internal",
                "hasResidentKey": True,
                "hasUserVerification": True,
                "isUserVerified": True,
            }
        },
    )
    asked_for = f"/directive/console/directives/{directive}?lang=hi"
    await _sign_in(system, page, origin, sp.whatsapp, "whatsapp", asked_for)
    await expect(page.locator("#passkey-step")).to_have_attribute("data-mode", "register")
    await page.click("#passkey-go")
    await page.wait_for_url(f"{origin}{asked_for}", timeout=WAIT)
    session: dict[str, Any] | None = await _session(page)
    assert session is not None and session["member_id"] == sp.member_id

    # The relay, as an SP makes it on the directive's page.
    await expect(page.locator("#relay-card")).to_be_visible(timeout=WAIT)
    await page.click("#relay-button")
    await expect(page.locator("#done")).to_contain_text("भेज दिया गया", timeout=WAIT)

    await _forget_passkeys(system, sp.member_id)  # the next test's SP may be this one

    # Signing out revokes at the roster and ends on its sign-in page.
    await page.click("#sign-out")
    await page.wait_for_url(f"{origin}/roster/sign-in?lang=hi", timeout=WAIT)
    assert await _session(page) is None
    assert not [c for c in await context.cookies() if c["name"] == "nazar_refresh"]
    await page.close()

    # The constable: the code over SMS where they have a number for it.
    channel, phone = ("sms", constable.sms) if constable.sms else ("whatsapp", constable.whatsapp)
    assert phone, constable
    page = await context.new_page()
    await _sign_in(system, page, origin, phone, channel, "/roster/roster?lang=hi")
    await page.wait_for_url(f"{origin}/roster/roster?lang=hi", timeout=WAIT)
    session = await _session(page)
    assert session is not None and session["member_id"] == constable.member_id

    # Their inbox, with the token this sign-in gave, through the directive's prefix.
    async def relayed_in_inbox() -> bool:
        titles = await page.evaluate(
            f"""async () => {{
                const s = JSON.parse(sessionStorage.getItem('{SESSION}'));
                const r = await fetch('/directive/api/v1/inbox?limit=50',
                    {{ headers: {{ Authorization: 'Bearer ' + s.token }} }});
                if (!r.ok) return [];
                return (await r.json()).items.map((i) => i.title.hi);
            }}"""
        )
        return TITLE in titles

    await wait_for(relayed_in_inbox, within=90, what="the relayed directive in the inbox")
    await page.close()
