"""OpenID Connect sign-in for officers (issue 16 item 6): the pure rules.

Who may come in this way, how the provider's claims name a roster member, and where the browser
goes next. The flow itself is in handlers/oidc_sign_in.py, the provider's client in
adapters/oidc.py.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from enum import StrEnum
from typing import Any
from urllib.parse import urlencode, urlsplit

from roster.domain.ids import normalise_key_text
from roster.domain.phones import InvalidPhoneError, normalise

MAX_NEXT = 2000
CALLBACK = "/api/v1/auth/oidc/callback"
SIGN_IN_PAGE = "/sign-in"


class Refusal(StrEnum):
    """Why a callback did not sign anyone in: the metric's outcome. The browser learns only the
    problem code (`PROBLEM`), so an unknown subject, a volunteer and an inactive member look the
    same from outside."""

    STATE = "state_invalid"
    PROVIDER = "provider_error"
    TOKEN = "token_invalid"  # noqa: S105 - a reason, not a secret
    NO_CLAIM = "no_claim"
    UNKNOWN = "unknown"
    VOLUNTEER = "volunteer"
    INACTIVE = "inactive"


PROBLEM: dict[Refusal, str] = {
    Refusal.STATE: "auth.oidc_state_invalid",
    Refusal.PROVIDER: "auth.oidc_provider_error",
    Refusal.TOKEN: "auth.oidc_token_invalid",
    Refusal.NO_CLAIM: "auth.oidc_refused",
    Refusal.UNKNOWN: "auth.oidc_refused",
    Refusal.VOLUNTEER: "auth.oidc_refused",
    Refusal.INACTIVE: "auth.oidc_refused",
}


class NextInvalidError(ValueError):
    pass


def safe_next(value: str | None) -> str:
    """The page to return to: a path on this origin only (`/x`, never `//host`, `/\\host`, a
    scheme or control characters), so the sign-in cannot be made to send anyone elsewhere."""
    if not value:
        return "/"
    if (
        len(value) > MAX_NEXT
        or not value.startswith("/")
        or value.startswith(("//", "/\\"))
        or "\\" in value
        or any(c.isspace() or ord(c) < 0x20 or ord(c) == 0x7F for c in value)
    ):
        raise NextInvalidError(value[:50])
    return value


@dataclass(frozen=True, slots=True)
class Identity:
    """How the provider named the person on the roster: a personnel number or a phone."""

    kind: str  # personnel_no | phone_number
    value: str


def identity_of(claims: Mapping[str, Any], match: str, claim: str) -> Identity | None:
    """The roster key in the ID token's claims, or None when it has none usable. A phone number
    counts only when the provider says it verified it (`phone_number_verified` true)."""
    if match == "phone_number":
        phone = claims.get("phone_number")
        if not isinstance(phone, str) or claims.get("phone_number_verified") is not True:
            return None
        try:
            return Identity("phone_number", normalise(phone))
        except InvalidPhoneError:
            return None
    value = claims.get(claim)
    if isinstance(value, int) and not isinstance(value, bool):
        value = str(value)
    if not isinstance(value, str) or not value.strip() or len(value) > 100:
        return None
    return Identity("personnel_no", normalise_key_text(value))


@dataclass(frozen=True, slots=True)
class Candidate:
    """The roster member the identity names, as far as this way in cares."""

    member_id: str
    active: bool
    erased: bool
    community: bool  # holds a volunteer's posting (or consent applies to them)
    postings: int


def refusal_of(candidate: Candidate | None) -> Refusal | None:
    """Only active police and officials with a posting come in this way: a volunteer signs in
    with their phone."""
    if candidate is None or candidate.erased:
        return Refusal.UNKNOWN
    if candidate.community:
        return Refusal.VOLUNTEER
    if not candidate.active or candidate.postings == 0:
        return Refusal.INACTIVE
    return None


def continue_url(page: str, ticket: str, needs_passkey: bool, next_path: str) -> str:
    """The sign-in page with the ticket, so it goes on as after a code (passkey, then tokens)."""
    query = {"ticket": ticket, "needs_passkey": str(needs_passkey).lower(), "next": next_path}
    return f"{page}?{urlencode(query)}"


def refused_url(page: str, problem: str, next_path: str) -> str:
    return f"{page}?{urlencode({'problem': problem, 'next': next_path})}"


class RedirectUrlError(ValueError):
    pass


def paths_of(redirect_url: str, sign_in_page: str | None) -> tuple[str, str]:
    """(the sign-in page, the state cookie's path) from the redirect URL registered with the
    provider: behind the one origin's proxy the roster has a prefix (`/roster`), which the URL
    the browser comes back to carries, so the page is `<prefix>/sign-in` unless set, and the
    cookie goes only to the callback."""
    path = urlsplit(redirect_url).path
    if not path.endswith(CALLBACK):
        raise RedirectUrlError(f"the OIDC redirect URL must end with {CALLBACK}")
    prefix = path[: -len(CALLBACK)]
    return sign_in_page or f"{prefix}{SIGN_IN_PAGE}", path
