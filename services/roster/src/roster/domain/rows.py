"""CSV rows of the two documented column sets, validated one by one (no I/O).

A row is either accepted (a `MemberRow`) or rejected with reasons a clerk can act on. A reason
names the column and the problem but never repeats a phone number. Checks that need the
database (does the unit exist, is it in the importer's area) happen later, set-based, in the
store. Every reason code, with its Hindi and English text, is in `roster.domain.reasons`.

A cell whose text is not acceptable (`invalid`: NUL, control characters, ...; the caller finds
them with the platform's one definition) is one problem, `invalid-text`, naming its column, and
nothing else is said about that column.
"""

from __future__ import annotations

import re
from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from enum import StrEnum

from nazar_contracts.vocabulary import COMMUNITY_ROLES, Language, Role

from roster.domain import phones
from roster.domain.ids import KeyKind, member_id, normalise_key_text


class ImportKind(StrEnum):
    POLICE = "police"  # the HR export: police personnel, state officials, the PHQ cell
    VOLUNTEERS = "volunteers"  # CLG, gram rakshak, police mitra, suraksha sakhi lists


COLUMNS: dict[ImportKind, tuple[str, ...]] = {
    ImportKind.POLICE: (
        "personnel_no",
        "name_hi",
        "name_latin",
        "rank",
        "unit",
        "posted_since",
        "additional_charge",
        "whatsapp",
        "sms",
        "language",
        "active",
        "synthetic",
    ),
    ImportKind.VOLUNTEERS: (
        "volunteer_id",
        "name_hi",
        "name_latin",
        "role",
        "police_station",
        "whatsapp",
        "sms",
        "language",
        "consent",
        "consent_date",
        "consent_method",
        "consent_purpose",
        "active",
        "synthetic",
    ),
}
REQUIRED: dict[ImportKind, frozenset[str]] = {
    ImportKind.POLICE: frozenset({"personnel_no", "rank", "unit"}),
    ImportKind.VOLUNTEERS: frozenset({"role", "police_station"}),
}

CONSENT_METHODS = frozenset({"form", "app", "whatsapp", "sms", "api", "import"})
DEFAULT_PURPOSE = "पुलिस के निर्देश और सूचनाएँ प्राप्त करना / receiving police directives and notices"
_YES = frozenset({"yes", "y", "true", "1", "हाँ", "हां"})
_NO = frozenset({"no", "n", "false", "0", "नहीं"})
_DEVANAGARI = re.compile("[\u0900-\u097f]")
_UNIT = re.compile(r"^[A-Z0-9][A-Z0-9-]{1,63}$")


@dataclass(frozen=True, slots=True)
class Problem:
    code: str
    column: str | None = None


@dataclass(frozen=True, slots=True)
class PostingRow:
    role: Role
    unit_id: str
    primary: bool
    since: date | None


@dataclass(slots=True)
class MemberRow:
    row_no: int
    member_id: str
    key_kind: KeyKind
    natural_key: str  # shown in reports: personnel number or volunteer id, never a phone
    personnel_no: str | None
    volunteer_id: str | None
    name_hi: str | None
    name_latin: str | None
    language: Language
    active: bool
    synthetic: bool
    whatsapp: str | None
    sms: str | None
    postings: list[PostingRow] = field(default_factory=list)
    consent_state: str | None = None
    consent_method: str | None = None
    consent_purpose: str | None = None
    consent_recorded_at: datetime | None = None


@dataclass(frozen=True, slots=True)
class Rejected:
    row_no: int
    natural_key: str | None
    problems: tuple[Problem, ...]
    # Known when the row's key is readable: a full sync must not deactivate a member whose row
    # is present but wrong.
    member_id: str | None = None


class HeaderError(ValueError):
    def __init__(self, missing: Sequence[str]) -> None:
        super().__init__(f"missing columns: {', '.join(missing)}")
        self.missing = list(missing)


