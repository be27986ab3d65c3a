"""Reading the audit's refusal counts (`audit_refusals`) back in tests.

They are written by a task of the runtime about once a second: a test waits for what it expects.
"""

from __future__ import annotations

import asyncio
import time
from typing import Any

import asyncpg


async def refusals(database: str) -> list[dict[str, Any]]:
    conn = await asyncpg.connect(database)
    try:
        rows = await conn.fetch("SELECT * FROM audit_refusals ORDER BY id")
    finally:
        await conn.close()
    return [dict(r) for r in rows]


async def wait_refusal(database: str, within: float = 15, **match: Any) -> dict[str, Any]:
    """The counted refusal whose columns have these values, once it has been written."""
    deadline = time.monotonic() + within
    while True:
        for row in await refusals(database):
            if all(row[k] == v for k, v in match.items()):
                return row
        if time.monotonic() > deadline:
            raise AssertionError(f"no refusal counted with {match}: {await refusals(database)}")
        await asyncio.sleep(0.2)
