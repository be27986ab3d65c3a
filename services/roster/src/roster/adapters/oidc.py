"""The state's single sign-on, an OpenID Connect provider: its discovery document, the
authorization request, the code exchange and the ID token's checks (issue 16 item 6).

Authlib's OAuth 2.0 protocol functions build the authorization request (state, nonce, PKCE
S256: `prepare_grant_uri`, `create_s256_code_challenge`) and the token request
(`prepare_token_request`), sent with aiohttp and the client's secret as HTTP Basic (RFC 6749
2.3.1). Authlib's own HTTP clients are not used: they need httpx2, whose arrival would change
Starlette's test client under every other test. The ID token is checked with joserfc,
the JOSE library Authlib itself is built on (its own `authlib.jose` is deprecated in favour of
it): an RS256 or ES256 signature by a key of the provider's JWKS (fetched again once when a
token names an unknown `kid`), then `iss`, `aud`, `exp`, `iat`, `sub` and the `nonce` sent.
"""

from __future__ import annotations

import asyncio
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any
from urllib.parse import quote

import aiohttp
from authlib.oauth2.rfc6749.parameters import prepare_grant_uri, prepare_token_request
from authlib.oauth2.rfc7636 import create_s256_code_challenge
from joserfc import jwt
from joserfc.errors import JoseError
from joserfc.jwk import KeySet
from joserfc.jws import extract_compact

ALGORITHMS = ["RS256", "ES256"]
TIMEOUT = aiohttp.ClientTimeout(total=10)


class ProviderError(Exception):
    """The provider could not be reached, or answered other than the protocol says."""


class IdTokenInvalidError(Exception):
    """The ID token's signature or claims do not hold."""


@dataclass(frozen=True)
class OidcClient:
    """This roster as the provider's client (RosterSettings.oidc_*)."""

    issuer: str
    client_id: str
    client_secret: str
    redirect_url: str
    scope: str
    leeway: timedelta


@dataclass
class OidcProvider:
    client: OidcClient
    _metadata: dict[str, Any] | None = field(default=None, init=False)
    _keys: KeySet | None = field(default=None, init=False)
    _lock: asyncio.Lock = field(default_factory=asyncio.Lock, init=False)

    async def _get_json(self, url: str) -> dict[str, Any]:
        try:
            async with (
                aiohttp.ClientSession(timeout=TIMEOUT) as http,
                http.get(url, headers={"Accept": "application/json"}) as answer,
            ):
                answer.raise_for_status()
                body = await answer.json(content_type=None)
        except (aiohttp.ClientError, TimeoutError, ValueError) as exc:
            raise ProviderError(f"GET {url}: {type(exc).__name__}") from exc
        if not isinstance(body, dict):
            raise ProviderError(f"GET {url}: not a JSON object")
        return body

    async def metadata(self) -> dict[str, Any]:
        """The discovery document, fetched once; its issuer must be the one configured."""
        async with self._lock:
            if self._metadata is None:
                issuer = self.client.issuer.rstrip("/")
                found = await self._get_json(f"{issuer}/.well-known/openid-configuration")
                if str(found.get("issuer", "")).rstrip("/") != issuer:
                    raise ProviderError("discovery names another issuer")
                for key in ("authorization_endpoint", "token_endpoint", "jwks_uri"):
                    if not isinstance(found.get(key), str):
                        raise ProviderError(f"discovery lacks {key}")
                self._metadata = found
            return self._metadata

    async def authorization_url(self, state: str, nonce: str, code_verifier: str) -> str:
        endpoint = (await self.metadata())["authorization_endpoint"]
        url: str = prepare_grant_uri(
            endpoint,
            self.client.client_id,
            "code",
            redirect_uri=self.client.redirect_url,
            scope=self.client.scope,
            state=state,
            nonce=nonce,
            code_challenge=create_s256_code_challenge(code_verifier),
            code_challenge_method="S256",
        )
        return url

    async def exchange(self, code: str, code_verifier: str) -> str:
        """The code (with its PKCE verifier) for the provider's tokens; the ID token."""
        endpoint = (await self.metadata())["token_endpoint"]
        body = prepare_token_request(
            "authorization_code",
            code=code,
            redirect_uri=self.client.redirect_url,
            code_verifier=code_verifier,
        )
        # RFC 6749 2.3.1: the id and secret are form-encoded before they go into Basic.
        basic = aiohttp.encode_basic_auth(
            quote(self.client.client_id, safe=""), quote(self.client.client_secret, safe="")
        )
        headers = {
            "Authorization": basic,
            "Content-Type": "application/x-www-form-urlencoded",
            "Accept": "application/json",
        }
        try:
            async with (
                aiohttp.ClientSession(timeout=TIMEOUT) as http,
                http.post(endpoint, data=body, headers=headers) as answer,
            ):
                token = await answer.json(content_type=None)
                status = answer.status
        except (aiohttp.ClientError, TimeoutError, ValueError) as exc:
            raise ProviderError(f"token exchange: {type(exc).__name__}") from exc
        if status != 200 or not isinstance(token, Mapping) or "error" in token:
            error = token.get("error") if isinstance(token, Mapping) else None
            raise ProviderError(f"token exchange: {status} {str(error)[:64]}")
        id_token = token.get("id_token")
        if not isinstance(id_token, str):
            raise ProviderError("token answer without an id_token")
        return id_token

    async def _key_set(self, kid: str | None, refresh: bool) -> KeySet:
        async with self._lock:
            known = self._keys is not None and any(k.kid == kid for k in self._keys.keys)
            if self._keys is None or (refresh and not known):
                uri = (self._metadata or {}).get("jwks_uri")
                if not isinstance(uri, str):
                    raise ProviderError("no jwks_uri")
                try:
                    self._keys = KeySet.import_key_set(await self._get_json(uri))  # type: ignore[arg-type]
                except (JoseError, ValueError, TypeError) as exc:
                    raise ProviderError("the provider's JWKS cannot be read") from exc
            return self._keys

    async def claims(self, id_token: str, nonce: str) -> dict[str, Any]:
        """The ID token's claims once every check holds; IdTokenInvalidError otherwise."""
        await self.metadata()
        try:
            kid = extract_compact(id_token.encode()).protected.get("kid")
        except (JoseError, ValueError) as exc:
            raise IdTokenInvalidError("not a JWS") from exc
        keys = await self._key_set(kid, refresh=False)
        if kid is not None and not any(k.kid == kid for k in keys.keys):
            keys = await self._key_set(kid, refresh=True)  # the provider rotated its keys
        try:
            token = jwt.decode(id_token, keys, algorithms=ALGORITHMS)
            jwt.JWTClaimsRegistry(
                leeway=int(self.client.leeway.total_seconds()),
                iss={"essential": True, "value": self.client.issuer.rstrip("/")},
                aud={"essential": True, "value": self.client.client_id},
                sub={"essential": True},
                exp={"essential": True},
                iat={"essential": True},
                nonce={"essential": True, "value": nonce},
            ).validate(token.claims)
        except (JoseError, ValueError) as exc:
            raise IdTokenInvalidError(type(exc).__name__) from exc
        claims = dict(token.claims)
        # Several audiences: OpenID Connect Core 3.1.3.7 wants azp to name this client.
        aud = claims.get("aud")
        if isinstance(aud, list) and len(aud) > 1 and claims.get("azp") != self.client.client_id:
            raise IdTokenInvalidError("azp")
        return claims
