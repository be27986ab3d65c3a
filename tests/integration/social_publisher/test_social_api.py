"""`/api/v1/social/accounts` and `/api/v1/social/posts/{id}` on the real app (its lifespan: the
runtime, the consumer, the queue) with a scripted network client; problems in Hindi and English."""

from __future__ import annotations

import os
from datetime import timedelta
from pathlib import Path

import httpx
from nazar_contracts.publish import PublishPosted
from nazar_contracts.stories import PublicChannel
from nazar_platform.auth.tokens import Grant, ensure_dev_keypair, mint
from nazar_platform.db import migrations
from nazar_platform.service import ServiceParts
from social_publisher.app import create
from social_publisher.domain.social import ErrorKind, Network

from tests.conftest import TopicFactory
from tests.integration.social_publisher.queue_support import (
    ScriptedClient,
    ScriptedSocial,
    error,
    eventually,
    prepare,
    produce,
    request,
    results,
    settings_for,
)

HINDI = "भरतपुर पुलिस: चोरी की 12 मोटरसाइकिलें बरामद, दो आरोपी गिरफ्तार 🚨"


def bearer(grant: str) -> dict[str, str]:
    key = ensure_dev_keypair(Path(os.environ["NAZAR_AUTH_DEV_PRIVATE_KEY_PATH"]))
    token = mint(
        "M-TEST-CELL", [Grant.parse(grant)], private_key=key, issuer="nazar-dev",
        audience="nazar", ttl=timedelta(hours=1), kid="nazar-dev",
    )  # fmt: skip
    return {"Authorization": f"Bearer {token}"}


async def test_accounts_and_posts_as_the_cell_reads_them(
    kafka_bootstrap: str, fresh_database: str, new_topic: TopicFactory
) -> None:
    requests, out = await new_topic("publish-requests"), await new_topic("publish-results")
    clients = {n: ScriptedClient(n) for n in Network}
    clients[Network.X].remaining = 7
    clients[Network.X].script = [error(Network.X, ErrorKind.TRANSIENT, "503")]
    clients[Network.FACEBOOK].script = [error(Network.FACEBOOK, ErrorKind.ACCOUNT, "190")]
    settings = settings_for(fresh_database, kafka_bootstrap, requests, out)
    social = ScriptedSocial(settings, clients)
    await prepare(
        settings,
        ServiceParts(settings, migrations=migrations.load("social-publisher", "social_publisher")),
    )
    app = create(settings, social)
    posted_x, waiting_fb = request(PublicChannel.X, HINDI), request(PublicChannel.FACEBOOK, HINDI)
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://publisher") as http:
            await produce(kafka_bootstrap, requests, [posted_x, waiting_fb])
            await eventually(lambda: _posted(kafka_bootstrap, out))
            await eventually(lambda: _stopped(http))
            r = await http.get("/api/v1/social/accounts", headers=bearer("adg:PHQ"))
            assert r.status_code == 200, r.text
            by_id = {a["account_id"]: a for a in r.json()["accounts"]}
            x, fb = by_id["x-state"], by_id["facebook-state"]
            assert (x["state"], x["posts_today"], x["daily_cap"], x["queue_depth"]) == (
                "active", 1, 50, 0,
            )  # fmt: skip
            assert x["quota_left"] == 7  # the network's 7 left, under our cap's 49
            assert 49 < x["token_days_to_expiry"] <= 50
            assert (fb["state"], fb["stopped_code"], fb["queue_depth"]) == ("stopped", "190", 1)

            r = await http.get(
                f"/api/v1/social/posts/{posted_x.post_id}", headers=bearer("adg:PHQ")
            )
            assert r.status_code == 200, r.text
            post = r.json()
            assert post["state"] == "posted"
            assert [(a["outcome"], a["code"]) for a in post["attempts"]] == [
                ("transient", "503"), ("posted", None),
            ]  # fmt: skip

            r = await http.get(
                "/api/v1/social/posts/post-nowhere",
                headers={**bearer("adg:PHQ"), "Accept-Language": "hi"},
            )
            assert r.status_code == 404
            assert r.headers["content-type"].startswith("application/problem+json")
            assert "post-nowhere" in r.json()["detail"] and "प्रकाशक" in r.json()["detail"]

            r = await http.get("/api/v1/social/accounts")
            assert r.status_code == 401


async def _posted(bootstrap: str, topic: str) -> bool:
    return any(isinstance(d, PublishPosted) for _, d in await results(bootstrap, topic))


async def _stopped(http: httpx.AsyncClient) -> bool:
    r = await http.get("/api/v1/social/accounts", headers=bearer("adg:PHQ"))
    return any(a["state"] == "stopped" for a in r.json()["accounts"])
