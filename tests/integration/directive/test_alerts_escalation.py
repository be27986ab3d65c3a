"""Field alerts climbing the chain on real Kafka and PostgreSQL (issue 15), with the escalation
delays shortened as a stack may: `soon` → the SP → the range IG, `immediate` → the range IG; a
taken case stops; a station without an SHO passes its alert to the SP at once; alerts about
one incident arriving at the same moment open one incident; a record that does not fit its
contract goes to the DLQ."""

from __future__ import annotations

import asyncio
import uuid
from collections import Counter
from collections.abc import AsyncIterator
from datetime import UTC, datetime

import pytest
from aiokafka import AIOKafkaProducer
from directive.domain.alerts import routing_message_id
from nazar_contracts import event_types as types
from nazar_contracts.alerts import AlertKind, Urgency
from nazar_platform.kafka.cloudevents import format_time, headers_for

from tests.conftest import DatabaseFactory
from tests.integration.directive.alerts_support import (
    AlertWorld,
    alert_requests,
    alert_service,
    case_events,
    jobs_done,
    processed,
    publish,
    raised,
    routed,
)
from tests.integration.directive.support import produce
from tests.integration.platform.support import automatic_entries, read_topic, wait_for


@pytest.fixture(scope="module")
async def world(kafka_bootstrap: str, databases: DatabaseFactory) -> AsyncIterator[AlertWorld]:
    async with alert_service(
        databases,
        kafka_bootstrap,
        scheduler=True,
        alert_soon_to_sp_after=3.0,
        alert_soon_to_ig_after=3.0,
        alert_immediate_to_ig_after=3.0,
        alert_escalation_interval="PT0.2S",
    ) as w:
        yield w


async def stage_of(w: AlertWorld, incident_id: str) -> str:
    return str(await w.pool.fetchval("SELECT stage FROM incidents WHERE id = $1", incident_id))


async def test_soon_climbs_to_the_sp_then_the_ig_and_immediate_to_the_ig(world: AlertWorld) -> None:
    w = world
    soon = raised(w, station="PS-BIKANER-11", kind=AlertKind.ILLEGAL_MINING)
    immediate = raised(
        w, station="PS-CHURU-12", kind=AlertKind.WANTED_PERSON, urgency=Urgency.IMMEDIATE
    )
    for e in (soon, immediate):
        await publish(w, e)
    for e in (soon, immediate):
        await routed(w, e.alert_id)

    async def at_the_top() -> bool:
        stages = {await stage_of(w, e.alert_id) for e in (soon, immediate)}
        return stages == {"ig"}

    await wait_for(at_the_top, within=60)
    await asyncio.sleep(2.0)  # nothing climbs past the top
    await jobs_done(w)
    sp, ig = w.officer("sp", "DST-BIKANER"), w.officer("ig", "RNG-BIKANER")
    climbed = [e for t, e in await case_events(w) if t == "nazar.alert.escalated.v1"]
    assert [(str(e.stage), e.officers) for e in climbed if e.alert_id == soon.alert_id] == [
        ("sp", [sp]),
        ("ig", [ig]),
    ]
    churu_ig = w.officer("ig", "RNG-BIKANER")  # Churu is in the Bikaner range too
    assert [(str(e.stage), e.officers) for e in climbed if e.alert_id == immediate.alert_id] == [
        ("ig", [churu_ig])
    ]
    sent = [r for _, r in await alert_requests(w) if r.origin and r.origin.id == soon.alert_id]
    assert Counter(r.member_id for r in sent) == Counter(
        [w.officer("sho", "PS-BIKANER-11"), w.officer("co", "CIR-BIKANER-1"), sp, ig]
    )
    titles = {r.member_id: r.title for r in sent}
    assert titles[sp].startswith("वृद्धि (पुलिस अधीक्षक)") and titles[ig].startswith(
        "वृद्धि (पुलिस महानिरीक्षक)"
    )
    stored = await w.pool.fetch(
        "SELECT member_id, stage FROM incident_officers WHERE incident_id = $1", soon.alert_id
    )
    assert {r["member_id"]: r["stage"] for r in stored}[ig] == "ig"
    # Each climb is on the audit trail as the escalation loop's decision, when it fell due.
    audited = await automatic_entries(w.pool, subject=f"incident:{soon.alert_id}")
    assert [(a["actor"], a["action"]) for a in audited] == [
        ("system:alerts", "alert.route"),
        ("system:alert-escalation", "alert.escalate"),
        ("system:alert-escalation", "alert.escalate"),
    ]
    assert [a["reason"].rsplit("; ", 1)[-1] for a in audited[1:]] == [
        "stage sp: 1 officer(s)",
        "stage ig: 1 officer(s)",
    ]
    assert all(a["reason"].startswith("escalation due ") for a in audited[1:])
    assert all(a["cause_event_id"] is None for a in audited[1:])


async def test_a_taken_case_does_not_climb(world: AlertWorld) -> None:
    w = world
    api = w.api
    event = raised(w, station="PS-BIKANER-12", kind=AlertKind.OTHER)
    await publish(w, event)
    await routed(w, event.alert_id)
    async with api.client() as http:
        took = await http.post(
            f"/api/v1/incidents/{event.alert_id}/take", headers=api.as_("sho", "PS-BIKANER-12")
        )
    assert took.status_code == 200, took.text
    await asyncio.sleep(6.5)  # past both delays
    assert await stage_of(w, event.alert_id) == "routed"
    climbed = [
        e
        for t, e in await case_events(w)
        if t == "nazar.alert.escalated.v1" and e.alert_id == event.alert_id
    ]
    assert climbed == []


