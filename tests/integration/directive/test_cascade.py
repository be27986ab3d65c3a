"""Issue → relays → notes → update → cancel: the exact set of dispatch.requested on Kafka.

Proves: the issue reaches the state officials and the SPs/IGs of the targeted districts only;
a relay reaches every reachable member of the district's circle groups exactly once (an SP or IG
in many groups, who had it from the issue, gets nothing twice), nobody inactive or without consent,
nobody in a district that did not relay; delivery ids are the contract's; every record fits the
contract; updates reach everyone who had the original and travel with later relays; a CO's note
reaches its circle; flash goes to the flash topic; a role filter keeps the chain of command.
"""

from __future__ import annotations

import uuid
from collections import Counter
from datetime import UTC, datetime, timedelta
from typing import Any

from directive.domain.model import DirectiveKind, Priority, RelayMode, Text
from directive.handlers import issue as issue_handlers
from directive.handlers import relay as relay_handlers
from directive.handlers.common import Actor, Topics
from nazar_contracts.dispatch import Purpose
from nazar_contracts.ids import delivery_id

from tests.integration.directive.conftest import Env
from tests.integration.directive.support import Sent, requested
from tests.integration.platform.support import wait_for

TITLE_HI = "सोशल मीडिया से बदमाशों पर कड़ी नजर"
BODY_HI = "सभी थाना प्रभारी अपने क्षेत्र के सोशल मीडिया समूहों पर निगरानी रखें और सूचना दें।"
TEXT = Text(
    TITLE_HI, BODY_HI, "Close watch through social media", "Every station: watch and report."
)


def actors(env: Env) -> tuple[Actor, Actor, Actor]:
    r = env.roster
    adg = Actor(r.one("adg", "BR-CRIME"), "adg", "BR-CRIME")
    sp_bkn = Actor(r.one("sp", "DST-BIKANER"), "sp", "DST-BIKANER")
    sp_churu = Actor(r.one("sp", "DST-CHURU"), "sp", "DST-CHURU")
    return adg, sp_bkn, sp_churu


async def issued(env: Env, at: datetime, **command: Any) -> uuid.UUID:
    """The ADG issues TEXT; `command` holds the rest of the IssueCommand."""
    assert env.worker.pool is not None
    adg, _, _ = actors(env)
    return await issue_handlers.issue(
        env.worker.pool,
        Topics(env.topics.events),
        issue_handlers.IssueCommand(text=TEXT, **command),
        adg,
        at,
    )


async def settled(env: Env, directive_id: uuid.UUID) -> None:
    assert env.worker.pool is not None
    pool = env.worker.pool

    async def done() -> bool:
        left = await pool.fetchval(
            "SELECT count(*) FROM jobs WHERE directive_id = $1 AND finished_at IS NULL",
            directive_id,
        )
        return bool(left == 0)

    await wait_for(done, within=60)


async def sent_for(env: Env, directive_id: uuid.UUID) -> list[Sent]:
    out = await requested(env.bootstrap, env.topics.deliveries, env.topics.flash)
    return [s for s in out if s.data.directive_id == str(directive_id)]


def by_message(sent: list[Sent]) -> dict[str, set[str]]:
    out: dict[str, set[str]] = {}
    for s in sent:
        out.setdefault(s.data.message_id, set()).add(s.data.member_id)
    return out


def circles_reachable(env: Env, *circles: str) -> set[str]:
    members: set[str] = set()
    for c in circles:
        members |= env.roster.circle_members[c]
    return members & env.roster.reachable


