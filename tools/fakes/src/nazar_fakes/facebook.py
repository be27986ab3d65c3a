"""A fake Facebook Pages Graph API, for local stacks and tests.

It behaves like Meta where the publisher depends on it (paths, fields and error bodies as in the
Pages API "Posts" guide, the Page Photos and Scheduled Posts references, "Handling Errors" and
"Rate Limits" of the Graph API documentation): Page tokens checked (190); feed posts with
`message` / `link`; photos uploaded as multipart `source`, published or `published=false` and
then attached with `attached_media[i]={"media_fbid"}`; scheduled posts (`published=false` +
`scheduled_publish_time`, 10 minutes to 30 days ahead, else 100) listed by `scheduled_posts`
until due; `published_posts` / `feed` reads with `since` and cursors; `DELETE /{post-id}`.
Every answer carries `X-App-Usage` and `X-Business-Use-Case-Usage` whose percentages grow with
the Page's calls in a sliding window; at the limit the answer is the configured rate-limit code
(4, 17, 32, 613 or 80001) with `estimated_time_to_regain_access`. The same message on the same
Page within the duplicate window is 506. Switches (`POST /_fake/config`): `token_invalid` (190),
`policy_block` (368), `missing_permission` (200 naming it), `outage` (503, code 2), and
`after_accept` (`"500"`, `"drop"`, `"sleep"`): the post is stored, then the answer fails.
"""

from __future__ import annotations

import asyncio
import itertools
import json
import math
import time
from collections import deque
from pathlib import Path
from typing import Any

from aiohttp import web

from nazar_fakes.common import MessageLog
from nazar_fakes.graph import RATE_MESSAGES, fields_of, graph_error, iso_time

DEFAULTS: dict[str, Any] = {
    # Meta's Page-level limit is 4,800 calls per engaged user per 24 h (a sliding window).
    "call_limit": 4800,
    "window_seconds": 86400.0,
    "rate_limit_code": 80001,
    "duplicate_window_seconds": 3600.0,
    "token_invalid": False,
    "policy_block": False,
    "missing_permission": None,  # e.g. "pages_manage_posts"
    "outage": False,
    "after_accept": None,  # None | "500" | "drop" | "sleep"
    "after_accept_times": 1,
    "sleep_seconds": 60.0,
    # Our allowance for the network between the client's check and ours; Meta's is undocumented.
    "schedule_grace_seconds": 60.0,
    "business_id": "1234567890123456",
}
SCHEDULE_MIN, SCHEDULE_MAX = 600, 30 * 86400
_IMAGE_MAGIC = (b"\xff\xd8\xff", b"\x89PNG\r\n\x1a\n", b"GIF8", b"RIFF")


