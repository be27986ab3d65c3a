"""Issue 16, item 4: only ADG Crime (the ADG posted at the crime branch) and the Home Department
issue state-wide directives and campaigns. Another ADG is refused with a problem, in Hindi and
English, that says who may; the directive's issue audience holds ADG Crime, not the other ADG."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator

import pytest
from nazar_contracts.vocabulary import CRIME_BRANCH

from tests.conftest import DatabaseFactory
from tests.integration.directive.api_support import Api, running_service
from tests.integration.directive.test_api import PDF, settled
from tests.integration.directive.test_campaigns import campaign

DEVANAGARI = re.compile("[\u0900-\u097f]")
DIRECTIVE = {
    "priority": "urgent",
    "title": {"hi": "अवैध खनन पर सख्त कार्रवाई करें", "en": "Act firmly on illegal mining"},
    "body": {"hi": "सभी जिलों में अवैध खनन की निगरानी बढ़ाएँ।", "en": "Step up watch on mining."},
    "audience": {"unit_ids": ["RNG-BIKANER"]},
}


@pytest.fixture(scope="module")
async def api(databases: DatabaseFactory, kafka_bootstrap: str) -> AsyncIterator[Api]:
    async with running_service(databases, kafka_bootstrap) as running:
        yield running


def other_adg(api: Api, lang: str) -> dict[str, str]:
    # The roster's ADG at PHQ itself (not ADG Crime), with the grant of that posting.
    return {**api.as_("adg", "PHQ"), "Accept-Language": lang}


async def test_another_adg_is_refused_with_who_may_in_hindi_and_english(api: Api) -> None:
    async with api.client() as c:
        for lang, who in (("hi", "एडीजी अपराध"), ("en", "ADG Crime")):
            for body in (DIRECTIVE, campaign()):
                r = await c.post("/api/v1/directives", json=body, headers=other_adg(api, lang))
                assert r.status_code == 403, r.text
                problem = r.json()
                assert problem["code"] == "directive.issuers_only"
                assert r.headers["content-type"].startswith("application/problem+json")
                text = f"{problem['title']} {problem['detail']}"
                assert who in text, text
                if lang == "hi":
                    assert DEVANAGARI.search(problem["detail"]) and "गृह सचिव" in text
                else:
                    assert "Home Secretary" in text and not DEVANAGARI.search(text)
        up = await c.post(
            "/api/v1/attachments",
            files={"file": ("निर्देश.pdf", PDF, "application/pdf")},
            headers=other_adg(api, "hi"),
        )
        assert up.status_code == 403 and up.json()["code"] == "directive.issuers_only"
        # Rank still reads the state's directives: only the issuing grant is the posting's.
        listed = await c.get("/api/v1/directives", headers=other_adg(api, "en"))
        assert listed.status_code == 200
    none = await api.pool.fetchval("SELECT count(*) FROM directives WHERE issued_by = $1",
                                   api.roster.one("adg", "PHQ"))  # fmt: skip
    assert none == 0


async def test_the_read_model_holds_the_crime_branch_from_a_v2_record(api: Api) -> None:
    # The test roster publishes the branch as nazar.unit.upserted.v2 and the rest as v1.
    row = await api.pool.fetchrow("SELECT kind, path FROM units WHERE id = $1", CRIME_BRANCH)
    assert row is not None and (row["kind"], row["path"]) == ("branch", ["PHQ", CRIME_BRANCH])
    assert await api.pool.fetchval("SELECT count(*) FROM units WHERE kind = 'state'") == 1


async def test_adg_crime_issues_and_the_home_secretary_too(api: Api) -> None:
    adg_crime = api.as_("adg", CRIME_BRANCH)
    async with api.client() as c:
        issued = await c.post("/api/v1/directives", json=DIRECTIVE, headers=adg_crime)
        assert issued.status_code == 201, issued.text
        launched = await c.post("/api/v1/directives", json=campaign(), headers=adg_crime)
        assert launched.status_code == 201, launched.text
        home = api.as_("home_secretary", "PHQ")
        by_home = await c.post("/api/v1/directives", json=DIRECTIVE, headers=home)
        assert by_home.status_code == 201, by_home.text
    for d in (issued, launched, by_home):
        await settled(api, str(d.json()["id"]))

    # The Home Secretary's directive reaches ADG Crime at issue (the state group), and no other
    # ADG: rank alone puts nobody in the state-wide audience.
    did = by_home.json()["id"]
    async with api.client() as c:
        crime_inbox = (await c.get("/api/v1/inbox", headers=adg_crime)).json()["items"]
        other_inbox = (await c.get("/api/v1/inbox", headers=other_adg(api, "en"))).json()["items"]
    assert [i for i in crime_inbox if i["directive_id"] == did]
    assert not [i for i in other_inbox if i["directive_id"] == did]
