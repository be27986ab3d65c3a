"""The moderation console in headless Chromium, on the real service over PostgreSQL and Kafka:
each level sees only its own queue (a CO their circle only); a claim shows to a second reviewer,
who is refused in Hindi when acting on it; forward, send back, reject and approve from the page;
Hindi labels with Hindi story text; English on the language switch; no script error.

The tree and the members are written into the service's read models directly (the roster's
topics are the integration tests' business); stories come in through the API as a field app
sends them. Screenshots go to .state/console-shots/ (look at them when a page changes).
"""

from __future__ import annotations

import re
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass, field, replace
from datetime import timedelta
from pathlib import Path
from typing import Any

import asyncpg
import pytest
from playwright.async_api import (
    Browser,
    BrowserContext,
    ConsoleMessage,
    Page,
    async_playwright,
    expect,
)
from story_intake.app import create
from story_intake.settings import StoryIntakeSettings
from story_intake.store import members, units

from tests.browser.a11y import assert_usable_in_both_languages
from tests.browser.csp import PageWatch
from tests.conftest import DatabaseFactory
from tests.integration.platform.http.server import serve
from tests.integration.story_intake.test_api import Running, token
from tests.integration.story_intake.test_stories import TREE
from tests.unit.story_intake.images import phone_jpeg

ROOT = Path(__file__).resolve().parents[3]
SHOTS = ROOT / ".state" / "console-shots"
CHROMIUM_ARGS = [
    "--no-sandbox", "--disable-gpu", "--disable-background-networking",
    "--disable-component-update", "--no-first-run", "--disable-sync",
]  # fmt: skip
WAIT = 15_000  # ms
REACH = "https://directive.nazar.test"


def _member(
    member_id: str, name_hi: str, name_latin: str, role: str, unit: str
) -> members.MemberRow:
    return members.MemberRow(member_id, name_hi, name_latin, ((role, unit),), True, 1)


CONSTABLE = _member("M-CONST-1", "सुनीता मीणा", "Sunita Meena", "constable", "PS-TIJARA")
KBAS_CONSTABLE = _member("M-CONST-2", "रामेश्वर गुर्जर", "Rameshwar Gurjar", "constable", "PS-KBAS")
CO = _member("M-CO-1", "महेंद्र सिंह शेखावत", "Mahendra Singh Shekhawat", "co", "CIR-TIJARA")
KBAS_CO = _member("M-CO-2", "आशा चौधरी", "Asha Choudhary", "co", "CIR-KBAS")
SP = _member("M-SP-1", "विकास शर्मा", "Vikas Sharma", "sp", "DST-KT")
WRITER = _member("M-WRITER-1", "प्रीति जोशी", "Preeti Joshi", "content_writer", "RJ")
WRITER_2 = _member("M-WRITER-2", "अंकित व्यास", "Ankit Vyas", "content_writer", "RJ")
APPROVER = _member("M-SPPHQ-1", "राजेंद्र पाल", "Rajendra Pal", "sp_phq_crime", "RJ")
MEMBERS = [CONSTABLE, KBAS_CONSTABLE, CO, KBAS_CO, SP, WRITER, WRITER_2, APPROVER]
KBAS_PS = units.UnitRow(
    "PS-KBAS", "police_station", ("RJ", "RNG-JAIPUR", "DST-KT", "CIR-KBAS", "PS-KBAS"), 1
)
# The units' names as roster.units.v1 carries them: the console names units, never by code.
UNIT_NAMES = {
    "RJ": ("पुलिस मुख्यालय, राजस्थान", "Police Headquarters"),
    "RNG-JAIPUR": ("जयपुर रेंज", "Jaipur Range"),
    "DST-KT": ("खैरथल-तिजारा", "Khairthal-Tijara"),
    "CIR-TIJARA": ("तिजारा वृत्त", "Tijara circle"),
    "PS-TIJARA": ("थाना तिजारा", "Tijara police station"),
    "CIR-KBAS": ("किशनगढ़ बास वृत्त", "Kishangarh Bas circle"),
    "PS-KBAS": ("थाना किशनगढ़ बास", "Kishangarh Bas police station"),
}
NAMED_UNITS = [
    replace(u, name_hi=hi, name_en=en)
    for u in (*TREE, KBAS_PS)
    for hi, en in [UNIT_NAMES.get(u.id, (None, None))]
]


