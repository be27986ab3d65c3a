"""The consoles' frame sends a member without a session to the real sign-in page and refreshes
sessions through the roster's auth API: both URLs are settings, defaulting to the roster under
the one origin; the dev sign-in is offered beside it in local and test only."""

from __future__ import annotations

import json
import re

import pytest
from nazar_platform.http import forwarded
from nazar_ui import ConsolePages, ConsoleSettings, words


def _render(prefix: str = "") -> tuple[str, dict[str, object]]:
    pages = ConsolePages("roster", lambda lang: words(lang, {"app": ("नज़र", "Nazar")}), may={})
    token = forwarded._prefix.set(prefix)  # as the middleware sets it behind the proxy
    try:
        html = bytes(pages.render("sign_in.html", "en", "sign-in").body).decode()
    finally:
        forwarded._prefix.reset(token)
    found = re.search(r'<script id="page-data" type="application/json">(.*?)</script>', html, re.S)
    assert found
    data: dict[str, object] = json.loads(found.group(1))
    return html, data


def test_the_defaults_are_the_roster_under_the_one_origin() -> None:
    settings = ConsoleSettings()
    assert settings.sign_in_url == "/roster/sign-in"
    assert settings.auth_url == "/roster/api/v1/auth"


def test_the_page_data_carries_the_sign_in_and_auth_urls(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("NAZAR_CONSOLE_SIGN_IN_URL", "/id/sign-in")
    monkeypatch.setenv("NAZAR_CONSOLE_AUTH_URL", "/id/api/v1/auth")
    _, data = _render()
    assert data["sign_in_url"] == "/id/sign-in" and data["auth_url"] == "/id/api/v1/auth"


def test_the_dev_sign_in_link_only_in_local_and_test(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("NAZAR_ENVIRONMENT", "test")
    html, _ = _render("/directive")
    assert 'id="sign-in-link"' in html
    assert 'id="dev-sign-in-link" href="/directive/console/sign-in?lang=en"' in html
    assert 'href="/directive/console/common/console.css"' in html
    monkeypatch.setenv("NAZAR_ENVIRONMENT", "production")
    html, data = _render()
    assert 'id="sign-in-link"' in html and "dev-sign-in-link" not in html
    assert data["dev_sign_in"] is False
