"""Build the synthetic roster: units, police (HR export) and volunteers (lists), as CSV rows.

Everything is deterministic for a seed. Every member carries `synthetic=yes`; phone numbers come
from the block +91 7000 000000 - +91 7000 999999 (no Indian range is reserved for fiction, so
the mark, not the block, is what keeps real people from being messaged; see the README).
"""

from __future__ import annotations

import random
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date, timedelta
from enum import StrEnum

from nazar_contracts.vocabulary import CRIME_BRANCH
from roster.domain.ids import unit_code
from roster.domain.rows import COLUMNS, ImportKind

from nazar_rostergen import names
from nazar_rostergen.places import COMMISSIONERATES, KNOWN_CIRCLES, RANGES

PHONE_BLOCK_START = 917_000_000_000  # +91 7000 000000
PHONE_BLOCK_SIZE = 1_000_000
UNIT_COLUMNS = ("unit_code", "kind", "name_hi", "name_en", "parent")


class Scale(StrEnum):
    DEMO = "demo"
    STATE = "state"


@dataclass(frozen=True)
class Plan:
    circles_per_district: tuple[int, int]
    stations_per_circle: tuple[int, int]
    personnel: int  # approximate: the station and district strength is drawn from it
    volunteers_per_station: int
    districts_with_circles: frozenset[str] | None  # None: every district


# The wings of PHQ the generator posts an ADG at: (Hindi, English, code name). The crime branch
# comes first and is CRIME_BRANCH (BR-CRIME); the other ADGs show that rank alone grants nothing.
BRANCHES = (
    ("अपराध शाखा", "Crime Branch", "Crime"),
    ("कानून एवं व्यवस्था शाखा", "Law and Order Branch", "Law and Order"),
)
PLANS = {
    Scale.STATE: Plan((4, 5), (3, 5), 100_000, 222, None),
    Scale.DEMO: Plan((3, 3), (3, 3), 160, 8, frozenset({"Bikaner", "Khairthal-Tijara"})),
}

# Actual strength proportions (BPR&D 2019) of the ranks below DySP.
RANK_SHARES = (
    ("constable", 75_779),
    ("head_constable", 20_216),
    ("asi", 6_319),
    ("si", 4_675),
    ("inspector", 1_619),
)
# The officers a demo alert is routed or escalated to (see Generator.alert_station).
_CHAIN_RANKS = frozenset({"sho", "co", "sp", "ig"})
VOLUNTEER_SHARES = (
    ("clg_member", 40),
    ("gram_rakshak", 18),
    ("police_mitra", 22),
    ("suraksha_sakhi", 20),
)


@dataclass
class Unit:
    code: str
    kind: str
    name_hi: str
    name_en: str
    parent: str | None

    def row(self) -> tuple[str, ...]:
        return (self.code, self.kind, self.name_hi, self.name_en, self.parent or "")


@dataclass
class Roster:
    units: list[Unit] = field(default_factory=list)
    stations: list[Unit] = field(default_factory=list)
    circles: list[Unit] = field(default_factory=list)
    districts: list[Unit] = field(default_factory=list)
    branches: list[Unit] = field(default_factory=list)


