"""An alert row → its API view: the case as the directive reported it, photos with signed URLs
of the alerts' own purpose."""

from __future__ import annotations

from datetime import datetime

from story_intake.api.alert_schemas import (
    AlertOut,
    AlertPhotoOut,
    CaseOut,
    ClosedOut,
    HandedOverOut,
    PlaceOut,
    TakenOut,
)
from story_intake.handlers.media_links import AlertMediaLinks
from story_intake.store.alerts import AlertRow, PhotoRow


def _photo(p: PhotoRow, links: AlertMediaLinks, now: datetime) -> AlertPhotoOut:
    url, expires_at = links.signed(p.sha256, now)
    return AlertPhotoOut(
        sha256=p.sha256,
        size=p.size,
        media_type=p.media_type,
        width=p.width,
        height=p.height,
        url=url,
        thumb_url=links.signed(p.thumb_sha256, now)[0],
        web_url=links.signed(p.web_sha256, now)[0],
        url_expires_at=expires_at,
    )


def _case(a: AlertRow) -> CaseOut:
    c = a.case
    taken = None
    if c.taken_role and c.taken_at:
        taken = TakenOut(role=c.taken_role, station_id=c.taken_station_id, at=c.taken_at)
    handed = None
    if c.handed_from and c.handed_to and c.handed_at:
        handed = HandedOverOut(
            from_station_id=c.handed_from, to_station_id=c.handed_to, at=c.handed_at
        )
    closed = None
    if c.outcome and c.closed_role and c.closed_at:
        closed = ClosedOut(
            outcome=c.outcome, fir_number=c.fir_number, role=c.closed_role, at=c.closed_at
        )
    return CaseOut(
        incident_id=c.incident_id,
        joined=c.joined,
        stage=c.stage,
        taken=taken,
        handed_over=handed,
        closed=closed,
        updated_at=c.updated_at,
    )


def alert_out(
    a: AlertRow, photos: list[PhotoRow], links: AlertMediaLinks, now: datetime
) -> AlertOut:
    return AlertOut.model_validate(
        {
            "id": a.id,
            "state": a.state,
            "kind": a.kind,
            "urgency": a.urgency,
            "text": a.text,
            "language": a.language,
            "place": PlaceOut(
                text=a.place_text, latitude=a.latitude, longitude=a.longitude,
                accuracy_m=a.accuracy_m,
            ),
            "vehicle_number": a.vehicle_number,
            "station_id": a.station_id,
            "raised_station_id": a.raised_station_id,
            "raised_by": a.raised_by,
            "raiser_role": a.raiser_role,
            "raised_at": a.raised_at,
            "received_at": a.received_at,
            "photos": [_photo(p, links, now) for p in photos],
            "case": _case(a),
            "story_id": a.story_id,
        }
    )  # fmt: skip
