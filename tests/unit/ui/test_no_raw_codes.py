"""Issue 20: no page shows a raw role, unit-kind or unit code or a member id where a name exists.
The scanner (`tests/raw_codes.py`) finds them and leaves prose alone; the shared frame's words
name every role and unit kind in both languages; the pages the consoles render hold no code."""

from __future__ import annotations

import re

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from nazar_contracts.vocabulary import ROLE_NAMES, UNIT_KIND_NAMES, Role, UnitKind
from nazar_ui import role_names, unit_kind_names, words
from roster.api import pages as roster_pages
from roster.settings import RosterSettings

from tests.raw_codes import raw_codes


@pytest.mark.parametrize(
    ("text", "codes"),
    [
        ("साइन इन: m-m3qdeqa32xk (पुलिस अधीक्षक · बीकानेर)", ["m-m3qdeqa32xk"]),
        ("Signed in: Rakesh Sharma (home_secretary · Police Headquarters)", ["home_secretary"]),
        ("Name\tRole\tUnit\nRamesh\tsp\tBikaner", ["sp"]),
        ("Ramesh — ig · DST-BIKANER", ["ig", "DST-BIKANER"]),
        ("Unit\npolice_station\nKind\ndistrict", ["police_station", "district"]),
        ("Sunil (constable)", ["constable"]),
        ("Thana: PS-ROHITAL-KOTWALI", ["PS-ROHITAL-KOTWALI"]),
    ],
)
def test_the_scanner_finds_codes_where_names_belong(text: str, codes: list[str]) -> None:
    assert raw_codes(text) == codes


@pytest.mark.parametrize(
    "text",
    [
        "Signed in: Ramesh Sharma (SP / DCP · Bikaner)",
        "The SP sees the district's members in every circle and police station of the state.",
        "साइन इन: रमेश शर्मा (पुलिस अधीक्षक · बीकानेर)",
        "Police Headquarters · PHQ crime cell · co-operation with the range office",
        "Import (CSV)\nAccepted\n1\nRejected\n2\nStatus: done",
    ],
)
def test_names_and_prose_are_not_codes(text: str) -> None:
    assert raw_codes(text) == []


def test_every_role_and_unit_kind_has_a_name_in_both_languages_that_is_no_code() -> None:
    assert set(ROLE_NAMES) == set(Role)
    assert set(UNIT_KIND_NAMES) == set(UnitKind)
    for lang in ("hi", "en"):
        names = {**role_names(lang), **unit_kind_names(lang)}
        assert all(n and not raw_codes(n) for n in names.values()), lang
        assert words(lang, {})["roles"] == role_names(lang)
        assert words(lang, {})["unit_kinds"] == unit_kind_names(lang)
    assert role_names("hi")["sp"] == "पुलिस अधीक्षक"
    assert unit_kind_names("en")["police_station"] == "Police station"


def _visible(html: str) -> str:
    """The text of a server-rendered page without its scripts and tags."""
    html = re.sub(r"<script\b.*?</script>", "", html, flags=re.S)
    html = re.sub(r"<(option|input)\b[^>]*>", "\n", html)
    return re.sub(r"<[^>]+>", "\n", html)


@pytest.mark.parametrize("lang", ["hi", "en"])
def test_the_roster_pages_render_no_code(lang: str) -> None:
    app = FastAPI()
    roster_pages.install(app, RosterSettings())
    html = TestClient(app).get(f"/roster?lang={lang}").text
    assert 'id="who-roles"' in html  # the frame's header, filled from the session
    assert raw_codes(_visible(html)) == []
