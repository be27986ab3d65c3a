"""Field alerts on a real PostgreSQL and Kafka (issue 15, story-intake's side): raised with
photos → `AlertRaised` on alert.events.v1 with signed photo URLs that open; Idempotency-Key;
a volunteer without consent refused in Hindi; the station chosen; an offline alert's time kept;
alert.cases.v1 → the raiser's view (and its DLQ); a story draft from a closed alert."""

from __future__ import annotations

import hashlib
import json
import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import asyncpg
import httpx
import pytest
from aiokafka import AIOKafkaProducer
from nazar_contracts import event_types, topics
from nazar_contracts.alerts import (
    AlertClosed,
    AlertOutcome,
    AlertRaised,
    AlertRouted,
    AlertTaken,
)
from nazar_contracts.members import Consent, ConsentState, MemberUpserted, Posting
from nazar_contracts.registry import parse_json, spec_for_model
from nazar_contracts.vocabulary import Language, Role
from nazar_platform.files import LocalFiles
from nazar_platform.kafka.cloudevents import format_time, headers_for
from pydantic import BaseModel
from story_intake.app import create
from story_intake.handlers.retention import sweep
from story_intake.settings import StoryIntakeSettings
from story_intake.store import units

from tests.conftest import DatabaseFactory, TopicFactory
from tests.integration.platform.http.server import serve
from tests.integration.platform.support import read_topic, wait_for
from tests.integration.story_intake.test_api import token
from tests.integration.story_intake.test_consent import volunteer
from tests.unit.story_intake.images import phone_jpeg, png_with_metadata

PS = ("RJ", "RNG-JAIPUR", "DST-KT", "CIR-TIJARA", "PS-TIJARA")
TREE = [
    units.UnitRow("RJ", "state", ("RJ",), 1),
    units.UnitRow("RNG-JAIPUR", "range", ("RJ", "RNG-JAIPUR"), 1),
    units.UnitRow("DST-KT", "district", PS[:3], 1),
    units.UnitRow("CIR-TIJARA", "circle", PS[:4], 1),
    units.UnitRow("PS-TIJARA", "police_station", PS, 1),
    units.UnitRow("CIR-KBAS", "circle", (*PS[:3], "CIR-KBAS"), 1),
    units.UnitRow("PS-KBAS", "police_station", (*PS[:3], "CIR-KBAS", "PS-KBAS"), 1),
]
CONSTABLE = ("M-CONST-1", "constable:PS-TIJARA")
CONSTABLE_2 = ("M-CONST-2", "head_constable:PS-TIJARA")
SHO = ("M-SHO-1", "sho:PS-TIJARA")
OTHER_SHO = ("M-SHO-2", "sho:PS-KBAS")
CO = ("M-CO-1", "co:CIR-TIJARA")
SP = ("M-SP-1", "sp:DST-KT")
IG = ("M-IG-1", "ig:RNG-JAIPUR")
ADG = ("M-ADG-1", "adg:RJ")
WRITER = ("M-WRITER-1", "content_writer:RJ")
NOW = datetime.now(UTC)
TEXT_HI = (
    "पुराने बस स्टैंड के पास काली बोलेरो में तीन संदिग्ध व्यक्ति सुबह से घूम रहे हैं, "
    "गाड़ी में लाठियाँ और पेट्रोल के डिब्बे रखे दिख रहे हैं।"
)
ALERT: dict[str, Any] = {
    "kind": "suspicious",
    "text": TEXT_HI,
    "urgency": "immediate",
    "place": {"text": "पुराना बस स्टैंड, तिजारा", "latitude": 27.93, "longitude": 76.85,
              "accuracy_m": 18.5},
    "vehicle_number": "rj 14 ca 1234",
}  # fmt: skip


@dataclass(frozen=True)
class Alerts:
    url: str
    database: str
    bootstrap: str
    members_topic: str
    cases_topic: str
    media_dir: Path

    def client(self, who: tuple[str, ...] | None, language: str = "en") -> httpx.AsyncClient:
        headers = {"Accept-Language": language}
        if who:
            headers["Authorization"] = f"Bearer {token(*who)}"
        return httpx.AsyncClient(base_url=self.url, headers=headers, timeout=60)


