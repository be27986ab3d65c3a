"""Watching a browser context for what the security headers are about: every Content-Security-Policy
violation in any of its pages (the `securitypolicyviolation` event, and Chromium's console message
about it), and every response of the service under test that lacks the headers
(`nazar_platform.http.security_headers`). Also: a self-check that the watch sees a violation and the
policy blocks inline script, and a stand-in for Swagger UI's CDN (unreachable here) for `/docs`."""

from __future__ import annotations

import asyncio
import json
from dataclasses import dataclass, field

from nazar_platform.http.security_headers import PAGE_POLICY
from playwright.async_api import BrowserContext, ConsoleMessage, Page, Response, Route

# Playwright's init scripts run outside the page's policy, so this listener is always there.
_REPORTER = "__nazarCspViolation"
_LISTEN = f"""
document.addEventListener("securitypolicyviolation", (e) => {{
  window.{_REPORTER}(JSON.stringify({{
    page: location.pathname, directive: e.effectiveDirective, blocked: e.blockedURI,
    source: e.sourceFile, line: e.lineNumber, sample: e.sample,
  }}));
}});
"""
EVERY_RESPONSE = {
    "x-content-type-options": "nosniff",
    "referrer-policy": "no-referrer",
    "x-frame-options": "DENY",
}


@dataclass
class PageWatch:
    """`await PageWatch(origin).attach(context)`; after the pages ran, `await watch.settle()`
    and look at `violations` and `unsecured` (both empty when all is well) and `responses`."""

    origin: str
    violations: list[str] = field(default_factory=list)
    unsecured: list[str] = field(default_factory=list)
    # Content type of each response of the service that was checked, by path.
    responses: dict[str, str] = field(default_factory=dict)
    # Pages whose own policy is not PAGE_POLICY (only /docs has one).
    own_policies: dict[str, str] = field(default_factory=dict)
    _pending: set[asyncio.Task[None]] = field(default_factory=set)

    async def attach(self, context: BrowserContext) -> None:
        await context.expose_function(_REPORTER, self._violated)
        await context.add_init_script(_LISTEN)
        context.on("console", self._console)
        context.on("response", self._response)

    def _violated(self, report: str) -> None:
        self.violations.append(f"CSP violation: {json.loads(report)}")

    def _console(self, message: ConsoleMessage) -> None:
        if "content security policy" in message.text.lower():
            self.violations.append(f"console: {message.text}")

    def _response(self, response: Response) -> None:
        if response.url.startswith(self.origin):
            task = asyncio.ensure_future(self._check(response))
            self._pending.add(task)
            task.add_done_callback(self._pending.discard)

    async def _check(self, response: Response) -> None:
        headers = await response.all_headers()
        path = response.url.removeprefix(self.origin)
        content_type = headers.get("content-type", "")
        # A 304 (the browser revalidating a file it holds, as it does sooner the newer the file
        # is) has no content type: the type the 200 answered stays.
        if response.status != 304:
            self.responses[path] = content_type
        for name, value in EVERY_RESPONSE.items():
            if headers.get(name) != value:
                self.unsecured.append(f"{path}: {name} is {headers.get(name)!r}")
        if content_type.startswith("text/html"):
            policy = headers.get("content-security-policy")
            if policy is None:
                self.unsecured.append(f"{path}: a page without a Content-Security-Policy")
            elif policy != PAGE_POLICY:
                self.own_policies[path.split("?")[0]] = policy

    async def settle(self) -> None:
        """Waits for the header checks of the responses seen so far, and for late reports."""
        await asyncio.sleep(0.3)
        while self._pending:
            await asyncio.gather(*list(self._pending))


# Swagger UI's CDN is not reachable here: a stand-in that shows what the page's script asked for.
FAKE_SWAGGER = """
window.SwaggerUIBundle = function (options) {
  document.querySelector(options.dom_id).textContent = "spec: " + options.url;
};
SwaggerUIBundle.presets = { apis: {} };
SwaggerUIBundle.SwaggerUIStandalonePreset = {};
"""


async def fake_swagger_cdn(route: Route) -> None:
    if route.request.url.endswith(".js"):
        await route.fulfill(body=FAKE_SWAGGER, content_type="text/javascript")
    else:
        await route.fulfill(body="#swagger-ui { margin: 1rem; }", content_type="text/css")


async def the_policy_blocks_inline_script(page: Page, watch: PageWatch) -> None:
    """The watch sees a violation when there is one, and the page's policy makes one of this."""
    before = len(watch.violations)
    await page.evaluate(
        """() => { const s = document.createElement("script");
                   s.textContent = "window.inlineRan = true"; document.body.append(s); }"""
    )
    for _ in range(50):
        if len(watch.violations) > before:
            break
        await page.wait_for_timeout(100)
    assert await page.evaluate("() => window.inlineRan") is None
    seen = watch.violations[before:]
    assert seen and any("script-src" in v for v in seen), seen
    del watch.violations[before:]
