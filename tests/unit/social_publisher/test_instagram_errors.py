"""Graph API error answers as the queue's error kinds (adapters/instagram.py `graph_error`)."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import pytest
from social_publisher.adapters.instagram import InstagramClient
from social_publisher.adapters.instagram_errors import graph_error
from social_publisher.adapters.social import SocialClient
from social_publisher.domain.social import ErrorKind, Network

NOW = datetime(2026, 12, 3, 10, 0, tzinfo=UTC)


def answer(code: int, subcode: int | None = None, msg: str = "said", status: int = 400) -> bytes:
    error: dict[str, object] = {"message": msg, "type": "OAuthException", "code": code}
    if subcode is not None:
        error["error_subcode"] = subcode
    return json.dumps({"error": error}).encode()


def kind(status: int, body: bytes, *, publishing: bool = False) -> ErrorKind:
    return graph_error(
        status, body, publishing=publishing, container_id="c1", now=NOW,
        rate_wait=timedelta(minutes=15), quota_wait=timedelta(hours=1),
    ).kind  # fmt: skip


@pytest.mark.parametrize(
    ("code", "subcode", "expected"),
    [
        (80002, None, ErrorKind.RATE_LIMITED),
        (4, None, ErrorKind.RATE_LIMITED),
        (9, 2207042, ErrorKind.RATE_LIMITED),
        (190, 463, ErrorKind.ACCOUNT),
        (368, 1390008, ErrorKind.ACCOUNT),
        (10, None, ErrorKind.ACCOUNT),
        (100, 2207035, ErrorKind.REFUSED),
        (9004, 2207052, ErrorKind.REFUSED),
        (36000, 2207004, ErrorKind.REFUSED),
        (-2, 2207003, ErrorKind.TRANSIENT),
        (9007, 2207027, ErrorKind.TRANSIENT),
    ],
)
def test_codes_map_to_what_the_queue_does(
    code: int, subcode: int | None, expected: ErrorKind
) -> None:
    assert kind(400, answer(code, subcode)) is expected


def test_a_server_error_is_unclear_only_when_publishing() -> None:
    assert kind(500, answer(2)) is ErrorKind.TRANSIENT
    assert kind(500, answer(2), publishing=True) is ErrorKind.UNCLEAR
    assert kind(502, b"<html>bad gateway</html>", publishing=True) is ErrorKind.UNCLEAR
    assert kind(429, b"slow down") is ErrorKind.RATE_LIMITED  # a proxy's, without a Graph body
    assert kind(400, b"not json") is ErrorKind.REFUSED


def test_the_error_carries_code_words_wait_and_container() -> None:
    e = graph_error(
        400, answer(80002, msg="There have been too many calls"), publishing=True,
        container_id="c1", now=NOW, rate_wait=timedelta(minutes=15), quota_wait=timedelta(hours=1),
    )  # fmt: skip
    assert (e.code, e.retry_at, e.container_id) == ("80002", NOW + timedelta(minutes=15), "c1")
    assert "too many calls" in e.reason
    quota = graph_error(
        400, answer(9, 2207042), publishing=True, container_id=None, now=NOW,
        rate_wait=timedelta(minutes=15), quota_wait=timedelta(hours=1),
    )  # fmt: skip
    assert quota.code == "9/2207042" and quota.retry_at == NOW + timedelta(hours=1)
    token = graph_error(
        400, answer(190, 463, "Session has expired"), publishing=False, container_id=None,
        now=NOW, rate_wait=timedelta(0), quota_wait=timedelta(0),
    )  # fmt: skip
    assert "reconnect" in token.reason and "Session has expired" in token.reason


def _keeps_the_protocol(client: InstagramClient) -> SocialClient:
    """mypy checks here that InstagramClient is a SocialClient (structural typing)."""
    return client


def test_the_client_is_instagrams() -> None:
    assert InstagramClient.network is Network.INSTAGRAM
    assert _keeps_the_protocol.__annotations__["return"] == "SocialClient"
