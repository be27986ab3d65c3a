"""The roster's phone sign-in page in headless Chromium on the running system (issue 16 item 6):
a constable signs in with the code the fake SMS gateway received and lands on the page asked for,
signed in under their name; five wrong codes lock the code (said in Hindi); a number that is not
on the roster and a deactivated member get the same answer as a member and no code; the page in
Hindi and English; an SP adds a passkey with Chromium's virtual authenticator."""

from __future__ import annotations

import json
import re
import uuid
from collections.abc import AsyncIterator
from typing import Any
from urllib.parse import quote, urlsplit

import asyncpg
import pytest
from playwright.async_api import Browser, BrowserContext, Page, async_playwright, expect

from tests.browser.a11y import assert_usable
from tests.browser.roster.test_pages import CHROMIUM_ARGS
from tests.conftest import dsn_for_database
from tests.e2e.clients import World, call, wait_for
from tests.e2e.system import System

SESSION = "nazar.console.session"
# Stations the end-to-end sign-in flow leaves alone.
AVOID = "PS-BHIWADI-KOTWALI"


@pytest.fixture(scope="module")
async def browser() -> AsyncIterator[Browser]:
    async with async_playwright() as p:
        chromium = await p.chromium.launch(executable_path="/usr/bin/chromium", args=CHROMIUM_ARGS)
        try:
            yield chromium
        finally:
            await chromium.close()


@pytest.fixture
async def context(browser: Browser) -> AsyncIterator[BrowserContext]:
    ctx = await browser.new_context()
    try:
        yield ctx
    finally:
        await ctx.close()


async def _roster_db(system: System) -> asyncpg.Connection:
    return await asyncpg.connect(dsn_for_database(system.env["NAZAR_PG_DSN"], "nazar_roster"))


async def _members(system: System, role: str, channel: str) -> list[asyncpg.Record]:
    """Active members holding `role` with a number on `channel`, from the roster's own table,
    once the demo roster is in."""
    found: list[asyncpg.Record] = []

    async def loaded() -> bool:
        nonlocal found
        conn = await _roster_db(system)
        try:
            found = await conn.fetch(
                f"""SELECT DISTINCT m.member_id, m.name_hi, m.name_latin, c.{channel} AS phone
                    FROM members m JOIN contacts c USING (member_id)
                    JOIN postings p USING (member_id)
                    WHERE p.role = $1 AND m.active AND c.{channel} IS NOT NULL
                      AND p.unit_id <> $2
                    ORDER BY m.member_id""",  # channel: one of two column names
                role,
                AVOID,
            )
        finally:
            await conn.close()
        return len(found) >= 4

    await wait_for(loaded, 180, what=f"demo {role}s with {channel}")
    return found


def _typed(e164: str) -> str:
    """As a member types it: "98290 12345"."""
    digits = e164.removeprefix("+91")
    return f"{digits[:5]} {digits[5:]}"


async def _code(system: System, sign_in_id: str) -> str:
    """The code the fake WhatsApp (copy-code button) or the fake SMS gateway (in the text)
    received for this sign-in."""
    found: list[str] = []

    async def arrived() -> bool:
        for port, key in ((201, "callback"), (202, "ref")):
            r = await system.http.get(f"http://127.0.0.1:{system.ports.base + port}/_fake/messages")
            for m in r.json()["messages"]:
                if m.get(key) != f"code:{sign_in_id}":
                    continue
                code = m.get("button_text") or re.search(r"\b(\d{6})\b", m.get("text", ""))
                found.append(code if isinstance(code, str) else code.group(1) if code else "")
        return bool(found and found[0])

    await wait_for(arrived, 90, what=f"the code of sign-in {sign_in_id}")
    return found[0]


async def _ask(page: Page, phone: str, channel: str = "whatsapp") -> dict[str, Any]:
    await page.fill("#phone", phone)
    await page.check(f'input[name="channel"][value="{channel}"]')
    async with page.expect_response(
        lambda r: r.url.endswith("/api/v1/auth/codes") and r.request.method == "POST"
    ) as info:
        await page.click("#send-code")
    response = await info.value
    assert response.status == 202, await response.text()
    await expect(page.locator("#code-step")).to_be_visible()
    answer: dict[str, Any] = await response.json()
    return answer


