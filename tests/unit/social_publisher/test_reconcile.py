"""Reconciliation matching: is a post read back from the account the one an unclear call made?"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from social_publisher.domain.reconcile import Verdict, Window, find, is_ours, normalise, verdict
from social_publisher.domain.social import RemotePost

STARTED = datetime(2026, 12, 3, 10, 0, tzinfo=UTC)
SKEW = timedelta(minutes=2)
TEXT = "जयपुर पुलिस ने खोया हुआ बच्चा परिवार से मिलाया 🙏 पूरी खबर: https://police.rajasthan.gov.in/s/123"


def remote(text: str, minutes: float, pid: str = "1") -> RemotePost:
    return RemotePost(pid, text, STARTED + timedelta(minutes=minutes))


def test_links_and_white_space_do_not_matter() -> None:
    shortened = TEXT.replace("https://police.rajasthan.gov.in/s/123", "https://t.co/AbC123")
    assert is_ours(TEXT, shortened.replace(" ", "  "), thread=False)
    assert normalise("क  ख\nग") == "क ख ग"


def test_unicode_forms_are_compared_normalised() -> None:
    # "क़" as one code point (U+0958) and as क + nukta: NFC keeps U+0958 apart (a composition
    # exclusion), so compare the same form the other way round: ड़ decomposed and composed.
    assert is_ours("सड़क", "सड\u093c" + "क", thread=False)


def test_another_text_is_not_ours() -> None:
    assert not is_ours(TEXT, "जयपुर पुलिस ने चोरी का खुलासा किया", thread=False)
    assert not is_ours(TEXT, "", thread=False)


def test_a_threads_first_part_is_matched_by_its_start() -> None:
    long = TEXT + " " + "राजस्थान पुलिस सदैव आपकी सेवा में। " * 5
    assert is_ours(long, "1/3 जयपुर पुलिस ने खोया हुआ बच्चा परिवार से मिलाया 🙏", thread=True)
    assert is_ours(long, "जयपुर पुलिस ने खोया हुआ बच्चा (1/3)", thread=True)
    # The second part is not the first; without the thread option a prefix is not enough.
    assert not is_ours(long, "2/3 राजस्थान पुलिस सदैव", thread=True)
    assert not is_ours(long, "1/3 जयपुर पुलिस ने खोया हुआ बच्चा", thread=False)


def test_only_posts_inside_the_attempts_window_count() -> None:
    window = Window.of_attempt(STARTED, STARTED + timedelta(minutes=1), SKEW)
    old = remote(TEXT, -10, "old")  # the same text posted before (another request)
    assert find([old], TEXT, window, thread=False) is None
    mine = remote(TEXT, 0.5, "mine")
    assert find([mine, old, remote("कुछ और", 0.2, "other")], TEXT, window, thread=False) == mine


def test_the_earliest_match_wins() -> None:
    window = Window.of_attempt(STARTED, STARTED + timedelta(minutes=3), SKEW)
    a, b = remote(TEXT, 0.1, "a"), remote(TEXT, 2, "b")
    assert find([b, a], TEXT, window, thread=False) == a


def test_verdict_waits_for_the_network_to_show_a_new_post() -> None:
    settle = timedelta(seconds=30)
    found = remote(TEXT, 0)
    assert verdict(found, started_at=STARTED, now=STARTED, settle=settle) is Verdict.POSTED
    soon = STARTED + timedelta(seconds=5)
    assert verdict(None, started_at=STARTED, now=soon, settle=settle) is Verdict.WAIT
    later = STARTED + timedelta(seconds=31)
    assert verdict(None, started_at=STARTED, now=later, settle=settle) is Verdict.NOT_POSTED
