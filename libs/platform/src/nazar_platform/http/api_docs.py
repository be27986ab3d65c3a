"""`/docs`: Swagger UI over the service's OpenAPI, without inline script.

FastAPI's own page starts Swagger UI with an inline script, which the pages' Content-Security-Policy
(`nazar_platform.http.security_headers`) refuses, and its ReDoc page needs inline styles and Google
Fonts; `create_app` turns both off and serves this page instead. Swagger UI itself still comes from
the CDN FastAPI uses, so this page, and only this page, has a policy that adds that one origin for
scripts and styles (and `data:` images, Swagger UI's icons); the script that starts it is served
from here.
"""

from __future__ import annotations

from html import escape

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response

from nazar_platform.http.forwarded import prefix
from nazar_platform.http.security_headers import CSP_HEADER, PAGE_DIRECTIVES, policy

SWAGGER_UI = "https://cdn.jsdelivr.net/npm/swagger-ui-dist@5"
CDN_ORIGIN = "https://cdn.jsdelivr.net"
DOCS_POLICY = policy(
    **{
        **PAGE_DIRECTIVES,
        "script_src": f"'self' {CDN_ORIGIN}",
        "style_src": f"'self' {CDN_ORIGIN}",
        "img_src": "'self' data:",
    }
)
INIT_PATH = "/docs/swagger-init.js"

# Swagger UI's options as FastAPI sets them; the OpenAPI address comes from the page.
_INIT = """"use strict";
const root = document.getElementById("swagger-ui");
window.ui = SwaggerUIBundle({
  url: root.dataset.openapiUrl,
  dom_id: "#swagger-ui",
  layout: "BaseLayout",
  deepLinking: true,
  showExtensions: true,
  showCommonExtensions: true,
  presets: [SwaggerUIBundle.presets.apis, SwaggerUIBundle.SwaggerUIStandalonePreset],
});
"""


def docs_router() -> APIRouter:
    router = APIRouter(include_in_schema=False)

    @router.get("/docs")
    async def docs(request: Request) -> HTMLResponse:
        root = request.scope.get("root_path", "") or prefix()
        openapi_url = f"{root}{request.app.openapi_url}"
        title = f"{request.app.title} — API"
        html = f"""<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{escape(title)}</title>
<link rel="stylesheet" href="{SWAGGER_UI}/swagger-ui.css">
</head>
<body>
<div id="swagger-ui" data-openapi-url="{escape(openapi_url)}"></div>
<script src="{SWAGGER_UI}/swagger-ui-bundle.js"></script>
<script src="{escape(root)}{INIT_PATH}"></script>
</body>
</html>
"""
        return HTMLResponse(html, headers={CSP_HEADER: DOCS_POLICY})

    @router.get(INIT_PATH)
    async def swagger_init() -> Response:
        return Response(_INIT, media_type="text/javascript")

    return router
