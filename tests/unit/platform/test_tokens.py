"""Token rules: every refusal with a real signed (or deliberately mis-signed) token."""

from __future__ import annotations

import json
import stat
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import jwt
import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from nazar_contracts.vocabulary import Role
from nazar_platform.auth.tokens import (
    AuthConfigError,
    AuthSettings,
    Grant,
    Principal,
    TokenError,
    TokenFailure,
    TokenVerifier,
    ensure_dev_keypair,
    mint,
)

from tests.unit.platform.token_forgery import b64url, hs256_token, unsigned_token

ISSUER = "https://id.police.rajasthan.test/nazar"
AUDIENCE = "nazar-api"


@pytest.fixture(scope="module")
def key() -> rsa.RSAPrivateKey:
    return rsa.generate_private_key(public_exponent=65537, key_size=2048)


@pytest.fixture(scope="module")
def other_key() -> rsa.RSAPrivateKey:
    return rsa.generate_private_key(public_exponent=65537, key_size=2048)


def _settings(**overrides: Any) -> AuthSettings:
    values: dict[str, Any] = {"environment": "test", "issuer": ISSUER, "audience": AUDIENCE}
    values.update(overrides)
    return AuthSettings(**values)


@pytest.fixture(scope="module")
def verifier(key: rsa.RSAPrivateKey) -> TokenVerifier:
    return TokenVerifier(_settings(), public_key=key.public_key())


def _claims(**overrides: Any) -> dict[str, Any]:
    now = int(time.time())
    claims: dict[str, Any] = {
        "iss": ISSUER,
        "aud": AUDIENCE,
        "sub": "M-000123",
        "iat": now,
        "nbf": now,
        "exp": now + 3600,
        "jti": "tok-1",
        "grants": [{"role": "sp", "unit": "DST-BIKANER"}],
    }
    for name, value in overrides.items():
        if value is None:
            claims.pop(name, None)
        else:
            claims[name] = value
    return claims


def _refused(verifier: TokenVerifier, token: str) -> TokenFailure:
    with pytest.raises(TokenError) as caught:
        verifier.verify(token)
    return caught.value.code


def test_a_valid_token_gives_the_principal(verifier: TokenVerifier, key: rsa.RSAPrivateKey) -> None:
    token = jwt.encode(_claims(lang="hi"), key, algorithm="RS256")
    assert verifier.verify(token) == Principal(
        member_id="M-000123",
        grants=(Grant(Role.SP, "DST-BIKANER"),),
        token_id="tok-1",
        language="hi",
    )


def test_additional_charge_is_two_grants(verifier: TokenVerifier, key: rsa.RSAPrivateKey) -> None:
    grants = [{"role": "sp", "unit": "DST-BIKANER"}, {"role": "sp", "unit": "DST-CHURU"}]
    principal = verifier.verify(jwt.encode(_claims(grants=grants), key, algorithm="RS256"))
    assert principal.grants == (Grant(Role.SP, "DST-BIKANER"), Grant(Role.SP, "DST-CHURU"))
    assert principal.has_role(Role.SP) and not principal.has_role(Role.CO)
    assert principal.roles == {Role.SP}


@pytest.mark.parametrize(
    "token",
    ["", "not-a-token", "a.b.c", "a.b", b64url(b"[1]") + "." + b64url(b"{}") + ".", "x.y.z.w"],
)
def test_malformed_tokens_are_refused(verifier: TokenVerifier, token: str) -> None:
    assert _refused(verifier, token) is TokenFailure.MALFORMED


@pytest.mark.parametrize("alg", ["none", "None", "NONE"])
def test_unsigned_tokens_are_refused(verifier: TokenVerifier, alg: str) -> None:
    assert _refused(verifier, unsigned_token(_claims(), alg)) is TokenFailure.ALG_NONE


def test_hs256_signed_with_the_public_key_is_key_confusion(
    verifier: TokenVerifier, key: rsa.RSAPrivateKey
) -> None:
    pem = key.public_key().public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    assert _refused(verifier, hs256_token(_claims(), pem)) is TokenFailure.KEY_CONFUSION
    assert _refused(verifier, hs256_token(_claims(), pem.strip())) is TokenFailure.KEY_CONFUSION


def test_hs256_with_any_other_secret_is_refused(verifier: TokenVerifier) -> None:
    token = hs256_token(_claims(), b"a shared secret we never accept")
    assert _refused(verifier, token) is TokenFailure.ALG_NOT_ALLOWED


@pytest.mark.parametrize("alg", ["RS512", "PS256", "RS384"])
def test_other_asymmetric_algorithms_are_refused(
    verifier: TokenVerifier, key: rsa.RSAPrivateKey, alg: str
) -> None:
    token = jwt.encode(_claims(), key, algorithm=alg)
    assert _refused(verifier, token) is TokenFailure.ALG_NOT_ALLOWED


