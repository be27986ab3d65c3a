"""The alert board page of the directive console in headless Chromium, on the real service: in
Hindi the SHO of a station sees its open alert with names (never codes), a new alert and an
escalation appear without a reload, the detail shows the raiser and the officers' receipts, and
the SHO takes and closes it (FIR registered) from the page through the case's endpoints; in
English the SP sees a closed alert with its outcome, a new alert arrive live, takes and closes it
from the page and downloads the CSV record; a volunteer is refused, in Hindi.
"""

from __future__ import annotations

import csv
import io
import json
import re
from datetime import UTC, datetime, timedelta

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
from tests.integration.directive import board_support as fx


def row(table: str, incident_id: str) -> str:
    return f'#{table} tr[data-incident="{incident_id}"]'


async def test_the_board_in_hindi_live_take_and_close(console: Console) -> None:  # noqa: F811
    api, r = console.api, console.api.roster
    now = datetime.now(UTC)
    station = "PS-BIKANER-11"
    raiser = r.by_role[("gram_rakshak", station)][0]
    first = await fx.open_incident(
        api.pool, r, "ALR-HI-1", station, raiser=raiser, opened_at=now - timedelta(minutes=12),
        vehicle_number="RJ07CA1234",
    )  # fmt: skip
    sho = r.one("sho", station)
    _, page = await console.as_member(sho)
    await page.goto(f"{console.url}/console/alerts?lang=hi")
    line = page.locator(row("open", first.id))
    await expect(line).to_contain_text("भीड़ / सांप्रदायिक तनाव", timeout=WAIT)
    await expect(line).to_contain_text("थाना 1")  # the station's name, not its code
    await expect(line).not_to_contain_text(station)
    await expect(line.locator('td[data-col="age"]')).to_contain_text("मिनट")
    await expect(line.locator('td[data-col="taken-by"]')).to_have_text("अभी किसी ने नहीं लिया")

    # A new alert arrives: on the page without a reload.
    second = await fx.open_incident(
        api.pool, r, "ALR-HI-2", station, raiser=r.by_role[("constable", station)][0],
        raiser_role="constable", kind="road_accident", opened_at=now,
    )  # fmt: skip
    await expect(page.locator(row("open", second.id))).to_contain_text("सड़क दुर्घटना", timeout=WAIT)
    # The case side escalates the first one: the stage changes in place.
    await fx.message_officers(api.pool, first, [(r.one("ig", "RNG-BIKANER"), "ig")], "ig", now)
    await expect(line.locator('td[data-col="stage"]')).to_have_text(
        "पुलिस महानिरीक्षक तक बढ़ा", timeout=WAIT
    )

    await line.locator("button.details").click()
    detail = page.locator("#detail")
    await expect(detail.locator("#detail-alerts")).to_contain_text(fx.ALERT_TEXT, timeout=WAIT)
    await expect(detail.locator("#detail-alerts")).to_contain_text("ग्राम रक्षक")
    await expect(detail.locator("#detail-alerts")).to_contain_text("RJ07CA1234")
    ig_row = detail.locator(f'#detail-officers tr[data-member="{r.one("ig", "RNG-BIKANER")}"]')
    await expect(ig_row).to_contain_text("पुलिस महानिरीक्षक तक बढ़ा")
    await shot(page, "alert-board-hi")

    await detail.locator("#take").click()
    await expect(detail.locator("#done")).to_have_text("आपने यह अलर्ट ले लिया", timeout=WAIT)
    await expect(line.locator('td[data-col="taken-by"]')).to_contain_text(
        "थानाधिकारी", timeout=WAIT
    )
    await detail.locator("#outcome").select_option("fir_registered")
    await detail.locator("#fir-number").fill("FIR 0781/2026")
    await detail.locator("#close").click()
    await expect(detail.locator("#done")).to_have_text("अलर्ट बंद किया गया", timeout=WAIT)
    closed = page.locator(row("closed", first.id))
    await expect(closed).to_contain_text("प्राथमिकी दर्ज की गई", timeout=WAIT)
    await expect(closed).to_contain_text("FIR 0781/2026")
    await expect(page.locator(row("open", first.id))).to_have_count(0)


