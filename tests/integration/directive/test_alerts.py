"""Field alerts' case on real Kafka and PostgreSQL (issue 15): `AlertRaised` → one flash message
to exactly the station's SHO and CO (and SP when immediate); clustering; redelivery; the first
acknowledgement takes it; close and hand-over through the API, with the raisers told."""

from __future__ import annotations

import uuid
from collections import Counter
from collections.abc import AsyncIterator
from datetime import UTC, datetime

import pytest
from aiokafka import AIOKafkaProducer
from directive.domain.alerts import routing_message_id
from nazar_contracts.alerts import AlertKind, Urgency
from nazar_contracts.dispatch import Channel, DispatchDelivered, DispatchReplied, ReplyKind
from nazar_contracts.registry import spec_for_model
from nazar_contracts.vocabulary import Language, Role
from nazar_platform.kafka.cloudevents import format_time, headers_for
from prometheus_client import REGISTRY

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
from tests.integration.platform.support import automatic_entries, wait_for


@pytest.fixture(scope="module")
async def world(kafka_bootstrap: str, databases: DatabaseFactory) -> AsyncIterator[AlertWorld]:
    async with alert_service(databases, kafka_bootstrap) as w:
        yield w


async def test_an_immediate_alert_goes_flash_to_exactly_the_sho_co_and_sp(
    world: AlertWorld,
) -> None:
    w = world
    station = "PS-BIKANER-12"
    event = raised(
        w,
        station=station,
        kind=AlertKind.SUSPICIOUS,
        urgency=Urgency.IMMEDIATE,
        vehicle="RJ07AB1234",
    )
    await publish(w, event)
    await routed(w, event.alert_id)
    officers = {
        w.officer("sho", station): "sho",
        w.officer("co", "CIR-BIKANER-1"): "co",
        w.officer("sp", "DST-BIKANER"): "sp",
    }
    message = str(routing_message_id(event.alert_id))
    sent = [(t, r) for t, r in await alert_requests(w) if r.message_id == message]
    assert Counter(r.member_id for _, r in sent) == Counter(
        list(officers)
    )  # each once, nobody else
    for topic, r in sent:
        assert topic == w.api.topics.flash and r.priority.value == "flash"
        assert r.ack_requested and r.reply_code
        assert r.origin is not None and (str(r.origin.kind), r.origin.id) == (
            "alert",
            event.alert_id,
        )
        assert r.directive_id is None
        assert "RJ07AB1234" in r.body and "मंदिर के पास" in r.body and r.language is Language.HI
    row = await w.pool.fetchrow(
        "SELECT first_request_at, routed_at, raised_at FROM alerts WHERE id = $1", event.alert_id
    )
    assert row["first_request_at"] is not None and row["first_request_at"] >= row["raised_at"]
    stored = await w.pool.fetch(
        "SELECT member_id, role, stage FROM incident_officers WHERE incident_id = $1",
        event.alert_id,
    )
    assert {r["member_id"]: r["role"] for r in stored} == officers
    assert {r["stage"] for r in stored} == {"routed"}
    routes = [d for t, d in await case_events(w) if d.alert_id == event.alert_id]
    assert len(routes) == 1
    assert sorted(routes[0].officers) == sorted(officers)
    assert routes[0].joined is False