def test_es256_refused_unless_allowed_and_then_only_with_a_fitting_key(
    key: rsa.RSAPrivateKey,
) -> None:
    ec_key = ec.generate_private_key(ec.SECP256R1())
    token = jwt.encode(_claims(), ec_key, algorithm="ES256")
    rsa_only = TokenVerifier(_settings(), public_key=key.public_key())
    assert _refused(rsa_only, token) is TokenFailure.ALG_NOT_ALLOWED
    both = _settings(algorithms=("RS256", "ES256"))
    # An ES256 token against an RSA verification key cannot be verified at all.
    assert (
        _refused(TokenVerifier(both, public_key=key.public_key()), token)
        is TokenFailure.ALG_NOT_ALLOWED
    )
    assert TokenVerifier(both, public_key=ec_key.public_key()).verify(token).member_id == (
        "M-000123"
    )


@pytest.mark.parametrize("algorithms", [("HS256",), ("RS256", "HS256"), ("none",), ()])
def test_settings_refuse_anything_but_asymmetric_algorithms(algorithms: tuple[str, ...]) -> None:
    with pytest.raises(ValueError, match="algorithms"):
        _settings(algorithms=algorithms)


def test_a_signature_by_another_key_is_refused(
    verifier: TokenVerifier, other_key: rsa.RSAPrivateKey
) -> None:
    token = jwt.encode(_claims(), other_key, algorithm="RS256")
    assert _refused(verifier, token) is TokenFailure.BAD_SIGNATURE


def test_a_tampered_payload_is_refused(verifier: TokenVerifier, key: rsa.RSAPrivateKey) -> None:
    header, _, signature = jwt.encode(_claims(), key, algorithm="RS256").split(".")
    forged = _claims(grants=[{"role": "adg", "unit": "RJ"}])
    token = f"{header}.{b64url(json.dumps(forged).encode())}.{signature}"
    assert _refused(verifier, token) is TokenFailure.BAD_SIGNATURE


def test_expiry_is_enforced_beyond_the_leeway(
    verifier: TokenVerifier, key: rsa.RSAPrivateKey
) -> None:
    now = int(time.time())
    expired = jwt.encode(_claims(iat=now - 600, nbf=now - 600, exp=now - 60), key, "RS256")
    assert _refused(verifier, expired) is TokenFailure.EXPIRED
    # Within the 30 s default leeway a clock skew is forgiven.
    skewed = jwt.encode(_claims(iat=now - 600, nbf=now - 600, exp=now - 10), key, "RS256")
    assert verifier.verify(skewed).member_id == "M-000123"


def test_not_yet_valid_tokens_are_refused(verifier: TokenVerifier, key: rsa.RSAPrivateKey) -> None:
    now = int(time.time())
    by_nbf = jwt.encode(_claims(nbf=now + 600, exp=now + 1200), key, "RS256")
    by_iat = jwt.encode(_claims(iat=now + 600, nbf=None, exp=now + 1200), key, "RS256")
    assert _refused(verifier, by_nbf) is TokenFailure.NOT_YET_VALID
    assert _refused(verifier, by_iat) is TokenFailure.NOT_YET_VALID


def test_issuer_and_audience_must_be_ours(verifier: TokenVerifier, key: rsa.RSAPrivateKey) -> None:
    wrong_iss = jwt.encode(_claims(iss="https://evil.example/"), key, "RS256")
    wrong_aud = jwt.encode(_claims(aud="another-api"), key, "RS256")
    assert _refused(verifier, wrong_iss) is TokenFailure.WRONG_ISSUER
    assert _refused(verifier, wrong_aud) is TokenFailure.WRONG_AUDIENCE
    both_audiences = jwt.encode(_claims(aud=["another-api", AUDIENCE]), key, "RS256")
    assert verifier.verify(both_audiences).member_id == "M-000123"


@pytest.mark.parametrize("claim", ["iss", "aud", "exp", "iat"])
def test_required_claims(verifier: TokenVerifier, key: rsa.RSAPrivateKey, claim: str) -> None:
    token = jwt.encode(_claims(**{claim: None}), key, "RS256")
    assert _refused(verifier, token) is TokenFailure.MISSING_CLAIM


@pytest.mark.parametrize("sub", [None, "", "   ", 123])
def test_a_member_id_is_required(verifier: TokenVerifier, key: rsa.RSAPrivateKey, sub: Any) -> None:
    claims = _claims(sub=None)
    if sub is not None:
        claims["sub"] = sub
    assert _refused(verifier, jwt.encode(claims, key, "RS256")) is TokenFailure.MISSING_SUBJECT


