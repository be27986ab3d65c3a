"""Erasure requests in headless Chromium, in Hindi and in English (issue 20 item 6): the SHO of a
member's station asks for the member's erasure with a reason, and is told clearly that they
cannot decide their own request; an SP of another district sees none of it; the district's SP
approves it and the page shows, per read model (directive, social-publisher, story-intake, all
three really running), when it confirmed; another request is rejected and keeps the member."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path

import asyncpg
import pytest
from nazar_rostergen.build import Scale
from nazar_rostergen.files import write
from playwright.async_api import Browser, BrowserContext, Page, expect

from tests.browser.a11y import assert_usable
from tests.browser.roster.test_pages import browser  # noqa: F401
from tests.conftest import DatabaseFactory
from tests.integration.roster.read_models import running_read_models
from tests.integration.roster.support import Running, demo_roster

SHOTS = Path(__file__).resolve().parents[3] / ".state" / "test-logs"
REQUEST = re.compile(r".*/roster/erasures/era-[A-Za-z0-9-]+\?lang=(hi|en)$")
VOLUNTEER_ROLES = ("gram_rakshak", "police_mitra", "suraksha_sakhi", "clg_member")
SAYS = {
    "en": {
        "requested": "Awaiting approval", "approved": "Approved — erased", "rejected": "Rejected",
        "own": "You cannot decide your own erasure request", "all": "Every service confirmed",
        "erased": "(erased member)", "nav": "Erasure requests",
    },
    "hi": {
        "requested": "स्वीकृति की प्रतीक्षा", "approved": "स्वीकृत — मिटाया गया",
        "rejected": "अस्वीकृत", "own": "आप अपने ही विलोपन अनुरोध पर निर्णय नहीं ले सकते",
        "all": "सभी सेवाओं ने मिटाने की पुष्टि की", "erased": "(मिटाया गया सदस्य)",
        "nav": "विलोपन अनुरोध",
    },
}  # fmt: skip


@dataclass(frozen=True)
class World:
    running: Running
    sp: str
    sho: str
    other_sp: str
    volunteers: list[str]


@pytest.fixture(scope="module")
async def world(
    databases: DatabaseFactory, kafka_bootstrap: str, tmp_path_factory: pytest.TempPathFactory
) -> AsyncIterator[World]:
    files = tmp_path_factory.mktemp("roster-erasures")
    write(files, Scale.DEMO)
    async with demo_roster(databases, kafka_bootstrap, files, "roster_erasure_pages") as r:
        conn = await asyncpg.connect(r.database)
        try:
            row = await conn.fetchrow(
                """SELECT sp.member_id AS sp, sho.member_id AS sho, sho.unit_id AS station
                   FROM postings sp JOIN units s ON 'DST-BIKANER' = ANY(s.path)
                   JOIN postings sho ON sho.unit_id = s.unit_id AND sho.role = 'sho'
                   WHERE sp.role = 'sp' AND sp.unit_id = 'DST-BIKANER'
                     AND (SELECT count(*) FROM postings v WHERE v.unit_id = s.unit_id
                          AND v.role = ANY($1::text[])) >= 4
                   ORDER BY s.unit_id LIMIT 1""",
                list(VOLUNTEER_ROLES),
            )
            assert row is not None
            volunteers = await conn.fetch(
                "SELECT member_id FROM postings WHERE unit_id = $1 AND role = ANY($2::text[])"
                " ORDER BY member_id",
                row["station"], list(VOLUNTEER_ROLES),
            )  # fmt: skip
            other_sp = await conn.fetchval(
                "SELECT member_id FROM postings WHERE role = 'sp' AND unit_id <> 'DST-BIKANER'"
                " ORDER BY unit_id LIMIT 1"
            )
        finally:
            await conn.close()
        tmp = tmp_path_factory.mktemp("erasure-read-models")
        async with running_read_models(databases, kafka_bootstrap, r.topics, tmp):
            yield World(r, row["sp"], row["sho"], other_sp, [v["member_id"] for v in volunteers])


async def _signed_in(chromium: Browser, world: World, member_id: str, lang: str) -> Page:
    """A browser of its own for this officer, signed in (dev sign-in), on the erasures page."""
    context: BrowserContext = await chromium.new_context()
    page = await context.new_page()
    url = world.running.url
    await page.goto(f"{url}/dev/sign-in?lang={lang}&next=/roster/erasures%3Flang%3D{lang}")
    await page.fill("#member-id", member_id)
    await page.click("#sign-in-id")
    await page.wait_for_url(f"{url}/roster/erasures?lang={lang}")
    return page


async def _ask(page: Page, world: World, member: str, lang: str, reason: str) -> str:
    """The request's page address once asked for from the erasures page."""
    await page.goto(f"{world.running.url}/roster/erasures?lang={lang}&member={member}")
    await expect(page.locator("#erasure-member")).to_have_value(member)
    await expect(page.locator("#erasure-member-name")).not_to_be_empty()
    await expect(page.locator("#erasures tbody tr").first).to_be_visible()
    await assert_usable(page)
    await page.fill("#erasure-reason", reason)
    await page.click("#erasure-ask")
    await page.wait_for_url(REQUEST)
    return page.url


