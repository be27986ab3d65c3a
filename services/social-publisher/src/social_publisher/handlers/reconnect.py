"""Reconnecting a Facebook Page or an Instagram account by hand: a person of the cell makes a new
long-lived token in Meta's tools and hands it to `python -m social_publisher account-token ID`
(on standard input, never on the command line). It is sealed and stored, and a stopped account
resumes (one PublishAccountResumed), as X's OAuth callback does for X (handlers.tokens)."""

from __future__ import annotations

from datetime import datetime

import asyncpg

from social_publisher.adapters.tokens import TokenCipher
from social_publisher.domain.accounts import TokenPair
from social_publisher.handlers.tokens import store_new_pair
from social_publisher.store import accounts


class UnknownAccountError(Exception):
    pass


async def reconnect(
    pool: asyncpg.Pool,
    cipher: TokenCipher,
    account_id: str,
    token: str,
    *,
    expires_at: datetime | None,
    topic: str,
) -> bool:
    """Store the account's new token; True when this resumed a stopped account."""
    async with pool.acquire() as conn, conn.transaction():
        account = await accounts.lock(conn, account_id)
        if account is None:
            raise UnknownAccountError(account_id)
        await store_new_pair(conn, account, TokenPair(token, None, expires_at), cipher, topic=topic)
    return account.stopped