class Generator:
    def __init__(self, scale: Scale, seed: int = 2025) -> None:
        self.scale = scale
        self.plan = PLANS[scale]
        self.rng = random.Random(seed)  # noqa: S311 - made-up people, not secrets
        self.seed = seed
        self._codes: set[str] = set()
        self._places: set[str] = set()
        self._phone = 0
        self._phone_step = 7919  # a prime: walks the whole block without repeating
        self._pno = 0
        self._vid = 0
        self.roster = self._tree()
        self.alert_chain = self._alert_chain() if scale is Scale.DEMO else frozenset()

    # --- the tree -------------------------------------------------------------------------
    def _code(self, kind: str, name_en: str) -> str:
        code, n = unit_code(kind, name_en), 2
        base = code
        while code in self._codes:
            code, n = f"{base}-{n}", n + 1
        self._codes.add(code)
        return code

    def _unit(
        self, roster: Roster, kind: str, hi: str, en: str, parent: Unit | None, code_name: str = ""
    ) -> Unit:
        code = self._code(kind, code_name or en)
        unit = Unit(code, kind, hi, en, parent.code if parent else None)
        roster.units.append(unit)
        return unit

    def _place(self) -> tuple[str, str]:
        # Rajasthan has many twin villages told apart by Khurd (small) and Kalan (big).
        for qualifier in (("", ""), (" खुर्द", " Khurd"), (" कलां", " Kalan"), (" नया", " Naya")):
            for _ in range(40):
                root = self.rng.choice(names.PLACE_ROOTS)
                end = self.rng.choice(names.PLACE_ENDINGS)
                en = root[1] + end[1] + qualifier[1]
                if en not in self._places:
                    self._places.add(en)
                    return root[0] + end[0] + qualifier[0], en
        raise RuntimeError("ran out of place names")

    def _tree(self) -> Roster:
        r = Roster()
        state = self._unit(r, "state", "पुलिस मुख्यालय, राजस्थान", "Police Headquarters", None, "PHQ")
        # Wings of PHQ, each headed by an ADG: ADG Crime is the one at the crime branch.
        for hi, en, code_name in BRANCHES:
            r.branches.append(self._unit(r, "branch", hi, en, state, code_name))
        if r.branches[0].code != CRIME_BRANCH:
            raise RuntimeError(f"the crime branch must be {CRIME_BRANCH}")
        for en, hi, districts in RANGES:
            rng_unit = self._unit(r, "range", f"{hi} रेंज", f"{en} Range", state, en)
            for d_en, d_hi in districts:
                self._district(r, rng_unit, d_en, d_hi)
        for en, hi, districts in COMMISSIONERATES:
            cp = self._unit(
                r, "commissionerate", f"{hi} पुलिस आयुक्तालय", f"{en} Commissionerate", state, en
            )
            for d_en, d_hi in districts:
                self._district(r, cp, d_en, d_hi)
        return r

    def _district(self, r: Roster, parent: Unit, en: str, hi: str) -> None:
        district = self._unit(r, "district", hi, en, parent)
        r.districts.append(district)
        wanted = self.plan.districts_with_circles
        if wanted is not None and en not in wanted:
            return
        known = list(KNOWN_CIRCLES.get(en, ()))
        count = max(len(known), self.rng.randint(*self.plan.circles_per_district))
        for i in range(count):
            c_hi, c_en = (known[i][1], known[i][0]) if i < len(known) else self._place()
            circle = self._unit(r, "circle", c_hi, c_en, district)
            r.circles.append(circle)
            for j in range(self.rng.randint(*self.plan.stations_per_circle)):
                s_hi, s_en = (f"{c_hi} कोतवाली", f"{c_en} Kotwali") if j == 0 else self._place()
                r.stations.append(self._unit(r, "police_station", s_hi, s_en, circle))

    @property
    def alert_station(self) -> str:
        """The demo's field-alert station (issue 15): the first circle's second station in the
        first district with circles under a range (Bikaner; DEMO_ALERT_STATION for the default
        seed). Its SHO, CO, SP and range IG are on WhatsApp and a gram rakshak with consent is
        posted there, so that `up` can show an alert reaching every stage of the chain."""
        return self.roster.stations[1].code

    def _alert_chain(self) -> frozenset[str]:
        """The units whose officers the demo alert reaches: the station, circle, district, range."""
        by_code = {u.code: u for u in self.roster.units}
        chain, unit = [], by_code[self.alert_station]
        while unit.parent is not None:
            chain.append(unit.code)
            unit = by_code[unit.parent]
        return frozenset(chain)

    # --- people ---------------------------------------------------------------------------
    def _name(self, female: bool = False) -> tuple[str, str]:
        given = self.rng.choice(names.FEMALE if female else names.MALE)
        surname = self.rng.choice(names.SURNAMES)
        return f"{given[0]} {surname[0]}", f"{given[1]} {surname[1]}"

    def _number(self) -> str:
        self._phone = (self._phone + self._phone_step) % PHONE_BLOCK_SIZE
        return f"+{PHONE_BLOCK_START + self._phone}"

    def _since(self) -> str:
        return (date(2025, 6, 30) - timedelta(days=self.rng.randint(0, 3000))).isoformat()

    def _police(
        self, rank: str, unit: str, extra: str = "", female: bool = False
    ) -> tuple[str, ...]:
        self._pno += 1
        hi, en = self._name(female)
        phone = self._number()
        # Drawn for everyone, so that forcing the alert chain's officers changes no other row.
        has_whatsapp = self.rng.random() < 0.95 or (
            rank in _CHAIN_RANKS and unit in self.alert_chain
        )
        lang = "en" if self.rng.random() < 0.1 else "hi"
        return (
            f"RJP{self._pno:07d}", hi, en, rank, unit, self._since(), extra,
            phone if has_whatsapp else "", phone, lang, "yes", "yes",
        )  # fmt: skip

    def police_rows(self) -> Iterator[tuple[str, ...]]:
        r = self.roster
        yield self._police("adg", r.branches[0].code)  # ADG Crime
        for role in ("home_secretary", "joint_secretary_home", "police_pro", "sp_phq_crime"):
            yield self._police(role, "PHQ")
        for role in ("content_writer", "content_writer", "graphics_designer", "graphics_designer"):
            yield self._police(role, "PHQ", female=self.rng.random() < 0.4)
        for unit in r.units:
            if unit.kind in ("range", "commissionerate"):
                yield self._police("ig", unit.code)
        for i, district in enumerate(r.districts):
            # A few SPs hold additional charge of the next district (two postings).
            extra = f"sp@{r.districts[i + 1].code}" if i % 15 == 7 else ""
            yield self._police("sp", district.code, extra)
        for i, circle in enumerate(r.circles):
            extra = f"co@{r.circles[i + 1].code}" if i % 40 == 13 else ""
            yield self._police("co", circle.code, extra)
        for station in r.stations:
            yield self._police("sho", station.code)
        officers = self._pno
        total = max(self.plan.personnel - officers, 0)
        weights = [w for _, w in RANK_SHARES]
        ranks = [rank for rank, _ in RANK_SHARES]
        at_district = [d.code for d in r.districts]
        at_station = [s.code for s in r.stations]
        for _ in range(total):
            rank = self.rng.choices(ranks, weights)[0]
            # Most of the force serves at police stations; the rest in district police lines.
            posted = self.rng.choice(at_station if self.rng.random() < 0.9 else at_district)
            yield self._police(rank, posted, female=self.rng.random() < 0.1)
        # The ADGs of the other branches (who issue nothing state-wide) come last, from their own
        # random stream, so that everyone else of a seed is who they were before branches existed
        # (tests pick people of the demo roster by name).
        main, self.rng = self.rng, random.Random(f"branches-{self.seed}")  # noqa: S311
        try:
            for branch in r.branches[1:]:
                yield self._police("adg", branch.code)
        finally:
            self.rng = main

    def volunteer_rows(self) -> Iterator[tuple[str, ...]]:
        roles = [role for role, _ in VOLUNTEER_SHARES]
        weights = [w for _, w in VOLUNTEER_SHARES]
        per = self.plan.volunteers_per_station
        for station in self.roster.stations:
            rows = [
                self._volunteer(self.rng.choices(roles, weights)[0], station.code)
                for _ in range(self.rng.randint(per - per // 4, per + per // 4))
            ]
            if (
                self.alert_chain
                and station.code == self.alert_station
                and not any(map(_alert_raiser, rows))
            ):
                rows.append(self._volunteer("gram_rakshak", station.code, raiser=True))
            yield from rows

    def _volunteer(self, role: str, station: str, raiser: bool = False) -> tuple[str, ...]:
        female = role == "suraksha_sakhi" or self.rng.random() < 0.25
        hi, en = self._name(female)
        phone = self._number()
        channel = self.rng.random()
        whatsapp = phone if channel < 0.85 or raiser else ""
        sms = phone if channel >= 0.10 else ""
        vid = ""
        if self.rng.random() < 0.7:  # the rest are known by their phone number only
            self._vid += 1
            vid = f"V{self._vid:08d}"
        consent = self.rng.random()
        state = (
            "granted" if consent < 0.85 or raiser else "pending" if consent < 0.97 else "withdrawn"
        )
        consent_day = (
            (date(2025, 1, 1) + timedelta(days=self.rng.randint(0, 300))).isoformat()
            if state != "pending"
            else ""
        )
        method = self.rng.choice(("form", "app", "whatsapp")) if consent_day else ""
        return (
            vid, hi, en, role, station, whatsapp, sms, "hi", state, consent_day, method, "",
            "yes", "yes",
        )  # fmt: skip


def _alert_raiser(row: tuple[str, ...]) -> bool:
    """A volunteer row that can raise the demo alert and hear back on WhatsApp."""
    return row[3] == "gram_rakshak" and bool(row[5]) and row[8] == "granted" and row[12] == "yes"


def header(kind: ImportKind) -> tuple[str, ...]:
    return COLUMNS[kind]
