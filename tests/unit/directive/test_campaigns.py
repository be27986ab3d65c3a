"""Campaigns' tracked links (issue 14, item 6): the public post a campaign may name, the circle
link codes, which requests are link previews, and the link in the text a circle's members get."""

from __future__ import annotations

import base64
import json
import secrets
import uuid
from datetime import UTC, datetime, timedelta

import pytest
from directive.adapters.dispatch import Encoder
from directive.domain.campaigns import (
    CODE_BYTES,
    CODE_LENGTH,
    PostUrlRefusedError,
    campaign_post_url,
    is_link_code,
    link_code,
    link_url,
)
from directive.domain.ids import reply_code
from directive.domain.model import DirectiveKind, MessageInfo
from directive.domain.previews import PREVIEW_AGENT_TOKENS, is_preview_agent
from directive.settings import DirectiveSettings

HOSTS = DirectiveSettings.model_fields["campaign_post_hosts"].default
POST = "https://x.com/PoliceRajasthan/status/1865000000000000001"
NOW = datetime(2026, 12, 3, 6, 0, tzinfo=UTC)
BASE = "https://nazar.example/directive"


# --- the public post ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    "url",
    [
        POST,
        "https://twitter.com/PoliceRajasthan/status/1865000000000000001",
        "https://www.facebook.com/PoliceRajasthan/posts/pfbid0abc",
        "https://facebook.com/story.php?story_fbid=1&id=2",
        "https://www.instagram.com/p/C0abcDEF123/",
        "https://instagram.com/p/C0abcDEF123/",
        "https://X.COM/PoliceRajasthan/status/1",  # hosts are not case-sensitive
        "https://x.com:443/PoliceRajasthan/status/1",
    ],
)
def test_a_campaign_may_name_a_post_on_an_official_network(url: str) -> None:
    assert campaign_post_url(f"  {url} ", DirectiveKind.CAMPAIGN, HOSTS) == url


@pytest.mark.parametrize(
    ("url", "words"),
    [
        ("http://x.com/PoliceRajasthan/status/1", "https://"),
        ("javascript:alert(1)", "https://"),
        ("x.com/PoliceRajasthan/status/1", "https://"),
        ("https://x.com/a b", "https://"),
        ("https://evil.example/x.com/status/1", "official"),
        ("https://x.com.evil.example/status/1", "official"),
        ("https://m.facebook.com/story.php?id=1", "official"),
        ("https://x.com:8443/status/1", "official"),
        ("https://user:pw@x.com/status/1", "official"),
        ("https://[::1/", "https://"),
        ("https://x.com/" + "a" * 2100, "https://"),
    ],
)
def test_anything_else_is_refused_in_hindi_and_english(url: str, words: str) -> None:
    with pytest.raises(PostUrlRefusedError) as refused:
        campaign_post_url(url, DirectiveKind.CAMPAIGN, HOSTS)
    assert words in refused.value.detail
    assert any("\u0900" <= ch <= "\u097f" for ch in refused.value.detail_hi)


def test_only_a_campaign_carries_a_post() -> None:
    with pytest.raises(PostUrlRefusedError) as refused:
        campaign_post_url(POST, DirectiveKind.DIRECTIVE, HOSTS)
    assert "campaign" in refused.value.detail and "अभियान" in refused.value.detail_hi
    assert campaign_post_url(None, DirectiveKind.DIRECTIVE, HOSTS) is None
    assert campaign_post_url("  ", DirectiveKind.CAMPAIGN, HOSTS) is None


# --- link codes ---------------------------------------------------------------------------------


def test_a_code_is_short_url_safe_and_carries_all_its_random_bits() -> None:
    raw = bytes(range(250, 256)) + b"\x00\xfb\xff"
    code = link_code(raw)
    assert len(code) == CODE_LENGTH == 12
    assert base64.urlsafe_b64decode(code) == raw  # nothing of the randomness is dropped
    assert "+" not in code and "/" not in code and "=" not in code
    assert is_link_code(code)
    with pytest.raises(ValueError, match="random bytes"):
        link_code(b"short")


def test_codes_do_not_repeat_and_use_the_whole_alphabet() -> None:
    codes = {link_code(secrets.token_bytes(CODE_BYTES)) for _ in range(20_000)}
    assert len(codes) == 20_000
    assert len(set("".join(codes))) == 64


@pytest.mark.parametrize(
    "text", ["", "abc", "A" * 13, "AAAAAAAAAAA=", "AAAA/AAAAAAA", "अअअअअअअअअअअअ", "AAAAAAAAAAA\n"]
)
def test_what_cannot_be_a_code_is_known_without_a_query(text: str) -> None:
    assert not is_link_code(text)


def test_the_link_is_under_the_public_base_url() -> None:
    assert link_url(BASE + "/", "AbCdEfGhIj_-") == BASE + "/c/AbCdEfGhIj_-"


# --- link previews ------------------------------------------------------------------------------

