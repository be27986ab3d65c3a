"""Signing keys (issue 16, item 2): rotation on schedule or by hand, the JWKS, the key that signs.

Private keys are opened (unsealed) once per process and kept in memory by kid; the database only
ever holds them sealed under the KEK setting.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

import asyncpg
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec
from jwt.algorithms import ECAlgorithm
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
            made = generate(plan.new.kid, self.sealer)
            sealed = (made.sealed.key_id, made.sealed.text)
            await store.add_key(conn, plan.new, sealed, made.public_jwk, now)
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
            keys = await store.key_times(self.pool)
            # A concurrent first rotation may have made the key a moment after `now`.
            current = signing.current(keys, now) or signing.current(keys, datetime.now(UTC))
            if current is None:  # pragma: no cover - rotate() always leaves one signing
                raise RuntimeError("no signing key")
        key = self._opened.get(current.kid)
        if key is None:
            sealed = await store.private_key(self.pool, current.kid)
            if sealed is None:  # pragma: no cover - the kid came from the same table
                raise RuntimeError(f"signing key {current.kid} vanished")
            kek_id, text = sealed
            key = open_private(current.kid, Sealed(kek_id, text), self.sealer)
            self._opened[current.kid] = key
        return current.kid, key


@dataclass(frozen=True, slots=True)
class NewKey:
    sealed: Sealed
    public_jwk: dict[str, Any]


def generate(kid: str, sealer: Sealer) -> NewKey:
    private = ec.generate_private_key(ec.SECP256R1())
    pem = private.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    ).decode()
    jwk: dict[str, Any] = json.loads(ECAlgorithm.to_jwk(private.public_key()))
    jwk.update({"kid": kid, "alg": signing.ALGORITHM, "use": "sig"})
    return NewKey(sealer.seal(pem, signing.seal_context(kid)), jwk)


def open_private(kid: str, sealed: Sealed, sealer: Sealer) -> ec.EllipticCurvePrivateKey:
    key = serialization.load_pem_private_key(
        sealer.open(sealed, signing.seal_context(kid)).encode(), password=None
    )
    if not isinstance(key, ec.EllipticCurvePrivateKey):
        raise TypeError(f"signing key {kid} is not an EC key")
    return key
