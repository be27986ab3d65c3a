"""The fake Instagram's container takes the whole image at `image_url`, however its bytes arrive.

nginx in front of the publisher (`deploy/nginx/routes.conf`: `proxy_buffering off`) passes a
file on in 4 KiB pieces as the publisher writes them. The fake used to read the body with one
`StreamReader.read(limit + 1)`, which answers with whatever has arrived so far: behind the
browser tests, on a busy machine, the end-to-end Instagram post took only the creative's first
12 or 20 KiB (`tests/e2e/test_social_flow.py`, 3 runs in 7). Here a stand-in server sends the
image in such pieces, with pauses between them, so that the read sees the first piece alone.
"""

from __future__ import annotations

import asyncio
import hashlib

import aiohttp
from aiohttp import web
from nazar_fakes.instagram import FakeInstagram
from nazar_fakes.server import instagram_app

from tests.integration.social_publisher.support import IG_TOKEN, IG_USER, aiohttp_server
from tests.unit.social_publisher.images import jpeg

PIECE = 4096  # nginx's proxy buffer on this platform: one memory page


def _server_in_pieces(image: bytes) -> web.Application:
    async def media(request: web.Request) -> web.StreamResponse:
        response = web.StreamResponse(headers={"Content-Type": "image/jpeg"})
        response.content_length = len(image)
        await response.prepare(request)
        for start in range(0, len(image), PIECE):
            await response.write(image[start : start + PIECE])
            await asyncio.sleep(0.05)  # the next piece comes later, as under load
        await response.write_eof()
        return response

    app = web.Application()
    app.router.add_get("/media/creative.jpg", media)
    return app


async def test_a_container_takes_the_whole_image_when_it_arrives_in_pieces() -> None:
    image = jpeg(1080, 1350)
    assert len(image) > 4 * PIECE  # several pieces, as the creative of the e2e flow
    fake = FakeInstagram(IG_TOKEN, [IG_USER])
    async with (
        aiohttp_server(_server_in_pieces(image)) as media_url,
        aiohttp_server(instagram_app(fake)) as fake_url,
        aiohttp.ClientSession() as http,
        http.post(
            f"{fake_url}/v23.0/{IG_USER}/media",
            headers={"Authorization": f"Bearer {IG_TOKEN}"},
            data={"image_url": f"{media_url}/media/creative.jpg", "caption": "भिवाड़ी पुलिस"},
        ) as r,
    ):
        assert r.status == 200, await r.text()
        container = (await r.json())["id"]
    [fetched] = [e for e in fake.log.entries if e["call"] == "image_fetched"]
    [created] = [e for e in fake.log.entries if e["call"] == "container_created"]
    assert (fetched["status"], fetched["bytes"]) == (200, len(image))
    assert created["id"] == container
    assert created["image_sha256"] == hashlib.sha256(image).hexdigest()
