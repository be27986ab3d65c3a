"""The field app's Web Push subscriptions at the roster (issue 17): a member adds the browser they
allowed notifications in, and the subscription goes out with their contacts on
roster.contacts.v1 (the one topic the publisher reads them from); only known push services are
taken, a member keeps their newest few, removal and erasure take it away again."""

from __future__ import annotations

import base64
import json
import secrets
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import asyncpg
import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec
from nazar_contracts.contacts import ContactUpserted
from nazar_platform import db
from roster.store import members as member_store

from tests.conftest import DatabaseFactory
from tests.integration.roster.support import (
    Running,
    demo_roster,
    member_ids_by_role,
    read_all,
    token_for,
    wait_relayed,
)

FCM = "https://fcm.googleapis.com/fcm/send/"


def b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def browser_subscription(endpoint: str | None = None) -> dict[str, Any]:
    """What `PushSubscription.toJSON()` gives: an endpoint and the browser's keys."""
    point = (
        ec.generate_private_key(ec.SECP256R1())
        .public_key()
        .public_bytes(serialization.Encoding.X962, serialization.PublicFormat.UncompressedPoint)
    )
    return {
        "endpoint": endpoint or FCM + b64url(secrets.token_bytes(24)),
        "expirationTime": None,
        "keys": {"p256dh": b64url(point), "auth": b64url(secrets.token_bytes(16))},
    }


@pytest.fixture(scope="module")
async def demo(
    databases: DatabaseFactory, kafka_bootstrap: str, demo_files: Path
) -> AsyncIterator[Running]:
    async with demo_roster(
        databases, kafka_bootstrap, demo_files, "roster_push", push_subscriptions_max=3
    ) as running:
        yield running


async def _contacts_of(running: Running, member_id: str) -> list[ContactUpserted]:
    await wait_relayed(running.database)
    records = await read_all(running.bootstrap, running.topics.contacts)
    return [
        ContactUpserted.model_validate_json(r.value)
        for r in records
        if r.key == member_id.encode() and r.value is not None
    ]


async def test_a_subscription_goes_out_with_the_members_contacts(demo: Running) -> None:
    [sho, *_] = await member_ids_by_role(demo.database, "sho")
    before = await _contacts_of(demo, sho)
    sub = browser_subscription()
    async with demo.client(await token_for(demo, sho)) as c:
        added = await c.post("/api/v1/me/push-subscriptions", json=sub)
        assert added.status_code == 201, added.text
        assert [s["endpoint"] for s in added.json()] == [sub["endpoint"]]
        again = await c.post("/api/v1/me/push-subscriptions", json=sub)
        assert again.status_code == 200  # known: nothing new, no event
    after = await _contacts_of(demo, sho)
    assert len(after) == len(before) + 1
    [push] = after[-1].push
    assert (push.endpoint, push.p256dh, push.auth) == (
        sub["endpoint"], sub["keys"]["p256dh"], sub["keys"]["auth"],
    )  # fmt: skip
    assert after[-1].whatsapp == before[-1].whatsapp  # the rest of the contact as it was
    async with demo.client(await token_for(demo, sho), language="hi") as c:
        gone = await c.request(
            "DELETE", "/api/v1/me/push-subscriptions", params={"endpoint": sub["endpoint"]}
        )
        assert gone.status_code == 204
        missing = await c.request(
            "DELETE", "/api/v1/me/push-subscriptions", params={"endpoint": sub["endpoint"]}
        )
        assert missing.status_code == 404
        assert missing.headers["content-type"].startswith("application/problem+json")
        assert missing.json()["title"] == "ऐसी कोई पुश सदस्यता नहीं है"
    last = (await _contacts_of(demo, sho))[-1]
    assert last.push == [] and last.version == after[-1].version + 1
    # A member without subscriptions has the document they had before: no push key at all.
    records = await read_all(demo.bootstrap, demo.topics.contacts)
    raw = [r.value for r in records if r.key == sho.encode() and r.value is not None]
    assert "push" not in json.loads(raw[-1])


async def test_only_known_push_services_and_real_keys_are_taken_with_reasons_in_hindi(
    demo: Running,
) -> None:
    [constable, *_] = await member_ids_by_role(demo.database, "constable")
    forged = browser_subscription("http://169.254.169.254/latest/meta-data")  # a forgery target
    bad_key = browser_subscription()
    bad_key["keys"]["p256dh"] = b64url(b"\x04" + secrets.token_bytes(64))  # not on the curve
    short_auth = browser_subscription()
    short_auth["keys"]["auth"] = b64url(secrets.token_bytes(8))
    lookalike = browser_subscription("https://fcm.googleapis.com.evil.example/fcm/send/x")
    async with demo.client(await token_for(demo, constable), language="hi") as c:
        for body, words in (
            (forged, "ज्ञात पुश सेवा"),
            (lookalike, "ज्ञात पुश सेवा"),
            (bad_key, "P-256"),
            (short_auth, "16 बाइट"),
        ):
            r = await c.post("/api/v1/me/push-subscriptions", json=body)
            assert r.status_code == 422, r.text
            assert r.json()["title"] == "यह पुश सदस्यता स्वीकार नहीं की जा सकती"
            assert words in r.json()["detail"]
        extra = {**browser_subscription(), "member_id": "someone-else"}
        assert (await c.post("/api/v1/me/push-subscriptions", json=extra)).status_code == 422
        assert (await c.get("/api/v1/me/push-subscriptions")).json() == []
    async with demo.client() as anonymous:
        r = await anonymous.post("/api/v1/me/push-subscriptions", json=browser_subscription())
        assert r.status_code == 401


async def test_a_member_keeps_their_newest_devices_and_erasure_removes_them(
    demo: Running,
) -> None:
    [volunteer, *_] = await member_ids_by_role(demo.database, "gram_rakshak")
    subs = [browser_subscription() for _ in range(4)]
    async with demo.client(await token_for(demo, volunteer)) as c:
        for sub in subs:
            assert (await c.post("/api/v1/me/push-subscriptions", json=sub)).status_code == 201
        kept = (await c.get("/api/v1/me/push-subscriptions")).json()
    assert [s["endpoint"] for s in kept] == [s["endpoint"] for s in subs[1:]]  # 3: newest kept
    assert [p.endpoint for p in (await _contacts_of(demo, volunteer))[-1].push] == [
        s["endpoint"] for s in subs[1:]
    ]
    async with db.transaction(demo.app.state.roster.pool) as conn:
        assert await member_store.erase(conn, volunteer, [demo.topics.contacts])
    conn = await asyncpg.connect(demo.database)
    try:
        left = await conn.fetchval(
            "SELECT count(*) FROM push_subscriptions WHERE member_id = $1", volunteer
        )
    finally:
        await conn.close()
    assert left == 0
