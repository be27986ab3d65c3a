"""Campaigns carried by every circle (issue 14, item 6) on real PostgreSQL and Kafka.

A campaign naming its public post is relayed to two districts: each circle group gets its own
tracked link in the text its members receive (the state officials, SPs and IGs, who got it at
issue, get the post itself). Requests to each link — people's GETs, some at once, and HEAD
requests and link previews that must not count — end in the reach view with exactly the people's
opens per circle, next to the circle's reach. Nothing about who opened a link is kept.
"""

from __future__ import annotations

import asyncio
import logging
import re
import uuid
from collections.abc import AsyncIterator

import httpx
import pytest

from tests.conftest import DatabaseFactory
from tests.integration.directive.api_support import Api, running_service
from tests.integration.directive.support import requested
from tests.integration.platform.support import wait_for

POST = "https://x.com/PoliceRajasthan/status/1865000000000000001"
TITLE = "नशा मुक्त राजस्थान: अभियान की पोस्ट हर वृत्त समूह तक पहुँचाएँ"
BODY = "पुलिस मुख्यालय की यह पोस्ट अपने वृत्त के सभी समूहों में साझा करें और लोगों को जागरूक करें।"
PERSON = "Mozilla/5.0 (Linux; Android 13; SM-A145F) Chrome/120.0 Mobile Safari/537.36 CampCheck/7"
PREVIEWS = (
    "WhatsApp/2.23.20.0 A",
    "facebookexternalhit/1.1 (+http://www.facebook.com/externalhit_uatext.php)",
    "Twitterbot/1.0",
    "TelegramBot (like TwitterBot)",
    "Slackbot-LinkExpanding 1.0 (+https://api.slack.com/robots)",
    "LinkedInBot/1.0 (compatible; Mozilla/5.0; Apache-HttpClient)",
    "Mozilla/5.0 (compatible; Discordbot/2.0; +https://discordapp.com)",
    "Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)",
)
LINK = re.compile(r"https://\S+/c/([A-Za-z0-9_-]{12})")


@pytest.fixture(scope="module")
async def api(databases: DatabaseFactory, kafka_bootstrap: str) -> AsyncIterator[Api]:
    async with running_service(databases, kafka_bootstrap) as running:
        yield running


async def settled(api: Api, directive_id: str) -> None:
    async def done() -> bool:
        left = await api.pool.fetchval(
            "SELECT count(*) FROM jobs WHERE directive_id = $1 AND finished_at IS NULL",
            uuid.UUID(directive_id),
        )
        return bool(left == 0)

    await wait_for(done, within=60)


def campaign(**extra: object) -> dict[str, object]:
    return {
        "kind": "campaign",
        "title": {"hi": TITLE, "en": "Drug-free Rajasthan: take the post to every circle group"},
        "body": {"hi": BODY, "en": "Share PHQ's post in every group of your circle."},
        "audience": {"unit_ids": ["RNG-BIKANER"]},
        "ack_required": False,
        "public_post_url": POST,
        **extra,
    }


async def test_a_post_that_is_not_https_on_an_official_network_is_refused(api: Api) -> None:
    adg = {**api.as_("adg", "BR-CRIME"), "Accept-Language": "hi"}
    async with api.client() as c:
        for body, words in (
            (campaign(public_post_url="http://x.com/PoliceRajasthan/status/1"), "https://"),
            (campaign(public_post_url="https://bit.ly/3abcdef"), "आधिकारिक"),
            (campaign(kind="directive"), "अभियान"),
        ):
            r = await c.post("/api/v1/directives", json=body, headers=adg)
            assert r.status_code == 422, r.text
            assert r.headers["content-type"].startswith("application/problem+json")
            problem = r.json()
            assert problem["code"] == "directive.post_url_refused"
            assert words in problem["detail"]
        english = await c.post(
            "/api/v1/directives",
            json=campaign(public_post_url="https://evil.example/x.com"),
            headers={**adg, "Accept-Language": "en"},
        )
        assert english.status_code == 422
        assert "official" in english.json()["detail"]
    assert await api.pool.fetchval("SELECT count(*) FROM directives") == 0


