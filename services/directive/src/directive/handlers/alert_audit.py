"""A field alert's automatic decisions on the audit trail (`nazar_platform.db.audit`), each in the
transaction of its change: routed or joined by the alerts consumer (caused by the `AlertRaised`
event), taken by an officer's reply (caused by the reply event), escalated by the escalation loop
(no event: the time it fell due)."""

from __future__ import annotations

from datetime import datetime

from nazar_platform.db import Connection, audit
from nazar_platform.db.audit import Cause

ALERTS_CONSUMER = audit.actor("alerts")
REPLIES = audit.actor("replies")
ALERT_ESCALATION = audit.actor("alert-escalation")


def _subject(incident_id: str) -> str:
    return f"incident:{incident_id}"


def _routing(stage: object, officers: list[str]) -> str:
    return f"stage {stage}: {len(officers)} officer(s)"


async def routed(
    conn: Connection,
    cause: Cause,
    incident_id: str,
    station_id: str,
    stage: object,
    officers: list[str],
) -> None:
    """A new incident routed to its officers ("failed" when it reached nobody)."""
    await audit.record(
        conn,
        audit.Decision(
            ALERTS_CONSUMER,
            "alert.route",
            cause,
            subject=_subject(incident_id),
            target_unit=station_id,
            outcome="allowed" if officers else "failed",
            detail=_routing(stage, officers),
        ),
    )


async def joined(
    conn: Connection, cause: Cause, incident_id: str, station_id: str, alert_id: str
) -> None:
    """An alert joined an open incident (its officers are not messaged again)."""
    await audit.record(
        conn,
        audit.Decision(
            ALERTS_CONSUMER,
            "alert.join",
            cause,
            subject=_subject(incident_id),
            target_unit=station_id,
            detail=f"alert {alert_id}",
        ),
    )


async def taken(
    conn: Connection, cause: Cause, incident_id: str, station_id: str, member_id: str, role: str
) -> None:
    """An officer's reply acknowledged first and so took the incident."""
    await audit.record(
        conn,
        audit.Decision(
            REPLIES,
            "alert.take",
            cause,
            subject=_subject(incident_id),
            target_unit=station_id,
            target_member=member_id,
            detail=f"the {role}'s first acknowledgement",
        ),
    )


async def escalated(
    conn: Connection,
    due: datetime | None,
    incident_id: str,
    station_id: str,
    stage: object,
    officers: list[str],
) -> None:
    """An untaken incident climbed a stage when its escalation fell due."""
    when = "?" if due is None else due.isoformat(timespec="seconds")
    await audit.record(
        conn,
        audit.Decision(
            ALERT_ESCALATION,
            "alert.escalate",
            Cause.scheduled(f"escalation due {when} passed"),
            subject=_subject(incident_id),
            target_unit=station_id,
            outcome="allowed" if officers else "failed",
            detail=_routing(stage, officers),
        ),
    )
