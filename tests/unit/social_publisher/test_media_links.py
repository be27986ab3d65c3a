"""The publisher's own signed media URLs (handlers/media.py `PublicMediaLinks`)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from urllib.parse import parse_qs, urlsplit

import pytest
from social_publisher.handlers.media import MediaLinkError, PublicMediaLinks, media_type_of

from tests.unit.social_publisher.images import jpeg, png

SHA = "ab" * 32
NOW = datetime(2026, 12, 3, 10, 0, tzinfo=UTC)
LINKS = PublicMediaLinks("https://publisher.example", (b"k" * 32, b"o" * 32), timedelta(days=1))


def token_of(url: str) -> str:
    return parse_qs(urlsplit(url).query)["token"][0]


def test_a_url_opens_its_file_until_it_expires() -> None:
    url = LINKS.url(SHA, NOW)
    assert url.startswith(f"https://publisher.example/media/{SHA}?token=")
    LINKS.verify(SHA, token_of(url), NOW + timedelta(hours=23))
    with pytest.raises(MediaLinkError) as expired:
        LINKS.verify(SHA, token_of(url), NOW + timedelta(days=1, seconds=1))
    assert expired.value.expired


def test_a_forged_or_borrowed_token_is_refused() -> None:
    token = token_of(LINKS.url(SHA, NOW))
    for sha, tok in ((("cd" * 32), token), (SHA, token[:-2] + "AA"), (SHA, ""), ("x", token)):
        with pytest.raises(MediaLinkError) as refused:
            LINKS.verify(sha, tok, NOW)
        assert not refused.value.expired
    other = PublicMediaLinks("https://publisher.example", (b"z" * 32,), timedelta(days=1))
    with pytest.raises(MediaLinkError):
        other.verify(SHA, token, NOW)


def test_a_previous_key_still_verifies_while_rolling_out() -> None:
    old = PublicMediaLinks("https://publisher.example", (b"o" * 32,), timedelta(days=1))
    LINKS.verify(SHA, token_of(old.url(SHA, NOW)), NOW)


def test_the_served_type_is_what_the_bytes_are() -> None:
    assert media_type_of(jpeg(10, 10), "image/png") == "image/jpeg"
    assert media_type_of(png(10, 10), "image/jpeg") == "image/png"
    assert media_type_of(b"????", "image/webp") == "image/webp"
