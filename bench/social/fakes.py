"""What the social proofs read of the fake X, Facebook and Instagram APIs (`tools/fakes`): the
posts each one stored, and the `/_fake/config` switches they flip. Shared by the end-to-end test
(tests/e2e/test_social_flow.py), the SIGKILL test (tests/integration/social_publisher/
test_kill.py) and bench/social, so that the three read the fakes one way.

The fakes run as `deploy/stack up` starts them (deploy/stackctl/services.py: `fake-x`,
`fake-facebook`, `fake-instagram` on NAZAR_PORT_BASE + 203 / 204 / 205).
"""

from __future__ import annotations

import sys
from collections.abc import Callable
from dataclasses import dataclass
from fractions import Fraction
from pathlib import Path
from typing import Any

import httpx

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "deploy"))
from stackctl import services
from stackctl.common import ROOT, Ports, State

from bench.social.limits import Limit

__all__ = ["NETWORKS", "ROOT", "FakeNetwork", "FakePost", "Ports", "State", "services"]


Entry = dict[str, Any]
DAY = 86_400.0


@dataclass(frozen=True)
class FakePost:
    """One post as a fake network stored it."""

    network: str
    post_id: str  # the network's id (tweet id, page post id, Instagram media id)
    text: str
    at: float  # Unix time the fake accepted it
    media_sha256: tuple[str, ...] = ()  # of the bytes the fake received or fetched


@dataclass(frozen=True)
class FakeNetwork:
    network: str  # the PublicChannel value: x | facebook | instagram
    service: str  # its entry in deploy/stackctl/services.py
    port_offset: int
    # Where it lists what it stored (`/_fake/posts`, or its call log `/_fake/messages`), and
    # its posts from that answer.
    log_path: str
    read_posts: Callable[[Entry], list[FakePost]]
    # `/_fake/config` switches: store the post, then fail the call (one per way of failing).
    fail_after_accept: tuple[Entry, ...]
    healed: Entry
    # The posting limits it enforces, from its `GET /_fake/config`; the real length of the
    # window that binds a benchmark's posts (seconds), and the config that scales its windows by
    # a factor (the counts stay).
    limits: Callable[[Entry], list[Limit]]
    window: float
    scaled: Callable[[Fraction], Entry]
    # The public URL holds the post id (X: /status/{id}); Facebook's and Instagram's are the
    # post's permalink (/{page}/posts/{n}, /p/{shortcode}/), which need not.
    urls_by_permalink: bool = False

    def url(self, base: int, path: str) -> str:
        return f"http://127.0.0.1:{base + self.port_offset}{path}"


def _x_posts(answer: Entry) -> list[FakePost]:
    """Every post (thread parts too) the fake holds; a deleted one is gone from it."""
    return [
        FakePost("x", str(p["id"]), str(p["text"]), float(p["at"]))
        for p in sorted(answer["posts"], key=lambda p: float(p["at"]))
    ]


def _x_limits(config: Entry) -> list[Limit]:
    # POST /2/tweets per user: a fixed window opened by its first post and reset at
    # `x-rate-limit-reset`; and the account's daily cap over the last 24 hours (the fake cites
    # docs.x.com and help.x.com for both).
    window = float(config.get("window_seconds", 900.0))
    return [
        Limit(int(config["limits"]["post"]), window, rolling=False, name="POST /2/tweets"),
        Limit(int(config["daily_cap"]), float(config.get("day_seconds", DAY)), name="daily cap"),
    ]


def _instagram_posts(answer: Entry) -> list[FakePost]:
    """`published` notes, each with the sha256 of the image(s) its container really fetched
    (`container_created` notes the sha256 of the bytes it took — the same URL fetched again
    later, by a retry, may answer otherwise; a carousel names its children)."""
    entries: list[Entry] = answer["messages"]
    images: dict[str, tuple[str, ...]] = {}
    for e in entries:
        if e.get("call") == "container_created":
            own = (str(e["image_sha256"]),) if e.get("image_sha256") else ()
            children = e.get("children") or []
            images[str(e["id"])] = own + tuple(s for c in children for s in images.get(c, ()))
    return [
        FakePost(
            "instagram",
            str(e["id"]),
            str(e.get("caption") or ""),
            float(e["at"]),
            images.get(str(e["container"]), ()),
        )
        for e in entries
        if e.get("call") == "published"
    ]


