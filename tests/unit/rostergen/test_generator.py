"""The synthetic roster: real districts, realistic counts and ranks, synthetic marks."""

from __future__ import annotations

import csv
from collections import Counter
from pathlib import Path

import pytest
from nazar_contracts.vocabulary import CRIME_BRANCH
from nazar_rostergen.build import PHONE_BLOCK_START, Generator, Scale
from nazar_rostergen.files import write
from nazar_rostergen.places import COMMISSIONERATES, RANGES
from roster.domain.ids import UNIT_CODE


@pytest.fixture(scope="module")
def state() -> Generator:
    return Generator(Scale.STATE)


def test_the_state_tree(state: Generator) -> None:
    kinds = Counter(u.kind for u in state.roster.units)
    assert kinds["range"] == 7 and kinds["commissionerate"] == 2
    assert kinds["district"] == sum(len(d) for *_, d in RANGES) + sum(
        len(d) for *_, d in COMMISSIONERATES
    )
    assert 215 <= kinds["circle"] <= 245 and 850 <= kinds["police_station"] <= 950
    # The wings of PHQ: the crime branch (ADG Crime's) first, right under the state unit.
    branches = [u for u in state.roster.units if u.kind == "branch"]
    crime = branches[0]
    assert (crime.code, crime.name_hi, crime.parent) == (
        CRIME_BRANCH,
        "अपराध शाखा",
        "PHQ",
    )
    assert len(branches) == 2 and all(b.parent == "PHQ" for b in branches)
    codes = [u.code for u in state.roster.units]
    assert len(set(codes)) == len(codes) and all(UNIT_CODE.match(c) for c in codes)
    names = {u.name_en for u in state.roster.units if u.kind == "district"}
    assert {"Bikaner", "Khairthal-Tijara", "Jaipur East", "Didwana-Kuchaman"} <= names
    tijara = next(u for u in state.roster.units if u.name_en == "Khairthal-Tijara")
    circles = {u.name_en for u in state.roster.units if u.parent == tijara.code}
    assert {"Kishangarh Bas", "Bhiwadi", "Tijara"} <= circles


def test_people_are_synthetic_with_block_numbers_and_real_proportions(state: Generator) -> None:
    police = list(state.police_rows())
    assert 99_000 <= len(police) <= 101_000
    ranks = Counter(row[3] for row in police)
    assert ranks["constable"] > ranks["head_constable"] > ranks["asi"] > ranks["si"]
    assert 0.66 < ranks["constable"] / len(police) < 0.72
    assert ranks["adg"] == 2 and ranks["ig"] == 9
    # ADG Crime at the crime branch; the other ADG at another branch, not at PHQ's crime branch.
    adgs = [row[4] for row in police if row[3] == "adg"]
    assert adgs[0] == CRIME_BRANCH and adgs[1] != CRIME_BRANCH
    assert all(row[-1] == "yes" for row in police)
    volunteers = list(state.volunteer_rows())
    assert 180_000 <= len(volunteers) <= 220_000
    numbers = [n for row in police for n in (row[7], row[8]) if n]
    numbers += [n for row in volunteers for n in (row[5], row[6]) if n]
    assert all(PHONE_BLOCK_START <= int(n[1:]) < PHONE_BLOCK_START + 1_000_000 for n in numbers)
    people = {row[8] for row in police} | {row[6] or row[5] for row in volunteers}
    assert len(people) == len(police) + len(volunteers), "every person has their own number"
    assert any("\u0900" <= ch <= "\u097f" for ch in police[100][1])
    consent = Counter(row[8] for row in volunteers)
    assert consent["pending"] and consent["withdrawn"] and consent["granted"]


def test_demo_files(tmp_path: Path) -> None:
    files = write(tmp_path, Scale.DEMO)
    assert 200 <= files.counts["police"] + files.counts["volunteers"] <= 600
    with files.volunteers.open(encoding="utf-8") as f:
        rows = list(csv.DictReader(f))
    assert any(r["consent"] != "granted" for r in rows), "some volunteers lack consent"
    assert any(not r["whatsapp"] for r in rows), "some volunteers have no WhatsApp"
    again = write(tmp_path / "again", Scale.DEMO)
    assert again.police.read_bytes() == files.police.read_bytes(), "deterministic for a seed"
