"""From a delivery request and a contact to the exact provider request (no I/O)."""

from __future__ import annotations

import re
import zlib
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any, Protocol

from nazar_contracts.dispatch import DispatchRequested

from social_publisher.domain import text
from social_publisher.domain.messages import interactive_message, template_message


class Senders(Protocol):
    @property
    def whatsapp_phone_number_ids(self) -> list[str]: ...


class Composition(Protocol):
    """What composing a message needs of the settings (`PublisherSettings` has it): the rules
    stay pure, and the settings module (which reads the environment) stays out of the domain."""

    @property
    def service_window(self) -> timedelta: ...
    @property
    def whatsapp_phone_number_ids(self) -> list[str]: ...
    @property
    def whatsapp_template(self) -> str: ...
    @property
    def inbox_fallback_url(self) -> str: ...
    @property
    def body_parameter_limit(self) -> int: ...
    @property
    def interactive_body_limit(self) -> int: ...
    @property
    def sms_who(self) -> dict[str, str]: ...
    @property
    def sms_templates(self) -> dict[str, str]: ...
    @property
    def sms_template_ids(self) -> dict[str, str]: ...


ACK_TITLES = {"hi": "प्राप्त हुआ", "en": "Acknowledge"}
_DLT_VAR = re.compile(r"\{#(var|url|numeric|alphanumeric)#\}")


@dataclass(slots=True)
class Job:
    """One attempt to send one delivery; holds the phone number only in memory."""

    delivery_id: str
    message_id: str
    member_id: str
    priority: str
    channel: str
    kind: str
    sender: str
    address: str = field(repr=False)
    has_sms: bool
    attempts: int = 1
    possible_duplicate: bool = False
    fallback_from: str | None = None
    message: dict[str, Any] | None = field(default=None, repr=False)
    sms_text: str | None = field(default=None, repr=False)
    sms_template_id: str | None = None
    probe: bool = False
    # A sign-in code on WhatsApp whose member also has SMS: the number its OTP SMS (already in
    # `sms_text`) goes to if WhatsApp cannot take it now.
    sms_address: str | None = field(default=None, repr=False)


def ack_payload(delivery_id: str) -> str:
    return f"ack:{delivery_id}"


def delivery_from_payload(payload: str | None) -> str | None:
    if payload and payload.startswith("ack:"):
        return payload[4:] or None
    return None


def choose_channel(whatsapp: str | None) -> str:
    return "whatsapp" if whatsapp else "sms"


def window_open(last_inbound: datetime | None, now: datetime, settings: Composition) -> bool:
    return last_inbound is not None and now - last_inbound < settings.service_window


def sender_for(member_id: str, settings: Senders) -> str:
    # A member always hears from the same number of the portfolio (a stable hash, not hash()).
    ids = settings.whatsapp_phone_number_ids
    return ids[zlib.crc32(member_id.encode()) % len(ids)]


def language(request: DispatchRequested) -> str:
    lang = str(request.language)
    return lang if lang in ("hi", "en") else "hi"


def inbox_url(request: DispatchRequested, settings: Composition) -> str:
    return request.inbox_url or settings.inbox_fallback_url


def sms_text(request: DispatchRequested, settings: Composition) -> tuple[str, str]:
    """(text, DLT template id): the registered template with its variables filled in order."""
    lang = language(request)
    values = iter(
        [
            text.sms_variable(settings.sms_who[lang]),
            text.sms_variable(request.title),
            text.sms_variable(request.reply_code or "-"),
            inbox_url(request, settings),
        ]
    )
    filled = _DLT_VAR.sub(lambda _m: next(values, ""), settings.sms_templates[lang])
    return filled, settings.sms_template_ids[lang]


def build(
    request: DispatchRequested,
    *,
    channel: str,
    kind: str,
    whatsapp: str | None,
    sms: str | None,
    settings: Composition,
) -> Job:
    lang = language(request)
    job = Job(
        delivery_id=request.delivery_id,
        message_id=request.message_id,
        member_id=request.member_id,
        priority=str(request.priority),
        channel=channel,
        kind=kind,
        sender="sms",
        address=(whatsapp if channel == "whatsapp" else sms) or "",
        has_sms=bool(sms),
    )
    if channel == "sms":
        job.sms_text, job.sms_template_id = sms_text(request, settings)
        return job
    job.sender = sender_for(request.member_id, settings)
    payload = ack_payload(request.delivery_id) if request.ack_requested else None
    if kind == "interactive":
        link = inbox_url(request, settings)
        body = text.shorten(
            f"*{request.title.strip()}*\n\n{request.body.strip()}\n\n{link}",
            settings.interactive_body_limit,
        )
        job.message = interactive_message(
            to=job.address,
            body=body,
            button_id=payload,
            button_title=ACK_TITLES[lang],
            callback_data=request.delivery_id,
        )
    else:
        job.message = template_message(
            to=job.address,
            template=settings.whatsapp_template,
            language=lang,
            parameters=[
                text.template_parameter(request.title, 200),
                text.template_parameter(request.body, settings.body_parameter_limit),
                text.template_parameter(inbox_url(request, settings), 400),
            ],
            button_payload=payload,
            callback_data=request.delivery_id,
        )
    return job