def story(title: str, text: str, **extra: Any) -> dict[str, Any]:
    return {
        "kind": "recovery",
        "title": {"hi": title},
        "text": {"hi": text},
        "place": "तिजारा, खैरथल-तिजारा",
        "event_date": "2026-11-30",
        "submit": True,
        **extra,
    }


@dataclass
class Console:
    running: Running
    browser: Browser
    errors: list[str]
    watched: dict[BrowserContext, PageWatch] = field(default_factory=dict)

    @property
    def url(self) -> str:
        return self.running.url

    async def as_member(
        self, m: members.MemberRow, lang: str = "hi"
    ) -> tuple[BrowserContext, Page]:
        """A fresh browser (its own sessionStorage) signed in through the dev sign-in page."""
        context = await self.browser.new_context(
            locale="hi-IN", viewport={"width": 1280, "height": 1600}
        )
        self.watched[context] = PageWatch(self.url, violations=self.errors)
        await self.watched[context].attach(context)
        page = await context.new_page()
        page.on("pageerror", lambda e: self.errors.append(f"{m.id}: {e}"))
        page.on("console", lambda msg: self._console(m.id, msg))
        await page.goto(f"{self.url}/console/sign-in?lang={lang}")
        await page.select_option("#role", "*")
        await page.fill("#q", m.name_latin or "")
        await page.click("#filter button[type=submit]")
        await page.click(f'button.sign-in-as[data-member="{m.id}"]')
        await page.wait_for_url(f"{self.url}/console?lang={lang}")
        return context, page

    def _console(self, member_id: str, message: ConsoleMessage) -> None:
        # A refused action is a 4xx the page shows as a problem; Chromium logs each such response.
        if message.type == "error" and not message.text.startswith("Failed to load resource"):
            self.errors.append(f"{member_id} console: {message.text}")

    async def new_story(self, author: members.MemberRow, body: dict[str, Any]) -> str:
        grant = f"{author.postings[0][0]}:{author.postings[0][1]}"
        async with self.running.client(token(author.id, grant)) as c:
            r = await c.post("/api/v1/stories", json=body)
            assert r.status_code == 201, r.text
            return str(r.json()["id"])

    async def with_photo(self, author: members.MemberRow, body: dict[str, Any]) -> str:
        """A story sent up with one photo, as a field app does it: draft, photo, submit."""
        grant = f"{author.postings[0][0]}:{author.postings[0][1]}"
        story_id = await self.new_story(author, {**body, "submit": False})
        async with self.running.client(token(author.id, grant)) as c:
            r = await c.post(
                f"/api/v1/stories/{story_id}/photos",
                files={"file": ("naka.jpg", phone_jpeg(), "image/jpeg")},
            )
            assert r.status_code == 201, r.text
            r = await c.post(f"/api/v1/stories/{story_id}/submit")
            assert r.status_code == 200, r.text
        return story_id

    async def decide(self, who: members.MemberRow, story_id: str, decision: str) -> None:
        grant = f"{who.postings[0][0]}:{who.postings[0][1]}"
        async with self.running.client(token(who.id, grant)) as c:
            r = await c.post(f"/api/v1/stories/{story_id}/decisions", json={"decision": decision})
            assert r.status_code == 200, r.text


async def shot(page: Page, name: str) -> None:
    SHOTS.mkdir(parents=True, exist_ok=True)
    await page.locator("body").screenshot(path=str(SHOTS / f"stories-{name}.png"))


