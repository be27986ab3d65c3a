"""The phone sign-in page (issue 16 item 6): phone → code → passkey where the member's grants
call for one → back to the page asked for, in Hindi and English, in the consoles' frame.

Served by the roster because it is the identity provider: the page, `/api/v1/auth/*` and the
refresh cookie share one origin (the roster's own port, or `/roster/` under the one origin, where
the consoles are too). Every URL the page uses is built from the path the roster is served under
(`prefix_of`), never from an absolute `/api/...`. `next` is only ever a path of this origin: an
absolute URL, a scheme-relative `//host` or a backslash (which browsers read as a slash) falls back
to the roster page, so the page cannot be used to send a member elsewhere after signing in.
"""

from __future__ import annotations

import re
from typing import Annotated
from urllib.parse import quote, urlsplit

from fastapi import FastAPI, Query, Request
from fastapi.responses import HTMLResponse
from nazar_platform.http.forwarded import prefix
from nazar_platform.text import first_invalid
from nazar_ui import ConsolePages, words

from roster.settings import RosterSettings

# The page's words (Hindi, English); the frame's own come from nazar_ui.
OWN: dict[str, tuple[str, str]] = {
    "app": ("नज़र", "Nazar"),
    "title": ("मोबाइल नंबर से साइन इन", "Sign in with your mobile number"),
    "phone": ("मोबाइल नंबर", "Mobile number"),
    "channel": ("कोड कहाँ भेजें", "Send the code by"),
    "whatsapp": ("व्हाट्सऐप", "WhatsApp"),
    "sms": ("एसएमएस", "SMS"),
    "send_code": ("कोड भेजें", "Send code"),
    "code_sent": (
        "यदि यह नंबर रोस्टर पर है, तो उस पर 6 अंकों का कोड भेजा गया है। यह {minutes} मिनट तक मान्य है।",
        "If this number is on the roster, a 6-digit code is on its way to it. It works for "
        "{minutes} minutes.",
    ),
    "code": ("6 अंकों का कोड", "6-digit code"),
    "verify": ("साइन इन करें", "Sign in"),
    "resend": ("नया कोड भेजें", "Send a new code"),
    "wait": ("{seconds} सेकंड बाद फिर से माँग सकते हैं।", "You can ask again in {seconds} s."),
    "attempts_left": ("बचे प्रयास: {n}", "Tries left: {n}"),
    "new_code_needed": ("नया कोड माँगें।", "Ask for a new code."),
    "change_number": ("नंबर बदलें", "Change the number"),
    "passkey": ("पासकी", "Passkey"),
    "passkey_register": (
        "आपके पद के लिए पासकी आवश्यक है। इस डिवाइस पर अपनी पासकी बनाएँ।",
        "Your posting needs a passkey. Create your passkey on this device.",
    ),
    "passkey_authenticate": ("अपनी पासकी से पुष्टि करें।", "Confirm with your passkey."),
    "passkey_go": ("पासकी का उपयोग करें", "Use the passkey"),
    "passkey_unsupported": (
        "यह ब्राउज़र पासकी का समर्थन नहीं करता। किसी दूसरे ब्राउज़र से साइन इन करें।",
        "This browser does not support passkeys. Sign in from another browser.",
    ),
    "passkey_failed": (
        "पासकी की पुष्टि नहीं हो सकी। फिर से प्रयास करें।",
        "The passkey could not be confirmed. Try again.",
    ),
    "signing_in": ("साइन इन हो रहा है…", "Signing in…"),
    "or": ("या", "or"),
    "oidc_with": ("{name} से साइन इन करें", "Sign in with {name}"),
    "oidc_failed": (
        "एकल साइन-ऑन से साइन इन नहीं हो सका। मोबाइल नंबर से साइन इन करें।",
        "Signing in through the single sign-on did not work. Sign in with your mobile number.",
    ),
    "dev_link": ("डेवलपर साइन इन (केवल स्थानीय/परीक्षण)", "Dev sign-in (local and test only)"),
}
PAGES = ConsolePages("roster", lambda lang: words(lang, OWN), may={})
# Seconds before the page offers a new code (the roster's own limit answers Retry-After beyond).
RESEND_AFTER = 30
_MAX_NEXT = 2000
_PREFIX = re.compile(r"^(/[A-Za-z0-9_-]{1,40}){1,4}$")


def prefix_of(_request: Request) -> str:
    """The path the roster is served under: empty on its own port, `/roster` behind the one
    origin's proxy (the platform's reading of `X-Forwarded-Prefix`, `http.forwarded`)."""
    return prefix()


def safe_next(value: str | None, default: str) -> str:
    """`value` when it is a path of this origin, else `default` (no open redirect)."""
    if not value or len(value) > _MAX_NEXT or first_invalid(value) is not None:
        return default
    if not value.startswith("/") or value.startswith("//") or "\\" in value:
        return default
    if any(c.isspace() for c in value):
        return default
    parts = urlsplit(value)
    if parts.scheme or parts.netloc:
        return default
    return value


def install(app: FastAPI, settings: RosterSettings) -> None:
    PAGES.install(app)  # the frame's style sheet and scripts at /console/common

    @app.get("/sign-in", include_in_schema=False)
    async def sign_in_page(
        request: Request,
        lang: Annotated[str | None, Query()] = None,
        next: Annotated[str | None, Query(max_length=_MAX_NEXT)] = None,
    ) -> HTMLResponse:
        prefix = prefix_of(request)
        lang_ = lang if lang in ("hi", "en") else "hi"
        target = safe_next(next, f"{prefix}/roster?lang={lang_}")
        dev = f"{prefix}/dev/sign-in?lang={lang_}&next={quote(target, safe='')}"
        return PAGES.render(
            "phone_sign_in.html",
            lang_,
            "phone-sign-in",
            api=f"{prefix}/api/v1",
            next=target,
            resend_after=RESEND_AFTER,
            dev_sign_in_url=dev if settings.dev_sign_in else None,
            # The roster's own: this page and the auth API are one origin under any prefix.
            sign_in_url=f"{prefix}/sign-in",
            auth_url=f"{prefix}/api/v1/auth",
        )
