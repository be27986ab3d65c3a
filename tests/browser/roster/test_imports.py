"""The office's imports in headless Chromium, in Hindi and in English: a clerk uploads a CSV with
two bad rows, reads why in the page's language, downloads the rejected rows, fixes them and
uploads the file again; a full sync shows its review and takes a confirmation; a clerk of another
district sees none of these imports."""

from __future__ import annotations

import csv
import re
from collections.abc import AsyncIterator
from pathlib import Path

import asyncpg
import pytest
from nazar_rostergen.build import Scale
from nazar_rostergen.files import write
from playwright.async_api import Browser, Page, async_playwright, expect

from tests.browser.a11y import assert_usable
from tests.conftest import DatabaseFactory
from tests.integration.roster.support import (
    Running,
    demo_roster,
    member_ids_by_role,
    token_for,
    upload,
)

CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-sync"]
SHOTS = Path(__file__).resolve().parents[3] / ".state" / "test-logs"
HEADER = ["volunteer_id", "name_hi", "name_latin", "role", "police_station", "whatsapp", "ward"]
# What the report says of the two bad rows, and the reason column's name, in each language.
SAYS = {
    "en": ("done", "WhatsApp number is invalid [WhatsApp]",
           "the unit is outside your area [Police station]", "reason"),
    "hi": ("पूर्ण", "व्हाट्सऐप नंबर मान्य मोबाइल नंबर नहीं है [व्हाट्सऐप]",
           "यह इकाई आपके क्षेत्र से बाहर है [थाना]", "कारण"),
}  # fmt: skip
REPORT = re.compile(r".*/roster/imports/imp-[A-Za-z0-9-]+\?lang=(hi|en)$")


@pytest.fixture(scope="module")
async def demo(
    databases: DatabaseFactory, kafka_bootstrap: str, tmp_path_factory: pytest.TempPathFactory
) -> AsyncIterator[Running]:
    files = tmp_path_factory.mktemp("roster-imports")
    write(files, Scale.DEMO)
    async with demo_roster(databases, kafka_bootstrap, files, "roster_import_pages") as running:
        yield running


@pytest.fixture(scope="module")
async def browser() -> AsyncIterator[Browser]:
    async with async_playwright() as p:
        chromium = await p.chromium.launch(executable_path="/usr/bin/chromium", args=CHROMIUM_ARGS)
        try:
            yield chromium
        finally:
            await chromium.close()


async def _sign_in(demo: Running, page: Page, member_id: str, lang: str) -> None:
    """The dev sign-in by member id, back to the imports page."""
    await page.goto(f"{demo.url}/dev/sign-in?lang={lang}&next=/roster/imports%3Flang%3D{lang}")
    await page.fill("#member-id", member_id)
    await page.click("#sign-in-id")
    await page.wait_for_url(f"{demo.url}/roster/imports?lang={lang}")


async def _sp(demo: Running, district: str) -> str:
    return (await member_ids_by_role(demo.database, "sp", district))[0]


async def _upload(page: Page, path: Path, *, full_sync: bool = False) -> None:
    await page.select_option("#import-kind", "volunteers")
    if full_sync:
        await page.check("#import-full-sync")
    await page.set_input_files("#import-file", str(path))
    await page.click("#import-button")
    await page.wait_for_url(REPORT)


def _write(path: Path, rows: list[list[str]]) -> Path:
    with path.open("w", encoding="utf-8", newline="") as f:
        csv.writer(f).writerows(rows)
    return path


