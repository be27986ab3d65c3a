"""The district office's roster pages in headless Chromium: sign in and search members, in
Hindi and in English (the tree: test_tree.py; the imports: test_imports.py)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import asyncpg
import pytest
from nazar_rostergen.build import Scale
from nazar_rostergen.files import write
from playwright.async_api import Browser, Page, async_playwright, expect

from tests.browser.a11y import assert_usable
from tests.conftest import DatabaseFactory, TopicFactory
from tests.integration.roster.support import (
    Running,
    import_roster,
    make_topics,
    member_ids_by_role,
    running_roster,
    wait_relayed,
)

CHROMIUM_ARGS = [
    "--no-sandbox", "--disable-gpu", "--disable-background-networking",
    "--disable-component-update", "--no-first-run", "--disable-sync",
]  # fmt: skip
SHOTS = Path(__file__).resolve().parents[3] / ".state" / "test-logs"


@pytest.fixture(scope="module")
async def demo(
    databases: DatabaseFactory, kafka_bootstrap: str, tmp_path_factory: pytest.TempPathFactory
) -> AsyncIterator[Running]:
    files = tmp_path_factory.mktemp("roster-pages")
    write(files, Scale.DEMO)
    database = await databases.create("roster_pages")
    factory = TopicFactory(kafka_bootstrap)
    topics = await make_topics(factory)
    try:
        async with running_roster(database, kafka_bootstrap, topics) as running:
            await import_roster(running, files)
            await wait_relayed(database)
            yield running
    finally:
        await factory.delete_all()
        await databases.drop(database)


@pytest.fixture(scope="module")
async def browser() -> AsyncIterator[Browser]:
    async with async_playwright() as p:
        chromium = await p.chromium.launch(executable_path="/usr/bin/chromium", args=CHROMIUM_ARGS)
        try:
            yield chromium
        finally:
            await chromium.close()


async def _sign_in_as_sp(demo: Running, page: Page, lang: str) -> str:
    sp = (await member_ids_by_role(demo.database, "sp", "DST-BIKANER"))[0]
    await page.goto(f"{demo.url}/dev/sign-in?lang={lang}")
    await page.locator(f'button.sign-in-as[data-member="{sp}"]').click()
    await page.wait_for_url(f"{demo.url}/roster?lang={lang}")
    return sp


async def _name_of(database: str, member_id: str) -> str:
    conn = await asyncpg.connect(database)
    try:
        name: str = await conn.fetchval(
            "SELECT name_hi FROM members WHERE member_id = $1", member_id
        )
    finally:
        await conn.close()
    return name


async def test_search_in_hindi(demo: Running, browser: Browser) -> None:
    page = await browser.new_page()
    await page.goto(f"{demo.url}/dev/sign-in?lang=hi")
    await expect(page.locator("button.sign-in-as").first).to_be_visible()
    await assert_usable(page)  # roles and units by name in the sign-in list
    sp = await _sign_in_as_sp(demo, page, "hi")
    await expect(page.locator("h1")).to_have_text("रोस्टर — ज़िला कार्यालय")
    # The header: the SP's name, role and district by name in Hindi, never the member id.
    await expect(page.locator("#who-name")).to_contain_text(await _name_of(demo.database, sp))
    await expect(page.locator("#who-roles")).to_contain_text("पुलिस अधीक्षक · बीकानेर")
    assert sp not in await page.locator("header").inner_text()
    await page.fill("#search-q", "शर्मा")
    await page.click("#search-button")
    rows = page.locator("#search-results tbody tr[data-member]")
    await expect(rows.first).to_be_visible()
    names = await rows.locator("td:nth-child(1)").all_inner_texts()
    assert names and all("शर्मा" in n for n in names)
    # The SP sees the district's members (and the officers of their groups), nobody else.
    conn = await asyncpg.connect(demo.database)
    try:
        elsewhere = {
            r["member_id"]
            for r in await conn.fetch(
                """SELECT p.member_id FROM postings p JOIN units u USING (unit_id)
                   WHERE u.path @> ARRAY['DST-KHAIRTHAL-TIJARA'] AND p.role <> 'ig'"""
            )
        }
    finally:
        await conn.close()
    shown = {await r.get_attribute("data-member") for r in await rows.all()}
    assert not shown & elsewhere
    # The search results and the header name every role, unit and kind.
    await assert_usable(page)
    SHOTS.mkdir(parents=True, exist_ok=True)
    await page.screenshot(path=str(SHOTS / "roster-pages-hi.png"), full_page=True)
    await page.close()


async def test_without_a_token_the_pages_send_you_to_sign_in(
    demo: Running, browser: Browser
) -> None:
    page = await browser.new_page()
    await page.goto(f"{demo.url}/roster?lang=en")
    # The phone sign-in page, told to come back; its second link is the dev sign-in.
    await page.wait_for_url(f"{demo.url}/sign-in?lang=en&next=%2Froster%3Flang%3Den")
    await expect(page.locator("h1")).to_have_text("Sign in with your mobile number")
    await page.click("#dev-sign-in")
    await page.wait_for_url(f"{demo.url}/dev/sign-in?lang=en&next=%2Froster%3Flang%3Den")
    await expect(page.locator("h1")).to_have_text("Sign in")
    await page.fill("#member-id", "m-nobody")
    await page.click("#sign-in-id")
    await expect(page.locator("#problem")).to_contain_text("No such member")
    await assert_usable(page)
    await page.close()
