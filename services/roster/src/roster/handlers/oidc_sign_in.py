"""OpenID Connect, a second way in for officers (issue 16 item 6).

`start` makes an authorization request (state, nonce, PKCE verifier kept in `oidc_states` for a
few minutes, the state only as a keyed hash) and returns the provider's URL; `finish` takes the
state back once, exchanges the code, checks the ID token, finds the roster member it names and,
for an active officer (police or official, never a volunteer), stores a sign-in with channel
`oidc` and a ticket — the same ticket a verified code gives, passkey rule included, redeemed at
/auth/token like any other.
"""

from __future__ import annotations

import secrets
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import asyncpg
import structlog
from nazar_platform import db

from roster import metrics
from roster.adapters.oidc import IdTokenInvalidError, OidcProvider, ProviderError
from roster.domain import oidc as rules
from roster.domain.oidc import Refusal
from roster.domain.sign_in import TICKET_LIFETIME, keyed_hash
from roster.handlers.sign_in_codes import needs_passkey
from roster.store import auth_events
from roster.store import members as member_store
from roster.store import oidc as store
from roster.store import passkeys as passkey_store

log = structlog.get_logger(__name__)


@dataclass(frozen=True)
class OidcSignIn:
    pool: asyncpg.Pool
    provider: OidcProvider
    hash_key: bytes
    match: str  # personnel_no | phone_number (RosterSettings.oidc_match)
    member_claim: str
    state_lifetime: timedelta
    sign_in_page: str  # where the browser goes after the callback (domain.oidc.paths_of)
    cookie_path: str  # the callback's path, the only one the state cookie goes to


@dataclass(frozen=True)
class Started:
    url: str
    state: str  # the browser keeps it in a cookie, so the callback proves it is the same one


@dataclass(frozen=True)
class SignedIn:
    ticket: str
    needs_passkey: bool
    next_path: str
    member_id: str


class OidcRefusedError(Exception):
    def __init__(self, refusal: Refusal, next_path: str = "/") -> None:
        super().__init__(str(refusal))
        self.refusal = refusal
        self.problem = rules.PROBLEM[refusal]
        self.next_path = next_path


def _state_key(oidc: OidcSignIn, state: str) -> bytes:
    return keyed_hash(oidc.hash_key, f"oidc-state:{state}")


async def start(oidc: OidcSignIn, next_path: str) -> Started:
    """`next_path` is already checked (rules.safe_next). ProviderError when the provider's
    discovery document cannot be had."""
    now = datetime.now(UTC)
    state, nonce = secrets.token_urlsafe(32), secrets.token_urlsafe(32)
    verifier = secrets.token_urlsafe(64)  # 86 characters: RFC 7636 asks for 43 to 128
    url = await oidc.provider.authorization_url(state, nonce, verifier)
    async with db.transaction(oidc.pool) as conn:
        await store.forget_expired_states(conn, now)
        await store.save_state(
            conn,
            state_key=_state_key(oidc, state),
            nonce=nonce,
            code_verifier=verifier,
            next_path=next_path,
            created_at=now,
            expires_at=now + oidc.state_lifetime,
        )
    return Started(url, state)


async def finish(
    oidc: OidcSignIn,
    *,
    state: str | None,
    cookie_state: str | None,
    code: str | None,
    error: str | None,
    ip: str | None,
    request_id: str | None = None,
) -> SignedIn:
    """The provider's answer to a start; OidcRefusedError (with the page to go back to, when
    the state was good) for anything but an active officer vouched for by a valid ID token."""
    try:
        signed_in = await _finish(oidc, state, cookie_state, code, error, ip, request_id)
    except OidcRefusedError as exc:
        metrics.OIDC_SIGN_INS.labels(outcome=str(exc.refusal)).inc()
        log.info("oidc sign-in refused", reason=str(exc.refusal))
        raise
    metrics.OIDC_SIGN_INS.labels(outcome="signed_in").inc()
    return signed_in


async def _finish(
    oidc: OidcSignIn,
    state: str | None,
    cookie_state: str | None,
    code: str | None,
    error: str | None,
    ip: str | None,
    request_id: str | None,
) -> SignedIn:
    now = datetime.now(UTC)
    # The state must be the one this browser was given (login CSRF), and still pending.
    if not state or not cookie_state or not secrets.compare_digest(state, cookie_state):
        raise OidcRefusedError(Refusal.STATE)
    async with db.transaction(oidc.pool) as conn:
        pending = await store.take_state(conn, _state_key(oidc, state))
    if pending is None or pending["expires_at"] <= now:
        raise OidcRefusedError(Refusal.STATE)
    next_path: str = pending["next_path"]
    if error or not code:
        log.info("oidc provider refused", error=(error or "no code")[:64])
        raise OidcRefusedError(Refusal.PROVIDER, next_path)
    try:
        id_token = await oidc.provider.exchange(code, pending["code_verifier"])
        claims = await oidc.provider.claims(id_token, pending["nonce"])
    except ProviderError as exc:
        log.warning("oidc provider failed", error=str(exc))
        raise OidcRefusedError(Refusal.PROVIDER, next_path) from exc
    except IdTokenInvalidError as exc:
        log.warning("oidc id token refused", error=str(exc))
        raise OidcRefusedError(Refusal.TOKEN, next_path) from exc
    identity = rules.identity_of(claims, oidc.match, oidc.member_claim)
    if identity is None:
        raise OidcRefusedError(Refusal.NO_CLAIM, next_path)
    ticket = secrets.token_urlsafe(32)
    async with db.transaction(oidc.pool) as conn:
        candidate = await store.candidate(conn, identity)
        refusal = rules.refusal_of(candidate)
        if refusal is not None:
            raise OidcRefusedError(refusal, next_path)
        assert candidate is not None
        # As after a code: the grants call for a passkey, or the member has one and uses it.
        needs = needs_passkey(
            await member_store.grants(conn, candidate.member_id)
        ) or await passkey_store.has_any(conn, candidate.member_id)
        await store.insert_signed_in(
            conn,
            sign_in_id=uuid.uuid4(),
            member_id=candidate.member_id,
            ip=ip,
            now=now,
            ticket_hash=keyed_hash(oidc.hash_key, f"ticket:{ticket}"),
            ticket_expires_at=now + TICKET_LIFETIME,
            needs_passkey=needs,
        )
        await auth_events.record(
            conn,
            "oidc_signed_in",
            candidate.member_id,
            detail={"needs_passkey": needs},
            ip=ip,
            request_id=request_id,
        )
    return SignedIn(ticket, needs, next_path, candidate.member_id)


async def forget_expired(pool: asyncpg.Pool) -> None:
    """Requests nobody came back from (start also clears them; this covers a quiet week, or
    single sign-on switched off)."""
    async with db.transaction(pool) as conn:
        await store.forget_expired_states(conn, datetime.now(UTC))
