"""`python -m social_publisher serve | worker | migrate`.

`serve` runs everything (HTTP for the providers' webhooks and `/api/v1/channels`, the consumers,
the sender); `worker` the same without HTTP (no webhooks arrive there); `migrate` applies the
migrations and exits.
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import sys

import uvloop
from nazar_platform.service import migrate, run_worker, serve

from social_publisher.app import create, parts
from social_publisher.settings import PublisherSettings


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="social_publisher")
    parser.add_argument("command", choices=["serve", "worker", "migrate"])
    command = parser.parse_args(argv).command
    settings = PublisherSettings()
    if command == "migrate":
        asyncio.run(migrate(parts(settings)))
        return
    # uvloop: about a third less CPU per provider call than asyncio's own loop.
    uvloop.install()
    # Fewer, cheaper collections: a full collection over a large heap stalls the event loop, and
    # a stalled pacer widens its window (domain/pacing), costing send rate.
    gc.freeze()
    gc.set_threshold(50_000, 50, 100)
    if command == "worker":
        sys.exit(asyncio.run(run_worker(parts(settings))))
    serve(lambda: create(settings), settings)


if __name__ == "__main__":
    main()
