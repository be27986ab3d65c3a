"""Carrying a change on: the members it touched, the groups it moves, and their events.

Every use case that changes members or units ends with one of these, inside its transaction.
"""

from __future__ import annotations

from nazar_platform.db import Connection

from roster.handlers import events
from roster.handlers.context import Topics
from roster.store import groups as group_store
from roster.store import staging
from roster.store import units as unit_store

# Above this many changed members, recomputing every circle group is cheaper than finding them.
ALL_GROUPS_THRESHOLD = 2_000


async def after_members(conn: Connection, topics: Topics) -> int:
    """Publish the members listed in `touched`, their contacts, and the groups they moved."""
    count = await events.members(conn, topics)
    count += await events.contacts(conn, topics)
    many = await staging.touched_count(conn) > ALL_GROUPS_THRESHOLD
    return count + await regroup(conn, topics, all_circles=many)


async def regroup(conn: Connection, topics: Topics, *, all_circles: bool) -> int:
    """Recompute the groups a change in `touched` may affect and publish those that moved."""
    if all_circles:
        circles = await group_store.all_circles(conn)
    else:
        circles = await group_store.circles_of_touched(conn)
    changed = await group_store.recompute(conn, circles)
    return await events.groups(conn, topics, changed) if changed else 0


async def after_units(conn: Connection, topics: Topics) -> int:
    """After units were added, renamed, moved or closed: paths, members, groups, their events."""
    moved = await unit_store.refresh_paths(conn)
    count = await events.units(conn, topics)
    await staging.track_touched(conn)
    if moved:
        await staging.touch_posted_in(conn, moved)
    closed = await group_store.sync_existence(conn)
    if closed:
        count += await events.groups_removed(conn, topics, closed)
    count += await events.members(conn, topics)
    await group_store.recompute(conn, await group_store.all_circles(conn))
    # All groups, not just those whose members moved: a renamed circle renames its group.
    count += await events.groups(conn, topics)
    return count
