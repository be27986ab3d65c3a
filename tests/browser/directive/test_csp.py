"""Every page of the directive service under its Content-Security-Policy, in headless Chromium:
the console (sign-in, list, new, a directive with live reach, the CSV export), the inbox page a
signed link opens (both languages, the acknowledge button, a bad link's problem page) and the API
docs. No violation is reported, no script fails, the pages still work, and every response of the
service carries the security headers. Each page is usable in Hindi and English
(`tests/browser/a11y.py`: axe-core, 360 px, no raw codes)."""

from __future__ import annotations

import re
from pathlib import Path

from nazar_platform.http.api_docs import DOCS_POLICY
from playwright.async_api import expect

from tests.browser.a11y import assert_usable, assert_usable_in_both_languages
from tests.browser.csp import fake_swagger_cdn, the_policy_blocks_inline_script
from tests.browser.directive.test_console import (  # the module's service and browser
    Console,
    console,  # noqa: F401
)
from tests.browser.directive.test_console import (  # autouse: no raw code on any page left open
    no_raw_codes as no_raw_codes,  # noqa: PLC0414
)
from tests.integration.directive.test_api import PDF, signed_link

TITLE = "थाना क्षेत्र में रात्रि गश्त बढ़ाएँ </script><style>body{display:none}</style>"
WAIT = 30_000


async def test_every_page_under_the_policy(
    console: Console,  # noqa: F811
    tmp_path: Path,
) -> None:
    api, r = console.api, console.api.roster
    console.errors.clear()
    context, adg = await console.as_member(r.one("adg", "BR-CRIME"), lang="en")
    watch = console.watched[context]
    await expect(adg.locator("#new-directive")).to_be_visible()
    await the_policy_blocks_inline_script(adg, watch)

    # New: the audience tree, the form; issue a directive to the Bikaner district.
    await adg.click("#new-directive")
    await adg.wait_for_url(re.compile(r"/console/new\?lang=en$"))
    await expect(adg.locator('button.toggle[data-unit="RNG-BIKANER"]')).to_be_visible()
    await assert_usable(adg)
    await adg.fill("input[name=title_hi]", TITLE)
    await adg.fill("textarea[name=body_hi]", "सभी थाना प्रभारी रात्रि गश्त की सूचना दें।")
    await adg.locator('button.toggle[data-unit="RNG-BIKANER"]').click()
    await adg.check('input[data-unit="DST-BIKANER"]')
    (tmp_path / "circular.pdf").write_bytes(PDF)
    await adg.set_input_files("input[name=attachments]", str(tmp_path / "circular.pdf"))
    await adg.click("#issue-button")
    await adg.wait_for_url(re.compile(r"/console/directives/[0-9a-f-]{36}\?lang=en$"))
    directive_id = adg.url.split("/console/directives/")[1].split("?")[0]

    # The directive: its text as text, reach streamed live, the CSV export downloaded.
    await expect(adg.locator("#title")).to_have_text(TITLE)
    reach = '#reach tr[data-unit="DST-BIKANER"] td[data-col="targeted"]'
    await expect(adg.locator(reach)).to_have_text(re.compile(r"^[1-9]"), timeout=WAIT)
    async with adg.expect_download() as downloading:
        await adg.click("#export-station")
    assert (await downloading.value).suggested_filename.endswith(".csv")
    await assert_usable(adg)
    await adg.goto(f"{console.url}/console?lang=hi")
    await expect(adg.locator(f'#directives tr[data-directive="{directive_id}"]')).to_be_visible()
    await assert_usable(adg)

    # The inbox page a member's signed link opens: no sign-in, both languages, the button.
    link = await signed_link(api, directive_id, r.one("sp", "DST-BIKANER"))
    inbox = console.url + link.split("/directive", 1)[1]
    member = await context.new_page()
    member.on("pageerror", lambda e: console.errors.append(f"inbox: {e}"))
    await member.goto(f"{inbox}?lang=hi")
    await expect(member.locator("h1")).to_have_text(TITLE)
    await assert_usable(member)
    await member.click("header .langs a")  # the other language
    await expect(member.locator("html")).to_have_attribute("lang", "en")
    await member.click("button[type=submit]")
    await expect(member.locator(".done")).to_be_visible()
    await assert_usable(member)
    # The attachment, as the link on the page gets it (its headers are checked with the rest).
    attachment = await member.locator("article a").get_attribute("href")
    assert attachment and "/attachments/" in attachment
    fetched = await member.evaluate("async (url) => (await fetch(url)).status", attachment)
    assert fetched == 200
    await the_policy_blocks_inline_script(member, watch)
    await member.goto(inbox[:-3] + "AAA")  # a link that was tampered with: its problem page
    await expect(member.locator("h1")).to_have_text(re.compile("[\u0900-\u097f]"))
    await assert_usable_in_both_languages(member)
    await member.goto(f"{console.url}/console/sign-in?lang=hi")
    await expect(member.locator("#members li").first).to_be_visible()
    await assert_usable_in_both_languages(member)

    # The API docs: Swagger UI from its CDN, started by a script of the service's.
    await context.route("https://cdn.jsdelivr.net/**", fake_swagger_cdn)
    await member.goto(f"{console.url}/docs")
    await expect(member.locator("#swagger-ui")).to_have_text("spec: /openapi.json")

    await watch.settle()
    await context.close()
    assert console.errors == []  # script errors and policy violations
    assert watch.unsecured == []
    assert watch.own_policies == {"/docs": DOCS_POLICY}
    kinds = {path.split("?")[0]: kind.split(";")[0] for path, kind in watch.responses.items()}
    for path in [
        "/console/sign-in",
        "/console",
        "/console/new",
        f"/console/directives/{directive_id}",
        link.split("/directive", 1)[1],
        "/docs",
    ]:
        assert kinds.get(path) == "text/html", path
    # Static files, API answers, the live stream and the export were all checked above too.
    assert {"text/css", "application/json", "text/event-stream", "text/csv"} <= set(kinds.values())
    assert kinds[attachment] == "application/pdf"
    assert any(kind.endswith("/javascript") for kind in kinds.values())
