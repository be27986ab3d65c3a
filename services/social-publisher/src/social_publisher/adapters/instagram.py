"""Instagram Graph API content publishing: `InstagramClient`, the `SocialClient` for Instagram.

The container flow (Content Publishing guide, developers.facebook.com/docs/instagram-platform/
content-publishing; IG User Media, IG Container and IG User Media Publish references):
1. `POST /{v}/{ig-user-id}/media` with `image_url` (Instagram fetches it: our signed public URL)
   and `caption` → `{"id": container}`; a carousel is one such container per image with
   `is_carousel_item=true`, then `media_type=CAROUSEL` with `children` (their ids) and the caption.
2. `GET /{v}/{container}?fields=status_code,status` until `FINISHED` (IN_PROGRESS, FINISHED,
   ERROR, EXPIRED — not published within 24 h —, PUBLISHED), backing off.
3. `POST /{v}/{ig-user-id}/media_publish` with `creation_id` → `{"id": media}`; the public URL is
   the media's `permalink` (`GET /{v}/{media}?fields=permalink`).
Only step 3 can make a post, so only its unclear end (timeout, dropped connection, 5xx) is
UNCLEAR, and it carries the container id: the queue records it and hands it back in
`PostRequest.container_id`; the retry polls that container first — PUBLISHED means the post is
out (found in the account's media by its caption), never posted again.
The quota: `GET /{v}/{ig-user-id}/content_publishing_limit?fields=config,quota_usage` →
`{"data": [{"quota_usage": n, "config": {"quota_total": 50, "quota_duration": 86400}}]}`
(IG User Content Publishing Limit reference; 50 posts in a moving 24 h per the Media Publish
reference, 2025-01), checked before each post. Errors: `instagram_errors.graph_error`.
Instagram's API cannot delete a post: `delete` answers False.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import Awaitable, Callable, Sequence
from datetime import UTC, datetime, timedelta
from typing import Any

import aiohttp

from social_publisher import metrics
from social_publisher.adapters.instagram_errors import TRANSIENT_SUBCODES, graph_error
from social_publisher.adapters.social import AccountLimits, SocialCallError
from social_publisher.domain.instagram import InstagramRules, refusal
from social_publisher.domain.social import (
    AccountAccess,
    ErrorKind,
    Network,
    PostRequest,
    Published,
    RemotePost,
    SocialError,
)
from social_publisher.settings import PublisherSettings

IG = Network.INSTAGRAM
RECENT_PAGES = 5


def _now() -> datetime:
    return datetime.now(UTC)


class InstagramClient:
    network = IG

    def __init__(
        self,
        session: aiohttp.ClientSession,
        base_url: str,
        version: str,
        *,
        rules: InstagramRules,
        poll_initial: float = 1.0,
        poll_max: float = 15.0,
        poll_timeout: float = 300.0,
        quota_wait: timedelta = timedelta(hours=1),
        rate_wait: timedelta = timedelta(minutes=15),
        clock: Callable[[], datetime] = _now,
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
    ) -> None:
        self._session = session
        self._base = f"{base_url.rstrip('/')}/{version}"
        self.rules = rules
        self._poll = (poll_initial, poll_max, poll_timeout)
        self._quota_wait = quota_wait
        self._rate_wait = rate_wait
        self._clock = clock
        self._sleep = sleep

    @classmethod
    def of(cls, session: aiohttp.ClientSession, settings: PublisherSettings) -> InstagramClient:
        s = settings
        return cls(
            session,
            s.instagram_base_url,
            s.instagram_api_version,
            rules=InstagramRules(hashtag_limit=s.instagram_hashtag_limit),
            poll_initial=s.instagram_poll_initial.total_seconds(),
            poll_max=s.instagram_poll_max.total_seconds(),
            poll_timeout=s.instagram_poll_timeout.total_seconds(),
            quota_wait=s.instagram_quota_wait,
            rate_wait=s.instagram_rate_wait,
        )

    # --- SocialClient ----------------------------------------------------------------------

    async def publish(self, access: AccountAccess, post: PostRequest) -> Published:
        refused = refusal(post, self.rules)
        if refused is not None:
            raise SocialCallError(refused)
        if any(c.public_url is None for c in post.creatives):
            raise self._fail(
                ErrorKind.REFUSED, "media.no_public_url",
                "A creative has no public URL for Instagram to fetch; it must come through the "
                "publisher's media store.",
            )  # fmt: skip
        if post.container_id:
            resumed = await self._resume(access, post, post.container_id)
            if resumed is not None:
                return resumed
        await self._check_quota(access)
        container = await self._create(access, post)
        if await self._wait(access, container) == "PUBLISHED":
            return await self._found(access, post, container)
        return await self._publish(access, post, container)

    async def recent_posts(self, access: AccountAccess, since: datetime) -> Sequence[RemotePost]:
        url: str | None = f"{self._base}/{access.provider_account_id}/media"
        params: dict[str, str] | None = {"fields": "id,caption,timestamp,permalink", "limit": "50"}
        out: list[RemotePost] = []
        for _ in range(RECENT_PAGES):
            if url is None:
                break
            body = await self._call("GET", url, access, "media_list", params=params)
            oldest: datetime | None = None
            for item in body.get("data", []):
                created = datetime.strptime(str(item["timestamp"]), "%Y-%m-%dT%H:%M:%S%z")
                oldest = created if oldest is None else min(oldest, created)
                if created >= since:
                    link = item.get("permalink")
                    out.append(
                        RemotePost(
                            provider_post_id=str(item["id"]),
                            text=str(item.get("caption") or ""),
                            created_at=created,
                            public_url=str(link) if link else None,
                        )
                    )
            if oldest is None or oldest < since:
                break  # newest first: the next page is older still
            url, params = (body.get("paging") or {}).get("next"), None
        out.sort(key=lambda p: p.created_at, reverse=True)
        return out

    async def delete(self, access: AccountAccess, provider_post_id: str) -> bool:
        # The Instagram Graph API has no delete for published media: a person deletes it in the
        # app, through the by-hand task the queue opens.
        return False

    async def limits(self, access: AccountAccess) -> AccountLimits:
        body = await self._call(
            "GET",
            f"{self._base}/{access.provider_account_id}/content_publishing_limit",
            access,
            "limit",
            params={"fields": "config,quota_usage"},
        )
        try:
            row = body["data"][0]
            total = int(row["config"]["quota_total"])
            used = int(row["quota_usage"])
            seconds = row["config"].get("quota_duration")
        except (KeyError, IndexError, TypeError, ValueError, AttributeError):
            return AccountLimits()
        window = timedelta(seconds=int(seconds)) if isinstance(seconds, int) else None
        return AccountLimits(remaining=max(total - used, 0), quota_total=total, quota_window=window)

    # --- the steps -------------------------------------------------------------------------

    async def _check_quota(self, access: AccountAccess) -> None:
        limits = await self.limits(access)
        if limits.remaining is not None and limits.remaining <= 0:
            raise self._fail(
                ErrorKind.RATE_LIMITED, "quota",
                f"The Instagram account has used its {limits.quota_total} API posts of the last "
                "24 hours; the post waits until the quota frees.",
                retry_at=self._clock() + self._quota_wait,
            )  # fmt: skip

    async def _create(self, access: AccountAccess, post: PostRequest) -> str:
        url = f"{self._base}/{access.provider_account_id}/media"
        if len(post.creatives) == 1:
            [creative] = post.creatives
            body: dict[str, Any] = {"image_url": creative.public_url, "caption": post.text}
            if creative.alt_text:
                body["alt_text"] = creative.alt_text
            return str((await self._call("POST", url, access, "create", body=body))["id"])
        children = []
        for creative in post.creatives:
            child: dict[str, Any] = {"image_url": creative.public_url, "is_carousel_item": True}
            if creative.alt_text:
                child["alt_text"] = creative.alt_text
            children.append(str((await self._call("POST", url, access, "child", body=child))["id"]))
        carousel = {"media_type": "CAROUSEL", "children": ",".join(children), "caption": post.text}
        return str((await self._call("POST", url, access, "create", body=carousel))["id"])

    async def _status(self, access: AccountAccess, container: str) -> tuple[str, str]:
        body = await self._call(
            "GET", f"{self._base}/{container}", access, "status",
            params={"fields": "status_code,status"}, container_id=container,
        )  # fmt: skip
        return str(body.get("status_code", "")), str(body.get("status") or "")

    async def _wait(self, access: AccountAccess, container: str) -> str:
        """FINISHED or PUBLISHED; raises for ERROR, EXPIRED and a container that stays busy."""
        delay, cap, timeout = self._poll
        waited = 0.0
        while True:
            code, detail = await self._status(access, container)
            if code in ("FINISHED", "PUBLISHED"):
                return code
            if code == "ERROR":
                transient = any(str(s) in detail for s in TRANSIENT_SUBCODES)
                raise self._fail(
                    ErrorKind.TRANSIENT if transient else ErrorKind.REFUSED, "ERROR",
                    f"Instagram could not prepare the post's image ({detail or 'no detail'}). "
                    + ("It is tried again." if transient else
                       "Check that the creative is a JPEG of 4:5 to 1.91:1, then approve again."),
                )  # fmt: skip
            if code == "EXPIRED":
                raise self._fail(
                    ErrorKind.TRANSIENT, "EXPIRED",
                    "Instagram's container expired (not published within 24 hours); a new one "
                    "is made at the next try.",
                )  # fmt: skip
            if waited >= timeout:
                raise self._fail(
                    ErrorKind.TRANSIENT, "IN_PROGRESS",
                    "Instagram is still preparing the image; the same container is polled again "
                    "at the next try.", container_id=container,
                )  # fmt: skip
            await self._sleep(delay)
            waited += delay
            delay = min(delay * 2, cap)

    async def _publish(self, access: AccountAccess, post: PostRequest, container: str) -> Published:
        body = await self._call(
            "POST", f"{self._base}/{access.provider_account_id}/media_publish", access, "publish",
            body={"creation_id": container}, publishing=True, container_id=container,
        )  # fmt: skip
        media_id = str(body["id"])
        return Published(
            provider_post_id=media_id, public_url=await self._permalink(access, media_id)
        )

    async def _permalink(self, access: AccountAccess, media_id: str) -> str | None:
        try:
            body = await self._call(
                "GET", f"{self._base}/{media_id}", access, "permalink",
                params={"fields": "permalink"},
            )  # fmt: skip
        except SocialCallError:
            return None  # the post is out; its URL is only missing from the result
        link = body.get("permalink")
        return str(link) if link else None

    async def _resume(
        self, access: AccountAccess, post: PostRequest, container: str
    ) -> Published | None:
        """The container of an earlier unclear attempt: PUBLISHED → the post is out; FINISHED or
        IN_PROGRESS → publish that one; ERROR, EXPIRED or unknown → None (make a new one)."""
        try:
            code, _ = await self._status(access, container)
        except SocialCallError as exc:
            if exc.error.kind is ErrorKind.REFUSED:  # 100: no such container (any more)
                return None
            raise
        if code == "PUBLISHED":
            return await self._found(access, post, container)
        if code in ("FINISHED", "IN_PROGRESS"):
            if await self._wait(access, container) == "PUBLISHED":
                return await self._found(access, post, container)
            return await self._publish(access, post, container)
        return None

    async def _found(self, access: AccountAccess, post: PostRequest, container: str) -> Published:
        """The container is PUBLISHED: its media is the account's newest post with our caption."""
        for remote in await self.recent_posts(access, self._clock() - timedelta(days=2)):
            if remote.text.strip() == post.text.strip():
                return Published(
                    provider_post_id=remote.provider_post_id, public_url=remote.public_url
                )
        raise self._fail(
            ErrorKind.UNCLEAR, "PUBLISHED",
            "Instagram says the post is published but it is not among the account's posts yet; "
            "it is checked again before anything else.", container_id=container,
        )  # fmt: skip

    # --- one call --------------------------------------------------------------------------

    def _fail(
        self, kind: ErrorKind, code: str, reason: str, *, retry_at: datetime | None = None,
        container_id: str | None = None,
    ) -> SocialCallError:  # fmt: skip
        return SocialCallError(
            SocialError(kind, IG, code, reason, retry_at, container_id=container_id)
        )

    async def _call(
        self, method: str, url: str, access: AccountAccess, step: str, *,
        params: dict[str, str] | None = None, body: dict[str, Any] | None = None,
        publishing: bool = False, container_id: str | None = None,
    ) -> dict[str, Any]:  # fmt: skip
        # The token goes in the Authorization header (Graph API accepts it there), never in a URL
        # that a proxy or an error message could log.
        headers = {"Authorization": f"Bearer {access.access_token}"}
        try:
            async with self._session.request(
                method, url, params=params, json=body, headers=headers
            ) as resp:
                raw = await resp.read()
                status = resp.status
        except aiohttp.ClientConnectorError as exc:
            metrics.INSTAGRAM_CALLS.labels(step, "unreachable").inc()
            raise self._fail(
                ErrorKind.TRANSIENT, "unreachable",
                f"Instagram could not be reached ({type(exc).__name__}); tried again later.",
                container_id=container_id,
            ) from exc  # fmt: skip
        except (TimeoutError, aiohttp.ClientError, OSError) as exc:
            metrics.INSTAGRAM_CALLS.labels(step, "no_answer").inc()
            kind = ErrorKind.UNCLEAR if publishing else ErrorKind.TRANSIENT
            raise self._fail(
                kind, "no_answer",
                f"Instagram did not answer ({type(exc).__name__})"
                + ("; the post may be out: it is checked before any retry." if publishing else
                   "; tried again later."),
                container_id=container_id,
            ) from exc  # fmt: skip
        if status == 200:
            try:
                parsed = json.loads(raw)
                if isinstance(parsed, dict):
                    metrics.INSTAGRAM_CALLS.labels(step, "ok").inc()
                    return parsed
            except ValueError:
                pass
            status = 502  # accepted but unreadable: as unclear as a 5xx
        error = graph_error(
            status, raw, publishing=publishing, container_id=container_id, now=self._clock(),
            rate_wait=self._rate_wait, quota_wait=self._quota_wait,
        )  # fmt: skip
        metrics.INSTAGRAM_CALLS.labels(step, error.kind.value).inc()
        raise SocialCallError(error)
