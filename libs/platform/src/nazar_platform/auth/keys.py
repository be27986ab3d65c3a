"""Key material for `nazar_platform.auth.tokens`: the dev key pair and where verification keys
come from.

Kept apart from the token rules so that `tokens.py` reads as the policy and this as the plumbing.
"""

from __future__ import annotations

import hashlib
import hmac
import os
import uuid
from collections.abc import Sequence
from pathlib import Path
from typing import Any, Protocol, TypeAlias

import jwt
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from jwt.utils import base64url_decode

PublicKey: TypeAlias = rsa.RSAPublicKey | ec.EllipticCurvePublicKey
PrivateKey: TypeAlias = rsa.RSAPrivateKey | ec.EllipticCurvePrivateKey

HMAC_DIGESTS = {"HS256": hashlib.sha256, "HS384": hashlib.sha384, "HS512": hashlib.sha512}


class KeyLookupError(Exception):
    """No verification key for a token; `failure` is a `TokenFailure` value."""

    def __init__(self, failure: str, message: str) -> None:
        super().__init__(message)
        self.failure = failure
        self.message = message


def ensure_dev_keypair(path: Path) -> rsa.RSAPrivateKey:
    """The development signing key at `path`, generated (mode 0600) the first time.

    Several services start at once in the dev stack; the key is written to a private temporary
    file and hard-linked into place, so exactly one generated key wins and all load the same.
    """
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        pem = key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
        tmp = path.with_name(f".{path.name}.{uuid.uuid4().hex}.tmp")
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        try:
            os.write(fd, pem)
        finally:
            os.close(fd)
        try:
            os.link(tmp, path)
        except FileExistsError:
            pass
        finally:
            tmp.unlink()
    loaded = serialization.load_pem_private_key(path.read_bytes(), password=None)
    if not isinstance(loaded, rsa.RSAPrivateKey):
        raise ValueError(f"{path} does not hold an RSA private key")
    return loaded


def algorithm_for(key: PrivateKey) -> str:
    return "RS256" if isinstance(key, rsa.RSAPrivateKey) else "ES256"


def key_fits(alg: str, key: PublicKey | jwt.PyJWK) -> bool:
    """Whether `key` can verify `alg`; a PyJWK carries its own algorithm, which PyJWT checks."""
    if isinstance(key, jwt.PyJWK):
        return True
    if alg.startswith("RS"):
        return isinstance(key, rsa.RSAPublicKey)
    return alg.startswith("ES") and isinstance(key, ec.EllipticCurvePublicKey)


class KeySource(Protocol):
    def key_for(self, header: dict[str, Any]) -> PublicKey | jwt.PyJWK: ...

    def hmac_secrets(self) -> Sequence[bytes]:
        """Public-key encodings an attacker could use as an HMAC secret (key confusion)."""
        ...


class StaticKey:
    def __init__(self, key: PublicKey, kid: str | None) -> None:
        self._key = key
        self._kid = kid
        spki = key.public_bytes(
            serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
        )
        self._pems = (spki, spki.strip())

    def key_for(self, header: dict[str, Any]) -> PublicKey:
        kid = header.get("kid")
        if kid is not None and self._kid is not None and kid != self._kid:
            raise KeyLookupError("unknown_kid", "token signed with an unknown key")
        return self._key

    def hmac_secrets(self) -> Sequence[bytes]:
        return self._pems


class JwksKeys:
    """Keys from the identity provider's JWKS; PyJWKClient caches the set and refetches it (at
    most once per cooldown) when a token names a key id it has not seen, so rotation just works."""

    def __init__(self, url: str, *, cache_seconds: float, timeout: float) -> None:
        self._client = jwt.PyJWKClient(
            url, cache_jwk_set=True, lifespan=cache_seconds, timeout=timeout
        )

    def key_for(self, header: dict[str, Any]) -> jwt.PyJWK:
        kid = header.get("kid")
        if not isinstance(kid, str) or not kid:
            raise KeyLookupError("missing_kid", "token has no key id (kid)")
        try:
            return self._client.get_signing_key(kid)
        except jwt.PyJWKClientConnectionError as exc:
            raise KeyLookupError("keys_unavailable", "signing keys unavailable") from exc
        except jwt.PyJWKClientError as exc:
            raise KeyLookupError("unknown_kid", "token signed with an unknown key") from exc

    def hmac_secrets(self) -> Sequence[bytes]:
        return ()


class DevKeyAndJwks:
    """Local and test stacks only: the dev key for tokens naming its kid (the dev sign-in, the
    tests' tokens), the identity provider's JWKS for every other kid (the roster's sign-in), so
    that both kinds of token work on one stack."""

    def __init__(self, dev: StaticKey, dev_kid: str, jwks: JwksKeys) -> None:
        self._dev, self._dev_kid, self._jwks = dev, dev_kid, jwks

    def is_dev(self, header: dict[str, Any]) -> bool:
        return header.get("kid") == self._dev_kid

    def key_for(self, header: dict[str, Any]) -> PublicKey | jwt.PyJWK:
        return self._dev.key_for(header) if self.is_dev(header) else self._jwks.key_for(header)

    def hmac_secrets(self) -> Sequence[bytes]:
        return self._dev.hmac_secrets()


def hmac_matches(token: str, alg: str, secrets: Sequence[bytes]) -> bool:
    signing_input, _, signature = token.rpartition(".")
    try:
        expected = base64url_decode(signature)
    except ValueError:
        return False
    digest = HMAC_DIGESTS[alg]
    return any(
        hmac.compare_digest(hmac.new(secret, signing_input.encode(), digest).digest(), expected)
        for secret in secrets
    )
