"""What happens to a case after it is routed (issue 15): taken (the first acknowledgement of an
officers' message, or the take endpoint), closed with an outcome, handed over to another station,
escalated when nobody took it in time (on the audit trail as `system:alert-escalation`, the time
it fell due as its cause). Each changes the incident under its row lock, announces
its events on alert.cases.v1 (one per alert of the incident) and tells each raiser what they
need to know, in the caller's transaction.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from uuid import UUID

import asyncpg
import structlog
from nazar_contracts.alerts import (
    AlertClosed,
    AlertEscalated,
    AlertHandedOver,
    AlertKind,
    AlertOutcome,
    AlertStage,
    AlertTaken,
    Urgency,
)
from nazar_contracts.vocabulary import Role, UnitKind
from nazar_platform.db import Connection
from nazar_platform.db.audit import Cause

from directive import metrics
from directive.domain import alerts as rules
from directive.domain.alerts import Named
from directive.domain.model import ConflictError, InvalidRequestError, NotFoundError
from directive.handlers import alert_audit
from directive.handlers.alerts import (  # the routing a new case and a climbing one share
    CaseConfig,
    announce,
    facts_of,
    notify_raiser,
    route,
    station_name,
)
from directive.handlers.common import Actor, Topics
from directive.store import alerts as store
from directive.store import roster
from directive.store.receipts import Acknowledged

log = structlog.get_logger(__name__)


@dataclass(frozen=True, slots=True)
class Taker:
    member_id: str
    role: str
    unit_id: str | None  # where they are posted as that role (named to the raiser)


async def incident_or_404(conn: Connection, incident_id: str) -> store.IncidentRow:
    found = await store.incident(conn, incident_id, lock=True)
    if found is None:
        raise NotFoundError("no such alert", detail_hi="ऐसा कोई अलर्ट नहीं है")
    return found


async def _unit_name(conn: Connection, unit_id: str | None) -> Named:
    u = None if unit_id is None else await roster.unit(conn, unit_id)
    if u is None:
        return Named(unit_id or "", unit_id or "")
    return Named(u.name_hi or u.name_en or u.id, u.name_en or u.name_hi or u.id)


async def take(
    conn: Connection, topics: Topics, incident: store.IncidentRow, taker: Taker, now: datetime
) -> bool:
    """The taker has the incident unless someone has it already (False) or it is closed."""
    if not await store.take(conn, incident.id, taker.member_id, now):
        return False
    alerts = await store.alerts_of(conn, incident.id)
    await announce(
        conn,
        topics,
        [
            AlertTaken(
                alert_id=a.id,
                incident_id=incident.id,
                taken_by=taker.member_id,
                taken_by_role=Role(taker.role),
                at=now,
            )
            for a in alerts
        ],
        now,
    )
    text = rules.taken_notice(
        AlertKind(incident.kind), rules.role_name(taker.role), await _unit_name(conn, taker.unit_id)
    )
    for a in alerts:
        await notify_raiser(conn, a, text, now)
    metrics.ALERT_SINCE_RAISE.labels("taken").observe(
        max(0.0, (now - incident.opened_at).total_seconds())
    )
    log.info("alert taken", incident=incident.id, role=taker.role)
    return True


async def on_acks(
    conn: Connection, topics: Topics, acked: Sequence[Acknowledged], cause: Cause | None = None
) -> int:
    """First acknowledgements of alert deliveries: an officer acknowledging an officers' message
    takes the incident if nobody has it; how many were taken. A raiser's notice asks for none.
    A take by a reply (`cause`, its event) is the replies consumer's decision on the audit trail;
    one through the inbox page is its request's entry."""
    taken = 0
    for a in acked:
        found = await store.officer_message_incident(conn, a.message_id, a.member_id)
        if found is None:
            continue
        incident_id, role = found
        incident = await store.incident(conn, incident_id, lock=True)
        if incident is None or incident.taken_by is not None or incident.closed_at is not None:
            continue
        unit = await _post_unit(conn, incident.station_id, role)
        # An officer of the station it was handed over from acknowledging the old message late
        # does not take it back: the taker must hold their post over the case's station now.
        if unit is None or a.member_id not in await roster.members_at(conn, role, [unit]):
            continue
        metrics.ALERT_SINCE_RAISE.labels("acknowledged").observe(
            max(0.0, (a.at - incident.opened_at).total_seconds())
        )
        took = await take(conn, topics, incident, Taker(a.member_id, role, unit), a.at)
        if took and cause is not None:
            await alert_audit.taken(
                conn, cause, incident.id, incident.station_id, a.member_id, role
            )
        taken += took
    return taken