async def _session(page: Page) -> dict[str, Any] | None:
    raw = await page.evaluate(f"sessionStorage.getItem('{SESSION}')")
    return json.loads(raw) if raw else None


async def test_a_constable_signs_in_with_the_sms_code_and_lands_where_they_asked(
    system: System, context: BrowserContext
) -> None:
    constable = (await _members(system, "constable", "sms"))[0]
    roster = system.url("roster")
    page = await context.new_page()
    asked_for = "/roster?lang=hi"
    await page.goto(f"{roster}/sign-in?lang=hi&next={quote(asked_for, safe='')}")
    await expect(page.locator("h1")).to_have_text("मोबाइल नंबर से साइन इन")
    await expect(page.locator("#code")).to_have_attribute("autocomplete", "one-time-code")
    answer = await _ask(page, _typed(constable["phone"]), "sms")
    await expect(page.locator("#code-sent")).to_contain_text("5 मिनट")
    # The resend waits (its seconds shown) before a new code may be asked for.
    await expect(page.locator("#resend")).to_be_disabled()
    await expect(page.locator("#resend-wait")).to_contain_text("सेकंड")

    code = await _code(system, answer["sign_in_id"])
    await page.fill("#code", code)
    await page.click("#verify")
    await page.wait_for_url(f"{roster}{asked_for}")
    who = page.locator("#who-name")
    await expect(who).to_contain_text(constable["name_hi"])
    assert constable["member_id"] not in await who.inner_text()
    session = await _session(page)
    assert session is not None and session["member_id"] == constable["member_id"]
    assert {"role": "constable"}.items() <= session["grants"][0].items()
    assert session["name"]["hi"] == constable["name_hi"] and session["token"].count(".") == 2
    # The header names the constable's role and station, and shows no code.
    await expect(page.locator("#who-roles")).to_contain_text("कांस्टेबल · ")
    await assert_usable(page)
    # The refresh token is the HttpOnly cookie, out of the page's reach.
    cookies = await context.cookies()
    refresh = next(c for c in cookies if c["name"] == "nazar_refresh")
    assert refresh["httpOnly"] and refresh["sameSite"] == "Strict"
    assert "nazar_refresh" not in await page.evaluate("document.cookie")

    # An expired access token is refreshed through the cookie, not sent back to sign in.
    await page.evaluate(
        f"""(() => {{ const s = JSON.parse(sessionStorage.getItem('{SESSION}'));
            s.expires_at = 0; sessionStorage.setItem('{SESSION}', JSON.stringify(s)); }})()"""
    )
    await page.reload()
    await expect(page.locator("#who-name")).to_contain_text(constable["name_hi"])
    renewed = await _session(page)
    assert renewed is not None and renewed["token"] != session["token"]

    # Signing out revokes the family: the cookie no longer refreshes, the pages ask to sign in.
    await page.click("#sign-out")
    await page.wait_for_url(re.compile(r"/sign-in\?lang=hi$"))
    assert await _session(page) is None
    await page.goto(f"{roster}{asked_for}")
    await page.wait_for_url(re.compile(r"/sign-in\?lang=hi&next="))
    await page.close()


async def test_five_wrong_codes_lock_the_code_and_the_page_says_so_in_hindi(
    system: System, context: BrowserContext
) -> None:
    member = (await _members(system, "constable", "whatsapp"))[1]
    page = await context.new_page()
    await page.goto(f"{system.url('roster')}/sign-in?lang=hi")
    answer = await _ask(page, _typed(member["phone"]))
    code = await _code(system, answer["sign_in_id"])
    wrong = [f"{(int(code) + n) % 1_000_000:06d}" for n in range(1, 6)]
    for n, guess in enumerate(wrong[:4]):
        await page.fill("#code", guess)
        await page.click("#verify")
        await expect(page.locator("#attempts")).to_have_text(f"बचे प्रयास: {4 - n}")
        await expect(page.locator("#problem")).to_contain_text("कोड सही नहीं है")
    await page.fill("#code", wrong[4])
    await page.click("#verify")
    await expect(page.locator("#problem")).to_contain_text("बहुत बार गलत कोड डाला गया")
    await expect(page.locator("#problem")).to_contain_text("नया कोड माँगें")
    await expect(page.locator("#code")).to_be_disabled()
    # The right code no longer works either.
    r = await call(
        system,
        "POST",
        system.url("roster", "/api/v1/auth/codes/verify"),
        json={"sign_in_id": answer["sign_in_id"], "code": code},
    )
    assert r.status_code == 403 and r.json()["code"] == "auth.code_locked"
    await page.close()


