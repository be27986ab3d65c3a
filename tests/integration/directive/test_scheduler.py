"""The scheduler loop: several replicas, one active (advisory lock), driven by an injected clock;
an overdue relay is escalated exactly once however many replicas tick, and is on the audit trail
once."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta

from directive.domain.model import Priority, RelayMode
from directive.handlers.common import Topics
from directive.workers.scheduler import Scheduler

from tests.integration.directive.conftest import Env
from tests.integration.directive.test_cascade import issued
from tests.integration.platform.support import automatic_entries, wait_for


async def test_one_active_scheduler_escalates_once(env: Env) -> None:
    pool = env.worker.pool
    assert pool is not None
    topics = Topics(env.topics.events)
    t0 = datetime.now(UTC)
    did = await issued(
        env, t0, priority=Priority.FLASH, audience_units=["DST-CHURU"], relay_mode=RelayMode.MANUAL
    )
    later = t0 + timedelta(minutes=16)  # past the flash relay deadline (15 min)
    replicas = [
        Scheduler(env.settings.dsn, pool, topics, lambda: later, timedelta(milliseconds=50))
        for _ in range(3)
    ]
    stop = asyncio.Event()
    tasks = [asyncio.create_task(s.run(stop)) for s in replicas]
    try:

        async def ticking() -> bool:
            return sum(s.ticks for s in replicas) >= 10

        await wait_for(ticking, within=30)
    finally:
        stop.set()
        await asyncio.gather(*tasks)
    assert sum(1 for s in replicas if s.ticks) == 1  # only the lock holder works
    rows = await pool.fetch("SELECT kind, unit_id FROM escalations WHERE directive_id = $1", did)
    assert [(r["kind"], r["unit_id"]) for r in rows] == [("relay_overdue", "DST-CHURU")]
    audited = await automatic_entries(pool, subject=f"directive:{did}")
    assert [(a["actor"], a["action"], a["target_unit"]) for a in audited] == [
        ("system:scheduler", "directive.escalate", "DST-CHURU")
    ]
