"""The security headers middleware: nosniff, no referrer and no framing on every response, the
strict Content-Security-Policy on every page; and the API docs page without inline script."""

from __future__ import annotations

from collections.abc import Iterator
from html.parser import HTMLParser
from pathlib import Path

import pytest
from fastapi import FastAPI
from fastapi.responses import FileResponse, HTMLResponse, PlainTextResponse, StreamingResponse
from fastapi.staticfiles import StaticFiles
from fastapi.testclient import TestClient
from httpx import Response
from nazar_platform.http.api_docs import DOCS_POLICY, INIT_PATH, docs_router
from nazar_platform.http.security_headers import PAGE_POLICY, SecurityHeadersMiddleware, secured

EVERY_RESPONSE = {
    "x-content-type-options": "nosniff",
    "referrer-policy": "no-referrer",
    "x-frame-options": "DENY",
}


@pytest.fixture
def client(tmp_path: Path) -> Iterator[TestClient]:
    (tmp_path / "page.css").write_text("body { margin: 0; }")
    (tmp_path / "report.pdf").write_bytes(b"%PDF-1.4\n%%EOF\n")
    app = FastAPI(docs_url=None, redoc_url=None)
    app.mount("/static", StaticFiles(directory=tmp_path), name="static")
    app.include_router(docs_router())

    @app.get("/page")
    async def page() -> HTMLResponse:
        return HTMLResponse("<!doctype html><title>x</title>")

    @app.get("/json")
    async def json() -> dict[str, str]:
        return {"a": "b"}

    @app.get("/csv")
    async def csv() -> StreamingResponse:
        return StreamingResponse(iter(["a,b\r\n"]), media_type="text/csv; charset=utf-8")

    @app.get("/file")
    async def file() -> FileResponse:
        return FileResponse(tmp_path / "report.pdf", media_type="application/pdf")

    @app.get("/sniffable")
    async def sniffable() -> PlainTextResponse:
        # A route's own weaker value does not survive.
        return PlainTextResponse(
            "<html>", headers={"X-Content-Type-Options": "sniff", "X-Frame-Options": "ALLOW"}
        )

    @app.get("/own-policy")
    async def own_policy() -> HTMLResponse:
        return HTMLResponse("<p>", headers={"Content-Security-Policy": "default-src 'none'"})

    app.add_middleware(SecurityHeadersMiddleware)
    with TestClient(app) as test_client:
        yield test_client


def assert_every_response_headers(response: Response) -> None:
    for name, value in EVERY_RESPONSE.items():
        assert response.headers.get_list(name) == [value], (response.url, name)


@pytest.mark.parametrize(
    "path",
    ["/json", "/csv", "/file", "/static/page.css", "/static/report.pdf", "/nowhere", "/sniffable"],
)
def test_every_response_is_nosniff_unframed_and_sends_no_referrer(
    client: TestClient, path: str
) -> None:
    response = client.get(path)
    assert_every_response_headers(response)
    assert "content-security-policy" not in response.headers  # not a page


def test_pages_get_the_strict_policy(client: TestClient) -> None:
    response = client.get("/page")
    assert_every_response_headers(response)
    assert response.headers.get_list("content-security-policy") == [PAGE_POLICY]
    directives = dict(d.strip().split(" ", 1) for d in PAGE_POLICY.split(";"))
    assert directives == {
        "default-src": "'self'",
        "script-src": "'self'",
        "style-src": "'self'",
        "img-src": "'self'",
        "connect-src": "'self'",
        "object-src": "'none'",
        "base-uri": "'none'",
        "form-action": "'self'",
        "frame-ancestors": "'none'",
    }
    assert "unsafe" not in PAGE_POLICY


def test_a_page_with_its_own_policy_keeps_it(client: TestClient) -> None:
    response = client.get("/own-policy")
    assert response.headers.get_list("content-security-policy") == ["default-src 'none'"]
    assert_every_response_headers(response)


def test_html_is_recognised_whatever_its_spelling() -> None:
    for content_type in (b"text/html", b"text/html; charset=utf-8", b"TEXT/HTML;charset=UTF-8"):
        headers = dict(secured([(b"content-type", content_type)]))
        assert headers[b"content-security-policy"] == PAGE_POLICY.encode(), content_type
    for content_type in (b"application/json", b"text/plain", b"application/xhtml", b""):
        assert b"content-security-policy" not in dict(secured([(b"content-type", content_type)]))


class _Elements(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.found: list[tuple[str, dict[str, str | None]]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.found.append((tag, dict(attrs)))


def test_the_docs_page_runs_no_inline_script(client: TestClient) -> None:
    page = client.get("/docs")
    assert page.status_code == 200
    assert page.headers["content-security-policy"] == DOCS_POLICY
    assert_every_response_headers(page)
    parser = _Elements()
    parser.feed(page.text)
    scripts = [attrs for tag, attrs in parser.found if tag == "script"]
    assert scripts and all(attrs.get("src") for attrs in scripts)
    assert INIT_PATH in [attrs["src"] for attrs in scripts]
    assert not any(tag == "style" for tag, _ in parser.found)
    assert not any(
        name == "style" or name.startswith("on") for _, attrs in parser.found for name in attrs
    )
    [root] = [attrs for tag, attrs in parser.found if attrs.get("id") == "swagger-ui"]
    assert root["data-openapi-url"] == "/openapi.json"
    init = client.get(INIT_PATH)
    assert init.headers["content-type"].startswith("text/javascript")
    assert "SwaggerUIBundle" in init.text and "openapiUrl" in init.text
    assert_every_response_headers(init)
    # The page's own policy: the strict one plus Swagger UI's CDN, still nothing inline.
    assert "unsafe" not in DOCS_POLICY and "frame-ancestors 'none'" in DOCS_POLICY
    assert "script-src 'self' https://cdn.jsdelivr.net" in DOCS_POLICY
