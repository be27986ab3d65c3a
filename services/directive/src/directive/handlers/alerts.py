"""A field alert becomes a case (issue 15): `AlertRaised` from story-intake, in the consumer's
transaction — the alert's row, its incident (joined or opened), for a new incident one flash
message to the officers of the station (acknowledgement asked: the first to acknowledge takes it)
with its job and officers, and `AlertRouted` on alert.cases.v1 through the outbox.

Alerts of one station and kind are serialised by a transaction-scoped advisory lock, so two
alerts about one crowd arriving at once cannot both open an incident. A redelivered alert finds
its row and changes nothing. The routing (or the joining of an open incident) is on the audit
trail as `system:alerts`, with the `AlertRaised` event's id as its cause, in that transaction.
The jobs are run by the alert runner (`workers.alerts`), woken by a notification that PostgreSQL
delivers when this transaction commits.
"""

from __future__ import annotations

import dataclasses
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from uuid import UUID

import asyncpg
import structlog
from nazar_contracts.alerts import AlertKind, AlertRaised, AlertRouted, AlertStage, Urgency
from nazar_platform.db import Connection
from nazar_platform.db.audit import Cause
from pydantic import BaseModel

from directive import metrics
from directive.domain import alerts as rules
from directive.domain.alerts import AlertFacts, EscalationDelays, Named
from directive.domain.ids import reply_code
from directive.domain.model import MessageKind, Origin, OriginKind, Text
from directive.handlers import alert_audit, events
from directive.handlers.common import Topics
from directive.handlers.messages import origin_message
from directive.settings import DirectiveSettings
from directive.store import alerts as store
from directive.store import directives as messages
from directive.store import jobs, roster

log = structlog.get_logger(__name__)


@dataclass(frozen=True, slots=True)
class CaseConfig:
    """What the case's use cases take from the settings."""

    delays: EscalationDelays
    board_url: str  # the officers' link to the alert board


def case_config(settings: DirectiveSettings) -> CaseConfig:
    return CaseConfig(
        EscalationDelays(
            timedelta(seconds=settings.alert_soon_to_sp_after),
            timedelta(seconds=settings.alert_soon_to_ig_after),
            timedelta(seconds=settings.alert_immediate_to_ig_after),
        ),
        settings.public_base_url.rstrip("/") + "/console/alerts",
    )


async def announce(
    conn: Connection, topics: Topics, items: Sequence[BaseModel], at: datetime
) -> None:
    await events.announce(conn, topics.alert_cases, *((item, at) for item in items))


def _name(unit: store.ChainUnit | None, fallback: str) -> Named:
    if unit is None:
        return Named(fallback, fallback)
    return Named(unit.name_hi or unit.name_en or unit.id, unit.name_en or unit.name_hi or unit.id)


def station_name(chain: dict[str, store.ChainUnit], station_id: str) -> Named:
    return _name(chain.get("police_station"), station_id)


async def facts_of(
    conn: Connection,
    alert: store.AlertRow,
    chain: dict[str, store.ChainUnit],
    config: CaseConfig,
    incident_id: str,
) -> AlertFacts:
    raiser = await roster.get_member(conn, alert.raised_by)
    name = (
        Named(alert.raised_by, alert.raised_by)
        if raiser is None
        else Named(
            raiser.name_hi or raiser.name_latin or raiser.id,
            raiser.name_latin or raiser.name_hi or raiser.id,
        )
    )
    here = chain.get("police_station")
    if here is None or here.id != alert.station_id:  # handed over: the raiser's own station
        here = await _unit(conn, alert.station_id)
    return AlertFacts(
        kind=AlertKind(alert.kind),
        urgency=Urgency(alert.urgency),
        text=alert.text,
        place=alert.place_text,
        vehicle_number=alert.vehicle_number,
        raiser=name,
        raiser_role=rules.role_name(alert.raiser_role),
        station=_name(here, alert.station_id),
        link=f"{config.board_url}?incident={incident_id}",
    )


async def _unit(conn: Connection, unit_id: str) -> store.ChainUnit | None:
    u = await roster.unit(conn, unit_id)
    return None if u is None else store.ChainUnit(u.id, str(u.kind), u.name_hi, u.name_en)


