from __future__ import annotations

import asyncpg

from tests.conftest import DatabaseFactory


async def test_fresh_database_is_empty_and_writable(fresh_database: str) -> None:
    conn = await asyncpg.connect(fresh_database)
    try:
        tables = await conn.fetchval(
            "SELECT count(*) FROM information_schema.tables WHERE table_schema = 'public'"
        )
        assert tables == 0
        await conn.execute("CREATE TABLE t (id int PRIMARY KEY)")
        await conn.execute("INSERT INTO t VALUES (1)")
        assert await conn.fetchval("SELECT count(*) FROM t") == 1
    finally:
        await conn.close()


async def test_databases_are_unique_and_dropped(databases: DatabaseFactory, pg_dsn: str) -> None:
    first, second = await databases.create("same"), await databases.create("same")
    assert first != second
    await databases.drop(first)
    conn = await asyncpg.connect(pg_dsn)
    try:
        names = {r["datname"] for r in await conn.fetch("SELECT datname FROM pg_database")}
    finally:
        await conn.close()
    assert first.rsplit("/", 1)[1] not in names
    assert second.rsplit("/", 1)[1] in names


async def test_service_databases_exist(pg_dsn: str) -> None:
    conn = await asyncpg.connect(pg_dsn)
    try:
        names = {r["datname"] for r in await conn.fetch("SELECT datname FROM pg_database")}
    finally:
        await conn.close()
    assert {"nazar_roster", "nazar_directive", "nazar_publisher", "nazar_story"} <= names
