"""Instagram's Graph API error answers as the queue's error kinds (`graph_error`).

Graph error objects `{"error": {"message", "type", "code", "error_subcode", "error_user_title",
"error_user_msg", "fbtrace_id"}}` (Instagram error codes reference, developers.facebook.com/docs/
instagram-platform/instagram-graph-api/reference/error-codes): 80002 is Instagram's
business-use-case rate limit (Graph API "Rate Limiting", developers.facebook.com/docs/graph-api/
overview/rate-limiting), 4 / 17 / 32 / 613 the platform's; 9 / 2207042 "You reached maximum
number of posts" (the publishing limit); 190 an invalid or expired token, 368 a policy block,
10 / 200 a missing permission; 100 / 9004 / 36000-36003 / 2207xxx the media or a parameter
refused, except the 2207xxx the reference says to try again (2207001 server error, 2207003
download timeout, 2207020 expired, 2207032 create failed, 2207053 upload error) and 9007 /
2207027 (not ready yet). A 5xx is unclear only for `media_publish`, the one call that can post.
"""

from __future__ import annotations

import json
from datetime import datetime, timedelta

from social_publisher.domain.social import ErrorKind, Network, SocialError

IG = Network.INSTAGRAM
RATE_CODES = frozenset({4, 17, 32, 613, 80002})
ACCOUNT_CODES = frozenset({10, 102, 190, 200, 368})
# Instagram's own failures that a new try may not meet (error codes reference: "Try again").
TRANSIENT_SUBCODES = frozenset({2207001, 2207003, 2207020, 2207027, 2207032, 2207053})
PUBLISHING_LIMIT = (9, 2207042)


def graph_error(
    status: int, body: bytes, *, publishing: bool, container_id: str | None, now: datetime,
    rate_wait: timedelta, quota_wait: timedelta,
) -> SocialError:  # fmt: skip
    """A Graph API error answer as the queue's `SocialError`."""
    try:
        raw = json.loads(body)["error"]
        code = int(raw.get("code"))
        subcode = int(raw["error_subcode"]) if raw.get("error_subcode") is not None else None
        said = str(raw.get("error_user_msg") or raw.get("message") or "")[:300]
    except (ValueError, KeyError, TypeError, AttributeError):
        code, subcode, said = 0, None, f"HTTP {status}"
    code_text = str(code) if subcode is None else f"{code}/{subcode}"

    def error(kind: ErrorKind, reason: str, retry_at: datetime | None = None) -> SocialError:
        return SocialError(kind, IG, code_text, reason, retry_at, container_id=container_id)

    if code in RATE_CODES or status == 429:
        return error(
            ErrorKind.RATE_LIMITED,
            f"Instagram asks us to slow down ({said}); the post waits and goes later.",
            now + rate_wait,
        )
    if (code, subcode) == PUBLISHING_LIMIT:
        return error(
            ErrorKind.RATE_LIMITED,
            "The Instagram account has published as many posts as Instagram allows in 24 hours; "
            "the post waits until the quota frees.",
            now + quota_wait,
        )
    if code in ACCOUNT_CODES:
        what = {
            190: "Its access token is invalid or expired: reconnect the account in Meta Business "
            "settings, then resume it.",
            368: "Instagram has temporarily blocked it from posting for a policy reason: check the "
            "account in the Instagram app, then resume it.",
        }.get(code, "The token may not publish for it: grant instagram_content_publish again.")
        return error(ErrorKind.ACCOUNT, f"The Instagram account cannot post. {what} ({said})")
    if status >= 500 or code in (1, 2, -1, -2) or subcode in TRANSIENT_SUBCODES:
        if publishing:
            return error(
                ErrorKind.UNCLEAR,
                f"Instagram failed while publishing ({said}); the post may be out: it is "
                "checked before any retry.",
            )
        return error(ErrorKind.TRANSIENT, f"Instagram failed for now ({said}); tried again later.")
    return error(
        ErrorKind.REFUSED,
        f"Instagram refused the post: {said}. Change the Instagram version or its image as it "
        "says, then approve it again.",
    )
