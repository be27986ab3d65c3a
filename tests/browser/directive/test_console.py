"""The directive console in headless Chromium, on the real service (HTTP, fan-out, consumers and
the scheduler) over real Kafka and PostgreSQL, with receipts produced to Kafka as the publisher
would: sign in as the ADG, issue in Hindi with an attachment, relay as the SP with a note, add a
CO note, watch reach change live as receipts and replies arrive, see laggards and escalations
appear, download the CSV; switch languages; an SP of another district is refused in Hindi.

Screenshots go to .state/console-shots/ (look at them when a page changes).
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

import httpx
import pytest
from nazar_contracts.dispatch import Channel, DispatchDelivered, DispatchRead, DispatchSent
from nazar_platform.auth.tokens import AuthSettings
from playwright.async_api import Browser, BrowserContext, Page, async_playwright, expect
from pydantic import BaseModel

from tests.browser.a11y import assert_usable_in_both_languages
from tests.browser.csp import PageWatch
from tests.conftest import DatabaseFactory
from tests.hindi import HEADLINE, LEAD
from tests.integration.directive.api_support import Api, running_service
from tests.integration.directive.support import produce, requested
from tests.integration.directive.test_api import PDF
from tests.integration.directive.test_receipts import reply

ROOT = Path(__file__).resolve().parents[3]
SHOTS = ROOT / ".state" / "console-shots"
CHROMIUM_ARGS = [
    "--no-sandbox", "--disable-gpu", "--disable-background-networking",
    "--disable-component-update", "--no-first-run", "--disable-sync",
]  # fmt: skip
WAIT = 30_000  # ms: what the page may take to show a change that the service has made


# The Hindi headline and first paragraph of a report (the repository's own text).
TITLE, BODY = HEADLINE, LEAD


@dataclass
class Console:
    api: Api
    browser: Browser
    url: str
    errors: list[str]
    # Each browser's watch: a Content-Security-Policy violation is an error like a script error.
    watched: dict[BrowserContext, PageWatch] = field(default_factory=dict)

    async def as_member(self, member_id: str, lang: str = "hi") -> tuple[BrowserContext, Page]:
        """A fresh browser (its own sessionStorage) signed in through the dev sign-in page."""
        # Tall enough for a whole page: a full-page screenshot of a taller one resizes the
        # viewport and back, and a click right after it can land beside its target.
        context = await self.browser.new_context(
            accept_downloads=True, locale="hi-IN", viewport={"width": 1280, "height": 2400}
        )
        self.watched[context] = PageWatch(self.url, violations=self.errors)
        await self.watched[context].attach(context)
        page = await context.new_page()
        # A script error or a policy violation on any page fails the test (checked at the end of
        # each test).
        page.on("pageerror", lambda e: self.errors.append(f"{member_id}: {e}"))
        await page.goto(f"{self.url}/console/sign-in?lang={lang}")
        await page.select_option("#role", "*")
        await page.fill("#q", "")
        button = page.locator(f'button.sign-in-as[data-member="{member_id}"]')
        # The list loads after the page: wait for its first page before judging it (on a busy
        # machine the member was sought before it arrived, and "more" was never shown).
        await expect(page.locator("button.sign-in-as").first).to_be_visible(timeout=WAIT)
        while not await button.count():
            more = page.locator("#more")
            await expect(more).to_be_visible()
            await more.click()
        # The header names who signed in (from the list they were picked from), never their id.
        name = (await button.inner_text()).split(" — ")[0].strip()
        await button.click()
        await page.wait_for_url(f"{self.url}/console?lang={lang}")
        await expect(page.locator("#who-name")).to_contain_text(name)
        assert member_id not in await page.locator("#who").inner_text()
        await expect(page.locator("#who-roles")).not_to_be_empty()
        return context, page


async def shot(page: Page, name: str) -> None:
    SHOTS.mkdir(parents=True, exist_ok=True)
    await page.locator("body").screenshot(path=str(SHOTS / f"{name}.png"))


@pytest.fixture(scope="module")
async def console(databases: DatabaseFactory, kafka_bootstrap: str) -> AsyncIterator[Console]:
    async with (
        running_service(
            databases,
            kafka_bootstrap,
            # The dev sign-in signs with the environment's key; the service must verify with it.
            signing_key=AuthSettings().dev_private_key_path,
            scheduler=True,
            scheduler_interval="PT0.5S",
            reach_stream_interval="PT0.3S",
        ) as api,
        async_playwright() as p,
    ):
        browser = await p.chromium.launch(executable_path="/usr/bin/chromium", args=CHROMIUM_ARGS)
        try:
            yield Console(api, browser, api.base_url, [])
        finally:
            await browser.close()


@pytest.fixture(autouse=True)
def no_script_errors(console: Console) -> Iterator[None]:
    console.errors.clear()
    yield
    assert console.errors == []


@pytest.fixture(autouse=True)
async def no_raw_codes(console: Console) -> AsyncIterator[None]:
    """Every page a test leaves open, in Hindi and English: accessible, fits a 360 px phone, names
    never raw codes (issue 20, `tests/browser/a11y.py`). Autouse here and in the modules that
    import it."""
    yield
    for context in console.watched:
        for page in context.pages:
            await assert_usable_in_both_languages(page)


async def originals(api: Api, directive_id: str) -> dict[str, str]:
    """member id → delivery id of the directive's text, as the publisher reads them from Kafka."""
    sent = await requested(api.bootstrap, api.topics.deliveries, api.topics.flash)
    return {
        s.data.member_id: s.data.delivery_id
        for s in sent
        if s.data.directive_id == directive_id and s.data.title == TITLE
    }