@dataclass(frozen=True, slots=True)
class Routed:
    stage: AlertStage  # the last stage messaged
    officers: list[str]


async def route(
    conn: Connection,
    incident_id: str,
    start: AlertStage,
    urgency: Urgency,
    chain: dict[str, store.ChainUnit],
    facts: AlertFacts,
    config: CaseConfig,
    now: datetime,
    *,
    job: str,
    first_message_id: UUID | None = None,
    handed_from: Named | None = None,
) -> Routed:
    """Message the officers of `start` (and of each next stage while one has nobody in its own
    post), record them, set the stage and its escalation time; who was messaged."""
    found: dict[AlertStage, list[tuple[str, str]]] = {}
    staffed: dict[AlertStage, bool] = {}
    stage: AlertStage | None = start
    while stage is not None:
        officers: list[tuple[str, str]] = []
        own = False
        for n, post in enumerate(rules.stage_posts(stage, urgency)):
            unit = chain.get(str(post.level))
            ids = [] if unit is None else await roster.members_at(conn, str(post.role), [unit.id])
            officers += [(m, str(post.role)) for m in ids]
            own = own or (n == 0 and bool(ids))
        found[stage], staffed[stage] = officers, own
        stage = None if own else rules.next_stage(stage, urgency)
    stages = rules.stages_to_message(start, urgency, staffed)
    messaged: list[str] = []
    for n, s in enumerate(stages):
        fresh = [(m, r) for m, r in found[s] if m not in messaged]
        if not fresh:
            continue
        message_id = first_message_id if n == 0 and first_message_id else uuid.uuid4()
        text = rules.officer_message(facts, s, handed_from=handed_from)
        await _send(
            conn, message_id, MessageKind.ALERT, text, incident_id, [m for m, _ in fresh], job, now
        )
        await store.add_officers(
            conn, incident_id, [(m, r, str(s), message_id) for m, r in fresh], now
        )
        messaged += [m for m, _ in fresh]
        metrics.ALERT_STAGE_MESSAGES.labels(str(s)).inc()
    last = stages[-1]
    await store.set_stage(
        conn,
        incident_id,
        str(last),
        rules.next_escalation_at(last, urgency, now, config.delays),
        now,
    )
    if not messaged:
        log.warning("alert reached no officer", incident=incident_id, station=facts.station.en)
        metrics.ALERTS_UNREACHED.inc()
    return Routed(last, messaged)


async def _send(
    conn: Connection,
    message_id: UUID,
    kind: MessageKind,
    text: Text,
    origin_id: str,
    members: list[str],
    job: str,
    now: datetime,
) -> None:
    origin = Origin(OriginKind.ALERT, origin_id)
    if kind is MessageKind.ALERT:
        row = dataclasses.replace(
            origin_message(message_id, kind, text, origin, rules.ALERT_PRIORITY, None, now),
            ack_requested=True,
            reply_code=reply_code(message_id),
        )
    else:
        row = origin_message(message_id, kind, text, origin, rules.NOTICE_PRIORITY, None, now)
    await messages.insert_message(conn, row)
    await jobs.insert_job(
        conn, message_id, None, job, [message_id], now, member_ids=members, origin=origin
    )
    await store.wake_runner(conn)


async def requested(pool: asyncpg.Pool, job_id: UUID, now: datetime) -> None:
    """The alert runner finished a job: a new incident's routing records are on Kafka now."""
    async with pool.acquire() as conn:
        raised = await store.first_requested(conn, job_id, now)
    if raised is not None:
        metrics.ALERT_SINCE_RAISE.labels("requested").observe(
            max(0.0, (now - raised).total_seconds())
        )


async def notify_raiser(conn: Connection, alert: store.AlertRow, text: Text, now: datetime) -> None:
    """A short notice to the raiser of one alert, in their language (no acknowledgement)."""
    await _send(
        conn,
        uuid.uuid4(),
        MessageKind.ALERT_NOTICE,
        text,
        alert.id,
        [alert.raised_by],
        "alert_notice",
        now,
    )