@pytest.fixture(scope="module")
async def alerts(
    databases: DatabaseFactory, kafka_bootstrap: str, tmp_path_factory: pytest.TempPathFactory
) -> AsyncIterator[Alerts]:
    made = TopicFactory(kafka_bootstrap)
    members_topic = await made("alert-members")
    cases_topic = await made("alert-cases")
    database = await databases.create("story_alerts")
    media_dir = tmp_path_factory.mktemp("alert-media")
    settings = StoryIntakeSettings(
        environment="test",
        database_url=database,  # pydantic makes it a SecretStr
        kafka_bootstrap=kafka_bootstrap,
        database_pool_min=1,
        database_pool_max=4,
        topic_units="test.story-intake.no-units",  # the tree is written directly below
        topic_members=members_topic,
        topic_alert_cases=cases_topic,
        consumer_group_prefix=f"story-intake-{uuid.uuid4().hex[:8]}",
        media_dir=media_dir,
        shutdown_timeout=timedelta(seconds=20),
    )
    try:
        async with serve(create(settings)) as url:
            conn = await asyncpg.connect(database)
            try:
                await units.upsert(conn, TREE)
            finally:
                await conn.close()
            running = Alerts(url, database, kafka_bootstrap, members_topic, cases_topic, media_dir)
            await produce(running.bootstrap, members_topic, [officer(*SHO)])
            yield running
    finally:
        await made.delete_all()


def officer(member_id: str, grant: str) -> MemberUpserted:
    role, unit = grant.split(":")
    path = next(u.path for u in TREE if u.id == unit)
    return MemberUpserted(
        member_id=member_id, name_hi="सुरेंद्र सिंह", name_latin="Surendra Singh",
        postings=[Posting(role=Role(role), unit_id=unit, unit_path=list(path), primary=True,
                          since=date(2025, 4, 1))],
        preferred_language=Language.HI, has_whatsapp=True, has_sms=True, active=True,
        consent=Consent(required=False, state=ConsentState.NOT_REQUIRED), synthetic=True,
        version=1, updated_at=NOW,
    )  # fmt: skip


async def produce(
    bootstrap: str, topic: str, events: list[BaseModel], event_id: str | None = None
) -> list[str]:
    """The events as a producer writes them (CloudEvents headers, keyed as the registry says);
    their event ids."""
    producer = AIOKafkaProducer(bootstrap_servers=bootstrap, acks="all")
    await producer.start()
    ids = []
    try:
        for data in events:
            spec = spec_for_model(type(data))
            ids.append(event_id or str(uuid.uuid4()))
            await producer.send(
                topic,
                key=spec.key(data).encode(),
                value=data.model_dump_json().encode(),
                headers=headers_for(ids[-1], spec.type, "/nazar/directive", format_time(NOW)),
            )
        await producer.flush()
    finally:
        await producer.stop()
    return ids


def problem(r: httpx.Response, status: int, code: str) -> dict[str, Any]:
    assert r.status_code == status, r.text
    assert r.headers["content-type"].startswith("application/problem+json")
    body: dict[str, Any] = r.json()
    assert body["code"] == code
    return body


async def raise_alert(
    api: Alerts,
    who: tuple[str, ...] = CONSTABLE,
    body: dict[str, Any] | None = None,
    photos: list[bytes] | None = None,
    key: str | None = None,
    language: str = "en",
) -> httpx.Response:
    headers = {"Idempotency-Key": key} if key else {}
    async with api.client(who, language) as c:
        if photos is None:
            return await c.post("/api/v1/alerts", json=body or ALERT, headers=headers)
        files = [("photos", (f"IMG_{i}.jpg", data, "image/jpeg")) for i, data in enumerate(photos)]
        return await c.post(
            "/api/v1/alerts",
            data={"alert": json.dumps(body or ALERT, ensure_ascii=False)},
            files=files,
            headers=headers,
        )


async def raised(api: Alerts, **changes: Any) -> str:
    r = await raise_alert(api, body={**ALERT, **changes})
    assert r.status_code == 201, r.text
    return str(r.json()["id"])


