"""Field alerts' rules, pure: the vehicle number's one spelling, the language of the text, the
time an alert was raised, the station it is for, and who may read an alert or start a story
from it.

Refusals are `AlertRefusalError`s with a problem code (`api/alert_problems.py` says them in Hindi
and English).
"""

from __future__ import annotations

import re
from collections.abc import Collection
from dataclasses import dataclass
from datetime import datetime, timedelta

from nazar_contracts.vocabulary import Language


class AlertRefusalError(Exception):
    def __init__(self, code: str, params: dict[str, str] | None = None) -> None:
        super().__init__(code)
        self.code = code
        self.params = params or {}


# A registration mark (Central Motor Vehicles Rules 1989, r.50): the state's code, the district
# (Delhi adds a letter: DL3C), a series of up to three letters (none on old plates), a number of
# up to four digits. The Bharat series (r.48, 2021): year, BH, four digits, one or two letters.
# ASCII digits only: a mark written in Devanagari digits is not one the contract can carry.
_STATE_MARK = re.compile(r"^(?:(DL)[0-9]{1,2}[A-Z]?|([A-Z]{2})[0-9]{1,2})[A-Z]{0,3}[0-9]{1,4}$")
_BHARAT_MARK = re.compile(r"^[0-9]{2}BH[0-9]{4}[A-Z]{1,2}$")
# What people type between the parts: spaces, hyphens, dots, slashes.
_SEPARATORS = re.compile(r"[\s\-./]+")


def vehicle_number(raw: str, states: Collection[str]) -> str:
    """The mark in its one spelling ("rj 14 ca 1234" → "RJ14CA1234"), or `alert.vehicle_number`
    for what is not an Indian registration. `states`: the state and UT codes, any case."""
    mark = _SEPARATORS.sub("", raw).upper()
    codes = {s.upper() for s in states}
    found = _STATE_MARK.fullmatch(mark)
    if (found and (found.group(1) or found.group(2)) in codes) or _BHARAT_MARK.fullmatch(mark):
        return mark
    raise AlertRefusalError("alert.vehicle_number")


_DEVANAGARI = re.compile(r"[\u0900-\u097F]")
_LATIN = re.compile(r"[A-Za-z]")


def language_of(text: str) -> Language:
    """Hindi when the text has Devanagari in it (a Hindi message often carries a Latin place or
    number), English when it has Latin letters only; neither is refused (`alert.text_language`)."""
    if _DEVANAGARI.search(text):
        return Language.HI
    if _LATIN.search(text):
        return Language.EN
    raise AlertRefusalError("alert.text_language")


def raised_time(raised_at: datetime | None, received_at: datetime, slack: timedelta) -> datetime:
    """When the alert was raised: the phone's time when it sends one (an alert raised offline and
    sent later keeps it), else now. A time further ahead than the clocks' `slack` is refused: it
    would sort the alert ahead of every real one."""
    if raised_at is None:
        return received_at
    if raised_at > received_at + slack:
        raise AlertRefusalError("alert.raised_in_future")
    return min(raised_at, received_at)


@dataclass(frozen=True, slots=True)
class Posting:
    """The raiser's posting: its unit and that unit's kind (None: not in the tree yet)."""

    unit_id: str
    kind: str | None


STATION = "police_station"


def station_for(posting: Posting, picked: str | None, picked_kind: str | None) -> str:
    """The police station an alert is for: the one the raiser picked (away from their posting),
    else their posting's station. A posting above a station (a circle, a district) must pick."""
    if picked is not None:
        if picked_kind != STATION:
            raise AlertRefusalError("alert.station_unknown", {"station": picked})
        return picked
    if posting.kind == STATION:
        return posting.unit_id
    raise AlertRefusalError("alert.station_required")


def may_read(member_id: str, raised_by: str, officers: Collection[str]) -> bool:
    """The raiser, and the officers the case reached (routed, escalated) or who took or closed
    it; nobody else, whatever their rank."""
    return member_id == raised_by or member_id in officers


def may_start_story(member_id: str, raised_by: str, officers: Collection[str], state: str) -> None:
    """An officer of the case starts a story draft from it, once it is closed; the raiser (not an
    officer of it) does not."""
    if member_id == raised_by and member_id not in officers:
        raise AlertRefusalError("alert.not_an_officer")
    if member_id not in officers:
        raise AlertRefusalError("alert.not_found")
    if state != "closed":
        raise AlertRefusalError("alert.not_closed")


# What a page or a story draft calls each kind (Hindi, English).
KIND_NAMES: dict[str, tuple[str, str]] = {
    "suspicious": ("संदिग्ध व्यक्ति या वाहन", "Suspicious person or vehicle"),
    "wanted_person": ("वांछित व्यक्ति दिखा", "Wanted person seen"),
    "crowd_tension": ("भीड़ / सांप्रदायिक तनाव", "Crowd / communal tension"),
    "liquor_narcotics": ("अवैध शराब या नशीले पदार्थ", "Illegal liquor or narcotics"),
    "illegal_mining": ("अवैध खनन", "Illegal mining"),
    "cyber_fraud": ("साइबर ठगी का कॉल", "Cyber-fraud call"),
    "road_accident": ("सड़क दुर्घटना", "Road accident"),
    "other": ("अन्य सूचना", "Other alert"),
}
TITLE_MAX = 300


def story_title(kind: str, place: str, language: Language) -> str:
    """A draft's title the officer will rewrite: the kind and the place, in the alert's language."""
    hi, en = KIND_NAMES[kind]
    title = f"{hi if language is Language.HI else en}: {place}"
    return title if len(title) <= TITLE_MAX else title[: TITLE_MAX - 1] + "…"


def story_kind(outcome: str | None) -> str:
    """The story kind a closed alert suggests: an arrest made is an arrest; the rest the officer
    chooses when editing."""
    return "arrest" if outcome == "arrest_made" else "other"
