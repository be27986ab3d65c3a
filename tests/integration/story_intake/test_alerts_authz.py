"""The authorization matrix of story-intake's alert endpoints: each endpoint × role × own /
foreign unit. Each case starts from a fresh alert raised by a constable of PS-TIJARA (circle
CIR-TIJARA, district DST-KT), routed to the SHO of PS-TIJARA and the CO of CIR-TIJARA (closed by
the SHO, for the story draft), so one case's success never changes another's answer.

Nobody reads an alert but its raiser and the officers of its case: the SP of the district, the
range IG, the ADG and a constable of the same station get 404 as a stranger would (whether it
exists is not theirs to learn)."""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable

import httpx
import pytest
from prometheus_client import REGISTRY

from tests.integration.story_intake.test_alerts import (
    ADG,
    ALERT,
    CO,
    CONSTABLE,
    CONSTABLE_2,
    IG,
    OTHER_SHO,
    SHO,
    SP,
    WRITER,
    Alerts,
    closed_case,
    produce,
    raised,
    routed,
    wait_state,
)
from tests.integration.story_intake.test_alerts import alerts as alerts  # noqa: PLC0414

OTHER_CO = ("M-CO-2", "co:CIR-KBAS")
RAKSHAK = ("M-GR-7", "gram_rakshak:PS-TIJARA")  # no consent recorded
WHO = {
    "raiser": CONSTABLE,
    "constable_same_unit": CONSTABLE_2,
    "volunteer_no_consent": RAKSHAK,
    "sho_own": SHO,
    "sho_foreign": OTHER_SHO,
    "co_own": CO,
    "co_foreign": OTHER_CO,
    "sp_own": SP,
    "ig": IG,
    "adg": ADG,
    "cell_writer": WRITER,
}
Call = Callable[[httpx.AsyncClient, str], Awaitable[httpx.Response]]


async def _raise(c: httpx.AsyncClient, _: str) -> httpx.Response:
    return await c.post("/api/v1/alerts", json=ALERT)


async def _mine(c: httpx.AsyncClient, alert_id: str) -> httpx.Response:
    r = await c.get("/api/v1/alerts/mine")
    if r.status_code == 200 and not any(a["id"] == alert_id for a in r.json()["items"]):
        return httpx.Response(204)  # allowed, and the constable's alert is not in their list
    return r


async def _read(c: httpx.AsyncClient, alert_id: str) -> httpx.Response:
    return await c.get(f"/api/v1/alerts/{alert_id}")


async def _story(c: httpx.AsyncClient, alert_id: str) -> httpx.Response:
    return await c.post(f"/api/v1/alerts/{alert_id}/story")


ENDPOINTS: dict[str, Call] = {"raise": _raise, "mine": _mine, "read": _read, "story": _story}
# (endpoint, who) → status. A posting above a station raises only with a station picked (422).
EXPECTED: dict[tuple[str, str], int] = {
    ("raise", "raiser"): 201, ("raise", "constable_same_unit"): 201,
    ("raise", "volunteer_no_consent"): 403, ("raise", "sho_own"): 201,
    ("raise", "sho_foreign"): 201, ("raise", "co_own"): 422, ("raise", "co_foreign"): 422,
    ("raise", "sp_own"): 403, ("raise", "ig"): 403, ("raise", "adg"): 403,
    ("raise", "cell_writer"): 403,
    ("mine", "raiser"): 200, ("mine", "constable_same_unit"): 204,
    ("mine", "volunteer_no_consent"): 204, ("mine", "sho_own"): 204, ("mine", "sho_foreign"): 204,
    ("mine", "co_own"): 204, ("mine", "co_foreign"): 204, ("mine", "sp_own"): 403,
    ("mine", "ig"): 403, ("mine", "adg"): 403, ("mine", "cell_writer"): 403,
    ("read", "raiser"): 200, ("read", "constable_same_unit"): 404,
    ("read", "volunteer_no_consent"): 404, ("read", "sho_own"): 200, ("read", "sho_foreign"): 404,
    ("read", "co_own"): 200, ("read", "co_foreign"): 404, ("read", "sp_own"): 404,
    ("read", "ig"): 404, ("read", "adg"): 404, ("read", "cell_writer"): 404,
    ("story", "raiser"): 403, ("story", "constable_same_unit"): 404,
    ("story", "volunteer_no_consent"): 404, ("story", "sho_own"): 201,
    ("story", "sho_foreign"): 404, ("story", "co_own"): 201, ("story", "co_foreign"): 404,
    ("story", "sp_own"): 404, ("story", "ig"): 403, ("story", "adg"): 403,
    ("story", "cell_writer"): 403,
}  # fmt: skip


