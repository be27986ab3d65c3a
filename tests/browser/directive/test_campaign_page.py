"""The campaign page of the directive console in headless Chromium, on the real service: a
campaign with its public post is relayed into Churu's circles, people open one circle's link,
and the ADG Crime sees, in Hindi, the reach and the link opens per circle, and reaches the page
from the campaign's own page; the issue form refuses a post that is not https, in Hindi."""

from __future__ import annotations

import re
import uuid

import httpx
from playwright.async_api import expect

from tests.browser.directive.test_console import (  # the module's service and browser
    WAIT,
    Console,
    console,  # noqa: F401
    shot,
)
from tests.browser.directive.test_console import (  # autouse: no raw code on any page left open
    no_raw_codes as no_raw_codes,  # noqa: PLC0414
)
from tests.integration.platform.support import wait_for

POST = "https://www.instagram.com/p/C0nashamukt1/"


async def test_the_campaign_page_shows_reach_and_link_opens_per_circle(
    console: Console,  # noqa: F811
) -> None:
    api, r = console.api, console.api.roster
    async with api.client() as c:
        issued = await c.post(
            "/api/v1/directives",
            json={
                "kind": "campaign",
                "title": {"hi": "नशा मुक्त राजस्थान अभियान"},
                "body": {"hi": "यह पोस्ट अपने वृत्त के सभी समूहों में साझा करें।"},
                "audience": {"unit_ids": ["DST-CHURU"]},
                "ack_required": False,
                "public_post_url": POST,
            },
            headers=api.as_("adg", "BR-CRIME"),
        )
        assert issued.status_code == 201, issued.text
        did = issued.json()["id"]
        relayed = await c.post(
            f"/api/v1/directives/{did}/relays",
            json={"district_id": "DST-CHURU"},
            headers=api.as_("sp", "DST-CHURU"),
        )
        assert relayed.status_code == 201, relayed.text

    async def settled() -> bool:
        left = await api.pool.fetchval(
            "SELECT count(*) FROM jobs WHERE directive_id = $1 AND finished_at IS NULL",
            uuid.UUID(did),
        )
        return bool(left == 0)

    await wait_for(settled, within=60)
    first, second = r.circles_of["DST-CHURU"]
    code = await api.pool.fetchval(
        "SELECT code FROM campaign_links WHERE directive_id = $1 AND circle_id = $2",
        uuid.UUID(did),
        first,
    )
    async with httpx.AsyncClient(base_url=api.base_url) as c:
        for agent in ("Mozilla/5.0 (Linux; Android 13) Chrome/120.0 Mobile Safari/537.36",) * 3:
            opened = await c.get(f"/c/{code}", headers={"User-Agent": agent})
            assert opened.status_code == 302
        preview = await c.get(f"/c/{code}", headers={"User-Agent": "WhatsApp/2.23.20.0 A"})
        assert preview.status_code == 302

    _, adg = await console.as_member(r.one("adg", "BR-CRIME"))
    await adg.goto(f"{console.url}/console/directives/{did}?lang=hi")
    await expect(adg.locator("#campaign-link")).to_have_text("अभियान: वृत्तवार पहुँच और लिंक खुलना")
    await adg.locator("#campaign-link").click()
    await expect(adg.locator("#post")).to_have_text(POST, timeout=WAIT)
    await expect(adg.locator("#title")).to_have_text("नशा मुक्त राजस्थान अभियान")
    opens = f'#circles tr[data-unit="{first}"] td[data-col="opens"]'
    await expect(adg.locator(opens)).to_have_text("3", timeout=WAIT)
    await expect(
        adg.locator(f'#circles tr[data-unit="{second}"] td[data-col="opens"]')
    ).to_have_text("0")
    targeted = f'#circles tr[data-unit="{first}"] td[data-col="targeted"]'
    await expect(adg.locator(targeted)).to_have_text(re.compile(r"^[1-9]"))
    link = f'#circles tr[data-unit="{first}"] td[data-col="link"]'
    await expect(adg.locator(link)).to_have_text(re.compile(rf"/c/{re.escape(code)}$"))
    await expect(adg.locator('#circles tr[data-unit="total"] td[data-col="opens"]')).to_have_text(
        "3"
    )
    await expect(adg.locator("body")).to_contain_text("लिंक खोले गए")
    await shot(adg, "campaign-reach-hi")

    # The issue form: a post that is not https is refused, on the page, in Hindi.
    await adg.goto(f"{console.url}/console/new?lang=hi")
    await adg.select_option('select[name="kind"]', "campaign")
    await adg.fill('input[name="public_post_url"]', "http://x.com/PoliceRajasthan/status/1")
    await adg.fill('input[name="title_hi"]', "अभियान")
    await adg.fill('textarea[name="body_hi"]', "यह पोस्ट साझा करें।")
    await adg.locator("#issue-button").click()
    await expect(adg.locator("#problem")).to_be_visible(timeout=WAIT)
    await expect(adg.locator("#problem")).to_contain_text("https://")
    await expect(adg.locator("#problem")).to_contain_text(re.compile("[\u0900-\u097f]"))