def check_header(kind: ImportKind, header: Sequence[str]) -> list[str]:
    """Normalised column names; raises HeaderError when a required column is absent."""
    names = [h.strip().lower().lstrip("\ufeff") for h in header]
    missing = sorted(REQUIRED[kind] - set(names))
    if missing:
        raise HeaderError(missing)
    return names


class _Row:
    def __init__(self, values: Mapping[str, str], invalid: Collection[str]) -> None:
        self.values = values
        self.invalid = frozenset(invalid)
        self.problems: list[Problem] = [Problem("invalid-text", c) for c in sorted(self.invalid)]

    def text(self, column: str) -> str | None:
        value = self.values.get(column)
        if value is None or column in self.invalid:
            return None
        value = value.strip()
        return value or None

    def fail(self, code: str, column: str | None = None) -> None:
        if column not in self.invalid:
            self.problems.append(Problem(code, column))

    def flag(self, column: str, default: bool) -> bool:
        value = self.text(column)
        if value is None:
            return default
        lowered = value.lower()
        if lowered in _YES:
            return True
        if lowered in _NO:
            return False
        self.fail("bad-flag", column)
        return default

    def day(self, column: str) -> date | None:
        value = self.text(column)
        if value is None:
            return None
        try:
            return date.fromisoformat(value)
        except ValueError:
            self.fail("bad-date", column)
            return None

    def phone(self, column: str) -> str | None:
        try:
            return phones.normalise_optional(self.text(column))
        except phones.InvalidPhoneError:
            self.fail(f"bad-{column}", column)
            return None

    def unit(self, column: str) -> str | None:
        value = self.text(column)
        if value is None:
            self.fail("missing-unit", column)
            return None
        code = value.upper()
        if not _UNIT.match(code):
            self.fail("bad-unit-code", column)
            return None
        return code

    def names(self) -> tuple[str | None, str | None]:
        name_hi, name_latin = self.text("name_hi"), self.text("name_latin")
        if name_hi is None and name_latin is None:
            self.fail("missing-name", "name_hi")
        if name_hi is not None and not _DEVANAGARI.search(name_hi):
            self.fail("name-hi-not-devanagari", "name_hi")
        for column, name in (("name_hi", name_hi), ("name_latin", name_latin)):
            if name is not None and len(name) > 200:
                self.fail("name-too-long", column)
        return name_hi, name_latin

    def language(self) -> Language:
        value = (self.text("language") or "hi").lower()
        try:
            return Language(value)
        except ValueError:
            self.fail("bad-language", "language")
            return Language.HI


def _role(text: str | None) -> Role | None:
    if text is None:
        return None
    try:
        return Role(text.strip().lower().replace(" ", "_").replace("-", "_"))
    except ValueError:
        return None


def parse_police(
    row_no: int, values: Mapping[str, str], secret: bytes, invalid: Collection[str] = ()
) -> MemberRow | Rejected:
    row = _Row(values, invalid)
    raw_key = row.text("personnel_no")
    key = normalise_key_text(raw_key) if raw_key else None
    if key is None:
        row.fail("missing-personnel-no", "personnel_no")
    name_hi, name_latin = row.names()
    rank = _role(row.text("rank"))
    if rank is None:
        row.fail("unknown-rank", "rank")
    elif rank in COMMUNITY_ROLES:
        row.fail("volunteer-role-in-hr-export", "rank")
    unit = row.unit("unit")
    since = row.day("posted_since")
    postings: list[PostingRow] = []
    if rank is not None and unit is not None:
        postings.append(PostingRow(rank, unit, True, since))
    for part in filter(None, (p.strip() for p in (row.text("additional_charge") or "").split(";"))):
        role_text, _, unit_text = part.partition("@")
        extra_role, extra_unit = _role(role_text), unit_text.strip().upper()
        if extra_role is None or extra_role in COMMUNITY_ROLES or not _UNIT.match(extra_unit):
            row.fail("bad-additional-charge", "additional_charge")
            continue
        if all((p.role, p.unit_id) != (extra_role, extra_unit) for p in postings):
            postings.append(PostingRow(extra_role, extra_unit, False, since))
    whatsapp, sms = row.phone("whatsapp"), row.phone("sms")
    language = row.language()
    active, synthetic = row.flag("active", True), row.flag("synthetic", False)
    if row.problems or key is None:
        known = member_id(secret, KeyKind.PERSONNEL_NO, key) if key else None
        return Rejected(row_no, key, tuple(row.problems), known)
    return MemberRow(
        row_no=row_no,
        member_id=member_id(secret, KeyKind.PERSONNEL_NO, key),
        key_kind=KeyKind.PERSONNEL_NO,
        natural_key=key,
        personnel_no=key,
        volunteer_id=None,
        name_hi=name_hi,
        name_latin=name_latin,
        language=language,
        active=active,
        synthetic=synthetic,
        whatsapp=whatsapp,
        sms=sms,
        postings=postings,
    )