async def raised_events(api: Alerts, alert_id: str) -> list[AlertRaised]:
    out = []
    for record in await read_topic(api.bootstrap, topics.ALERT_EVENTS):
        if record.key == alert_id.encode():
            assert dict(record.headers)["ce_type"].decode() == event_types.ALERT_RAISED
            data = parse_json(event_types.ALERT_RAISED, record.value or b"")
            assert isinstance(data, AlertRaised)
            out.append(data)
    return out


async def announced(api: Alerts, alert_id: str) -> AlertRaised:
    found: list[AlertRaised] = []

    async def one() -> bool:
        found[:] = await raised_events(api, alert_id)
        return bool(found)

    await wait_for(one)
    [event] = found
    return event


async def view(api: Alerts, alert_id: str, who: tuple[str, ...] = CONSTABLE) -> httpx.Response:
    async with api.client(who) as c:
        return await c.get(f"/api/v1/alerts/{alert_id}")


async def wait_state(api: Alerts, alert_id: str, state: str) -> dict[str, Any]:
    seen: dict[str, Any] = {}

    async def reached() -> bool:
        r = await view(api, alert_id)
        seen.update(r.json())
        return bool(seen.get("state") == state)

    await wait_for(reached)
    return seen


def routed(alert_id: str, *officers: tuple[str, ...]) -> AlertRouted:
    return AlertRouted(
        alert_id=alert_id, incident_id=alert_id, station_id="PS-TIJARA",
        officers=[o[0] for o in officers], joined=False, at=datetime.now(UTC),
    )  # fmt: skip


def taken(alert_id: str, who: tuple[str, ...] = SHO) -> AlertTaken:
    role = Role(who[1].split(":")[0])
    return AlertTaken(
        alert_id=alert_id, incident_id=alert_id, taken_by=who[0], taken_by_role=role,
        at=datetime.now(UTC),
    )  # fmt: skip


def closed(alert_id: str, who: tuple[str, ...] = SHO) -> AlertClosed:
    role = Role(who[1].split(":")[0])
    return AlertClosed(
        alert_id=alert_id, incident_id=alert_id, outcome=AlertOutcome.ARREST_MADE,
        closed_by=who[0], closed_by_role=role, at=datetime.now(UTC),
    )  # fmt: skip


async def closed_case(api: Alerts, alert_id: str) -> None:
    """Routed to the station's SHO and the circle's CO, taken and closed by the SHO."""
    events = [routed(alert_id, SHO, CO), taken(alert_id), closed(alert_id)]
    await produce(api.bootstrap, api.cases_topic, list(events))
    await wait_state(api, alert_id, "closed")


async def test_an_alert_with_photos_is_announced_with_signed_urls_that_open(
    alerts: Alerts,
) -> None:
    jpeg, png = phone_jpeg(400, 200), png_with_metadata()
    r = await raise_alert(alerts, photos=[jpeg, png, jpeg])  # the same bytes twice: one photo
    assert r.status_code == 201, r.text
    body = r.json()
    assert r.headers["location"] == f"/api/v1/alerts/{body['id']}"
    assert (body["state"], body["station_id"], body["vehicle_number"]) == (
        "raised", "PS-TIJARA", "RJ14CA1234",
    )  # fmt: skip
    assert (body["language"], body["text"], body["raised_by"]) == ("hi", TEXT_HI, "M-CONST-1")
    assert len(body["photos"]) == 2

    event = await announced(alerts, body["id"])
    assert (event.kind, event.urgency, event.station_id) == ("suspicious", "immediate", "PS-TIJARA")
    assert (event.raised_by, event.raiser_role, event.language) == ("M-CONST-1", "constable", "hi")
    assert event.place.text == "पुराना बस स्टैंड, तिजारा" and event.place.accuracy_m == 18.5
    assert event.vehicle_number == "RJ14CA1234" and event.text == TEXT_HI
    assert [p.media_type for p in event.photos] == ["image/jpeg", "image/png"]
    async with httpx.AsyncClient(timeout=30) as web:
        for photo in event.photos:
            assert photo.url_expires_at > datetime.now(UTC) + timedelta(days=2)
            url = str(photo.url).replace("http://127.0.0.1:19104", alerts.url)
            assert "/api/v1/alerts/media/" in url
            got = await web.get(url)
            assert got.status_code == 200, got.text
            assert hashlib.sha256(got.content).hexdigest() == photo.sha256
            assert len(got.content) == photo.size and b"Exif" not in got.content
            # An alert's link is for alerts only: the stories' media route does not open it.
            story_route = url.replace("/api/v1/alerts/media/", "/api/v1/media/")
            assert (await web.get(story_route)).status_code == 404
            forged = url[:-2] + ("AA" if not url.endswith("AA") else "BB")
            assert (await web.get(forged)).status_code == 404


