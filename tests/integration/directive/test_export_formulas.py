"""Text a person typed never runs as a spreadsheet formula in the directive's exports: member
names (as the roster publishes them) and the directive's own title, through the running service
and its database, per station and per member."""

from __future__ import annotations

import csv
import io
from collections.abc import AsyncIterator

import pytest
from nazar_contracts.members import MemberUpserted

from tests.conftest import DatabaseFactory
from tests.integration.directive.api_support import Api, field_member, running_service
from tests.integration.directive.support import produce
from tests.integration.directive.test_api import issue, settled
from tests.integration.platform.support import wait_for

LINK = '=HYPERLINK("http://x","राम")'
CALC = "=cmd|' /C calc'!A0"
TITLE = "+सूचना: =1+1"


@pytest.fixture(scope="module")
async def api(databases: DatabaseFactory, kafka_bootstrap: str) -> AsyncIterator[Api]:
    async with running_service(databases, kafka_bootstrap) as running:
        yield running


def _rows(text: str) -> list[dict[str, str]]:
    assert text.startswith("\ufeff")
    return list(csv.DictReader(io.StringIO(text.lstrip("\ufeff"), newline="")))


async def test_formula_names_and_titles_are_text_in_both_exports(api: Api) -> None:
    station = "PS-BIKANER-11"
    member_id = field_member(api, station)
    member = next(m for m in api.roster.members if m.member_id == member_id)
    renamed = member.model_copy(update={"name_hi": LINK, "name_latin": CALC, "version": 2})
    await produce(api.bootstrap, [(api.topics.roster[MemberUpserted], renamed)])

    async def consumed() -> bool:
        name = await api.pool.fetchval("SELECT name_hi FROM members WHERE id = $1", member_id)
        return bool(name == LINK)

    await wait_for(consumed, within=60)
    d = await issue(api, title={"hi": TITLE, "en": "-1 urgent"})
    did = str(d["id"])
    sp = api.as_("sp", "DST-BIKANER")
    async with api.client() as c:
        relay = await c.post(
            f"/api/v1/directives/{did}/relays", json={"district_id": "DST-BIKANER"}, headers=sp
        )
        assert relay.status_code == 201, relay.text
        await settled(api, did)
        per_member = await c.get(f"/api/v1/directives/{did}/export.csv?per=member", headers=sp)
        per_station = await c.get(f"/api/v1/directives/{did}/export.csv", headers=sp)
    assert per_member.status_code == per_station.status_code == 200
    members = _rows(per_member.text)
    mine = [r for r in members if r["member_id"] == member_id]
    assert mine, "the renamed member received the directive"
    for row in mine:
        assert (row["name_hi"], row["name_latin"]) == ("'" + LINK, "'" + CALC)
        assert (row["title_hi"], row["title_en"]) == ("'" + TITLE, "'-1 urgent")
    stations = _rows(per_station.text)
    assert stations and all(r["title_hi"] == "'" + TITLE for r in stations)
    # No cell of either file begins with a character a spreadsheet would run.
    for row in [*members, *stations]:
        assert not any(v.startswith(("=", "+", "-", "@", "\t", "\r")) for v in row.values())