PREVIEWS = [
    "WhatsApp/2.23.20.0 A",
    "WhatsApp/2.2349.52 i",
    "facebookexternalhit/1.1 (+http://www.facebook.com/externalhit_uatext.php)",
    "facebookexternalhit/1.1 Facebot Twitterbot/1.0",  # iMessage
    "Twitterbot/1.0",
    "TelegramBot (like TwitterBot)",
    "Slackbot-LinkExpanding 1.0 (+https://api.slack.com/robots)",
    "Slack-ImgProxy (+https://api.slack.com/robots)",
    "LinkedInBot/1.0 (compatible; Mozilla/5.0; Apache-HttpClient +http://www.linkedin.com)",
    "Mozilla/5.0 (compatible; Discordbot/2.0; +https://discordapp.com)",
    "Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)",
    "Mozilla/5.0 (Windows NT 6.1; WOW64) SkypeUriPreview Preview/0.5",
    "Mozilla/5.0 (compatible; bingbot/2.0; +http://www.bing.com/bingbot.htm)",
    "Mozilla/5.0 (compatible; Applebot/0.1; +http://www.apple.com/go/applebot)",
    "meta-externalagent/1.1 (+https://developers.facebook.com/docs/sharing/webmasters/crawler)",
    "",
    None,
]
PEOPLE = [
    # Chrome on an Android phone, Safari on an iPhone, a desktop Firefox
    "Mozilla/5.0 (Linux; Android 13; SM-A145F) AppleWebKit/537.36 (KHTML, like Gecko) "
    "Chrome/120.0.6099.144 Mobile Safari/537.36",
    "Mozilla/5.0 (iPhone; CPU iPhone OS 17_1 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like "
    "Gecko) Version/17.1 Mobile/15E148 Safari/604.1",
    "Mozilla/5.0 (X11; Linux x86_64; rv:121.0) Gecko/20100101 Firefox/121.0",
    # a phone brand with "bot" in its name
    "Mozilla/5.0 (Linux; Android 10; CUBOT X30) AppleWebKit/537.36 (KHTML, like Gecko) "
    "Chrome/119.0 Mobile Safari/537.36",
    # people inside the apps' own browsers
    "Mozilla/5.0 (Linux; Android 13; V2207) AppleWebKit/537.36 (KHTML, like Gecko) Version/4.0 "
    "Chrome/119.0 Mobile Safari/537.36 Instagram 309.0.0.40.113 Android",
    "Mozilla/5.0 (iPhone; CPU iPhone OS 17_0 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like "
    "Gecko) Mobile/15E148 [FBAN/FBIOS;FBAV/440.0.0.33.116;FBBV/1]",
    "Mozilla/5.0 (Linux; Android 12) AppleWebKit/537.36 Chrome/118.0 Mobile Safari/537.36 "
    "[LinkedInApp]",
]


@pytest.mark.parametrize("agent", PREVIEWS)
def test_link_previews_and_crawlers_are_recognised(agent: str | None) -> None:
    assert is_preview_agent(agent)


@pytest.mark.parametrize("agent", PEOPLE)
def test_people_in_browsers_and_in_app_browsers_are_not_previews(agent: str) -> None:
    assert not is_preview_agent(agent)


def test_every_token_is_lower_case_and_matches_itself_in_any_case() -> None:
    for token in PREVIEW_AGENT_TOKENS:
        assert token == token.lower()
        assert is_preview_agent(f"Mozilla/5.0 {token.upper()}/1.0")


# --- the link in the message --------------------------------------------------------------------


def _campaign(kind: str = "original") -> MessageInfo:
    mid = uuid.uuid4()
    return MessageInfo(
        id=mid,
        directive_id=uuid.uuid4(),
        kind=kind,
        priority="routine",
        title_hi="नशा मुक्त राजस्थान अभियान",
        body_hi="अपने वृत्त समूह में यह पोस्ट साझा करें।",
        title_en="Drug-free Rajasthan",
        body_en="Share this post in your circle group.",
        ack_requested=True,
        reply_code=reply_code(mid),
        expires_at=NOW + timedelta(days=7),
        post_url=POST,
    )


def _body(encoder: Encoder, m: MessageInfo, member: str, lang: str, unit: str | None) -> str:
    record = encoder.record(uuid.uuid4(), m.id, member, lang, NOW, unit_id=unit)
    return str(json.loads(record.value)["body"])


def test_each_circle_gets_its_own_link_and_others_the_post_itself() -> None:
    m = _campaign()
    links = {
        "CIR-BIKANER-1": link_url(BASE, "AAAAAAAAAAAA"),
        "PS-BIKANER-11": link_url(BASE, "AAAAAAAAAAAA"),
        "CIR-BIKANER-2": link_url(BASE, "BBBBBBBBBBBB"),
    }
    enc = Encoder(
        [m],
        topic="t",
        flash_topic="f",
        note="सभी थाना प्रभारी आज ही साझा करें",
        link_key=b"unit-test-inbox-link-key-0123456789",
        base_url=BASE,
        link_ttl=timedelta(days=14),
        post_links=links,
    )
    station = _body(enc, m, "mbr-1", "hi", "PS-BIKANER-11")
    assert station.endswith(f"अभियान की पोस्ट देखें और साझा करें: {BASE}/c/AAAAAAAAAAAA")
    assert "पुलिस अधीक्षक की टिप्पणी: सभी थाना प्रभारी" in station
    assert POST not in station
    english = _body(enc, m, "mbr-2", "en", "CIR-BIKANER-2")
    assert english.endswith(f"See and share the post: {BASE}/c/BBBBBBBBBBBB")
    # Counted outside the relayed circles (an SP at the district): the post itself.
    assert _body(enc, m, "mbr-3", "hi", "DST-BIKANER").endswith(POST)
    assert _body(enc, m, "mbr-3", "hi", None).endswith(POST)
    # An update carries no link: the campaign's text did.
    update = _campaign("update")
    enc2 = Encoder(
        [update],
        topic="t",
        flash_topic="f",
        note=None,
        link_key=b"unit-test-inbox-link-key-0123456789",
        base_url=BASE,
        link_ttl=timedelta(days=14),
        post_links=links,
    )
    assert "/c/" not in _body(enc2, update, "mbr-1", "hi", "PS-BIKANER-11")
