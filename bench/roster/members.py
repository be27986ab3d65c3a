"""bench/roster/members: the office's member list for a district of about 6,000 members, with the
state-scale roster loaded (issue 20, item 3; target: p99 ≤ 100 ms per page on the 2-core machine).

    uv run python -m bench.roster.members [--scale state|demo] [--explain]

Generates and imports the state roster as `bench.roster` does (units, HR export, volunteer lists
through the API, on its own database and topics), waits until every event is on Kafka, picks the
district whose member count is nearest 6,000 and, signed in as its SP (the office's scope), walks
`GET /api/v1/members` page by page (50 a page, keyset cursors) under each filter of the list page.
Reports p50 / p99 milliseconds per page. Same-run baselines, on the same pages: the store's query
alone (`roster.store.members.search` on one asyncpg connection: the SQL without HTTP, auth and
JSON), and a plain SELECT of the page's members by primary key (the floor). `--explain` prints
EXPLAIN (ANALYZE, BUFFERS) of each filter's first page.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import statistics
import tempfile
import time
import uuid
from datetime import timedelta
from pathlib import Path
from typing import Any

import asyncpg
import httpx
from nazar_platform.auth.keys import ensure_dev_keypair
from nazar_platform.auth.tokens import AuthSettings, Grant, mint
from nazar_platform.http.pagination import decode_cursor
from nazar_rostergen.build import Scale
from nazar_rostergen.files import write

from bench.common import create_database, delete_topics, drop_database, infra, report
from bench.roster.__main__ import _create_topics, _relayed, _upload, start_service

TARGET_MS = 100
PAGE = 50
ROUNDS = 2  # each filter's pages are walked this many times
MAX_PAGES = 40  # per walk


def filters(district: str) -> dict[str, dict[str, str]]:
    return {
        "all": {"unit": district},
        "role constable": {"unit": district, "role": "constable"},
        "active": {"unit": district, "active": "true"},
        "inactive": {"unit": district, "active": "false"},
        "consent granted": {"unit": district, "consent": "granted"},
        "channel none": {"unit": district, "channel": "none"},
        "channel whatsapp": {"unit": district, "channel": "whatsapp"},
        "name Hindi 'शर्मा'": {"unit": district, "q": "शर्मा"},
        "name Latin 'kumar'": {"unit": district, "q": "kumar"},
    }


def _token(member_id: str, grant: str, key_path: Path) -> str:
    settings = AuthSettings(dev_private_key_path=key_path)
    return mint(
        member_id, [Grant.parse(grant)], private_key=ensure_dev_keypair(key_path),
        issuer=settings.issuer, audience=settings.audience, ttl=timedelta(hours=2),
        kid=settings.dev_kid,
    )  # fmt: skip


def _pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


async def _district(conn: asyncpg.Connection) -> tuple[str, int, str]:
    row = await conn.fetchrow(
        """SELECT d.unit_id, count(DISTINCT p.member_id) AS n
           FROM units d JOIN units u ON u.path @> ARRAY[d.unit_id]
           JOIN postings p ON p.unit_id = u.unit_id
           WHERE d.kind = 'district' GROUP BY d.unit_id ORDER BY abs(count(DISTINCT p.member_id)
           - 6000) LIMIT 1"""
    )
    assert row is not None
    sp = await conn.fetchval(
        "SELECT member_id FROM postings WHERE role = 'sp' AND unit_id = $1", row["unit_id"]
    )
    return row["unit_id"], row["n"], sp


async def _walk(
    client: httpx.AsyncClient, params: dict[str, str]
) -> tuple[list[float], list[tuple[str | None, list[str]]]]:
    """Milliseconds per page, and each page's cursor and member ids (for the baselines)."""
    times: list[float] = []
    pages: list[tuple[str | None, list[str]]] = []
    cursor: str | None = None
    for _ in range(MAX_PAGES):
        query = {**params, "limit": str(PAGE), **({"cursor": cursor} if cursor else {})}
        started = time.perf_counter()
        r = await client.get("/api/v1/members", params=query)
        times.append((time.perf_counter() - started) * 1000)
        r.raise_for_status()
        body = r.json()
        pages.append((cursor, [m["member_id"] for m in body["items"]]))
        cursor = body["next_cursor"]
        if not cursor:
            break
    return times, pages


async def _store_query(
    conn: asyncpg.Connection, district: str, sp: str, params: dict[str, str],
    pages: list[tuple[str | None, list[str]]],
) -> list[float]:  # fmt: skip
    """The service's own SQL for the same pages, without HTTP (the district lies inside the SP's
    area, so the API, too, asks for the unit's subtree without the area's check)."""
    from roster.store import members as member_store

    extra = [sp, *await member_store.officers_of_groups_of(conn, sp)]
    times = []
    for cursor, _ in pages:
        after = None if cursor is None else str(decode_cursor(cursor, (str,))[0])
        started = time.perf_counter()
        rows = await member_store.search(
            conn, name=params.get("q"), unit_id=params.get("unit"), role=params.get("role"),
            scope=None, extra_ids=extra, after=after, limit=PAGE + 1,
            active=None if "active" not in params else params["active"] == "true",
            consent=params.get("consent"), channel=params.get("channel"),
        )  # fmt: skip
        await member_store.postings(conn, [r["member_id"] for r in rows])
        times.append((time.perf_counter() - started) * 1000)
    return times


async def _plain(
    conn: asyncpg.Connection, pages: list[tuple[str | None, list[str]]]
) -> list[float]:
    """The floor: the page's members by primary key, one plain SELECT."""
    times = []
    for _, ids in pages:
        started = time.perf_counter()
        await conn.fetch(
            "SELECT member_id, name_hi, name_latin, active FROM members"
            " WHERE member_id = ANY($1::text[]) ORDER BY member_id",
            ids,
        )
        times.append((time.perf_counter() - started) * 1000)
    return times


