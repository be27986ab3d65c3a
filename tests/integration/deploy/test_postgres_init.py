"""deploy/postgres/initdb against a real PostgreSQL server, as the postgres image would run it.

The image runs the script with POSTGRES_USER and POSTGRES_DB set and the secrets under
/run/secrets; here the same script gets the test server's superuser through libpq's variables and
the secrets from a temporary folder. Database names are unique per test, since the test server
already has the real service databases.
"""

from __future__ import annotations

import os
import subprocess
import uuid
from collections.abc import AsyncIterator
from pathlib import Path
from urllib.parse import urlsplit

import asyncpg
import pytest

from tests.deployfiles import ROOT

SCRIPT = ROOT / "deploy" / "postgres" / "initdb" / "10-nazar-databases.sh"
# Quotes, a backslash, a dollar and a backtick must reach PostgreSQL untouched; so must Hindi.
AWKWARD_PASSWORD = 'it\'s a "test" \\ $HOME `id` ; DROP ROLE x; --'
HINDI_PASSWORD = "गुप्त संकेत ४२"


class InitDb:
    def __init__(self, admin_dsn: str, secrets: Path) -> None:
        self.admin_dsn = admin_dsn
        self.secrets = secrets
        parts = urlsplit(admin_dsn)
        self.host = parts.hostname or "127.0.0.1"
        self.port = parts.port or 5432
        self.env = {
            **os.environ,
            "PGHOST": self.host,
            "PGPORT": str(self.port),
            "PGPASSWORD": parts.password or "",
            "POSTGRES_USER": parts.username or "postgres",
            "POSTGRES_DB": parts.path.lstrip("/") or "postgres",
            "NAZAR_SECRETS_DIR": str(secrets),
        }

    def secret(self, database: str, password: str) -> None:
        (self.secrets / f"{database}_password").write_text(password, encoding="utf-8")

    def run(self, *databases: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [str(SCRIPT)],
            env={**self.env, "NAZAR_SERVICE_DATABASES": " ".join(databases)},
            capture_output=True,
            text=True,
            timeout=60,
            check=False,
        )

    async def connect(self, role: str, password: str, database: str) -> asyncpg.Connection:
        return await asyncpg.connect(
            host=self.host, port=self.port, user=role, password=password, database=database
        )


@pytest.fixture
async def initdb(pg_dsn: str, tmp_path: Path) -> AsyncIterator[InitDb]:
    helper = InitDb(pg_dsn, tmp_path)
    yield helper
    admin = await asyncpg.connect(pg_dsn)
    try:
        names = [
            r["datname"]
            for r in await admin.fetch(
                "SELECT datname FROM pg_database WHERE datname LIKE 'initdb_%'"
            )
        ]
        for name in names:
            await admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        for record in await admin.fetch(
            "SELECT rolname FROM pg_roles WHERE rolname LIKE 'initdb_%'"
        ):
            await admin.execute(f'DROP ROLE IF EXISTS "{record["rolname"]}"')
    finally:
        await admin.close()


def unique(label: str) -> str:
    return f"initdb_{label}_{uuid.uuid4().hex[:8]}"


async def test_each_service_gets_its_own_database_that_only_it_can_open(initdb: InitDb) -> None:
    first, second = unique("roster"), unique("story")
    initdb.secret(first, AWKWARD_PASSWORD + "\n")  # as `echo ... > file` would write it
    initdb.secret(second, HINDI_PASSWORD)

    result = initdb.run(first, second)
    assert result.returncode == 0, result.stderr
    assert f"{first} ready" in result.stdout and f"{second} ready" in result.stdout

    conn = await initdb.connect(first, AWKWARD_PASSWORD, first)
    try:
        row = await conn.fetchrow(
            "SELECT current_user AS who, r.rolsuper, r.rolcreatedb, r.rolcreaterole, "
            "pg_get_userbyid(d.datdba) AS owner, pg_encoding_to_char(d.encoding) AS encoding "
            "FROM pg_roles r, pg_database d "
            "WHERE r.rolname = current_user AND d.datname = current_database()"
        )
        assert row is not None
        assert dict(row) == {
            "who": first,
            "rolsuper": False,
            "rolcreatedb": False,
            "rolcreaterole": False,
            "owner": first,
            "encoding": "UTF8",
        }
        # The owner runs its own migrations in the public schema.
        await conn.execute("CREATE TABLE directives (id bigint PRIMARY KEY, body text)")
        await conn.execute("INSERT INTO directives VALUES (1, 'थाने में तुरंत सूचना दें')")
        assert await conn.fetchval("SELECT body FROM directives") == "थाने में तुरंत सूचना दें"
    finally:
        await conn.close()

    (await initdb.connect(second, HINDI_PASSWORD, second)).terminate()
    with pytest.raises(asyncpg.InsufficientPrivilegeError, match="permission denied"):
        await initdb.connect(first, AWKWARD_PASSWORD, second)
    with pytest.raises(asyncpg.InvalidPasswordError):
        await initdb.connect(second, AWKWARD_PASSWORD, second)


async def test_running_it_again_keeps_the_data_and_sets_a_changed_password(
    initdb: InitDb,
) -> None:
    name = unique("directive")
    initdb.secret(name, "first-password")
    assert initdb.run(name).returncode == 0
    conn = await initdb.connect(name, "first-password", name)
    try:
        await conn.execute("CREATE TABLE kept (id int)")
        await conn.execute("INSERT INTO kept VALUES (7)")
    finally:
        await conn.close()

    initdb.secret(name, "rotated-password")
    result = initdb.run(name)
    assert result.returncode == 0, result.stderr

    with pytest.raises(asyncpg.InvalidPasswordError):
        await initdb.connect(name, "first-password", name)
    conn = await initdb.connect(name, "rotated-password", name)
    try:
        assert await conn.fetchval("SELECT id FROM kept") == 7
    finally:
        await conn.close()


async def test_a_missing_password_stops_it_before_anything_is_created(initdb: InitDb) -> None:
    with_secret, without = unique("publisher"), unique("roster")
    initdb.secret(with_secret, "present")
    result = initdb.run(without, with_secret)
    assert result.returncode != 0
    assert f"the password of {without} is missing or empty" in result.stderr
    admin = await asyncpg.connect(initdb.admin_dsn)
    try:
        created = await admin.fetchval(
            "SELECT count(*) FROM pg_database WHERE datname = ANY($1::text[])",
            [with_secret, without],
        )
    finally:
        await admin.close()
    assert created == 0


def test_names_that_are_not_plain_identifiers_are_refused(initdb: InitDb) -> None:
    result = initdb.run('initdb_x"; DROP DATABASE postgres; --')
    assert result.returncode != 0
    assert "is not a plain lower-case identifier" in result.stderr
