"""A fake OpenID Connect provider (the state's single sign-on) for the roster's second way in.

What a real provider does, as OpenID Connect Core 1.0 and Discovery 1.0 say, and nothing more:
`/.well-known/openid-configuration`; `/authorize` (authorization code flow; the user always
approves, being the one `login_hint` names, else `config["authorize_user"]`; PKCE S256 required,
its challenge kept with the code); `POST /token` (HTTP Basic or form client authentication,
`code_verifier` checked, the code used once) answering an RS256 ID token with the user's claims
and the nonce of the authorization request; `/jwks` with the public key.

`config["misbehave"]` makes the next ID tokens wrong the ways tests need: `wrong_aud`,
`wrong_iss`, `bad_nonce`, `expired`, `bad_signature` (signed with another key under the same
kid); `deny` sends the user back with `error=access_denied`. `/_fake/config` changes the config,
`/_fake/stats` counts the calls, `POST /_fake/rotate` replaces the signing key (a new `kid`), as a
provider rotating its keys does.
"""

from __future__ import annotations

import base64
import hashlib
import secrets
import time
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode

import jwt
from aiohttp import web
from cryptography.hazmat.primitives.asymmetric import rsa

CODE_LIFE = 60.0
ID_TOKEN_LIFE = 300


@dataclass
class _Pending:
    user: str
    redirect_uri: str
    challenge: str
    nonce: str | None
    created: float


def _s256(verifier: str) -> str:
    digest = hashlib.sha256(verifier.encode("ascii", "replace")).digest()
    return base64.urlsafe_b64encode(digest).rstrip(b"=").decode()


