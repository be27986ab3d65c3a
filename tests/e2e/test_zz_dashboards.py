"""Issue 18, item 1: the stack's Prometheus scrapes every service and the Kafka broker (all
`up == 1`) once the whole system runs. It runs last among the end-to-end tests (pytest takes files
in name order), after the flows; then the "no empty panel" check of item 4 injects the incidents
that the flows do not cause (tests/e2e/incidents.py) and evaluates every panel's query
(tests/e2e/dashboards.py).
"""

from __future__ import annotations

import os
from typing import Any

import httpx
import pytest

from tests.conftest import StackEnv
from tests.e2e import incidents
from tests.e2e.clients import wait_for
from tests.e2e.dashboards import Prometheus, problems
from tests.e2e.system import System

pytestmark = [pytest.mark.slow, pytest.mark.timeout(900)]

NAZAR_JOBS = {"roster", "directive", "social-publisher", "story-intake"}


@pytest.fixture(scope="module")
def prometheus(stack_env: StackEnv) -> str:
    url = stack_env.prometheus_url or os.environ.get("NAZAR_PROMETHEUS_URL")
    assert url, "no Prometheus: run the tests through `deploy/stack test` (infra-up starts it)"
    return url


async def _query(http: httpx.AsyncClient, prometheus: str, expr: str) -> list[Any]:
    r = await http.get(f"{prometheus}/api/v1/query", params={"query": expr})
    assert r.status_code == 200, f"{expr}: {r.text}"
    result: list[Any] = r.json()["data"]["result"]
    return result


async def test_prometheus_scrapes_every_service_and_kafka(system: System, prometheus: str) -> None:
    async def all_up() -> bool:
        found = await _query(system.http, prometheus, "up")
        jobs = {s["metric"]["job"]: s["value"][1] for s in found}
        return NAZAR_JOBS | {"kafka", "prometheus"} <= set(jobs) and all(
            v == "1" for j, v in jobs.items() if j in NAZAR_JOBS | {"kafka", "prometheus"}
        )

    async def seen() -> object:
        return {
            s["metric"]["job"]: s["value"][1] for s in await _query(system.http, prometheus, "up")
        }

    await wait_for(all_up, within=60, what="every target up", explain=seen)


async def test_no_panel_shows_no_data(system: System, prometheus: str) -> None:
    """Issue 18, item 4: after the flows and the injected incidents, every panel's query of every
    dashboard answers something, and every metric a panel names is exported by some target."""
    await incidents.inject(system)
    live = Prometheus(system.http, prometheus)
    last: list[str] = []

    async def every_panel_has_data() -> bool:
        last[:] = await problems(live)
        return not last

    async def listing() -> str:
        return "\n" + "\n".join(last)

    # rate() and increase() need two samples of a series in their window, and the alerts the
    # "firing" panels count need their `for:` (at most 1 minute for the injected incidents).
    await wait_for(
        every_panel_has_data, within=240, every=10, what="no empty panel", explain=listing
    )
