"""The phone sign-in page: `next` is only ever a path of this origin (no open redirect), and the
page builds every URL from the path the roster is served under."""

from __future__ import annotations

import json
import re

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from nazar_platform.http.forwarded import ForwardedPrefixMiddleware
from roster.api import sign_in_page
from roster.api.sign_in_page import safe_next
from roster.settings import RosterSettings

DEFAULT = "/roster?lang=hi"


@pytest.mark.parametrize(
    "asked",
    [
        "/console/directives/1?lang=en",
        "/roster?lang=hi",
        "/directive/console?lang=en#reach",
        "/",
    ],
)
def test_a_path_of_this_origin_is_kept(asked: str) -> None:
    assert safe_next(asked, DEFAULT) == asked


@pytest.mark.parametrize(
    "asked",
    [
        None,
        "",
        "https://evil.example/",
        "http://evil.example/console",
        "//evil.example/console",
        "/\\evil.example/console",
        "\\\\evil.example",
        "javascript:alert(1)",
        "console",
        "/console\x00",
        "/ /evil",
        "/\t/evil.example",
        "/" + "a" * 3000,
    ],
)
def test_anything_else_falls_back_to_the_roster_page(asked: str | None) -> None:
    assert safe_next(asked, DEFAULT) == DEFAULT


def _data(html: str) -> dict[str, object]:
    found = re.findall(r'<script id="page-data" type="application/json">(.*?)</script>', html, re.S)
    assert len(found) == 1
    data: dict[str, object] = json.loads(found[0])
    return data


def _client(prefix: str = "") -> TestClient:
    app = FastAPI()
    app.add_middleware(ForwardedPrefixMiddleware)
    sign_in_page.install(app, RosterSettings())
    return TestClient(app, headers={"X-Forwarded-Prefix": prefix} if prefix else None)


def test_the_page_refuses_an_open_redirect() -> None:
    page = _client().get("/sign-in", params={"lang": "en", "next": "https://evil.example/x"})
    assert page.status_code == 200
    data = _data(page.text)
    assert data["next"] == "/roster?lang=en"
    assert "evil.example" not in page.text


def test_urls_are_built_from_the_roster_prefix() -> None:
    page = _client("/roster").get("/sign-in", params={"lang": "hi", "next": "/roster/roster"})
    data = _data(page.text)
    assert data["api"] == "/roster/api/v1" and data["auth_url"] == "/roster/api/v1/auth"
    assert data["next"] == "/roster/roster" and data["sign_in_url"] == "/roster/sign-in"
    assert 'src="/roster/roster/static/phone_sign_in.js"' in page.text
    assert 'href="/roster/console/common/console.css"' in page.text
    assert '"/api/' not in page.text  # no absolute API path anywhere
    # A prefix that is not a plain path is ignored.
    odd = _client('/x"><script>').get("/sign-in").text
    assert _data(odd)["api"] == "/api/v1" and "<script>alert" not in odd


def test_hindi_and_english() -> None:
    hi = _client().get("/sign-in", params={"lang": "hi"}).text
    en = _client().get("/sign-in", params={"lang": "en"}).text
    assert "मोबाइल नंबर से साइन इन" in hi and 'lang="hi"' in hi
    assert "Sign in with your mobile number" in en and 'lang="en"' in en
    assert 'autocomplete="one-time-code"' in en