class FakeOidc:
    def __init__(self, issuer: str, client_id: str, client_secret: str, **config: Any) -> None:
        self.issuer = issuer.rstrip("/")
        self.client_id = client_id
        self.client_secret = client_secret
        # users: name -> the claims of their ID token besides iss, aud, exp, iat, nonce.
        self.config: dict[str, Any] = {"users": {}, "authorize_user": None, "misbehave": None}
        self.config.update(config)
        self._key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        self._generation = 1
        self._other_key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        self._codes: dict[str, _Pending] = {}
        self.calls: dict[str, int] = {}

    def _count(self, what: str) -> None:
        self.calls[what] = self.calls.get(what, 0) + 1

    async def discovery(self, _request: web.Request) -> web.Response:
        self._count("discovery")
        return web.json_response(
            {
                "issuer": self.issuer,
                "authorization_endpoint": f"{self.issuer}/authorize",
                "token_endpoint": f"{self.issuer}/token",
                "jwks_uri": f"{self.issuer}/jwks",
                "response_types_supported": ["code"],
                "subject_types_supported": ["public"],
                "id_token_signing_alg_values_supported": ["RS256"],
                "code_challenge_methods_supported": ["S256"],
                "token_endpoint_auth_methods_supported": [
                    "client_secret_basic",
                    "client_secret_post",
                ],
                "scopes_supported": ["openid", "profile", "phone"],
            }
        )

    async def jwks(self, _request: web.Request) -> web.Response:
        self._count("jwks")
        key = jwt.algorithms.RSAAlgorithm.to_jwk(self._key.public_key(), as_dict=True)
        key.update({"kid": self.kid, "use": "sig", "alg": "RS256"})
        return web.json_response({"keys": [key]})

    async def authorize(self, request: web.Request) -> web.Response:
        self._count("authorize")
        q = request.query
        if q.get("client_id") != self.client_id or q.get("response_type") != "code":
            return web.Response(status=400, text="unknown client or response type")
        if "openid" not in q.get("scope", "").split():
            return web.Response(status=400, text="scope openid required")
        if q.get("code_challenge_method") != "S256" or not q.get("code_challenge"):
            return web.Response(status=400, text="PKCE S256 required")
        redirect, state = q.get("redirect_uri", ""), q.get("state", "")
        if self.config["misbehave"] == "deny":
            params = {"error": "access_denied", "state": state}
            raise web.HTTPFound(f"{redirect}?{urlencode(params)}")
        user = q.get("login_hint") or self.config["authorize_user"]
        if user not in self.config["users"]:
            return web.Response(status=400, text=f"no such user: {user}")
        code = secrets.token_urlsafe(24)
        self._codes[code] = _Pending(
            user, redirect, q["code_challenge"], q.get("nonce"), time.time()
        )
        raise web.HTTPFound(f"{redirect}?{urlencode({'code': code, 'state': state})}")

    def _client_ok(self, request: web.Request, form: Any) -> bool:
        header = request.headers.get("Authorization", "")
        if header.startswith("Basic "):
            try:
                pair = base64.b64decode(header[len("Basic ") :]).decode()
            except ValueError:
                return False
            given_id, _, given_secret = pair.partition(":")
        else:
            given_id = str(form.get("client_id", ""))
            given_secret = str(form.get("client_secret", ""))
        return given_id == self.client_id and secrets.compare_digest(
            given_secret, self.client_secret
        )

    async def token(self, request: web.Request) -> web.Response:
        self._count("token")
        form = await request.post()
        if not self._client_ok(request, form):
            return web.json_response({"error": "invalid_client"}, status=401)
        if form.get("grant_type") != "authorization_code":
            return web.json_response({"error": "unsupported_grant_type"}, status=400)
        pending = self._codes.pop(str(form.get("code", "")), None)  # one use
        if pending is None or time.time() - pending.created > CODE_LIFE:
            return web.json_response({"error": "invalid_grant"}, status=400)
        if _s256(str(form.get("code_verifier", ""))) != pending.challenge:
            return web.json_response(
                {"error": "invalid_grant", "error_description": "PKCE verification failed"},
                status=400,
            )
        if form.get("redirect_uri") != pending.redirect_uri:
            return web.json_response({"error": "invalid_grant"}, status=400)
        return web.json_response(
            {
                "access_token": secrets.token_urlsafe(24),
                "token_type": "Bearer",
                "expires_in": 300,
                "scope": "openid profile",
                "id_token": self._id_token(pending),
            },
            headers={"Cache-Control": "no-store"},
        )

    def _id_token(self, pending: _Pending) -> str:
        now = int(time.time())
        wrong = self.config["misbehave"]
        claims: dict[str, Any] = {
            **self.config["users"][pending.user],
            "iss": self.issuer if wrong != "wrong_iss" else f"{self.issuer}/other",
            "aud": self.client_id if wrong != "wrong_aud" else "another-client",
            "iat": now if wrong != "expired" else now - 2 * ID_TOKEN_LIFE,
            "exp": now + ID_TOKEN_LIFE if wrong != "expired" else now - ID_TOKEN_LIFE,
            "auth_time": now,
        }
        claims.setdefault("sub", pending.user)
        if pending.nonce is not None:
            claims["nonce"] = pending.nonce if wrong != "bad_nonce" else "not-your-nonce"
        key = self._other_key if wrong == "bad_signature" else self._key
        return jwt.encode(claims, key, algorithm="RS256", headers={"kid": self.kid})

    @property
    def kid(self) -> str:
        return f"fake-oidc-{self._generation}"

    def rotate(self) -> None:
        """A new signing key; the JWKS publishes only it from now on."""
        self._key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        self._generation += 1

    async def rotate_keys(self, _request: web.Request) -> web.Response:
        self.rotate()
        return web.json_response({"kid": self.kid})

    async def get_config(self, _request: web.Request) -> web.Response:
        return web.json_response(self.config)

    async def set_config(self, request: web.Request) -> web.Response:
        self.config.update(await request.json())
        return web.json_response(self.config)

    async def stats(self, _request: web.Request) -> web.Response:
        return web.json_response({"calls": dict(self.calls)})


async def _healthz(_request: web.Request) -> web.Response:
    return web.json_response({"status": "ok"})


def oidc_app(fake: FakeOidc) -> web.Application:
    app = web.Application(client_max_size=64 * 1024)
    app.router.add_get("/.well-known/openid-configuration", fake.discovery)
    app.router.add_get("/authorize", fake.authorize)
    app.router.add_post("/token", fake.token)
    app.router.add_get("/jwks", fake.jwks)
    app.router.add_get("/_fake/config", fake.get_config)
    app.router.add_post("/_fake/config", fake.set_config)
    app.router.add_get("/_fake/stats", fake.stats)
    app.router.add_post("/_fake/rotate", fake.rotate_keys)
    app.router.add_get("/healthz", _healthz)
    return app
