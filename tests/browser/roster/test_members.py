"""The office's members pages in headless Chromium, in Hindi and in English (issue 20, item 3):
the SP's office finds a constable by their Hindi name, transfers them to a station of another
circle of the district — the member's page shows the ended posting and the audit entry, and the
new circle's group page lists them as joined — and records a gram rakshak's consent with its
proof; the SP of another district sees none of it."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import date
from pathlib import Path

import asyncpg
import pytest
from nazar_rostergen.build import Scale
from nazar_rostergen.files import write
from playwright.async_api import Browser, Page, async_playwright, expect

from tests.browser.a11y import assert_usable
from tests.conftest import DatabaseFactory
from tests.integration.roster.support import Running, demo_roster, member_ids_by_role

CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-sync"]
SHOTS = Path(__file__).resolve().parents[3] / ".state" / "test-logs"
DISTRICT, OTHER = "DST-BIKANER", "DST-KHAIRTHAL-TIJARA"
WORDS = {
    "hi": {"members": "सदस्य", "granted": "दी गई", "transfer": "स्थानांतरण", "form": "हस्ताक्षरित फ़ॉर्म",
           "erasure": "मिटाने का अनुरोध"},
    "en": {"members": "Members", "granted": "granted", "transfer": "transfer",
           "form": "signed form", "erasure": "Erasure request"},
}  # fmt: skip


@pytest.fixture(scope="module")
async def demo(
    databases: DatabaseFactory, kafka_bootstrap: str, tmp_path_factory: pytest.TempPathFactory
) -> AsyncIterator[Running]:
    files = tmp_path_factory.mktemp("roster-members")
    write(files, Scale.DEMO)
    async with demo_roster(databases, kafka_bootstrap, files, "roster_member_pages") as running:
        yield running


@pytest.fixture(scope="module")
async def browser() -> AsyncIterator[Browser]:
    async with async_playwright() as p:
        chromium = await p.chromium.launch(executable_path="/usr/bin/chromium", args=CHROMIUM_ARGS)
        try:
            yield chromium
        finally:
            await chromium.close()


async def _rows(database: str, query: str, *args: object) -> list[asyncpg.Record]:
    conn = await asyncpg.connect(database)
    try:
        return list(await conn.fetch(query, *args))
    finally:
        await conn.close()


async def _signed_in(demo: Running, browser: Browser, district: str, lang: str) -> Page:
    """A phone-sized page signed in as the SP of `district` (their office), on the members list."""
    page = await browser.new_page(viewport={"width": 360, "height": 780})
    sp = (await member_ids_by_role(demo.database, "sp", district))[0]
    await page.goto(f"{demo.url}/dev/sign-in?lang={lang}&next=/roster/members%3Flang%3D{lang}")
    await page.fill("#member-id", sp)
    await page.click("#sign-in-id")
    await page.wait_for_url(f"{demo.url}/roster/members?lang={lang}")
    return page


async def _fits(page: Page) -> None:
    width = await page.evaluate("document.documentElement.scrollWidth")
    assert width <= 360, f"{page.url} is {width} px wide at 360"


async def _constable(demo: Running, lang: str) -> asyncpg.Record:
    """A constable of the district with one posting (a different one per language), their
    station's circle, and a station of another circle of the district."""
    rows = await _rows(
        demo.database,
        """SELECT p.member_id, m.name_hi, p.unit_id AS station, u.circle_id,
                  (SELECT t.unit_id FROM units t WHERE t.kind = 'police_station' AND t.active
                     AND t.path @> ARRAY[$1] AND t.circle_id <> u.circle_id
                   ORDER BY t.unit_id LIMIT 1) AS target
           FROM postings p JOIN units u ON u.unit_id = p.unit_id
           JOIN members m ON m.member_id = p.member_id
           WHERE p.role = 'constable' AND u.kind = 'police_station' AND u.path @> ARRAY[$1]
             AND (SELECT count(*) FROM postings q WHERE q.member_id = p.member_id) = 1
           ORDER BY p.member_id LIMIT 2""",
        DISTRICT,
    )
    return rows[0 if lang == "hi" else 1]


