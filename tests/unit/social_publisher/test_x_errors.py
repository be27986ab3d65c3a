"""What each answer of X means for the queue (adapters/x.py `error_for`)."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import pytest
from social_publisher.adapters.x import error_for
from social_publisher.domain.social import ErrorKind


def _body(status: int, title: str, detail: str) -> bytes:
    return json.dumps(
        {"title": title, "detail": detail, "type": "about:blank", "status": status}
    ).encode()


def test_429_is_rate_limited_until_the_window_resets() -> None:
    error = error_for(
        429,
        {"x-rate-limit-remaining": "0", "x-rate-limit-reset": "1796313600"},
        _body(429, "Too Many Requests", "Too Many Requests"),
        posting=True,
    )
    assert error.kind is ErrorKind.RATE_LIMITED and error.code == "429"
    assert error.retry_at == datetime.fromtimestamp(1796313600, UTC)


def test_429_of_the_daily_cap_waits_for_the_daily_reset() -> None:
    error = error_for(
        429,
        {
            "x-rate-limit-remaining": "97",
            "x-rate-limit-reset": "1796313600",
            "x-user-limit-24hour-remaining": "0",
            "x-user-limit-24hour-reset": "1796390000",
        },
        b"",
        posting=True,
    )
    assert error.retry_at == datetime.fromtimestamp(1796390000, UTC)


def test_403_duplicate_is_refused_and_marked_never_retried() -> None:
    body = _body(403, "Forbidden", "You are not allowed to create a Tweet with duplicate content.")
    error = error_for(403, {}, body, posting=True)
    assert error.kind is ErrorKind.REFUSED and error.duplicate and error.code == "duplicate"


@pytest.mark.parametrize("status", [401, 403])
def test_401_and_other_403_stop_the_account(status: int) -> None:
    error = error_for(status, {}, _body(status, "Unauthorized", "Unauthorized"), posting=True)
    assert error.kind is ErrorKind.ACCOUNT and error.code == str(status)
    assert not error.duplicate
    assert error.reason.startswith("X ने")  # Hindi first, then English


def test_400_is_refused_with_x_s_words() -> None:
    error = error_for(
        400, {}, _body(400, "Invalid Request", "Your media IDs are invalid."), posting=True
    )
    assert error.kind is ErrorKind.REFUSED and "Your media IDs are invalid." in error.reason


@pytest.mark.parametrize(
    ("posting", "kind"), [(True, ErrorKind.UNCLEAR), (False, ErrorKind.TRANSIENT)]
)
def test_5xx_after_a_post_was_sent_is_unclear_elsewhere_transient(
    posting: bool, kind: ErrorKind
) -> None:
    assert error_for(503, {}, b"<html>", posting=posting).kind is kind
