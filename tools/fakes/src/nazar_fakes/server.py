"""aiohttp applications of the fakes, with the control endpoints tests use (`/_fake/...`)."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator
from typing import Any

from aiohttp import web

from nazar_fakes.common import MessageLog, WebhookPoster
from nazar_fakes.facebook import FakeFacebook
from nazar_fakes.instagram import FakeInstagram
from nazar_fakes.push import FakePush
from nazar_fakes.sms import FakeSms
from nazar_fakes.whatsapp import FakeWhatsApp


def _control(
    app: web.Application, fake: Any, log: MessageLog, posters: list[WebhookPoster]
) -> None:
    async def messages(request: web.Request) -> web.Response:
        since = int(request.query.get("since", "0"))
        return web.json_response({"count": len(log.entries), "messages": log.entries[since:]})

    async def stats(_request: web.Request) -> web.Response:
        return web.json_response(
            {
                **log.stats(),
                "webhooks_posted": sum(p.posted for p in posters),
                "webhook_failures": sum(p.failed for p in posters),
                "webhook_events_delivered": sum(p.delivered_events for p in posters),
                "webhook_events_pending": sum(p.pending for p in posters),
                "messages_whose_webhooks_were_lost": sum(p.lost for p in posters),
            }
        )

    async def get_config(_request: web.Request) -> web.Response:
        return web.json_response(fake.config)

    async def set_config(request: web.Request) -> web.Response:
        fake.config.update(await request.json())
        return web.json_response(fake.config)

    async def reset(_request: web.Request) -> web.Response:
        log.reset()
        if hasattr(fake, "reset"):  # a fake that keeps more than its log (posts, photos)
            fake.reset()
        return web.json_response({"reset": True})

    async def inbound(request: web.Request) -> web.Response:
        body = await request.json()
        return web.json_response(fake.inbound(str(body["from"]), str(body["text"])))

    app.router.add_get("/_fake/messages", messages)
    app.router.add_get("/_fake/stats", stats)
    app.router.add_get("/_fake/config", get_config)
    app.router.add_post("/_fake/config", set_config)
    app.router.add_post("/_fake/reset", reset)
    if hasattr(fake, "inbound"):
        app.router.add_post("/_fake/inbound", inbound)
    app.router.add_get("/healthz", _ok)


async def _ok(_request: web.Request) -> web.Response:
    return web.json_response({"status": "ok"})


def _lifecycle(app: web.Application, log: MessageLog, posters: list[WebhookPoster]) -> None:
    async def background(_app: web.Application) -> AsyncIterator[None]:
        stop = asyncio.Event()
        tasks = [asyncio.create_task(p.run(stop)) for p in posters]

        async def flush_log() -> None:
            while True:
                await asyncio.sleep(0.5)
                log.flush()

        tasks.append(asyncio.create_task(flush_log()))
        yield
        stop.set()
        for t in tasks:
            t.cancel()
        with contextlib.suppress(Exception):
            await asyncio.gather(*tasks, return_exceptions=True)
        log.flush()

    app.cleanup_ctx.append(background)


def whatsapp_app(fake: FakeWhatsApp) -> web.Application:
    app = web.Application(client_max_size=1024 * 1024)
    app.router.add_post("/{version}/{phone_number_id}/messages", fake.send)
    _control(app, fake, fake.log, [fake.poster])
    _lifecycle(app, fake.log, [fake.poster])
    return app


def sms_app(fake: FakeSms) -> web.Application:
    app = web.Application(client_max_size=1024 * 1024)
    app.router.add_post("/v1/messages", fake.send)
    _control(app, fake, fake.log, fake.posters)
    _lifecycle(app, fake.log, fake.posters)
    return app


def facebook_app(fake: FakeFacebook) -> web.Application:
    # Photos are uploaded in the body: Meta takes up to 4 MB per photo ("Photo uploads"); room
    # for the multipart envelope.
    app = web.Application(client_max_size=5 * 1024 * 1024)
    _control(app, fake, fake.log, [])  # first: /_fake/... would match /{version}/{object_id}
    version = "/{version:v[0-9]+[.][0-9]+}"
    app.router.add_post(version + "/{page_id}/feed", fake.feed_post)
    app.router.add_post(version + "/{page_id}/photos", fake.photo_post)
    app.router.add_get(
        version + "/{page_id}/{edge:feed|published_posts|scheduled_posts}", fake.read_edge
    )
    app.router.add_get(version + "/{object_id}", fake.read_object)
    app.router.add_delete(version + "/{object_id}", fake.delete_object)
    _lifecycle(app, fake.log, [])
    return app


def instagram_app(fake: FakeInstagram) -> web.Application:
    app = web.Application(client_max_size=1024 * 1024)
    app.router.add_post("/{version}/{user}/media", fake.create)
    app.router.add_get("/{version}/{user}/media", fake.list_media)
    app.router.add_post("/{version}/{user}/media_publish", fake.publish)
    app.router.add_get("/{version}/{user}/content_publishing_limit", fake.limit)
    app.router.add_get("/{version}/{node}", fake.node)
    _control(app, fake, fake.log, [])
    _lifecycle(app, fake.log, [])
    app.on_cleanup.append(fake.close)
    return app


def push_app(fake: FakePush) -> web.Application:
    # A little over the 4,096 bytes a push may carry, so an oversize body gets the push
    # service's own 413 rather than aiohttp's.
    app = web.Application(client_max_size=64 * 1024)
    app.router.add_post("/push/{id}", fake.push)
    app.router.add_post("/_fake/subscriptions", fake.subscribe)
    app.router.add_post("/_fake/subscriptions/{id}/expire", fake.expire)
    _control(app, fake, fake.log, [])
    _lifecycle(app, fake.log, [])
    return app