@pytest.mark.parametrize("lang", ["hi", "en"])
async def test_a_clerk_finds_a_constable_by_hindi_name_and_transfers_them(
    demo: Running, browser: Browser, lang: str
) -> None:
    words = WORDS[lang]
    constable = await _constable(demo, lang)
    member, target = constable["member_id"], constable["target"]
    [target_circle] = [r[0] for r in await _rows(
        demo.database, "SELECT circle_id FROM units WHERE unit_id = $1", target)]  # fmt: skip
    page = await _signed_in(demo, browser, DISTRICT, lang)
    await expect(page.locator("#nav-members")).to_have_text(words["members"])
    await expect(page.locator("#filter-unit option")).not_to_have_count(1)
    await page.fill("#filter-q", constable["name_hi"])
    await page.select_option("#filter-unit", DISTRICT)
    await page.click("#filter-button")
    row = page.locator(f'#member-list tbody tr[data-member="{member}"]')
    await expect(row).to_be_visible()
    await assert_usable(page)
    await _fits(page)
    await row.locator("a").click()
    await page.wait_for_url(f"{demo.url}/roster/members/{member}?lang={lang}")
    shown = constable["name_hi"] if lang == "hi" else await _latin(demo, member)
    await expect(page.locator("#member-name")).to_have_text(shown)
    await expect(page.locator("#changes-section")).to_be_visible()
    await expect(page.locator("#erasure-link")).to_have_text(words["erasure"])
    href = await page.locator("#erasure-link").get_attribute("href")
    assert href is not None and f"/roster/erasures?member={member}" in href
    # Channels: only the last digits.
    number = (await _rows(demo.database, "SELECT whatsapp FROM contacts WHERE member_id = $1",
                          member))[0][0]  # fmt: skip
    body = await page.inner_text("body")
    if number:
        assert number not in body and number[-10:-4] not in body
    # The transfer, from today.
    await expect(page.locator(f'#transfer-unit option[value="{target}"]')).to_have_count(1)
    await page.select_option("#transfer-unit", target)
    await page.fill("#transfer-on", date.today().isoformat())
    await page.click("#transfer-button")
    await expect(page.locator("#saved")).to_be_visible()
    await expect(page.locator(f'#postings tbody tr[data-unit="{target}"]')).to_have_count(1)
    ended = page.locator(f'#posting-history tbody tr[data-unit="{constable["station"]}"]')
    await expect(ended).to_have_count(1)
    await expect(page.locator('#audit tbody tr[data-change="transfer"]').first).to_contain_text(
        words["transfer"]
    )
    await assert_usable(page)
    await _fits(page)
    SHOTS.mkdir(parents=True, exist_ok=True)
    await page.screenshot(path=str(SHOTS / f"roster-member-{lang}.png"), full_page=True)
    # The new circle's group: they joined it.
    await page.goto(f"{demo.url}/roster/groups/circle.{target_circle}?lang={lang}")
    joined = page.locator(f'#changes tbody tr[data-member="{member}"][data-change="joined"]')
    await expect(joined).to_have_count(1)
    old = f"circle.{constable['circle_id']}"
    await page.goto(f"{demo.url}/roster/groups/{old}?lang={lang}")
    await expect(page.locator(f'#changes tbody tr[data-member="{member}"][data-change="left"]'))\
        .to_have_count(1)  # fmt: skip
    await page.close()


async def _latin(demo: Running, member: str) -> str:
    rows = await _rows(demo.database, "SELECT name_latin FROM members WHERE member_id = $1", member)
    name: str = rows[0][0]
    return name


@pytest.mark.parametrize("lang", ["hi", "en"])
async def test_a_clerk_records_a_gram_rakshaks_consent(
    demo: Running, browser: Browser, lang: str
) -> None:
    words = WORDS[lang]
    rows = await _rows(
        demo.database,
        """SELECT p.member_id FROM postings p JOIN units u ON u.unit_id = p.unit_id
           JOIN members m ON m.member_id = p.member_id
           WHERE p.role = 'gram_rakshak' AND u.path @> ARRAY[$1]
           ORDER BY p.member_id""",
        DISTRICT,
    )
    member = rows[0 if lang == "hi" else 1]["member_id"]
    sp = (await member_ids_by_role(demo.database, "sp", DISTRICT))[0]
    sp_name = (await _rows(demo.database, "SELECT name_hi, name_latin FROM members"
                           " WHERE member_id = $1", sp))[0]  # fmt: skip
    page = await _signed_in(demo, browser, DISTRICT, lang)
    await page.select_option("#filter-role", "gram_rakshak")
    await page.click("#filter-button")
    await page.locator(f'#member-list tbody tr[data-member="{member}"] a').click()
    await expect(page.locator("#consent-form")).to_be_visible()
    await page.select_option("#consent-new-state", "granted")
    await page.select_option("#consent-new-method", "form")
    await page.fill("#consent-new-date", date.today().isoformat())
    await page.click("#consent-button")
    await expect(page.locator("#saved")).to_be_visible()
    await expect(page.locator("#consent-state")).to_have_attribute("data-state", "granted")
    await expect(page.locator("#consent-state")).to_have_text(words["granted"])
    await expect(page.locator("#consent-method")).to_have_text(words["form"])
    await expect(page.locator("#consent-recorded-by")).to_have_text(
        sp_name["name_hi"] if lang == "hi" else sp_name["name_latin"]
    )
    await expect(page.locator("#consent-given-on")).not_to_have_text("")
    await expect(page.locator('#audit tbody tr[data-change="consent"]').first).to_be_visible()
    await assert_usable(page)
    await _fits(page)
    await page.close()


@pytest.mark.parametrize("lang", ["hi", "en"])
async def test_a_clerk_of_another_district_sees_none_of_it(
    demo: Running, browser: Browser, lang: str
) -> None:
    constable = await _constable(demo, lang)
    member = constable["member_id"]
    page = await _signed_in(demo, browser, OTHER, lang)
    await page.fill("#filter-q", constable["name_hi"])
    await page.click("#filter-button")
    await expect(page.locator("#member-list tbody tr.empty")).to_have_count(1)
    assert await page.locator(f'#member-list tr[data-member="{member}"]').count() == 0
    assert await page.locator(f'#filter-unit option[value="{DISTRICT}"]').count() == 0
    await page.goto(f"{demo.url}/roster/members/{member}?lang={lang}")
    await expect(page.locator("#problem")).to_have_attribute("data-code", "access.forbidden")
    await expect(page.locator("#changes-section")).to_be_hidden()
    await expect(page.locator("#audit-section")).to_be_hidden()
    assert await page.locator("#postings tbody tr").count() == 0
    await assert_usable(page)
    await _fits(page)
    await page.close()
