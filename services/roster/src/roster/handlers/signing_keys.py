"""Signing keys (issue 16, item 2): rotation on schedule or by hand, the JWKS, the key that signs.

Private keys are opened (unsealed) once per process and kept in memory by kid; the database only
ever holds them sealed under the KEK setting.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

import asyncpg
from cryptography.hazmat.primitives.asymmetric import ec
from nazar_platform.auth.sealed import Sealed, Sealer

from roster import metrics
from roster.domain import signing
from roster.store import tokens as store


@dataclass(frozen=True, slots=True)
class KeyPolicy:
    every: timedelta = timedelta(days=30)
    publish_lead: timedelta = timedelta(minutes=10)
    token_life: timedelta = timedelta(minutes=15)


@dataclass
class SigningKeys:
    pool: asyncpg.Pool
    sealer: Sealer
    policy: KeyPolicy = field(default_factory=KeyPolicy)
    _opened: dict[str, ec.EllipticCurvePrivateKey] = field(default_factory=dict)

    async def rotate(self, *, force: bool = False, now: datetime | None = None) -> str | None:
        """Adds a key when one is due (or `force`); returns its kid, or None if none was due."""
        now = now or datetime.now(UTC)
        async with self.pool.acquire() as conn, conn.transaction():
            await store.lock_keys(conn)
            plan = signing.rotation(
                await store.key_times(conn),
                now,
                every=self.policy.every,
                publish_lead=self.policy.publish_lead,
                # A token signed at the last moment lives its whole life after the switch.
                token_life=self.policy.token_life + timedelta(minutes=1),
                force=force,
            )
            if plan is None:
                return None
            await store.add_key(conn, plan.new, signing.generate(plan.new.kid, self.sealer), now)
            if plan.retire is not None:
                await store.retire_key(conn, *plan.retire)
        metrics.SIGNING_KEY_ROTATIONS.inc()
        return plan.new.kid

    async def listing(self, now: datetime | None = None) -> list[tuple[signing.KeyTimes, str]]:
        now = now or datetime.now(UTC)
        keys = await store.key_times(self.pool)
        ordered = sorted(keys, key=lambda k: k.sign_from)
        return [(k, signing.state(k, keys, now)) for k in ordered]

    async def jwks(self, now: datetime | None = None) -> dict[str, Any]:
        now = now or datetime.now(UTC)
        kids = [k.kid for k in signing.published(await store.key_times(self.pool), now)]
        return {"keys": await store.public_jwks(self.pool, kids)}

    async def signer(self, now: datetime) -> tuple[str, ec.EllipticCurvePrivateKey]:
        """The kid and private key that sign at `now`; the first key is made when none exists."""
        current = signing.current(await store.key_times(self.pool), now)
        if current is None:
            await self.rotate(now=now)
            current = signing.current(await store.key_times(self.pool), now)
            if current is None:  # pragma: no cover - rotate() always leaves one signing
                raise RuntimeError("no signing key")
        key = self._opened.get(current.kid)
        if key is None:
            sealed = await store.private_key(self.pool, current.kid)
            if sealed is None:  # pragma: no cover - the kid came from the same table
                raise RuntimeError(f"signing key {current.kid} vanished")
            kek_id, text = sealed
            key = signing.open_private(current.kid, Sealed(kek_id, text), self.sealer)
            self._opened[current.kid] = key
        return current.kid, key
