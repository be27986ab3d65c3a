"""`python -m roster serve | generate | import | seed`."""

from __future__ import annotations

import argparse
import asyncio
import sys
import tempfile
from collections.abc import Sequence
from pathlib import Path

from nazar_platform import db
from nazar_platform.db import migrations
from nazar_platform.http.csv_files import CsvReadError, read_checked
from nazar_platform.observability import logging as nazar_logging
from nazar_platform.service import serve

from roster.app import create, roster_migrations
from roster.bulk import ImportResult
from roster.domain.rows import ImportKind
from roster.generator.build import Scale
from roster.generator.files import write
from roster.handlers import Roster
from roster.settings import RosterSettings
from roster.store.publish import Topics


def _roster(settings: RosterSettings, pool: object) -> Roster:
    return Roster(
        pool,  # type: ignore[arg-type]
        Topics(
            settings.topic_units,
            settings.topic_members,
            settings.topic_contacts,
            settings.topic_groups,
        ),
        settings.member_id_secret.get_secret_value().encode(),
    )


# What the roster holds of each file kind already: `seed` loads only into an empty roster.
_HOLDS = {
    "units": "SELECT EXISTS (SELECT 1 FROM units)",
    "police": "SELECT EXISTS (SELECT 1 FROM members WHERE key_kind = 'pno')",
    "volunteers": "SELECT EXISTS (SELECT 1 FROM members WHERE key_kind IN ('vol', 'tel'))",
}


async def _import(
    settings: RosterSettings, files: Sequence[tuple[str, Path]], *, seeding: bool = False
) -> int:
    """Apply files straight to the database (the running service's relay publishes them).

    Seeding skips each kind the roster holds already, so that running `deploy/stack up` again
    leaves what was changed since (through the API or an import) as it is."""
    dsn = settings.database_url.get_secret_value()
    conn = await db.connect(dsn)
    try:
        await migrations.apply(conn, migrations.platform_migrations() + roster_migrations())
    finally:
        await conn.close()
    pool = await db.create_pool(dsn, min_size=1, max_size=2)
    try:
        roster = _roster(settings, pool)
        for kind, path in files:
            if seeding and await pool.fetchval(_HOLDS[kind]):
                print(f"{path.name}: skipped, the roster holds {kind} already")
                continue
            try:
                source = read_checked(path.open("rb"))
            except CsvReadError as exc:
                what = "UTF-8 text" if exc.reason == "encoding" else "CSV"
                print(
                    f"{path.name}: line {exc.line} is not {what}; nothing imported", file=sys.stderr
                )
                return 1
            with source:
                result: ImportResult
                if kind == "units":
                    result = await roster.import_units(source, "cli", path.name)
                else:
                    result = await roster.import_members(
                        ImportKind(kind), source, by="cli", scope=None, filename=path.name
                    )
            print(f"{path.name}: {result.total} rows, {result.counts}")
    finally:
        await pool.close()
    return 0


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m roster", description=__doc__)
    sub = parser.add_subparsers(dest="command", required=True)
    sub.add_parser("serve", help="run the HTTP service, the relay and the opt-out consumer")
    gen = sub.add_parser("generate", help="write the synthetic roster as three CSV files")
    gen.add_argument("--scale", choices=[s.value for s in Scale], default="demo")
    gen.add_argument("--out", type=Path, default=None)
    gen.add_argument("--seed", type=int, default=2025)
    imp = sub.add_parser(
        "import",
        help="import a CSV file straight into the database (a full sync, which officers review "
        "and confirm, goes through the API)",
    )
    imp.add_argument("--kind", choices=["units", "police", "volunteers"], required=True)
    imp.add_argument("file", type=Path)
    seeding = sub.add_parser(
        "seed", help="generate and import a synthetic roster into an empty roster (else nothing)"
    )
    seeding.add_argument("--scale", choices=[s.value for s in Scale], default="demo")
    args = parser.parse_args(argv)
    settings = RosterSettings()
    if args.command == "serve":
        serve(lambda: create(settings), settings)
        return 0
    nazar_logging.configure("roster-cli", settings.log_level, json_output=False)
    if args.command == "generate":
        out = args.out or Path(f".state/roster-{args.scale}")
        files = write(out, Scale(args.scale), args.seed)
        print(f"wrote {files.units}, {files.police}, {files.volunteers}: {files.counts}")
    elif args.command == "import":
        return asyncio.run(_import(settings, [(args.kind, args.file)]))
    elif args.command == "seed":
        return asyncio.run(seed(settings, Scale(args.scale)))
    return 0


async def seed(settings: RosterSettings, scale: Scale) -> int:
    """The synthetic roster, into an empty roster only (see `_import`)."""
    with tempfile.TemporaryDirectory() as tmp:
        files = write(Path(tmp), scale)
        todo = [("units", files.units), ("police", files.police), ("volunteers", files.volunteers)]
        return await _import(settings, todo, seeding=True)


if __name__ == "__main__":
    sys.exit(main())