@pytest.mark.parametrize(
    "grants",
    [
        None,
        [],
        "sp:DST-BIKANER",
        [{"role": "sheriff", "unit": "DST-BIKANER"}],
        [{"role": "sp", "unit": ""}],
        [{"role": "sp", "unit": "  "}],
        [{"role": "sp"}],
        [{"unit": "DST-BIKANER"}],
        [["sp", "DST-BIKANER"]],
        [{"role": ["sp"], "unit": "DST-BIKANER"}],
        [{"role": "sp", "unit": "DST-BIKANER"}, {"role": "sp", "unit": 7}],
    ],
)
def test_grants_must_be_present_and_valid(
    verifier: TokenVerifier, key: rsa.RSAPrivateKey, grants: Any
) -> None:
    token = jwt.encode(_claims(grants=grants), key, "RS256")  # grants=None drops the claim
    assert _refused(verifier, token) is TokenFailure.INVALID_GRANTS


def test_lifetime_beyond_the_maximum_is_refused(key: rsa.RSAPrivateKey) -> None:
    verifier = TokenVerifier(
        _settings(max_lifetime=timedelta(hours=8)), public_key=key.public_key()
    )
    now = int(time.time())
    too_long = jwt.encode(_claims(iat=now, exp=now + 8 * 3600 + 1), key, "RS256")
    just_right = jwt.encode(_claims(iat=now, exp=now + 8 * 3600), key, "RS256")
    assert _refused(verifier, too_long) is TokenFailure.LIFETIME_TOO_LONG
    assert verifier.verify(just_right).member_id == "M-000123"


def test_mint_round_trip_with_language_and_kid(key: rsa.RSAPrivateKey) -> None:
    token = mint(
        "M-000777",
        [Grant(Role.CO, "CIR-NOKHA"), Grant(Role.CO, "CIR-NOKHA"), Grant(Role.SHO, "PS-NOKHA")],
        private_key=key,
        issuer=ISSUER,
        audience=AUDIENCE,
        ttl=timedelta(hours=1),
        kid="k1",
        language="hi",
    )
    assert jwt.get_unverified_header(token)["kid"] == "k1"
    principal = TokenVerifier(_settings(), public_key=key.public_key()).verify(token)
    # A repeated grant is kept once.
    assert principal.grants == (Grant(Role.CO, "CIR-NOKHA"), Grant(Role.SHO, "PS-NOKHA"))
    assert principal.language == "hi" and principal.token_id


def test_mint_honours_the_clock(key: rsa.RSAPrivateKey) -> None:
    yesterday = datetime.now(UTC) - timedelta(days=1)
    token = mint(
        "M-1",
        [Grant(Role.SP, "DST-CHURU")],
        private_key=key,
        issuer=ISSUER,
        audience=AUDIENCE,
        ttl=timedelta(hours=1),
        kid=None,
        now=yesterday,
    )
    verifier = TokenVerifier(_settings(), public_key=key.public_key())
    assert _refused(verifier, token) is TokenFailure.EXPIRED


def test_dev_keypair_is_generated_once_private_and_reused(tmp_path: Path) -> None:
    path = tmp_path / "state" / "auth" / "dev.pem"
    first = ensure_dev_keypair(path)
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    second = ensure_dev_keypair(path)
    assert first.private_numbers() == second.private_numbers()
    assert list(path.parent.iterdir()) == [path]  # no temporary file left behind


def test_dev_verifier_uses_the_dev_key_and_its_kid(tmp_path: Path) -> None:
    settings = _settings(dev_private_key_path=tmp_path / "dev.pem")
    verifier = TokenVerifier(settings)
    dev_key = ensure_dev_keypair(settings.dev_private_key_path)

    def token(kid: str | None) -> str:
        return mint(
            "M-5",
            [Grant(Role.GRAM_RAKSHAK, "PS-NOKHA")],
            private_key=dev_key,
            issuer=ISSUER,
            audience=AUDIENCE,
            ttl=timedelta(minutes=5),
            kid=kid,
        )

    assert verifier.verify(token(settings.dev_kid)).member_id == "M-5"
    assert _refused(verifier, token("someone-elses-key")) is TokenFailure.UNKNOWN_KID


@pytest.mark.parametrize("environment", ["production", "staging", "prod"])
def test_production_refuses_dev_and_static_keys(
    tmp_path: Path, key: rsa.RSAPrivateKey, environment: str
) -> None:
    # Any environment but local and test is a deployment (staging used to take the dev key).
    production = _settings(environment=environment, dev_private_key_path=tmp_path / "dev.pem")
    with pytest.raises(AuthConfigError):
        TokenVerifier(production)
    with pytest.raises(AuthConfigError):
        TokenVerifier(production, public_key=key.public_key())
    assert not (tmp_path / "dev.pem").exists()


def test_environment_comes_from_the_platform_variable(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("NAZAR_ENVIRONMENT", "production")
    monkeypatch.setenv("NAZAR_AUTH_ISSUER", ISSUER)
    settings = AuthSettings()
    assert not settings.development and settings.issuer == ISSUER
