"""The fake WhatsApp's approved templates and Meta's checks of a template message at send time:
the body's parameters, and the copy-code button of an AUTHENTICATION template."""

from __future__ import annotations

from typing import Any

# (HTTP status, Graph error code, message, details)
Problem = tuple[int, int, str, str]

DEFAULT_TEMPLATES = {"nazar_message": {"hi": 3, "en": 3}, "nazar_sign_in_code": {"hi": 1, "en": 1}}
# Templates of category AUTHENTICATION with a copy-code button: Meta's preset body takes the code
# as its one parameter, and the button (created as `otp`/`copy_code`, stored as a URL button)
# must be sent with the same code as a text parameter at index 0.
AUTH_TEMPLATES = frozenset({"nazar_sign_in_code"})
OTP_MAX = 15


def validate_template(
    templates: dict[str, dict[str, int]], template: dict[str, Any]
) -> Problem | None:
    """A template message as Meta checks it: name and language approved, the body's parameters
    (count, no newline, tab or five spaces, 1,024 characters in all), the copy-code button."""
    name = template.get("name")
    lang = (template.get("language") or {}).get("code")
    if name not in templates or lang not in templates[name]:
        return (
            404,
            132001,
            "(#132001) Template name does not exist in the translation",
            f"template name ({name}) does not exist in {lang}",
        )
    params: list[dict[str, Any]] = []
    for comp in template.get("components") or []:
        if comp.get("type") == "body":
            params = comp.get("parameters") or []
    expected = templates[name][lang]
    if len(params) != expected:
        return (
            400,
            132000,
            "(#132000) Number of parameters does not match the expected number of params",
            f"body: number of localizable_params ({len(params)}) does "
            f"not match the expected number of params ({expected})",
        )
    total = 0
    for p in params:
        text = str(p.get("text", ""))
        total += len(text)
        if not text:
            return 400, 131008, "(#131008) Required parameter is missing", "empty parameter"
        if "\n" in text or "\t" in text or "     " in text:
            return (
                400,
                100,
                "(#100) Invalid parameter",
                "Param text cannot have new-line/tab characters or more than 4 consecutive spaces",
            )
    if total > 1024:
        return 400, 132005, "(#132005) Translated text too long", "hydrated text > 1024"
    if name in AUTH_TEMPLATES:
        return validate_copy_code(template, str(params[0].get("text", "")))
    return None


def validate_copy_code(template: dict[str, Any], code: str) -> Problem | None:
    """The copy-code button of an authentication template, as Meta checks it at send time."""
    if len(code) > OTP_MAX:
        return (
            400,
            131009,
            "(#131009) Parameter value is not valid",
            f"body: the one-time password exceeds {OTP_MAX} characters",
        )
    buttons = [c for c in template.get("components") or [] if c.get("type") == "button"]
    button = next((b for b in buttons if str(b.get("index")) == "0"), None)
    params = (button or {}).get("parameters") or []
    if button is None or not params:
        return (
            400,
            131008,
            "(#131008) Required parameter is missing",
            "buttons: Button at index 0 of type Url requires a parameter",
        )
    if button.get("sub_type") != "url" or len(buttons) != 1 or len(params) != 1:
        return (
            400,
            131009,
            "(#131009) Parameter value is not valid",
            "buttons: Button at index 0 of type Url does not match the template's buttons",
        )
    text = params[0].get("text")
    if params[0].get("type") != "text" or not text or len(str(text)) > OTP_MAX:
        return (
            400,
            131009,
            "(#131009) Parameter value is not valid",
            "buttons: Button at index 0 of type Url requires a text parameter of at most"
            f" {OTP_MAX} characters",
        )
    return None
