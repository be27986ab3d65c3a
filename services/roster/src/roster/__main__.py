"""`python -m roster serve | import | keys` (the synthetic roster: `python -m nazar_rostergen`)."""

from __future__ import annotations

import argparse
import asyncio
import sys
from collections.abc import Sequence
from pathlib import Path

from nazar_platform.observability import logging as nazar_logging
from nazar_platform.service import serve

from roster.app import create, import_files, manage_keys
from roster.settings import RosterSettings


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m roster", description=__doc__)
    sub = parser.add_subparsers(dest="command", required=True)
    sub.add_parser("serve", help="run the HTTP service, outbox publisher and opt-out consumer")
    imp = sub.add_parser(
        "import",
        help="import a CSV file straight into the database (a full sync, which officers review "
        "and confirm, goes through the API)",
    )
    imp.add_argument("--kind", choices=["units", "police", "volunteers"], required=True)
    imp.add_argument("file", type=Path)
    keys = sub.add_parser("keys", help="list the token-signing keys (the service makes them)")
    keys.add_argument(
        "--rotate", action="store_true", help="publish a next key now; it signs after the lead"
    )
    args = parser.parse_args(argv)
    settings = RosterSettings()
    if args.command == "serve":
        serve(lambda: create(settings), settings)
        return 0
    nazar_logging.configure("roster-cli", settings.log_level, json_output=False)
    if args.command == "keys":
        return asyncio.run(manage_keys(settings, rotate=args.rotate))
    return asyncio.run(import_files(settings, [(args.kind, args.file)]))


if __name__ == "__main__":
    sys.exit(main())
