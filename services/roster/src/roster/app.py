"""The roster service: FastAPI app on the platform runtime, the opt-out consumer, the pages."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime

from fastapi import FastAPI
from nazar_platform.auth.access import Action
from nazar_platform.db import migrations
from nazar_platform.http.access import require
from nazar_platform.runtime.context import Runtime
from nazar_platform.service import ServiceParts, Task, create_app

from roster import __version__, pages
from roster.api import routers
from roster.api.problems import register_all
from roster.consumers import consumers
from roster.directories import MemberUnits, UnitPaths
from roster.domain.sync import SyncPolicy
from roster.handlers import Roster
from roster.settings import RosterSettings
from roster.store import imports as import_store
from roster.store.publish import Topics


def roster_migrations() -> list[migrations.Migration]:
    return migrations.load("roster", "roster")


def create(settings: RosterSettings | None = None) -> FastAPI:
    settings = settings or RosterSettings()
    register_all()
    app: FastAPI

    async def start(runtime: Runtime) -> None:
        app.state.roster = Roster(
            runtime.pool,
            Topics(
                units=settings.topic_units,
                members=settings.topic_members,
                contacts=settings.topic_contacts,
                groups=settings.topic_groups,
            ),
            settings.member_id_secret.get_secret_value().encode(),
            SyncPolicy(
                second_officer_above=settings.full_sync_second_officer_above,
                confirm_within=settings.full_sync_confirm_within,
            ),
        )
        app.state.import_tasks = set()
        async with runtime.pool.acquire() as conn, conn.transaction():
            await import_store.interrupt_running(conn)
            await import_store.expire_reviews(conn, datetime.now(UTC))

    async def imports_finish(runtime: Runtime, stop: asyncio.Event) -> None:
        """Keeps imports in flight from being cut off mid-transaction by a shutdown."""
        await stop.wait()
        tasks: set[asyncio.Task[None]] = app.state.import_tasks
        if tasks:
            await asyncio.wait(tasks, timeout=settings.shutdown_timeout.total_seconds() / 2)

    parts = ServiceParts(
        settings,
        migrations=roster_migrations(),
        consumers=lambda runtime: consumers(app.state.roster, settings, runtime),
        background=[Task("imports-finish", imports_finish)],
        on_startup=[start],
    )
    app = create_app(
        parts,
        title="Nazar roster",
        version=__version__,
        description="The command tree, members, consent, derived groups and bulk import.",
        audit_read=require(Action.AUDIT_READ),
        routers=routers(),
        unit_directory=lambda runtime: UnitPaths(runtime.pool),
        member_directory=lambda runtime: MemberUnits(runtime.pool),
    )
    pages.install(app, settings)
    return app