@pytest.fixture(scope="module")
async def console(databases: DatabaseFactory, kafka_bootstrap: str) -> AsyncIterator[Console]:
    database = await databases.create("story_console")
    settings = StoryIntakeSettings(
        environment="test",
        database_url=database,  # pydantic makes it a SecretStr
        kafka_bootstrap=kafka_bootstrap,
        database_pool_min=1,
        database_pool_max=4,
        # The read models are written directly below.
        topic_units="test.story-console.no-units",
        topic_members="test.story-console.no-members",
        directive_console_url=REACH + "/",
        shutdown_timeout=timedelta(seconds=20),
    )
    async with serve(create(settings)) as url, async_playwright() as p:
        conn = await asyncpg.connect(database)
        try:
            await units.upsert(conn, NAMED_UNITS)
            await members.upsert(conn, MEMBERS)
        finally:
            await conn.close()
        browser = await p.chromium.launch(executable_path="/usr/bin/chromium", args=CHROMIUM_ARGS)
        try:
            yield Console(Running(url, database), browser, [])
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


def row(story_id: str) -> str:
    return f'#queue tr[data-story="{story_id}"]'


async def test_a_co_sees_only_their_circle_and_forwards_from_the_page(console: Console) -> None:
    title = "तिजारा पुलिस ने चोरी की सात मोटरसाइकिलें बरामद कीं"
    text = (
        "तिजारा थाना पुलिस ने नाकाबंदी के दौरान चोरी की सात मोटरसाइकिलें बरामद कीं। "
        "थानाधिकारी ने बताया कि वाहन मालिकों को सूचना दे दी गई है।"
    )
    ours = await console.with_photo(CONSTABLE, story(title, text))
    theirs = await console.new_story(
        KBAS_CONSTABLE,
        story("किशनगढ़ बास में गुमशुदा बालक परिजनों को सौंपा", "पुलिस ने बालक को खोज निकाला।"),
    )
    _, co = await console.as_member(CO)
    await expect(co.locator("#who-name")).to_contain_text("महेंद्र सिंह शेखावत")
    # Their role and unit by name in the page's language (the dev sign-in list's names).
    await expect(co.locator("#who-roles")).to_have_text("वृत्ताधिकारी (पुलिस उपाधीक्षक) · तिजारा वृत्त")
    await expect(co.locator("#level")).to_have_value("circle")
    await expect(co.locator(row(ours))).to_be_visible()
    await expect(co.locator(row(theirs))).to_have_count(0)  # another circle's story
    await expect(co.locator("#queue th").first).to_have_text("आयु")
    await expect(co.locator(f"{row(ours)} td[data-col=kind]")).to_have_text("बरामदगी")
    await expect(co.locator(f"{row(ours)} td[data-col=title]")).to_have_text(title)
    await expect(co.locator(f"{row(ours)} td[data-col=age]")).to_have_text(
        re.compile(r"^\d+ मिनट$")
    )
    await expect(co.locator(f"{row(ours)} td[data-col=claim]")).to_have_text("खाली")
    await expect(co.locator(f"{row(ours)} td[data-col=unit]")).to_have_text("थाना तिजारा")
    await shot(co, "01-co-queue-hi")

    # The other circle's CO sees theirs and not ours.
    _, kbas = await console.as_member(KBAS_CO)
    await expect(kbas.locator(row(theirs))).to_be_visible()
    await expect(kbas.locator(row(ours))).to_have_count(0)

    await co.click(f"{row(ours)} a.story-link")
    await co.wait_for_url(re.compile(rf"/console/stories/{ours}\?lang=hi$"))
    await expect(co.locator("#title-hi")).to_have_text(title)
    await expect(co.locator("#text-hi")).to_have_text(text)
    await expect(co.locator("#author")).to_have_text("सुनीता मीणा")
    await expect(co.locator("#unit")).to_have_text("थाना तिजारा")
    await expect(co.locator("#history tr[data-action=submitted]")).to_contain_text("सुनीता मीणा")
    # The photo, upright (the phone's EXIF orientation applied), through its signed URL.
    await expect(co.locator("#no-photos")).to_be_hidden()
    thumb = co.locator("#photos img")
    await expect(thumb).to_have_count(1)
    await expect(thumb).to_have_js_property("complete", True)
    width, height = await thumb.evaluate("(img) => [img.naturalWidth, img.naturalHeight]")
    assert 0 < width < height, (width, height)
    await expect(co.locator("#approve-button")).to_be_hidden()
    await shot(co, "02-co-story-hi")
    await co.click("#forward-button")
    await expect(co.locator("#done")).to_have_text("निर्णय दर्ज हुआ")
    await expect(co.locator("#state")).to_have_text("समीक्षा में · ज़िला (पुलिस अधीक्षक)")
    await expect(co.locator("#history tr[data-action=forward]")).to_contain_text("आप")

    # The SP's queue has it now; the CO's has not.
    _, sp = await console.as_member(SP)
    await expect(sp.locator("#level")).to_have_value("district")
    await expect(sp.locator(row(ours))).to_be_visible()
    await co.goto(f"{console.url}/console?lang=hi")
    await expect(co.locator("#empty")).to_be_visible()


