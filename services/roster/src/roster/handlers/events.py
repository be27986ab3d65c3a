"""Each aggregate's rows → its events, in one place.

The documents are rendered and compared with what was last published inside PostgreSQL
(`roster.store.published`): a 300,000-row import publishes without shipping its rows to Python
and back. `nazar_platform.outbox.enqueue_select` adds the envelope and writes the outbox in the
caller's transaction.
"""

from __future__ import annotations

from nazar_contracts import event_types
from nazar_contracts.vocabulary import UNIT_KINDS_V1, UnitKind
from nazar_platform.db import Connection
from nazar_platform.outbox import enqueue_select

from roster.handlers.context import Topics
from roster.store import published
from roster.store.published import Aggregate, Changes

SOURCE = "/nazar/roster"


async def _enqueue(conn: Connection, topic: str, event_type: str, changes: Changes) -> int:
    return await enqueue_select(
        conn, changes.select, *changes.args, ctes=changes.ctes, topic=topic, type=event_type,
        source=SOURCE,
    )  # fmt: skip


async def _tombstones(
    conn: Connection, aggregate: Aggregate, topic: str, event_type: str, keys: list[str]
) -> int:
    count = await enqueue_select(
        conn, published.TOMBSTONES, keys, topic=topic, type=event_type, source=SOURCE
    )
    # Whatever comes next for the key is a change, with a higher version.
    await published.forget(conn, aggregate, keys)
    return count


async def units(conn: Connection, topics: Topics) -> int:
    """A unit of a kind v1 knows as nazar.unit.upserted.v1 (old consumers keep reading it); a
    branch of PHQ as v2 only (a v1 consumer would refuse it)."""
    v1 = published.changes(published.UNITS, where=published.unit_kind_in(UNIT_KINDS_V1))
    new_kinds = [k for k in UnitKind if k not in UNIT_KINDS_V1]
    v2 = published.changes(published.UNITS, where=published.unit_kind_in(new_kinds))
    count = await _enqueue(conn, topics.units, event_types.UNIT_UPSERTED, v1)
    return count + await _enqueue(conn, topics.units, event_types.UNIT_UPSERTED_V2, v2)


async def members(conn: Connection, topics: Topics) -> int:
    """The members listed in `touched` whose document changed."""
    changes = published.changes(published.MEMBERS, table="touched")
    return await _enqueue(conn, topics.members, event_types.MEMBER_UPSERTED, changes)


async def contacts(conn: Connection, topics: Topics) -> int:
    """The contacts of the members listed in `touched` whose document changed."""
    changes = published.changes(published.CONTACTS, table="touched")
    return await _enqueue(conn, topics.contacts, event_types.CONTACT_UPSERTED, changes)


async def groups(conn: Connection, topics: Topics, ids: list[str] | None = None) -> int:
    """The groups among `ids` (all of them if None) whose document changed."""
    changes = published.changes(published.GROUPS, ids)
    return await _enqueue(conn, topics.groups, event_types.GROUP_UPSERTED, changes)


async def groups_removed(conn: Connection, topics: Topics, group_ids: list[str]) -> int:
    return await _tombstones(
        conn, published.GROUPS, topics.groups, event_types.GROUP_REMOVED, group_ids
    )


async def member_erased(conn: Connection, topics: Topics, member_id: str) -> int:
    """Tombstones of the member and of their contact."""
    keys = [member_id]
    count = await _tombstones(
        conn, published.MEMBERS, topics.members, event_types.MEMBER_ERASED, keys
    )
    return count + await _tombstones(
        conn, published.CONTACTS, topics.contacts, event_types.CONTACT_ERASED, keys
    )
