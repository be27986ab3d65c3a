"""`python -m nazar_platform.cli.topics`: create and reconcile the catalogue's topics; wait for
Kafka.

    python -m nazar_platform.cli.topics bootstrap --catalogue deploy/topics.yaml \\
        --bootstrap-servers 127.0.0.1:19092 [--replication-factor 3] [--json]
    python -m nazar_platform.cli.topics wait --bootstrap-servers 127.0.0.1:19092 [--timeout 60]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
from collections.abc import Sequence
from dataclasses import asdict

from nazar_platform.kafka.catalogue import load_catalogue
from nazar_platform.kafka.topics import bootstrap, wait_for_kafka


def build_parser() -> argparse.ArgumentParser:
    """The command line; public so that deployment files can be checked against it."""
    parser = argparse.ArgumentParser(prog="python -m nazar_platform.cli.topics")
    sub = parser.add_subparsers(dest="command", required=True)
    boot = sub.add_parser("bootstrap", help="create and reconcile the catalogue's topics")
    boot.add_argument("--catalogue", required=True)
    boot.add_argument("--bootstrap-servers", required=True)
    boot.add_argument("--replication-factor", type=int)
    boot.add_argument("--environment", default="local")
    boot.add_argument("--timeout", type=float, default=60)
    boot.add_argument("--json", action="store_true", help="print the report as JSON")
    boot.add_argument("--quiet", action="store_true", help="print only changes and warnings")
    wait = sub.add_parser("wait", help="wait until the cluster answers a metadata request")
    wait.add_argument("--bootstrap-servers", required=True)
    wait.add_argument("--timeout", type=float, default=60)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)

    if args.command == "wait":
        try:
            asyncio.run(wait_for_kafka(args.bootstrap_servers, args.timeout))
        except TimeoutError as error:
            print(error, file=sys.stderr)
            return 1
        return 0

    catalogue = load_catalogue(args.catalogue)
    report = asyncio.run(
        bootstrap(
            catalogue,
            args.bootstrap_servers,
            args.replication_factor,
            environment=args.environment,
            timeout_s=args.timeout,
        )
    )
    if args.json:
        print(json.dumps(asdict(report), indent=2))
    else:
        lines = report.lines()
        if args.quiet:
            # Creations are counted in the summary (the last line); silent when nothing changed.
            lines = [line for line in lines[:-1] if not line.startswith("created ")]
            if report.changed or lines:
                lines.append(report.lines()[-1])
        for line in lines:
            print(f"topics: {line}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
