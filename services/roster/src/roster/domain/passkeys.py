"""Passkeys (issue 16 item 3): the WebAuthn ceremonies, with the `webauthn` library (py_webauthn).

Pure: the options a browser is given, and the verdict on what its authenticator answered, from the
challenge and credentials the caller read from the database. The relying party is the one origin
every page is served under (`NAZAR_PUBLIC_ORIGIN`): its host is the RP id, the origin itself is the
only origin a response may name, so a page on another site cannot use a member's passkey.
"""

from __future__ import annotations

import secrets
from collections.abc import Sequence
from dataclasses import dataclass
from enum import StrEnum
from typing import Any
from urllib.parse import urlsplit

from webauthn import (
    generate_authentication_options,
    generate_registration_options,
    verify_authentication_response,
    verify_registration_response,
)
from webauthn.helpers import base64url_to_bytes, bytes_to_base64url, options_to_json_dict
from webauthn.helpers.exceptions import WebAuthnException
from webauthn.helpers.structs import (
    AuthenticatorSelectionCriteria,
    AuthenticatorTransport,
    PublicKeyCredentialDescriptor,
    ResidentKeyRequirement,
    UserVerificationRequirement,
)

# The browser gives the member a minute to touch their key; the challenge lives a little longer
# (a slow network), and is spent by the first answer, right or wrong.
TIMEOUT_MS = 60_000
CHALLENGE_BYTES = 32
RP_NAME = "Nazar"


class Mode(StrEnum):
    REGISTER = "register"
    AUTHENTICATE = "authenticate"


class Failure(StrEnum):
    """Why a passkey answer was refused: the metric's reason and the audit's detail."""

    NO_CHALLENGE = "no_challenge"  # none pending: never asked for, or spent (a replay)
    EXPIRED = "expired"
    UNKNOWN_CREDENTIAL = "unknown_credential"  # not one of the member's passkeys
    ORIGIN = "origin"
    RP_ID = "rp_id"
    CHALLENGE = "challenge"  # signed over another challenge
    SIGN_COUNT = "sign_count"  # the counter went back: a cloned authenticator
    SIGNATURE = "signature"
    EXISTS = "exists"  # registering a passkey the roster holds already
    INVALID = "invalid"  # anything else the library refuses (malformed, wrong type, ...)


class PasskeyError(Exception):
    def __init__(self, failure: Failure) -> None:
        super().__init__(str(failure))
        self.failure = failure


@dataclass(frozen=True, slots=True)
class RelyingParty:
    origin: str
    rp_id: str

    @classmethod
    def of(cls, public_origin: str) -> RelyingParty:
        parts = urlsplit(public_origin)
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise ValueError(f"not an origin: {public_origin!r}")
        origin = f"{parts.scheme}://{parts.netloc}"
        return cls(origin=origin, rp_id=parts.hostname)


@dataclass(frozen=True, slots=True)
class Credential:
    """A registered passkey as the ceremonies need it."""

    credential_id: bytes
    public_key: bytes
    sign_count: int
    transports: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class NewCredential:
    credential_id: bytes
    public_key: bytes
    sign_count: int
    transports: tuple[str, ...]


def new_challenge() -> bytes:
    return secrets.token_bytes(CHALLENGE_BYTES)


def encode_id(credential_id: bytes) -> str:
    """A credential id as the API shows it (base64url without padding, as WebAuthn's JSON does)."""
    return bytes_to_base64url(credential_id)


def _descriptors(credentials: Sequence[Credential]) -> list[PublicKeyCredentialDescriptor]:
    out = []
    for c in credentials:
        transports = [AuthenticatorTransport(t) for t in c.transports if t in _TRANSPORTS]
        out.append(PublicKeyCredentialDescriptor(id=c.credential_id, transports=transports or None))
    return out


_TRANSPORTS = frozenset(t.value for t in AuthenticatorTransport)


