"""Every page of the roster service under its Content-Security-Policy, in headless Chromium: the
sign-in page, the roster page (tree, search, both languages), a unit's and a group's page, the
imports pages (an upload, its report and the rejected rows' download), the erasure requests'
page and the API docs. No violation is reported, no script fails, the pages still work, every
response of the service carries the security headers, and every page, in Hindi and English, is
usable (`tests/browser/a11y.py`: axe-core, 360 px, no raw codes)."""

from __future__ import annotations

from pathlib import Path

from nazar_platform.http.api_docs import DOCS_POLICY
from playwright.async_api import Browser, expect

from tests.browser.a11y import assert_usable
from tests.browser.csp import PageWatch, fake_swagger_cdn, the_policy_blocks_inline_script
from tests.browser.roster.test_pages import (  # the module's roster and browser
    _sign_in_as_sp,
    browser,  # noqa: F401
    demo,  # noqa: F401
)
from tests.integration.roster.support import Running

VOLUNTEERS = (
    "volunteer_id,name_hi,name_latin,role,police_station,whatsapp,consent,consent_date\n"
    "V-CSP-1,सरिता सैनी,Sarita </script><style>body{display:none}</style>,police_mitra,"
    "PS-ROHITAL-KOTWALI,+917000998001,granted,2025-04-02\n"
    "V-CSP-2,गीता </script>,Geeta,police_mitra,PS-ROHITAL-KOTWALI,=cmd|' /C calc'!A0,,\n"
)


async def test_every_page_under_the_policy(
    demo: Running,  # noqa: F811
    browser: Browser,  # noqa: F811
    tmp_path: Path,
) -> None:
    context = await browser.new_context(locale="hi-IN")
    watch = PageWatch(demo.url)
    await watch.attach(context)
    page = await context.new_page()
    page.on("pageerror", lambda e: watch.violations.append(f"script error: {e}"))

    # Sign-in, then the roster page: the tree, a search; the imports: an upload and its report.
    await page.goto(f"{demo.url}/sign-in?lang=hi")
    await expect(page.locator("#phone")).to_be_visible()
    await assert_usable(page)
    await the_policy_blocks_inline_script(page, watch)
    await page.goto(f"{demo.url}/dev/sign-in?lang=hi")
    await assert_usable(page)
    await the_policy_blocks_inline_script(page, watch)
    await _sign_in_as_sp(demo, page, "hi")
    await page.locator('li[data-unit="DST-BIKANER"] > button.unit').click()
    await expect(page.locator('li[data-unit="DST-BIKANER"] > ul > li')).to_have_count(3)
    await page.fill("#search-q", "शर्मा")
    await page.click("#search-button")
    await expect(page.locator("#search-results tbody tr[data-member]").first).to_be_visible()
    await assert_usable(page)
    await page.click("#nav-imports")
    await page.wait_for_url(f"{demo.url}/roster/imports?lang=hi")
    upload = tmp_path / "volunteers.csv"
    upload.write_text(VOLUNTEERS, encoding="utf-8")
    await page.select_option("#import-kind", "volunteers")
    await page.set_input_files("#import-file", str(upload))
    await page.click("#import-button")
    await expect(page.locator("#report-status")).to_have_text("पूर्ण")
    await expect(page.locator("#count-rejected")).to_have_text("1")  # its number is a formula
    await assert_usable(page)
    async with page.expect_download() as saved:
        await page.click("#download-rejected")
    assert (await saved.value).suggested_filename.endswith("-rejected.csv")
    await page.click("#lang-en")
    await expect(page.locator("#report-status")).to_have_text("done")
    await assert_usable(page)
    await the_policy_blocks_inline_script(page, watch)
    await page.click("#back")
    await expect(page.locator("#imports tbody tr[data-import]").first).to_be_visible()
    await assert_usable(page)
    await page.goto(f"{demo.url}/roster?lang=en")
    await page.fill("#search-q", "Sarita")
    await page.click("#search-button")
    found = page.locator("#search-results tbody tr[data-member] td:nth-child(1)")
    await expect(found.first).to_contain_text("</script><style>")  # text, shown as text
    await assert_usable(page)
    # The tree's pages: a unit's counts and members, a group's members and history.
    await page.goto(f"{demo.url}/roster/units/DST-BIKANER?lang=en")
    await expect(page.locator("#unit-members tbody tr[data-member]").first).to_be_visible()
    await assert_usable(page)
    await page.locator("#unit-groups li a").first.click()
    await expect(page.locator("#group-members tbody tr[data-member]").first).to_be_visible()
    await expect(page.locator("#changes-section")).to_be_visible()
    await assert_usable(page)
    # The erasure requests: the list and the form, the member's name filled in from `?member=`.
    member = await page.locator("#group-members tbody tr[data-member]").first.get_attribute(
        "data-member"
    )
    await page.goto(f"{demo.url}/roster/erasures?lang=en&member={member}")
    await expect(page.locator("#erasure-member-name")).not_to_be_empty()
    await expect(page.locator("#erasures tbody tr").first).to_be_visible()
    await assert_usable(page)

    # The API docs: Swagger UI from its CDN, started by a script of the service's.
    await context.route("https://cdn.jsdelivr.net/**", fake_swagger_cdn)
    await page.goto(f"{demo.url}/docs")
    await expect(page.locator("#swagger-ui")).to_have_text("spec: /openapi.json")

    await watch.settle()
    await context.close()
    assert watch.violations == []  # script errors and policy violations
    assert watch.unsecured == []
    assert watch.own_policies == {"/docs": DOCS_POLICY}
    kinds = {path.split("?")[0]: kind.split(";")[0] for path, kind in watch.responses.items()}
    for path in (
        "/sign-in", "/dev/sign-in", "/roster", "/roster/units/DST-BIKANER", "/roster/imports",
        "/roster/erasures", "/docs",
    ):  # fmt: skip
        assert kinds.get(path) == "text/html", path
    assert {"text/css", "application/json"} <= set(kinds.values())
    assert any(kind.endswith("/javascript") for kind in kinds.values())
