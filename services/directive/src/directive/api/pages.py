"""Server-rendered pages in Hindi and English: the inbox message a signed link opens.

Templates autoescape everything: message text comes from officers and is shown as text only.
The page has no script, and its style is a static file (`/inbox/static/inbox.css`): the
Content-Security-Policy every page gets refuses inline style.
"""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from fastapi import FastAPI
from fastapi.staticfiles import StaticFiles
from jinja2 import Environment, PackageLoader, select_autoescape
from nazar_platform.http.forwarded import prefix

from directive.domain.texts import post_label

STATIC = Path(__file__).parent.parent / "static" / "inbox"
IST = ZoneInfo("Asia/Kolkata")
LANGUAGES = (("hi", "हिंदी"), ("en", "English"))

TEXTS: dict[str, dict[str, Any]] = {
    "hi": {
        "app": "नज़र — निर्देश",
        "priority": {"flash": "फ़्लैश", "urgent": "अत्यावश्यक", "routine": "सामान्य"},
        "kind": {
            "original": "निर्देश",
            "update": "संशोधन",
            "cancellation": "निरस्तीकरण",
            "note": "सीओ की टिप्पणी",
            "escalation": "वृद्धि सूचना",
            "story": "सफलता की कहानी",
            "story_notice": "आपकी कहानी",
            "account_notice": "आधिकारिक खाता रुका",
        },
        "sp_note": "पुलिस अधीक्षक की टिप्पणी",
        "post": post_label("hi"),
        "attachments": "संलग्नक",
        "acknowledge": "प्राप्त हुआ — पावती दें",
        "acknowledged": "पावती दी गई:",
        "ack_hint": "बटन दबाने से पुष्टि होती है कि आपने यह संदेश पढ़ लिया है।",
        "no_ack": "इस संदेश के लिए पावती आवश्यक नहीं है।",
        "link_expires": "यह लिंक इस समय तक मान्य है:",
        "code": "कोड",
    },
    "en": {
        "app": "Nazar — Directives",
        "priority": {"flash": "Flash", "urgent": "Urgent", "routine": "Routine"},
        "kind": {
            "original": "Directive",
            "update": "Update",
            "cancellation": "Cancellation",
            "note": "Note from the CO",
            "escalation": "Escalation",
            "story": "Success story",
            "story_notice": "Your story",
            "account_notice": "Official account stopped",
        },
        "sp_note": "Note from the SP",
        "post": post_label("en"),
        "attachments": "Attachments",
        "acknowledge": "Received — acknowledge",
        "acknowledged": "Acknowledged",
        "ack_hint": "Pressing the button confirms that you have read this message.",
        "no_ack": "This message does not ask for an acknowledgement.",
        "link_expires": "This link is valid until",
        "code": "Code",
    },
}

_env = Environment(
    loader=PackageLoader("directive", "templates"),
    autoescape=select_autoescape(["html"]),
    trim_blocks=True,
    lstrip_blocks=True,
)


def shown_time(moment: datetime | None) -> str | None:
    """Times as people in Rajasthan read them: IST, day first."""
    return None if moment is None else moment.astimezone(IST).strftime("%d-%m-%Y %H:%M IST")


def render(template: str, lang: str, **context: Any) -> str:
    language = lang if lang in TEXTS else "hi"
    return _env.get_template(template).render(
        lang=language, t=TEXTS[language], languages=LANGUAGES, prefix=prefix(), **context
    )


def install(app: FastAPI) -> None:
    app.mount("/inbox/static", StaticFiles(directory=STATIC), name="inbox-static")
