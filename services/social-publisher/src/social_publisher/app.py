"""The app: the platform runtime (`nazar_platform.service`) with the publisher's parts on it."""

from __future__ import annotations

from fastapi import FastAPI
from nazar_platform.db import migrations
from nazar_platform.service import ServiceParts, Task, create_app

from social_publisher import __version__, api, consumers, webhooks_api
from social_publisher.engine import Engine
from social_publisher.settings import PublisherSettings


def create(settings: PublisherSettings | None = None) -> FastAPI:
    settings = settings or PublisherSettings()
    engine = Engine(settings)
    parts = ServiceParts(
        settings,
        migrations=migrations.load("social-publisher", "social_publisher"),
        consumers=lambda rt: [consumers.contacts_consumer(settings, rt.pool)],
        on_startup=[engine.start],
        background=[Task("engine", engine.run)],
    )
    app = create_app(
        parts,
        title="Nazar social-publisher",
        version=__version__,
        description="WhatsApp and SMS to members; provider webhooks back as receipts and replies.",
        routers=[api.router],
    )
    # Providers call these outside /api/v1 and authenticate with an HMAC signature of the body
    # (webhooks_api), not with our tokens.
    app.include_router(webhooks_api.router)
    app.state.engine = engine
    return app
