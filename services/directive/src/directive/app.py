"""The directive service's parts and its HTTP app: the platform runtime (pool, migrations, outbox
publisher, problems, audit, health), the consumers, the Faust fan-out and the scheduler on the
platform's supervisor, the API, the console and the inbox pages."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from datetime import datetime
from importlib.metadata import version

from fastapi import FastAPI
from nazar_platform.auth.access import Action
from nazar_platform.auth.tokens import AuthSettings, TokenVerifier
from nazar_platform.db import migrations
from nazar_platform.http.access import require
from nazar_platform.runtime.context import Runtime
from nazar_platform.service import ServiceParts, Task, create_app
from nazar_platform.service import serve as platform_serve

from directive import api
from directive.api import campaigns, console, pages, problems
from directive.api.inbox import pages_router
from directive.handlers.common import Topics, utc_now
from directive.settings import DirectiveSettings
from directive.store.directories import MemberDirectory, UnitDirectory
from directive.workers.accounts import accounts_consumer
from directive.workers.alerts import AlertEscalator, alerts_consumer, run_alert_runner
from directive.workers.circulation import run_circulation
from directive.workers.consumers import consumers
from directive.workers.fanout import FanOut
from directive.workers.scheduler import Scheduler
from directive.workers.stories import stories_consumer
from directive.workers.stream import run_fanout

DESCRIPTION = """Directives from the ADG Crime (or the Home Department) down the chain of command:
issue, relay by the district SPs into the circle groups, CO notes, one `dispatch.requested` per
member, receipts and acknowledgements, reach by state, range, district, circle and police
station, escalations, the member's inbox and its signed links."""

Clock = Callable[[], datetime]


def parts(
    settings: DirectiveSettings,
    *,
    clock: Clock = utc_now,
    fanout: bool = True,
    consume: bool = True,
    schedule: bool = True,
    on_fanout_ready: Callable[[FanOut], None] | None = None,
) -> ServiceParts:
    """What `serve` and `worker` run besides HTTP; tests and benchmarks leave parts out."""

    async def fan_out(rt: Runtime, stop: asyncio.Event) -> None:
        await run_fanout(settings, rt.pool, stop, clock, on_fanout_ready)

    async def scheduler(rt: Runtime, stop: asyncio.Event) -> None:
        topics = Topics(events=settings.topic_events, alert_cases=settings.topic_alert_cases)
        await Scheduler(
            settings.dsn,
            rt.pool,
            topics,
            clock,
            settings.scheduler_interval,
            settings.reach_gauge_interval,
            settings.ack_hold_max,
        ).run(stop)

    async def circulation(rt: Runtime, stop: asyncio.Event) -> None:
        await run_circulation(settings, rt.pool, stop, clock)

    async def alert_runner(_rt: Runtime, stop: asyncio.Event) -> None:
        await run_alert_runner(settings, stop, clock)

    async def alert_escalation(rt: Runtime, stop: asyncio.Event) -> None:
        await AlertEscalator(settings, rt.pool, clock).run(stop)

    # Stories' jobs (circulations, author notices) go through the same fan-out engine; alerts'
    # through their own runner, which nothing else queues.
    background = (
        [Task("fanout", fan_out), Task("circulation", circulation), Task("alerts", alert_runner)]
        if fanout
        else []
    )
    background += (
        [Task("scheduler", scheduler), Task("alert_escalation", alert_escalation)]
        if schedule
        else []
    )
    return ServiceParts(
        settings,
        migrations=migrations.load("directive", "directive"),
        consumers=(
            (
                lambda rt: [
                    *consumers(settings, rt.pool),
                    stories_consumer(settings, rt.pool, clock),
                    accounts_consumer(settings, rt.pool, clock),
                    alerts_consumer(settings, rt.pool, clock),
                ]
            )
            if consume
            else None
        ),
        background=background,
    )


def create(
    settings: DirectiveSettings | None = None,
    *,
    clock: Clock = utc_now,
    verifier: TokenVerifier | None = None,
    scheduler: bool = True,
) -> FastAPI:
    s = settings or DirectiveSettings()
    app = create_app(
        parts(s, clock=clock, schedule=scheduler),
        title="Nazar directive",
        version=version("nazar-directive"),
        description=DESCRIPTION,
        audit_read=require(Action.AUDIT_READ),
        routers=[api.router],
        unit_directory=lambda rt: UnitDirectory(rt.pool),
        member_directory=lambda rt: MemberDirectory(rt.pool),
    )
    app.include_router(pages_router)
    app.include_router(campaigns.pages_router)
    pages.install(app)
    console.install(app)
    problems.install(app)
    app.state.clock = clock
    app.state.token_verifier = verifier or TokenVerifier(AuthSettings())
    return app


def serve(settings: DirectiveSettings) -> None:
    platform_serve(lambda: create(settings), settings)
