"""Provider webhooks: signature check over the raw bytes, and parsing into plain records.

Meta signs each `POST` with `X-Hub-Signature-256: sha256=<hex HMAC-SHA256 of the payload, keyed
with the app secret>` and sends non-ASCII characters escaped as `\\uXXXX`; the HMAC is over those
exact bytes, so the check runs before any parsing and never on a re-serialised body. The SMS
gateway contract (services/social-publisher/README.md) signs the same way in `X-Gateway-Signature`.
"""

from __future__ import annotations

import hashlib
import hmac
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from social_publisher.domain.outcomes import ProviderError
from social_publisher.domain.receipts import Receipt


def signature(secret: bytes, body: bytes) -> str:
    return "sha256=" + hmac.new(secret, body, hashlib.sha256).hexdigest()


def signature_valid(secret: bytes, body: bytes, header: str | None) -> bool:
    """Constant-time comparison; a missing or malformed header is simply invalid. An empty secret
    verifies nothing: anyone can compute an HMAC with the empty key, so a deployment missing its
    secret must refuse every webhook rather than accept forged ones (settings refuse to start
    without one outside local and test; this holds whatever the settings say)."""
    if not secret or not header or not header.startswith("sha256="):
        return False
    return hmac.compare_digest(signature(secret, body).encode(), header.strip().encode())


def token_matches(expected: str, given: str) -> bool:
    """Meta's subscription check (`hub.verify_token`): constant time, never with an empty token,
    and any text (compare_digest refuses non-ASCII str, so compare the UTF-8 bytes)."""
    return bool(expected) and hmac.compare_digest(expected.encode(), given.encode())


class MalformedWebhookError(ValueError):
    """A signed body that is not the shape the provider documents."""


@dataclass(frozen=True, slots=True)
class StatusUpdate:
    provider_message_id: str
    status: Receipt
    at: datetime
    delivery_id: str | None  # from biz_opaque_callback_data
    error: ProviderError | None


@dataclass(frozen=True, slots=True)
class Inbound:
    provider_message_id: str
    sender: str  # the member's number as the provider wrote it
    at: datetime
    kind: str  # "button" | "text"
    text: str | None
    button_payload: str | None
    context_id: str | None  # the provider id of the message replied to


def _time(value: Any) -> datetime:
    try:
        return datetime.fromtimestamp(int(value), UTC)
    except (TypeError, ValueError) as exc:
        raise MalformedWebhookError(f"bad timestamp {value!r}") from exc


def _status_error(raw: dict[str, Any]) -> ProviderError | None:
    errors = raw.get("errors") or []
    if not errors:
        return None
    first = errors[0]
    details = (first.get("error_data") or {}).get("details") or first.get("message") or ""
    code = first.get("code")
    return ProviderError(
        code=int(code) if code is not None else None,
        title=str(first.get("title", "")),
        detail=str(details),
    )


_STATUSES = {"sent", "delivered", "read", "failed"}


def parse_whatsapp(payload: Any) -> tuple[list[StatusUpdate], list[Inbound]]:
    """Statuses and member messages from one webhook body (it may batch many of both)."""
    if not isinstance(payload, dict) or payload.get("object") != "whatsapp_business_account":
        raise MalformedWebhookError("not a whatsapp_business_account webhook")
    statuses: list[StatusUpdate] = []
    inbound: list[Inbound] = []
    try:
        for entry in payload.get("entry") or []:
            for change in entry.get("changes") or []:
                if change.get("field") != "messages":
                    continue
                value = change.get("value") or {}
                for raw in value.get("statuses") or []:
                    if raw.get("status") not in _STATUSES:
                        continue  # e.g. "deleted", "warning": nothing to report
                    statuses.append(
                        StatusUpdate(
                            provider_message_id=str(raw["id"]),
                            status=Receipt(raw["status"]),
                            at=_time(raw.get("timestamp")),
                            delivery_id=raw.get("biz_opaque_callback_data"),
                            error=_status_error(raw),
                        )
                    )
                for raw in value.get("messages") or []:
                    inbound.append(_inbound(raw))
    except (KeyError, TypeError, AttributeError) as exc:
        raise MalformedWebhookError(f"unexpected webhook shape: {exc!r}") from exc
    return statuses, inbound


def _inbound(raw: dict[str, Any]) -> Inbound:
    kind = raw.get("type")
    text: str | None = None
    payload: str | None = None
    if kind == "button":  # quick-reply button of a template
        payload = raw["button"].get("payload")
        text = raw["button"].get("text")
        out_kind = "button"
    elif kind == "interactive":  # reply button of an interactive message
        reply = raw["interactive"].get("button_reply") or {}
        payload, text, out_kind = reply.get("id"), reply.get("title"), "button"
    else:
        text = (raw.get("text") or {}).get("body") if kind == "text" else None
        out_kind = "text"
    context = raw.get("context") or {}
    return Inbound(
        provider_message_id=str(raw["id"]),
        sender=str(raw["from"]),
        at=_time(raw.get("timestamp")),
        kind=out_kind,
        text=text,
        button_payload=payload,
        context_id=context.get("id"),
    )


_SMS_STATUS = {"DELIVERED": Receipt.DELIVERED, "FAILED": Receipt.FAILED, "SENT": Receipt.SENT}


def parse_sms_reports(payload: Any) -> list[StatusUpdate]:
    """Delivery reports of the SMS gateway: {"reports": [{message_id, ref, status, ...}]}."""
    try:
        out = []
        for raw in payload["reports"]:
            status = _SMS_STATUS.get(str(raw["status"]).upper())
            if status is None:
                continue
            error = None
            if status is Receipt.FAILED:
                error = ProviderError(
                    code=None,
                    title=str(raw.get("error_code") or "FAILED"),
                    detail=str(raw.get("error_text") or ""),
                )
            out.append(
                StatusUpdate(
                    provider_message_id=str(raw["message_id"]),
                    status=status,
                    at=datetime.fromisoformat(str(raw["done_at"]).replace("Z", "+00:00")),
                    delivery_id=raw.get("ref"),
                    error=error,
                )
            )
        return out
    except (KeyError, TypeError, ValueError) as exc:
        raise MalformedWebhookError(f"unexpected delivery report: {exc!r}") from exc


def parse_sms_inbound(payload: Any) -> list[Inbound]:
    """Inbound SMS: {"messages": [{id, from, text, received_at}]}."""
    try:
        return [
            Inbound(
                provider_message_id=str(raw["id"]),
                sender=str(raw["from"]),
                at=datetime.fromisoformat(str(raw["received_at"]).replace("Z", "+00:00")),
                kind="text",
                text=str(raw["text"]),
                button_payload=None,
                context_id=None,
            )
            for raw in payload["messages"]
        ]
    except (KeyError, TypeError, ValueError) as exc:
        raise MalformedWebhookError(f"unexpected inbound SMS: {exc!r}") from exc


def digits(number: str) -> str:
    """A phone number as digits only, the form contacts are matched on."""
    return "".join(c for c in number if c.isdigit())