async def test_alerts_about_one_incident_cluster_and_a_redelivery_changes_nothing(
    world: AlertWorld,
) -> None:
    w = world
    station = "PS-BIKANER-11"
    first = raised(w, station=station)
    first_id = await publish(w, first)
    await routed(w, first.alert_id)
    sakhi = w.raiser(station, Role.SURAKSHA_SAKHI)
    # The same place in other words and spacing, no position; and 250 m away, other words.
    same_place = raised(
        w, station=station, raiser=sakhi, place="गांधी चौक  बस-स्टैंड के पास", lat=None, lon=None
    )
    nearby = raised(w, station=station, place="मंदिर वाली गली", lat=28.0190, lon=73.3119)
    other_kind = raised(w, station=station, kind=AlertKind.ROAD_ACCIDENT)
    ids = []
    for e in (same_place, nearby, other_kind):
        ids.append(await publish(w, e))
        await wait_for(lambda i=ids[-1]: processed(w, i), within=60)  # type: ignore[misc]
    again = await publish(w, first, first_id)  # the same record again
    copy = await publish(w, first)  # a republished copy with a new event id
    await wait_for(lambda: processed(w, copy), within=60)
    await routed(w, other_kind.alert_id)
    await jobs_done(w)

    members = await w.pool.fetch(
        "SELECT id, incident_id FROM alerts WHERE id = ANY($1::text[])",
        [first.alert_id, same_place.alert_id, nearby.alert_id, other_kind.alert_id],
    )
    assert {r["id"]: r["incident_id"] for r in members} == {
        first.alert_id: first.alert_id,
        same_place.alert_id: first.alert_id,
        nearby.alert_id: first.alert_id,
        other_kind.alert_id: other_kind.alert_id,
    }
    count = await w.pool.fetchval("SELECT alert_count FROM incidents WHERE id = $1", first.alert_id)
    assert count == 3
    messages = await w.pool.fetchval(
        "SELECT count(*) FROM messages "
        "WHERE origin_kind = 'alert' AND origin_id = $1 AND kind = 'alert'",
        first.alert_id,
    )
    assert messages == 1  # the joining alerts message nobody
    sho, co = w.officer("sho", station), w.officer("co", "CIR-BIKANER-1")
    to_first = [r for _, r in await alert_requests(w) if r.origin and r.origin.id == first.alert_id]
    assert Counter(r.member_id for r in to_first) == Counter([sho, co])
    events = [
        (t, d)
        for t, d in await case_events(w)
        if d.alert_id in {first.alert_id, same_place.alert_id, nearby.alert_id}
    ]
    by_alert = Counter(d.alert_id for _, d in events)
    assert by_alert == Counter([first.alert_id, same_place.alert_id, nearby.alert_id])
    for _, d in events:
        joined = d.alert_id != first.alert_id
        assert d.joined is joined and d.incident_id == first.alert_id
        if joined:
            assert d.officers == []
    assert again
    # On the audit trail as the consumer's decisions, each with its AlertRaised event's id: the
    # routing once (the redelivered record and the republished copy add nothing), each join.
    audited = await automatic_entries(w.pool, subject=f"incident:{first.alert_id}")
    assert [(a["actor"], a["action"], a["cause_event_id"]) for a in audited] == [
        ("system:alerts", "alert.route", first_id),
        ("system:alerts", "alert.join", ids[0]),
        ("system:alerts", "alert.join", ids[1]),
    ]
    assert {(a["target_unit"], a["outcome"], a["method"]) for a in audited} == {
        (station, "allowed", None)
    }
    assert audited[0]["reason"] == "stage routed: 2 officer(s)"
    assert audited[1]["reason"] == f"alert {same_place.alert_id}"
    assert await automatic_entries(w.pool, cause_event_id=copy) == []


async def reply(
    w: AlertWorld, member: str, *, delivery: str | None = None, text: str | None = None
) -> str:
    """A member's reply on the replies topic; its event id."""
    data = DispatchReplied(
        reply_id=f"rep-{uuid.uuid4().hex[:12]}",
        member_id=member,
        channel=Channel.WHATSAPP if delivery else Channel.SMS,
        kind=ReplyKind.BUTTON if delivery else ReplyKind.TEXT,
        text=text,
        button_payload=f"ack:{delivery}" if delivery else None,
        in_reply_to_delivery_id=delivery,
        provider_message_id=f"ref-{uuid.uuid4().hex[:8]}",
        received_at=datetime.now(UTC),
    )
    spec = spec_for_model(DispatchReplied)
    event_id = str(uuid.uuid4())
    producer = AIOKafkaProducer(bootstrap_servers=w.bootstrap, acks="all")
    await producer.start()
    try:
        await producer.send_and_wait(
            w.api.topics.replies,
            key=member.encode(),
            value=data.model_dump_json().encode(),
            headers=headers_for(
                event_id, spec.type, "/nazar/social-publisher", format_time(data.received_at)
            ),
        )
    finally:
        await producer.stop()
    return event_id


