"""Whether a member may be messaged, from the contact the roster published."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from social_publisher.domain.outcomes import ProviderError

# Consent states under which messaging is allowed; the roster decides which members need consent
# (community volunteers) and sets `messaging_allowed` accordingly.
ALLOWED_CONSENT = frozenset({"granted", "not_required"})


@dataclass(frozen=True, slots=True)
class Contact:
    member_id: str
    whatsapp: str | None
    sms: str | None
    preferred_language: str
    active: bool
    messaging_allowed: bool
    consent_state: str
    synthetic: bool


def refusal(
    contact: Contact | None, *, allow_synthetic: bool, expires_at: datetime | None, now: datetime
) -> tuple[str, str] | None:
    """(code, reason) when this member must not be messaged now; None when they may be."""
    if contact is None:
        return "no_contact", "no contact for this member (unknown or erased)"
    if not contact.active:
        return "inactive", "the member is inactive"
    if contact.consent_state not in ALLOWED_CONSENT:
        return "no_consent", f"no consent to message this member ({contact.consent_state})"
    if not contact.messaging_allowed:
        return "messaging_not_allowed", "the roster does not allow messaging this member"
    if contact.synthetic and not allow_synthetic:
        return "synthetic", "synthetic member; only a fake provider may be messaged"
    if not contact.whatsapp and not contact.sms:
        return "no_channel", "the member has neither WhatsApp nor SMS"
    if expires_at is not None and expires_at <= now:
        return "expired", "the message expired before it could be sent"
    return None


REFUSAL_TITLES = {
    "no_contact": "no contact for this member (unknown or erased)",
    "inactive": "the member is inactive",
    "no_consent": "no consent to message this member",
    "messaging_not_allowed": "the roster does not allow messaging this member",
    "synthetic": "synthetic member; only a fake provider may be messaged",
    "no_channel": "the member has neither WhatsApp nor SMS",
    "expired": "the message expired before it could be sent",
}


def refusal_error(code: str, reason: str | None = None) -> ProviderError:
    """A refusal as the error of its failed receipt (the refusal's code, not a provider's)."""
    return ProviderError(code=None, title=reason or REFUSAL_TITLES.get(code, code), label=code)