@pytest.mark.parametrize("lang", ["en", "hi"])
async def test_upload_two_bad_rows_download_them_fix_and_upload_again(
    demo: Running, browser: Browser, tmp_path: Path, lang: str
) -> None:
    status, bad_number, outside, reason = SAYS[lang]
    ids = [f"V-PAGE-{lang.upper()}-{n}" for n in range(1, 5)]
    rows = [
        [ids[0], "कमला सैनी", "Kamla Saini", "police_mitra", "PS-ROHITAL-KOTWALI",
         "+917000997001", "7"],
        [ids[1], "गीता मीणा", "Geeta Meena", "police_mitra", "PS-ROHITAL-KOTWALI", "+91 555", "8"],
        [ids[2], "मंजू जाट", "Manju Jat", "police_mitra", "PS-KISHANGARH-BAS-KOTWALI",
         "+917000997003", "9"],
        [ids[3], "सीमा राव", "Seema Rao", "police_mitra", "PS-ROHITAL-KOTWALI",
         "+917000997004", "10"],
    ]  # fmt: skip
    page = await browser.new_page()
    sp = await _sp(demo, "DST-BIKANER")
    await _sign_in(demo, page, sp, lang)
    await _upload(page, _write(tmp_path / f"ward-{lang}.csv", [HEADER, *rows]))
    await expect(page.locator("#report-status")).to_have_text(status)
    await expect(page.locator("#count-accepted")).to_have_text("2")
    await expect(page.locator("#count-rejected")).to_have_text("2")
    table = page.locator("#report-rows tbody")
    await expect(table.locator('tr[data-row="3"] td').nth(2)).to_have_text(bad_number)
    await expect(table.locator('tr[data-row="4"] td').nth(2)).to_have_text(outside)
    await expect(table.locator('tr[data-row="4"] td').nth(1)).to_have_text(ids[2])
    assert "+91 555" not in await page.inner_text("body")
    await assert_usable(page)
    SHOTS.mkdir(parents=True, exist_ok=True)
    await page.screenshot(path=str(SHOTS / f"roster-import-report-{lang}.png"), full_page=True)

    async with page.expect_download() as info:
        await page.click("#download-rejected")
    download = await info.value
    saved = tmp_path / f"rejected-{lang}.csv"
    await download.save_as(saved)
    assert saved.read_bytes().startswith("\ufeff".encode())
    with saved.open(encoding="utf-8-sig", newline="") as f:
        got = list(csv.reader(f))
    assert got[0] == [*HEADER, reason]
    assert [r[:5] for r in got[1:]] == [rows[1][:5], rows[2][:5]]
    assert [r[5] for r in got[1:]] == ["'+91 555", "'+917000997003"]  # formulas neutralised

    # The clerk fixes the number and the station in the downloaded file and uploads it again.
    got[1][5] = "'+917000997002"
    got[2][4] = "PS-ROHITAL-KOTWALI"
    await page.click("#back")
    await page.wait_for_url(f"{demo.url}/roster/imports?lang={lang}")
    await _upload(page, _write(tmp_path / f"fixed-{lang}.csv", got))
    await expect(page.locator("#report-status")).to_have_text(status)
    await expect(page.locator("#count-accepted")).to_have_text("2")
    await expect(page.locator("#count-rejected")).to_have_text("0")
    await expect(page.locator("#count-created")).to_have_text("2")
    await expect(page.locator("#download-box")).to_be_hidden()

    conn = await asyncpg.connect(demo.database)
    try:
        kept = await conn.fetch(
            "SELECT volunteer_id FROM members WHERE volunteer_id = ANY($1::text[])", ids
        )
        sp_name = await conn.fetchrow(
            "SELECT name_hi, name_latin FROM members WHERE member_id = $1", sp
        )
    finally:
        await conn.close()
    assert sorted(r["volunteer_id"] for r in kept) == ids  # each once: nothing doubled
    assert sp_name is not None

    # The history: both uploads, newest first, by the clerk's name.
    await page.click("#back")
    history = page.locator("#imports tbody tr[data-import]")
    await expect(history.first).to_be_visible()
    first = history.nth(0).locator("td")
    await expect(first.nth(1)).to_have_text(sp_name["name_hi" if lang == "hi" else "name_latin"])
    await expect(first.nth(3)).to_have_text(f"fixed-{lang}.csv")
    await expect(history.nth(1).locator("td").nth(3)).to_have_text(f"ward-{lang}.csv")
    assert sp not in await page.inner_text("body")
    await assert_usable(page)
    await page.close()


async def test_a_full_sync_shows_its_review_and_takes_a_confirmation(
    demo: Running, browser: Browser, tmp_path: Path
) -> None:
    page = await browser.new_page()
    await _sign_in(demo, page, await _sp(demo, "DST-BIKANER"), "en")
    csv_file = _write(
        tmp_path / "volunteers-only-one.csv",
        [["volunteer_id", "name_hi", "role", "police_station", "sms"],
         ["V-ONLY-1", "कमला सैनी", "police_mitra", "PS-ROHITAL-KOTWALI", "+917000997101"]],
    )  # fmt: skip
    await _upload(page, csv_file, full_sync=True)
    await expect(page.locator("#report-status")).to_have_text("awaiting confirmation")
    await expect(page.locator("#report-review")).to_contain_text("Confirmations: 0 / 2")
    await expect(page.locator("#report-review")).to_contain_text("a second officer must confirm")
    await expect(page.locator("#review-confirmers")).to_have_text("nobody yet")
    would = int(await page.locator("#count-would_deactivate").inner_text())
    assert would > 1
    await expect(page.locator("#deactivations tbody tr")).to_have_count(min(would, 50))
    await assert_usable(page)
    await page.click("#report-confirm")
    await expect(page.locator("#report-review")).to_contain_text("Confirmations: 1 / 2")
    await expect(page.locator("#report-status")).to_have_text("awaiting confirmation")
    # The uploader's confirmation is shown by name; the second must be another officer's.
    await expect(page.locator("#review-confirmers")).not_to_have_text("nobody yet")
    await expect(page.locator("#report-confirm")).to_be_hidden()
    await page.close()


@pytest.mark.parametrize("lang", ["en", "hi"])
async def test_a_clerk_of_another_district_sees_none_of_them(
    demo: Running, browser: Browser, tmp_path: Path, lang: str
) -> None:
    bikaner = await token_for(demo, await _sp(demo, "DST-BIKANER"))
    theirs = await upload(
        demo, bikaner,
        _write(tmp_path / "bikaner.csv",
               [HEADER, ["V-OTHER-1", "गीता", "Geeta", "police_mitra", "PS-ROHITAL-KOTWALI",
                         "+91 555", "1"]]),
        kind="volunteers",
    )  # fmt: skip
    conn = await asyncpg.connect(demo.database)
    try:
        bikaner_imports = {
            r["import_id"]
            for r in await conn.fetch(
                "SELECT import_id FROM imports WHERE scope_units = ARRAY['DST-BIKANER']"
            )
        }
    finally:
        await conn.close()
    assert theirs["import_id"] in bikaner_imports

    page = await browser.new_page()
    await _sign_in(demo, page, await _sp(demo, "DST-KHAIRTHAL-TIJARA"), lang)
    await expect(page.locator("#imports tbody tr").first).to_be_visible()
    shown = {
        await r.get_attribute("data-import")
        for r in await page.locator("#imports tbody tr[data-import]").all()
    }
    assert not shown & bikaner_imports
    # Not by its address either: the API refuses, the page shows the problem and no row.
    await page.goto(f"{demo.url}/roster/imports/{theirs['import_id']}?lang={lang}")
    await expect(page.locator("#problem")).to_be_visible()
    await expect(page.locator("#report")).to_be_hidden()
    assert await page.locator("#report-rows tbody tr").count() == 0
    await page.close()