async def test_a_claim_shows_to_a_second_reviewer_who_is_refused_in_hindi(console: Console) -> None:
    story_id = await console.new_story(
        CONSTABLE,
        story("तिजारा में रक्तदान शिविर", "थाना पुलिस ने रक्तदान शिविर लगाया, 60 यूनिट रक्त एकत्र हुआ।"),
    )
    await console.decide(CO, story_id, "forward")
    await console.decide(SP, story_id, "forward")

    _, writer = await console.as_member(WRITER)
    await expect(writer.locator("#level")).to_have_value("phq")
    await writer.click(f"{row(story_id)} a.story-link")
    await writer.click("#claim-button")
    await expect(writer.locator("#done")).to_have_text("आपने यह स्टोरी ले ली है")
    await expect(writer.locator("#claim")).to_contain_text("आप")
    await expect(writer.locator("#claim-button")).to_be_hidden()

    _, other = await console.as_member(WRITER_2)
    claim = other.locator(f"{row(story_id)} td[data-col=claim]")
    await expect(claim).to_contain_text("प्रीति जोशी (कंटेंट राइटर)")
    await shot(other, "03-claimed-by-another")
    await other.click(f"{row(story_id)} a.story-link")
    await expect(other.locator("#claim")).to_contain_text("प्रीति जोशी")
    await other.fill("#note", "शीर्षक छोटा करें।")
    await other.click("#send-back-button")
    problem = other.locator("#problem")
    await expect(problem).to_contain_text("इस पर कोई और काम कर रहा है")
    await expect(problem).to_have_attribute("data-code", "story.claimed_by_other")
    await expect(other.locator("#state")).to_have_text(re.compile("^समीक्षा में"))


async def test_send_back_and_reject_with_a_reason(console: Console) -> None:
    back = await console.new_story(
        CONSTABLE,
        story("तिजारा में साइबर जागरूकता कार्यशाला", "विद्यालय में साइबर ठगी से बचाव की जानकारी दी गई।"),
    )
    _, co = await console.as_member(CO)
    await co.goto(f"{console.url}/console/stories/{back}?lang=hi")
    await co.fill("#note", "कार्यशाला में शामिल विद्यार्थियों की संख्या लिखें।")
    await co.click("#send-back-button")
    await expect(co.locator("#done")).to_have_text("निर्णय दर्ज हुआ")
    await expect(co.locator("#state")).to_have_text(re.compile("^लेखक को लौटाई गई"))
    await expect(co.locator("#history tr[data-action=send_back]")).to_contain_text(
        "कार्यशाला में शामिल विद्यार्थियों की संख्या लिखें।"
    )
    await expect(co.locator("#decide")).to_be_hidden()

    rejected = await console.new_story(
        CONSTABLE, story("तिजारा में पुराना समाचार", "यह घटना पिछले वर्ष की है।")
    )
    await console.decide(CO, rejected, "forward")
    _, sp = await console.as_member(SP)
    await sp.goto(f"{console.url}/console/stories/{rejected}?lang=hi")
    await sp.click("#reject-button")  # without a reason: refused, in Hindi
    await expect(sp.locator("#problem")).to_contain_text("कारण लिखें")
    await sp.fill("#note", "यह घटना एक वर्ष पुरानी है, नई स्टोरी भेजें।")
    await sp.click("#reject-button")
    await expect(sp.locator("#problem")).to_be_hidden()
    await expect(sp.locator("#state")).to_have_text(re.compile("^अस्वीकृत"))
