"""Web Push's pure rules: the reaction to each answer, the title-only payload, TTL and urgency."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest
from nazar_contracts.directives import Priority
from social_publisher.adapters.webpush import origin, retry_after, topic_of
from social_publisher.domain.push import (
    DEFAULT_TTL,
    TITLE_MAX,
    URGENCY,
    PushNotice,
    PushReaction,
    push_reaction,
)


@pytest.mark.parametrize(
    ("status", "reaction"),
    [
        (201, PushReaction.SENT),
        (404, PushReaction.GONE),
        (410, PushReaction.GONE),
        (429, PushReaction.SLOW_DOWN),
        (401, PushReaction.PAUSE_CHANNEL),
        (403, PushReaction.PAUSE_CHANNEL),
        (400, PushReaction.FAIL),
        (413, PushReaction.FAIL),
        (500, PushReaction.RETRY),
        (503, PushReaction.RETRY),
        (None, PushReaction.RETRY),
    ],
)
def test_each_answer_has_its_reaction(status: int | None, reaction: PushReaction) -> None:
    assert push_reaction(status) is reaction


def test_the_payload_is_the_message_id_and_a_title_cut_to_a_notifications_length() -> None:
    long = "राजस्थान पुलिस निर्देश " * 20
    payload = json.loads(PushNotice("m-1", long).payload())
    assert set(payload) == {"message_id", "title"}
    assert len(payload["title"]) == TITLE_MAX and payload["title"].endswith("…")
    assert json.loads(PushNotice("m-1", "सूचना").payload())["title"] == "सूचना"


def test_a_push_lives_as_long_as_push_alone_is_tried_and_flash_wakes_the_phone() -> None:
    assert DEFAULT_TTL[Priority.FLASH] == timedelta(minutes=2)
    assert DEFAULT_TTL[Priority.URGENT] == timedelta(minutes=15)
    assert DEFAULT_TTL[Priority.ROUTINE] == timedelta(hours=2)
    assert (URGENCY[Priority.FLASH], URGENCY[Priority.ROUTINE]) == ("high", "normal")


def test_topic_audience_and_retry_after() -> None:
    topic = topic_of("m-1")
    assert len(topic) == 32 and topic == topic_of("m-1") != topic_of("m-2")
    assert set(topic) <= set("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_")
    assert origin("https://fcm.googleapis.com/fcm/send/abc:def") == "https://fcm.googleapis.com"
    assert (retry_after("2"), retry_after(None), retry_after("Wed, 21 Oct 2026")) == (
        2.0,
        None,
        None,
    )
