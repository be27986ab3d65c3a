"""Production key path: a JWKS served over real HTTP on 127.0.0.1, no stub of the fetch."""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import jwt
import pytest
from cryptography.hazmat.primitives.asymmetric import rsa
from jwt.algorithms import RSAAlgorithm
from nazar_contracts.vocabulary import Role
from nazar_platform.auth.keys import ensure_dev_keypair
from nazar_platform.auth.tokens import (
    AuthSettings,
    Grant,
    TokenError,
    TokenFailure,
    TokenVerifier,
    mint,
)

ISSUER = "https://id.police.rajasthan.test/nazar"
AUDIENCE = "nazar-api"


@dataclass
class JwksServer:
    url: str
    keys: list[dict[str, Any]] = field(default_factory=list)
    hits: int = 0

    def publish(self, kid: str, key: rsa.RSAPrivateKey) -> None:
        jwk = RSAAlgorithm.to_jwk(key.public_key(), as_dict=True)
        self.keys.append({**jwk, "kid": kid, "alg": "RS256", "use": "sig"})


@pytest.fixture
def jwks() -> Iterator[JwksServer]:
    state = JwksServer(url="")

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            state.hits += 1
            body = json.dumps({"keys": state.keys}).encode()
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, format: str, *args: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    state.url = f"http://127.0.0.1:{server.server_address[1]}/.well-known/jwks.json"
    try:
        yield state
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)


@pytest.fixture(scope="module")
def idp_key() -> rsa.RSAPrivateKey:
    return rsa.generate_private_key(public_exponent=65537, key_size=2048)


def _token(key: rsa.RSAPrivateKey, kid: str | None, **claims: Any) -> str:
    now = int(time.time())
    payload = {
        "iss": ISSUER,
        "aud": AUDIENCE,
        "sub": "M-000123",
        "iat": now,
        "exp": now + 600,
        "grants": [{"role": "co", "unit": "CIR-NOKHA"}],
        **claims,
    }
    return jwt.encode(payload, key, algorithm="RS256", headers={"kid": kid} if kid else None)


def _verifier(url: str) -> TokenVerifier:
    return TokenVerifier(
        AuthSettings(environment="production", issuer=ISSUER, audience=AUDIENCE, jwks_url=url)
    )


def _refused(verifier: TokenVerifier, token: str) -> TokenFailure:
    with pytest.raises(TokenError) as caught:
        verifier.verify(token)
    return caught.value.code


def test_production_verifies_against_the_jwks_and_caches_it(
    jwks: JwksServer, idp_key: rsa.RSAPrivateKey
) -> None:
    jwks.publish("idp-2026-11", idp_key)
    verifier = _verifier(jwks.url)
    assert verifier.fetches_keys
    for _ in range(3):
        principal = verifier.verify(_token(idp_key, "idp-2026-11"))
        assert principal.grants == (Grant(Role.CO, "CIR-NOKHA"),)
    assert jwks.hits == 1


def test_jwks_tokens_need_a_kid_that_the_jwks_knows(
    jwks: JwksServer, idp_key: rsa.RSAPrivateKey
) -> None:
    jwks.publish("idp-2026-11", idp_key)
    verifier = _verifier(jwks.url)
    assert _refused(verifier, _token(idp_key, None)) is TokenFailure.MISSING_KID
    assert _refused(verifier, _token(idp_key, "retired-key")) is TokenFailure.UNKNOWN_KID


def test_a_known_kid_with_a_foreign_signature_is_refused(
    jwks: JwksServer, idp_key: rsa.RSAPrivateKey
) -> None:
    jwks.publish("idp-2026-11", idp_key)
    forger = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    assert (
        _refused(_verifier(jwks.url), _token(forger, "idp-2026-11")) is TokenFailure.BAD_SIGNATURE
    )


def test_claims_are_still_checked_on_the_jwks_path(
    jwks: JwksServer, idp_key: rsa.RSAPrivateKey
) -> None:
    jwks.publish("idp-2026-11", idp_key)
    verifier = _verifier(jwks.url)
    assert _refused(verifier, _token(idp_key, "idp-2026-11", aud="x")) is (
        TokenFailure.WRONG_AUDIENCE
    )
    assert _refused(verifier, _token(idp_key, "idp-2026-11", grants=[])) is (
        TokenFailure.INVALID_GRANTS
    )


def test_an_unreachable_jwks_is_reported_as_such(idp_key: rsa.RSAPrivateKey) -> None:
    # Bind and close a socket to get a port nothing listens on.
    server = ThreadingHTTPServer(("127.0.0.1", 0), BaseHTTPRequestHandler)
    port = server.server_address[1]
    server.server_close()
    verifier = _verifier(f"http://127.0.0.1:{port}/jwks.json")
    assert _refused(verifier, _token(idp_key, "idp-2026-11")) is TokenFailure.KEYS_UNAVAILABLE


def test_a_local_stack_takes_dev_key_tokens_beside_the_jwks_and_production_does_not(
    jwks: JwksServer, idp_key: rsa.RSAPrivateKey, tmp_path: Path
) -> None:
    """The local and test stacks point every service at the roster's JWKS and keep the dev
    sign-in: a dev-key token (the dev kid) verifies with no fetch, any other kid goes to the
    JWKS. The same settings in production take the JWKS only."""
    jwks.publish("roster-2026-12", idp_key)
    base = dict(
        issuer=ISSUER, audience=AUDIENCE, jwks_url=jwks.url, dev_key_with_jwks=True,
        dev_private_key_path=tmp_path / "dev.pem",
    )  # fmt: skip
    local = TokenVerifier(AuthSettings(environment="local", **base))  # type: ignore[arg-type]
    settings = AuthSettings(environment="local", **base)  # type: ignore[arg-type]
    dev_token = mint(
        "M-000777",
        [Grant(Role.SP, "DST-BIKANER")],
        private_key=ensure_dev_keypair(settings.dev_private_key_path),
        issuer=ISSUER,
        audience=AUDIENCE,
        ttl=timedelta(minutes=5),
        kid=settings.dev_kid,
    )
    assert not local.fetches_keys_for(dev_token)
    assert local.verify(dev_token).member_id == "M-000777"
    assert jwks.hits == 0
    roster_token = _token(idp_key, "roster-2026-12")
    assert local.fetches_keys_for(roster_token)
    assert local.verify(roster_token).member_id == "M-000123"
    assert jwks.hits == 1
    production = TokenVerifier(AuthSettings(environment="production", **base))  # type: ignore[arg-type]
    assert _refused(production, dev_token) is TokenFailure.UNKNOWN_KID
    assert production.verify(roster_token).member_id == "M-000123"