def since_raise(edge: str) -> float:
    """How many times the raise → `edge` histogram observed (this process runs the service)."""
    found = REGISTRY.get_sample_value(
        "nazar_directive_alert_since_raise_seconds_count", {"edge": edge}
    )
    return found or 0.0


async def test_the_first_acknowledgement_takes_it_and_close_tells_each_raiser(
    world: AlertWorld,
) -> None:
    w = world
    station, circle = "PS-BIKANER-21", "CIR-BIKANER-2"
    rakshak, sakhi = w.raiser(station), w.raiser(station, Role.SURAKSHA_SAKHI)
    first = raised(w, station=station, kind=AlertKind.LIQUOR_NARCOTICS, raiser=rakshak)
    await publish(w, first)
    await routed(w, first.alert_id)
    second = raised(w, station=station, kind=AlertKind.LIQUOR_NARCOTICS, raiser=sakhi)
    second_id = await publish(w, second)
    await wait_for(lambda: processed(w, second_id), within=60)
    sho, co = w.officer("sho", station), w.officer("co", circle)
    message = str(routing_message_id(first.alert_id))
    sent = {r.member_id: r for _, r in await alert_requests(w) if r.message_id == message}

    delivered_before = since_raise("delivered")
    await produce(
        w.bootstrap,
        [
            (
                w.api.topics.receipts,
                DispatchDelivered(
                    delivery_id=sent[sho].delivery_id,
                    message_id=message,
                    member_id=sho,
                    at=datetime.now(UTC),
                    channel=Channel.WHATSAPP,
                    provider_message_id="wamid.alert-1",
                ),
            )
        ],
        source="/nazar/social-publisher",
    )

    async def delivered() -> bool:
        return since_raise("delivered") == delivered_before + 1

    await wait_for(delivered, within=60)  # raise → delivered measured for the routing message
    acked_before = since_raise("acknowledged")
    button = await reply(w, sho, delivery=sent[sho].delivery_id)  # the WhatsApp button

    async def taken() -> bool:
        return bool(
            await w.pool.fetchval(
                "SELECT taken_by IS NOT NULL FROM incidents WHERE id = $1", first.alert_id
            )
        )

    await wait_for(taken, within=60)
    assert since_raise("acknowledged") == acked_before + 1
    await reply(w, co, text=f"{sent[co].reply_code} ठीक है")  # the SMS reply code, later

    async def co_acked() -> bool:
        return bool(
            await w.pool.fetchval(
                "SELECT acked_at IS NOT NULL FROM deliveries WHERE id = $1",
                uuid.UUID(sent[co].delivery_id),
            )
        )

    await wait_for(co_acked, within=60)
    row = await w.pool.fetchrow(
        "SELECT taken_by, next_escalation_at FROM incidents WHERE id = $1", first.alert_id
    )
    assert row["taken_by"] == sho and row["next_escalation_at"] is None  # the taker stays
    # The take is the replies consumer's decision on the audit trail, caused by the button's
    # event; the later reply took nothing and wrote nothing.
    takes_audited = await automatic_entries(
        w.pool, subject=f"incident:{first.alert_id}", action="alert.take"
    )
    assert [
        (a["actor"], a["cause_event_id"], a["target_member"], a["target_unit"])
        for a in takes_audited
    ] == [("system:replies", button, sho, station)]
    await jobs_done(w)
    takes = [
        d
        for t, d in await case_events(w)
        if t == "nazar.alert.taken.v1" and d.incident_id == first.alert_id
    ]
    assert sorted(d.alert_id for d in takes) == sorted([first.alert_id, second.alert_id])
    assert {(d.taken_by, str(d.taken_by_role)) for d in takes} == {(sho, "sho")}
    notices = [
        r
        for _, r in await alert_requests(w)
        if r.origin and r.origin.id in {first.alert_id, second.alert_id} and r.message_id != message
    ]
    assert Counter(r.member_id for r in notices) == Counter([rakshak, sakhi])
    for r in notices:
        assert not r.ack_requested and r.reply_code is None
        assert "थानाधिकारी" in r.body and "ने लिया है" in r.body

    api = w.api
    async with api.client() as http:
        path = f"/api/v1/incidents/{first.alert_id}/close"
        hindi = {"Accept-Language": "hi"}
        refused = await http.post(
            path, json={"outcome": "fir_registered"}, headers={**api.as_("co", circle), **hindi}
        )
        assert refused.status_code == 422
        assert "प्राथमिकी संख्या" in refused.json()["detail"]
        foreign = await http.post(
            path, json={"outcome": "attended"}, headers={**api.as_("sho", "PS-CHURU-11"), **hindi}
        )
        assert foreign.status_code == 403 and foreign.headers["content-type"].startswith(
            "application/problem+json"
        )
        constable = api.roster.by_role[("constable", station)][0]
        field = await http.post(
            path, json={"outcome": "attended"}, headers=api.token(constable, f"constable:{station}")
        )
        assert field.status_code == 403
        done = await http.post(
            path,
            json={"outcome": "fir_registered", "fir_number": "214/2026"},
            headers=api.as_("sho", station),
        )
        assert done.status_code == 200, done.text
        assert (
            done.json()["outcome"] == "fir_registered" and done.json()["fir_number"] == "214/2026"
        )
        twice = await http.post(path, json={"outcome": "attended"}, headers=api.as_("sho", station))
        assert twice.status_code == 409
    await jobs_done(w)
    closes = [
        d
        for t, d in await case_events(w)
        if t == "nazar.alert.closed.v1" and d.incident_id == first.alert_id
    ]
    assert sorted(d.alert_id for d in closes) == sorted([first.alert_id, second.alert_id])
    closed_notices = [
        r
        for _, r in await alert_requests(w)
        if r.origin and r.origin.id in {first.alert_id, second.alert_id} and "214/2026" in r.body
    ]
    assert Counter(r.member_id for r in closed_notices) == Counter([rakshak, sakhi])


