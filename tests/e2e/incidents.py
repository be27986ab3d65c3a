"""The incidents the end-to-end flows do not cause, injected on the running system the way they
happen in the field, so that the dashboards' "something went wrong" panels have data (issue 18,
item 4): a record nobody can read on a topic a service consumes, a WhatsApp number that cannot
get WhatsApp (131026), a dozen stories whose text the lawful-publishing gate blocks, and X
answering 429 (the posting window spent) and then 401 (the account's grant revoked).

Only public ways in: the services' APIs, a record on a real topic, and the fake providers' own
switches (`/_fake/config`), which stand for the provider's behaviour.
"""

from __future__ import annotations

import uuid
from typing import Any

import httpx
from aiokafka import AIOKafkaProducer
from nazar_contracts.topics import DISPATCH_REPLIES
from prometheus_client.parser import text_string_to_metric_families

from tests.e2e.clients import World, call, configure_fake, wait_for
from tests.e2e.system import System

from stackctl import services  # isort: skip  (deploy/ is on the path once tests.e2e.system is in)

STATION = "PS-BHIWADI-KOTWALI"
DISTRICT = "DST-KHAIRTHAL-TIJARA"
GATE_BLOCKED_STORIES = 12  # the gate-block alert fires above 10 in an hour
X_USER = "1500000000000000001"  # the state account's user at the fake X (its default user)
# An Aadhaar number with a valid check digit: the gate blocks it (Aadhaar Act s.29).
BLOCKED_TEXT = "गिरफ़्तार व्यक्ति का आधार 2341 2341 2346 है। ({n})"


async def inject(system: System) -> None:
    world = World(system)
    await poison_record(system)
    await undeliverable_whatsapp(world)
    await gate_blocked_stories(world)
    await x_refuses(world)


async def poison_record(system: System) -> None:
    """Bytes that are no CloudEvent on the replies topic: the directive's consumer cannot apply
    them and sends them to `dispatch.replies.v1.dlq`."""
    producer = AIOKafkaProducer(bootstrap_servers=system.env["NAZAR_KAFKA_BOOTSTRAP"])
    await producer.start()
    try:
        await producer.send_and_wait(DISPATCH_REPLIES, b"\xff not an event", key=b"poison")
    finally:
        await producer.stop()


async def undeliverable_whatsapp(world: World) -> None:
    """The SHO asks for a sign-in code while Meta answers 131026 for their number once: the
    publisher records the provider error and sends the code by SMS instead."""
    sho = await world.refresh(await world.officer("sho", STATION))
    assert sho.whatsapp, "the demo SHO has WhatsApp"
    await configure_fake(
        world.system,
        "whatsapp",
        {"fail": [{"stage": "send", "code": 131026, "recipients": [sho.whatsapp], "times": 1}]},
    )
    r = await call(
        world.system,
        "POST",
        world.roster("/auth/codes"),
        json={"phone": sho.whatsapp},
        retry_for=30,
    )
    assert r.status_code == 202, r.text
    sign_in = r.json()["sign_in_id"]

    async def by_sms() -> bool:
        sms = world.system.ports.base + 202
        found = await world.system.http.get(f"http://127.0.0.1:{sms}/_fake/messages")
        return any(sign_in in str(m.get("ref", "")) for m in found.json()["messages"])

    await wait_for(by_sms, within=60, what="the sign-in code fell back to SMS")


async def gate_blocked_stories(world: World) -> None:
    author = await world.officer("constable", STATION)
    token = await world.token(author)
    url = world.system.url("story-intake", "/api/v1/stories")
    for n in range(GATE_BLOCKED_STORIES):
        body = {
            "kind": "other",
            "title": {"hi": f"गिरफ़्तारी {n}"},
            "text": {"hi": BLOCKED_TEXT.format(n=n)},
            "place": "भिवाड़ी",
        }
        r = await call(world.system, "POST", url, token=token, json=body, key=str(uuid.uuid4()))
        assert r.status_code == 201 and r.json()["gate_verdict"] == "block", r.text


async def _x_config(world: World, config: dict[str, Any]) -> None:
    r = await world.system.http.post(world.system.url("fake-x", "/_fake/config"), json=config)
    assert r.status_code == 200, r.text


