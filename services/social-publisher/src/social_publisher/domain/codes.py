"""Sign-in codes (auth.codes.v1): whether one is still worth sending, and its exact provider
request (no I/O). The code exists in plain text only in the job's memory: never in a row, a log
line or an event."""

from __future__ import annotations

import re
from datetime import datetime
from typing import Protocol

from social_publisher.domain.compose import Job, sender_for
from social_publisher.domain.consent import Contact
from social_publisher.domain.messages import authentication_message

# A code's job runs in its own lane of the pacer, ahead of flash and routine work.
CODE_PRIORITY = "code"
KIND = "authentication"
# Meta's limit for the copy-code parameter; the roster's codes are 6 digits.
CODE_MAX = 15
_DLT_VAR = re.compile(r"\{#(var|url|numeric|alphanumeric)#\}")


class CodeComposition(Protocol):
    """What composing a code needs of the settings (`PublisherSettings` has it)."""

    @property
    def whatsapp_phone_number_ids(self) -> list[str]: ...
    @property
    def whatsapp_auth_template(self) -> str: ...
    @property
    def sms_otp_templates(self) -> dict[str, str]: ...
    @property
    def sms_otp_template_ids(self) -> dict[str, str]: ...


def drop_reason(
    contact: Contact | None,
    channel: str,
    *,
    expires_at: datetime,
    now: datetime,
    allow_synthetic: bool,
) -> str | None:
    """Why this code is not sent (a metric's `reason`), or None to send it now.

    No consent or activity check: the roster only issues codes to members who may sign in, and a
    member may receive their own code. A code past its expiry is worthless; a member without an
    address on the roster's chosen channel cannot be reached there (the roster chose it from the
    same contact, so a mismatch means the contact changed since: the member asks again)."""
    if now > expires_at:
        return "expired"
    if contact is None:
        return "no_contact"
    if not (contact.whatsapp if channel == "whatsapp" else contact.sms):
        return "no_contact"
    if contact.synthetic and not allow_synthetic:
        return "synthetic"
    return None


def language(lang: str) -> str:
    return lang if lang in ("hi", "en") else "hi"


def otp_sms(code: str, lang: str, settings: CodeComposition) -> tuple[str, str]:
    """(text, DLT template id): the registered OTP template with the code as its variable."""
    lang = language(lang)
    filled = _DLT_VAR.sub(lambda _m: code, settings.sms_otp_templates[lang], count=1)
    return filled, settings.sms_otp_template_ids[lang]


_CALLBACK = "code:"


def to_sms(job: Job) -> bool:
    """Turn a WhatsApp code's job into its OTP SMS (WhatsApp is closed or refused it); False
    when the member has no SMS number. The row's channel follows (the recorder writes it)."""
    if job.channel != "whatsapp" or not job.sms_address or job.sms_text is None:
        return False
    job.channel, job.kind, job.sender = "sms", "sms", "sms"
    job.address, job.sms_address, job.message = job.sms_address, None, None
    job.fallback_from = "whatsapp"
    return True


def callback_of(sign_in_id: str) -> str:
    """What the provider echoes in the message's statuses (WhatsApp's callback data, the SMS
    gateway's `ref`): not a delivery id, so a status finds the code's row, not an intent."""
    return _CALLBACK + sign_in_id


def sign_in_of(callback: str | None) -> str | None:
    """The sign-in id a status's callback names, or None for a delivery's."""
    if callback and callback.startswith(_CALLBACK):
        return callback[len(_CALLBACK) :] or None
    return None


# A status moves a code's row forward only (a late `delivered` after `read` changes nothing; a
# `failed` after `delivered` is not believed), as receipts do for deliveries. `unknown` (no
# answer to the call) is overtaken by any status: the message did reach the provider.
_BEFORE = {
    "delivered": ("pending", "sent", "unknown"),
    "read": ("pending", "sent", "unknown", "delivered"),
    "failed": ("pending", "sent", "unknown"),
    "sent": ("pending", "unknown"),
}


def replaces(status: str) -> tuple[str, ...]:
    """The outcomes a provider status may replace."""
    return _BEFORE.get(status, ())


def build(
    *,
    sign_in_id: str,
    member_id: str,
    channel: str,
    code: str,
    lang: str,
    contact: Contact,
    settings: CodeComposition,
) -> Job:
    """The job that sends this code (the contact has an address on `channel`)."""
    lang = language(lang)
    address = (contact.whatsapp if channel == "whatsapp" else contact.sms) or ""
    job = Job(
        delivery_id=sign_in_id,
        message_id=sign_in_id,
        member_id=member_id,
        priority=CODE_PRIORITY,
        channel=channel,
        kind=KIND if channel == "whatsapp" else "sms",
        sender="sms",
        address=address,
        has_sms=bool(contact.sms),
    )
    if channel == "sms":
        job.sms_text, job.sms_template_id = otp_sms(code, lang, settings)
        return job
    job.sender = sender_for(member_id, settings)
    if contact.sms:
        job.sms_address = contact.sms
        job.sms_text, job.sms_template_id = otp_sms(code, lang, settings)
    job.message = authentication_message(
        to=address,
        template=settings.whatsapp_auth_template,
        language=lang,
        code=code,
        callback_data=callback_of(sign_in_id),
    )
    return job
