"""The PHQ social media cell's notice that an official account stopped: its words in both
languages, one identity per stop, the origin, and the purpose on the record."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from directive.adapters.dispatch import Encoder
from directive.domain.accounts import (
    CELL_ROLES,
    origin_id,
    stop_message_id,
    stopped_notice,
)
from directive.domain.ids import delivery_id
from directive.domain.model import MessageInfo, MessageKind
from nazar_contracts.dispatch import DispatchRequested, Purpose
from nazar_contracts.registry import parse_json
from nazar_contracts.stories import PublicChannel
from nazar_contracts.vocabulary import Role

AT = datetime(2026, 12, 3, 9, 15, tzinfo=UTC)
NAME = "राजस्थान पुलिस (Rajasthan Police)"
REASON = "Facebook stopped the Page's access (code 190): the token is no longer valid."


def test_the_cell_is_the_four_publishing_roles() -> None:
    assert set(CELL_ROLES) == {
        Role.CONTENT_WRITER,
        Role.GRAPHICS_DESIGNER,
        Role.POLICE_PRO,
        Role.SP_PHQ_CRIME,
    }


def test_the_notice_says_which_account_why_and_what_to_do_in_both_languages() -> None:
    text = stopped_notice(PublicChannel.FACEBOOK, NAME, REASON, "190")
    assert text.languages() == ("hi", "en")
    assert text.title_hi == f"आधिकारिक खाता रुका: फ़ेसबुक — {NAME}"
    assert text.body_hi is not None and text.body_en is not None
    assert NAME in text.body_hi and REASON in text.body_hi and "(कोड 190)" in text.body_hi
    assert "क्या करें:" in text.body_hi and "कतार" in text.body_hi
    assert text.title_en == f"Official account stopped: Facebook — {NAME}"
    assert "Why: " + REASON + " (code 190)" in text.body_en
    assert "What to do:" in text.body_en and "queue" in text.body_en
    bare = stopped_notice(PublicChannel.INSTAGRAM, "rajasthan_police", "blocked", None)
    assert "कोड" not in (bare.body_hi or "") and "code" not in (bare.body_en or "")
    assert (bare.title_hi or "").startswith("आधिकारिक खाता रुका: इंस्टाग्राम")


def test_one_stop_is_one_message_whatever_record_brings_it() -> None:
    assert stop_message_id("x-state", AT) == stop_message_id("x-state", AT)
    assert stop_message_id("x-state", AT) != stop_message_id("x-state", AT + timedelta(hours=1))
    assert stop_message_id("x-state", AT) != stop_message_id("fb-state", AT)


def test_an_account_id_outside_the_contracts_id_syntax_becomes_one() -> None:
    assert origin_id("x-state") == "x-state"
    odd = origin_id("fb:page/123 456")
    assert odd.startswith("account-") and odd == origin_id("fb:page/123 456")


def test_the_record_is_an_account_notice_of_the_account() -> None:
    text = stopped_notice(PublicChannel.X, NAME, REASON, "invalid_grant")
    mid = stop_message_id("x-state", AT)
    info = MessageInfo(
        id=mid,
        directive_id=None,
        kind=MessageKind.ACCOUNT_NOTICE,
        priority="urgent",
        title_hi=text.title_hi,
        body_hi=text.body_hi,
        title_en=text.title_en,
        body_en=text.body_en,
        ack_requested=False,
        reply_code=None,
        expires_at=None,
        origin_kind="account",
        origin_id="x-state",
    )
    enc = Encoder(
        [info],
        topic="t",
        flash_topic="f",
        note=None,
        link_key=b"unit-test-inbox-link-key-0123456789",
        base_url="https://nazar.example/directive",
        link_ttl=timedelta(days=14),
    )
    record = enc.record(delivery_id(mid, "mbr-1"), mid, "mbr-1", "en", AT)
    parsed = parse_json("nazar.dispatch.requested.v1", record.value)
    assert isinstance(parsed, DispatchRequested)
    assert parsed.purpose is Purpose.ACCOUNT_NOTICE
    assert parsed.origin is not None and parsed.origin.id == "x-state"
    assert parsed.title.startswith("Official account stopped: X")