async def test_a_retry_with_the_same_key_raises_nothing_twice(alerts: Alerts) -> None:
    key = f"alert-{uuid.uuid4()}"
    first = await raise_alert(alerts, key=key)
    again = await raise_alert(alerts, key=key)
    assert first.status_code == again.status_code == 201, again.text
    assert again.headers.get("idempotent-replayed") == "true"
    assert again.json()["id"] == first.json()["id"]
    other = await raise_alert(alerts, key=key, body={**ALERT, "urgency": "soon"}, language="hi")
    body = problem(other, 422, "idempotency_key_reused")
    assert body["title"] and any("\u0900" <= ch <= "\u097f" for ch in body["title"])
    await announced(alerts, first.json()["id"])  # exactly one AlertRaised


async def test_a_volunteer_without_consent_is_told_why_in_hindi(alerts: Alerts) -> None:
    rakshak = ("M-GR-1", "gram_rakshak:PS-TIJARA")
    r = await raise_alert(alerts, rakshak, language="hi")
    body = problem(r, 403, "alert.consent_missing")
    assert body["title"] == "आपकी सहमति दर्ज नहीं है"
    assert "सहमति" in body["detail"] and "112" in body["detail"]
    english = problem(
        await raise_alert(alerts, rakshak, language="en"), 403, "alert.consent_missing"
    )
    assert "consent" in english["detail"]
    await produce(
        alerts.bootstrap, alerts.members_topic, [volunteer("M-GR-1", ConsentState.GRANTED)]
    )

    async def accepted() -> bool:
        return (await raise_alert(alerts, rakshak)).status_code == 201

    await wait_for(accepted)


async def test_the_station_is_the_postings_or_the_one_picked(alerts: Alerts) -> None:
    away = await raise_alert(alerts, body={**ALERT, "station_id": "PS-KBAS"})
    assert away.status_code == 201 and away.json()["station_id"] == "PS-KBAS"
    assert (await announced(alerts, away.json()["id"])).station_id == "PS-KBAS"
    problem(await raise_alert(alerts, CO), 422, "alert.station_required")
    from_co = await raise_alert(alerts, CO, body={**ALERT, "station_id": "PS-TIJARA"})
    assert from_co.status_code == 201 and from_co.json()["station_id"] == "PS-TIJARA"
    unknown = await raise_alert(alerts, body={**ALERT, "station_id": "CIR-KBAS"}, language="hi")
    assert "CIR-KBAS" in problem(unknown, 422, "alert.station_unknown")["detail"]
    problem(await raise_alert(alerts, SP), 403, "access.forbidden")


