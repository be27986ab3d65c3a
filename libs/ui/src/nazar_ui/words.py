"""The words every console page shares, and the names a page shows for a code.

A person reads names, never codes: a role is "पुलिस अधीक्षक" / "SP / DCP", not `sp`; a unit kind
is "ज़िला" / "District", not `district`. The pairs live in `nazar_contracts.vocabulary`
(`ROLE_NAMES`, `UNIT_KIND_NAMES`) so messages and pages name them the same way; `words` hands
them to the pages in the page's language (`t.roles`, `t.unit_kinds`).
"""

from __future__ import annotations

from collections.abc import Mapping

from nazar_contracts.vocabulary import ROLE_NAMES, UNIT_KIND_NAMES

LANGUAGES = (("hi", "हिंदी"), ("en", "English"))

# The frame's words (header, sign-in, problems, tables); a service's labels add its own.
COMMON_WORDS: dict[str, tuple[str, str]] = {
    "sign_in": ("साइन इन", "Sign in"),
    "dev_sign_in": ("डेवलपर साइन इन", "Dev sign-in"),
    "sign_out": ("साइन आउट", "Sign out"),
    "signed_in_as": ("साइन इन:", "Signed in:"),
    # Where a session carries no name (written before names travelled with it): never the id.
    "member": ("सदस्य", "Member"),
    "dev_note": (
        "केवल स्थानीय/परीक्षण परिवेश: रोस्टर से कोई भी सदस्य चुनकर उसकी तैनाती के अधिकारों से साइन इन करें।",
        "Local and test environments only: pick any member of the roster and sign in with the "
        "grants of their postings.",
    ),
    "filter": ("छाँटें", "Filter"),
    "role": ("पद", "Role"),
    "all_officers": ("सभी अधिकारी", "All officers"),
    "everyone": ("सभी सदस्य", "Everyone"),
    "unit_id": ("इकाई कोड", "Unit code"),
    "unit": ("इकाई", "Unit"),
    "name": ("नाम", "Name"),
    "more": ("और दिखाएँ", "Show more"),
    "none": ("कुछ नहीं मिला", "Nothing found"),
    "loading": ("लोड हो रहा है…", "Loading…"),
    "problem": ("समस्या", "Problem"),
    "network_error": ("सर्वर से संपर्क नहीं हो सका।", "Could not reach the server."),
    # Names of the header's two navigations (a screen reader lists them by name).
    "language": ("भाषा", "Language"),
    "sections": ("खंड", "Sections"),
    "yes": ("हाँ", "yes"),
    "no": ("नहीं", "no"),
}


def language(lang: str | None) -> str:
    """The page's language: Hindi unless English is asked for."""
    return lang if lang in ("hi", "en") else "hi"


def pick(pair: tuple[str, str], lang: str) -> str:
    """The Hindi or English half of a (Hindi, English) pair."""
    return pair[0 if language(lang) == "hi" else 1]


def role_names(lang: str) -> dict[str, str]:
    return {str(role): pick(pair, lang) for role, pair in ROLE_NAMES.items()}


def unit_kind_names(lang: str) -> dict[str, str]:
    return {str(kind): pick(pair, lang) for kind, pair in UNIT_KIND_NAMES.items()}


def words(
    lang: str,
    own: Mapping[str, tuple[str, str]],
    enums: Mapping[str, Mapping[str, tuple[str, str]]] | None = None,
) -> dict[str, object]:
    """The frame's words and the service's `own` pairs (Hindi, English), plus role and unit-kind
    names and the service's named values (`enums`: group → value → pair), each in `lang`."""
    out: dict[str, object] = {k: pick(pair, lang) for k, pair in {**COMMON_WORDS, **own}.items()}
    out["roles"] = role_names(lang)
    out["unit_kinds"] = unit_kind_names(lang)
    for group, names in (enums or {}).items():
        out[group] = {key: pick(pair, lang) for key, pair in names.items()}
    return out