def registration_options(
    rp: RelyingParty,
    challenge: bytes,
    *,
    member_id: str,
    display_name: str,
    existing: Sequence[Credential],
) -> dict[str, Any]:
    """`PublicKeyCredentialCreationOptions` as JSON. The user handle is the member id (opaque,
    no personal data); `existing` are excluded so one authenticator is not registered twice."""
    options = generate_registration_options(
        rp_id=rp.rp_id,
        rp_name=RP_NAME,
        user_name=member_id,
        user_id=member_id.encode(),
        user_display_name=display_name or member_id,
        challenge=challenge,
        timeout=TIMEOUT_MS,
        authenticator_selection=AuthenticatorSelectionCriteria(
            resident_key=ResidentKeyRequirement.PREFERRED,
            user_verification=UserVerificationRequirement.PREFERRED,
        ),
        exclude_credentials=_descriptors(existing),
    )
    return options_to_json_dict(options)


def authentication_options(
    rp: RelyingParty, challenge: bytes, credentials: Sequence[Credential]
) -> dict[str, Any]:
    """`PublicKeyCredentialRequestOptions` as JSON, allowing the member's own passkeys only."""
    options = generate_authentication_options(
        rp_id=rp.rp_id,
        challenge=challenge,
        timeout=TIMEOUT_MS,
        allow_credentials=_descriptors(credentials),
        user_verification=UserVerificationRequirement.PREFERRED,
    )
    return options_to_json_dict(options)


def _failure(exc: WebAuthnException) -> Failure:
    """The library says why only in its message; the reasons we count are read from it."""
    text = str(exc).lower()
    for needle, failure in (
        ("origin", Failure.ORIGIN),
        ("rp id", Failure.RP_ID),
        ("challenge", Failure.CHALLENGE),
        ("sign count", Failure.SIGN_COUNT),
        ("signature", Failure.SIGNATURE),
    ):
        if needle in text:
            return failure
    return Failure.INVALID


def verify_registration(
    rp: RelyingParty, challenge: bytes, credential: dict[str, Any]
) -> NewCredential:
    """The new passkey from a `credential.toJSON()` of `navigator.credentials.create()`; raises
    PasskeyError. Attestation is not asked for ("none"): the roster trusts the member who holds
    the code, not a make of authenticator."""
    try:
        verified = verify_registration_response(
            credential=credential,
            expected_challenge=challenge,
            expected_rp_id=rp.rp_id,
            expected_origin=rp.origin,
        )
    except WebAuthnException as exc:
        raise PasskeyError(_failure(exc)) from exc
    except Exception as exc:  # whatever else a malformed answer trips over is a refusal
        raise PasskeyError(Failure.INVALID) from exc
    response = credential.get("response")
    given = response.get("transports") if isinstance(response, dict) else None
    transports = tuple(t for t in given if t in _TRANSPORTS) if isinstance(given, list) else ()
    return NewCredential(
        verified.credential_id, verified.credential_public_key, verified.sign_count, transports
    )


def credential_id_of(credential: dict[str, Any]) -> bytes:
    """The raw id a `credential.toJSON()` names (to find the stored passkey); PasskeyError if
    it names none."""
    raw = credential.get("rawId", credential.get("id"))
    if not isinstance(raw, str) or not raw:
        raise PasskeyError(Failure.INVALID)
    try:
        return base64url_to_bytes(raw)
    except (ValueError, UnicodeError) as exc:
        raise PasskeyError(Failure.INVALID) from exc


def verify_authentication(
    rp: RelyingParty, challenge: bytes, credential: dict[str, Any], stored: Credential
) -> int:
    """The new signature counter of `stored` after a `navigator.credentials.get()` answer;
    raises PasskeyError (a counter that did not grow, where the authenticator keeps one, is a
    cloned key: refused)."""
    try:
        verified = verify_authentication_response(
            credential=credential,
            expected_challenge=challenge,
            expected_rp_id=rp.rp_id,
            expected_origin=rp.origin,
            credential_public_key=stored.public_key,
            credential_current_sign_count=stored.sign_count,
        )
    except WebAuthnException as exc:
        raise PasskeyError(_failure(exc)) from exc
    except Exception as exc:  # as above: malformed is refused, never a server error
        raise PasskeyError(Failure.INVALID) from exc
    return int(verified.new_sign_count)
