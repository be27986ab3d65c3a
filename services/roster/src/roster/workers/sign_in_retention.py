"""Sign-in rows (keyed hashes of numbers and addresses) are deleted once the rate limits and the
audit window no longer need them, expired refresh tokens with the families they leave empty,
passkey challenges never answered and single sign-on requests nobody came back from: one replica
per database (the platform's leader loop), hourly. The sign-in audit (`auth_events`) is kept.
The same sweep clears the cells of imports' rejected rows once `import_rejected_rows_kept` has
passed (they can hold phone numbers; the rows' reasons stay)."""

from __future__ import annotations

import asyncio

import asyncpg
import structlog
from fastapi import FastAPI
from nazar_platform.runtime.leader import lead
from nazar_platform.runtime.retry import TRANSIENT, sleep_or_stop

from roster.handlers import oidc_sign_in, passkeys
from roster.handlers.imports import forget_rejected_rows
from roster.handlers.sessions import Sessions
from roster.handlers.sign_in_codes import SignInCodes, forget_old
from roster.settings import RosterSettings

log = structlog.get_logger(__name__)
LOCK_KEY = 0x524F5347494E  # "ROSGIN": one sign-in retention sweep per database
INTERVAL_SECONDS = 3600.0


async def sign_in_retention(app: FastAPI, settings: RosterSettings, stop: asyncio.Event) -> None:
    async def work(_lock: asyncpg.Connection, stopping: asyncio.Event) -> None:
        codes: SignInCodes = app.state.sign_in_codes
        sessions: Sessions = app.state.sessions
        while not stopping.is_set():
            try:
                deleted = await forget_old(codes, settings.sign_in_retention)
                expired = await sessions.forget_expired()
                await passkeys.forget_expired(app.state.passkeys)
                await oidc_sign_in.forget_expired(codes.pool)
                rows = await forget_rejected_rows(
                    app.state.roster, settings.import_rejected_rows_kept
                )
                if rows:
                    log.info("rejected import rows forgotten", rows=rows)
                if deleted or expired:
                    log.info("sign-in retention sweep", rows=deleted, refresh_tokens=expired)
            except TRANSIENT as exc:
                log.warning("sign-in retention sweep failed; next time", error=type(exc).__name__)
            if await sleep_or_stop(stopping, INTERVAL_SECONDS):
                return

    await lead(
        settings.database_url.get_secret_value(), LOCK_KEY, work, stop, name="sign-in-retention"
    )