def parse_volunteer(
    row_no: int,
    values: Mapping[str, str],
    secret: bytes,
    now: datetime | None = None,
    invalid: Collection[str] = (),
) -> MemberRow | Rejected:
    now = now or datetime.now(UTC)
    row = _Row(values, invalid)
    raw_id = row.text("volunteer_id")
    volunteer_id = normalise_key_text(raw_id) if raw_id else None
    name_hi, name_latin = row.names()
    role = _role(row.text("role"))
    if role is None:
        row.fail("unknown-rank", "role")
    elif role not in COMMUNITY_ROLES:
        row.fail("not-a-volunteer-role", "role")
    unit = row.unit("police_station")
    whatsapp, sms = row.phone("whatsapp"), row.phone("sms")
    language = row.language()
    active, synthetic = row.flag("active", True), row.flag("synthetic", False)
    consent = (row.text("consent") or "pending").lower()
    if consent not in ("granted", "pending", "withdrawn"):
        row.fail("bad-consent", "consent")
    consent_day = row.day("consent_date")
    if (
        consent == "granted"
        and consent_day is None
        and "consent_date" not in {p.column for p in row.problems}
    ):
        row.fail("consent-date-required", "consent_date")
    method = (row.text("consent_method") or "form").lower()
    if method not in CONSENT_METHODS:
        row.fail("bad-consent-method", "consent_method")
    phone_key = whatsapp or sms
    if (
        volunteer_id is None
        and phone_key is None
        and not any(p.column in ("whatsapp", "sms") for p in row.problems)
    ):
        row.fail("missing-key", "volunteer_id")
    if row.problems:
        known = (
            member_id(secret, KeyKind.VOLUNTEER_ID, volunteer_id)
            if volunteer_id
            else member_id(secret, KeyKind.PHONE, phone_key)
            if phone_key
            else None
        )
        return Rejected(row_no, volunteer_id, tuple(row.problems), known)
    assert role is not None and unit is not None
    if volunteer_id is not None:
        kind, key = KeyKind.VOLUNTEER_ID, volunteer_id
    else:
        assert phone_key is not None
        kind, key = KeyKind.PHONE, phone_key
    recorded = (
        datetime(consent_day.year, consent_day.month, consent_day.day, tzinfo=UTC)
        if consent_day is not None
        else None
    )
    withdrawn_or_granted = consent in ("granted", "withdrawn")
    return MemberRow(
        row_no=row_no,
        member_id=member_id(secret, kind, key),
        key_kind=kind,
        natural_key=volunteer_id or "",
        personnel_no=None,
        volunteer_id=volunteer_id,
        name_hi=name_hi,
        name_latin=name_latin,
        language=language,
        active=active,
        synthetic=synthetic,
        whatsapp=whatsapp,
        sms=sms,
        postings=[PostingRow(role, unit, True, None)],
        consent_state=consent,
        consent_method=method if withdrawn_or_granted else None,
        consent_purpose=(row.text("consent_purpose") or DEFAULT_PURPOSE)
        if withdrawn_or_granted
        else None,
        consent_recorded_at=recorded or (now if consent == "withdrawn" else None),
    )
