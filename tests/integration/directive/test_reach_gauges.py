"""The reach dashboard's gauges (issue 18 item 2) from the real counters: by district and circle,
the acknowledged share under the directive's threshold, and the last day only."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from directive.domain.acks import AckVia
from directive.domain.model import Priority, RelayMode
from directive.handlers import acks as ack_handlers
from directive.handlers import reach_gauges
from directive.handlers import relay as relay_handlers
from directive.handlers.common import Topics
from prometheus_client import REGISTRY

from tests.integration.directive.conftest import Env
from tests.integration.directive.test_cascade import actors, issued, settled


def reach(level: str, unit: str, stage: str) -> float | None:
    found = [
        s.value
        for metric in REGISTRY.collect()
        if metric.name == "nazar_directive_reach_last_day"
        for s in metric.samples
        if s.labels["level"] == level and s.labels["unit"] == unit and s.labels["stage"] == stage
    ]
    return found[0] if found else None


async def test_the_gauges_show_the_last_days_reach_by_district_and_circle(env: Env) -> None:
    topics = Topics(env.topics.events)
    pool = env.worker.pool
    assert pool is not None
    r = env.roster
    _, sp_bkn, _ = actors(env)
    t0 = datetime.now(UTC)
    did = await issued(
        env,
        t0,
        priority=Priority.URGENT,
        audience_units=["RNG-BIKANER"],
        relay_mode=RelayMode.MANUAL,
    )
    await relay_handlers.relay(pool, topics, did, "DST-BIKANER", None, None, sp_bkn, t0)
    await settled(env, did)
    c1, c2 = r.circles_of["DST-BIKANER"]
    officers = (r.one("sp", "DST-BIKANER"), r.one("ig", "RNG-BIKANER"))
    inside = {
        c: sorted(m for m in r.circle_members[c] & r.reachable if m not in officers)
        for c in (c1, c2)
    }
    for member in inside[c1][:8] + inside[c2]:
        await ack_handlers.acknowledge_directive(pool, topics, did, member, None, AckVia.APP, t0)

    assert await reach_gauges.refresh(pool, t0) >= 3
    assert reach("circle", c1, "acknowledged") == 8
    targeted_c1 = reach("circle", c1, "targeted")
    assert targeted_c1 is not None and targeted_c1 >= 13
    assert reach("circle", c2, "acknowledged") == len(inside[c2])
    assert reach("district", "DST-BIKANER", "acknowledged") == 8 + len(inside[c2])
    districts = {
        s.labels["district"]
        for metric in REGISTRY.collect()
        if metric.name == "nazar_directive_reach_last_day"
        for s in metric.samples
        if s.labels["unit"] in (c1, c2, "DST-BIKANER")
    }
    assert len(districts) == 1  # each circle is filed under its district's name
    district_targeted = reach("district", "DST-BIKANER", "targeted")
    assert district_targeted is not None and district_targeted >= targeted_c1
    # Circle 1 (8 of 13 and more) is under the directive's threshold; circle 2 is not.
    assert REGISTRY.get_sample_value("nazar_directive_circles_under_threshold") == 1

    # Two days on, the directive has left the window: its areas go from the gauges.
    await reach_gauges.refresh(pool, t0 + timedelta(days=2))
    assert reach("circle", c1, "acknowledged") is None
    assert REGISTRY.get_sample_value("nazar_directive_circles_under_threshold") == 0

    reach_gauges.clear()
    assert reach("district", "DST-BIKANER", "targeted") is None


async def test_a_flash_directive_not_fanned_out_within_a_minute_is_counted(env: Env) -> None:
    pool = env.worker.pool
    assert pool is not None
    t0 = datetime.now(UTC)
    did = await issued(env, t0, priority=Priority.FLASH, audience_units=["DST-BIKANER"])
    await settled(env, did)
    await reach_gauges.refresh(pool, t0 + timedelta(minutes=2))
    assert REGISTRY.get_sample_value("nazar_directive_flash_waiting") == 0

    # The state a stuck fan-out leaves: its job open, not one delivery requested.
    await pool.execute("UPDATE directives SET first_request_at = NULL WHERE id = $1", did)
    await pool.execute("UPDATE jobs SET finished_at = NULL WHERE directive_id = $1", did)
    await reach_gauges.refresh(pool, t0 + timedelta(seconds=30))
    assert REGISTRY.get_sample_value("nazar_directive_flash_waiting") == 0  # within its minute
    await reach_gauges.refresh(pool, t0 + timedelta(minutes=2))
    assert REGISTRY.get_sample_value("nazar_directive_flash_waiting") == 1