async def test_the_cascade_reaches_exactly_the_right_members_once(env: Env) -> None:
    topics = Topics(env.topics.events)
    pool = env.worker.pool
    assert pool is not None
    r = env.roster
    adg, sp_bkn, sp_churu = actors(env)
    now = datetime.now(UTC)
    did = await issued(
        env,
        now,
        priority=Priority.URGENT,
        audience_units=["RNG-BIKANER"],
        relay_mode=RelayMode.MANUAL,
    )
    await settled(env, did)
    original = str(
        await pool.fetchval("SELECT original_message_id FROM directives WHERE id=$1", did)
    )
    issue_audience = {
        r.one("home_secretary", "PHQ"),
        r.one("police_pro", "PHQ"),
        r.one("ig", "RNG-BIKANER"),
        r.one("sp", "DST-BIKANER"),
        r.one("sp", "DST-CHURU"),
    }
    sent = await sent_for(env, did)
    assert by_message(sent) == {original: issue_audience}

    await relay_handlers.relay(
        pool, topics, did, "DST-BIKANER", None, "थाना स्तर पर आज ही बैठक करें।", sp_bkn, now
    )
    await settled(env, did)
    sent = await sent_for(env, did)
    bikaner = circles_reachable(env, *r.circles_of["DST-BIKANER"])
    assert by_message(sent) == {original: issue_audience | bikaner}
    # Exactly once each, with the contract's delivery id; the SP's note travels with the text.
    counts = Counter((s.data.message_id, s.data.member_id) for s in sent)
    assert max(counts.values()) == 1
    for s in sent:
        assert s.data.delivery_id == delivery_id(s.data.message_id, s.data.member_id)
        assert s.data.purpose is Purpose.DIRECTIVE and s.data.ack_requested
        assert s.data.inbox_url is not None and s.data.reply_code is not None
    relayed = [s for s in sent if s.data.member_id in bikaner - issue_audience]
    note = "थाना स्तर पर आज ही बैठक करें।"
    assert all(note in s.data.body for s in relayed)
    assert {s.data.language for s in relayed} == {"hi", "en"}  # each in the member's language
    # Nobody inactive or without consent, and nobody in Churu's circles (not relayed yet).
    everyone = {s.data.member_id for s in sent}
    assert not everyone & r.unreachable
    churu_circles = circles_reachable(env, *r.circles_of["DST-CHURU"]) - issue_audience
    assert not everyone & churu_circles

    # A CO's note reaches that circle's group (as it stands now), nobody else.
    circle = r.circles_of["DST-BIKANER"][0]
    co = Actor(r.one("co", circle), "co", circle)
    note_id = await relay_handlers.note(
        pool, topics, did, circle, "कल सुबह 8 बजे रिपोर्ट भेजें।", co, now
    )
    await settled(env, did)
    sent = await sent_for(env, did)
    assert by_message(sent)[str(note_id)] == circles_reachable(env, circle)
    assert {s.data.purpose for s in sent if s.data.message_id == str(note_id)} == {Purpose.CO_NOTE}

    # An update reaches everyone who had the original; a later relay carries both, in order.
    update_id = await issue_handlers.update(
        pool,
        topics,
        did,
        Text(TITLE_HI, BODY_HI + " (संशोधित)"),
        None,
        adg,
        now + timedelta(minutes=1),
    )
    await settled(env, did)
    sent = await sent_for(env, did)
    assert by_message(sent)[str(update_id)] == issue_audience | bikaner
    await relay_handlers.relay(pool, topics, did, "DST-CHURU", None, None, sp_churu, now)
    await settled(env, did)
    sent = await sent_for(env, did)
    churu = circles_reachable(env, *r.circles_of["DST-CHURU"])
    messages = by_message(sent)
    assert messages[original] == issue_audience | bikaner | churu
    assert messages[str(update_id)] == issue_audience | bikaner | churu
    for member in churu - issue_audience:
        mine = [
            s.data.message_id
            for s in sent
            if s.data.member_id == member and s.data.message_id in (original, str(update_id))
        ]
        assert mine == [original, str(update_id)]  # same partition, in order

    cancel_id = await issue_handlers.cancel(pool, topics, did, "गलती से जारी", adg, now)
    await settled(env, did)
    sent = await sent_for(env, did)
    assert by_message(sent)[str(cancel_id)] == issue_audience | bikaner | churu
    counts = Counter((s.data.message_id, s.data.member_id) for s in sent)
    assert max(counts.values()) == 1


async def test_flash_goes_to_the_flash_topic_and_a_role_filter_keeps_the_command_chain(
    env: Env,
) -> None:
    topics = Topics(env.topics.events)
    pool = env.worker.pool
    assert pool is not None
    r = env.roster
    _, sp_bkn, _ = actors(env)
    now = datetime.now(UTC)
    did = await issued(
        env,
        now,
        priority=Priority.FLASH,
        kind=DirectiveKind.CAMPAIGN,
        audience_units=["DST-BIKANER"],
        audience_roles=["gram_rakshak"],
    )
    await relay_handlers.relay(pool, topics, did, "DST-BIKANER", None, None, sp_bkn, now)
    await settled(env, did)
    flash = [
        s
        for s in await requested(env.bootstrap, env.topics.flash)
        if s.data.directive_id == str(did)
    ]
    normal = [
        s
        for s in await requested(env.bootstrap, env.topics.deliveries)
        if s.data.directive_id == str(did)
    ]
    assert flash and not normal
    got = {s.data.member_id for s in flash}
    rakshaks = {
        m
        for c in r.circles_of["DST-BIKANER"]
        for m in r.circle_members[c]
        if m in r.reachable
        and any(m in r.by_role.get(("gram_rakshak", u), []) for u in r.unit_paths)
    }
    command = {r.one("co", c) for c in r.circles_of["DST-BIKANER"]} | {
        r.one("sp", "DST-BIKANER"),
        r.one("ig", "RNG-BIKANER"),
    }
    state = {r.one("home_secretary", "PHQ"), r.one("police_pro", "PHQ")}
    assert got == rakshaks | command | state
