"""FastAPI application factory; the lifespan starts and stops the runtime."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI, Request, Response
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, PlainTextResponse
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest
from starlette.exceptions import HTTPException

from social_publisher.api import problem, router
from social_publisher.runtime import Runtime
from social_publisher.settings import PublisherSettings


def create_app(settings: PublisherSettings | None = None) -> FastAPI:
    settings = settings or PublisherSettings()

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        runtime = Runtime(settings)
        app.state.runtime = runtime
        await runtime.start()
        try:
            yield
        finally:
            await runtime.close()

    app = FastAPI(
        title="Nazar social-publisher",
        version="0.1.0",
        lifespan=lifespan,
        description="WhatsApp and SMS to members; provider webhooks back as receipts and replies.",
    )
    app.include_router(router)

    @app.get("/healthz", include_in_schema=False)
    async def healthz() -> dict[str, str]:
        return {"status": "ok"}

    @app.get("/readyz", include_in_schema=False, response_model=None)
    async def readyz(request: Request) -> Response:
        if await request.app.state.runtime.ready():
            return JSONResponse({"status": "ready"})
        return problem(503, "Not ready", "PostgreSQL or a background task is not running")

    @app.get("/metrics", include_in_schema=False)
    async def prometheus() -> PlainTextResponse:
        return PlainTextResponse(generate_latest(), media_type=CONTENT_TYPE_LATEST)

    @app.exception_handler(HTTPException)
    async def http_problem(_request: Request, exc: HTTPException) -> JSONResponse:
        return problem(exc.status_code, str(exc.detail), str(exc.detail))

    @app.exception_handler(RequestValidationError)
    async def invalid(_request: Request, exc: RequestValidationError) -> JSONResponse:
        return problem(422, "Invalid request", str(exc.errors())[:500])

    return app
