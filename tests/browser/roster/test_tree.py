"""The tree's pages in headless Chromium, in Hindi and in English (issue 20, items 2 and 5): an
SP of a district sees their district's tree with the counts computed here from the demo roster,
opens a circle and its group's members; an SP of another district sees none of it. At 360 px."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import asyncpg
import pytest
from nazar_rostergen.build import Scale
from nazar_rostergen.files import write
from playwright.async_api import Browser, Page, async_playwright, expect

from tests.browser.a11y import assert_usable
from tests.conftest import DatabaseFactory
from tests.integration.roster.support import Running, demo_roster, member_ids_by_role
from tests.integration.roster.tree_counts import ORDER, expected_counts

CHROMIUM_ARGS = [
    "--no-sandbox", "--disable-gpu", "--disable-background-networking",
    "--disable-component-update", "--no-first-run", "--disable-sync",
]  # fmt: skip
SHOTS = Path(__file__).resolve().parents[3] / ".state" / "test-logs"
DISTRICT, OTHER = "DST-BIKANER", "DST-KHAIRTHAL-TIJARA"
WORDS = {
    "hi": {"tree": "कमान संरचना", "members": "इस इकाई पर तैनात सदस्य", "sp": "पुलिस अधीक्षक"},
    "en": {"tree": "Command tree", "members": "Members posted here", "sp": "SP / DCP"},
}


@pytest.fixture(scope="module")
async def demo(
    databases: DatabaseFactory, kafka_bootstrap: str, tmp_path_factory: pytest.TempPathFactory
) -> AsyncIterator[Running]:
    files = tmp_path_factory.mktemp("roster-tree")
    write(files, Scale.DEMO)
    async with demo_roster(databases, kafka_bootstrap, files, "roster_tree_pages") as running:
        yield running


@pytest.fixture(scope="module")
async def browser() -> AsyncIterator[Browser]:
    async with async_playwright() as p:
        chromium = await p.chromium.launch(executable_path="/usr/bin/chromium", args=CHROMIUM_ARGS)
        try:
            yield chromium
        finally:
            await chromium.close()


async def _signed_in(demo: Running, browser: Browser, district: str, lang: str) -> Page:
    """A phone-sized page signed in (dev sign-in) as the SP of `district`, on the tree."""
    page = await browser.new_page(viewport={"width": 360, "height": 780})
    sp = (await member_ids_by_role(demo.database, "sp", district))[0]
    await page.goto(f"{demo.url}/dev/sign-in?lang={lang}")
    await page.locator(f'button.sign-in-as[data-member="{sp}"]').click()
    await page.wait_for_url(f"{demo.url}/roster?lang={lang}")
    return page


async def _group_rows(database: str, group_id: str) -> tuple[set[str], set[str]]:
    conn = await asyncpg.connect(database)
    try:
        rows = await conn.fetch(
            "SELECT member_id, is_admin FROM group_members WHERE group_id = $1", group_id
        )
    finally:
        await conn.close()
    return {r["member_id"] for r in rows}, {r["member_id"] for r in rows if r["is_admin"]}


@pytest.mark.parametrize("lang", ["hi", "en"])
async def test_an_sp_browses_their_districts_tree(
    demo: Running, browser: Browser, lang: str
) -> None:
    words = WORDS[lang]
    page = await _signed_in(demo, browser, DISTRICT, lang)
    await expect(page.locator("#tree-section h2")).to_have_text(words["tree"])
    # The tree starts at the SP's district, with its counts.
    roots = page.locator("#tree > li")
    await expect(roots).to_have_count(1)
    await expect(roots.first).to_have_attribute("data-unit", DISTRICT)
    expected = await expected_counts(demo.database, DISTRICT)
    line = roots.first.locator(":scope > .counts-line")
    await expect(line).to_have_attribute("data-total", str(expected["total"]))
    await expect(line).to_have_attribute("data-unreachable", str(expected["unreachable"]))
    await roots.first.locator(":scope > button.unit").click()
    circles = page.locator(f'li[data-unit="{DISTRICT}"] > ul > li')
    await expect(circles).to_have_count(3)
    for i in range(3):
        node = circles.nth(i)
        unit = await node.get_attribute("data-unit")
        assert unit is not None
        want = (await expected_counts(demo.database, unit))["total"]
        await expect(node.locator(":scope > .counts-line")).to_have_attribute(
            "data-total", str(want)
        )
    await assert_usable(page)

    # The district's page: every count by rank, kind and consent, as computed from the rows.
    await roots.first.locator(":scope > a.unit-link").click()
    await expect(page.locator("#count-total")).to_have_text(str(expected["total"]))
    await expect(page.locator("#count-unreachable")).to_have_text(str(expected["unreachable"]))
    police = page.locator("#police-counts tbody tr")
    await expect(police).to_have_count(len(expected["police"]))
    # Most senior first.
    assert await police.evaluate_all("rows => rows.map(r => r.dataset.role)") == sorted(
        expected["police"], key=ORDER.index
    )
    for role, n in expected["police"].items():
        await expect(page.locator(f'#police-counts tr[data-role="{role}"] td').nth(1)).to_have_text(
            str(n)
        )
    await expect(page.locator('#police-counts tr[data-role="sp"] td').first).to_have_text(
        words["sp"]
    )
    for role, states in expected["volunteers"].items():
        for state, n in states.items():
            row = page.locator(f'#volunteer-counts tr[data-role="{role}"]')
            cell = row.locator(f'td[data-state="{state}"]')
            await expect(cell).to_have_text(str(n))
    await expect(page.locator("#members-section h2")).to_have_text(words["members"])
    await expect(page.locator("#unit-members tbody tr[data-member]").first).to_be_visible()
    await expect(page.locator("#below tbody tr")).to_have_count(3)
    await assert_usable(page)

    # Open a circle, then its group: the admins and members derived from the tree.
    circle_row = page.locator("#below tbody tr").first
    circle = await circle_row.get_attribute("data-unit")
    await circle_row.locator("a").click()
    group_link = page.locator(f'#unit-groups li[data-group="circle.{circle}"] a')
    await group_link.click()
    members, admins = await _group_rows(demo.database, f"circle.{circle}")
    shown = page.locator("#group-members tbody tr[data-member]")
    await expect(shown.first).to_be_visible()
    while await page.locator("#group-members-more").is_visible():
        await page.click("#group-members-more")
        await page.wait_for_timeout(200)
    await expect(shown).to_have_count(len(members))
    assert {await r.get_attribute("data-member") for r in await shown.all()} == members
    await expect(page.locator("#admins li")).to_have_count(len(admins))
    listed = {await r.get_attribute("data-member") for r in await page.locator("#admins li").all()}
    assert listed == admins
    await expect(page.locator("#changes-section")).to_be_visible()
    await assert_usable(page)
    SHOTS.mkdir(parents=True, exist_ok=True)
    await page.screenshot(path=str(SHOTS / f"roster-tree-group-{lang}.png"), full_page=True)
    await page.close()


@pytest.mark.parametrize("lang", ["hi", "en"])
async def test_an_sp_of_another_district_sees_none_of_it(
    demo: Running, browser: Browser, lang: str
) -> None:
    page = await _signed_in(demo, browser, OTHER, lang)
    roots = page.locator("#tree > li")
    await expect(roots).to_have_count(1)
    await expect(roots.first).to_have_attribute("data-unit", OTHER)
    assert await page.locator(f'li[data-unit="{DISTRICT}"]').count() == 0
    await page.goto(f"{demo.url}/roster/units/{DISTRICT}?lang={lang}")
    await expect(page.locator("#problem")).to_be_visible()
    await expect(page.locator("#problem")).to_have_attribute("data-code", "access.forbidden")
    await expect(page.locator("#count-total")).to_have_text("")
    assert await page.locator("#unit-members tbody tr[data-member]").count() == 0
    conn = await asyncpg.connect(demo.database)
    try:
        circle = await conn.fetchval(
            "SELECT unit_id FROM units WHERE parent_id = $1 ORDER BY unit_id LIMIT 1", DISTRICT
        )
    finally:
        await conn.close()
    await page.goto(f"{demo.url}/roster/groups/circle.{circle}?lang={lang}")
    await expect(page.locator("#problem")).to_have_attribute("data-code", "access.forbidden")
    assert await page.locator("#group-members tbody tr[data-member]").count() == 0
    await page.goto(f"{demo.url}/roster/groups?lang={lang}")
    await expect(page.locator("#groups tbody tr").first).to_be_visible()
    listed = await page.locator("#groups tbody tr[data-group]").evaluate_all(
        "rows => rows.map(r => r.dataset.group)"
    )
    assert f"circle.{circle}" not in listed and listed
    await assert_usable(page)
    await page.close()