def _instagram_limits(config: Entry) -> list[Limit]:
    # The rolling 24-hour content publishing limit (tools/fakes/.../instagram.py cites Meta).
    total, window = int(config["quota_total"]), float(config["quota_duration"])
    return [Limit(total, window, rolling=True, name="content_publishing_limit")]


def _facebook_posts(answer: Entry) -> list[FakePost]:
    """Every Page post the fake stored (its log holds the posts themselves)."""
    entries: list[Entry] = answer["messages"]
    return [
        FakePost("facebook", str(e["id"]), str(e.get("message") or ""), float(e["created"]))
        for e in entries
        if "page" in e and "message" in e
    ]


def _facebook_limits(config: Entry) -> list[Limit]:
    # Calls per Page in a sliding window (Meta: 4,800 per engaged user per 24 h); one call per
    # text post, so as many posts.
    count, window = int(config["call_limit"]), float(config["window_seconds"])
    return [Limit(count, window, rolling=True, name="page calls")]


NETWORKS = {
    "x": FakeNetwork(
        "x", "fake-x", 203, "/_fake/posts", _x_posts,
        ({"fail_after_accept": {"mode": "500", "times": 10**6}},
         {"fail_after_accept": {"mode": "drop", "times": 10**6}}),
        {"fail_after_accept": None},
        _x_limits, 900.0, lambda scale: {"window_seconds": 900.0 * float(scale),
                                         "day_seconds": DAY * float(scale)},
    ),
    "facebook": FakeNetwork(
        "facebook", "fake-facebook", 204, "/_fake/messages", _facebook_posts,
        ({"after_accept": "500", "after_accept_times": 10**6},
         {"after_accept": "drop", "after_accept_times": 10**6}),
        {"after_accept": None},
        _facebook_limits, DAY, lambda scale: {"window_seconds": DAY * float(scale)},
        urls_by_permalink=True,
    ),
    "instagram": FakeNetwork(
        "instagram", "fake-instagram", 205, "/_fake/messages", _instagram_posts,
        ({"publish_fail": "500"}, {"publish_fail": "drop"}), {"publish_fail": None},
        _instagram_limits, DAY, lambda scale: {"quota_duration": DAY * float(scale)},
        urls_by_permalink=True,
    ),
}  # fmt: skip


def not_in_stack() -> list[str]:
    """What `deploy/stack up` does not run yet of social publishing (its parts land one by one):
    a fake, or the publisher's accounts (the publishing queue's stack settings)."""
    known = {s.name: s for s in services.SERVICES}
    missing = [f.service for f in NETWORKS.values() if f.service not in known]
    if "NAZAR_SOCIAL_ACCOUNTS" not in known["social-publisher"].env:
        missing.append("the social-publisher's accounts (NAZAR_SOCIAL_ACCOUNTS)")
    return missing


async def posts(http: httpx.AsyncClient, base: int, network: str) -> list[FakePost]:
    """Every post the fake holds (withdrawn ones too), oldest first."""
    fake = NETWORKS[network]
    r = await http.get(fake.url(base, fake.log_path))
    r.raise_for_status()
    return fake.read_posts(r.json())


async def configure(http: httpx.AsyncClient, base: int, network: str, config: Entry) -> Entry:
    r = await http.post(NETWORKS[network].url(base, "/_fake/config"), json=config)
    r.raise_for_status()
    found: Entry = r.json()
    return found


async def config_of(http: httpx.AsyncClient, base: int, network: str) -> Entry:
    r = await http.get(NETWORKS[network].url(base, "/_fake/config"))
    r.raise_for_status()
    found: Entry = r.json()
    return found
