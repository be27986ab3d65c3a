"""What a reply acknowledges (issue 6, item 5), including the free-text rule."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

from directive.domain.acks import AckVia, Candidate, Reply, resolve

NOW = datetime(2026, 1, 26, 12, 0, tzinfo=UTC)
D_OLD, D_MID, D_NEW, D_INFO, D_ACKED, D_STALE = (uuid.uuid4() for _ in range(6))


def cands() -> list[Candidate]:
    return [
        Candidate(D_OLD, NOW - timedelta(hours=5), True, False, "K7M2P"),
        Candidate(D_MID, NOW - timedelta(hours=2), True, False, "Q3W9Z"),
        Candidate(D_INFO, NOW - timedelta(minutes=10), False, False, "N4X8T"),  # no ack asked
        Candidate(D_ACKED, NOW - timedelta(minutes=30), True, True, "R5T6Y"),  # done already
        Candidate(D_STALE, NOW - timedelta(hours=25), True, False, "H2J3K"),  # older than 24 h
    ]


def test_free_hindi_text_acknowledges_the_most_recent_open_message_of_the_last_24h() -> None:
    got = resolve(Reply("m1", NOW, text="ठीक है"), cands())
    assert got is not None and got.delivery_id == D_MID and got.via == AckVia.TEXT


def test_successive_free_texts_walk_back_through_open_messages() -> None:
    first = [c for c in cands() if c.delivery_id != D_MID]  # D_MID acknowledged meanwhile
    got = resolve(Reply("m1", NOW, text="जी, प्राप्त हुआ"), first)
    assert got is not None and got.delivery_id == D_OLD


def test_nothing_open_in_the_last_24_hours_acknowledges_nothing() -> None:
    only_stale = [c for c in cands() if c.delivery_id in (D_STALE, D_INFO, D_ACKED)]
    assert resolve(Reply("m1", NOW, text="ok"), only_stale) is None


def test_a_button_or_a_quoted_reply_acknowledges_exactly_its_delivery() -> None:
    button = resolve(
        Reply("m1", NOW, text="प्राप्त हुआ", in_reply_to_delivery_id=D_OLD, button=True), cands()
    )
    assert button is not None and (button.delivery_id, button.via) == (D_OLD, AckVia.BUTTON)
    quoted = resolve(Reply("m1", NOW, text="done", in_reply_to_delivery_id=D_INFO), cands())
    assert quoted is not None and (quoted.delivery_id, quoted.via) == (D_INFO, AckVia.TEXT)


def test_a_reply_to_someone_elses_delivery_is_not_credited_elsewhere() -> None:
    assert (
        resolve(Reply("m1", NOW, text="ठीक है", in_reply_to_delivery_id=uuid.uuid4()), cands())
        is None
    )


def test_an_sms_reply_code_acknowledges_that_message_even_outside_the_window() -> None:
    got = resolve(Reply("m1", NOW, text="ok h2j3k"), cands())
    assert got is not None and (got.delivery_id, got.via) == (D_STALE, AckVia.SMS_CODE)


def test_an_empty_reply_acknowledges_nothing() -> None:
    assert resolve(Reply("m1", NOW, text="   "), cands()) is None
