"""Changes that propagate: a circle moving to another district, an opt-out by reply, consent."""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import AsyncIterator, Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import asyncpg
import pytest
from nazar_contracts.dispatch import Channel, DispatchOptedOut
from nazar_contracts.registry import parse_json
from nazar_platform.kafka.clients import make_producer
from nazar_platform.kafka.cloudevents import CloudEvent, encode
from nazar_platform.kafka.dlq import RawRecord

from tests.conftest import DatabaseFactory, TopicFactory
from tests.integration.roster.support import (
    Running,
    fetch_all,
    hq_token,
    import_roster,
    make_topics,
    member_ids_by_role,
    read_all,
    running_roster,
    wait_relayed,
)


@pytest.fixture(scope="module")
async def demo(
    databases: DatabaseFactory, kafka_bootstrap: str, demo_files: Path
) -> AsyncIterator[Running]:
    database = await databases.create("roster_changes")
    factory = TopicFactory(kafka_bootstrap)
    topics = await make_topics(factory)
    try:
        async with running_roster(database, kafka_bootstrap, topics) as running:
            await import_roster(running, demo_files)
            await wait_relayed(database)
            yield running
    finally:
        await factory.delete_all()
        await databases.drop(database)


def latest(records: list[RawRecord]) -> dict[str, RawRecord]:
    """The last record per key, as a compacted topic's reader ends up with."""
    out: dict[str, RawRecord] = {}
    for r in sorted(records, key=lambda r: (r.partition, r.offset)):
        assert r.key is not None
        out[r.key.decode()] = r
    return out


def data(record: RawRecord) -> dict[str, Any]:
    assert record.value is not None
    value: dict[str, Any] = json.loads(record.value)
    return value


def ce_type(record: RawRecord) -> str:
    return dict(record.headers)["ce_type"].decode()


async def until(
    running: Running, topic: str, key: str, check: Callable[[dict[str, Any]], bool]
) -> dict[str, Any]:
    deadline = time.monotonic() + 30
    while True:
        await wait_relayed(running.database)
        record = latest(await read_all(running.bootstrap, topic)).get(key)
        if record is not None and record.value is not None and check(data(record)):
            return data(record)
        assert time.monotonic() < deadline, f"no record for {key} on {topic} passed the check"
        await asyncio.sleep(0.3)


async def test_moving_a_circle_to_another_district_changes_its_groups_sp(demo: Running) -> None:
    circle = "CIR-KISHANGARH-BAS"  # a Khairthal-Tijara circle (Jaipur range)
    old_sp = await member_ids_by_role(demo.database, "sp", "DST-KHAIRTHAL-TIJARA")
    old_ig = await member_ids_by_role(demo.database, "ig", "RNG-JAIPUR")
    new_sp = await member_ids_by_role(demo.database, "sp", "DST-BIKANER")
    new_ig = await member_ids_by_role(demo.database, "ig", "RNG-BIKANER")
    group = f"circle.{circle}"
    before = await until(demo, demo.topics.groups, group, lambda d: True)
    members_before = {m["member_id"] for m in before["members"]}
    assert set(old_sp + old_ig) <= members_before and not set(new_sp) & members_before

    def state_group(records: list[RawRecord]) -> int:
        return sum(r.key == b"state-crime" for r in records)

    state_before = state_group(await read_all(demo.bootstrap, demo.topics.groups))
    async with demo.client(hq_token()) as c:
        r = await c.patch(f"/api/v1/units/{circle}", json={"parent_id": "DST-BIKANER"})
        assert r.status_code == 200, r.text
        assert r.json()["path"] == ["PHQ", "RNG-BIKANER", "DST-BIKANER", circle]
        listed = {m["member_id"] for m in await fetch_all(c, f"/api/v1/groups/{group}/members")}

    after = await until(demo, demo.topics.groups, group, lambda d: d["version"] > before["version"])
    members_after = {m["member_id"] for m in after["members"]}
    assert set(new_sp + new_ig) <= members_after
    assert not set(old_sp + old_ig) & members_after
    assert listed == members_after
    # Everyone below moved too: the circle's stations and every member posted there.
    units = latest(await read_all(demo.bootstrap, demo.topics.units))
    stations = [d for d in map(data, units.values()) if d["parent_id"] == circle]
    assert stations and all(
        s["path"][:3] == ["PHQ", "RNG-BIKANER", "DST-BIKANER"] for s in stations
    )
    members = [
        data(r) for r in latest(await read_all(demo.bootstrap, demo.topics.members)).values()
    ]
    posted_here = [p for m in members for p in m["postings"] if circle in p["unit_path"]]
    assert posted_here and all(p["unit_path"][2] == "DST-BIKANER" for p in posted_here)
    # The state crime group (every SP and IG) did not change, so it was not republished.
    assert state_group(await read_all(demo.bootstrap, demo.topics.groups)) == state_before


async def _volunteer_with_consent(database: str) -> str:
    conn = await asyncpg.connect(database)
    try:
        member: str = await conn.fetchval(
            """SELECT m.member_id FROM members m JOIN contacts c USING (member_id)
               WHERE m.consent_required AND m.consent_state = 'granted' AND m.active
                 AND c.whatsapp IS NOT NULL ORDER BY m.member_id LIMIT 1"""
        )
        return member
    finally:
        await conn.close()


