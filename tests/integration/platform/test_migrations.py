"""The migration runner on a real PostgreSQL."""

from __future__ import annotations

import asyncio

import pytest
from nazar_platform import db
from nazar_platform.db import migrations
from nazar_platform.db.migrations import Migration, MigrationError


def _service(sql: str = "CREATE TABLE things (id int PRIMARY KEY)") -> list[Migration]:
    return [
        *migrations.platform_migrations(),
        Migration("svc", 1, "things", sql),
        Migration("svc", 2, "more", "ALTER TABLE things ADD COLUMN name text"),
    ]


async def test_applies_once_in_order_and_records_each(fresh_database: str) -> None:
    conn = await db.connect(fresh_database)
    try:
        first = await migrations.apply(conn, _service())
        again = await migrations.apply(conn, _service())
        rows = await conn.fetch(
            "SELECT component, version FROM schema_migrations ORDER BY applied_at, version"
        )
        columns = await conn.fetch(
            "SELECT column_name FROM information_schema.columns WHERE table_name = 'things'"
        )
    finally:
        await conn.close()
    assert [(m.component, m.version) for m in first] == [(r[0], r[1]) for r in rows]
    assert again == []
    assert {c["column_name"] for c in columns} == {"id", "name"}


async def test_a_changed_migration_is_refused(fresh_database: str) -> None:
    conn = await db.connect(fresh_database)
    try:
        await migrations.apply(conn, _service())
        with pytest.raises(MigrationError, match="changed after it was applied"):
            await migrations.apply(conn, _service("CREATE TABLE things (id bigint PRIMARY KEY)"))
    finally:
        await conn.close()


async def test_a_failing_migration_leaves_nothing_half_done(fresh_database: str) -> None:
    conn = await db.connect(fresh_database)
    broken = [Migration("svc", 1, "broken", "CREATE TABLE a (id int); SELECT 1/0;")]
    try:
        with pytest.raises(Exception, match="division by zero"):
            await migrations.apply(conn, broken)
        exists = await conn.fetchval("SELECT to_regclass('a') IS NOT NULL")
        recorded = await conn.fetchval("SELECT count(*) FROM schema_migrations")
    finally:
        await conn.close()
    assert not exists and recorded == 0


async def test_replicas_starting_together_apply_each_migration_once(fresh_database: str) -> None:
    conns = [await db.connect(fresh_database) for _ in range(4)]
    try:
        results = await asyncio.gather(*(migrations.apply(c, _service()) for c in conns))
        total = await conns[0].fetchval("SELECT count(*) FROM schema_migrations")
    finally:
        for c in conns:
            await c.close()
    assert sum(len(r) for r in results) == len(_service()) == total
