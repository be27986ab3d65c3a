"""Facebook Pages (Graph API): the pure rules — the error table, the schedule window, usage.

Sources (checked with the project's search tool; cite them when a number changes):
* Error codes and what to do about each: "Handling Errors", Graph API,
  https://developers.facebook.com/docs/graph-api/guides/error-handling — 1 (API Unknown, maybe
  temporary), 2 (API Service, temporary), 4 (app too many calls), 17 (user too many calls),
  10 and 200-299 (permission), 190 (access token expired or invalid; subcodes 458 app not
  installed, 460 password changed, 463 expired, 467 invalid), 341 (application limit), 368
  (temporarily blocked for policy violations), 506 (duplicate post), 613 (calls within one hour
  exceeded), 100 (invalid parameter).
* Rate limits and their headers: "Rate Limits", Graph API,
  https://developers.facebook.com/docs/graph-api/overview/rate-limiting — Pages API calls made
  with a Page or system-user token count against Business Use Case limits: header
  `X-Business-Use-Case-Usage`, `{"<business-id>": [{"type": "pages", "call_count", "total_cputime",
  "total_time", "estimated_time_to_regain_access"}]}` (percentages, and minutes), error 80001
  for Pages; calls with app or user tokens count against platform limits: `X-App-Usage`
  `{"call_count", "total_cputime", "total_time"}` (percentages). 32 is the Page-level limit
  ("Page rate limits", developers.facebook.com/blog/post/2016/06/16/page-level-rate-limits/),
  reported in `X-Page-Usage` (the shape of `X-App-Usage`).
* 506 is "(#506) Duplicate status message" (facebook-csharp-sdk issue #119); a 500 with code 2
  may still have posted (arsduo/koala issue #699: photos posted several times after code 2).
* Scheduled posts: `published=false` with `scheduled_publish_time` (unix seconds), "between 10
  minutes and 30 days from the time of the API request" (Pages API, "Posts",
  https://developers.facebook.com/docs/pages-api/posts; older pages said 6 months).
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from social_publisher.domain.social import ErrorKind, Network, SocialError

SCHEDULE_MIN = timedelta(minutes=10)
SCHEDULE_MAX = timedelta(days=30)

RATE_LIMIT_CODES = frozenset({4, 17, 32, 613, 80001})
TOKEN_CODES = frozenset({190, 102})
PERMISSION_CODES = frozenset({10, *range(200, 300)})
POLICY_BLOCK = 368
DUPLICATE = 506
BAD_PARAMETER = 100
SERVICE_CODES = frozenset({1, 2})
NOT_FOUND_SUBCODE = 33  # with 100: "Object ... does not exist"

_PERMISSION = re.compile(r"\b(pages_[a-z_]+|publish_[a-z_]+|business_management)\b")
_URL = re.compile(r"https?://[^\s<>\"']+")
_TRAILING = ".,;:!?)]}'\"।॥"

_TOKEN_SUBCODES = {
    458: "the app was removed from the Page's admin account",
    460: "the admin's password changed",
    463: "it expired",
    467: "it is not valid",
}


@dataclass(frozen=True)
class GraphError:
    """The `error` object of a Graph API answer."""

    code: int | None
    message: str
    type: str = ""
    subcode: int | None = None
    fbtrace_id: str | None = None
    is_transient: bool = False


@dataclass(frozen=True)
class BusinessUsage:
    """One entry of `X-Business-Use-Case-Usage`: percentages and minutes until access returns."""

    business_id: str
    type: str
    call_count: int
    total_cputime: int
    total_time: int
    minutes_to_regain: int


@dataclass(frozen=True)
class Usage:
    """What the headers of one answer say about the account's share of its limits."""

    app: dict[str, int]  # X-App-Usage: call_count, total_cputime, total_time (percent)
    business: tuple[BusinessUsage, ...] = ()
    page: dict[str, int] = field(default_factory=dict)  # X-Page-Usage, the same shape

    @property
    def percent(self) -> int:
        """The highest share of any limit used, 0-100 (Meta throttles at 100)."""
        values = [*self.app.values(), *self.page.values()]
        for b in self.business:
            values += [b.call_count, b.total_cputime, b.total_time]
        return max(values, default=0)

    def regain_at(self, now: datetime) -> datetime | None:
        minutes = max((b.minutes_to_regain for b in self.business), default=0)
        return now + timedelta(minutes=minutes) if minutes > 0 else None


NO_USAGE = Usage(app={})


def _percent(value: Any) -> int:
    try:
        return max(0, int(value))
    except (TypeError, ValueError):
        return 0


