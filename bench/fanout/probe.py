"""Reach-query latency, measured from its own process so the storm's CPU use in the consumer
process does not distort it: `python -m bench.fanout.probe DSN DIRECTIVE_ID STOP_FILE`.
Prints one JSON line of latencies (ms) when STOP_FILE appears."""

from __future__ import annotations

import asyncio
import json
import sys
import time
from pathlib import Path
from uuid import UUID

from directive.store import reach
from nazar_platform import db


async def main(dsn: str, directive_id: UUID, stop_file: Path) -> None:
    conn = await db.connect(dsn)
    latencies: list[float] = []
    try:
        while not stop_file.exists():
            started = time.perf_counter()
            # What GET /directives/{id}/reach runs: the roll-up to circles, and per message.
            await reach.roll_up(conn, directive_id, max_depth=4)
            await reach.per_message(conn, directive_id)
            latencies.append((time.perf_counter() - started) * 1000)
            # Ten consoles refreshing every second (the reach stream's default interval): a
            # closed loop with no pause would be a load generator, not a latency probe.
            await asyncio.sleep(0.1)
    finally:
        await conn.close()
    print(json.dumps(latencies), flush=True)


if __name__ == "__main__":
    asyncio.run(main(sys.argv[1], UUID(sys.argv[2]), Path(sys.argv[3])))