async def test_each_circle_gets_its_link_and_the_reach_view_counts_exactly_its_opens(
    api: Api, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    r = api.roster
    async with api.client() as c:
        issued = await c.post(
            "/api/v1/directives", json=campaign(), headers=api.as_("adg", "BR-CRIME")
        )
        assert issued.status_code == 201, issued.text
        d = issued.json()
        assert d["kind"] == "campaign" and d["public_post_url"] == POST
        did = d["id"]
        await settled(api, did)
        for district in ("DST-BIKANER", "DST-CHURU"):
            relayed = await c.post(
                f"/api/v1/directives/{did}/relays",
                json={"district_id": district},
                headers=api.as_("sp", district),
            )
            assert relayed.status_code == 201, relayed.text
        await settled(api, did)

    circles = [c for d in ("DST-BIKANER", "DST-CHURU") for c in r.circles_of[d]]
    links = {
        row["circle_id"]: row["code"]
        for row in await api.pool.fetch(
            "SELECT circle_id, code FROM campaign_links WHERE directive_id = $1", uuid.UUID(did)
        )
    }
    assert sorted(links) == sorted(circles) and len(set(links.values())) == len(circles)

    # What each member received: their circle's link, or (issue recipients) the post itself.
    original = d["original_message_id"]
    sent = [s.data for s in await requested(api.bootstrap, api.topics.deliveries, api.topics.flash)]
    sent = [s for s in sent if s.message_id == original]
    counted_at = {
        row["member_id"]: row["unit_id"]
        for row in await api.pool.fetch(
            "SELECT member_id, unit_id FROM deliveries WHERE message_id = $1",
            uuid.UUID(original),
        )
    }
    assert len(sent) == len(counted_at)
    with_link = 0
    for s in sent:
        path = r.unit_paths.get(counted_at[s.member_id], [])
        circle = next((c for c in circles if c in path), None)
        found = LINK.findall(s.body)
        if circle is None:
            assert found == [] and s.body.endswith(POST), s.member_id
        else:
            with_link += 1
            assert found == [links[circle]], s.member_id
            assert POST not in s.body
    # Every member of the circle groups got it through a relay, with their circle's link, except
    # the SPs and the IG, who had it (with the post itself) at issue.
    at_issue = {r.one("sp", "DST-BIKANER"), r.one("sp", "DST-CHURU"), r.one("ig", "RNG-BIKANER")}
    group_members = {m for c in circles for m in r.circle_members[c]} & r.reachable
    assert with_link == len(group_members - at_issue) > 0
    # The inbox shows the post as the member received it: the signed page of a circle member,
    # and the SP's inbox.
    member = next(s for s in sent if LINK.findall(s.body))
    assert member.inbox_url is not None
    async with api.client() as c:
        page = await c.get(
            "/inbox/d/" + member.inbox_url.rsplit("/inbox/d/", 1)[1],
            headers={"Accept": "text/html", "Accept-Language": "hi"},
        )
        assert page.status_code == 200
        assert f"/c/{LINK.findall(member.body)[0]}" in page.text
        assert "अभियान की पोस्ट देखें और साझा करें" in page.text
        inbox = await c.get("/api/v1/inbox", headers=api.as_("sp", "DST-CHURU"))
        mine = [i for i in inbox.json()["items"] if i["message_id"] == original]
        assert [i["post_link"] for i in mine] == [POST]

    # People open each circle's link a different number of times, many at once; HEAD requests
    # and previews go to the post too, but do not count.
    opens = {c: 3 + 4 * i for i, c in enumerate(circles)}
    # Many at once, as a circle does; generous timeouts for a loaded machine.
    limits = httpx.Limits(max_connections=32)
    async with httpx.AsyncClient(
        base_url=api.base_url, follow_redirects=False, timeout=120, limits=limits
    ) as c:

        async def get(code: str, agent: str | None) -> httpx.Response:
            headers = {} if agent is None else {"User-Agent": agent}
            if agent is None:
                headers["User-Agent"] = ""
            return await c.get(f"/c/{code}", headers=headers)

        calls = [get(links[circle], PERSON) for circle, n in opens.items() for _ in range(n)]
        calls += [get(code, agent) for code in links.values() for agent in PREVIEWS]
        calls += [get(code, None) for code in links.values()]
        calls += [c.head(f"/c/{code}", headers={"User-Agent": PERSON}) for code in links.values()]
        answers = await asyncio.gather(*calls)
        assert {a.status_code for a in answers} == {302}
        assert {a.headers["location"] for a in answers} == {POST}
        assert all(a.headers["cache-control"] == "no-store" for a in answers)

        unknown = await c.get("/c/AAAAAAAAAAAA", headers={"Accept": "application/json"})
        assert unknown.status_code == 404
        assert unknown.json()["code"] == "directive.campaign_link_unknown"
        page = await c.get(
            "/c/not-a-code", headers={"Accept": "text/html", "Accept-Language": "hi"}
        )
        assert page.status_code == 404 and "यह अभियान लिंक मान्य नहीं है" in page.text

    async with api.client() as c:
        view = await c.get(f"/api/v1/directives/{did}/campaign", headers=api.as_("adg", "BR-CRIME"))
        assert view.status_code == 200, view.text
        body = view.json()
        reach = await c.get(
            f"/api/v1/directives/{did}/reach?down_to=circle", headers=api.as_("adg", "BR-CRIME")
        )
        per_unit = {u["unit_id"]: u["counts"] for u in reach.json()["units"]}
        churu = await c.get(
            f"/api/v1/directives/{did}/campaign", headers=api.as_("sp", "DST-CHURU")
        )
        elsewhere = await c.get(
            f"/api/v1/directives/{did}/campaign",
            headers={**api.as_("sp", "DST-JAIPUR-EAST"), "Accept-Language": "hi"},
        )
    assert body["public_post_url"] == POST and body["opens"] == sum(opens.values())
    assert [x["district_id"] for x in body["districts"]] == ["DST-BIKANER", "DST-CHURU"]
    for district in body["districts"]:
        assert district["counts"] == per_unit[district["district_id"]]
        assert district["name"]["hi"]
        assert [x["circle_id"] for x in district["circles"]] == r.circles_of[
            district["district_id"]
        ]
        for circle in district["circles"]:
            assert circle["opens"] == opens[circle["circle_id"]], circle
            assert circle["counts"] == per_unit[circle["circle_id"]]
            assert circle["counts"]["targeted"] > 0
            assert circle["link"].endswith("/c/" + links[circle["circle_id"]])
        assert district["opens"] == sum(x["opens"] for x in district["circles"])
    # The SP of Churu sees Churu's circles only.
    assert churu.status_code == 200
    assert [x["district_id"] for x in churu.json()["districts"]] == ["DST-CHURU"]
    assert all(
        x["circle_id"].startswith("CIR-CHURU") for x in churu.json()["districts"][0]["circles"]
    )
    # An SP whose district the campaign does not target sees nothing of it.
    assert elsewhere.status_code == 403
    assert elsewhere.json()["code"] == "access.forbidden"

    # Counts only: the link rows hold no more than their code, target and count, and nothing a
    # person's request carried is in the database or the logs.
    columns = {
        row["column_name"]
        for row in await api.pool.fetch(
            "SELECT column_name FROM information_schema.columns WHERE table_name = 'campaign_links'"
        )
    }
    assert columns == {
        "directive_id",
        "circle_id",
        "district_id",
        "code",
        "target_url",
        "opens",
        "created_at",
    }
    tables = [
        row["table_name"]
        for row in await api.pool.fetch(
            "SELECT table_name FROM information_schema.tables WHERE table_schema = 'public' "
            "AND table_type = 'BASE TABLE'"
        )
    ]
    for table in tables:
        hits = await api.pool.fetchval(
            f'SELECT count(*) FROM "{table}" t WHERE t::text LIKE $1', "%CampCheck%"
        )
        assert hits == 0, table
    assert "CampCheck" not in caplog.text
    assert "WhatsApp/2" not in caplog.text