def _shares(header: str | None) -> dict[str, int]:
    try:
        raw = json.loads(header) if header else None
    except ValueError:
        raw = None
    if not isinstance(raw, dict):
        return {}
    return {k: _percent(raw[k]) for k in ("call_count", "total_cputime", "total_time") if k in raw}


def parse_usage(
    app_header: str | None, business_header: str | None, page_header: str | None = None
) -> Usage:
    """The usage headers, leniently: a header Meta did not send or that does not parse says
    nothing. `X-Page-Usage` (Page-level limits, error 32) has `X-App-Usage`'s shape."""
    app = _shares(app_header)
    business: list[BusinessUsage] = []
    if business_header:
        try:
            raw_b = json.loads(business_header)
        except ValueError:
            raw_b = None
        if isinstance(raw_b, dict):
            for business_id, entries in raw_b.items():
                for e in entries if isinstance(entries, list) else []:
                    if not isinstance(e, dict):
                        continue
                    business.append(
                        BusinessUsage(
                            business_id=str(business_id),
                            type=str(e.get("type", "")),
                            call_count=_percent(e.get("call_count")),
                            total_cputime=_percent(e.get("total_cputime")),
                            total_time=_percent(e.get("total_time")),
                            minutes_to_regain=_percent(e.get("estimated_time_to_regain_access")),
                        )
                    )
    return Usage(app=app, business=tuple(business), page=_shares(page_header))


def pace(percent: int, *, slow_from: int, max_gap: timedelta) -> timedelta:
    """How long to leave between this account's calls: none below `slow_from` %, growing to
    `max_gap` at 100 % (linear), so that the queue eases off before Meta blocks it for hours."""
    if percent <= slow_from:
        return timedelta(0)
    share = min(1.0, (percent - slow_from) / max(1, 100 - slow_from))
    return max_gap * share


def parse_error(body: bytes) -> GraphError | None:
    try:
        raw = json.loads(body)["error"]
        code = raw.get("code")
        subcode = raw.get("error_subcode")
        return GraphError(
            code=int(code) if code is not None else None,
            message=str(raw.get("message", ""))[:500],
            type=str(raw.get("type", "")),
            subcode=int(subcode) if subcode is not None else None,
            fbtrace_id=str(raw["fbtrace_id"]) if raw.get("fbtrace_id") else None,
            is_transient=bool(raw.get("is_transient", False)),
        )
    except (ValueError, KeyError, TypeError, AttributeError):
        return None


def missing_permission(message: str) -> str | None:
    """The permission Meta's message names ("requires ... pages_manage_posts permission"), if any;
    several are joined with "and"."""
    names = list(dict.fromkeys(_PERMISSION.findall(message)))
    return " and ".join(names) if names else None


def _error(kind: ErrorKind, code: int | str | None, reason: str, **kw: Any) -> SocialError:
    return SocialError(
        kind=kind,
        network=Network.FACEBOOK,
        code=None if code is None else str(code),
        reason=reason,
        **kw,
    )


