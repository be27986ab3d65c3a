"""Members come from roster.members.v1 (names for the moderation console, postings for the dev
sign-in): the newest version wins, an erasure tombstone deletes; the dev sign-in lists them and
mints a token with their postings' grants, which the API accepts."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import UTC, date, datetime, timedelta

import httpx
from aiokafka import AIOKafkaProducer
from nazar_contracts import event_types
from nazar_contracts.base import BilingualName
from nazar_contracts.members import Consent, ConsentState, MemberUpserted, Posting
from nazar_contracts.registry import spec_for_model
from nazar_contracts.units import UnitUpserted
from nazar_contracts.vocabulary import Language, Role, UnitKind
from nazar_platform.kafka.cloudevents import format_time, headers_for
from story_intake.app import create
from story_intake.settings import StoryIntakeSettings

from tests.conftest import DatabaseFactory, TopicFactory
from tests.integration.platform.http.server import serve
from tests.integration.platform.support import wait_for

NOW = datetime(2026, 12, 1, 6, 0, tzinfo=UTC)
PATH = ["RJ", "RNG-JAIPUR", "DST-KT", "CIR-TIJARA"]


def member(
    member_id: str, name_hi: str, role: Role, unit_path: list[str], version: int = 1
) -> MemberUpserted:
    return MemberUpserted(
        member_id=member_id,
        name_hi=name_hi,
        name_latin=None,
        postings=[
            Posting(role=role, unit_id=unit_path[-1], unit_path=unit_path, primary=True,
                    since=date(2024, 4, 1))
        ],
        preferred_language=Language.HI,
        has_whatsapp=True,
        has_sms=True,
        active=True,
        consent=Consent(required=False, state=ConsentState.NOT_REQUIRED),
        synthetic=True,
        version=version,
        updated_at=NOW,
    )  # fmt: skip


def unit(unit_id: str, kind: UnitKind, hi: str, en: str, path: list[str]) -> UnitUpserted:
    return UnitUpserted(
        unit_id=unit_id, kind=kind, name=BilingualName(hi=hi, en=en),
        parent_id=path[-2] if len(path) > 1 else None, path=path, active=True, version=1,
        updated_at=NOW,
    )  # fmt: skip


async def produce(
    bootstrap: str, topic: str, items: Sequence[MemberUpserted | UnitUpserted | str]
) -> None:
    """Members or units, or a member id for its erasure tombstone."""
    producer = AIOKafkaProducer(bootstrap_servers=bootstrap, acks="all")
    await producer.start()
    try:
        for item in items:
            eid, at = str(uuid.uuid4()), format_time(NOW)
            if isinstance(item, str):
                headers = headers_for(
                    eid, event_types.MEMBER_ERASED, "/nazar/roster", at, tombstone=True
                )
                await producer.send(topic, key=item.encode(), value=None, headers=headers)
            else:
                spec = spec_for_model(type(item))
                await producer.send(
                    topic,
                    key=spec.key(item).encode(),
                    value=item.model_dump_json().encode(),
                    headers=headers_for(eid, spec.type, "/nazar/roster", at),
                )
        await producer.flush()
    finally:
        await producer.stop()


async def test_members_from_the_roster_sign_in_and_show_by_name(
    databases: DatabaseFactory, kafka_bootstrap: str, new_topic: TopicFactory
) -> None:
    topic = await new_topic("roster-members")
    units_topic = await new_topic("roster-units")
    settings = StoryIntakeSettings(
        environment="test",
        database_url=await databases.create("story_members"),
        kafka_bootstrap=kafka_bootstrap,
        database_pool_min=1,
        database_pool_max=4,
        topic_units=units_topic,
        topic_members=topic,
        consumer_group_prefix=f"story-intake-{uuid.uuid4().hex[:8]}",
        shutdown_timeout=timedelta(seconds=20),
    )
    await produce(
        kafka_bootstrap,
        topic,
        [
            member("M-CO-1", "महेंद्र सिंह", Role.CO, PATH, version=2),
            member("M-CO-1", "पुराना नाम", Role.SHO, [*PATH, "PS-TIJARA"], version=1),  # late, older
            member("M-SP-1", "विकास शर्मा", Role.SP, PATH[:3]),
            member("M-GONE", "हटाया गया सदस्य", Role.CO, [*PATH[:3], "CIR-KBAS"]),
            "M-GONE",  # erased
        ],
    )
    # The units' names (041_unit_names.sql): the dev sign-in and the console show them.
    await produce(
        kafka_bootstrap,
        units_topic,
        [
            unit("RJ", UnitKind.STATE, "पुलिस मुख्यालय, राजस्थान", "Police Headquarters", PATH[:1]),
            unit("DST-KT", UnitKind.DISTRICT, "खैरथल-तिजारा", "Khairthal-Tijara", PATH[:3]),
            unit("CIR-TIJARA", UnitKind.CIRCLE, "तिजारा वृत्त", "Tijara circle", PATH),
        ],
    )
    async with serve(create(settings)) as url, httpx.AsyncClient(base_url=url, timeout=30) as c:

        async def listed() -> bool:
            r = await c.get("/api/v1/dev/members", params={"role": ["co", "sp"]})
            items = r.json()["items"] if r.status_code == 200 else []
            return len(items) == 2 and all(p["unit_name"] for m in items for p in m["postings"])

        await wait_for(listed, within=60, every=0.5)
        items = (await c.get("/api/v1/dev/members", params={"role": ["co", "sp"]})).json()["items"]
        assert [m["member_id"] for m in items] == ["M-SP-1", "M-CO-1"]  # most senior first
        assert items[1]["name"]["hi"] == "महेंद्र सिंह"
        assert items[1]["postings"] == [
            {
                "role": "co",
                "unit_id": "CIR-TIJARA",
                "unit_kind": "circle",
                "unit_name": {"hi": "तिजारा वृत्त", "en": "Tijara circle"},
            }
        ]
        page = (await c.get("/api/v1/dev/members", params={"limit": 1})).json()
        assert len(page["items"]) == 1 and page["next_cursor"]

        r = await c.post("/api/v1/dev/tokens", json={"member_id": "M-CO-1", "language": "hi"})
        assert r.status_code == 200, r.text
        assert r.json()["grants"] == [{"role": "co", "unit": "CIR-TIJARA"}]
        gone = await c.post("/api/v1/dev/tokens", json={"member_id": "M-GONE"})
        assert gone.status_code == 404 and gone.json()["code"] == "dev_sign_in_unknown_member"

        auth = {"Authorization": f"Bearer {r.json()['token']}"}
        names = await c.get(
            "/api/v1/members/names", params={"id": ["M-SP-1", "M-GONE"]}, headers=auth
        )
        assert names.status_code == 200, names.text
        assert names.json()["items"] == [{"member_id": "M-SP-1", "hi": "विकास शर्मा", "en": None}]
        units = await c.get(
            "/api/v1/units/names", params={"id": ["DST-KT", "PS-NOWHERE"]}, headers=auth
        )
        assert units.status_code == 200, units.text
        assert units.json()["items"] == [
            {"unit_id": "DST-KT", "kind": "district", "hi": "खैरथल-तिजारा", "en": "Khairthal-Tijara"}
        ]
