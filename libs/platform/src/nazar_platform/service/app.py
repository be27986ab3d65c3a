"""The HTTP app of a service: one way to build, start and stop every Nazar service.

    def create() -> FastAPI:
        settings = RosterSettings()
        return create_app(
            parts(settings),  # nazar_platform.service.parts: migrations, consumers, tasks
            title="Nazar roster", version=__version__,
            routers=[api.router],
            unit_directory=lambda rt: UnitsReadModel(rt.pool),
        )

    # __main__.py
    serve(create, RosterSettings())

The app's lifespan configures logging, checks the token verifier, starts the metrics listener,
then runs the service's parts (`nazar_platform.service.parts.started`: pool, migrations,
producer, outbox publisher, consumers, background tasks on the supervisor) plus the HTTP app's own
tasks (the idempotency-key pruner, the refusal counts), sets `app.state.runtime` and the access
layer's directories, and stops it all in order on shutdown. A task that dies while the service
runs is logged, counted and makes `/readyz` fail.

Every app gets: problem documents for every error, request ids, the body limit, the input guard
(text that is not text is a 422), rate limits (429), the audit trail (refusals counted per minute),
the security headers (`nazar_platform.http.security_headers`), `/healthz` `/readyz`, the API docs
page `/docs` (`nazar_platform.http.api_docs`), the audit read API (for `audit.read`, i.e. HQ,
unless the service passes another `audit_read` dependency), and the service's routers under
`/api/v1`. `/metrics` is served on the internal metrics listener only (`NAZAR_METRICS_PORT`,
`nazar_platform.observability.metrics_listener`), which the lifespan starts first and stops last.
Tokens are verified by `app.state.token_verifier`: a service may set its own before the app
starts; if it does not, the lifespan sets `TokenVerifier(AuthSettings())`, so no service runs
without one.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator, Callable, Sequence
from contextlib import asynccontextmanager
from dataclasses import replace
from typing import Any

import structlog
import uvicorn
from fastapi import APIRouter, Depends, FastAPI

from nazar_platform.auth.access import Action, MemberDirectory, UnitDirectory
from nazar_platform.auth.tokens import AuthSettings, TokenVerifier
from nazar_platform.config.settings import PlatformSettings
from nazar_platform.http import idempotency
from nazar_platform.http.access import require
from nazar_platform.http.api_docs import docs_router
from nazar_platform.http.audit import AuditMiddleware
from nazar_platform.http.audit_api import audit_router
from nazar_platform.http.context import (
    BodyLimitMiddleware,
    RequestContextMiddleware,
    require_json_body,
)
from nazar_platform.http.forwarded import ForwardedPrefixMiddleware
from nazar_platform.http.health import router as health_router
from nazar_platform.http.input_guard import InputGuardMiddleware
from nazar_platform.http.problems import install_problem_handlers
from nazar_platform.http.ratelimit import RateLimiter, RateLimitMiddleware, RateLimitSettings
from nazar_platform.http.refusals import RefusalCounter, refusals_router
from nazar_platform.http.security_headers import SecurityHeadersMiddleware
from nazar_platform.observability import logging as nazar_logging
from nazar_platform.observability import metrics_listener
from nazar_platform.runtime.context import Runtime
from nazar_platform.service.parts import ServiceParts, Task, started

log = structlog.get_logger(__name__)

API_PREFIX = "/api/v1"

UnitDirectoryFactory = Callable[[Runtime], UnitDirectory]
MemberDirectoryFactory = Callable[[Runtime], MemberDirectory]


def _lifespan(
    parts: ServiceParts,
    unit_directory: UnitDirectoryFactory | None,
    member_directory: MemberDirectoryFactory | None,
) -> Callable[[FastAPI], contextlib.AbstractAsyncContextManager[None]]:
    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        settings = parts.settings
        nazar_logging.configure(
            settings.service_name, settings.log_level, json_output=settings.log_json
        )
        _ensure_token_verifier(app)
        http_tasks = [
            Task("idempotency-pruner", idempotency.pruner),
            Task("audit-refusals", app.state.refusals.run),
        ]
        async with started(replace(parts, extra=[*parts.extra, *http_tasks])) as runtime:
            app.state.runtime = runtime
            # The access layer's view of the command tree: the service's own read model.
            if unit_directory is not None:
                app.state.unit_directory = unit_directory(runtime)
            if member_directory is not None:
                app.state.member_directory = member_directory(runtime)
            yield

    return lifespan


Lifespan = Callable[[FastAPI], contextlib.AbstractAsyncContextManager[None]]


def _with_metrics_listener(settings: PlatformSettings, inner: Lifespan) -> Lifespan:
    """`inner` with the metrics listener around it (`app.state.metrics_listener`, None without
    NAZAR_METRICS_PORT): up while the service starts, so that a slow start can be watched."""

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        listener = None
        if settings.metrics_port is not None:
            listener = metrics_listener.start(settings.metrics_host, settings.metrics_port)
        app.state.metrics_listener = listener
        try:
            async with inner(app):
                yield
        finally:
            if listener is not None:
                await asyncio.to_thread(listener.stop)

    return lifespan


def _ensure_token_verifier(app: FastAPI) -> None:
    """Before anything else starts, so that auth settings unusable here (a production service
    without NAZAR_AUTH_JWKS_URL) stop the service at once rather than fail every request."""
    if getattr(app.state, "token_verifier", None) is None:
        app.state.token_verifier = TokenVerifier(AuthSettings())


def create_app(
    parts: ServiceParts,
    *,
    title: str,
    version: str,
    audit_read: Callable[..., Any] | None = None,
    routers: Sequence[APIRouter] = (),
    unit_directory: UnitDirectoryFactory | None = None,
    member_directory: MemberDirectoryFactory | None = None,
    description: str = "",
    rate_limits: RateLimitSettings | None = None,
) -> FastAPI:
    """A service's FastAPI app (see the module docstring). `audit_read` is the dependency that
    guards the audit read API; by default `require(Action.AUDIT_READ)`. `unit_directory` and
    `member_directory` build, from the runtime, what `authorize` looks the command tree up in
    (`app.state.unit_directory` / `member_directory`), usually over the service's read model.
    `rate_limits`: the service's own limits (default: `RateLimitSettings()`, from the
    environment)."""
    settings = parts.settings
    app = FastAPI(
        title=title,
        version=version,
        description=description,
        lifespan=_with_metrics_listener(
            settings, _lifespan(parts, unit_directory, member_directory)
        ),
        # FastAPI's docs pages start with inline script; api_docs serves /docs without any.
        docs_url=None,
        redoc_url=None,
        swagger_ui_oauth2_redirect_url=None,
    )
    app.state.max_body_bytes = settings.http_max_body_bytes
    app.state.problem_type_base = settings.problem_type_base
    app.state.rate_limiter = RateLimiter(rate_limits or RateLimitSettings(), settings.service_name)
    app.state.refusals = RefusalCounter()
    install_problem_handlers(app)
    # add_middleware wraps: the last added is the outermost.
    idempotency.install(app)
    app.add_middleware(BodyLimitMiddleware, max_bytes=settings.http_max_body_bytes)
    app.add_middleware(InputGuardMiddleware, max_body_bytes=settings.http_max_body_bytes)
    app.add_middleware(RateLimitMiddleware, limiter=app.state.rate_limiter)
    app.add_middleware(AuditMiddleware)
    app.add_middleware(RequestContextMiddleware)
    app.add_middleware(SecurityHeadersMiddleware)
    # The prefix behind the one origin (X-Forwarded-Prefix), for the pages' URLs.
    app.add_middleware(ForwardedPrefixMiddleware)
    app.include_router(health_router)
    app.include_router(docs_router())
    for router in routers:
        app.include_router(router, prefix=API_PREFIX, dependencies=[Depends(require_json_body)])
    audit_guard = audit_read or require(Action.AUDIT_READ)
    app.include_router(audit_router(audit_guard), prefix=API_PREFIX)
    app.include_router(refusals_router(audit_guard), prefix=API_PREFIX)
    return app


def serve(app_factory: Callable[[], FastAPI], settings: PlatformSettings) -> None:
    """Run one uvicorn process on `NAZAR_HTTP_HOST:NAZAR_HTTP_PORT` (the services' `__main__`);
    the app's lifespan adds the metrics listener on `NAZAR_METRICS_PORT`."""
    nazar_logging.configure(
        settings.service_name, settings.log_level, json_output=settings.log_json
    )
    config = uvicorn.Config(
        app_factory,
        factory=True,
        host=settings.http_host,
        port=settings.http_port,
        lifespan="on",
        log_config=None,  # our logging, configured above, handles uvicorn's loggers too
        access_log=False,  # requests are counted in metrics and state changes audited
        proxy_headers=True,
        timeout_graceful_shutdown=int(settings.shutdown_timeout.total_seconds()),
    )
    uvicorn.Server(config).run()