def classify(
    status: int,
    error: GraphError | None,
    usage: Usage,
    now: datetime,
    *,
    write: bool,
) -> SocialError:
    """A Graph API error answer as the queue's `SocialError`. `write` is True when the request
    may have made a public post (a feed post, a published photo): then a server error after the
    body was sent is UNCLEAR, to be reconciled before any retry."""
    code = error.code if error else None
    said = f' Facebook said: "{error.message}".' if error and error.message else ""
    if code in RATE_LIMIT_CODES or (code is None and status == 429):
        retry_at = usage.regain_at(now)
        when = (
            f" Posting resumes after {retry_at:%H:%M} UTC."
            if retry_at
            else " Posting resumes when the usage drops."
        )
        return _error(
            ErrorKind.RATE_LIMITED,
            code or status,
            f"Facebook is limiting calls for this Page (code {code or status}, "
            f"{usage.percent} % of the limit used): nothing to do, the post waits.{when}",
            retry_at=retry_at,
        )
    if code in TOKEN_CODES:
        subcode = error.subcode if error and error.subcode else 0
        why = _TOKEN_SUBCODES.get(subcode, "it was revoked or is invalid")
        return _error(
            ErrorKind.ACCOUNT,
            code,
            f"Facebook no longer accepts this Page's access token ({why}; code {code}). "
            "A Page admin must reconnect the Page in Nazar; posting to it is stopped until then.",
        )
    if code in PERMISSION_CODES:
        perm = missing_permission(error.message) if error else None
        need = f"the permission {perm}" if perm else "a permission it needs"
        return _error(
            ErrorKind.ACCOUNT,
            code,
            f"Facebook refused because the app lacks {need} on this Page (code {code}). "
            "A Page admin must grant it (reconnect the Page in Nazar and allow it); posting to "
            f"this Page is stopped until then.{said}",
        )
    if code == POLICY_BLOCK:
        return _error(
            ErrorKind.ACCOUNT,
            code,
            "Facebook has temporarily blocked this Page from posting for a policy reason "
            f"(code {code}). Posting to it is stopped: a Page admin should read the notice in "
            "Facebook's Page quality / support inbox and resume it here once the block ends."
            f"{said}",
        )
    if code == DUPLICATE:
        return _error(
            ErrorKind.REFUSED,
            code,
            "Facebook refused the post as a duplicate of one already on this Page (code 506). "
            "Change the text if it should go out again.",
            duplicate=True,
        )
    if code == BAD_PARAMETER:
        return _error(
            ErrorKind.REFUSED,
            code,
            f"Facebook refused the post as malformed (code 100); it will not be retried as it is."
            f"{said}",
        )
    transient = error is not None and error.is_transient
    server_side = status >= 500 or code in SERVICE_CODES or transient
    if server_side or error is None:
        kind = ErrorKind.UNCLEAR if write else ErrorKind.TRANSIENT
        label = code if code is not None else status
        tail = (
            " It may have been posted anyway: the Page's feed is checked before any retry."
            if write
            else " It will be retried."
        )
        return _error(kind, label, f"Facebook had a temporary problem (code {label}).{tail}{said}")
    return _error(
        ErrorKind.REFUSED,
        code,
        f"Facebook refused the post (code {code}); it will not be retried as it is.{said}",
    )


def transport_failure(*, connected: bool, write: bool, what: str) -> SocialError:
    """No answer: a refused connection proves Facebook saw nothing; after the request left (timeout,
    dropped connection) a write may have posted."""
    if write and connected:
        return _error(
            ErrorKind.UNCLEAR,
            "no_answer",
            f"No answer from Facebook after the post was sent ({what}). It may have been posted: "
            "the Page's feed is checked before any retry.",
        )
    return _error(
        ErrorKind.TRANSIENT,
        "unreachable" if not connected else "no_answer",
        f"Facebook could not be reached ({what}); the post will be retried.",
    )


def unreadable_answer(*, write: bool) -> SocialError:
    """A 200 whose body is not Graph's JSON: a write was probably accepted, so reconcile."""
    if write:
        return _error(
            ErrorKind.UNCLEAR,
            "unreadable",
            "Facebook accepted the call but its answer could not be read. It may have been "
            "posted: the Page's feed is checked before any retry.",
        )
    return _error(
        ErrorKind.TRANSIENT,
        "unreadable",
        "Facebook's answer could not be read; the call will be retried.",
    )


def schedule_refusal(scheduled_for: datetime, now: datetime) -> SocialError | None:
    """Meta's window for scheduled posts, checked before any call."""
    ahead = scheduled_for - now
    if ahead < SCHEDULE_MIN:
        when = (
            "its time has already passed"
            if ahead <= timedelta(0)
            else f"it was only {int(ahead.total_seconds() // 60)} minutes ahead"
        )
        return _error(
            ErrorKind.REFUSED,
            "schedule_too_soon",
            f"Facebook schedules posts at least 10 minutes ahead, and {when}. Choose a later "
            "time, or publish it now.",
        )
    if ahead > SCHEDULE_MAX:
        return _error(
            ErrorKind.REFUSED,
            "schedule_too_far",
            f"Facebook schedules posts at most 30 days ahead; this one was due in {ahead.days} "
            "days. Choose an earlier time.",
        )
    return None


def link_of(text: str) -> str | None:
    """The last URL in the text, sent as the feed post's `link` so Facebook shows its preview."""
    found = _URL.findall(text)
    return found[-1].rstrip(_TRAILING) if found else None


def public_url(provider_post_id: str) -> str:
    """Where the post can be read when Facebook did not give its `permalink_url`: a Page post's id
    is `{page-id}_{post-id}`, which facebook.com resolves."""
    return f"https://www.facebook.com/{provider_post_id}"


def parse_time(value: str) -> datetime | None:
    """Graph's timestamps: `2026-12-03T14:05:00+0000`."""
    for fmt in ("%Y-%m-%dT%H:%M:%S%z", "%Y-%m-%dT%H:%M:%S.%f%z"):
        try:
            return datetime.strptime(value, fmt)
        except ValueError:
            continue
    return None