async def _approved_for_x(world: World, text: str) -> str:
    """A story taken up the chain and approved for X only, as test_social_flow does."""
    author = await world.officer("constable", STATION)
    co = await world.officer("co", "CIR-BHIWADI")
    sp = await world.officer("sp", DISTRICT)
    writer = await world.officer("content_writer", "PHQ")
    approver = await world.officer("sp_phq_crime", "PHQ")
    story = {
        "kind": "recovery",
        "title": {"hi": "भिवाड़ी पुलिस ने चोरी की मोटरसाइकिल लौटाई"},
        "text": {"hi": "भिवाड़ी कोतवाली पुलिस ने चोरी हुई मोटरसाइकिल बरामद कर मालिक को लौटाई।"},
        "place": "भिवाड़ी",
        "submit": True,
    }
    sid = str((await _story_post(world, author, "/stories", story))["id"])
    await _story_post(world, co, f"/stories/{sid}/decisions", {"decision": "forward"})
    await _story_post(world, sp, f"/stories/{sid}/decisions", {"decision": "forward"})
    await _story_post(world, writer, f"/stories/{sid}/versions/x", {"text": text})
    body = {"scope": "phq_admin", "public_channels": ["x"]}
    await _story_post(world, approver, f"/stories/{sid}/approval", body)
    return sid


async def _story_post(world: World, who: str, path: str, body: dict[str, Any]) -> dict[str, Any]:
    url = world.system.url("story-intake", f"/api/v1{path}")
    r = await call(world.system, "POST", url, token=await world.token(who), json=body, retry_for=30)
    assert r.status_code in (200, 201), r.text
    result: dict[str, Any] = r.json()
    return result


async def _story_posts(world: World, sid: str) -> list[dict[str, Any]]:
    approver = await world.officer("sp_phq_crime", "PHQ")
    url = world.system.url("story-intake", f"/api/v1/stories/{sid}")
    r = await call(world.system, "GET", url, token=await world.token(approver), retry_for=30)
    assert r.status_code == 200, r.text
    posts: list[dict[str, Any]] = r.json()["posts"] or []
    return posts


async def _x_gauge(world: World, name: str) -> list[float]:
    """The publisher's own /metrics: the X account's gauge `name`."""
    port = next(s for s in services.SERVICES if s.name == "social-publisher").metrics_port(
        world.system.ports
    )
    r = await world.system.http.get(f"http://127.0.0.1:{port}/metrics")
    return [
        s.value
        for family in text_string_to_metric_families(r.text)
        for s in family.samples
        if s.name == name and s.labels["network"] == "x"
    ]


async def x_reconnected(world: World) -> None:
    """The cell connects the X account again through X's OAuth (the fake approves at once): the
    pair X returns expires in two hours, which the token-expiry panel shows. The seeded local
    token has no expiry, so without this no account reports one."""
    manager = await world.token(await world.officer("sp_phq_crime", "PHQ"))
    url = world.system.url("social-publisher", "/api/v1/social/accounts/x-state/connect")
    r = await call(world.system, "POST", url, token=manager, key=str(uuid.uuid4()))
    assert r.status_code == 200, r.text
    approved = await world.system.http.get(r.json()["authorize_url"], follow_redirects=False)
    assert approved.status_code in (302, 303), approved.text
    # X sends the browser to the callback through the one origin; the publisher serves it.
    query = httpx.URL(approved.headers["Location"]).query.decode()
    back = world.system.url("social-publisher", f"/oauth/x/callback?{query}")
    done = await world.system.http.get(back)
    assert done.status_code == 200, done.text

    async def expiry() -> list[float]:
        return await _x_gauge(world, "nazar_publisher_social_token_days_to_expiry")

    async def shown() -> bool:
        return bool(await expiry())

    await wait_for(shown, within=90, what="the X token's days to expiry", explain=expiry)


async def x_refuses(world: World) -> None:
    """X answers 429 to a post (the posting window is spent; the post waits for its reset and
    goes out), then the account's grant is revoked: the next post's 401 finds no fresh token
    and the account stops until a person reconnects it."""
    await _x_config(world, {"rate_limit_now": 10})
    first = await _approved_for_x(world, f"चोरी की मोटरसाइकिल लौटाई 🏍️ {uuid.uuid4().hex[:8]}")

    async def posted() -> bool:
        return any(p["public_url"] for p in await _story_posts(world, first))

    async def shown() -> object:
        return await _story_posts(world, first)

    await wait_for(posted, within=90, what="posted on X after the 429's reset", explain=shown)
    await x_reconnected(world)
    await _x_config(world, {"revoked": [X_USER]})
    await _approved_for_x(world, f"भिवाड़ी पुलिस की तत्परता 👮 {uuid.uuid4().hex[:8]}")

    async def stopped() -> bool:
        return await gauge() == [1.0]

    async def gauge() -> list[float]:
        return await _x_gauge(world, "nazar_publisher_social_account_stopped")

    await wait_for(stopped, within=90, what="the X account stopped after 401", explain=gauge)
