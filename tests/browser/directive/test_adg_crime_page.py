"""Issue 16, item 4 in the directive console (headless Chromium): ADG Crime is offered "new
directive"; another ADG is not, and if they open the form anyway and issue, the page shows the
service's problem saying who may issue state-wide — in Hindi, and in English."""

from __future__ import annotations

import re

from nazar_contracts.vocabulary import CRIME_BRANCH
from playwright.async_api import Page, expect

from tests.browser.directive.test_console import (  # the module's service and browser
    Console,
    console,  # noqa: F401
    shot,
)
from tests.browser.directive.test_console import (  # autouse: no raw code on any page left open
    no_raw_codes as no_raw_codes,  # noqa: PLC0414
)

WAIT = 30_000


async def try_to_issue(page: Page, url: str, lang: str) -> None:
    await page.goto(f"{url}/console/new?lang={lang}")
    await page.fill("input[name=title_hi]", "रात्रि गश्त बढ़ाएँ")
    await page.fill("textarea[name=body_hi]", "सभी थाना प्रभारी रात्रि गश्त की सूचना दें।")
    await page.locator('button.toggle[data-unit="RNG-BIKANER"]').click()
    await page.check('input[data-unit="DST-BIKANER"]')
    await page.click("#issue-button")


async def test_only_adg_crime_is_offered_and_another_adg_is_told_who_may(
    console: Console,  # noqa: F811
) -> None:
    r = console.api.roster
    crime_context, crime = await console.as_member(r.one("adg", CRIME_BRANCH))
    await expect(crime.locator("#new-directive")).to_be_visible()
    await crime_context.close()

    context, other = await console.as_member(r.one("adg", "PHQ"))
    await expect(other.locator("#who-roles")).to_contain_text("अतिरिक्त महानिदेशक")
    await expect(other.locator("#new-directive")).to_be_hidden()
    await try_to_issue(other, console.url, "hi")
    problem = other.locator("#problem")
    await expect(problem).to_be_visible(timeout=WAIT)
    await expect(problem).to_have_attribute("data-code", "directive.issuers_only")
    await expect(problem).to_contain_text("एडीजी अपराध")
    await expect(problem).to_contain_text("गृह सचिव")
    await shot(other, "adg-not-crime-refused-hi")
    await try_to_issue(other, console.url, "en")
    await expect(problem).to_be_visible(timeout=WAIT)
    await expect(problem).to_contain_text("ADG Crime")
    text = await problem.inner_text()
    assert "Home Secretary" in text and not re.search("[\u0900-\u097f]", text), text
    assert "/console/new" in other.url  # nothing was issued: the page stayed on the form
    await context.close()
