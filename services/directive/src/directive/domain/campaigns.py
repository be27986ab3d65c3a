"""Campaigns carried by every circle (issue 14, item 6): the public post a campaign promotes, the
tracked link each circle group gets for it, and who counts as having opened that link.

Pure: the random bytes of a code come from the caller (the store asks `secrets`), so that the
rules here are tested without chance.
"""

from __future__ import annotations

import base64
from collections.abc import Iterable
from urllib.parse import urlsplit

from directive.domain.model import DirectiveKind, InvalidRequestError

__all__ = [
    "CODE_BYTES",
    "LINK_PATH",
    "PostUrlRefusedError",
    "campaign_post_url",
    "is_link_code",
    "link_code",
    "link_url",
]

# 9 random bytes are 12 base64url characters (72 bits): short enough for an SMS, and with the
# per-address limit of the link's route (50/s) finding any one of a million live codes by
# guessing takes on average 2**72 / 10**6 / 50 s, some 3 million years.
CODE_BYTES = 9
CODE_LENGTH = 12
_CODE_CHARS = frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_")
LINK_PATH = "/c/"
URL_MAX = 2048  # the contract's longest https URL (nazar_contracts.dispatch.HttpsUrl)


class PostUrlRefusedError(InvalidRequestError):
    """The public post a campaign names is not one the circles may be sent to."""

    code = "post-url-refused"


def campaign_post_url(
    url: str | None, kind: DirectiveKind, allowed_hosts: Iterable[str]
) -> str | None:
    """The campaign's public post as it will be stored, or None without one; refused unless the
    directive is a campaign and the URL is https on one of the official networks' hosts."""
    if url is None or not url.strip():
        return None
    clean = url.strip()
    if kind != DirectiveKind.CAMPAIGN:
        raise PostUrlRefusedError(
            "only a campaign carries a public post; choose the kind 'campaign' or leave "
            "public_post_url out",
            detail_hi="सार्वजनिक पोस्ट केवल अभियान (campaign) के साथ भेजी जा सकती है; प्रकार "
            "'campaign' चुनें या public_post_url हटा दें",
        )
    hosts = sorted({h.lower() for h in allowed_hosts})
    try:
        parts = urlsplit(clean)
        host = (parts.hostname or "").lower()
        port = parts.port
    except ValueError:
        host, port, parts = "", None, None
    if (
        parts is None
        or parts.scheme != "https"
        or len(clean) > URL_MAX
        or any(c.isspace() for c in clean)
    ):
        raise PostUrlRefusedError(
            "the public post must be an https:// link (copy it from the post's Share button)",
            detail_hi="सार्वजनिक पोस्ट का लिंक https:// से शुरू होना चाहिए (पोस्ट के Share बटन "
            "से लिंक कॉपी करें)",
        )
    if host not in hosts or port not in (None, 443) or parts.username or parts.password:
        shown = ", ".join(hosts)
        raise PostUrlRefusedError(
            f"the public post must be on an official account's network ({shown})",
            detail_hi=f"सार्वजनिक पोस्ट आधिकारिक खाते के नेटवर्क पर होनी चाहिए ({shown})",
        )
    return clean


def link_code(random_bytes: bytes) -> str:
    """A circle's link code from `CODE_BYTES` random bytes: unpadded base64url (URL-safe)."""
    if len(random_bytes) != CODE_BYTES:
        raise ValueError(f"a link code takes {CODE_BYTES} random bytes")
    return base64.urlsafe_b64encode(random_bytes).decode("ascii")


def is_link_code(text: str) -> bool:
    """Whether `text` could be a code at all (anything else is a 404 without a query)."""
    return len(text) == CODE_LENGTH and all(c in _CODE_CHARS for c in text)


def link_url(public_base_url: str, code: str) -> str:
    return public_base_url.rstrip("/") + LINK_PATH + code
