"""X's OAuth 2.0 (user context): the authorize URL with PKCE, the code exchange, the refresh.

docs.x.com, "OAuth 2.0 Authorization Code Flow with PKCE": the authorize URL
`https://x.com/i/oauth2/authorize?response_type=code&client_id&redirect_uri&scope&state
&code_challenge&code_challenge_method=S256`; the token endpoint `POST
https://api.x.com/2/oauth2/token` (form-encoded; a confidential client authenticates with HTTP
Basic of its client id and secret) takes `grant_type=authorization_code` with `code`,
`redirect_uri`, `code_verifier`, or `grant_type=refresh_token` with `refresh_token`, and answers
`{"token_type", "expires_in", "access_token", "scope", "refresh_token"}`. Access tokens last two
hours; a refresh token comes only with the `offline.access` scope, and each refresh returns a new
one (the old one stops working). `GET /2/users/me` names the account a token acts for.

Tokens and verifiers never go into a log or an exception's text.
"""

from __future__ import annotations

import base64
import hashlib
import json
import secrets
from datetime import UTC, datetime, timedelta
from urllib.parse import urlencode

import aiohttp

from social_publisher.adapters.errors import TIMEOUT_ERRORS
from social_publisher.domain.accounts import TokenPair


class OAuthRefusedError(Exception):
    """X refused the grant (an invalid, used or revoked code or refresh token): a person must
    connect the account again. `code` is X's `error` (`invalid_request`, `invalid_grant`, …)."""

    def __init__(self, code: str) -> None:
        super().__init__(f"X refused the grant: {code}")
        self.code = code


class OAuthUnavailableError(Exception):
    """No answer, or a 5xx: nothing is known to have changed; try again later."""


def new_verifier() -> str:
    # RFC 7636: 43–128 characters of [A-Za-z0-9-._~]; 64 random bytes, base64url, cut to 96.
    return base64.urlsafe_b64encode(secrets.token_bytes(72)).rstrip(b"=").decode()[:96]


def challenge_of(verifier: str) -> str:
    digest = hashlib.sha256(verifier.encode("ascii")).digest()
    return base64.urlsafe_b64encode(digest).rstrip(b"=").decode()


def new_state() -> str:
    return secrets.token_urlsafe(32)


class XOAuth:
    def __init__(
        self,
        session: aiohttp.ClientSession,
        *,
        api_base_url: str,
        authorize_url: str,
        client_id: str,
        client_secret: str,
        redirect_url: str,
        scopes: list[str],
    ) -> None:
        self._session = session
        self._api = api_base_url.rstrip("/")
        self._authorize = authorize_url
        self._client_id = client_id
        self._basic = base64.b64encode(f"{client_id}:{client_secret}".encode()).decode()
        self._redirect = redirect_url
        self._scopes = scopes

    def authorize_url(self, state: str, verifier: str) -> str:
        query = {
            "response_type": "code",
            "client_id": self._client_id,
            "redirect_uri": self._redirect,
            "scope": " ".join(self._scopes),
            "state": state,
            "code_challenge": challenge_of(verifier),
            "code_challenge_method": "S256",
        }
        return f"{self._authorize}?{urlencode(query)}"

    async def exchange(self, code: str, verifier: str) -> TokenPair:
        return await self._token(
            {
                "grant_type": "authorization_code",
                "code": code,
                "redirect_uri": self._redirect,
                "code_verifier": verifier,
                "client_id": self._client_id,
            }
        )

    async def refresh(self, refresh_token: str) -> TokenPair:
        return await self._token(
            {
                "grant_type": "refresh_token",
                "refresh_token": refresh_token,
                "client_id": self._client_id,
            }
        )

    async def _token(self, form: dict[str, str]) -> TokenPair:
        headers = {"Authorization": f"Basic {self._basic}"}
        try:
            async with self._session.post(
                f"{self._api}/2/oauth2/token", data=form, headers=headers
            ) as resp:
                status, raw = resp.status, await resp.read()
        except TIMEOUT_ERRORS as exc:
            raise OAuthUnavailableError(type(exc).__name__) from None
        if status >= 500:
            raise OAuthUnavailableError(f"HTTP {status}")
        try:
            body = json.loads(raw)
        except ValueError:
            raise OAuthUnavailableError(f"HTTP {status}, unreadable") from None
        if status != 200 or "access_token" not in body:
            raise OAuthRefusedError(str(body.get("error", status))[:100])
        expires_in = body.get("expires_in")
        return TokenPair(
            access_token=str(body["access_token"]),
            refresh_token=str(body["refresh_token"]) if body.get("refresh_token") else None,
            expires_at=(
                datetime.now(UTC) + timedelta(seconds=int(expires_in)) if expires_in else None
            ),
        )

    async def whoami(self, access_token: str) -> tuple[str, str]:
        """(user id, username) of the account the token acts for."""
        headers = {"Authorization": f"Bearer {access_token}"}
        try:
            async with self._session.get(f"{self._api}/2/users/me", headers=headers) as resp:
                status, raw = resp.status, await resp.read()
        except TIMEOUT_ERRORS as exc:
            raise OAuthUnavailableError(type(exc).__name__) from None
        if status != 200:
            raise OAuthUnavailableError(f"HTTP {status}")
        data = json.loads(raw)["data"]
        return str(data["id"]), str(data["username"])