async def test_a_hand_over_routes_the_case_afresh_to_the_new_station(world: AlertWorld) -> None:
    w = world
    api = w.api
    event = raised(
        w, station="PS-BIKANER-22", kind=AlertKind.CYBER_FRAUD, urgency=Urgency.IMMEDIATE
    )
    await publish(w, event)
    await routed(w, event.alert_id)
    async with api.client() as http:
        path = f"/api/v1/incidents/{event.alert_id}"
        moved = await http.post(
            f"{path}/hand-over",
            json={"station_id": "PS-CHURU-11"},
            headers=api.as_("co", "CIR-BIKANER-2"),
        )
        assert moved.status_code == 200, moved.text
        assert moved.json()["station_id"] == "PS-CHURU-11" and moved.json()["stage"] == "routed"
        await jobs_done(w)
        new = {
            w.officer("sho", "PS-CHURU-11"),
            w.officer("co", "CIR-CHURU-1"),
            w.officer("sp", "DST-CHURU"),
        }
        handed = [
            r
            for _, r in await alert_requests(w)
            if r.origin
            and r.origin.id == event.alert_id
            and r.message_id != str(routing_message_id(event.alert_id))
        ]
        assert Counter(r.member_id for r in handed) == Counter(new)
        assert all("सौंपा गया" in r.body for r in handed if r.language is Language.HI)
        events = [
            d
            for t, d in await case_events(w)
            if t == "nazar.alert.handed_over.v1" and d.alert_id == event.alert_id
        ]
        assert len(events) == 1 and events[0].to_station_id == "PS-CHURU-11"
        # The old station's SHO acknowledging the old message late does not take it back.
        old_sho = w.officer("sho", "PS-BIKANER-22")
        old = next(
            r
            for _, r in await alert_requests(w)
            if r.member_id == old_sho and r.message_id == str(routing_message_id(event.alert_id))
        )
        await reply(w, old_sho, delivery=old.delivery_id)

        async def old_acked() -> bool:
            return bool(
                await w.pool.fetchval(
                    "SELECT acked_at IS NOT NULL FROM deliveries WHERE id = $1",
                    uuid.UUID(old.delivery_id),
                )
            )

        await wait_for(old_acked, within=60)
        assert (
            await w.pool.fetchval("SELECT taken_by FROM incidents WHERE id = $1", event.alert_id)
            is None
        )
        took = await http.post(f"{path}/take", headers=api.as_("sho", "PS-CHURU-11"))
        assert took.status_code == 200 and took.json()["taken_by"] == w.officer(
            "sho", "PS-CHURU-11"
        )
        again = await http.post(f"{path}/take", headers=api.as_("co", "CIR-CHURU-1"))
        assert again.status_code == 409