async def test_a_station_without_an_sho_passes_its_alert_to_the_sp_at_once(
    world: AlertWorld,
) -> None:
    w = world
    station = "PS-CHURU-21"
    sho = w.officer("sho", station)
    record = next(m for m in w.api.roster.members if m.member_id == sho)
    await produce(
        w.bootstrap,
        [(w.api.topics.members, record.model_copy(update={"active": False, "version": 2}))],
    )

    async def gone() -> bool:
        return not await w.pool.fetchval("SELECT reachable FROM members WHERE id = $1", sho)

    await wait_for(gone, within=60)
    event = raised(w, station=station, kind=AlertKind.ROAD_ACCIDENT)
    await publish(w, event)
    await routed(w, event.alert_id)
    await jobs_done(w)
    co, sp = w.officer("co", "CIR-CHURU-2"), w.officer("sp", "DST-CHURU")
    sent = [r for _, r in await alert_requests(w) if r.origin and r.origin.id == event.alert_id]
    by_message = {r.member_id: r.message_id for r in sent}
    assert sorted(by_message) == sorted([co, sp])
    assert by_message[co] == str(routing_message_id(event.alert_id)) != by_message[sp]
    row = await w.pool.fetchrow("SELECT stage FROM incidents WHERE id = $1", event.alert_id)
    assert row["stage"] == "sp"  # the SP stage began at once; the IG is next
    routes = [
        e
        for t, e in await case_events(w)
        if t == "nazar.alert.routed.v1" and e.alert_id == event.alert_id
    ]
    assert sorted(routes[0].officers) == sorted([co, sp])


async def test_alerts_arriving_together_about_one_place_open_one_incident(
    world: AlertWorld,
) -> None:
    w = world
    station = "PS-JAIPUR-EAST-11"
    events = [
        raised(
            w,
            station=station,
            kind=AlertKind.CROWD_TENSION,
            place="त्रिपोलिया बाज़ार",
            lat=26.9239,
            lon=75.8267,
        )
        for _ in range(6)
    ]
    ids = await asyncio.gather(*(publish(w, e) for e in events))
    for i in ids:
        await wait_for(lambda i=i: processed(w, i), within=60)  # type: ignore[misc]
    incidents = await w.pool.fetch(
        "SELECT DISTINCT incident_id FROM alerts WHERE id = ANY($1::text[])",
        [e.alert_id for e in events],
    )
    assert len(incidents) == 1
    incident = incidents[0]["incident_id"]
    count = await w.pool.fetchval("SELECT alert_count FROM incidents WHERE id = $1", incident)
    assert count == 6
    await jobs_done(w)
    to_officers = [
        r
        for _, r in await alert_requests(w)
        if r.origin and r.origin.id == incident and r.ack_requested
    ]
    assert Counter(r.member_id for r in to_officers) == Counter(
        [w.officer("sho", station), w.officer("co", "CIR-JAIPUR-EAST-1")]
    )


async def test_a_poison_alert_goes_to_the_dlq_and_the_next_one_is_routed(world: AlertWorld) -> None:
    w = world
    producer = AIOKafkaProducer(bootstrap_servers=w.bootstrap, acks="all")
    await producer.start()
    try:
        await producer.send_and_wait(
            w.alert_events,
            key=b"alt-poison",
            value=b'{"alert_id": "alt-poison", "kind": "unheard-of"}',
            headers=headers_for(
                str(uuid.uuid4()),
                types.ALERT_RAISED,
                "/nazar/story-intake",
                format_time(datetime.now(UTC)),
            ),
        )
    finally:
        await producer.stop()
    event = raised(w, station="PS-BIKANER-22", kind=AlertKind.ILLEGAL_MINING)
    await publish(w, event)
    await routed(w, event.alert_id)

    async def dead_lettered() -> bool:
        return len(await read_topic(w.bootstrap, f"{w.alert_events}.dlq")) == 1

    await wait_for(dead_lettered, within=60)
    assert not await w.pool.fetchval("SELECT true FROM alerts WHERE id = 'alt-poison'")


async def test_a_soon_case_an_immediate_alert_joins_reaches_the_sp_before_the_ig(
    world: AlertWorld,
) -> None:
    w = world
    station = "PS-CHURU-22"
    first = raised(w, station=station, kind=AlertKind.CYBER_FRAUD, place="पंचायत भवन")
    await publish(w, first)
    await routed(w, first.alert_id)
    urgent = raised(
        w, station=station, kind=AlertKind.CYBER_FRAUD, place="पंचायत भवन", urgency=Urgency.IMMEDIATE
    )
    await publish(w, urgent)

    async def at_the_top() -> bool:
        return await stage_of(w, first.alert_id) == "ig"

    await wait_for(at_the_top, within=60)
    row = await w.pool.fetchrow(
        "SELECT urgency, alert_count FROM incidents WHERE id = $1", first.alert_id
    )
    assert (row["urgency"], row["alert_count"]) == ("immediate", 2)
    climbed = [
        (str(e.stage), e.officers)
        for t, e in await case_events(w)
        if t == "nazar.alert.escalated.v1" and e.alert_id == first.alert_id
    ]
    assert climbed == [
        ("sp", [w.officer("sp", "DST-CHURU")]),
        ("ig", [w.officer("ig", "RNG-BIKANER")]),
    ]
    await jobs_done(w)
    to_sp = [
        r
        for _, r in await alert_requests(w)
        if r.origin
        and r.origin.id == first.alert_id
        and r.member_id == w.officer("sp", "DST-CHURU")
    ]
    assert len(to_sp) == 1 and "(तत्काल)" in to_sp[0].title  # the case's urgency now