async def _code_made(system: System, sign_in_id: str) -> bool:
    conn = await _roster_db(system)
    try:
        made = await conn.fetchval(
            "SELECT code_hash IS NOT NULL FROM sign_ins WHERE sign_in_id = $1",
            uuid.UUID(sign_in_id),
        )
    finally:
        await conn.close()
    return bool(made)


async def test_an_unknown_number_gets_the_same_answer_in_english(
    system: System, context: BrowserContext
) -> None:
    member = (await _members(system, "constable", "whatsapp"))[2]
    page = await context.new_page()
    await page.goto(f"{system.url('roster')}/sign-in?lang=en")
    await expect(page.locator("h1")).to_have_text("Sign in with your mobile number")
    await assert_usable(page)
    known = await _ask(page, _typed(member["phone"]))
    said_to_member = await page.locator("#code-sent").inner_text()
    code = await _code(system, known["sign_in_id"])
    await page.fill("#code", f"{(int(code) + 1) % 1_000_000:06d}")
    await page.click("#verify")
    await expect(page.locator("#attempts")).to_have_text("Tries left: 4")

    await page.click("#change-number")
    await expect(page.locator("#phone-step")).to_be_visible()
    stranger = await _ask(page, "99999 54321")
    assert set(stranger) == set(known) and stranger["expires_in"] > 0
    assert await page.locator("#code-sent").inner_text() == said_to_member
    await page.fill("#code", "000000")
    await page.click("#verify")
    await expect(page.locator("#attempts")).to_have_text("Tries left: 4")
    await expect(page.locator("#problem")).to_contain_text("The code is not right")
    await assert_usable(page)  # the code step, with its problem shown
    assert await _code_made(system, known["sign_in_id"])
    assert not await _code_made(system, stranger["sign_in_id"])  # nothing to send, nothing sent
    await page.close()


async def test_a_deactivated_member_cannot_sign_in(system: System, context: BrowserContext) -> None:
    world = World(system)
    adg = await world.token(await world.officer("adg", "BR-CRIME"))
    station = (await _members(system, "constable", "whatsapp"))[0]
    conn = await _roster_db(system)
    try:
        unit = await conn.fetchval(
            "SELECT unit_id FROM postings WHERE member_id = $1 LIMIT 1", station["member_id"]
        )
    finally:
        await conn.close()
    phone = f"+9170{uuid.uuid4().int % 10**8:08d}"
    created = await call(
        system,
        "POST",
        system.url("roster", "/api/v1/members"),
        token=adg,
        json={
            "personnel_no": f"RJ-GONE-{uuid.uuid4().hex[:8]}",
            "name_hi": "पूर्व सिपाही",
            "name_latin": "Former Constable",
            "postings": [{"role": "constable", "unit_id": unit, "primary": True}],
            "whatsapp": phone,
            "active": False,
        },
    )
    assert created.status_code == 201, created.text
    page = await context.new_page()
    await page.goto(f"{system.url('roster')}/sign-in?lang=hi")
    answer = await _ask(page, _typed(phone))
    assert set(answer) == {"sign_in_id", "expires_at", "expires_in"}
    await page.fill("#code", "123456")
    await page.click("#verify")
    await expect(page.locator("#problem")).to_contain_text("कोड सही नहीं है")
    assert not await _code_made(system, answer["sign_in_id"])
    assert await _session(page) is None
    await page.close()


