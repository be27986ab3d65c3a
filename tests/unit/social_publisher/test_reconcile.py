"""Reconciliation matching: are the posts read back from the account the ones an unclear call
made (one post, or an X thread's parts in order)?"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from social_publisher.domain.reconcile import (
    Verdict,
    Window,
    find_parts,
    is_ours,
    normalise,
    verdict,
)
from social_publisher.domain.social import RemotePost

STARTED = datetime(2026, 12, 3, 10, 0, tzinfo=UTC)
SKEW = timedelta(minutes=2)
TEXT = "जयपुर पुलिस ने खोया हुआ बच्चा परिवार से मिलाया 🙏 पूरी खबर: https://police.rajasthan.gov.in/s/123"
PARTS = (
    "जयपुर पुलिस ने खोया हुआ बच्चा परिवार से मिलाया 🙏 (1/3)",
    "बच्चा रेलवे स्टेशन पर मिला था। (2/3)",
    "पूरी खबर: https://police.rajasthan.gov.in/s/123 (3/3)",
)


def remote(text: str, minutes: float, pid: str = "1") -> RemotePost:
    return RemotePost(pid, text, STARTED + timedelta(minutes=minutes))


WINDOW = Window.of_attempt(STARTED, STARTED + timedelta(minutes=3), SKEW)


def test_links_and_white_space_do_not_matter() -> None:
    shortened = TEXT.replace("https://police.rajasthan.gov.in/s/123", "https://t.co/AbC123")
    assert is_ours(TEXT, shortened.replace(" ", "  "))
    assert normalise("क  ख\nग") == "क ख ग"


def test_unicode_forms_are_compared_normalised() -> None:
    # ड़ as ड + nukta (decomposed) and as one code point: the same letter.
    assert is_ours("सड़क", "सड\u093c" + "क")


def test_another_text_is_not_ours() -> None:
    assert not is_ours(TEXT, "जयपुर पुलिस ने चोरी का खुलासा किया")
    assert not is_ours(TEXT, "")


def test_only_posts_inside_the_attempts_window_count() -> None:
    window = Window.of_attempt(STARTED, STARTED + timedelta(minutes=1), SKEW)
    old = remote(TEXT, -10, "old")  # the same text posted before (another request)
    assert find_parts([old], (TEXT,), window) == ()
    mine = remote(TEXT, 0.5, "mine")
    assert find_parts([mine, old, remote("कुछ और", 0.2, "other")], (TEXT,), window) == (mine,)


def test_the_earliest_match_wins() -> None:
    a, b = remote(TEXT, 0.1, "a"), remote(TEXT, 2, "b")
    assert find_parts([b, a], (TEXT,), WINDOW) == (a,)


def test_a_whole_thread_is_found_in_order() -> None:
    posts = [remote(PARTS[2], 0.3, "c"), remote(PARTS[0], 0.1, "a"), remote(PARTS[1], 0.2, "b")]
    assert [p.provider_post_id for p in find_parts(posts, PARTS, WINDOW)] == ["a", "b", "c"]


def test_a_thread_cut_midway_is_found_up_to_its_last_part_out() -> None:
    posts = [remote(PARTS[0], 0.1, "a"), remote(PARTS[2], 0.3, "c")]  # part 2 never went out
    assert [p.provider_post_id for p in find_parts(posts, PARTS, WINDOW)] == ["a"]


def test_parts_already_known_are_not_searched_again() -> None:
    posts = [remote(PARTS[0], 0.1, "a"), remote(PARTS[1], 0.2, "b")]
    found = find_parts(posts, PARTS, WINDOW, known=("a",))
    assert [p.provider_post_id for p in found] == ["b"]


def test_a_part_before_the_previous_one_is_not_its_continuation() -> None:
    posts = [remote(PARTS[1], 0.1, "b-old"), remote(PARTS[0], 0.2, "a")]
    assert [p.provider_post_id for p in find_parts(posts, PARTS, WINDOW)] == ["a"]


def test_verdict_waits_for_the_network_to_show_a_new_post() -> None:
    settle = timedelta(seconds=30)
    assert verdict(True, started_at=STARTED, now=STARTED, settle=settle) is Verdict.POSTED
    soon = STARTED + timedelta(seconds=5)
    assert verdict(False, started_at=STARTED, now=soon, settle=settle) is Verdict.WAIT
    later = STARTED + timedelta(seconds=31)
    assert verdict(False, started_at=STARTED, now=later, settle=settle) is Verdict.NOT_POSTED