async def test_the_board_in_english_closed_record_and_refusals(
    console: Console,  # noqa: F811
) -> None:
    api, r = console.api, console.api.roster
    now = datetime.now(UTC)
    station = "PS-BIKANER-12"
    done = await fx.open_incident(
        api.pool, r, "ALR-EN-1", station, raiser=r.by_role[("gram_rakshak", station)][0],
        kind="illegal_mining", urgency="soon", opened_at=now - timedelta(hours=2),
    )  # fmt: skip
    sho = r.one("sho", station)
    await fx.take(api.pool, done, sho, now - timedelta(hours=1))
    await fx.close(api.pool, done, sho, "arrest_made", now - timedelta(minutes=30))

    _, page = await console.as_member(r.one("sp", "DST-BIKANER"), lang="en")
    await page.goto(f"{console.url}/console?lang=en")
    await page.locator("#alert-board").click()
    await page.wait_for_url(re.compile(r"/console/alerts\?lang=en$"))
    closed = page.locator(row("closed", done.id))
    await expect(closed).to_contain_text("Illegal mining", timeout=WAIT)
    await expect(closed).to_contain_text("Arrest made")
    await expect(closed).to_contain_text("SHO")
    await expect(closed).to_contain_text("Station 2")

    # Live in English too: a new alert appears, the SP takes it and closes it from the page.
    fresh = await fx.open_incident(
        api.pool, r, "ALR-EN-2", station, raiser=r.by_role[("constable", station)][0],
        raiser_role="constable", kind="cyber_fraud", opened_at=now,
    )  # fmt: skip
    line = page.locator(row("open", fresh.id))
    await expect(line).to_contain_text("Cyber-fraud call", timeout=WAIT)
    await expect(line.locator('td[data-col="taken-by"]')).to_have_text("Not taken yet")
    await line.locator("button.details").click()
    detail = page.locator("#detail")
    await expect(detail.locator("#detail-alerts")).to_contain_text("Constable", timeout=WAIT)
    await detail.locator("#take").click()
    await expect(detail.locator("#done")).to_have_text("You have taken this alert", timeout=WAIT)
    await expect(line.locator('td[data-col="taken-by"]')).to_contain_text("SP / DCP", timeout=WAIT)
    await detail.locator("#outcome").select_option("attended")
    await detail.locator("#close").click()
    await expect(page.locator(row("closed", fresh.id))).to_contain_text("Attended", timeout=WAIT)
    await expect(page.locator(row("open", fresh.id))).to_have_count(0)
    async with page.expect_download() as info:
        await page.locator("#export").click()
    download = await info.value
    body = (await download.path()).read_bytes()
    assert body.startswith(b"\xef\xbb\xbf")
    rows = list(csv.DictReader(io.StringIO(body.decode("utf-8-sig"))))
    mine = [x for x in rows if x["incident_id"] == done.id]
    assert mine and mine[0]["outcome"] == "arrest_made"
    assert mine[0]["text"] == fx.ALERT_TEXT
    await shot(page, "alert-board-en")

    # A volunteer has no board (the dev sign-in lists officers and staff only, so the page gets
    # their session as the sign-in would leave it): the refusal is shown in their language.
    member = r.by_role[("gram_rakshak", station)][0]
    token = api.token(member, f"gram_rakshak:{station}")["Authorization"].split()[1]
    session = {
        "token": token,
        "name": member,
        "grants": [{"role": "gram_rakshak", "unit": station}],
        "expires_at": (now + timedelta(hours=1)).timestamp() * 1000,
    }
    context = await console.browser.new_context(locale="hi-IN")
    await context.add_init_script(
        f"sessionStorage.setItem('nazar.console.session', {json.dumps(json.dumps(session))});"
    )
    volunteer = await context.new_page()
    volunteer.on("pageerror", lambda e: console.errors.append(f"volunteer: {e}"))
    await volunteer.goto(f"{console.url}/console/alerts?lang=hi")
    await expect(volunteer.locator("#problem")).to_contain_text("अनुमति नहीं है", timeout=WAIT)
    await expect(volunteer.locator("#open tbody tr")).to_have_count(0)
