"""Field alerts on the running directive service (issue 15): the service with private alert
topics, alerts raised as story-intake's outbox writes them, and what came out on Kafka."""

from __future__ import annotations

import contextlib
import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from aiokafka import AIOKafkaProducer
from directive.domain.alerts import routing_message_id
from nazar_contracts.alerts import AlertKind, AlertPlace, AlertRaised, Urgency
from nazar_contracts.dispatch import DispatchRequested, Purpose
from nazar_contracts.registry import parse_json, spec_for_model
from nazar_contracts.vocabulary import Language, Role
from nazar_platform.kafka.cloudevents import format_time, headers_for
from pydantic import BaseModel

from tests.conftest import DatabaseFactory, TopicFactory
from tests.integration.directive.api_support import Api, running_service
from tests.integration.directive.support import requested
from tests.integration.platform.support import read_topic, wait_for

BIKANER = {"station": "PS-BIKANER-11", "circle": "CIR-BIKANER-1", "district": "DST-BIKANER"}


@dataclass
class AlertWorld:
    api: Api
    alert_events: str
    alert_cases: str

    @property
    def pool(self):  # type: ignore[no-untyped-def]
        return self.api.pool

    @property
    def bootstrap(self) -> str:
        return self.api.bootstrap

    def officer(self, role: str, unit: str) -> str:
        return self.api.roster.one(role, unit)

    def raiser(self, station: str, role: Role = Role.GRAM_RAKSHAK) -> str:
        return self.api.roster.by_role[(str(role), station)][0]


@contextlib.asynccontextmanager
async def alert_service(
    databases: DatabaseFactory, kafka_bootstrap: str, *, scheduler: bool = False, **overrides: Any
) -> AsyncIterator[AlertWorld]:
    factory = TopicFactory(kafka_bootstrap)
    events = await factory("alert-events", partitions=3)
    cases = await factory("alert-cases", partitions=3)
    try:
        async with running_service(
            databases,
            kafka_bootstrap,
            scheduler=scheduler,
            topic_alert_events=events,
            topic_alert_cases=cases,
            alert_runner_interval="PT0.5S",
            **overrides,
        ) as api:
            yield AlertWorld(api, events, cases)
    finally:
        await factory.delete_all()


def raised(
    w: AlertWorld,
    *,
    station: str = BIKANER["station"],
    raiser: str | None = None,
    kind: AlertKind = AlertKind.CROWD_TENSION,
    urgency: Urgency = Urgency.SOON,
    place: str = "गांधी चौक, बस स्टैंड के पास",
    lat: float | None = 28.0167,
    lon: float | None = 73.3119,
    text: str = "मंदिर के पास लगभग दो सौ लोगों की भीड़ जमा है, नारेबाज़ी हो रही है",
    vehicle: str | None = None,
    at: datetime | None = None,
) -> AlertRaised:
    now = at or datetime.now(UTC)
    return AlertRaised(
        alert_id=f"alt-{uuid.uuid4().hex[:16]}",
        kind=kind,
        urgency=urgency,
        text=text,
        language=Language.HI,
        place=AlertPlace(
            text=place, latitude=lat, longitude=lon, accuracy_m=None if lat is None else 12.0
        ),
        vehicle_number=vehicle,
        raised_by=raiser or w.raiser(station),
        raiser_role=Role.GRAM_RAKSHAK,
        station_id=station,
        raised_at=now,
        received_at=now,
    )


async def publish(w: AlertWorld, event: BaseModel, event_id: str | None = None) -> str:
    """One record as story-intake's outbox writes it; its CloudEvents id."""
    return await produce_alert(w.bootstrap, w.alert_events, event, event_id)


async def produce_alert(
    bootstrap: str, topic: str, event: BaseModel, event_id: str | None = None
) -> str:
    event_id = event_id or str(uuid.uuid4())
    spec = spec_for_model(type(event))
    producer = AIOKafkaProducer(bootstrap_servers=bootstrap, acks="all")
    await producer.start()
    try:
        await producer.send_and_wait(
            topic,
            key=spec.key(event).encode(),
            value=event.model_dump_json().encode(),
            headers=headers_for(
                event_id, spec.type, "/nazar/story-intake", format_time(datetime.now(UTC))
            ),
        )
    finally:
        await producer.stop()
    return event_id


async def case_events(w: AlertWorld) -> list[tuple[str, Any]]:
    """Every event on the private alert.cases topic: (type, model), checked against the contract."""
    out = []
    for r in await read_topic(w.bootstrap, w.alert_cases):
        kind = dict(r.headers)["ce_type"].decode()
        assert r.value is not None
        data: Any = parse_json(kind, r.value)
        assert r.key == data.alert_id.encode()  # keyed by alert id
        out.append((kind, data))
    return out


async def alert_requests(w: AlertWorld) -> list[tuple[str, DispatchRequested]]:
    """(topic, record) of every dispatch.requested of purpose alert."""
    topics = (w.api.topics.deliveries, w.api.topics.flash)
    return [
        (s.record.topic, s.data)
        for s in await requested(w.bootstrap, *topics)
        if s.data.purpose is Purpose.ALERT
    ]


async def routed(w: AlertWorld, alert_id: str, within: float = 60) -> None:
    """Until the new incident's routing message is on Kafka."""

    async def done() -> bool:
        return bool(
            await w.pool.fetchval(
                "SELECT finished_at IS NOT NULL FROM jobs WHERE id = $1",
                routing_message_id(alert_id),
            )
        )

    await wait_for(done, within=within)


async def jobs_done(w: AlertWorld, within: float = 60) -> None:
    """Until every alert job (officers' messages, raisers' notices) is on Kafka."""

    async def done() -> bool:
        left = await w.pool.fetchval(
            "SELECT count(*) FROM jobs WHERE origin_kind = 'alert' AND finished_at IS NULL"
        )
        return bool(left == 0)

    await wait_for(done, within=within)


async def processed(w: AlertWorld, event_id: str) -> bool:
    found = await w.pool.fetchval(
        "SELECT true FROM processed_events WHERE event_id = $1 AND consumer LIKE '%-alerts'",
        event_id,
    )
    return bool(found)
