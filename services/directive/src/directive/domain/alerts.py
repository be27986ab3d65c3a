"""Field alerts (issue 15): who is messaged at each stage, when a case climbs, which alerts are
one incident, and the words of the officers' message and of the raiser's notices. Pure: every
time is given, never read from a clock.

* Routed at once: the SHO of the station and the CO of its circle; for `immediate` also the SP
  of the district. Not taken in time: `soon` → the SP, then the range IG; `immediate` → the
  range IG. A stage whose first officer is missing (a station without an SHO, a district
  without an SP) is passed at once: the next stage is messaged too, so nobody is left unreached.
* Clustering: the same kind, an open incident of the same station, the alert within 30 minutes
  of the incident's last one, and within 500 m (both with coordinates) or at the same place text.
"""

from __future__ import annotations

import math
import re
import unicodedata
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum
from uuid import UUID

from nazar_contracts.alerts import AlertKind, AlertOutcome, AlertStage, Urgency
from nazar_contracts.vocabulary import ROLE_NAMES, Role

from directive.domain.model import Text

# Fixed: an incident's routing message id is a uuid5 name in it, so a redelivered alert makes the
# same id (and finds it).
ALERT_NAMESPACE = uuid.UUID("0b7e4c52-2f6d-5a19-9c3e-71d8a4f6b2e0")
ALERT_PRIORITY = "flash"  # officers' messages go ahead of routine fan-outs
NOTICE_PRIORITY = "urgent"  # the raiser's notices: prompt, but not ahead of an alert
CLUSTER_RADIUS_M = 500.0
CLUSTER_WINDOW = timedelta(minutes=30)
EARTH_RADIUS_M = 6_371_000.0


class Level(StrEnum):
    """Where an officer of a stage is posted, relative to the incident's station."""

    STATION = "police_station"
    CIRCLE = "circle"
    DISTRICT = "district"
    RANGE = "range"


@dataclass(frozen=True, slots=True)
class Post:
    role: Role
    level: Level


_SHO = Post(Role.SHO, Level.STATION)
_CO = Post(Role.CO, Level.CIRCLE)
_SP = Post(Role.SP, Level.DISTRICT)
_IG = Post(Role.IG, Level.RANGE)


def post_level(role: str) -> Level | None:
    """Where an officer of the chain sits relative to a station (SHO: the station itself)."""
    return next((p.level for p in (_SHO, _CO, _SP, _IG) if p.role == role), None)


def stage_posts(stage: AlertStage, urgency: Urgency) -> tuple[Post, ...]:
    """Who a stage messages; the first is the stage's own officer (missing: the stage is passed)."""
    if stage is AlertStage.ROUTED:
        return (_SHO, _CO, _SP) if urgency is Urgency.IMMEDIATE else (_SHO, _CO)
    if stage is AlertStage.SP:
        return (_SP,)
    return (_IG,)


def next_stage(stage: AlertStage, urgency: Urgency) -> AlertStage | None:
    if stage is AlertStage.ROUTED:
        return AlertStage.IG if urgency is Urgency.IMMEDIATE else AlertStage.SP
    if stage is AlertStage.SP:
        return AlertStage.IG
    return None


@dataclass(frozen=True, slots=True)
class EscalationDelays:
    soon_to_sp: timedelta = timedelta(hours=1)
    soon_to_ig: timedelta = timedelta(hours=1)  # after the SP stage began
    immediate_to_ig: timedelta = timedelta(minutes=10)


def next_escalation_at(
    stage: AlertStage, urgency: Urgency, since: datetime, delays: EscalationDelays
) -> datetime | None:
    """When a case that reached `stage` at `since` climbs, if nobody takes it; None at the top."""
    following = next_stage(stage, urgency)
    if following is None:
        return None
    if following is AlertStage.SP:
        return since + delays.soon_to_sp
    if stage is AlertStage.SP and urgency is Urgency.SOON:
        return since + delays.soon_to_ig
    return since + delays.immediate_to_ig


def climb_to(stage: AlertStage, urgency: Urgency, sp_told: bool) -> AlertStage | None:
    """The stage a case climbs to. A case routed as `soon` that an `immediate` alert joined later
    (joining messages nobody) reaches the SP, who was never told, before the IG."""
    following = next_stage(stage, urgency)
    if following is AlertStage.IG and stage is AlertStage.ROUTED and not sp_told:
        return AlertStage.SP
    return following


def hurried(
    next_at: datetime | None,
    urgency: Urgency,
    joining: Urgency,
    now: datetime,
    delays: EscalationDelays,
) -> datetime | None:
    """When a case climbs once an alert of `joining` urgency joined it: an `immediate` alert
    joining a `soon` case brings its next step to the immediate delay at the latest."""
    if next_at is None or urgency is not Urgency.SOON or joining is not Urgency.IMMEDIATE:
        return next_at
    return min(next_at, now + delays.immediate_to_ig)