@pytest.mark.parametrize("lang", ["en", "hi"])
async def test_the_sho_asks_the_sp_approves_every_read_model_confirms(
    world: World,
    browser: Browser,  # noqa: F811
    lang: str,
) -> None:
    says = SAYS[lang]
    member = world.volunteers[0 if lang == "en" else 1]
    sho = await _signed_in(browser, world, world.sho, lang)
    await expect(sho.locator("#nav-erasures")).to_have_text(says["nav"])
    address = await _ask(sho, world, member, lang, "She asked in writing on 1 December.")
    request_id = address.split("/")[-1].split("?")[0]
    await expect(sho.locator("#erasure-status")).to_have_text(says["requested"])
    await expect(sho.locator("#decision")).to_be_hidden()  # an SHO does not erase
    # Deciding one's own request is refused, and the page says why in its language.
    await sho.evaluate(f"api('POST', '/erasures/{request_id}/approval')")
    await expect(sho.locator("#problem")).to_be_visible()
    await expect(sho.locator("#problem strong")).to_have_text(says["own"])
    await assert_usable(sho)

    # An SP of another district sees none of it.
    other = await _signed_in(browser, world, world.other_sp, lang)
    await expect(other.locator("#erasures tbody tr").first).to_be_visible()
    assert await other.locator(f'#erasures tr[data-request="{request_id}"]').count() == 0
    await other.goto(address)
    await expect(other.locator("#problem")).to_be_visible()
    await expect(other.locator("#erasure")).to_be_hidden()
    await other.context.close()

    # The district's SP finds it in the list, approves it; the member is erased at once and the
    # read models' confirmations arrive on the page.
    sp = await _signed_in(browser, world, world.sp, lang)
    await sp.locator(f'#erasures tr[data-request="{request_id}"] a').click()
    await sp.wait_for_url(address)
    await expect(sp.locator("#decision")).to_be_visible()
    await sp.fill("#erasure-decision-note", "Checked her letter.")
    await sp.click("#erasure-approve")
    await expect(sp.locator("#erasure-status")).to_have_text(says["approved"])
    await expect(sp.locator("#erasure-member-shown")).to_have_text(says["erased"])
    await expect(sp.locator("#erasure-note")).to_have_text("Checked her letter.")
    await expect(sp.locator("#erasure-complete")).to_be_visible(timeout=120_000)
    rows = sp.locator("#confirmations tbody tr")
    await expect(rows).to_have_count(3)
    for read_model in ("directive", "social-publisher", "story-intake"):
        cell = sp.locator(f'#confirmations tr[data-read-model="{read_model}"] td.confirmed')
        await expect(cell).to_have_count(1)
        await expect(cell).not_to_be_empty()
    await assert_usable(sp)
    SHOTS.mkdir(parents=True, exist_ok=True)
    await sp.screenshot(path=str(SHOTS / f"roster-erasure-{lang}.png"), full_page=True)
    # The requester sees the same.
    await sho.reload()
    await expect(sho.locator("#erasure-complete")).to_be_visible()
    await sp.context.close()
    await sho.context.close()


@pytest.mark.parametrize("lang", ["en", "hi"])
async def test_the_sp_rejects_and_the_member_stays(
    world: World,
    browser: Browser,  # noqa: F811
    lang: str,
) -> None:
    says = SAYS[lang]
    member = world.volunteers[2 if lang == "en" else 3]
    sho = await _signed_in(browser, world, world.sho, lang)
    address = await _ask(sho, world, member, lang, "Entered twice, we think.")
    await sho.context.close()
    sp = await _signed_in(browser, world, world.sp, lang)
    await sp.goto(address)
    await sp.fill("#erasure-decision-note", "Two different people.")
    await sp.click("#erasure-reject")
    await expect(sp.locator("#erasure-status")).to_have_text(says["rejected"])
    await expect(sp.locator("#decision")).to_be_hidden()
    await expect(sp.locator("#confirmations-section")).to_be_hidden()
    await expect(sp.locator("#erasure-member-shown")).not_to_have_text(says["erased"])
    await sp.context.close()
