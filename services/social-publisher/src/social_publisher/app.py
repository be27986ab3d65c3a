"""The app: the platform runtime (`nazar_platform.service`) with the publisher's parts on it."""

from __future__ import annotations

from fastapi import FastAPI
from nazar_platform import migrations
from nazar_platform.access import Action
from nazar_platform.access_fastapi import require
from nazar_platform.auth import AuthSettings, TokenVerifier
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
        audit_read=require(Action.AUDIT_READ),
        migrations=migrations.load("social-publisher", "social_publisher"),
        routers=[api.router],
        consumers=lambda rt: [consumers.contacts_consumer(settings, rt.pool)],
        on_startup=[engine.start],
        background=[engine.run],
    )
    # Providers call these with their own signatures, not our tokens, outside /api/v1.
    app.include_router(webhooks_api.router)
    app.state.engine = engine
    # /api/v1/channels and the audit read API need a token with `channels.read` / `audit.read`.
    app.state.token_verifier = TokenVerifier(AuthSettings())
    return app
