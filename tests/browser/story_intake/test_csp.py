"""Every page of story-intake under its Content-Security-Policy, in headless Chromium: the
moderation console's sign-in, queue and story pages (with a decision made and refused), and the
API docs. No violation is reported, no script fails, the pages still work, and every response of
the service carries the security headers. Each page is usable in Hindi and English
(`tests/browser/a11y.py`: axe-core, 360 px, no raw codes)."""

from __future__ import annotations

import re

from nazar_platform.http.api_docs import DOCS_POLICY
from playwright.async_api import expect

from tests.browser.a11y import assert_usable, assert_usable_in_both_languages
from tests.browser.csp import fake_swagger_cdn, the_policy_blocks_inline_script
from tests.browser.story_intake.test_console import (  # the module's service and browser
    CO,
    CONSTABLE,
    Console,
    console,  # noqa: F401
    story,
)
from tests.browser.story_intake.test_console import (  # autouse: no raw code on any page left open
    no_raw_codes as no_raw_codes,  # noqa: PLC0414
)

# Story text that tries to be markup: it must show as text and run nothing.
TITLE = "तिजारा में नाकाबंदी </script><style>body{display:none}</style><img src=x onerror=alert(1)>"


async def test_every_page_under_the_policy(console: Console) -> None:  # noqa: F811
    story_id = await console.with_photo(
        CONSTABLE, story(TITLE, "नाकाबंदी में चोरी की दो मोटरसाइकिलें बरामद हुईं।")
    )
    context, co = await console.as_member(CO, lang="en")
    watch = console.watched[context]
    await expect(co.locator(f'#queue tr[data-story="{story_id}"]')).to_be_visible()
    await assert_usable(co)
    await the_policy_blocks_inline_script(co, watch)

    await co.click(f'#queue tr[data-story="{story_id}"] a.story-link')
    await co.wait_for_url(re.compile(rf"/console/stories/{story_id}\?lang=en$"))
    await expect(co.locator("#title-hi")).to_have_text(TITLE)
    await expect(co.locator("#photos img")).to_have_js_property("complete", True)
    await co.click("#reject-button")  # no reason: a problem document, shown
    await expect(co.locator("#problem")).to_contain_text("Give a reason")
    await co.click("#claim-button")
    await expect(co.locator("#claim")).to_contain_text("you")
    await assert_usable(co)
    await the_policy_blocks_inline_script(co, watch)

    await co.goto(f"{console.url}/console/sign-in?lang=hi")
    await expect(co.locator("#members li").first).to_be_visible()
    await assert_usable_in_both_languages(co)

    await context.route("https://cdn.jsdelivr.net/**", fake_swagger_cdn)
    await co.goto(f"{console.url}/docs")
    await expect(co.locator("#swagger-ui")).to_have_text("spec: /openapi.json")

    await watch.settle()
    await context.close()
    assert console.errors == []  # script errors and policy violations
    assert watch.unsecured == []
    assert watch.own_policies == {"/docs": DOCS_POLICY}
    kinds = {path.split("?")[0]: kind.split(";")[0] for path, kind in watch.responses.items()}
    for path in ["/console/sign-in", "/console", f"/console/stories/{story_id}", "/docs"]:
        assert kinds.get(path) == "text/html", path
    assert kinds.get("/console/common/console.css") == "text/css"
    assert kinds.get("/console/static/moderation.css") == "text/css"
    assert "application/json" in kinds.values() and "application/problem+json" in kinds.values()
    assert any(kind.endswith("/javascript") for kind in kinds.values())
    assert "image/jpeg" in kinds.values()  # the photo's thumbnail, by its signed URL
