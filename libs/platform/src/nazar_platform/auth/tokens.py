"""Bearer tokens: who the caller is (`sub`) and which (role, unit) grants they hold.

Deployments verify RS256 (optionally ES256) signatures against the identity provider's JWKS;
the local and test environments sign and verify with a local RSA key generated once under the
state folder. The
verifier is strict on purpose: a token is accepted only with an allowed asymmetric algorithm, our
issuer and audience, a bounded lifetime and well-formed grants, because every access decision in
every service starts from what it returns.

    python -m nazar_platform.cli.tokens mint --member M-000123 --grant sp:DST-BIKANER [--ttl 8h]
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from enum import StrEnum
from pathlib import Path
from typing import Any

import jwt
from jwt.exceptions import InvalidSubjectError
from nazar_contracts.vocabulary import Language, Role
from pydantic import AliasChoices, Field, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from nazar_platform.auth.keys import (
    HMAC_DIGESTS,
    DevKeyAndJwks,
    JwksKeys,
    KeyLookupError,
    KeySource,
    PrivateKey,
    PublicKey,
    StaticKey,
    algorithm_for,
    ensure_dev_keypair,
    hmac_matches,
    key_fits,
)
from nazar_platform.config.secrets import is_development

__all__ = [
    "AuthConfigError",
    "AuthSettings",
    "Grant",
    "Principal",
    "PrivateKey",
    "PublicKey",
    "TokenError",
    "TokenFailure",
    "TokenVerifier",
    "ensure_dev_keypair",
    "mint",
]

# Asymmetric only: a verifier holding a public key must never accept a shared-secret algorithm.
SUPPORTED_ALGORITHMS = frozenset({"RS256", "ES256"})
_ROLE_NAMES = frozenset(str(r) for r in Role)
_LANGUAGES = frozenset(str(lang) for lang in Language)


@dataclass(frozen=True)
class Grant:
    role: Role
    unit_id: str

    @classmethod
    def parse(cls, text: str) -> Grant:
        """`sp:DST-BIKANER` → Grant(Role.SP, "DST-BIKANER")."""
        role, sep, unit = text.partition(":")
        if not sep or not unit.strip():
            raise ValueError(f"a grant is role:unit, got {text!r}")
        return cls(Role(role.strip()), unit.strip())

    def __str__(self) -> str:
        return f"{self.role}:{self.unit_id}"


@dataclass(frozen=True)
class Principal:
    member_id: str
    grants: tuple[Grant, ...]
    token_id: str | None = None
    language: str | None = None

    @property
    def roles(self) -> frozenset[Role]:
        return frozenset(g.role for g in self.grants)

    def has_role(self, *roles: Role) -> bool:
        return any(g.role in roles for g in self.grants)

    def grants_for(self, role: Role) -> tuple[Grant, ...]:
        return tuple(g for g in self.grants if g.role == role)


class TokenFailure(StrEnum):
    MALFORMED = "malformed"
    ALG_NONE = "alg_none"
    KEY_CONFUSION = "key_confusion"
    ALG_NOT_ALLOWED = "alg_not_allowed"
    MISSING_KID = "missing_kid"
    UNKNOWN_KID = "unknown_kid"
    KEYS_UNAVAILABLE = "keys_unavailable"
    BAD_SIGNATURE = "bad_signature"
    EXPIRED = "expired"
    NOT_YET_VALID = "not_yet_valid"
    WRONG_ISSUER = "wrong_issuer"
    WRONG_AUDIENCE = "wrong_audience"
    MISSING_CLAIM = "missing_claim"
    MISSING_SUBJECT = "missing_subject"
    INVALID_GRANTS = "invalid_grants"
    LIFETIME_TOO_LONG = "lifetime_too_long"


class TokenError(Exception):
    """A refused token. `code` is stable (audit, metrics); `message` is English, header-safe."""

    def __init__(self, code: TokenFailure, message: str) -> None:
        super().__init__(f"{code}: {message}")
        self.code = code
        self.message = message


class AuthConfigError(RuntimeError):
    """The auth settings cannot be used in this environment (e.g. a dev key in production)."""


class AuthSettings(BaseSettings):
    model_config = SettingsConfigDict(
        env_prefix="NAZAR_AUTH_", extra="ignore", frozen=True, populate_by_name=True
    )

    # The platform-wide NAZAR_ENVIRONMENT, not an auth-specific switch: a deployment must not be
    # talked into accepting the dev key by one forgotten variable.
    environment: str = Field(default="local", validation_alias=AliasChoices("NAZAR_ENVIRONMENT"))
    issuer: str = "nazar-dev"
    audience: str = "nazar"
    jwks_url: str | None = None
    # Local and test stacks: accept dev-key tokens beside the JWKS (keys.DevKeyAndJwks), so the
    # roster's real sign-in and the dev sign-in work side by side. Ignored anywhere else.
    dev_key_with_jwks: bool = False
    jwks_cache_seconds: float = 300
    jwks_timeout_seconds: float = 5
    dev_private_key_path: Path = Path(".state/dev/auth/dev-signing-key.pem")
    dev_kid: str = "nazar-dev"
    algorithms: tuple[str, ...] = ("RS256",)
    leeway_seconds: int = Field(default=30, ge=0, le=300)
    max_lifetime: timedelta = timedelta(hours=12)

    @field_validator("algorithms")
    @classmethod
    def _asymmetric_only(cls, value: tuple[str, ...]) -> tuple[str, ...]:
        if not value or not set(value) <= SUPPORTED_ALGORITHMS:
            raise ValueError(
                f"algorithms must be a non-empty subset of {sorted(SUPPORTED_ALGORITHMS)}"
            )
        return value

    @property
    def development(self) -> bool:
        """`local` or `test`: the only environments where the dev key signs and verifies."""
        return is_development(self.environment)


def mint(
    member_id: str,
    grants: Iterable[Grant],
    *,
    private_key: PrivateKey,
    issuer: str,
    audience: str,
    ttl: timedelta,
    kid: str | None,
    language: str | None = None,
    now: datetime | None = None,
) -> str:
    issued = int((now or datetime.now(UTC)).timestamp())
    claims: dict[str, Any] = {
        "iss": issuer,
        "aud": audience,
        "sub": member_id,
        "iat": issued,
        "nbf": issued,
        "exp": issued + int(ttl.total_seconds()),
        "jti": str(uuid.uuid4()),
        "grants": [{"role": str(g.role), "unit": g.unit_id} for g in grants],
    }
    if language:
        claims["lang"] = language
    headers = {"kid": kid} if kid else None
    return jwt.encode(claims, private_key, algorithm=algorithm_for(private_key), headers=headers)


_DECODE_FAILURES: tuple[tuple[type[Exception], TokenFailure, str], ...] = (
    # Order matters: subclasses before their bases.
    (jwt.ExpiredSignatureError, TokenFailure.EXPIRED, "token expired"),
    (jwt.ImmatureSignatureError, TokenFailure.NOT_YET_VALID, "token not yet valid"),
    (jwt.InvalidIssuerError, TokenFailure.WRONG_ISSUER, "token from another issuer"),
    (jwt.InvalidAudienceError, TokenFailure.WRONG_AUDIENCE, "token for another audience"),
    (jwt.InvalidSignatureError, TokenFailure.BAD_SIGNATURE, "signature does not verify"),
    (jwt.InvalidAlgorithmError, TokenFailure.ALG_NOT_ALLOWED, "algorithm not allowed"),
    (jwt.InvalidKeyError, TokenFailure.ALG_NOT_ALLOWED, "algorithm does not fit the key"),
    (InvalidSubjectError, TokenFailure.MISSING_SUBJECT, "subject must be a member id"),
    (jwt.PyJWTError, TokenFailure.MALFORMED, "token is malformed"),
)


class TokenVerifier:
    def __init__(self, settings: AuthSettings, *, public_key: PublicKey | None = None) -> None:
        """JWKS when `settings.jwks_url` is set; else `public_key`; else the dev key pair.

        Outside local and test only the JWKS is acceptable: a static or dev key there is a
        misconfiguration.
        """
        self._settings = settings
        self._keys: KeySource
        if settings.jwks_url:
            jwks = JwksKeys(
                settings.jwks_url,
                cache_seconds=settings.jwks_cache_seconds,
                timeout=settings.jwks_timeout_seconds,
            )
            self._keys = jwks
            if settings.development and settings.dev_key_with_jwks:
                dev = ensure_dev_keypair(settings.dev_private_key_path)
                self._keys = DevKeyAndJwks(
                    StaticKey(dev.public_key(), kid=settings.dev_kid), settings.dev_kid, jwks
                )
        elif not settings.development:
            raise AuthConfigError(
                f"NAZAR_AUTH_JWKS_URL is required in the {settings.environment!r} environment; "
                "dev keys are refused outside local and test"
            )
        elif public_key is not None:
            self._keys = StaticKey(public_key, kid=None)
        else:
            dev_key = ensure_dev_keypair(settings.dev_private_key_path)
            self._keys = StaticKey(dev_key.public_key(), kid=settings.dev_kid)

    @property
    def fetches_keys(self) -> bool:
        """True when verification may block on an HTTP fetch (callers run it off the loop)."""
        return isinstance(self._keys, JwksKeys | DevKeyAndJwks)

    def fetches_keys_for(self, token: str) -> bool:
        """Whether verifying this token may block on a JWKS fetch: a dev-key token never does."""
        if isinstance(self._keys, DevKeyAndJwks):
            try:
                return not self._keys.is_dev(jwt.get_unverified_header(token))
            except jwt.PyJWTError:
                return False
        return self.fetches_keys

    def verify(self, token: str) -> Principal:
        header = self._header(token)
        alg = header.get("alg")
        if not isinstance(alg, str) or not alg:
            raise TokenError(TokenFailure.MALFORMED, "token header has no algorithm")
        if alg.lower() == "none":
            raise TokenError(TokenFailure.ALG_NONE, "unsigned tokens are refused")
        if alg.upper() in HMAC_DIGESTS:
            if hmac_matches(token, alg.upper(), self._keys.hmac_secrets()):
                raise TokenError(TokenFailure.KEY_CONFUSION, "public key used as HMAC secret")
            raise TokenError(TokenFailure.ALG_NOT_ALLOWED, "algorithm not allowed")
        if alg not in self._settings.algorithms:
            raise TokenError(TokenFailure.ALG_NOT_ALLOWED, "algorithm not allowed")
        try:
            key = self._keys.key_for(header)
        except KeyLookupError as exc:
            raise TokenError(TokenFailure(exc.failure), exc.message) from exc
        if not key_fits(alg, key):
            raise TokenError(TokenFailure.ALG_NOT_ALLOWED, "algorithm does not fit the key")
        try:
            claims = jwt.decode(
                token,
                key,
                algorithms=[alg],
                audience=self._settings.audience,
                issuer=self._settings.issuer,
                leeway=self._settings.leeway_seconds,
                options={"require": ["exp", "iat", "iss", "aud"]},
            )
        except jwt.MissingRequiredClaimError as exc:
            raise TokenError(TokenFailure.MISSING_CLAIM, f"claim {exc.claim} missing") from exc
        except jwt.PyJWTError as exc:
            code, message = next((c, m) for kind, c, m in _DECODE_FAILURES if isinstance(exc, kind))
            raise TokenError(code, message) from exc
        return self._principal(claims)

    @staticmethod
    def _header(token: str) -> dict[str, Any]:
        if not isinstance(token, str) or token.count(".") != 2:
            raise TokenError(TokenFailure.MALFORMED, "token is malformed")
        try:
            return jwt.get_unverified_header(token)
        except jwt.InvalidTokenError as exc:
            raise TokenError(TokenFailure.MALFORMED, "token is malformed") from exc

    def _principal(self, claims: dict[str, Any]) -> Principal:
        sub = claims.get("sub")
        if not isinstance(sub, str) or not sub.strip():
            raise TokenError(TokenFailure.MISSING_SUBJECT, "token has no subject")
        lifetime = float(claims["exp"]) - float(claims["iat"])
        if lifetime > self._settings.max_lifetime.total_seconds():
            raise TokenError(TokenFailure.LIFETIME_TOO_LONG, "token lifetime beyond the maximum")
        jti = claims.get("jti")
        lang = claims.get("lang")
        return Principal(
            member_id=sub,
            grants=_grants(claims.get("grants")),
            token_id=jti if isinstance(jti, str) else None,
            language=lang if isinstance(lang, str) and lang in _LANGUAGES else None,
        )


def _grants(raw: object) -> tuple[Grant, ...]:
    if not isinstance(raw, list) or not raw:
        raise TokenError(TokenFailure.INVALID_GRANTS, "token carries no grants")
    grants: list[Grant] = []
    for item in raw:
        role = item.get("role") if isinstance(item, dict) else None
        unit = item.get("unit") if isinstance(item, dict) else None
        if not isinstance(role, str) or role not in _ROLE_NAMES:
            raise TokenError(TokenFailure.INVALID_GRANTS, "token carries an unknown role")
        if not isinstance(unit, str) or not unit.strip():
            raise TokenError(TokenFailure.INVALID_GRANTS, "token carries an invalid grant")
        grant = Grant(Role(role), unit)
        if grant not in grants:
            grants.append(grant)
    return tuple(grants)
