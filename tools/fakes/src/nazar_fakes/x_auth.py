"""The fake X's OAuth 2.0: authorization code with PKCE (S256), tokens and their rotation.

As X documents it (docs.x.com, "OAuth 2.0 Authorization Code Flow with PKCE"): the user is sent
to `/i/oauth2/authorize?response_type=code&client_id&redirect_uri&scope&state&code_challenge
&code_challenge_method=S256` and comes back to `redirect_uri?state&code`; a confidential client
exchanges the code at `POST /2/oauth2/token` (form: `grant_type=authorization_code`, `code`,
`redirect_uri`, `code_verifier`, `client_id`; HTTP Basic with the client id and secret) for
`{"token_type": "bearer", "expires_in": 7200, "access_token", "scope", "refresh_token"}` — two
hours, and a refresh token only with `offline.access`. `grant_type=refresh_token` returns a NEW
refresh token and the old one stops working. Here the user always approves (tests), unless
`deny` is set; `revoked` (user ids) makes every token of those users fail, as when the account
owner revokes the app.
"""

from __future__ import annotations

import base64
import hashlib
import secrets
import time
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlencode

from aiohttp import web

ACCESS_TTL = 7200


@dataclass
class Grant:
    user_id: str
    scopes: tuple[str, ...]
    expires_at: float


@dataclass
class Pending:
    user_id: str
    client_id: str
    redirect_uri: str
    challenge: str
    scopes: tuple[str, ...]
    created: float


@dataclass
class Tokens:
    """Tokens issued and the counts tests read (`/_fake/stats`)."""

    access: dict[str, Grant] = field(default_factory=dict)
    refresh: dict[str, Grant] = field(default_factory=dict)
    codes: dict[str, Pending] = field(default_factory=dict)
    calls: dict[str, int] = field(default_factory=dict)

    def issue(self, user_id: str, scopes: tuple[str, ...], ttl: float) -> dict[str, Any]:
        access = secrets.token_urlsafe(32)
        grant = Grant(user_id, scopes, time.time() + ttl)
        self.access[access] = grant
        answer: dict[str, Any] = {
            "token_type": "bearer",
            "expires_in": int(ttl),
            "access_token": access,
            "scope": " ".join(scopes),
        }
        if "offline.access" in scopes:
            refresh = secrets.token_urlsafe(32)
            self.refresh[refresh] = Grant(user_id, scopes, time.time() + 180 * 86400)
            answer["refresh_token"] = refresh
        return answer

    def known(self, user_id: str, access: str, refresh: str | None) -> None:
        """A pair given at start (the local stack's seed), valid for a year."""
        scopes = ("tweet.read", "tweet.write", "users.read", "media.write", "offline.access")
        self.access[access] = Grant(user_id, scopes, time.time() + 365 * 86400)
        if refresh:
            self.refresh[refresh] = Grant(user_id, scopes, time.time() + 365 * 86400)

    def count(self, what: str) -> None:
        self.calls[what] = self.calls.get(what, 0) + 1


def _token_error(status: int, error: str, description: str) -> web.Response:
    return web.json_response({"error": error, "error_description": description}, status=status)


class FakeXAuth:
    def __init__(self, fake: Any, client_id: str, client_secret: str) -> None:
        self._fake = fake
        self.client_id = client_id
        self.client_secret = client_secret
        self.tokens = Tokens()

    def user_of(self, request: web.Request) -> Grant | None:
        header = request.headers.get("Authorization", "")
        if not header.startswith("Bearer "):
            return None
        grant = self.tokens.access.get(header[len("Bearer ") :])
        if grant is None or grant.expires_at < time.time():
            return None
        if grant.user_id in self._fake.config["revoked"]:
            return None
        return grant

    async def authorize(self, request: web.Request) -> web.Response:
        q = request.query
        if q.get("client_id") != self.client_id or q.get("response_type") != "code":
            return web.Response(status=400, text="Something went wrong: unknown client")
        if q.get("code_challenge_method") != "S256" or not q.get("code_challenge"):
            return web.Response(status=400, text="Something went wrong: PKCE S256 required")
        redirect = q.get("redirect_uri", "")
        state = q.get("state", "")
        if self._fake.config["deny"]:
            params = {"error": "access_denied", "state": state}
            raise web.HTTPFound(f"{redirect}?{urlencode(params)}")
        code = secrets.token_urlsafe(24)
        self.tokens.codes[code] = Pending(
            user_id=str(self._fake.config["authorize_user"]),
            client_id=self.client_id,
            redirect_uri=redirect,
            challenge=q["code_challenge"],
            scopes=tuple(q.get("scope", "").split()),
            created=time.time(),
        )
        self.tokens.count("authorize")
        raise web.HTTPFound(f"{redirect}?{urlencode({'state': state, 'code': code})}")

    def _client_ok(self, request: web.Request, form: Any) -> bool:
        header = request.headers.get("Authorization", "")
        if header.startswith("Basic "):
            try:
                pair = base64.b64decode(header[len("Basic ") :]).decode()
            except ValueError:
                return False
            return pair == f"{self.client_id}:{self.client_secret}"
        return bool(form.get("client_id") == self.client_id)  # a public client

    async def token(self, request: web.Request) -> web.Response:
        form = await request.post()
        if not self._client_ok(request, form):
            return _token_error(401, "unauthorized_client", "Missing valid authorization header")
        grant_type = form.get("grant_type")
        if grant_type == "authorization_code":
            self.tokens.count("authorization_code")
            return self._exchange(form)
        if grant_type == "refresh_token":
            self.tokens.count("refresh_token")
            return self._refresh(form)
        return _token_error(400, "invalid_request", "Value passed for the grant type was invalid.")

    def _exchange(self, form: Any) -> web.Response:
        pending = self.tokens.codes.pop(str(form.get("code", "")), None)  # one use
        if pending is None or time.time() - pending.created > 30:
            return _token_error(400, "invalid_request", "Value passed for the token was invalid.")
        verifier = str(form.get("code_verifier", ""))
        digest = hashlib.sha256(verifier.encode("ascii", "replace")).digest()
        challenge = base64.urlsafe_b64encode(digest).rstrip(b"=").decode()
        if challenge != pending.challenge or form.get("redirect_uri") != pending.redirect_uri:
            return _token_error(400, "invalid_request", "Value passed for the token was invalid.")
        return web.json_response(
            self.tokens.issue(pending.user_id, pending.scopes, self._fake.config["access_ttl"])
        )

    def _refresh(self, form: Any) -> web.Response:
        old = str(form.get("refresh_token", ""))
        grant = self.tokens.refresh.pop(old, None)  # rotation: the old one is spent
        if grant is None or grant.user_id in self._fake.config["revoked"]:
            return _token_error(400, "invalid_request", "Value passed for the token was invalid.")
        return web.json_response(
            self.tokens.issue(grant.user_id, grant.scopes, self._fake.config["access_ttl"])
        )

    async def grant(self, request: web.Request) -> web.Response:
        """`POST /_fake/grant {"user_id", "expires_in"?}`: a token pair without the browser, as
        an operator would seed it (the local stack, tests)."""
        body = await request.json()
        scopes = ("tweet.read", "tweet.write", "users.read", "media.write", "offline.access")
        ttl = float(body.get("expires_in", self._fake.config["access_ttl"]))
        return web.json_response(self.tokens.issue(str(body["user_id"]), scopes, ttl))

    def stats(self) -> dict[str, Any]:
        return {"token_calls": dict(self.tokens.calls)}
