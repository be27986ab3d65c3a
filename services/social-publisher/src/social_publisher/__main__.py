"""`python -m social_publisher serve | worker | migrate`.

`serve` runs everything (HTTP for the providers' webhooks and `/api/v1/channels`, the consumers,
the sender); `worker` the same without HTTP (no webhooks arrive there); `migrate` applies the
migrations and exits. `account-token ACCOUNT_ID [--expires-at ISO]` reads a new access token on
standard input (a Facebook Page's or Instagram account's, made in Meta's tools), seals it into
the account and resumes it if it was stopped.
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import sys
from datetime import datetime

import uvloop
from nazar_platform import db
from nazar_platform.service import migrate, run_worker, serve

from social_publisher.adapters.tokens import TokenCipher
from social_publisher.app import create, parts
from social_publisher.handlers.reconnect import UnknownAccountError, reconnect
from social_publisher.settings import PublisherSettings


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="social_publisher")
    parser.add_argument("command", choices=["serve", "worker", "migrate", "account-token"])
    parser.add_argument("account_id", nargs="?")
    parser.add_argument("--expires-at", type=datetime.fromisoformat, default=None)
    args = parser.parse_args(argv)
    command = args.command
    settings = PublisherSettings()
    if command == "migrate":
        asyncio.run(migrate(parts(settings)))
        return
    if command == "account-token":
        if not args.account_id:
            parser.error("account-token needs the account id")
        sys.exit(asyncio.run(_account_token(settings, args.account_id, args.expires_at)))
    # uvloop: about a third less CPU per provider call than asyncio's own loop.
    uvloop.install()
    # Fewer, cheaper collections: a full collection over a large heap stalls the event loop, and
    # a stalled pacer widens its window (domain/pacing), costing send rate.
    gc.freeze()
    gc.set_threshold(50_000, 50, 100)
    if command == "worker":
        sys.exit(asyncio.run(run_worker(parts(settings))))
    serve(lambda: create(settings), settings)


async def _account_token(
    settings: PublisherSettings, account_id: str, expires_at: datetime | None
) -> int:
    token = sys.stdin.readline().strip()
    key = settings.social_token_key.get_secret_value()
    if not token or not key:
        print("a token on standard input and NAZAR_SOCIAL_TOKEN_KEY are needed", file=sys.stderr)
        return 2
    pool = await db.create_pool(settings.database_url.get_secret_value(), min_size=1, max_size=2)
    try:
        resumed = await reconnect(
            pool,
            TokenCipher(key),
            account_id,
            token,
            expires_at=expires_at,
            topic=settings.topic_publish_results,
        )
    except UnknownAccountError:
        print(f"no account {account_id}", file=sys.stderr)
        return 1
    finally:
        await pool.close()
    print(f"{account_id}: token stored" + ("; the account resumes" if resumed else ""))
    return 0


if __name__ == "__main__":
    main()
