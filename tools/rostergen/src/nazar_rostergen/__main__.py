"""`python -m nazar_rostergen generate | seed`: the synthetic roster, as files or into a roster."""

from __future__ import annotations

import argparse
import asyncio
import sys
import tempfile
from collections.abc import Sequence
from pathlib import Path

from nazar_platform.observability import logging as nazar_logging
from roster.app import import_files
from roster.settings import RosterSettings

from nazar_rostergen.build import Scale
from nazar_rostergen.files import write


async def seed(settings: RosterSettings, scale: Scale) -> int:
    """The synthetic roster, into an empty roster only: each file kind the roster holds already
    is skipped, so running `deploy/stack up` again leaves what was changed since as it is."""
    with tempfile.TemporaryDirectory() as tmp:
        files = write(Path(tmp), scale)
        todo = [("units", files.units), ("police", files.police), ("volunteers", files.volunteers)]
        return await import_files(settings, todo, only_into_empty=True)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m nazar_rostergen", description=__doc__)
    sub = parser.add_subparsers(dest="command", required=True)
    gen = sub.add_parser("generate", help="write the synthetic roster as three CSV files")
    gen.add_argument("--scale", choices=[s.value for s in Scale], default="demo")
    gen.add_argument("--out", type=Path, default=None)
    gen.add_argument("--seed", type=int, default=2025)
    seeding = sub.add_parser(
        "seed", help="generate and import a synthetic roster into an empty roster (else nothing)"
    )
    seeding.add_argument("--scale", choices=[s.value for s in Scale], default="demo")
    args = parser.parse_args(argv)
    if args.command == "generate":
        out = args.out or Path(f".state/roster-{args.scale}")
        files = write(out, Scale(args.scale), args.seed)
        print(f"wrote {files.units}, {files.police}, {files.volunteers}: {files.counts}")
        return 0
    settings = RosterSettings()
    nazar_logging.configure("rostergen", settings.log_level, json_output=False)
    return asyncio.run(seed(settings, Scale(args.scale)))


if __name__ == "__main__":
    sys.exit(main())
