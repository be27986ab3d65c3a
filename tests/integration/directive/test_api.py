"""The directive API end to end on one running service: issue (Hindi, an attachment, an
Idempotency-Key), relay, note, acknowledge, the inbox, the signed inbox page, reach (equal to a
recount), laggards, the CSV export and the SSE stream."""

from __future__ import annotations

import asyncio
import csv
import io
import json
import uuid
from collections.abc import AsyncIterator

import pytest
from directive.store import reach as reach_store

from tests.conftest import DatabaseFactory
from tests.integration.directive.api_support import Api, field_member, running_service
from tests.integration.platform.support import wait_for

TITLE = "सोशल मीडिया के जरिए बदमाशों पर कड़ी नजर रखें"
BODY = "सभी थाना प्रभारी अपने क्षेत्र के सोशल मीडिया समूहों पर निगरानी रखें।"
PDF = b"%PDF-1.4\n1 0 obj\n<< /Type /Catalog >>\nendobj\ntrailer\n%%EOF\n"


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


async def issue(api: Api, **extra: object) -> dict[str, object]:
    adg = api.as_("adg", "BR-CRIME")
    body = {
        "priority": "urgent",
        "title": {"hi": TITLE, "en": "Close watch on miscreants"},
        "body": {"hi": BODY, "en": "Every station: watch social media groups."},
        "audience": {"unit_ids": ["RNG-BIKANER"]},
        **extra,
    }
    async with api.client() as c:
        r = await c.post("/api/v1/directives", json=body, headers=adg)
    assert r.status_code == 201, r.text
    data: dict[str, object] = r.json()
    await settled(api, str(data["id"]))
    return data


async def test_issue_relay_note_ack_inbox_and_the_signed_page(api: Api) -> None:
    adg = api.as_("adg", "BR-CRIME")
    async with api.client() as c:
        up = await c.post(
            "/api/v1/attachments",
            files={"file": ("निर्देश.pdf", PDF, "application/pdf")},
            headers=adg,
        )
        assert up.status_code == 201, up.text
        attachment = up.json()
        refused = await c.post(
            "/api/v1/attachments",
            files={"file": ("x.pdf", b"MZ\x90\x00", "application/pdf")},
            headers={**adg, "Accept-Language": "hi"},
        )
        assert refused.status_code == 422
        assert refused.headers["content-type"].startswith("application/problem+json")
        assert refused.json()["code"] == "directive.attachment_refused"
        assert "फ़ाइल" in refused.json()["detail"]

        key = {"Idempotency-Key": f"issue-{uuid.uuid4()}"}
        body = {
            "priority": "urgent",
            "title": {"hi": TITLE},
            "body": {"hi": BODY},
            "audience": {"unit_ids": ["RNG-BIKANER"]},
            "attachment_ids": [attachment["id"]],
        }
        first = await c.post("/api/v1/directives", json=body, headers={**adg, **key})
        again = await c.post("/api/v1/directives", json=body, headers={**adg, **key})
        assert first.status_code == again.status_code == 201
        assert first.json()["id"] == again.json()["id"]
        d = first.json()
        assert d["title"]["hi"] == TITLE and d["attachments"][0]["filename"] == "निर्देश.pdf"
        assert [x["district_id"] for x in d["districts"]] == ["DST-BIKANER", "DST-CHURU"]
        did = d["id"]
        await settled(api, did)

        sp = api.as_("sp", "DST-BIKANER")
        r = await c.post(
            f"/api/v1/directives/{did}/relays",
            json={"district_id": "DST-BIKANER", "note": "आज शाम तक सभी को सूचित करें।"},
            headers=sp,
        )
        assert r.status_code == 201, r.text
        assert sorted(r.json()["circle_ids"]) == sorted(api.roster.circles_of["DST-BIKANER"])
        circle = api.roster.circles_of["DST-BIKANER"][0]
        r = await c.post(
            f"/api/v1/directives/{did}/notes",
            json={"circle_id": circle, "text": "कल सुबह बैठक"},
            headers=api.as_("co", circle),
        )
        assert r.status_code == 201, r.text
        await settled(api, did)

        station = f"PS-BIKANER-{circle[-1]}1"
        member = field_member(api, station)
        me = api.token(member, f"constable:{station}")
        inbox = (await c.get("/api/v1/inbox", headers=me)).json()
        mine = [i for i in inbox["items"] if i["directive_id"] == did]
        assert {i["kind"] for i in mine} == {"original", "note"}
        original = next(i for i in mine if i["kind"] == "original")
        assert original["note"] == "आज शाम तक सभी को सूचित करें।"
        assert original["attachments"][0]["id"] == attachment["id"]
        assert original["status"] == "requested" and original["acknowledged_at"] is None
        got = await c.get(original["attachments"][0]["url"], headers=me)
        assert got.status_code == 200 and got.content == PDF
        assert got.headers["x-content-type-options"] == "nosniff"  # never sniffed as a page

        acked = await c.post(f"/api/v1/directives/{did}/ack", json={}, headers=me)
        assert acked.status_code == 200, acked.text
        assert [a["message_id"] for a in acked.json()] == [original["message_id"]]
        inbox = (await c.get("/api/v1/inbox", headers=me)).json()
        mine = [i for i in inbox["items"] if i["delivery_id"] == original["delivery_id"]]
        assert mine[0]["acknowledged_at"] is not None and mine[0]["status"] == "read"

    # The signed link of another member's delivery opens the page without any sign-in.
    other = api.roster.by_role[("head_constable", station)][0]  # prefers English
    record = await signed_link(api, did, other)
    page_path = record.split("/directive", 1)[1]
    async with api.client() as c:
        page = await c.get(page_path, headers={"Accept": "text/html"})
        assert page.status_code == 200 and "Close watch" not in page.text
        assert TITLE in page.text  # the directive has Hindi only
        assert "Received — acknowledge" in page.text  # the page speaks the member's language
        hindi = await c.get(page_path + "?lang=hi", headers={"Accept": "text/html"})
        assert "प्राप्त हुआ — पावती दें" in hindi.text
        pressed = await c.post(
            page_path + "/ack", data={"lang": "hi"}, headers={"Accept": "text/html"}
        )
        assert pressed.status_code == 303
        after = await c.get(pressed.headers["location"], headers={"Accept": "text/html"})
        assert "पावती दी गई" in after.text
        forged = await c.get(page_path[:-3] + "AAA")
        assert forged.status_code == 404
        assert forged.headers["content-type"].startswith("application/problem+json")
        forged_page = await c.get(page_path[:-3] + "AAA", headers={"Accept": "text/html"})
        assert forged_page.status_code == 404 and "मान्य नहीं" in forged_page.text
    via = await api.pool.fetchval(
        "SELECT ack_via FROM deliveries WHERE member_id = $1 AND directive_id = $2 "
        "AND acked_at IS NOT NULL",
        other,
        uuid.UUID(did),
    )
    assert via == "link"


