"""What the social proofs read of the fake X, Facebook and Instagram APIs (`tools/fakes`): the
posts each one stored, and the `/_fake/config` switches they flip. Shared by the end-to-end test
(tests/e2e/test_social_flow.py), the SIGKILL test (tests/integration/social_publisher/
test_kill.py) and bench/social, so that the three read the fakes one way.

The fakes run as `deploy/stack up` starts them (deploy/stackctl/services.py: `fake-x`,
`fake-facebook`, `fake-instagram` on NAZAR_PORT_BASE + 203 / 204 / 205).
"""

from __future__ import annotations

import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "deploy"))
from stackctl import services
from stackctl.common import ROOT, Ports, State

__all__ = ["NETWORKS", "ROOT", "FakeNetwork", "FakePost", "Ports", "State", "services"]


@dataclass(frozen=True)
class FakeNetwork:
    network: str  # the PublicChannel value: x | facebook | instagram
    service: str  # its entry in deploy/stackctl/services.py
    port_offset: int
    # The public URL holds the post id (X: /status/{id}, Facebook: /{post-id}); Instagram's is
    # the media's permalink (/p/{shortcode}/), which does not.
    urls_by_permalink: bool = False

    def url(self, base: int, path: str) -> str:
        return f"http://127.0.0.1:{base + self.port_offset}{path}"


NETWORKS = {
    "x": FakeNetwork("x", "fake-x", 203),
    "facebook": FakeNetwork("facebook", "fake-facebook", 204),
    "instagram": FakeNetwork("instagram", "fake-instagram", 205, urls_by_permalink=True),
}


@dataclass(frozen=True)
class FakePost:
    """One post as a fake network stored it."""

    network: str
    post_id: str  # the network's id (tweet id, page post id, Instagram media id)
    account: str  # the network's account id (X user id, page id, Instagram user id)
    text: str
    at: float  # Unix time the fake accepted it
    media_sha256: tuple[str, ...] = ()  # of the bytes the fake received or fetched


def missing_fakes() -> list[str]:
    """The fakes `deploy/stack up` does not start yet (their jobs land one by one)."""
    known = {s.name for s in services.SERVICES}
    return [f.service for f in NETWORKS.values() if f.service not in known]


def _post(network: str, raw: dict[str, Any]) -> FakePost:
    return FakePost(
        network,
        str(raw["id"]),
        str(raw["account"]),
        str(raw["text"]),
        float(raw["at"]),
        tuple(str(s) for s in raw.get("media_sha256", ())),
    )


async def posts(http: httpx.AsyncClient, base: int, network: str) -> list[FakePost]:
    """Every post the fake holds (withdrawn ones too), oldest first."""
    r = await http.get(NETWORKS[network].url(base, "/_fake/posts"))
    r.raise_for_status()
    return [_post(network, p) for p in r.json()["posts"]]


async def configure(http: httpx.AsyncClient, base: int, network: str, config: Any) -> Any:
    r = await http.post(NETWORKS[network].url(base, "/_fake/config"), json=config)
    r.raise_for_status()
    return r.json()