def stages_to_message(
    start: AlertStage, urgency: Urgency, staffed: dict[AlertStage, bool]
) -> list[AlertStage]:
    """The stages messaged now: `start`, and each next one while the one before has nobody in its
    own post (`staffed[stage]`: its first officer was found)."""
    out = [start]
    stage: AlertStage | None = start
    while stage is not None and not staffed.get(stage, False):
        stage = next_stage(stage, urgency)
        if stage is not None:
            out.append(stage)
    return out


# --- clustering ----------------------------------------------------------------------------

_NOT_WORD = re.compile(r"[^\w]+")


def place_key(text: str) -> str:
    """The place text as clustering compares it: case, punctuation and spacing do not matter."""
    clean = unicodedata.normalize("NFKC", text).casefold()
    return " ".join(_NOT_WORD.sub(" ", clean).split())


def distance_m(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    """Great-circle distance (haversine), metres."""
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dp, dl = p2 - p1, math.radians(lon2 - lon1)
    h = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * EARTH_RADIUS_M * math.asin(min(1.0, math.sqrt(h)))


@dataclass(frozen=True, slots=True)
class Spot:
    """Where and when, as clustering sees an alert or an open incident."""

    kind: AlertKind
    place_key: str
    latitude: float | None
    longitude: float | None
    at: datetime  # an alert's raised_at; an incident's last alert's


def joins(alert: Spot, incident: Spot) -> bool:
    """Whether the alert belongs to the open incident."""
    if alert.kind is not incident.kind or abs(alert.at - incident.at) > CLUSTER_WINDOW:
        return False
    if (
        alert.latitude is not None
        and alert.longitude is not None
        and incident.latitude is not None
        and incident.longitude is not None
        and distance_m(alert.latitude, alert.longitude, incident.latitude, incident.longitude)
        <= CLUSTER_RADIUS_M
    ):
        return True
    return bool(alert.place_key) and alert.place_key == incident.place_key


def more_urgent(a: Urgency, b: Urgency) -> Urgency:
    return Urgency.IMMEDIATE if Urgency.IMMEDIATE in (a, b) else Urgency.SOON


# Open incidents are counted by age in these bands (seconds, upper bounds).
AGE_BANDS = ((600, "under_10m"), (3600, "under_1h"), (21600, "under_6h"), (86400, "under_24h"))
OLDEST_BAND = "over_24h"


def age_band(seconds: float) -> str:
    return next((name for bound, name in AGE_BANDS if seconds < bound), OLDEST_BAND)


def count_by_age(ages: list[float]) -> dict[str, int]:
    """How many open incidents fall in each band (every band named, empty ones 0)."""
    out = {name: 0 for _, name in AGE_BANDS} | {OLDEST_BAND: 0}
    for age in ages:
        out[age_band(age)] += 1
    return out


# --- ids -----------------------------------------------------------------------------------


def routing_message_id(alert_id: str) -> UUID:
    """The message that routes a new incident (its first alert's id names both)."""
    return uuid.uuid5(ALERT_NAMESPACE, f"route:{alert_id}")


# --- words ---------------------------------------------------------------------------------

KIND_NAMES: dict[AlertKind, tuple[str, str]] = {
    AlertKind.SUSPICIOUS: ("संदिग्ध व्यक्ति या वाहन", "Suspicious person or vehicle"),
    AlertKind.WANTED_PERSON: ("वांछित व्यक्ति दिखा", "Wanted person seen"),
    AlertKind.CROWD_TENSION: ("भीड़ / सांप्रदायिक तनाव", "Crowd / communal tension"),
    AlertKind.LIQUOR_NARCOTICS: ("अवैध शराब या मादक पदार्थ", "Illegal liquor or narcotics"),
    AlertKind.ILLEGAL_MINING: ("अवैध खनन", "Illegal mining"),
    AlertKind.CYBER_FRAUD: ("साइबर ठगी का कॉल", "Cyber-fraud call"),
    AlertKind.ROAD_ACCIDENT: ("सड़क दुर्घटना", "Road accident"),
    AlertKind.OTHER: ("अन्य", "Other"),
}
URGENCY_NAMES: dict[Urgency, tuple[str, str]] = {
    Urgency.IMMEDIATE: ("तत्काल", "IMMEDIATE"),
    Urgency.SOON: ("शीघ्र", "soon"),
}
OUTCOME_NAMES: dict[AlertOutcome, tuple[str, str]] = {
    AlertOutcome.ATTENDED: ("मौके पर कार्रवाई की गई", "attended"),
    AlertOutcome.FALSE_ALARM: ("सूचना सही नहीं पाई गई", "false alarm"),
    AlertOutcome.FIR_REGISTERED: ("प्राथमिकी दर्ज की गई", "FIR registered"),
    AlertOutcome.ARREST_MADE: ("गिरफ़्तारी की गई", "arrest made"),
}
STAGE_NAMES: dict[AlertStage, tuple[str, str]] = {
    AlertStage.ROUTED: ("", ""),
    AlertStage.SP: ("वृद्धि (पुलिस अधीक्षक)", "Escalated to the SP"),
    AlertStage.IG: ("वृद्धि (पुलिस महानिरीक्षक)", "Escalated to the IG"),
}


@dataclass(frozen=True, slots=True)
class Named:
    """A person or unit as a message names it, in Hindi and in English."""

    hi: str
    en: str


def role_name(role: str) -> Named:
    try:
        hi, en = ROLE_NAMES[Role(role)]
    except ValueError:
        return Named(role, role)
    return Named(hi, en)


@dataclass(frozen=True, slots=True)
class AlertFacts:
    """What the officers' message says of an alert."""

    kind: AlertKind
    urgency: Urgency
    text: str
    place: str
    vehicle_number: str | None
    raiser: Named
    raiser_role: Named
    station: Named
    link: str


def officer_message(
    facts: AlertFacts, stage: AlertStage, *, handed_from: Named | None = None
) -> Text:
    """The flash message to the officers of a stage, with what to do: acknowledge to take it."""
    kind_hi, kind_en = KIND_NAMES[facts.kind]
    urg_hi, urg_en = URGENCY_NAMES[facts.urgency]
    stage_hi, stage_en = STAGE_NAMES[stage]
    prefix_hi = f"{stage_hi}: " if stage_hi else ""
    prefix_en = f"{stage_en}: " if stage_en else ""
    vehicle_hi = f"\nवाहन संख्या: {facts.vehicle_number}" if facts.vehicle_number else ""
    vehicle_en = f"\nVehicle number: {facts.vehicle_number}" if facts.vehicle_number else ""
    from_hi = f"\n{handed_from.hi} से सौंपा गया।" if handed_from else ""
    from_en = f"\nHanded over from {handed_from.en}." if handed_from else ""
    return Text(
        title_hi=f"{prefix_hi}अलर्ट ({urg_hi}): {kind_hi} — {facts.station.hi}",
        body_hi=(
            f"{facts.text}\n\nस्थान: {facts.place}{vehicle_hi}\n"
            f"सूचना देने वाले: {facts.raiser.hi}, {facts.raiser_role.hi}, {facts.station.hi}"
            f"{from_hi}\n\nपावती दें: पहली पावती देने वाला अधिकारी यह मामला लेता है। "
            f"विवरण: {facts.link}"
        ),
        title_en=f"{prefix_en}Alert ({urg_en}): {kind_en} — {facts.station.en}",
        body_en=(
            f"{facts.text}\n\nPlace: {facts.place}{vehicle_en}\n"
            f"Raised by: {facts.raiser.en}, {facts.raiser_role.en}, {facts.station.en}"
            f"{from_en}\n\nAcknowledge it: the first officer to acknowledge takes the case. "
            f"Details: {facts.link}"
        ),
    )


def taken_notice(kind: AlertKind, role: Named, station: Named) -> Text:
    """To the raiser: an officer has their alert."""
    kind_hi, kind_en = KIND_NAMES[kind]
    return Text(
        title_hi=f"आपका अलर्ट लिया गया: {kind_hi}",
        body_hi=f"आपका अलर्ट {role.hi}, {station.hi} ने लिया है। धन्यवाद।",
        title_en=f"Your alert was taken: {kind_en}",
        body_en=f"Your alert was taken by the {role.en}, {station.en}. Thank you.",
    )


def closed_notice(kind: AlertKind, outcome: AlertOutcome, fir_number: str | None) -> Text:
    """To the raiser: their alert is closed, and how."""
    kind_hi, kind_en = KIND_NAMES[kind]
    out_hi, out_en = OUTCOME_NAMES[outcome]
    fir_hi = f" (प्राथमिकी संख्या {fir_number})" if fir_number else ""
    fir_en = f" (FIR number {fir_number})" if fir_number else ""
    return Text(
        title_hi=f"आपका अलर्ट बंद हुआ: {kind_hi}",
        body_hi=f"आपके अलर्ट पर परिणाम: {out_hi}{fir_hi}। सूचना देने के लिए धन्यवाद।",
        title_en=f"Your alert was closed: {kind_en}",
        body_en=f"The outcome of your alert: {out_en}{fir_en}. Thank you for reporting it.",
    )
