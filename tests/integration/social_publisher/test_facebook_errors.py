"""The Facebook Pages client against the fake Graph API: every error code, the rate limits and
usage headers, and answers lost after the post was accepted."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from nazar_fakes.facebook import DEFAULTS
from prometheus_client import REGISTRY
from social_publisher.adapters.facebook import FacebookClient
from social_publisher.adapters.social import SocialCallError
from social_publisher.domain.social import AccountAccess, ErrorKind, Network

from tests.integration.social_publisher import facebook_support as fbs
from tests.integration.social_publisher.facebook_support import (
    ACCESS,
    PAGE,
    TOKEN,
    VERSION,
    Graph,
    photo,
    refused,
    story,
)

served, graph = fbs.served, fbs.graph  # the fixtures


@pytest.mark.parametrize(
    ("config", "kind", "code", "words"),
    [
        ({"token_invalid": True}, ErrorKind.ACCOUNT, "190", "it expired"),
        ({"policy_block": True}, ErrorKind.ACCOUNT, "368", "temporarily blocked"),
        (
            {"missing_permission": "pages_manage_posts"},
            ErrorKind.ACCOUNT,
            "200",
            "pages_manage_posts",
        ),
        ({"schedule_grace_seconds": -120}, ErrorKind.REFUSED, "100", "will not be retried"),
        ({"outage": True}, ErrorKind.UNCLEAR, "2", "checked before any retry"),
    ],
)
async def test_each_graph_error_becomes_its_kind_and_words(
    graph: Graph, config: dict[str, Any], kind: ErrorKind, code: str, words: str
) -> None:
    graph.configure(**config)
    # Scheduled 10 minutes ahead, so that the fake's stricter window (-120 s) answers 100.
    at = datetime.now(UTC) + timedelta(minutes=10, seconds=5)
    error = await refused(graph.client(), story(scheduled_for=at))
    assert (error.kind, error.code, error.network) == (kind, code, Network.FACEBOOK)
    assert words in error.reason
    assert graph.fake.posts == {}


async def test_a_wrong_token_is_190_and_stops_the_account(graph: Graph) -> None:
    wrong = AccountAccess(ACCESS.account_id, Network.FACEBOOK, PAGE, "RajasthanPolice", "stale")
    with pytest.raises(SocialCallError) as caught:
        await graph.client().publish(wrong, story())
    assert (caught.value.error.kind, caught.value.error.code) == (ErrorKind.ACCOUNT, "190")
    assert "reconnect the Page" in caught.value.error.reason


async def test_the_same_message_twice_is_a_refused_duplicate(graph: Graph) -> None:
    post = story()
    await graph.client().publish(ACCESS, post)
    error = await refused(graph.client(), story(post.text))
    assert (error.kind, error.code, error.duplicate) == (ErrorKind.REFUSED, "506", True)
    # Another Page may carry the same words.
    other = AccountAccess("facebook-jaipur", Network.FACEBOOK, "100000000000102", "jp", TOKEN)
    assert (await graph.client().publish(other, story(post.text))).provider_post_id


async def test_outage_on_a_read_is_transient(graph: Graph) -> None:
    graph.configure(outage=True)
    with pytest.raises(SocialCallError) as caught:
        await graph.client().recent_posts(ACCESS, datetime.now(UTC) - timedelta(minutes=5))
    assert caught.value.error.kind is ErrorKind.TRANSIENT


async def test_nobody_listening_is_transient(graph: Graph) -> None:
    client = FacebookClient(
        graph.session, base_url="http://127.0.0.1:9", version=VERSION, timeout=timedelta(seconds=2)
    )
    error = await refused(client, story())
    assert (error.kind, error.code) == (ErrorKind.TRANSIENT, "unreachable")


@pytest.mark.parametrize("code", [4, 17, 32, 613, 80001])
async def test_rate_limits_wait_for_the_estimated_time_to_regain_access(
    graph: Graph, code: int
) -> None:
    graph.configure(call_limit=4, window_seconds=600, rate_limit_code=code)
    client = graph.client()
    # Each photo-less post is two calls (the post, then its permalink): the second post fills it.
    await client.publish(ACCESS, story())
    limits = await client.limits(ACCESS)
    assert limits.usage_percent == 50
    await client.publish(ACCESS, story())
    before = datetime.now(UTC)
    error = await refused(client, story())
    assert (error.kind, error.code) == (ErrorKind.RATE_LIMITED, str(code))
    assert error.retry_at is not None
    # The oldest call leaves the 10-minute window in just under 10 minutes: Meta says 10.
    assert before + timedelta(minutes=9) <= error.retry_at <= before + timedelta(minutes=11)
    assert "100 %" in error.reason
    limits = await client.limits(ACCESS)
    assert limits.usage_percent == 100
    assert limits.remaining == 0
    assert limits.resets_at is not None and limits.resets_at > before
    assert limits.pace == timedelta(minutes=5)


async def test_usage_headers_grow_with_calls_and_the_client_slows_down(graph: Graph) -> None:
    graph.configure(call_limit=20)
    client = graph.client(slow_from=50, max_gap=timedelta(seconds=60))
    seen: list[tuple[int, timedelta | None]] = []
    for _ in range(8):
        await client.publish(ACCESS, story())
        limits = await client.limits(ACCESS)
        assert limits.usage_percent is not None
        seen.append((limits.usage_percent, limits.pace))
    percents = [p for p, _ in seen]
    assert percents == sorted(percents) and percents[0] < percents[-1] == 80
    assert seen[0][1] == timedelta(0)
    assert seen[-1][1] == timedelta(seconds=36)  # (80 - 50) / 50 of a minute
    # As the queue reads it: nothing left until the gap after the last call has passed.
    assert limits.remaining == 0
    assert limits.resets_at is not None
    assert timedelta(seconds=30) < limits.resets_at - datetime.now(UTC) <= timedelta(seconds=36)
    calm = await graph.client().limits(ACCESS)  # a client that has seen nothing yet: one call
    assert calm.usage_percent == 85 and calm.remaining == 0
    gauge = REGISTRY.get_sample_value(
        "nazar_publisher_facebook_usage_percent", {"account": ACCESS.account_id}
    )
    assert gauge == 85
    async with graph.session.get(
        f"{graph.url}/{VERSION}/{PAGE}", params={"fields": "id", "access_token": TOKEN}
    ) as resp:
        buc = json.loads(resp.headers["X-Business-Use-Case-Usage"])
        app = json.loads(resp.headers["X-App-Usage"])
    [entry] = buc[DEFAULTS["business_id"]]
    assert entry["type"] == "pages"
    assert entry["call_count"] == 90 and 0 < entry["total_cputime"] < entry["total_time"] < 90
    assert entry["estimated_time_to_regain_access"] == 0
    assert app["call_count"] == 90


async def test_limits_reads_the_headers_when_it_has_seen_none(graph: Graph) -> None:
    limits = await graph.client().limits(ACCESS)
    assert limits.usage_percent is not None and limits.usage_percent <= 1  # one call of 4,800
    assert limits.pace == timedelta(0)
    assert (limits.remaining, limits.resets_at) == (None, None)
    assert len(graph.fake.log.attempts_at) == 1


@pytest.mark.parametrize("mode", ["500", "drop", "sleep"])
async def test_fail_after_accept_is_unclear_and_recent_posts_finds_the_post(
    graph: Graph, mode: str
) -> None:
    graph.configure(after_accept=mode, sleep_seconds=3.0)
    post = story(creatives=(photo(),) if mode == "drop" else ())
    started = datetime.now(UTC) - timedelta(seconds=1)
    error = await refused(graph.client(timeout=1.0), post)
    assert error.kind is ErrorKind.UNCLEAR
    assert "checked before any retry" in error.reason
    recent = await graph.client().recent_posts(ACCESS, started)
    assert [p.text for p in recent] == [post.text]
    assert recent[0].provider_post_id in graph.fake.posts
    # The switch was for one request: the next post goes through.
    assert (await graph.client().publish(ACCESS, story())).provider_post_id


async def test_an_unpublished_photo_upload_that_fails_is_not_unclear(graph: Graph) -> None:
    graph.configure(outage=True)
    error = await refused(graph.client(), story(creatives=(photo(), photo())))
    assert error.kind is ErrorKind.TRANSIENT  # the first upload failed: nothing can be public
