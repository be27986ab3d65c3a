"""The Web Push client against the fake push service over 127.0.0.1: the fake decrypts every push
with the subscription's keys (as the browser would) and checks the VAPID token, so a passing
test proves the RFC 8291 encryption and the RFC 8292 signature, not only the request's shape."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import timedelta

import aiohttp
import pytest
from aiohttp import web
from cryptography.hazmat.primitives import serialization
from nazar_contracts.directives import Priority
from nazar_fakes.push import DEFAULTS, FakePush, b64url
from nazar_fakes.server import push_app
from py_vapid import Vapid02
from social_publisher.adapters.webpush import WebPushClient, topic_of
from social_publisher.domain.push import PushNotice, PushReaction, PushSubscription

from tests.hindi import HEADLINE

SUBJECT = "mailto:phq-it@police.rajasthan.gov.in"


def vapid_key() -> tuple[str, str]:
    """A fresh VAPID key pair: the private key as PEM, the public as applicationServerKey."""
    vapid = Vapid02()
    vapid.generate_keys()
    public = vapid.public_key.public_bytes(
        serialization.Encoding.X962, serialization.PublicFormat.UncompressedPoint
    )
    return vapid.private_pem().decode(), b64url(public)


@dataclass
class Push:
    fake: FakePush
    url: str
    session: aiohttp.ClientSession
    pem: str
    server_key: str

    def client(self, pem: str | None = None) -> WebPushClient:
        return WebPushClient(self.session, pem or self.pem, SUBJECT)

    async def subscribe(self, server_key: str | None = None) -> PushSubscription:
        body = {"application_server_key": server_key or self.server_key}
        async with self.session.post(f"{self.url}/_fake/subscriptions", json=body) as resp:
            got = await resp.json()
        return PushSubscription(got["endpoint"], got["keys"]["p256dh"], got["keys"]["auth"])


@pytest.fixture
async def push() -> AsyncIterator[Push]:
    fake = FakePush()
    runner = web.AppRunner(push_app(fake))
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    url = f"http://127.0.0.1:{runner.addresses[0][1]}"
    pem, server_key = vapid_key()
    async with aiohttp.ClientSession() as session:
        yield Push(fake, url, session, pem, server_key)
    await runner.cleanup()


async def test_a_push_arrives_encrypted_signed_and_decrypts_to_the_title_only(push: Push) -> None:
    sub = await push.subscribe()
    title = HEADLINE[:80]
    result = await push.client().send(sub, PushNotice("m-42", title), Priority.FLASH)
    assert (result.reaction, result.status) == (PushReaction.SENT, 201)
    assert result.location is not None and result.location.startswith(push.url)
    [entry] = push.fake.log.entries
    assert json.loads(entry["plaintext"]) == {"message_id": "m-42", "title": title}
    assert entry["vapid"]["aud"] == push.url and entry["vapid"]["sub"] == SUBJECT
    assert (entry["urgency"], entry["ttl"]) == ("high", 120)  # flash: push alone for 2 minutes
    assert entry["topic"] == topic_of("m-42")


async def test_each_push_is_encrypted_afresh_and_the_vapid_token_is_reused(push: Push) -> None:
    sub = await push.subscribe()
    client = push.client()
    for _ in range(3):
        result = await client.send(sub, PushNotice("m-7", "सूचना"), Priority.ROUTINE)
        assert result.reaction is PushReaction.SENT
    entries = push.fake.log.entries
    assert {e["plaintext"] for e in entries} == {'{"message_id":"m-7","title":"सूचना"}'}
    assert len({e["bytes"] for e in entries}) == 1 and entries[0]["ttl"] == 7200
    assert len({e["vapid"]["exp"] for e in entries}) == 1  # one signature for the audience
    first = client.authorization(sub.endpoint)
    later = client.authorization(sub.endpoint, now=entries[0]["vapid"]["exp"] - 60)
    assert later != first  # signed afresh an hour or less before it expires


async def test_an_expired_or_unknown_subscription_is_gone(push: Push) -> None:
    sub = await push.subscribe()
    sub_id = sub.endpoint.rsplit("/", 1)[1]
    async with push.session.post(f"{push.url}/_fake/subscriptions/{sub_id}/expire") as resp:
        assert resp.status == 200
    gone = await push.client().send(sub, PushNotice("m-1", "x"), Priority.URGENT)
    assert (gone.reaction, gone.status) == (PushReaction.GONE, 410)
    unknown = PushSubscription(f"{push.url}/push/never-made", sub.p256dh, sub.auth)
    missing = await push.client().send(unknown, PushNotice("m-1", "x"), Priority.URGENT)
    assert (missing.reaction, missing.status) == (PushReaction.GONE, 404)
    assert push.fake.log.entries == []


async def test_over_the_rate_the_answer_says_when_to_come_back(push: Push) -> None:
    push.fake.config.update(mps_cap=2)
    sub = await push.subscribe()
    client = push.client()
    results = [await client.send(sub, PushNotice(f"m-{i}", "x"), Priority.FLASH) for i in range(3)]
    assert [r.reaction for r in results] == [PushReaction.SENT] * 2 + [PushReaction.SLOW_DOWN]
    assert results[2].retry_after == float(DEFAULTS["retry_after"])


async def test_a_key_other_than_the_subscriptions_pauses_the_channel(push: Push) -> None:
    sub = await push.subscribe()
    other_pem, _ = vapid_key()
    result = await push.client(other_pem).send(sub, PushNotice("m-1", "x"), Priority.FLASH)
    assert (result.reaction, result.status) == (PushReaction.PAUSE_CHANNEL, 403)
    assert "does not match" in result.detail


async def test_a_token_for_another_push_service_is_refused(push: Push) -> None:
    sub = await push.subscribe()
    client = push.client()
    foreign = client.authorization("https://fcm.googleapis.com/fcm/send/abc")
    client._tokens[push.url] = (float("inf"), foreign)  # as if the audience were mixed up
    result = await client.send(sub, PushNotice("m-1", "x"), Priority.FLASH)
    assert (result.reaction, result.status) == (PushReaction.PAUSE_CHANNEL, 401)
    assert "Invalid VAPID token" in result.detail


async def test_a_body_that_does_not_decrypt_is_refused_by_the_fake(push: Push) -> None:
    sub = await push.subscribe()
    client = push.client()
    headers = {
        "Authorization": client.authorization(sub.endpoint),
        "TTL": "60",
        "Content-Encoding": "aes128gcm",
    }
    async with push.session.post(sub.endpoint, data=b"\x00" * 120, headers=headers) as resp:
        assert resp.status == 400
        assert (await resp.json())["message"] == "The body does not decrypt"
    async with push.session.post(sub.endpoint, data=b"", headers={**headers, "TTL": ""}) as r:
        assert (r.status, (await r.json())["message"]) == (400, "Missing TTL header")


async def test_no_answer_is_retried(push: Push) -> None:
    sub = await push.subscribe()
    down = PushSubscription("http://127.0.0.1:9/push/x", sub.p256dh, sub.auth)  # discard port
    result = await push.client().send(down, PushNotice("m-1", "x"), Priority.FLASH, timedelta(1))
    assert (result.reaction, result.status) == (PushReaction.RETRY, None)
