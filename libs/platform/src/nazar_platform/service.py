"""The service runtime: one way to build, start and stop every Nazar service.

    def create() -> FastAPI:
        settings = RosterSettings()
        return create_app(
            settings, title="Nazar roster", version=__version__,
            migrations=migrations.load("roster", "nazar_roster"),
            routers=[api.router],
            consumers=lambda rt: [IdempotentConsumer(name=..., pool=rt.pool, ...)],
            unit_directory=lambda rt: UnitsReadModel(rt.pool),
            background=[escalation_loop],
        )

    # __main__.py
    serve(create, RosterSettings())

The app's lifespan configures logging, opens the asyncpg pool, applies the platform's and then the
service's migrations, starts one shared idempotent producer (`app.state.runtime.producer`), sets
`app.state.unit_directory` / `member_directory` from the factories given, runs the startup hooks,
then starts the outbox relay, the consumers, the background tasks and the idempotency-key pruner as
asyncio tasks. On shutdown it sets `runtime.stop`, waits for the consumers and background tasks,
then stops the relay (last, so that what they committed is still relayed while they finish),
then the producer and the pool. A task that dies while the service runs is logged, counted and
makes `/readyz` fail.

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
from collections.abc import AsyncIterator, Awaitable, Callable, Coroutine, Sequence
from contextlib import asynccontextmanager
from dataclasses import dataclass
from typing import Any

import asyncpg
import structlog
import uvicorn
from aiokafka import AIOKafkaProducer
from aiokafka.errors import KafkaError
from fastapi import APIRouter, Depends, FastAPI
from tenacity import AsyncRetrying, retry_if_exception_type, stop_after_delay, wait_exponential

from nazar_platform import db
from nazar_platform.auth.access import Action, MemberDirectory, UnitDirectory
from nazar_platform.auth.tokens import AuthSettings, TokenVerifier
from nazar_platform.config.settings import PlatformSettings
from nazar_platform.db import migrations as nazar_migrations
from nazar_platform.db.migrations import Migration
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
from nazar_platform.http.health import router as health_router
from nazar_platform.http.input_guard import InputGuardMiddleware
from nazar_platform.http.problems import install_problem_handlers
from nazar_platform.http.ratelimit import RateLimiter, RateLimitMiddleware, RateLimitSettings
from nazar_platform.http.refusals import RefusalCounter, refusals_router
from nazar_platform.http.security_headers import SecurityHeadersMiddleware
from nazar_platform.kafka.clients import make_producer
from nazar_platform.kafka.consumer import IdempotentConsumer
from nazar_platform.observability import logging as nazar_logging
from nazar_platform.observability import metrics, metrics_listener
from nazar_platform.outbox.publisher import OutboxRelay
from nazar_platform.runtime.context import Runtime

log = structlog.get_logger(__name__)

API_PREFIX = "/api/v1"

ConsumerFactory = Callable[[Runtime], list[IdempotentConsumer]]
UnitDirectoryFactory = Callable[[Runtime], UnitDirectory]
MemberDirectoryFactory = Callable[[Runtime], MemberDirectory]
BackgroundTask = Callable[[Runtime], Awaitable[None]]
StartupHook = Callable[[Runtime], Awaitable[None]]

_UNREACHABLE = (OSError, asyncpg.PostgresError, asyncpg.InterfaceError, KafkaError, TimeoutError)


async def _open_pool(settings: PlatformSettings) -> asyncpg.Pool:
    async for attempt in _retrying(settings, "PostgreSQL"):
        with attempt:
            return await db.create_pool(
                settings.database_url.get_secret_value(),
                min_size=settings.database_pool_min,
                max_size=settings.database_pool_max,
            )
    raise AssertionError("unreachable")  # tenacity reraises the last error


async def _start_producer(settings: PlatformSettings) -> AIOKafkaProducer:
    async for attempt in _retrying(settings, "Kafka"):
        with attempt:
            # A producer whose start failed is not restartable: make a new one per attempt.
            producer = make_producer(settings.kafka_bootstrap, client_id=settings.service_name)
            try:
                await producer.start()
            except BaseException:
                with contextlib.suppress(Exception):
                    await producer.stop()
                raise
            return producer
    raise AssertionError("unreachable")


def _retrying(settings: PlatformSettings, what: str) -> AsyncRetrying:
    def before_sleep(state: Any) -> None:
        log.warning(f"{what} not reachable yet; retrying", error=repr(state.outcome.exception()))

    return AsyncRetrying(
        stop=stop_after_delay(settings.startup_timeout.total_seconds()),
        wait=wait_exponential(multiplier=0.2, max=5),
        retry=retry_if_exception_type(_UNREACHABLE),
        before_sleep=before_sleep,
        reraise=True,
    )


async def _migrate(settings: PlatformSettings, service_migrations: Sequence[Migration]) -> None:
    conn = await db.connect(settings.database_url.get_secret_value())
    try:
        await nazar_migrations.apply(
            conn, [*nazar_migrations.platform_migrations(), *service_migrations]
        )
    finally:
        await conn.close()


def _spawn(runtime: Runtime, name: str, work: Coroutine[Any, Any, None]) -> asyncio.Task[None]:
    task = asyncio.create_task(work, name=name)

    def died(done: asyncio.Task[None]) -> None:
        if runtime.stop.is_set() or done.cancelled():
            return
        metrics.RUNTIME_TASK_FAILURES.labels(name).inc()
        log.error("service task ended while the service runs", task=name, exc_info=done.exception())

    task.add_done_callback(died)
    runtime.tasks[name] = task
    return task


async def _finish(tasks: list[asyncio.Task[None]], budget: float) -> None:
    if not tasks:
        return
    _, pending = await asyncio.wait(tasks, timeout=budget)
    for task in pending:
        log.warning("task did not stop in time; cancelling", task=task.get_name())
        task.cancel()
    await asyncio.gather(*tasks, return_exceptions=True)


@dataclass(frozen=True)
class _Wiring:
    """What the lifespan builds from the runtime for the service."""

    consumers: ConsumerFactory | None = None
    background: Sequence[BackgroundTask] = ()
    on_startup: Sequence[StartupHook] = ()
    unit_directory: UnitDirectoryFactory | None = None
    member_directory: MemberDirectoryFactory | None = None


def _lifespan(
    settings: PlatformSettings, service_migrations: Sequence[Migration], wiring: _Wiring
) -> Callable[[FastAPI], contextlib.AbstractAsyncContextManager[None]]:
    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        nazar_logging.configure(
            settings.service_name, settings.log_level, json_output=settings.log_json
        )
        _ensure_token_verifier(app)
        pool = await _open_pool(settings)
        producer: AIOKafkaProducer | None = None
        try:
            await _migrate(settings, service_migrations)
            producer = await _start_producer(settings)
            runtime = Runtime(settings=settings, pool=pool, producer=producer)
            app.state.runtime = runtime
            # The access layer's view of the command tree: the service's own read model.
            if wiring.unit_directory is not None:
                app.state.unit_directory = wiring.unit_directory(runtime)
            if wiring.member_directory is not None:
                app.state.member_directory = wiring.member_directory(runtime)
            for hook in wiring.on_startup:
                await hook(runtime)
            relay_stop = asyncio.Event()
            relay = OutboxRelay(
                settings.database_url.get_secret_value(),
                lambda: make_producer(
                    settings.kafka_bootstrap, client_id=f"{settings.service_name}-outbox"
                ),
                batch_size=settings.outbox_batch_size,
                poll_interval=settings.outbox_poll_interval,
                retention=settings.outbox_retention,
            )
            relay_task = _spawn(runtime, "outbox-relay", relay.run(relay_stop))
            workers = [
                _spawn(runtime, f"consumer:{c.name}", c.run(runtime.stop))
                for c in (wiring.consumers(runtime) if wiring.consumers else [])
            ]
            workers.append(_spawn(runtime, "idempotency-pruner", idempotency.pruner(runtime)))
            workers.append(_spawn(runtime, "audit-refusals", app.state.refusals.run(runtime)))
            workers += [
                _spawn(runtime, f"background:{getattr(b, '__name__', i)}", _run(b, runtime))
                for i, b in enumerate(wiring.background)
            ]
            log.info("service started", service=settings.service_name, tasks=sorted(runtime.tasks))
            try:
                yield
            finally:
                budget = settings.shutdown_timeout.total_seconds()
                runtime.stop.set()
                await _finish(workers, budget * 0.7)
                relay_stop.set()
                await _finish([relay_task], budget * 0.3)
                log.info("service stopped", service=settings.service_name)
        finally:
            if producer is not None:
                with contextlib.suppress(Exception):
                    await producer.stop()
            await pool.close()

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


async def _run(task: BackgroundTask, runtime: Runtime) -> None:
    await task(runtime)


def create_app(
    settings: PlatformSettings,
    *,
    title: str,
    version: str,
    audit_read: Callable[..., Any] | None = None,
    migrations: Sequence[Migration] = (),
    routers: Sequence[APIRouter] = (),
    consumers: ConsumerFactory | None = None,
    background: Sequence[BackgroundTask] = (),
    on_startup: Sequence[StartupHook] = (),
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
    app = FastAPI(
        title=title,
        version=version,
        description=description,
        lifespan=_with_metrics_listener(
            settings,
            _lifespan(
                settings,
                migrations,
                _Wiring(consumers, background, on_startup, unit_directory, member_directory),
            ),
        ),
        # FastAPI's docs pages start with inline script; api_docs serves /docs without any.
        docs_url=None,
        redoc_url=None,
        swagger_ui_oauth2_redirect_url=None,
    )
    app.state.max_body_bytes = settings.http_max_body_bytes
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
