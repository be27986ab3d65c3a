"""Issue 16, item 5, in headless Chromium on the running system (`system`, as `deploy/stack up`
runs it): the consoles through the one origin (the stack's nginx), each under its service's
prefix. Signed in with the dev sign-in, every page loads its data, and every request the pages
make stays under that prefix; one origin means one session storage, so a member signed in at
the directive console is signed in at the moderation console too."""

from __future__ import annotations

from collections.abc import AsyncIterator
from urllib.parse import urlsplit

import pytest
from playwright.async_api import Browser, Page, Request, async_playwright, expect

from tests.e2e.clients import World
from tests.e2e.system import System

CHROMIUM_ARGS = [
    "--no-sandbox", "--disable-gpu", "--disable-background-networking",
    "--disable-component-update", "--no-first-run", "--disable-sync",
]  # fmt: skip
WAIT = 30_000  # ms


@pytest.fixture(scope="module")
async def browser() -> AsyncIterator[Browser]:
    async with async_playwright() as p:
        chromium = await p.chromium.launch(executable_path="/usr/bin/chromium", args=CHROMIUM_ARGS)
        try:
            yield chromium
        finally:
            await chromium.close()


class Watch:
    """Every request and script error of a page."""

    def __init__(self, page: Page) -> None:
        self.paths: list[str] = []
        self.errors: list[str] = []
        page.on("request", self._request)
        page.on("pageerror", lambda e: self.errors.append(str(e)))

    def _request(self, request: Request) -> None:
        self.paths.append(urlsplit(request.url).path)


async def _sign_in(page: Page, origin: str, prefix: str, member_id: str, unit: str) -> None:
    await page.goto(f"{origin}{prefix}/console/sign-in?lang=en")
    await page.select_option("#role", "sp")
    await page.fill("#unit", unit)
    await page.click("#filter button[type=submit]")
    button = page.locator(f'button.sign-in-as[data-member="{member_id}"]')
    await expect(button).to_be_visible(timeout=WAIT)
    await button.click()
    await page.wait_for_url(f"{origin}{prefix}/console?lang=en", timeout=WAIT)


async def test_the_consoles_work_under_their_prefixes(system: System, browser: Browser) -> None:
    origin = f"http://localhost:{system.ports.base + 80}"
    w = World(system)
    district = "DST-KHAIRTHAL-TIJARA"
    sp = await w.officer("sp", district)
    context = await browser.new_context(locale="en-IN")
    page = await context.new_page()
    watch = Watch(page)

    # `/` opens the directive console, which sends to the roster's sign-in page, coming back.
    await page.goto(f"{origin}/")
    await page.wait_for_url(f"{origin}/roster/sign-in?*next=*", timeout=WAIT)
    watch.paths.clear()  # the roster's sign-in and its refresh attempt are the roster's paths
    await _sign_in(page, origin, "/directive", sp, district)
    await expect(page.locator("#who")).to_be_visible(timeout=WAIT)
    await expect(page.locator("#problem")).to_be_hidden()
    await expect(page.locator("a.brand")).to_have_attribute("href", "/directive/console?lang=en")
    directive_paths = [p for p in watch.paths if p != "/"]
    assert all(p.startswith("/directive/") for p in directive_paths), directive_paths
    assert any(p.startswith("/directive/api/v1/") for p in directive_paths), directive_paths

    # The moderation console shares the origin's session: no second sign-in.
    watch.paths.clear()
    await page.goto(f"{origin}/stories/console?lang=en")
    await expect(page.locator("#who")).to_be_visible(timeout=WAIT)
    await expect(page.locator("#problem")).to_be_hidden()
    await expect(page.locator("a.brand")).to_have_attribute("href", "/stories/console?lang=en")
    assert all(p.startswith("/stories/") for p in watch.paths), watch.paths
    assert any(p.startswith("/stories/api/v1/") for p in watch.paths), watch.paths

    # The roster's pages: their own sign-in, under /roster.
    watch.paths.clear()
    await page.goto(f"{origin}/roster/dev/sign-in?lang=en")
    await page.fill("#member-id", sp)
    await page.click("#sign-in-id")
    await page.wait_for_url(f"{origin}/roster/roster?lang=en", timeout=WAIT)
    # The tree starts at the SP's own district; opening it asks the roster's API, under /roster.
    await page.locator(f'li[data-unit="{district}"] > button.unit').click()
    await expect(page.locator(f'li[data-unit="{district}"] > ul > li').first).to_be_visible(
        timeout=WAIT
    )
    assert all(p.startswith("/roster/") for p in watch.paths), watch.paths
    assert watch.errors == []
    await context.close()
