"""An account's access from its sealed token (Facebook Pages and Instagram: long-lived tokens
that need no refresh; X's short-lived tokens go through X's own refreshing handler). The token is
decrypted for the call only and never logged."""

from __future__ import annotations

import asyncpg

from social_publisher.adapters.social import SocialCallError
from social_publisher.adapters.tokens import TokenCipher, TokenKeyError
from social_publisher.domain.accounts import Account
from social_publisher.domain.social import AccountAccess, ErrorKind, SocialError
from social_publisher.store import accounts as account_store


def _no_access(account: Account, code: str, reason: str) -> SocialCallError:
    return SocialCallError(SocialError(ErrorKind.ACCOUNT, account.network, code, reason))


async def sealed_access(pool: asyncpg.Pool, cipher: TokenCipher, account: Account) -> AccountAccess:
    async with pool.acquire() as conn:
        sealed, _refresh = await account_store.sealed_tokens(conn, account.account_id)
    if sealed is None:
        raise _no_access(
            account, "no_token", f"{account.name} has no access token: connect the account again."
        )
    try:
        token = cipher.open(sealed)
    except TokenKeyError:
        raise _no_access(
            account,
            "token_key",
            f"{account.name}'s stored token cannot be read with the current key: connect the"
            " account again.",
        ) from None
    return AccountAccess(
        account_id=account.account_id,
        network=account.network,
        provider_account_id=account.provider_account_id,
        handle=account.handle,
        access_token=token,
    )