def test_the_matrix_covers_every_endpoint_and_role() -> None:
    assert set(EXPECTED) == {(e, w) for e in ENDPOINTS for w in WHO}


@pytest.mark.parametrize(("endpoint", "who"), sorted(EXPECTED))
async def test_alert_access(alerts: Alerts, endpoint: str, who: str) -> None:
    alert_id = await raised(alerts)
    if endpoint == "story":
        await closed_case(alerts, alert_id)
    else:
        await produce(alerts.bootstrap, alerts.cases_topic, [routed(alert_id, SHO, CO)])
        await wait_state(alerts, alert_id, "routed")
    async with alerts.client(WHO[who], "hi") as c:
        r = await ENDPOINTS[endpoint](c, alert_id)
    assert r.status_code == EXPECTED[(endpoint, who)], r.text
    if r.status_code >= 400:
        assert r.headers["content-type"].startswith("application/problem+json")
        assert any("\u0900" <= ch <= "\u097f" for ch in r.json()["title"])  # in Hindi


def _sample(name: str, labels: dict[str, str]) -> float:
    return REGISTRY.get_sample_value(name, labels) or 0.0


async def test_alerts_and_refusals_are_counted(alerts: Alerts) -> None:
    raised_before = _sample(
        "nazar_story_alerts_raised_total", {"kind": "road_accident", "urgency": "soon"}
    )
    refused_before = _sample("nazar_story_alert_refusals_total", {"code": "alert.vehicle_number"})
    await raised(alerts, kind="road_accident", urgency="soon", text="NH-48 पर ट्रक और बस की टक्कर")
    async with alerts.client(CONSTABLE) as c:
        r = await c.post("/api/v1/alerts", json={**ALERT, "vehicle_number": "RJ 14 CA 99999"})
        assert r.status_code == 422
    raised_after = _sample(
        "nazar_story_alerts_raised_total", {"kind": "road_accident", "urgency": "soon"}
    )
    assert raised_after == raised_before + 1
    refused = _sample("nazar_story_alert_refusals_total", {"code": "alert.vehicle_number"})
    assert refused == refused_before + 1
    # A photo that is no image refuses the alert: counted as the alert's refusal and the media's.
    wrong_before = _sample("nazar_story_alert_refusals_total", {"code": "media.wrong_type"})
    media_before = _sample(
        "nazar_story_media_refused_total", {"kind": "alert_photo", "reason": "wrong_type"}
    )
    async with alerts.client(CONSTABLE) as c:
        r = await c.post(
            "/api/v1/alerts",
            data={"alert": json.dumps(ALERT, ensure_ascii=False)},
            files=[("photos", ("notes.jpg", "यह फ़ोटो नहीं है".encode(), "image/jpeg"))],
        )
    assert r.status_code == 415, r.text
    assert _sample("nazar_story_alert_refusals_total", {"code": "media.wrong_type"}) == (
        wrong_before + 1
    )
    assert _sample(
        "nazar_story_media_refused_total", {"kind": "alert_photo", "reason": "wrong_type"}
    ) == (media_before + 1)
