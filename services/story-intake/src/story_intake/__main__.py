"""`python -m story_intake serve | migrate | gate --jsonl FILE|-`."""

from __future__ import annotations

import argparse
import asyncio
import sys
from collections.abc import Sequence
from pathlib import Path

from nazar_platform.service import migrate, serve

from story_intake.app import create, parts
from story_intake.handlers.gate import BadLine, check_jsonl
from story_intake.settings import StoryIntakeSettings


def _gate(source: str) -> int:
    """Exit 0 whatever the verdicts; 1 if a line was not an object with `id` and `text` (each
    named on stderr, the others still checked)."""
    bad = 0
    stream = sys.stdin if source == "-" else Path(source).open(encoding="utf-8")  # noqa: SIM115
    try:
        for out in check_jsonl(stream):
            if isinstance(out, BadLine):
                bad += 1
                print(f"line {out.line}: {out.reason}", file=sys.stderr)
            else:
                sys.stdout.write(out + "\n")
    finally:
        if stream is not sys.stdin:
            stream.close()
    sys.stdout.flush()
    return 1 if bad else 0


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m story_intake", description=__doc__)
    sub = parser.add_subparsers(dest="command", required=True)
    sub.add_parser("serve", help="run the HTTP service")
    sub.add_parser("migrate", help="apply the platform's and the service's migrations")
    gate = sub.add_parser(
        "gate",
        help="gate texts in bulk: one JSON object with id and text per line in, one verdict "
        "with its findings per line out",
    )
    gate.add_argument("--jsonl", required=True, metavar="FILE", help="a JSON Lines file, or -")
    args = parser.parse_args(argv)
    if args.command == "gate":
        return _gate(args.jsonl)
    settings = StoryIntakeSettings()
    if args.command == "serve":
        serve(lambda: create(settings), settings)
    elif args.command == "migrate":
        asyncio.run(migrate(parts(settings)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