async def receipts(api: Api, message_id: str, deliveries: dict[str, str], acking: set[str]) -> None:
    now = datetime.now(UTC)
    items: list[tuple[str, BaseModel]] = []
    for member, delivery in deliveries.items():
        for kind in (DispatchSent, DispatchDelivered, DispatchRead):
            items.append(
                (
                    api.topics.receipts,
                    kind(
                        delivery_id=delivery,
                        message_id=message_id,
                        member_id=member,
                        at=now,
                        channel=Channel.WHATSAPP,
                        provider_message_id=f"wa-{delivery[:12]}",
                    ),
                )
            )
        if member in acking:
            items.append(
                (api.topics.replies, reply(member, "प्राप्त हुआ", to=delivery, button=True, at=now))
            )
    await produce(api.bootstrap, items, source="/nazar/social-publisher")


def cell(page: Page, unit: str, column: str) -> str:
    return f'#reach tr[data-unit="{unit}"] td[data-col="{column}"]'


async def test_issue_relay_note_and_watch_reach_live(console: Console) -> None:
    api, r = console.api, console.api.roster
    # The ADG issues, in Hindi, to the Bikaner and Churu districts, with an attachment.
    adg_context, adg = await console.as_member(r.one("adg", "BR-CRIME"))
    await expect(adg.locator("#who-roles")).to_have_text("अतिरिक्त महानिदेशक पुलिस · अपराध शाखा")
    await adg.click("#new-directive")
    await adg.wait_for_url(re.compile(r"/console/new\?lang=hi$"))
    await adg.select_option("select[name=priority]", "urgent")
    await adg.fill("input[name=title_hi]", TITLE)
    await adg.fill("textarea[name=body_hi]", BODY)
    await adg.locator('button.toggle[data-unit="RNG-BIKANER"]').click()
    await adg.check('input[data-unit="DST-BIKANER"]')
    await adg.check('input[data-unit="DST-CHURU"]')
    # Short windows so that the scheduler acts while the test watches: Churu's SP never relays.
    await adg.fill("input[name=relay_deadline]", "0.5")
    await adg.fill("input[name=ack_window]", "0.2")
    attachment = SHOTS.parent / "console-circular.pdf"
    attachment.parent.mkdir(parents=True, exist_ok=True)
    attachment.write_bytes(PDF)
    await adg.set_input_files("input[name=attachments]", str(attachment))
    await shot(adg, "01-issue-form-hi")
    await adg.click("#issue-button")
    await adg.wait_for_url(re.compile(r"/console/directives/[0-9a-f-]{36}\?lang=hi$"))
    directive_id = adg.url.split("/console/directives/")[1].split("?")[0]
    await expect(adg.locator("#title")).to_have_text(TITLE)
    await expect(adg.locator("#attachments li")).to_have_text(re.compile("console-circular.pdf"))
    await expect(adg.locator('#districts tr[data-district="DST-CHURU"]')).to_contain_text(
        "अभी नहीं भेजा"
    )
    # The issue alone reached the SPs and the IG: reach shows them at the district level.
    await expect(adg.locator(cell(adg, "DST-BIKANER", "targeted"))).to_have_text("1", timeout=WAIT)
    await expect(adg.locator("#relay-card")).to_be_hidden()  # the ADG relays nothing

    # The SP of Bikaner relays to both circles with a local note.
    sp_context, sp = await console.as_member(r.one("sp", "DST-BIKANER"))
    await sp.goto(f"{console.url}/console/directives/{directive_id}?lang=hi")
    await expect(sp.locator("#relay-card")).to_be_visible()
    await expect(sp.locator("#relay-district option")).to_have_count(1)  # Bikaner only
    await expect(sp.locator('input[name="relay-circle"]')).to_have_count(2)
    await sp.fill("#relay-note", "सभी थाना प्रभारी आज शाम तक पुष्टि करें।")
    await sp.click("#relay-button")
    await expect(sp.locator("#done")).to_contain_text("भेज दिया गया")
    await expect(sp.locator("#relay-card")).to_be_hidden()
    await expect(sp.locator('#districts tr[data-district="DST-BIKANER"]')).to_contain_text(
        "सभी थाना प्रभारी आज शाम तक पुष्टि करें।"
    )
    await shot(sp, "02-sp-relayed")

    # The CO of the first circle adds a note.
    co_context, co = await console.as_member(r.one("co", "CIR-BIKANER-1"))
    await co.goto(f"{console.url}/console/directives/{directive_id}?lang=hi")
    await expect(co.locator("#note-card")).to_be_visible()
    await expect(co.locator("#relay-card")).to_be_hidden()
    await co.fill("#note-text", "वृत्त के सभी सदस्य पावती अवश्य दें।")
    await co.click("#note-button")
    await expect(co.locator("#done")).to_have_text("टिप्पणी भेज दी गई")
    await expect(co.locator('#messages tr[data-kind="note"]')).to_have_count(1, timeout=WAIT)

    # Reach on the ADG's open page follows the fan-out and then the receipts, without a reload.
    circle_1 = sorted(m for m in r.circle_members["CIR-BIKANER-1"] if m in r.reachable)
    circle_2 = sorted(m for m in r.circle_members["CIR-BIKANER-2"] if m in r.reachable)
    in_circles = [m for m in circle_1 + circle_2 if m not in r.by_role[("sp", "DST-BIKANER")]]
    in_circles = [m for m in in_circles if m not in r.by_role[("ig", "RNG-BIKANER")]]
    n1 = len([m for m in circle_1 if m in in_circles])
    await expect(adg.locator(cell(adg, "CIR-BIKANER-1", "targeted"))).to_have_text(
        str(n1), timeout=WAIT
    )
    await expect(adg.locator(cell(adg, "CIR-BIKANER-1", "acknowledged"))).to_have_text("0")
    deliveries = await originals(api, directive_id)
    detail = (await _get(api, f"/api/v1/directives/{directive_id}")).json()
    acking_1 = set([m for m in circle_1 if m in in_circles][: n1 // 2])  # under 80 %
    acking_2 = {m for m in circle_2 if m in in_circles}  # everyone
    await receipts(
        api,
        detail["original_message_id"],
        {m: d for m, d in deliveries.items() if m in in_circles},
        acking_1 | acking_2,
    )
    await expect(adg.locator(cell(adg, "CIR-BIKANER-2", "acknowledged"))).to_have_text(
        str(len(acking_2)), timeout=WAIT
    )
    await expect(adg.locator(cell(adg, "CIR-BIKANER-1", "acknowledged"))).to_have_text(
        str(len(acking_1)), timeout=WAIT
    )
    await expect(adg.locator(cell(adg, "CIR-BIKANER-1", "read"))).to_have_text(str(n1))
    await expect(adg.locator('#reach tr[data-unit="CIR-BIKANER-1"]')).to_have_class(
        re.compile("below")
    )
    await shot(adg, "03-reach-live")

    # Laggards and escalations: circle 1 stays under the threshold (CO, then SP are told), and
    # Churu's SP has not relayed by the deadline (the IG is told).
    await expect(adg.locator('#escalations tr[data-kind="ack_to_co"]')).to_have_count(
        1, timeout=WAIT
    )
    await expect(adg.locator('#laggard-circles li[data-circle="CIR-BIKANER-1"]')).to_be_visible()
    await expect(adg.locator('#laggard-circles li[data-circle="CIR-BIKANER-2"]')).to_have_count(0)
    await expect(adg.locator('#escalations tr[data-kind="ack_to_sp"]')).to_have_count(
        1, timeout=WAIT
    )
    await expect(adg.locator('#escalations tr[data-kind="relay_overdue"]')).to_have_count(
        1, timeout=WAIT
    )
    await expect(adg.locator('#laggard-districts li[data-district="DST-CHURU"]')).to_have_class(
        "overdue", timeout=WAIT
    )
    await expect(adg.locator('#laggard-circles li[data-circle="CIR-BIKANER-1"]')).to_have_attribute(
        "data-stage", "sp_escalated", timeout=WAIT
    )
    await expect(adg.locator('#escalations tr[data-kind="relay_overdue"]')).to_contain_text(
        "आगे नहीं भेजा"
    )
    await shot(adg, "04-laggards-escalations")

    # The record: the per-member CSV carries the Hindi title and every circle member's row.
    async with adg.expect_download() as downloading:
        await adg.click("#export-member")
    download = await downloading.value
    raw = Path(await download.path()).read_bytes().decode("utf-8")
    assert raw.startswith("\ufeff")
    rows = list(csv.DictReader(io.StringIO(raw.lstrip("\ufeff"))))
    assert {row["title_hi"] for row in rows if row["message_kind"] == "original"} == {TITLE}
    acked = {
        row["member_id"]
        for row in rows
        if row["message_kind"] == "original" and row["acknowledged_at"]
    }
    assert acked == acking_1 | acking_2
    name = rf"directive-{directive_id}-member-\d{{8}}T\d{{4}}\.csv"
    assert re.fullmatch(name, download.suggested_filename)
    async with adg.expect_download() as downloading:
        await adg.click("#export-station")
    stations = (await (await downloading.value).path()).read_text(encoding="utf-8-sig")
    assert TITLE in stations and "बीकानेर" in stations

    for context in (adg_context, sp_context, co_context):
        await context.close()


async def _get(api: Api, path: str) -> httpx.Response:
    async with api.client() as c:
        return await c.get(path, headers=api.as_("adg", "BR-CRIME"))


async def test_languages_and_a_refusal_shown_in_hindi(console: Console) -> None:
    api, r = console.api, console.api.roster
    async with api.client() as c:
        issued = await c.post(
            "/api/v1/directives",
            json={
                "title": {"hi": TITLE, "en": "Police to watch miscreants through social media"},
                "body": {"hi": BODY, "en": "Instructions reach the lowest level at once."},
                "audience": {"unit_ids": ["DST-BIKANER"]},
            },
            headers=api.as_("adg", "BR-CRIME"),
        )
    assert issued.status_code == 201
    directive_id = issued.json()["id"]
    url = f"{console.url}/console/directives/{directive_id}"

    # The SP of Bikaner reads it in Hindi, switches to English and back.
    context, page = await console.as_member(r.one("sp", "DST-BIKANER"))
    await page.goto(f"{url}?lang=hi")
    await expect(page.locator("#title")).to_have_text(TITLE)
    await expect(page.locator("#relay-card h2")).to_have_text("वृत्त समूहों को भेजें")
    await page.click("#lang-en")
    await page.wait_for_url(f"{url}?lang=en")
    await expect(page.locator("#title")).to_have_text(
        "Police to watch miscreants through social media"
    )
    await expect(page.locator("#relay-card h2")).to_have_text("Relay to the circle groups")
    await expect(page.locator("html")).to_have_attribute("lang", "en")
    await shot(page, "05-directive-en")
    await page.click("#lang-hi")
    await expect(page.locator("#relay-card h2")).to_have_text("वृत्त समूहों को भेजें")
    await context.close()

    # The SP of another district (Jaipur East) is refused: the problem document, in Hindi.
    context, page = await console.as_member(r.one("sp", "DST-JAIPUR-EAST"))
    await page.goto(f"{url}?lang=hi")
    problem = page.locator("#problem")
    await expect(problem).to_be_visible()
    await expect(problem).to_have_attribute("data-code", "access.forbidden")
    text = await problem.inner_text()
    assert re.search("[\u0900-\u097f]", text), text  # Devanagari
    assert "forbidden" not in text.lower()
    await expect(page.locator("#directive")).to_be_hidden()
    await shot(page, "06-refused-hi")
    # ...and in English when the page is in English.
    await page.goto(f"{url}?lang=en")
    await expect(problem).to_be_visible()
    assert not re.search("[\u0900-\u097f]", await problem.inner_text())
    # Nor can that SP relay for Bikaner through the API the page uses.
    async with api.client() as c:
        refused = await c.post(
            f"/api/v1/directives/{directive_id}/relays",
            json={"district_id": "DST-BIKANER"},
            headers={**api.as_("sp", "DST-JAIPUR-EAST"), "Accept-Language": "hi"},
        )
    assert refused.status_code == 403 and re.search("[\u0900-\u097f]", refused.json()["title"])
    await context.close()


async def test_sign_in_lists_members_from_the_read_model(console: Console) -> None:
    api = console.api
    async with api.client() as c:
        first = (await c.get("/api/v1/dev/members?unit=DST-CHURU&limit=5")).json()
        rest = (
            await c.get(f"/api/v1/dev/members?unit=DST-CHURU&cursor={first['next_cursor']}")
        ).json()
        sps = (await c.get("/api/v1/dev/members?role=sp")).json()
        withdrawn = api.roster.by_role[("police_mitra", "PS-CHURU-11")][0]
        constable = api.roster.by_role[("constable", "PS-CHURU-11")][0]
        some = (
            await c.get(f"/api/v1/dev/members?member_id={withdrawn}&member_id={constable}")
        ).json()
    listed = [m["member_id"] for m in first["items"] + rest["items"]]
    expected = {
        m.member_id
        for m in api.roster.members
        if m.active and any("DST-CHURU" in p.unit_path for p in m.postings)
    }
    assert len(listed) == len(set(listed)) and set(listed) == expected
    assert first["items"][0]["postings"][0]["role"] == "sp"  # most senior first
    assert {m["member_id"]: m["reachable"] for m in some["items"]} == {
        withdrawn: False,
        constable: True,
    }
    assert {m["member_id"] for m in sps["items"]} == {
        m.member_id for m in api.roster.members if any(p.role == "sp" for p in m.postings)
    }
