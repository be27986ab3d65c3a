"""SQL of the sender numbers' leases (the locks themselves are the platform's leader loop)."""

from __future__ import annotations

from nazar_platform.db import Connection


async def alive(conn: Connection) -> None:
    """A round trip on the lease's own connection: it still answers."""
    await conn.fetchval("SELECT 1")
