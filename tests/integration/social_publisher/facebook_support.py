"""The fake Graph API in process on 127.0.0.1 and a client of it, for the Facebook tests."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

import aiohttp
import pytest
from aiohttp import web
from nazar_fakes.facebook import DEFAULTS, FakeFacebook
from nazar_fakes.server import facebook_app
from social_publisher.adapters.facebook import FacebookClient
from social_publisher.adapters.social import SocialCallError
from social_publisher.domain.social import (
    AccountAccess,
    Creative,
    Network,
    PostRequest,
    SocialError,
)

from tests.hindi import HEADLINE

PAGE, TOKEN, VERSION = "100000000000101", "test-page-token", "v23.0"
ACCESS = AccountAccess("facebook-state", Network.FACEBOOK, PAGE, "RajasthanPolice", TOKEN)
LINK = "https://police.rajasthan.gov.in/news/2026/12/gang-bust"
JPEG = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00" + bytes(range(256)) * 8
PNG = b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 4


@dataclass
class Graph:
    fake: FakeFacebook
    url: str
    session: aiohttp.ClientSession

    def client(self, timeout: float = 5.0, **kw: Any) -> FacebookClient:
        return FacebookClient(
            self.session,
            base_url=self.url,
            version=VERSION,
            timeout=timedelta(seconds=timeout),
            **kw,
        )

    def configure(self, **changes: Any) -> None:
        self.fake.config.update(changes)


@pytest.fixture(scope="module")
async def served() -> AsyncIterator[tuple[FakeFacebook, str]]:
    fake = FakeFacebook(token=TOKEN, page_ids=[PAGE, "100000000000102"])
    runner = web.AppRunner(facebook_app(fake))
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = runner.addresses[0][1]
    yield fake, f"http://127.0.0.1:{port}"
    await runner.cleanup()


@pytest.fixture
async def graph(served: tuple[FakeFacebook, str]) -> AsyncIterator[Graph]:
    fake, url = served
    fake.reset()
    fake.log.reset()
    fake.config.clear()
    fake.config.update(DEFAULTS)
    async with aiohttp.ClientSession() as session:
        yield Graph(fake, url, session)


def story(text: str = "", *, creatives: tuple[Creative, ...] = (), **kw: Any) -> PostRequest:
    # Each post's text is its own: the fake refuses a repeated message (506) as Meta does.
    body = text or f"{HEADLINE} 🚔🙏 पूरी ख़बर: {LINK} #{uuid.uuid4().hex[:6]}"
    return PostRequest(
        post_id=str(uuid.uuid4()),
        story_id=str(uuid.uuid4()),
        network=Network.FACEBOOK,
        account_id=ACCESS.account_id,
        text=body,
        creatives=creatives,
        **kw,
    )


def photo(content: bytes = JPEG, media_type: str = "image/jpeg") -> Creative:
    return Creative(
        sha256=uuid.uuid4().hex * 2, media_type=media_type, size=len(content), content=content
    )


async def refused(client: FacebookClient, post: PostRequest) -> SocialError:
    with pytest.raises(SocialCallError) as caught:
        await client.publish(ACCESS, post)
    return caught.value.error