async def test_an_sp_adds_a_passkey_with_the_virtual_authenticator(
    system: System, context: BrowserContext
) -> None:
    # The relying party is the one origin (NAZAR_PUBLIC_ORIGIN, the roster under /roster/
    # there) where the stack runs one; else the roster's own port on localhost.
    origin = system.processes["roster"].env.get("NAZAR_PUBLIC_ORIGIN")
    roster = (
        f"{origin.rstrip('/')}/roster"
        if origin
        else system.url("roster").replace("127.0.0.1", "localhost")
    )
    probe = await system.http.post(
        f"{roster}/api/v1/auth/passkeys/options", json={"ticket": "x" * 32}
    )
    if probe.status_code == 404 and probe.json().get("code") in (None, "not_found"):
        pytest.skip("passkey API not on this branch")
    sp = (await _members(system, "sp", "whatsapp"))[0]
    page = await context.new_page()
    cdp = await context.new_cdp_session(page)
    await cdp.send("WebAuthn.enable")
    added = await cdp.send(
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
    authenticator = added["authenticatorId"]
    asked_for = f"{urlsplit(roster).path}/roster?lang=en"
    await page.goto(f"{roster}/sign-in?lang=en&next={quote(asked_for, safe='')}")
    answer = await _ask(page, _typed(sp["phone"]))
    await page.fill("#code", await _code(system, answer["sign_in_id"]))
    await page.click("#verify")
    # The first time the SP makes their passkey, on the authenticator of this "device".
    await expect(page.locator("#passkey-step")).to_have_attribute("data-mode", "register")
    await expect(page.locator("#passkey-note")).to_contain_text("Create your passkey")
    await page.click("#passkey-go")
    await page.wait_for_url(re.compile(r"/roster\?lang=en$"))
    await expect(page.locator("#who-name")).to_contain_text(sp["name_latin"])
    session = await _session(page)
    assert session is not None and session["member_id"] == sp["member_id"]
    credentials = await cdp.send("WebAuthn.getCredentials", {"authenticatorId": authenticator})
    assert len(credentials["credentials"]) == 1

    # Signed out and back: the code, then the same passkey.
    await page.click("#sign-out")
    await page.wait_for_url(re.compile(r"/sign-in\?lang=en$"))
    await page.goto(f"{roster}/sign-in?lang=en&next={quote(asked_for, safe='')}")
    again = await _ask(page, _typed(sp["phone"]))
    await page.fill("#code", await _code(system, again["sign_in_id"]))
    await page.click("#verify")
    await expect(page.locator("#passkey-step")).to_have_attribute("data-mode", "authenticate")
    await expect(page.locator("#passkey-note")).to_have_text("Confirm with your passkey.")
    await page.click("#passkey-go")
    await page.wait_for_url(re.compile(r"/roster\?lang=en$"))
    await expect(page.locator("#who-name")).to_contain_text(sp["name_latin"])
    await page.close()


async def test_a_console_sends_a_member_without_a_session_to_the_sign_in_page(
    system: System, context: BrowserContext
) -> None:
    # On its own port the directive has no /roster/sign-in (the one origin's proxy serves the
    # roster's page there): stand in for it, to see where the console sends the member.
    directive = system.url("directive")
    await context.route(
        f"{directive}/roster/sign-in**",
        lambda route: route.fulfill(status=200, content_type="text/html", body="<p>sign in</p>"),
    )
    page = await context.new_page()
    await page.goto(f"{directive}/console/new?lang=en")
    await page.wait_for_url(f"{directive}/roster/sign-in?lang=en&next=%2Fconsole%2Fnew%3Flang%3Den")
    await page.close()


async def test_the_single_sign_on_button_its_ticket_back_and_no_open_redirect(
    system: System, context: BrowserContext
) -> None:
    roster = system.url("roster")
    # Where the deployment has the state's single sign-on, /auth/methods names it.
    await context.route(
        f"{roster}/api/v1/auth/methods",
        lambda route: route.fulfill(
            status=200,
            json={
                "oidc": {
                    "name": {"hi": "राजस्थान एसएसओ", "en": "Rajasthan SSO"},
                    "start": "/api/v1/auth/oidc/start",
                }
            },
        ),
    )
    page = await context.new_page()
    await page.goto(f"{roster}/sign-in?lang=en&next={quote('/roster?lang=en', safe='')}")
    start = page.locator("#oidc-start")
    await expect(start).to_have_text("Sign in with Rajasthan SSO")
    await expect(start).to_have_attribute(
        "href", "/api/v1/auth/oidc/start?next=%2Froster%3Flang%3Den"
    )
    # Another site as `next`: the page keeps to its own origin.
    for elsewhere in ("https://evil.example/x", "//evil.example/x", "/\\evil.example/x"):
        await page.goto(f"{roster}/sign-in?lang=hi&next={quote(elsewhere, safe='')}")
        await expect(page.locator("#oidc-start")).to_have_text("राजस्थान एसएसओ से साइन इन करें")
        data = json.loads(await page.locator("#page-data").text_content() or "{}")
        assert data["next"] == "/roster?lang=hi", elsewhere
        assert "evil" not in (await page.locator("#oidc-start").get_attribute("href") or "")

    # Back from the provider with a ticket: it leaves the address bar, and goes to /auth/token
    # (a made-up one is refused, in the page's language).
    await page.goto(f"{roster}/sign-in?lang=en&ticket={'t' * 40}&needs_passkey=false")
    await expect(page.locator("#problem")).to_contain_text("This sign-in ticket is not valid")
    assert "ticket" not in page.url
    # Back with a refusal: said, and the phone is the way in.
    await page.goto(f"{roster}/sign-in?lang=en&problem=auth.oidc_refused")
    await expect(page.locator("#problem")).to_contain_text("single sign-on did not work")
    await expect(page.locator("#phone-step")).to_be_visible()
    assert "problem" not in page.url
    assert await _session(page) is None
    await page.close()


async def test_past_the_limit_the_page_shows_when_to_ask_again(
    system: System, context: BrowserContext
) -> None:
    phone = f"+9199{uuid.uuid4().int % 10**8:08d}"  # no one's: the limit counts it all the same
    url = system.url("roster", "/api/v1/auth/codes")
    for _ in range(3):  # the per-number limit (3 in 15 minutes)
        r = await system.http.post(url, json={"phone": phone})
        assert r.status_code == 202, r.text
    page = await context.new_page()
    await page.goto(f"{system.url('roster')}/sign-in?lang=hi")
    await page.fill("#phone", _typed(phone))
    async with page.expect_response(lambda r: r.url.endswith("/api/v1/auth/codes")) as info:
        await page.click("#send-code")
    refused = await info.value
    assert refused.status == 429
    retry_after = int(refused.headers["retry-after"])
    wait = page.locator("#phone-wait")
    await expect(wait).to_contain_text("सेकंड बाद फिर से माँग सकते हैं")
    shown = int(await wait.get_attribute("data-seconds") or 0)
    assert 0 < shown <= retry_after
    await expect(page.locator("#send-code")).to_be_disabled()
    await expect(page.locator("#problem")).to_contain_text("बहुत अधिक कोड माँगे गए")
    await expect(page.locator("#phone-step")).to_be_visible()
    await page.close()


async def test_through_the_one_origin_one_sign_in_serves_every_console(
    system: System, context: BrowserContext
) -> None:
    origin = system.processes["roster"].env.get("NAZAR_PUBLIC_ORIGIN")
    if not origin:
        pytest.skip("no one origin on this stack")
    origin = origin.rstrip("/")
    member = (await _members(system, "constable", "whatsapp"))[3]
    page = await context.new_page()
    asked_for = "/directive/console?lang=hi"
    await page.goto(f"{origin}/roster/sign-in?lang=hi&next={quote(asked_for, safe='')}")
    answer = await _ask(page, _typed(member["phone"]))
    await page.fill("#code", await _code(system, answer["sign_in_id"]))
    await page.click("#verify")
    await page.wait_for_url(f"{origin}{asked_for}")
    await expect(page.locator("#who-name")).to_contain_text(member["name_hi"])
    # The moderation console and the roster's pages read the same session.
    await page.goto(f"{origin}/stories/console?lang=hi")
    await expect(page.locator("#who-name")).to_contain_text(member["name_hi"])
    await page.goto(f"{origin}/roster/roster?lang=hi")
    await expect(page.locator("#who-name")).to_contain_text(member["name_hi"])
    # An expired access token on a console: refreshed with the roster's cookie.
    before = await _session(page)
    await page.evaluate(
        f"""(() => {{ const s = JSON.parse(sessionStorage.getItem('{SESSION}'));
            s.expires_at = 0; sessionStorage.setItem('{SESSION}', JSON.stringify(s)); }})()"""
    )
    await page.goto(f"{origin}{asked_for}")
    await expect(page.locator("#who-name")).to_contain_text(member["name_hi"])
    after = await _session(page)
    assert before is not None and after is not None and after["token"] != before["token"]
    # Signing out on the console revokes at the roster and ends at its sign-in page.
    await page.click("#sign-out")
    await page.wait_for_url(f"{origin}/roster/sign-in?lang=hi")
    assert await _session(page) is None
    assert not [c for c in await context.cookies() if c["name"] == "nazar_refresh"]
    await page.close()