async def test_an_opt_out_reply_withdraws_consent_and_republishes(demo: Running) -> None:
    member = await _volunteer_with_consent(demo.database)
    contact_before = await until(demo, demo.topics.contacts, member, lambda d: True)

    async def versions() -> list[int]:
        records = await read_all(demo.bootstrap, demo.topics.members)
        return [data(r)["version"] for r in records if r.key == member.encode()]

    before = await versions()
    assert contact_before["messaging_allowed"] is True
    opted_out = DispatchOptedOut(
        reply_id="reply-1", member_id=member, channel=Channel.WHATSAPP, keyword="बंद",
        received_at=datetime.now(UTC),
    )  # fmt: skip
    event = CloudEvent(
        type="nazar.dispatch.opted_out.v1", source="/nazar/social-publisher",
        data=opted_out.model_dump(mode="json"), subject=member,
    )  # fmt: skip
    value, headers = encode(event)
    producer = make_producer(demo.bootstrap)
    await producer.start()
    try:
        for _ in range(2):  # a redelivered event changes nothing more
            await producer.send_and_wait(
                demo.topics.replies, value=value, key=member.encode(), headers=headers
            )
    finally:
        await producer.stop()

    member_after = await until(
        demo, demo.topics.members, member, lambda d: d["consent"]["state"] == "withdrawn"
    )
    contact_after = await until(
        demo, demo.topics.contacts, member, lambda d: d["consent_state"] == "withdrawn"
    )
    assert contact_after["messaging_allowed"] is False
    assert contact_after["whatsapp"] == contact_before["whatsapp"]
    assert member_after["consent"]["withdrawn_at"] is not None
    parse_json("nazar.member.upserted.v1", json.dumps(member_after).encode())
    parse_json("nazar.contact.upserted.v1", json.dumps(contact_after).encode())
    await asyncio.sleep(1)
    await wait_relayed(demo.database)
    after = await versions()
    assert after == [*before, before[-1] + 1], "one withdrawal, one new version, not two"
    # The withdrawal is on the audit trail once, as the consumer's decision, with the reply
    # event's id; the audit API lists it among automatic entries.
    async with demo.client(hq_token()) as c:
        listed = await c.get("/api/v1/audit", params={"automatic": "true", "cause_event": event.id})
        requests_only = await c.get(
            "/api/v1/audit", params={"automatic": "false", "cause_event": event.id}
        )
    assert listed.status_code == 200, listed.text
    assert [
        (e["automatic"], e["actor"], e["action"], e["target_member"], e["outcome"], e["method"])
        for e in listed.json()["items"]
    ] == [(True, "system:opt-outs", "roster.consent", member, "allowed", None)]
    assert listed.json()["items"][0]["reason"] == "withdrawn by a reply on whatsapp"
    assert requests_only.json()["items"] == []


async def test_consent_through_the_api_and_not_for_police(demo: Running) -> None:
    member = await _volunteer_with_consent(demo.database)
    constable = (await member_ids_by_role(demo.database, "constable"))[0]
    async with demo.client(hq_token(), language="hi") as c:
        r = await c.post(f"/api/v1/members/{member}/consent", json={"state": "withdrawn"})
        assert r.status_code == 200 and r.json()["consent"]["state"] == "withdrawn"
        r = await c.post(
            f"/api/v1/members/{member}/consent",
            json={"state": "granted", "method": "form", "purpose": "निर्देश प्राप्त करना"},
        )
        assert r.status_code == 200 and r.json()["consent"]["state"] == "granted"
        r = await c.post(f"/api/v1/members/{constable}/consent", json={"state": "withdrawn"})
        assert r.status_code == 409
        problem = r.json()
        assert problem["code"] == "roster.consent_not_applicable"
        assert problem["title"] == "सहमति केवल सामुदायिक स्वयंसेवकों पर लागू होती है"
    contact = await until(
        demo, demo.topics.contacts, member, lambda d: d["consent_state"] == "granted"
    )
    assert contact["messaging_allowed"] is True


async def test_a_new_circle_renamed_and_closed_keeps_its_history(demo: Running) -> None:
    circle = "CIR-NAYA-SHAHAR"
    async with demo.client(hq_token(), language="hi") as c:
        body = {"unit_id": circle, "kind": "circle", "name_hi": "नया शहर", "name_en": "Naya Shahar",
                "parent_id": "DST-BIKANER"}  # fmt: skip
        assert (await c.post("/api/v1/units", json=body)).status_code == 201
        group = await until(demo, demo.topics.groups, f"circle.{circle}", lambda d: True)
        assert group["name"] == {"hi": "नया शहर वृत्त समूह", "en": "Naya Shahar circle group"}
        assert group["admins"] == [] and {m["role"] for m in group["members"]} == {"sp", "ig"}
        r = await c.patch(f"/api/v1/units/{circle}", json={"name_en": "Naya Shahar City"})
        assert r.status_code == 200
        await until(
            demo, demo.topics.groups, f"circle.{circle}",
            lambda d: d["name"]["en"] == "Naya Shahar City circle group",
        )  # fmt: skip
        r = await c.post("/api/v1/units/DST-BIKANER/closure")
        assert r.status_code == 409 and r.json()["code"] == "roster.unit_has_children"
        assert r.json()["title"] == "इस इकाई के अंतर्गत अभी सक्रिय इकाइयाँ हैं"
        assert (await c.post(f"/api/v1/units/{circle}/closure")).status_code == 200
        history = (await c.get(f"/api/v1/units/{circle}/history")).json()
    assert [h["unit"]["name"]["en"] for h in history] == [
        "Naya Shahar", "Naya Shahar City", "Naya Shahar City",
    ]  # fmt: skip
    assert [h["unit"]["active"] for h in history] == [True, True, False]
    await wait_relayed(demo.database)
    last = latest(await read_all(demo.bootstrap, demo.topics.groups))[f"circle.{circle}"]
    assert last.value is None and ce_type(last) == "nazar.group.removed.v1"
