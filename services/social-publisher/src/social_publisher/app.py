"""The app: the platform runtime (`nazar_platform.service`) with the publisher's parts on it."""

from __future__ import annotations

from fastapi import FastAPI
from nazar_platform.db import migrations
from nazar_platform.service import create_app

from social_publisher import __version__, api, consumers, webhooks_api
from social_publisher.engine import Engine
from social_publisher.settings import PublisherSettings


def create(settings: PublisherSettings | None = None) -> FastAPI:
    settings = settings or PublisherSettings()
    engine = Engine(settings)
    app = create_app(
        settings,
        title="Nazar social-publisher",
        version=__version__,
        description="WhatsApp and SMS to members; provider webhooks back as receipts and replies.",
        migrations=migrations.load("social-publisher", "social_publisher"),
        routers=[api.router],
        consumers=lambda rt: [consumers.contacts_consumer(settings, rt.pool)],
        on_startup=[engine.start],
        background=[engine.run],
    )
    # Providers call these outside /api/v1 and authenticate with an HMAC signature of the body
    # (webhooks_api), not with our tokens.
    app.include_router(webhooks_api.router)
    app.state.engine = engine
    return app
