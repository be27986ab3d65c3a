"""Forged and stale tokens, against every service of the running system.

Each forgery starts from what an attacker could hold: a real token of a constable (its claims are
readable), the public keys (the roster's JWKS, the dev key's public half) and, for the stale
ones, the real signing key itself (a token that was once valid: expired, for another audience,
from another issuer, not yet valid, or living longer than any token may). Every service must
answer 401 with a problem document and a Bearer challenge that does not say which check failed;
the untouched token must pass, so the 401s are the forgery's and not a broken request's.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx
import jwt
import pytest
from cryptography.hazmat.primitives import serialization
from nazar_platform.auth.keys import ensure_dev_keypair
from nazar_platform.auth.tokens import AuthSettings

from tests.e2e.clients import World
from tests.e2e.system import System

ROOT = Path(__file__).resolve().parents[2]
# One guarded read per service that an ADG may make: the control answers 200.
PROBES = {
    "roster": "/api/v1/units",
    "directive": "/api/v1/units",
    "social-publisher": "/api/v1/channels",
    "story-intake": "/api/v1/publish/accounts",
}


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def _with_claims(token: str, **changes: Any) -> str:
    """The token with its payload changed and its signature kept (tampering)."""
    header, payload, signature = token.split(".")
    claims = json.loads(_unb64(payload)) | changes
    return ".".join((header, _b64(json.dumps(claims).encode()), signature))


def _unsigned(claims: dict[str, Any], alg: str) -> str:
    header = _b64(json.dumps({"alg": alg, "typ": "JWT"}).encode())
    return f"{header}.{_b64(json.dumps(claims).encode())}."


def _hmac_with(claims: dict[str, Any], secret: bytes, kid: str | None) -> str:
    # PyJWT refuses a PEM as an HMAC key; an attacker's own HMAC does not.
    header = {"alg": "HS256", "typ": "JWT"} | ({"kid": kid} if kid else {})
    signing_input = f"{_b64(json.dumps(header).encode())}.{_b64(json.dumps(claims).encode())}"
    mac = hmac.new(secret, signing_input.encode(), hashlib.sha256).digest()
    return f"{signing_input}.{_b64(mac)}"


def _dev_key(system: System) -> Any:
    configured = system.env.get("NAZAR_AUTH_DEV_PRIVATE_KEY_PATH")
    path = Path(configured) if configured else ROOT / AuthSettings().dev_private_key_path
    return ensure_dev_keypair(path)


async def _forgeries(system: System, world: World) -> tuple[str, dict[str, str]]:
    adg = await world.token(await world.officer("adg", "BR-CRIME"))
    constable = await world.token(await world.officer("constable", "PS-BHIWADI-KOTWALI"))
    claims = json.loads(_unb64(constable.split(".")[1]))
    adg_claims = json.loads(_unb64(adg.split(".")[1]))
    hq = [{"role": "adg", "unit": "BR-CRIME"}]
    key = _dev_key(system)
    kid = jwt.get_unverified_header(adg)["kid"]
    now = int(datetime.now(UTC).timestamp())
    signed = AuthSettings()

    def sign(**changes: Any) -> str:
        return jwt.encode(adg_claims | changes, key, algorithm="RS256", headers={"kid": kid})

    public_pems = [
        key.public_key().public_bytes(
            serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
        )
    ]
    jwks = (await system.http.get(system.url("roster", "/.well-known/jwks.json"))).json()
    for jwk in jwks["keys"]:
        public = jwt.PyJWK(jwk).key
        public_pems.append(
            public.public_bytes(
                serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
            )
        )
    forged = {
        "alg-none": _unsigned(claims | {"grants": hq}, "none"),
        "alg-None": _unsigned(claims | {"grants": hq}, "None"),
        "tampered-grants": _with_claims(constable, grants=hq),
        "tampered-subject": _with_claims(constable, sub=adg_claims["sub"]),
        "signature-stripped": constable.rsplit(".", 1)[0] + ".",
        "expired": sign(iat=now - 7200, nbf=now - 7200, exp=now - 3600),
        "wrong-audience": sign(aud="another-service"),
        "wrong-issuer": sign(iss="someone-else"),
        "not-yet-valid": sign(iat=now, nbf=now + 3600, exp=now + 7200),
        "lifetime-too-long": sign(iat=now, nbf=now, exp=now + 30 * 86400),
        "no-expiry": jwt.encode(
            {k: v for k, v in adg_claims.items() if k != "exp"},
            key,
            algorithm="RS256",
            headers={"kid": kid},
        ),
        "unknown-kid": jwt.encode(adg_claims, key, algorithm="RS256", headers={"kid": "nope"}),
        "garbage": "not.a.token",
    }
    for i, pem in enumerate(public_pems):
        forged[f"hs256-public-key-{i}"] = _hmac_with(claims | {"grants": hq}, pem, kid)
    assert signed.audience == adg_claims["aud"], "the control token is not what the stack signs"
    return adg, forged


@pytest.fixture(scope="module")
async def tokens(system: System) -> tuple[str, dict[str, str]]:
    return await _forgeries(system, World(system))


@pytest.mark.parametrize("service", list(PROBES))
async def test_every_forged_or_stale_token_is_refused_by_every_service(
    system: System, tokens: tuple[str, dict[str, str]], service: str
) -> None:
    real, forged = tokens
    async with httpx.AsyncClient(base_url=system.url(service), timeout=20) as http:
        control = await http.get(PROBES[service], headers={"Authorization": f"Bearer {real}"})
        assert control.status_code == 200, control.text
        wrong = []
        for name, token in forged.items():
            r = await http.get(PROBES[service], headers={"Authorization": f"Bearer {token}"})
            challenge = r.headers.get("www-authenticate", "")
            problem = r.headers.get("content-type", "").startswith("application/problem+json")
            if r.status_code != 401 or not problem or not challenge.startswith("Bearer"):
                wrong.append(f"{name}: {r.status_code} {r.text[:120]}")
            elif "error_description" in challenge or "expired" in r.text.lower():
                wrong.append(f"{name}: the answer names the failed check: {challenge} {r.text}")
    print(
        f"\n{service}: {len(forged)} forged or stale tokens, {len(wrong)} accepted or misanswered"
    )
    assert not wrong, "\n".join(wrong)