class FakeFacebook:
    def __init__(
        self,
        *,
        token: str,
        page_ids: list[str],
        log_path: Path | None = None,
        **config: Any,
    ) -> None:
        self.tokens = dict.fromkeys(page_ids, token)
        self.config: dict[str, Any] = {**DEFAULTS, **config}
        self.log = MessageLog(log_path)
        self.calls: dict[str, deque[float]] = {}
        self.posts: dict[str, dict[str, Any]] = {}
        self.photos: dict[str, dict[str, Any]] = {}
        self.tokens_in_urls = 0
        self._ids = itertools.count(int(time.time() * 1000) % 10**9 * 10**6)

    def reset(self) -> None:
        self.tokens_in_urls = 0
        self.calls.clear()
        self.posts.clear()
        self.photos.clear()

    # --- the Graph API -------------------------------------------------------------------------

    async def feed_post(self, request: web.Request) -> web.StreamResponse:
        page, early = await self._guard(request, write=True)
        if early is not None:
            return early
        form = {**request.query, **(await fields_of(request))}
        message = str(form.get("message", ""))
        media: list[str] = []
        for key in sorted(k for k in form if str(k).startswith("attached_media[")):
            try:
                fbid = str(json.loads(str(form[key]))["media_fbid"])
            except (ValueError, KeyError, TypeError):
                fbid = ""
            photo = self.photos.get(fbid)
            if not photo or photo["page"] != page or photo["attached_to"] or photo["published"]:
                return self._reject(request, 400, 100, f"(#100) param {key} has invalid media_fbid")
            media.append(fbid)
        if not message and not form.get("link") and not media:
            return self._reject(request, 400, 100, "(#100) Missing message or attachment")
        return await self._create(request, page, form, message, media)

    async def photo_post(self, request: web.Request) -> web.StreamResponse:
        page, early = await self._guard(request, write=True)
        if early is not None:
            return early
        form = {**request.query, **(await request.post())}
        source = form.get("source")
        content = source.file.read() if isinstance(source, web.FileField) else b""
        if not content.startswith(_IMAGE_MAGIC):
            return self._reject(request, 400, 324, "(#324) Requires upload file")
        photo_id = str(next(self._ids))
        unpublished = str(form.get("published", "true")).lower() == "false"
        if unpublished and "scheduled_publish_time" not in form:
            self.photos[photo_id] = {
                "page": page, "published": False, "attached_to": None, "size": len(content),
                "temporary": str(form.get("temporary", "false")).lower() == "true",
            }  # fmt: skip
            return self._ok(request, {"id": photo_id})
        self.photos[photo_id] = {"page": page, "published": True, "attached_to": None}
        answer = await self._create(
            request, page, form, str(form.get("caption", "")), [photo_id], photo_answer=photo_id
        )
        return answer

    async def read_edge(self, request: web.Request) -> web.StreamResponse:
        page, early = await self._guard(request, write=False)
        if early is not None:
            return early
        edge = request.match_info["edge"]
        now = time.time()
        self._promote_due(now)
        since = float(request.query.get("since", "0") or 0)
        limit = max(1, min(100, int(request.query.get("limit", "25"))))
        start = int(request.query.get("after", "0") or 0)
        fields = request.query.get("fields", "id,message,created_time").split(",")
        scheduled = edge == "scheduled_posts"
        rows = [
            p for p in sorted(self.posts.values(), key=lambda p: -p["created"])
            if p["page"] == page and not p["deleted"] and p["created"] >= since
            and p["published"] != scheduled
        ]  # fmt: skip
        chunk = rows[start : start + limit]
        body: dict[str, Any] = {"data": [self._fields(p, fields) for p in chunk]}
        if chunk:
            body["paging"] = {"cursors": {"before": str(start), "after": str(start + len(chunk))}}
            if start + len(chunk) < len(rows):
                body["paging"]["next"] = str(request.url.update_query(after=start + len(chunk)))
        return self._ok(request, body)

    async def read_object(self, request: web.Request) -> web.StreamResponse:
        _, early = await self._guard(request, write=False)
        if early is not None:
            return early
        object_id = request.match_info["object_id"]
        self._promote_due(time.time())
        fields = request.query.get("fields", "id").split(",")
        if object_id in self.tokens:
            return self._ok(request, {"id": object_id, "name": f"Page {object_id}"})
        post = self.posts.get(object_id)
        if post is None or post["deleted"]:
            return self._missing(request, "get", object_id)
        return self._ok(request, self._fields(post, fields))

    async def delete_object(self, request: web.Request) -> web.StreamResponse:
        _, early = await self._guard(request, write=False)
        if early is not None:
            return early
        post = self.posts.get(request.match_info["object_id"])
        if post is None or post["deleted"]:
            return self._missing(request, "delete", request.match_info["object_id"])
        post["deleted"] = True
        return self._ok(request, {"success": True})

    # --- the rules -----------------------------------------------------------------------------

    async def _guard(self, request: web.Request, *, write: bool) -> tuple[str, web.Response | None]:
        """Outage, token, object, rate limit and the switches, in Meta's order of checks."""
        now = time.monotonic()
        cfg = self.config
        self.log.attempt(now)
        page = request.match_info.get("page_id") or request.match_info["object_id"].split("_")[0]
        if page not in self.tokens:
            page = str((self.photos.get(page) or {}).get("page", page))
        if cfg["outage"]:
            return page, self._reject(request, 503, 2, "(#2) Service temporarily unavailable")
        auth = request.headers.get("Authorization", "")
        token = auth[7:] if auth.startswith("Bearer ") else request.query.get("access_token", "")
        if "access_token" in request.query:
            self.tokens_in_urls += 1  # Meta takes it, but it then sits in every access log
        if page not in self.tokens:
            return page, self._missing(request, "post" if write else "get", page)
        if token != self.tokens[page]:
            return page, self._reject(
                request, 400, 190, "Invalid OAuth access token - Cannot parse access token"
            )
        if cfg["token_invalid"]:
            return page, self._reject(
                request, 400, 190, "Error validating access token: Session has expired.", sub=463
            )
        calls = self.calls.setdefault(page, deque())
        window = float(cfg["window_seconds"])
        while calls and calls[0] <= now - window:
            calls.popleft()
        if len(calls) >= int(cfg["call_limit"]):
            code = int(cfg["rate_limit_code"])
            return page, self._reject(request, 400, code, RATE_MESSAGES.get(code, f"(#{code})"))
        calls.append(now)
        if write and cfg["policy_block"]:
            return page, self._reject(
                request, 400, 368,
                "It looks like you were misusing this feature by going too fast. You've been "
                "temporarily blocked from using it.", sub=1390008,
            )  # fmt: skip
        if write and cfg["missing_permission"]:
            perm = str(cfg["missing_permission"])
            return page, self._reject(
                request, 403, 200,
                f"(#200) If posting to a page, requires both pages_read_engagement and {perm} "
                "permission with page token",
            )  # fmt: skip
        return page, None

    async def _create(
        self,
        request: web.Request,
        page: str,
        form: dict[str, Any],
        message: str,
        media: list[str],
        *,
        photo_answer: str | None = None,
    ) -> web.StreamResponse:
        now = time.time()
        published = str(form.get("published", "true")).lower() != "false"
        at: float | None = None
        if "scheduled_publish_time" in form:
            try:
                at = float(form["scheduled_publish_time"])
            except ValueError:
                at = -1.0
            grace = float(self.config["schedule_grace_seconds"])
            if published or not now + SCHEDULE_MIN - grace <= at <= now + SCHEDULE_MAX:
                return self._reject(
                    request, 400, 100, "(#100) The specified scheduled publish time is invalid."
                )
        elif not published and not media:
            published = True  # an unpublished, unscheduled text post is an ad's dark post: n/a
        if message and self._duplicate(page, message, now):
            return self._reject(request, 400, 506, "(#506) Duplicate status message")
        post_id = f"{page}_{next(self._ids)}"
        post = {
            "id": post_id, "page": page, "message": message, "link": form.get("link"),
            "media": media, "created": now, "scheduled_publish_time": at,
            "published": at is None, "deleted": False,
            "permalink_url": f"https://www.facebook.com/{page}/posts/{post_id.split('_')[1]}",
        }  # fmt: skip
        for fbid in media:
            self.photos[fbid]["attached_to"] = post_id
        self.posts[post_id] = post
        self.log.accept({k: v for k, v in post.items() if k != "deleted"}, time.monotonic())
        failure = await self._after_accept(request)
        if failure is not None:
            return failure
        body = {"id": photo_answer, "post_id": post_id} if photo_answer else {"id": post_id}
        return self._ok(request, body)

    async def _after_accept(self, request: web.Request) -> web.StreamResponse | None:
        cfg = self.config
        mode = cfg["after_accept"]
        if not mode:
            return None
        cfg["after_accept_times"] = int(cfg["after_accept_times"]) - 1
        if cfg["after_accept_times"] <= 0:
            cfg["after_accept"] = None
        if mode == "sleep":
            await asyncio.sleep(float(cfg["sleep_seconds"]))
            return None
        if mode == "drop":
            if request.transport is not None:
                request.transport.abort()
            raise asyncio.CancelledError  # nothing can be answered on an aborted connection
        return self._reject(
            request, 500, 2,
            "An unexpected error has occurred. Please retry your request later.",
        )  # fmt: skip

    def _duplicate(self, page: str, message: str, now: float) -> bool:
        since = now - float(self.config["duplicate_window_seconds"])
        return any(
            (p["page"], p["message"], p["deleted"]) == (page, message, False)
            and p["created"] >= since
            for p in self.posts.values()
        )

    def _promote_due(self, now: float) -> None:
        for post in self.posts.values():
            if not post["published"] and (post["scheduled_publish_time"] or 0) <= now:
                post["published"] = True

    @staticmethod
    def _fields(post: dict[str, Any], fields: list[str]) -> dict[str, Any]:
        out: dict[str, Any] = {"id": post["id"]}
        for f in fields:
            if f == "message" and post["message"]:
                out["message"] = post["message"]
            elif f == "created_time":
                out["created_time"] = iso_time(post["created"])
            elif f == "permalink_url":
                out["permalink_url"] = post["permalink_url"]
            elif f == "scheduled_publish_time" and post["scheduled_publish_time"]:
                out["scheduled_publish_time"] = int(post["scheduled_publish_time"])
            elif f == "is_published":
                out["is_published"] = post["published"]
        return out

    # --- answers, each with the usage headers --------------------------------------------------

    def _usage_headers(self, page: str) -> dict[str, str]:
        cfg = self.config
        now = time.monotonic()
        calls = self.calls.get(page) or deque()
        limit = max(1, int(cfg["call_limit"]))
        share = min(100, math.floor(100 * len(calls) / limit))
        regain = 0
        if len(calls) >= limit:
            regain = max(1, math.ceil((calls[0] + float(cfg["window_seconds"]) - now) / 60))
        cpu, total = min(100, share * 3 // 5 + 1), min(100, share * 4 // 5 + 1)
        buc = {
            str(cfg["business_id"]): [
                {
                    "type": "pages", "call_count": share, "total_cputime": cpu,
                    "total_time": total, "estimated_time_to_regain_access": regain,
                }
            ]
        }  # fmt: skip
        app = {"call_count": share, "total_cputime": cpu, "total_time": total}
        return {
            "X-App-Usage": json.dumps(app),
            "X-Page-Usage": json.dumps(app),
            "X-Business-Use-Case-Usage": json.dumps(buc),
        }

    def _page_of(self, request: web.Request) -> str:
        page = request.match_info.get("page_id") or request.match_info.get("object_id", "")
        return page.split("_")[0]

    def _ok(self, request: web.Request, body: dict[str, Any]) -> web.Response:
        return web.json_response(body, headers=self._usage_headers(self._page_of(request)))

    def _reject(
        self, request: web.Request, status: int, code: int, message: str, *, sub: int | None = None
    ) -> web.Response:
        self.log.reject(str(code))
        transient = code in (1, 2, *RATE_MESSAGES)
        response = graph_error(status, code, message, subcode=sub, transient=transient)
        response.headers.update(self._usage_headers(self._page_of(request)))
        return response

    def _missing(self, request: web.Request, verb: str, object_id: str) -> web.Response:
        self.log.reject("100")
        return graph_error(
            400,
            100,
            f"Unsupported {verb} request. Object with ID '{object_id}' does not exist, cannot be "
            "loaded due to missing permissions, or does not support this operation.",
            type_="GraphMethodException",
            subcode=33,
        )
