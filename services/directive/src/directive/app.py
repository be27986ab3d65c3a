"""The directive service's FastAPI app: the platform runtime (pool, migrations, outbox publisher,
consumers, problems, audit, health), the API, the inbox pages, the Faust fan-out and the
scheduler as background tasks."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from datetime import datetime
from importlib.metadata import version

from fastapi import FastAPI
from nazar_platform.auth.access import Action
from nazar_platform.auth.tokens import AuthSettings, TokenVerifier
from nazar_platform.http.access import require
from nazar_platform.runtime.context import Runtime
from nazar_platform.service import ServiceParts, Task, create_app
from nazar_platform.service import serve as platform_serve

from directive import api, console, pages
from directive.api import common
from directive.api.inbox import pages_router
from directive.directories import MemberDirectory, UnitDirectory
from directive.fanout import utc_now
from directive.runtime import make_consumers, run_fanout, run_scheduler, service_migrations
from directive.settings import DirectiveSettings

DESCRIPTION = """Directives from the ADG Crime (or the Home Department) down the chain of command:
issue, relay by the district SPs into the circle groups, CO notes, one `dispatch.requested` per
member, receipts and acknowledgements, reach by state, range, district, circle and police
station, escalations, the member's inbox and its signed links."""


def create(
    settings: DirectiveSettings | None = None,
    *,
    clock: Callable[[], datetime] = utc_now,
    verifier: TokenVerifier | None = None,
    scheduler: bool = True,
) -> FastAPI:
    s = settings or DirectiveSettings()

    async def fanout(rt: Runtime, stop: asyncio.Event) -> None:
        await run_fanout(s, rt.pool, stop, clock)

    async def schedule(rt: Runtime, stop: asyncio.Event) -> None:
        await run_scheduler(s, rt.pool, stop, clock)

    tasks = [Task("fanout", fanout)] + ([Task("scheduler", schedule)] if scheduler else [])
    parts = ServiceParts(
        s,
        migrations=service_migrations(),
        consumers=lambda rt: make_consumers(s, rt.pool),
        background=tasks,
    )
    app = create_app(
        parts,
        title="Nazar directive",
        version=version("nazar-directive"),
        description=DESCRIPTION,
        audit_read=require(Action.AUDIT_READ),
        routers=[api.router],
    )
    app.include_router(pages_router)
    pages.install(app)
    console.install(app)
    common.install(app)
    app.state.clock = clock
    app.state.token_verifier = verifier or TokenVerifier(AuthSettings())
    app.state.unit_directory = UnitDirectory(app.state)
    app.state.member_directory = MemberDirectory(app.state)
    return app


def serve(settings: DirectiveSettings) -> None:
    platform_serve(lambda: create(settings), settings)
