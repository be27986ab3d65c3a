"""Is a page usable by everyone (issue 20)? Three checks on a Playwright page as it stands:

* `assert_accessible(page)`: axe-core (the copy `axe-playwright-python` ships, no network) finds
  no serious or critical violation; the failure lists each rule, its impact, where and why.
* `assert_fits(page, width=360)`: at a phone's 360 px the page does not scroll sideways. A wide
  table scrolls inside its own `.scroll` wrapper (console.css), never the page.
* `assert_no_raw_codes(page)`: where a name exists, no role, unit-kind or unit code and no
  member id is what a person reads (`tests/raw_codes.py`).

`assert_usable(page)` runs all three; `assert_usable_in_both_languages(page)` runs them, then opens
the same address in the other language (`?lang=`, in the same tab, so the session stays) and runs
them again. A page's test calls it where the page has shown what it shows (the consoles' suites do
it for every page a test leaves open).
"""

from __future__ import annotations

from contextlib import suppress
from importlib.resources import files
from typing import Any
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from playwright.async_api import Page
from playwright.async_api import TimeoutError as PlaywrightTimeout

from tests.raw_codes import codes_on

AXE_SCRIPT = (files("axe_playwright_python") / "axe.min.js").read_text(encoding="utf-8")
BLOCKING = ("serious", "critical")
# What a page's scripts may take to settle after a navigation (lists, counts, names).
SETTLE_MS = 5_000


async def accessibility_violations(page: Page) -> list[str]:
    """Each serious or critical axe violation on the page: rule, impact, targets and help text."""
    if not await page.evaluate("() => typeof window.axe === 'object'"):
        await page.evaluate(AXE_SCRIPT)
    results: dict[str, Any] = await page.evaluate(
        "() => axe.run(document, {resultTypes: ['violations']})"
    )
    found = []
    for violation in results["violations"]:
        if violation["impact"] not in BLOCKING:
            continue
        targets = [" ".join(map(str, node["target"])) for node in violation["nodes"]][:8]
        summary = violation["nodes"][0].get("failureSummary", "").replace("\n", " ")
        rule = f"{violation['id']} ({violation['impact']})"
        found.append(f"{rule}: {violation['help']}; at {targets}; {summary}")
    return found


async def assert_accessible(page: Page) -> None:
    found = await accessibility_violations(page)
    assert found == [], f"{page.url}:\n" + "\n".join(found)


# What sticks out: elements past the right edge outside a `.scroll` wrapper, else any (an
# absolutely placed one inside a wrapper is not clipped by it unless the wrapper holds it).
_TOO_WIDE = """(width) => {
  const out = [], inside = [];
  for (const node of document.body.querySelectorAll("*")) {
    const box = node.getBoundingClientRect();
    if (box.width && box.right > width + 1) {
      const list = node.closest(".scroll") ? inside : out;
      const name = node.tagName.toLowerCase() + (node.id ? "#" + node.id : "");
      const cls = typeof node.className === "string" && node.className.trim();
      const dotted = cls ? "." + cls.replace(/\\s+/g, ".") : "";
      list.push(`${name}${dotted} right=${Math.round(box.right)}`);
    }
  }
  return (out.length ? out : inside).slice(0, 10);
}"""


async def assert_fits(page: Page, width: int = 360) -> None:
    """At `width` CSS pixels the document is no wider than the viewport (it does not scroll
    sideways); the viewport is put back afterwards."""
    before = page.viewport_size
    await page.set_viewport_size({"width": width, "height": before["height"] if before else 780})
    try:
        await page.evaluate("() => new Promise((r) => requestAnimationFrame(() => r(null)))")
        scroll_width = await page.evaluate("() => document.documentElement.scrollWidth")
        inner_width = await page.evaluate("() => window.innerWidth")
        wide = [] if scroll_width <= inner_width + 1 else await page.evaluate(_TOO_WIDE, width)
        assert scroll_width <= inner_width + 1, (
            f"{page.url} is {scroll_width} px wide at {inner_width}: {wide}"
        )
    finally:
        if before:
            await page.set_viewport_size(before)


async def assert_no_raw_codes(page: Page) -> None:
    assert await codes_on(page) == [], page.url


async def assert_usable(page: Page) -> None:
    """Accessible, fits a phone, names rather than codes: the page as it stands."""
    await assert_accessible(page)
    await assert_fits(page)
    await assert_no_raw_codes(page)


def in_language(url: str, lang: str) -> str:
    """`url` with its `lang` query parameter set to `lang` (everything else kept)."""
    parts = urlsplit(url)
    query = [(k, v) for k, v in parse_qsl(parts.query, keep_blank_values=True) if k != "lang"]
    return urlunsplit(parts._replace(query=urlencode([*query, ("lang", lang)])))


async def assert_usable_in_both_languages(page: Page) -> None:
    """`assert_usable` on the page as it stands, then on the same address in the other language
    (reloaded in the same tab: its session stays; what the page showed after clicks does not).
    The page is left in the other language."""
    await assert_usable(page)
    if not page.url.startswith("http"):
        return
    lang = await page.evaluate("() => document.documentElement.lang")
    await page.goto(in_language(page.url, "en" if lang == "hi" else "hi"))
    # A page with a live event stream is never idle; it has loaded by then.
    with suppress(PlaywrightTimeout):
        await page.wait_for_load_state("networkidle", timeout=SETTLE_MS)
    await assert_usable(page)
