"""One database, media folder and set of servers per test (they are cheap: all in process)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from tests.integration.social_publisher.support import World, world


@pytest.fixture
async def w(
    fresh_database: str, tmp_path: Path, request: pytest.FixtureRequest
) -> AsyncIterator[World]:
    config = getattr(request, "param", {})
    async with world(fresh_database, tmp_path / "media", **config) as running:
        yield running
