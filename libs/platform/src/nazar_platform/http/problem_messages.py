"""The message catalogue of problem documents, in English and Hindi, and language negotiation.

Every error a user can see is keyed by a stable `code`; its title and detail come from here in the
language the caller asked for. Field users mostly read Hindi, but integrators (other state IT
systems) usually send no `Accept-Language` at all, so the rule is:

1. the best supported language in `Accept-Language` (q-values honoured, `hi-IN` counts as `hi`);
2. else the caller's own language (the token's `language`), when the request is authenticated;
3. else English.

Other modules add their own codes with `register(...)` at import time (e.g. the access module for
its 401/403 codes); an unknown code still renders, with a generic title for its HTTP status.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

SUPPORTED_LANGUAGES = ("en", "hi")
DEFAULT_LANGUAGE = "en"


@dataclass(frozen=True, slots=True)
class Message:
    status: int
    title_en: str
    title_hi: str
    detail_en: str | None = None
    detail_hi: str | None = None

    def title(self, language: str) -> str:
        return self.title_hi if language == "hi" else self.title_en

    def detail(self, language: str, params: Mapping[str, Any]) -> str | None:
        template = self.detail_hi if language == "hi" else self.detail_en
        if template is None:
            return None
        return render(template, params)


_CATALOGUE: dict[str, Message] = {}


def register(
    code: str,
    status: int,
    *,
    title_en: str,
    title_hi: str,
    detail_en: str | None = None,
    detail_hi: str | None = None,
) -> None:
    """Add (or replace) the texts of one problem code. Templates use `{name}` parameters."""
    _CATALOGUE[code] = Message(status, title_en, title_hi, detail_en, detail_hi)


def lookup(code: str) -> Message | None:
    return _CATALOGUE.get(code)


def catalogue() -> Mapping[str, Message]:
    return dict(_CATALOGUE)


def generic(status: int) -> Message:
    """Texts for a code nobody registered: the HTTP status says what kind of failure it is."""
    if status >= 500:
        return Message(status, "Server error", "सर्वर त्रुटि")
    return Message(status, "Request failed", "अनुरोध विफल रहा")


class _Params(dict[str, str]):
    def __missing__(self, key: str) -> str:
        raise KeyError(key)


def render(template: str, params: Mapping[str, Any]) -> str | None:
    """Fill a template; a missing parameter drops the detail rather than showing `{name}`."""
    values = _Params(
        {
            k: ", ".join(str(x) for x in v) if isinstance(v, list | tuple | set) else str(v)
            for k, v in params.items()
        }
    )
    try:
        return template.format_map(values)
    except (KeyError, IndexError, ValueError):
        return None


def negotiate(accept_language: str | None, fallback: str | None = None) -> str:
    """The language to answer in (see the module docstring for the rule)."""
    preferred = fallback if fallback in SUPPORTED_LANGUAGES else DEFAULT_LANGUAGE
    if not accept_language:
        return preferred
    ranked: list[tuple[float, int, str]] = []
    for position, part in enumerate(accept_language.split(",")):
        tag, _, params = part.strip().partition(";")
        quality = 1.0
        for param in params.split(";"):
            name, _, value = param.strip().partition("=")
            if name.strip().lower() == "q":
                try:
                    quality = float(value)
                except ValueError:
                    quality = 0.0
        if 0 < quality <= 1 and tag.strip():
            ranked.append((-quality, position, tag.strip().lower().split("-")[0]))
    for _, _, primary in sorted(ranked):
        if primary in SUPPORTED_LANGUAGES:
            return primary
        if primary == "*":
            return preferred
    return preferred


# --- the platform's own problem codes ------------------------------------------------------------

register(
    "bad_request",
    400,
    title_en="Bad request",
    title_hi="अनुरोध सही नहीं है",
    detail_en="The request could not be understood.",
    detail_hi="अनुरोध समझा नहीं जा सका।",
)
register(
    "invalid_cursor",
    400,
    title_en="Invalid cursor",
    title_hi="अमान्य कर्सर",
    detail_en="This cursor was not issued by this API for this list; start again without one.",
    detail_hi="यह कर्सर इस सूची के लिए जारी नहीं किया गया था; बिना कर्सर के फिर से शुरू करें।",
)
register(
    "idempotency_key_invalid",
    400,
    title_en="Invalid Idempotency-Key",
    title_hi="अमान्य Idempotency-Key",
    detail_en="The Idempotency-Key header must be 1 to 255 printable ASCII characters.",
    detail_hi="Idempotency-Key हेडर में 1 से 255 तक छपने योग्य ASCII अक्षर होने चाहिए।",
)
register(
    "idempotency_key_missing",
    400,
    title_en="Idempotency-Key required",
    title_hi="Idempotency-Key आवश्यक है",
    detail_en="This operation needs an Idempotency-Key header so that a retry is safe.",
    detail_hi="इस कार्य के लिए Idempotency-Key हेडर आवश्यक है, ताकि दोबारा भेजना सुरक्षित रहे।",
)
register(
    "not_found",
    404,
    title_en="Not found",
    title_hi="नहीं मिला",
    detail_en="Nothing exists at this address.",
    detail_hi="इस पते पर कुछ भी मौजूद नहीं है।",
)
register(
    "method_not_allowed",
    405,
    title_en="Method not allowed",
    title_hi="यह विधि अनुमत नहीं है",
    detail_en="{method} is not allowed here; allowed: {allowed}.",
    detail_hi="यहाँ {method} अनुमत नहीं है; अनुमत विधियाँ: {allowed}।",
)
register(
    "conflict",
    409,
    title_en="Conflict",
    title_hi="टकराव",
    detail_en="The request conflicts with the current state of the resource.",
    detail_hi="अनुरोध संसाधन की वर्तमान स्थिति से मेल नहीं खाता।",
)
register(
    "idempotency_request_in_flight",
    409,
    title_en="Request still in progress",
    title_hi="अनुरोध अभी प्रक्रिया में है",
    detail_en="A request with this Idempotency-Key is still being processed; retry shortly.",
    detail_hi="इस Idempotency-Key वाला अनुरोध अभी प्रक्रिया में है; थोड़ी देर बाद फिर भेजें।",
)
register(
    "payload_too_large",
    413,
    title_en="Request too large",
    title_hi="अनुरोध बहुत बड़ा है",
    detail_en="The request body may be at most {limit} bytes.",
    detail_hi="अनुरोध का मुख्य भाग अधिकतम {limit} बाइट का हो सकता है।",
)
register(
    "unsupported_media_type",
    415,
    title_en="Unsupported media type",
    title_hi="असमर्थित मीडिया प्रकार",
    detail_en="Send the body as {expected}; got {got}.",
    detail_hi="मुख्य भाग {expected} के रूप में भेजें; प्राप्त हुआ: {got}।",
)
register(
    "validation_failed",
    422,
    title_en="Invalid request",
    title_hi="अमान्य अनुरोध",
    detail_en="{count} field(s) are invalid; see errors.",
    detail_hi="{count} फ़ील्ड अमान्य हैं; विवरण errors में देखें।",
)
register(
    "idempotency_key_reused",
    422,
    title_en="Idempotency-Key reused",
    title_hi="Idempotency-Key का दोबारा उपयोग",
    detail_en="This Idempotency-Key was already used for a different request.",
    detail_hi="यह Idempotency-Key पहले ही किसी दूसरे अनुरोध के लिए उपयोग हो चुकी है।",
)
register(
    "too_many_requests",
    429,
    title_en="Too many requests",
    title_hi="बहुत अधिक अनुरोध",
    detail_en="Too many requests; retry in {retry_after} s.",
    detail_hi="बहुत अधिक अनुरोध; {retry_after} सेकंड बाद फिर प्रयास करें।",
)
register(
    "internal_error",
    500,
    title_en="Internal error",
    title_hi="आंतरिक त्रुटि",
    detail_en="Something went wrong on our side. Quote request id {request_id} when you report it.",
    detail_hi="हमारी ओर से कुछ गड़बड़ हुई। इसकी सूचना देते समय अनुरोध आईडी {request_id} बताएँ।",
)
register(
    "not_ready",
    503,
    title_en="Service not ready",
    title_hi="सेवा अभी तैयार नहीं है",
    detail_en="Not reachable: {dependencies}.",
    detail_hi="संपर्क नहीं हो पा रहा: {dependencies}।",
)

# --- field messages of a 422, by pydantic error type ---------------------------------------------

_TYPE_NAMES = {
    # pydantic error type -> (English, Hindi) name of what was expected
    "string_type": ("text", "पाठ (टेक्स्ट)"),
    "int_type": ("a whole number", "पूर्णांक"),
    "int_parsing": ("a whole number", "पूर्णांक"),
    "int_from_float": ("a whole number", "पूर्णांक"),
    "float_type": ("a number", "संख्या"),
    "float_parsing": ("a number", "संख्या"),
    "bool_type": ("true or false", "true या false"),
    "bool_parsing": ("true or false", "true या false"),
    "dict_type": ("an object", "ऑब्जेक्ट"),
    "model_type": ("an object", "ऑब्जेक्ट"),
    "model_attributes_type": ("an object", "ऑब्जेक्ट"),
    "list_type": ("a list", "सूची"),
    "datetime_type": ("a date-time", "दिनांक-समय"),
    "datetime_parsing": ("a date-time", "दिनांक-समय"),
    "datetime_from_date_parsing": ("a date-time", "दिनांक-समय"),
    "date_type": ("a date", "दिनांक"),
    "date_parsing": ("a date", "दिनांक"),
    "date_from_datetime_parsing": ("a date", "दिनांक"),
    "uuid_type": ("a UUID", "UUID"),
    "uuid_parsing": ("a UUID", "UUID"),
}

_FIELD_MESSAGES: dict[str, tuple[str, str]] = {
    "missing": ("This field is required.", "यह फ़ील्ड आवश्यक है।"),
    "string_too_short": (
        "Must be at least {min_length} character(s) long.",
        "कम से कम {min_length} अक्षर होने चाहिए।",
    ),
    "string_too_long": (
        "Must be at most {max_length} character(s) long.",
        "अधिकतम {max_length} अक्षर हो सकते हैं।",
    ),
    "too_short": (
        "Must have at least {min_length} item(s).",
        "कम से कम {min_length} प्रविष्टियाँ होनी चाहिए।",
    ),
    "too_long": (
        "Must have at most {max_length} item(s).",
        "अधिकतम {max_length} प्रविष्टियाँ हो सकती हैं।",
    ),
    "wrong_type": ("Wrong type: expected {expected}.", "गलत प्रकार: {expected} अपेक्षित है।"),
    "enum": ("Must be one of: {expected}.", "इनमें से कोई एक होना चाहिए: {expected}।"),
    "literal_error": ("Must be one of: {expected}.", "इनमें से कोई एक होना चाहिए: {expected}।"),
    "string_pattern_mismatch": (
        "Does not have the expected format ({pattern}).",
        "अपेक्षित प्रारूप ({pattern}) से मेल नहीं खाता।",
    ),
    "json_invalid": (
        "The request body is not valid JSON ({error}).",
        "अनुरोध का मुख्य भाग मान्य JSON नहीं है ({error})।",
    ),
    "greater_than": ("Must be greater than {gt}.", "{gt} से अधिक होना चाहिए।"),
    "greater_than_equal": ("Must be at least {ge}.", "कम से कम {ge} होना चाहिए।"),
    "less_than": ("Must be less than {lt}.", "{lt} से कम होना चाहिए।"),
    "less_than_equal": ("Must be at most {le}.", "अधिकतम {le} हो सकता है।"),
    "extra_forbidden": ("This field is not allowed.", "यह फ़ील्ड अनुमत नहीं है।"),
    "timezone_aware": (
        "Must include a time zone (e.g. +05:30).",
        "समय क्षेत्र शामिल होना चाहिए (जैसे +05:30)।",
    ),
    "datetime_out_of_range": (
        "Must lie between the years 1 and 9999 in UTC.",
        "UTC में वर्ष 1 और 9999 के बीच होना चाहिए।",
    ),
}
_FALLBACK_FIELD_MESSAGE_HI = "मान अमान्य है।"


def field_message(error_type: str, ctx: Mapping[str, Any], language: str, original: str) -> str:
    """One bad field's message. An error type without a translation keeps pydantic's English
    text (it says more than a generic line), or a generic Hindi line."""
    hindi = language == "hi"
    if error_type in _TYPE_NAMES:
        expected = _TYPE_NAMES[error_type][1 if hindi else 0]
        templates = _FIELD_MESSAGES["wrong_type"]
        params: Mapping[str, Any] = {"expected": expected}
    elif error_type in _FIELD_MESSAGES:
        templates = _FIELD_MESSAGES[error_type]
        params = ctx
        if hindi and isinstance(ctx.get("expected"), str):
            # pydantic lists choices as "'a', 'b' or 'c'".
            params = {**ctx, "expected": ctx["expected"].replace(" or ", " या ")}
    else:
        return _FALLBACK_FIELD_MESSAGE_HI if hindi else original
    text = render(templates[1 if hindi else 0], params)
    if text is None:
        return _FALLBACK_FIELD_MESSAGE_HI if hindi else original
    return text