async def on_delivered(conn: Connection, delivered: Sequence[tuple[UUID, datetime]]) -> None:
    """Alert deliveries that reached a phone: raise → delivered, for a new case's routing."""
    opened = await store.routing_opened_at(conn, sorted({m for m, _ in delivered}))
    for message_id, at in delivered:
        raised = opened.get(message_id)
        if raised is not None:
            metrics.ALERT_SINCE_RAISE.labels("delivered").observe(
                max(0.0, (at - raised).total_seconds())
            )


async def _post_unit(conn: Connection, station_id: str, role: str) -> str | None:
    level = rules.post_level(role)
    if level is None:
        return None
    found = (await store.chain(conn, station_id)).get(str(level))
    return None if found is None else found.id


async def take_by(
    pool: asyncpg.Pool, topics: Topics, incident_id: str, actor: Actor, now: datetime
) -> store.IncidentRow:
    """The take endpoint: the caller has it now, or already had it; someone else's is a 409."""
    async with pool.acquire() as conn, conn.transaction():
        return await _take_by(conn, topics, incident_id, actor, now)


async def _take_by(
    conn: Connection, topics: Topics, incident_id: str, actor: Actor, now: datetime
) -> store.IncidentRow:
    incident = await incident_or_404(conn, incident_id)
    _open(incident)
    if incident.taken_by == actor.member_id:
        return incident
    if incident.taken_by is not None:
        raise ConflictError(
            "another officer has taken this alert; see the alert board for who",
            detail_hi="यह अलर्ट किसी अन्य अधिकारी ने ले लिया है; कौन, यह अलर्ट बोर्ड पर देखें",
        )
    await take(conn, topics, incident, Taker(actor.member_id, actor.role, actor.unit_id), now)
    return await incident_or_404(conn, incident_id)


def _open(incident: store.IncidentRow) -> None:
    if incident.closed_at is not None:
        raise ConflictError(
            "this alert is closed already; nothing more can be done on it",
            detail_hi="यह अलर्ट पहले ही बंद हो चुका है; इस पर अब कोई कार्रवाई नहीं हो सकती",
        )


async def close(
    pool: asyncpg.Pool,
    topics: Topics,
    incident_id: str,
    outcome: AlertOutcome,
    fir_number: str | None,
    actor: Actor,
    now: datetime,
) -> store.IncidentRow:
    """Close the case with its outcome; every raiser is told."""
    fir = (fir_number or "").strip() or None
    if (outcome is AlertOutcome.FIR_REGISTERED) != (fir is not None):
        raise InvalidRequestError(
            "give the FIR number with the outcome fir_registered, and only with it",
            detail_hi="परिणाम 'प्राथमिकी दर्ज' के साथ प्राथमिकी संख्या दें, अन्य परिणाम के साथ नहीं",
        )
    async with pool.acquire() as conn, conn.transaction():
        return await _close(conn, topics, incident_id, outcome, fir, actor, now)


async def _close(
    conn: Connection,
    topics: Topics,
    incident_id: str,
    outcome: AlertOutcome,
    fir: str | None,
    actor: Actor,
    now: datetime,
) -> store.IncidentRow:
    incident = await incident_or_404(conn, incident_id)
    _open(incident)
    await store.close(conn, incident.id, actor.member_id, str(outcome), fir, now)
    alerts = await store.alerts_of(conn, incident.id)
    await announce(
        conn,
        topics,
        [
            AlertClosed(
                alert_id=a.id,
                incident_id=incident.id,
                outcome=outcome,
                fir_number=fir,
                closed_by=actor.member_id,
                closed_by_role=Role(actor.role),
                at=now,
            )
            for a in alerts
        ],
        now,
    )
    text = rules.closed_notice(AlertKind(incident.kind), outcome, fir)
    for a in alerts:
        await notify_raiser(conn, a, text, now)
        metrics.ALERT_OUTCOMES.labels(a.kind, str(outcome)).inc()
    log.info("alert closed", incident=incident.id, outcome=str(outcome))
    return await incident_or_404(conn, incident_id)