async def test_an_offline_alert_keeps_its_time_and_bad_input_is_refused(alerts: Alerts) -> None:
    earlier = datetime.now(UTC).replace(microsecond=0) - timedelta(hours=3, minutes=12)
    alert_id = await raised(alerts, raised_at=earlier.isoformat())
    event = await announced(alerts, alert_id)
    assert event.raised_at == earlier and event.received_at > earlier + timedelta(hours=3)
    ahead = (datetime.now(UTC) + timedelta(minutes=30)).isoformat()
    body = problem(
        await raise_alert(alerts, body={**ALERT, "raised_at": ahead}, language="hi"),
        422, "alert.raised_in_future",
    )  # fmt: skip
    assert body["title"] == "समय भविष्य का है"
    plate = problem(
        await raise_alert(alerts, body={**ALERT, "vehicle_number": "काली बोलेरो"}, language="hi"),
        422, "alert.vehicle_number",
    )  # fmt: skip
    assert "RJ14CA1234" in plate["detail"]
    too_many = await raise_alert(alerts, photos=[phone_jpeg(300 + i, 200) for i in range(6)])
    problem(too_many, 422, "alert.too_many_photos")
    long_text = await raise_alert(alerts, body={**ALERT, "text": "क" * 2001})
    assert long_text.status_code == 422
    # Past the platform's guard of JSON bodies (a form's part): still not text, still a 422.
    nul = await raise_alert(alerts, body={**ALERT, "text": "गाड़ी\u0000"}, photos=[phone_jpeg()])
    assert problem(nul, 422, "invalid_text")["errors"][0]["field"] == "body.alert.text"
    async with alerts.client(CONSTABLE) as c:
        no_alert = await c.post("/api/v1/alerts", files=[("photos", ("a.jpg", b"x", "image/jpeg"))])
    problem(no_alert, 422, "alert.body_invalid")


async def test_the_cases_consumer_keeps_the_raisers_view(alerts: Alerts) -> None:
    alert_id = await raised(alerts)
    assert (await view(alerts, alert_id, SHO)).status_code == 404  # not routed to them yet
    route = routed(alert_id, SHO, CO)
    [event_id] = await produce(alerts.bootstrap, alerts.cases_topic, [route])
    seen = await wait_state(alerts, alert_id, "routed")
    assert (seen["case"]["incident_id"], seen["case"]["stage"]) == (alert_id, "routed")
    assert (await view(alerts, alert_id, SHO)).status_code == 200
    # The same event again (a redelivery) changes nothing; a late routing moves nothing back.
    await produce(alerts.bootstrap, alerts.cases_topic, [route], event_id=event_id)
    await produce(alerts.bootstrap, alerts.cases_topic, [taken(alert_id)])
    seen = await wait_state(alerts, alert_id, "taken")
    assert seen["case"]["taken"]["role"] == "sho"
    assert seen["case"]["taken"]["station_id"] == "PS-TIJARA"
    assert "M-SHO-1" not in json.dumps(seen["case"])  # who by role and station, not by id
    await produce(
        alerts.bootstrap, alerts.cases_topic, [routed(alert_id, SHO, CO), closed(alert_id)]
    )
    seen = await wait_state(alerts, alert_id, "closed")
    assert (seen["case"]["closed"]["outcome"], seen["case"]["closed"]["role"]) == (
        "arrest_made", "sho",
    )  # fmt: skip
    # A case event for an alert never raised here goes to the DLQ.
    stranger = str(uuid.uuid4())
    await produce(alerts.bootstrap, alerts.cases_topic, [routed(stranger, SHO)])

    async def dead_lettered() -> bool:
        records = await read_topic(alerts.bootstrap, f"{alerts.cases_topic}.dlq")
        return any(r.key == stranger.encode() for r in records)

    await wait_for(dead_lettered)


async def test_my_alerts_are_paged_newest_first(alerts: Alerts) -> None:
    me = ("M-CONST-9", "constable:PS-TIJARA")
    ids = []
    for _ in range(3):
        r = await raise_alert(alerts, me)
        assert r.status_code == 201, r.text
        ids.append(r.json()["id"])
    async with alerts.client(me) as c:
        first = (await c.get("/api/v1/alerts/mine", params={"limit": 2})).json()
        assert [a["id"] for a in first["items"]] == ids[::-1][:2]
        rest = await c.get(
            "/api/v1/alerts/mine", params={"limit": 2, "cursor": first["next_cursor"]}
        )
        assert [a["id"] for a in rest.json()["items"]] == ids[:1]
        assert rest.json()["next_cursor"] is None