async def _explain(conn: asyncpg.Connection, district: str, sp: str, params: dict[str, str]) -> str:
    """EXPLAIN (ANALYZE, BUFFERS) of the first page's query, as the store builds it."""
    from roster.store import members as member_store

    captured: list[tuple[str, tuple[Any, ...]]] = []

    class Capture:
        async def fetch(self, query: str, *args: Any) -> list[Any]:
            captured.append((query, args))
            return []

    await member_store.search(
        Capture(),  # type: ignore[arg-type]
        name=params.get("q"), unit_id=params.get("unit"), role=params.get("role"),
        scope=None, extra_ids=[sp], after=None, limit=PAGE + 1,
        active=None if "active" not in params else params["active"] == "true",
        consent=params.get("consent"), channel=params.get("channel"),
    )  # fmt: skip
    query, args = captured[0]
    rows = await conn.fetch(f"EXPLAIN (ANALYZE, BUFFERS) {query}", *args)
    return "\n".join(r[0] for r in rows)


async def _measure(dsn: str, port: int, key_path: Path, pid: int, files: Any, explain: bool
                   ) -> dict[str, Any]:  # fmt: skip
    hq = _token("m-bench-hq", "adg:PHQ", key_path)
    async with httpx.AsyncClient(
        base_url=f"http://127.0.0.1:{port}", timeout=600, headers={"Authorization": f"Bearer {hq}"}
    ) as client:
        for _ in range(300):
            assert Path(f"/proc/{pid}").exists(), "the roster service died; see roster.log"
            try:
                if (await client.get("/readyz")).status_code == 200:
                    break
            except httpx.TransportError:
                pass
            await asyncio.sleep(0.2)
        started_wall, started = time.time(), time.perf_counter()
        await _upload(client, files.units, {"units": "true"})
        await _upload(client, files.police, {"kind": "police"})
        await _upload(client, files.volunteers, {"kind": "volunteers"})
        imported = time.perf_counter() - started
        await _relayed(dsn, started_wall)
    conn = await asyncpg.connect(dsn)
    try:
        # What autovacuum does after an import this size (PostgreSQL ≥ 13 vacuums after inserts):
        # statistics, and the visibility map index-only scans need.
        await conn.execute("VACUUM ANALYZE")
        members_total = await conn.fetchval("SELECT count(*) FROM members")
        district, size, sp = await _district(conn)
        figures: dict[str, Any] = {
            "members in the roster": members_total,
            "import seconds": imported,
            "district": district,
            "members in the district": size,
        }
        token = _token(sp, f"sp:{district}", key_path)
        async with httpx.AsyncClient(
            base_url=f"http://127.0.0.1:{port}", timeout=60,
            headers={"Authorization": f"Bearer {token}"},
        ) as client:  # fmt: skip
            await _walk(client, {"unit": district})  # warm up
            worst = 0.0
            for label, params in filters(district).items():
                api_ms: list[float] = []
                store_ms: list[float] = []
                plain_ms: list[float] = []
                pages = 0
                for _ in range(ROUNDS):
                    times, walked = await _walk(client, params)
                    api_ms += times
                    store_ms += await _store_query(conn, district, sp, params, walked)
                    plain_ms += await _plain(conn, walked)
                    pages = len(walked)
                p99 = _pct(api_ms, 0.99)
                worst = max(worst, p99)
                figures |= {
                    f"{label}: pages walked ({ROUNDS} rounds)": pages,
                    f"{label}: API ms per page p50": statistics.median(api_ms),
                    f"{label}: API ms per page p99": p99,
                    f"{label}: baseline, store SQL alone, ms p50": statistics.median(store_ms),
                    f"{label}: baseline, store SQL alone, ms p99": _pct(store_ms, 0.99),
                    f"{label}: baseline, plain SELECT of the page by key, ms p50":
                        statistics.median(plain_ms),
                    f"{label}: baseline, plain SELECT of the page by key, ms p99":
                        _pct(plain_ms, 0.99),
                }  # fmt: skip
                if explain:
                    print(f"\n-- EXPLAIN {label}\n{await _explain(conn, district, sp, params)}")
        figures |= {
            "worst p99 ms per page (API)": worst,
            "target p99 ms": TARGET_MS,
            "meets target": worst <= TARGET_MS,
            "load average at the end (1 min)": os.getloadavg()[0],
        }
        return figures
    finally:
        await conn.close()


async def main(scale: Scale, explain: bool) -> None:
    workdir = Path(tempfile.mkdtemp(prefix="bench-roster-members-"))
    files = write(workdir, scale)
    key_path = workdir / "dev-key.pem"
    with infra(name="bench-roster-members",
               port_base=os.environ.get("NAZAR_PORT_BASE", "37400")) as srv:  # fmt: skip
        run = uuid.uuid4().hex[:8]
        topics = await _create_topics(srv.kafka_bootstrap, run)
        dsn = await create_database(srv.pg_dsn, "bench_roster_members")
        port, service = start_service(dsn, srv.kafka_bootstrap, topics, key_path, workdir)
        try:
            figures = await _measure(dsn, port, key_path, service.pid, files, explain)
        finally:
            service.terminate()
            service.wait(30)
            if not os.environ.get("NAZAR_BENCH_KEEP"):
                await drop_database(srv.pg_dsn, dsn)
            await delete_topics(srv.kafka_bootstrap, *topics.values())
    report(f"roster-members-{scale.value}", figures)


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--scale", choices=[s.value for s in Scale], default="state")
    parser.add_argument("--explain", action="store_true", help="EXPLAIN each filter's first page")
    args = parser.parse_args()
    asyncio.run(main(Scale(args.scale), args.explain))
