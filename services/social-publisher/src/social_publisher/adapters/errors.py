"""The exception both provider clients raise, carrying the domain's `ProviderError`."""

from __future__ import annotations

import asyncio

import aiohttp

from social_publisher.domain.outcomes import ProviderError


class ProviderCallError(Exception):
    def __init__(self, error: ProviderError) -> None:
        super().__init__(f"{error.code_text}: {error.title}")
        self.error = error


def transport_error(exc: BaseException) -> ProviderCallError:
    """Map a client-side failure to "not sent" or "maybe sent" (the request may have arrived).

    Only a failure to connect proves the provider never saw the request; a timeout or a dropped
    connection after the request was written leaves the outcome unknown, and the one-send rule
    (issue 5, item 6) then waits for a status webhook before sending again.
    """
    connect_failed = isinstance(exc, aiohttp.ClientConnectorError | ConnectionRefusedError)
    return ProviderCallError(
        ProviderError(
            code=None,
            title=type(exc).__name__,
            detail=str(exc)[:300],
            transport=True,
            maybe_sent=not connect_failed,
        )
    )


TIMEOUT_ERRORS: tuple[type[BaseException], ...] = (
    aiohttp.ClientError,
    asyncio.TimeoutError,
    OSError,
)