async def signed_link(api: Api, directive_id: str, member: str) -> str:
    from tests.integration.directive.support import requested

    for s in await requested(api.bootstrap, api.topics.deliveries):
        if (
            s.data.directive_id == directive_id
            and s.data.member_id == member
            and s.data.purpose == "directive"
        ):
            assert s.data.inbox_url is not None
            return s.data.inbox_url
    raise AssertionError("no delivery for that member")


async def test_reach_equals_a_recount_and_is_scoped_and_exported(api: Api) -> None:
    d = await issue(api)
    did = str(d["id"])
    async with api.client() as c:
        r = await c.post(
            f"/api/v1/directives/{did}/relays",
            json={"district_id": "DST-BIKANER"},
            headers=api.as_("sp", "DST-BIKANER"),
        )
        assert r.status_code == 201
        await settled(api, did)
        # Some acknowledge (through the API), in one circle.
        circle = api.roster.circles_of["DST-BIKANER"][0]
        members = sorted(api.roster.circle_members[circle] & api.roster.reachable)[:5]
        for m in members:
            ack = await c.post(
                f"/api/v1/directives/{did}/ack", json={}, headers=api.token(m, "constable:PS-X")
            )
            assert ack.status_code in (200, 404)
        hq = (
            await c.get(f"/api/v1/directives/{did}/reach", headers=api.as_("adg", "BR-CRIME"))
        ).json()
        sp = (
            await c.get(f"/api/v1/directives/{did}/reach", headers=api.as_("sp", "DST-BIKANER"))
        ).json()
        ig = (
            await c.get(
                f"/api/v1/directives/{did}/reach?down_to=district",
                headers=api.as_("ig", "RNG-BIKANER"),
            )
        ).json()
        co = (await c.get(f"/api/v1/directives/{did}/reach", headers=api.as_("co", circle))).json()
        lag = (
            await c.get(f"/api/v1/directives/{did}/laggards", headers=api.as_("adg", "BR-CRIME"))
        ).json()
        station_csv = await c.get(
            f"/api/v1/directives/{did}/export.csv", headers=api.as_("sp", "DST-BIKANER")
        )
        member_csv = await c.get(
            f"/api/v1/directives/{did}/export.csv?per=member", headers=api.as_("sp", "DST-BIKANER")
        )
    async with api.pool.acquire() as conn:
        recount = await reach_store.recount(conn, uuid.UUID(did))
    original = uuid.UUID(str(d["original_message_id"]))
    everyone = sum(c.targeted for (m, _), c in recount.items() if m == original)
    acknowledged = sum(c.acknowledged for (m, _), c in recount.items() if m == original)
    assert hq["totals"]["targeted"] == everyone and hq["totals"]["acknowledged"] == acknowledged
    by_unit = {u["unit_id"]: u for u in hq["units"]}
    assert by_unit["PHQ"]["counts"]["targeted"] == everyone
    assert by_unit["DST-BIKANER"]["counts"]["targeted"] == sp["totals"]["targeted"]
    assert by_unit[circle]["counts"]["targeted"] == co["totals"]["targeted"]
    assert {u["depth"] for u in hq["units"]} == {1, 2, 3, 4, 5}
    # Scoped: the SP sees the district and below, the CO the circle, the IG down to districts.
    assert all(u["depth"] >= 3 for u in sp["units"]) and "DST-CHURU" not in str(sp["units"])
    assert {u["unit_id"] for u in co["units"] if u["depth"] == 4} == {circle}
    assert max(u["depth"] for u in ig["units"]) == 3
    assert [x["district_id"] for x in lag["districts_not_relayed"]] == ["DST-CHURU"]
    # The exports, readable with Hindi intact.
    assert station_csv.status_code == 200 and station_csv.text.startswith("\ufeff")
    rows = list(csv.DictReader(io.StringIO(station_csv.text.lstrip("\ufeff"))))
    district = next(r for r in rows if r["unit_id"] == "DST-BIKANER")
    assert int(district["targeted"]) == sp["totals"]["targeted"] and district["name_hi"] == "बीकानेर"
    assert {r["level"] for r in rows} == {"district", "circle", "police_station"}
    members_rows = list(csv.DictReader(io.StringIO(member_csv.text.lstrip("\ufeff"))))
    originals = [r for r in members_rows if r["message_kind"] == "original"]
    assert len(originals) == sp["totals"]["targeted"]
    assert sum(1 for r in originals if r["acknowledged_at"]) == sp["totals"]["acknowledged"]
    assert any("\u0900" <= ch <= "\u097f" for r in originals for ch in r["name_hi"])