async def test_the_inbox_page_acknowledgement_takes_it_too(world: AlertWorld) -> None:
    w = world
    station, circle = "PS-JAIPUR-EAST-12", "CIR-JAIPUR-EAST-1"
    event = raised(w, station=station, kind=AlertKind.WANTED_PERSON, urgency=Urgency.IMMEDIATE)
    await publish(w, event)
    await routed(w, event.alert_id)
    co = w.officer("co", circle)
    message = str(routing_message_id(event.alert_id))
    mine = next(
        r for _, r in await alert_requests(w) if r.message_id == message and r.member_id == co
    )
    assert mine.inbox_url is not None
    path = "/inbox/d/" + str(mine.inbox_url).rsplit("/inbox/d/", 1)[1]
    async with w.api.client() as http:
        page = await http.get(path + "?lang=hi", headers={"Accept": "text/html"})
        assert page.status_code == 200 and "पावती दें" in page.text
        pressed = await http.post(
            path + "/ack", data={"lang": "hi"}, headers={"Accept": "text/html"}
        )
        assert pressed.status_code == 303
    row = await w.pool.fetchrow("SELECT taken_by FROM incidents WHERE id = $1", event.alert_id)
    assert row["taken_by"] == co  # taken in the acknowledgement's own transaction
    await jobs_done(w)
    told = [
        r
        for _, r in await alert_requests(w)
        if r.origin and r.origin.id == event.alert_id and not r.ack_requested
    ]
    assert [r.member_id for r in told] == [event.raised_by]
    assert "वृत्ताधिकारी" in told[0].body and "वृत्त" in told[0].body


async def test_nothing_of_an_alert_went_beyond_the_chain_and_the_raisers(world: AlertWorld) -> None:
    """Run last: of everything this module's alerts sent, officers' messages went to SHOs, COs,
    SPs and IGs only, and notices only to the members who raised an alert; no circle group."""
    w = world
    roles = {m.member_id: {str(p.role) for p in m.postings} for m in w.api.roster.members}
    raisers = {r["raised_by"] for r in await w.pool.fetch("SELECT raised_by FROM alerts")}
    sent = await alert_requests(w)
    assert sent
    for _, r in sent:
        if r.ack_requested:
            assert roles[r.member_id] <= {"sho", "co", "sp", "ig"}, r.member_id
        else:
            assert r.member_id in raisers, r.member_id
    groups = await w.pool.fetchval(
        "SELECT count(*) FROM jobs WHERE origin_kind = 'alert' AND scope_units IS NOT NULL"
    )
    assert groups == 0