async def hand_over(
    pool: asyncpg.Pool,
    topics: Topics,
    incident_id: str,
    station_id: str,
    actor: Actor,
    config: CaseConfig,
    now: datetime,
) -> store.IncidentRow:
    """Give the case to another station, whose officers are routed to afresh (stage and clock
    start again; nobody has it until one of them takes it)."""
    async with pool.acquire() as conn, conn.transaction():
        return await _hand_over(conn, topics, incident_id, station_id, actor, config, now)


async def _hand_over(
    conn: Connection,
    topics: Topics,
    incident_id: str,
    station_id: str,
    actor: Actor,
    config: CaseConfig,
    now: datetime,
) -> store.IncidentRow:
    incident = await incident_or_404(conn, incident_id)
    _open(incident)
    target = await roster.unit(conn, station_id)
    if target is None or target.kind is not UnitKind.POLICE_STATION or not target.active:
        raise InvalidRequestError(
            "hand an alert over to an active police station (its unit id)",
            detail_hi="अलर्ट किसी सक्रिय थाने (उसकी इकाई आईडी) को ही सौंपा जा सकता है",
        )
    if station_id == incident.station_id:
        raise ConflictError(
            "the alert is with this station already",
            detail_hi="अलर्ट पहले से इसी थाने के पास है",
        )
    old = station_name(await store.chain(conn, incident.station_id), incident.station_id)
    chain = await store.chain(conn, station_id)
    await store.move(conn, incident.id, chain, now)
    alerts = await store.alerts_of(conn, incident.id)
    facts = dataclasses.replace(
        await facts_of(conn, alerts[0], chain, config, incident.id),
        urgency=Urgency(incident.urgency),
    )
    await route(
        conn,
        incident.id,
        AlertStage.ROUTED,
        Urgency(incident.urgency),
        chain,
        facts,
        config,
        now,
        job="alert_handover",
        handed_from=old,
    )
    await announce(
        conn,
        topics,
        [
            AlertHandedOver(
                alert_id=a.id,
                incident_id=incident.id,
                from_station_id=incident.station_id,
                to_station_id=station_id,
                by=actor.member_id,
                at=now,
            )
            for a in alerts
        ],
        now,
    )
    metrics.ALERT_HANDOVERS.inc()
    return await incident_or_404(conn, incident_id)


async def escalate_due(
    pool: asyncpg.Pool, topics: Topics, config: CaseConfig, now: datetime, limit: int = 100
) -> int:
    """Each incident due and untaken goes one stage up: its message, officers and events. One
    transaction for the lot; an incident a take is holding is skipped (taken, it is not due)."""
    async with pool.acquire() as conn, conn.transaction():
        done = await _escalate_due(conn, topics, config, now, limit)
        ages = await store.open_ages(conn, now)
    for band, n in rules.count_by_age(ages).items():
        metrics.OPEN_INCIDENTS.labels(band).set(n)
    return done


async def _escalate_due(
    conn: Connection, topics: Topics, config: CaseConfig, now: datetime, limit: int
) -> int:
    done = 0
    for incident in await store.due(conn, now, limit):
        urgency = Urgency(incident.urgency)
        sp_told = "sp" in await store.officer_roles(conn, incident.id)
        stage = rules.climb_to(AlertStage(incident.stage), urgency, sp_told)
        if stage is None:  # at the top already: nothing further up
            await store.set_stage(conn, incident.id, incident.stage, None, now)
            continue
        chain = await store.chain(conn, incident.station_id)
        alerts = await store.alerts_of(conn, incident.id)
        # The case's urgency, which a more urgent alert joining it may have raised.
        facts = dataclasses.replace(
            await facts_of(conn, alerts[0], chain, config, incident.id), urgency=urgency
        )
        routed = await route(
            conn, incident.id, stage, urgency, chain, facts, config, now, job="alert_escalation"
        )
        await announce(
            conn,
            topics,
            [
                AlertEscalated(
                    alert_id=a.id,
                    incident_id=incident.id,
                    stage=routed.stage,
                    officers=routed.officers,
                    at=now,
                )
                for a in alerts
            ],
            now,
        )
        await alert_audit.escalated(
            conn,
            incident.next_escalation_at,
            incident.id,
            incident.station_id,
            routed.stage,
            routed.officers,
        )
        metrics.ALERT_ESCALATIONS.labels(str(routed.stage)).inc()
        done += 1
    return done
