"""The rules of an office's changes to one member (issue 20, item 3): a transfer's date and
target, a consent's proof, and how a phone number is shown on a member's page. Pure."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from nazar_contracts.vocabulary import Role, UnitKind

from roster.domain.roles import allowed_unit_kinds, is_community

CONSENT_METHODS = ("form", "app", "whatsapp", "sms", "api")
SHOWN_DIGITS = 4


@dataclass(frozen=True, slots=True)
class Target:
    """The unit a posting moves to, as the tree has it."""

    unit_id: str
    kind: UnitKind
    active: bool


def transfer_problems(
    role: Role, since: date, on: date, today: date, current_unit: str, target: Target | None
) -> list[str]:
    """Why a transfer of the posting (`role` at `current_unit` since `since`) to `target` from
    `on` cannot be made; [] when it can. Codes: see `TRANSFER_REASONS`."""
    if target is None:
        return ["unknown-unit"]
    problems = []
    if target.unit_id == current_unit:
        problems.append("same-unit")
    if not target.active:
        problems.append("unit-closed")
    if target.kind not in allowed_unit_kinds(role):
        problems.append("rank-not-allowed-at-unit")
    if on > today:
        problems.append("date-in-future")
    if on < since:
        problems.append("date-before-posting")
    return problems


def consent_problems(given_on: date, today: date, required: bool) -> list[str]:
    """Why a consent (its proof dated `given_on`) cannot be recorded; [] when it can."""
    problems = []
    if not required:
        problems.append("not-a-volunteer")
    if given_on > today:
        problems.append("date-in-future")
    return problems


def is_volunteer(roles: list[Role]) -> bool:
    return any(is_community(r) for r in roles)


def masked(number: str | None) -> str | None:
    """A phone number as a member's page shows it: its last digits only (`••••••3210`)."""
    if not number:
        return None
    digits = [c for c in number if c.isdigit()]
    shown = "".join(digits[-SHOWN_DIGITS:])
    return "•" * max(len(digits) - SHOWN_DIGITS, 0) + shown


# Reason code -> (Hindi, English): the problem document's `reasons` in both languages.
TRANSFER_REASONS: dict[str, tuple[str, str]] = {
    "unknown-unit": ("यह इकाई मौजूद नहीं है", "the unit does not exist"),
    "same-unit": ("सदस्य पहले से इसी इकाई में तैनात है", "the member is posted there already"),
    "unit-closed": ("यह इकाई बंद है", "the unit is closed"),
    "rank-not-allowed-at-unit": (
        "इस पद की तैनाती इस प्रकार की इकाई में नहीं होती",
        "this role is not posted at this kind of unit",
    ),
    "date-in-future": ("तारीख भविष्य की नहीं हो सकती", "the date cannot be in the future"),
    "date-before-posting": (
        "तारीख वर्तमान तैनाती से पहले की है",
        "the date is before the current posting began",
    ),
    "no-such-posting": ("सदस्य की इस इकाई में कोई तैनाती नहीं है", "the member has no posting there"),
    "not-a-volunteer": (
        "सहमति केवल सामुदायिक स्वयंसेवकों की दर्ज होती है",
        "consent is recorded for community volunteers only",
    ),
}


def reasons_text(codes: list[str]) -> tuple[str, str]:
    """(English, Hindi) of reason codes, joined."""
    en = "; ".join(TRANSFER_REASONS.get(c, (c, c))[1] for c in codes)
    hi = "; ".join(TRANSFER_REASONS.get(c, (c, c))[0] for c in codes)
    return en, hi