async def test_an_officer_starts_a_story_draft_from_a_closed_alert(alerts: Alerts) -> None:
    r = await raise_alert(alerts, photos=[phone_jpeg(360, 240)])
    assert r.status_code == 201, r.text
    alert_id = r.json()["id"]
    await produce(alerts.bootstrap, alerts.cases_topic, [routed(alert_id, SHO, CO)])
    await wait_state(alerts, alert_id, "routed")
    async with alerts.client(SHO, "hi") as c:
        early = await c.post(f"/api/v1/alerts/{alert_id}/story")
    assert problem(early, 409, "alert.not_closed")["title"] == "सूचना अभी खुली है"
    await produce(alerts.bootstrap, alerts.cases_topic, [taken(alert_id), closed(alert_id)])
    await wait_state(alerts, alert_id, "closed")
    async with alerts.client(SHO) as c:
        made = await c.post(f"/api/v1/alerts/{alert_id}/story")
        assert made.status_code == 201, made.text
        story_id = made.json()["story_id"]
        again = await c.post(f"/api/v1/alerts/{alert_id}/story")
        assert again.json()["story_id"] == story_id
        mine = (await c.get("/api/v1/stories/mine")).json()["items"]
    [story] = [s for s in mine if s["id"] == story_id]
    assert (story["state"], story["author_id"], story["kind"]) == ("draft", "M-SHO-1", "arrest")
    assert story["text"]["hi"] == TEXT_HI and story["title"]["hi"].startswith("संदिग्ध")
    assert [p["sha256"] for p in story["photos"]] == [r.json()["photos"][0]["sha256"]]
    async with alerts.client(CO) as c:
        problem(await c.post(f"/api/v1/alerts/{alert_id}/story"), 409, "alert.story_exists")
    async with alerts.client(CONSTABLE) as c:
        problem(await c.post(f"/api/v1/alerts/{alert_id}/story"), 403, "alert.not_an_officer")
    assert (await view(alerts, alert_id, SHO)).json()["story_id"] == story_id
    # A draft announces nothing: it goes up only when the officer submits it.
    stories = await read_topic(alerts.bootstrap, topics.STORY_EVENTS)
    assert not [s for s in stories if s.key == story_id.encode()]


async def test_a_phones_retry_of_the_same_form_is_the_same_alert(alerts: Alerts) -> None:
    """A field app resends the very bytes it sent (same boundary, same photos)."""
    sent = httpx.Request(
        "POST",
        f"{alerts.url}/api/v1/alerts",
        data={"alert": json.dumps({**ALERT, "urgency": "soon"}, ensure_ascii=False)},
        files=[("photos", ("IMG_7.jpg", phone_jpeg(320, 240), "image/jpeg"))],
    )
    body, content_type = sent.read(), sent.headers["content-type"]
    key = f"form-{uuid.uuid4()}"
    answers = []
    async with alerts.client(CONSTABLE) as c:
        for _ in range(2):
            headers = {"Content-Type": content_type, "Idempotency-Key": key}
            answers.append(await c.post("/api/v1/alerts", content=body, headers=headers))
    first, again = answers
    assert first.status_code == again.status_code == 201, again.text
    assert again.headers.get("idempotent-replayed") == "true"
    assert again.json()["id"] == first.json()["id"] and len(first.json()["photos"]) == 1
    event = await announced(alerts, first.json()["id"])
    assert [p.sha256 for p in event.photos] == [first.json()["photos"][0]["sha256"]]


async def test_the_retention_sweep_keeps_an_alerts_photos(alerts: Alerts) -> None:
    r = await raise_alert(alerts, photos=[phone_jpeg(280, 210)])
    assert r.status_code == 201, r.text
    [photo] = r.json()["photos"]
    files = LocalFiles(alerts.media_dir)
    pool = await asyncpg.create_pool(alerts.database, min_size=1, max_size=2)
    try:
        long_after = datetime.now(UTC) + timedelta(days=400)
        await sweep(pool, files, long_after, timedelta(days=30))
    finally:
        await pool.close()
    async with httpx.AsyncClient(timeout=30) as web:
        for key in ("url", "thumb_url", "web_url"):
            url = photo[key].replace("http://127.0.0.1:19104", alerts.url)
            assert (await web.get(url)).status_code == 200, key
    assert files.exists(photo["sha256"])