async def receive(
    conn: Connection,
    topics: Topics,
    event: AlertRaised,
    config: CaseConfig,
    now: datetime,
    cause: Cause,
) -> bool:
    """Take one raised alert in; False when it was here already (nothing changes). `cause` is
    the `AlertRaised` event's, for the audit trail."""
    await store.lock_station_kind(conn, event.station_id, str(event.kind))
    if await store.alert_exists(conn, event.alert_id):
        metrics.ALERTS.labels(str(event.kind), "repeat").inc()
        return False
    key = rules.place_key(event.place.text)
    spot = rules.Spot(event.kind, key, event.place.latitude, event.place.longitude, event.raised_at)
    candidates = await store.open_incidents(
        conn, event.station_id, str(event.kind), event.raised_at, rules.CLUSTER_WINDOW
    )
    joined = next(
        (
            c
            for c in candidates
            if rules.joins(
                spot,
                rules.Spot(
                    AlertKind(c.kind), c.place_key, c.latitude, c.longitude, c.last_raised_at
                ),
            )
        ),
        None,
    )
    if joined is not None:
        await store.insert_alert(conn, event, joined.id, now)
        next_at = rules.hurried(
            joined.next_escalation_at, Urgency(joined.urgency), event.urgency, now, config.delays
        )
        await store.join_incident(
            conn, joined.id, event.raised_at, str(event.urgency), next_at, now
        )
        await announce(
            conn,
            topics,
            [
                AlertRouted(
                    alert_id=event.alert_id,
                    incident_id=joined.id,
                    station_id=joined.station_id,
                    officers=[],
                    joined=True,
                    at=now,
                )
            ],
            now,
        )
        await alert_audit.joined(conn, cause, joined.id, joined.station_id, event.alert_id)
        metrics.ALERTS.labels(str(event.kind), "joined").inc()
        return True
    chain = await store.chain(conn, event.station_id)
    await store.insert_incident(conn, _new_incident(event, key, chain, now))
    await store.insert_alert(conn, event, event.alert_id, now)
    alert = (await store.alerts_of(conn, event.alert_id))[0]
    facts = await facts_of(conn, alert, chain, config, event.alert_id)
    routed = await route(
        conn,
        event.alert_id,
        AlertStage.ROUTED,
        event.urgency,
        chain,
        facts,
        config,
        now,
        job="alert",
        first_message_id=rules.routing_message_id(event.alert_id),
    )
    await announce(
        conn,
        topics,
        [
            AlertRouted(
                alert_id=event.alert_id,
                incident_id=event.alert_id,
                station_id=event.station_id,
                officers=routed.officers,
                joined=False,
                at=now,
            )
        ],
        now,
    )
    await alert_audit.routed(
        conn, cause, event.alert_id, event.station_id, routed.stage, routed.officers
    )
    metrics.ALERTS.labels(str(event.kind), "opened").inc()
    log.info(
        "alert routed",
        alert=event.alert_id,
        urgency=str(event.urgency),
        stage=str(routed.stage),
        officers=len(routed.officers),
    )
    return True


def _new_incident(
    event: AlertRaised, key: str, chain: dict[str, store.ChainUnit], now: datetime
) -> store.IncidentRow:
    def unit_id(kind: str) -> str | None:
        found = chain.get(kind)
        return None if found is None else found.id

    return store.IncidentRow(
        id=event.alert_id,
        kind=str(event.kind),
        urgency=str(event.urgency),
        station_id=event.station_id,
        circle_id=unit_id("circle"),
        district_id=unit_id("district"),
        range_id=unit_id("range"),
        place_text=event.place.text,
        place_key=key,
        latitude=event.place.latitude,
        longitude=event.place.longitude,
        alert_count=1,
        stage=str(AlertStage.ROUTED),
        next_escalation_at=None,
        opened_at=event.raised_at,
        last_raised_at=event.raised_at,
        taken_by=None,
        taken_at=None,
        closed_by=None,
        closed_at=None,
        outcome=None,
        fir_number=None,
        version=1,
        updated_at=now,
    )
