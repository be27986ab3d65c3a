"""The bodies of WhatsApp Cloud API messages (Meta's "Template messages" and "Interactive reply
buttons"): built when a delivery becomes a job, sent as they are by `adapters.whatsapp`."""

from __future__ import annotations

from typing import Any


def template_message(
    *,
    to: str,
    template: str,
    language: str,
    parameters: list[str],
    button_payload: str | None,
    callback_data: str,
) -> dict[str, Any]:
    components: list[dict[str, Any]] = [
        {"type": "body", "parameters": [{"type": "text", "text": p} for p in parameters]}
    ]
    if button_payload is not None:
        components.append(
            {
                "type": "button",
                "sub_type": "quick_reply",
                "index": "0",
                "parameters": [{"type": "payload", "payload": button_payload}],
            }
        )
    return {
        "messaging_product": "whatsapp",
        "recipient_type": "individual",
        "to": to,
        "type": "template",
        "template": {"name": template, "language": {"code": language}, "components": components},
        "biz_opaque_callback_data": callback_data,
    }


def interactive_message(
    *, to: str, body: str, button_id: str | None, button_title: str, callback_data: str
) -> dict[str, Any]:
    """Free-form message, allowed only inside the 24-hour customer-service window."""
    if button_id is None:
        return {
            "messaging_product": "whatsapp",
            "recipient_type": "individual",
            "to": to,
            "type": "text",
            "text": {"body": body, "preview_url": False},
            "biz_opaque_callback_data": callback_data,
        }
    return {
        "messaging_product": "whatsapp",
        "recipient_type": "individual",
        "to": to,
        "type": "interactive",
        "interactive": {
            "type": "button",
            "body": {"text": body},
            "action": {
                "buttons": [{"type": "reply", "reply": {"id": button_id, "title": button_title}}]
            },
        },
        "biz_opaque_callback_data": callback_data,
    }


def authentication_message(
    *, to: str, template: str, language: str, code: str, callback_data: str
) -> dict[str, Any]:
    """A copy-code authentication template (Meta's "Copy code authentication templates"): the
    body's one parameter is the code, and the button (created as `otp`/`copy_code`, sent as a URL
    button at index 0) carries the same code, which WhatsApp copies to the clipboard."""
    return {
        "messaging_product": "whatsapp",
        "recipient_type": "individual",
        "to": to,
        "type": "template",
        "template": {
            "name": template,
            "language": {"code": language},
            "components": [
                {"type": "body", "parameters": [{"type": "text", "text": code}]},
                {
                    "type": "button",
                    "sub_type": "url",
                    "index": "0",
                    "parameters": [{"type": "text", "text": code}],
                },
            ],
        },
        "biz_opaque_callback_data": callback_data,
    }