async def test_the_reach_stream_sends_the_roll_up_and_each_change(api: Api) -> None:
    d = await issue(api)
    did = str(d["id"])
    sp = api.as_("sp", "DST-CHURU")
    async with api.client() as c:
        await c.post(
            f"/api/v1/directives/{did}/relays", json={"district_id": "DST-CHURU"}, headers=sp
        )
        await settled(api, did)
        events: list[dict[str, object]] = []

        async def listen() -> None:
            async with c.stream(
                "GET", f"/api/v1/directives/{did}/reach/stream", headers=sp
            ) as stream:
                assert stream.headers["content-type"].startswith("text/event-stream")
                event = None
                async for line in stream.aiter_lines():
                    if line.startswith("event:"):
                        event = line.split(":", 1)[1].strip()
                    elif line.startswith("data:") and event == "reach":
                        events.append(json.loads(line.split(":", 1)[1]))
                        if len(events) == 2:
                            return

        listener = asyncio.create_task(listen())
        await wait_for(lambda: _has(events, 1), within=30)
        station = "PS-CHURU-11"
        member = field_member(api, station)
        ack = await c.post(
            f"/api/v1/directives/{did}/ack",
            json={},
            headers=api.token(member, f"constable:{station}"),
        )
        assert ack.status_code == 200, ack.text
        await asyncio.wait_for(listener, 30)
    first, second = events
    assert first["totals"]["acknowledged"] + 1 == second["totals"]["acknowledged"]  # type: ignore[index]


async def _has(events: list[dict[str, object]], n: int) -> bool:
    return len(events) >= n
