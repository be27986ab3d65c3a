"""A fake Instagram Graph API (content publishing), for local stacks and tests.

The same paths, bodies and Graph error bodies as Meta (see the publisher's README, "Instagram"):
`POST /{v}/{ig-user-id}/media` creates a container and REALLY fetches `image_url` over HTTP (the
publisher's signed URL), refusing what is not there or not a JPEG; a container is IN_PROGRESS
for `polls_to_finish` status reads, then FINISHED, EXPIRED after `expire_after` seconds unless
published, PUBLISHED after `POST /{v}/{ig-user-id}/media_publish`; `GET /{v}/{ig-user-id}/
content_publishing_limit` reports the rolling 24 h quota (50, as Meta's Media Publish reference
says), and a publish over it answers 9 / 2207042; `GET /{v}/{ig-user-id}/media` lists the posts,
newest first. `POST /_fake/config` switches: `publish_fail` ("500": the post is stored, then a
500; "drop": stored, then the connection is closed; "sleep": stored, then no answer for
`publish_sleep` seconds), `buc_limited` (every call 80002), `token_expired` (190), `blocked`
(368), `container_error` (new containers end in ERROR), `polls_to_finish`, `expire_after`,
`quota_total`. `GET /_fake/messages` lists every call (the `call` field), posts included.
"""

from __future__ import annotations

import asyncio
import base64
import hashlib
import itertools
import re
import time
import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import aiohttp
from aiohttp import web

from nazar_fakes.common import MessageLog

DEFAULTS: dict[str, Any] = {
    "polls_to_finish": 2,
    "expire_after": 24 * 3600.0,  # seconds: "not published within 24 hours" (IG Container)
    "quota_total": 50,  # IG User Media Publish reference: 50 posts in a 24 h moving period
    "quota_duration": 86400,
    "caption_max": 2200,
    "hashtag_limit": 5,
    "image_max_bytes": 8 * 1024 * 1024,  # error 2207004: "should be less than 8 MiB"
    "fetch_timeout": 10.0,
    # Over the quota Meta answers 9 / 2207042 (error codes reference); "80002" answers the
    # business-use-case rate limit instead, as some accounts see.
    "quota_code": "2207042",
    "publish_fail": None,  # None | "500" | "drop" | "sleep"
    "publish_sleep": 30.0,
    "buc_limited": False,
    "token_expired": False,
    "blocked": False,
    "container_error": False,
    # What an ERROR container's `status` says (the error subcode, as the IG Container reference
    # describes it); a transient one (2207001 "Instagram server error") makes the client retry.
    "container_error_status": "Error: 2207052 The media could not be fetched from this URI",
}
_HASHTAG = re.compile(r"(?<![\w#&])#[^\s#]+")


def _error(
    status: int, code: int, message: str, *, subcode: int | None = None,
    user_title: str | None = None, user_msg: str | None = None,
) -> web.Response:  # fmt: skip
    body: dict[str, Any] = {
        "message": message,
        "type": "OAuthException",
        "code": code,
        "fbtrace_id": base64.b64encode(uuid.uuid4().bytes[:9]).decode(),
    }
    if subcode is not None:
        body["error_subcode"] = subcode
        body["is_transient"] = False
    if user_title:
        body["error_user_title"] = user_title
    if user_msg:
        body["error_user_msg"] = user_msg
    return web.json_response({"error": body}, status=status)


async def _body(content: aiohttp.StreamReader, most: int) -> bytes:
    """The whole body, or its first `most` bytes when it is longer. Not `content.read(most)`:
    that answers with whatever has arrived so far, and nginx in front of the publisher
    (`proxy_buffering off`) passes a file on in 4 KiB pieces, so under load a container took
    only the file's first 12 or 20 KiB (test_social_flow's "other bytes")."""
    data = bytearray()
    async for chunk in content.iter_chunked(64 * 1024):
        data += chunk
        if len(data) >= most:
            break
    return bytes(data[:most])


@dataclass
class Container:
    id: str
    user: str
    created: float
    caption: str | None
    image_url: str | None = None
    carousel_item: bool = False
    children: list[str] = field(default_factory=list)
    polls: int = 0
    error: bool = False
    media_id: str | None = None


@dataclass
class Media:
    id: str
    user: str
    caption: str
    timestamp: float
    permalink: str
    container: str


class FakeInstagram:
    def __init__(
        self, token: str, user_ids: list[str], log_path: Path | None = None, **config: Any
    ) -> None:
        self.token = token
        self.user_ids = set(user_ids)
        self.config: dict[str, Any] = {**DEFAULTS, **config}
        self.log = MessageLog(log_path)
        self.containers: dict[str, Container] = {}
        self.media: dict[str, Media] = {}
        self.published_at: dict[str, list[float]] = {}
        self._ids = itertools.count(17_900_000_000_000_001)
        self._session: aiohttp.ClientSession | None = None

    def inbound(self, _frm: str, _text: str) -> dict[str, Any]:
        return {"error": "Instagram has no inbound messages"}

    def _next_id(self) -> str:
        return str(next(self._ids))

    def _note(self, call: str, **fields: Any) -> None:
        self.log.accept({"call": call, "at": time.time(), **fields}, time.monotonic())

    async def _body(self, request: web.Request) -> dict[str, Any]:
        if request.content_type == "application/json":
            data = await request.json()
            return data if isinstance(data, dict) else {}
        return dict(await request.post())

    def _guard(self, request: web.Request, call: str) -> web.Response | None:
        """Token, account and switches every call meets first; None when it may go on."""
        self.log.attempt(time.monotonic())
        self._note(call, path=request.path)
        auth = request.headers.get("Authorization", "")
        token = auth[7:] if auth.startswith("Bearer ") else request.query.get("access_token", "")
        if token != self.token:
            self.log.reject("190")
            return _error(400, 190, "Invalid OAuth access token - Cannot parse access token")
        if self.config["token_expired"]:
            self.log.reject("190")
            return _error(
                400, 190, "Error validating access token: Session has expired", subcode=463
            )
        if self.config["buc_limited"]:
            self.log.reject("80002")
            return _error(
                400, 80002, "There have been too many calls to this Instagram account. Wait a "
                "bit and try again. For more info, please refer to "
                "https://developers.facebook.com/docs/graph-api/overview/rate-limiting.",
            )  # fmt: skip
        user = request.match_info.get("user")
        if user is not None and user not in self.user_ids:
            self.log.reject("100")
            return _error(400, 100, f"Unsupported post request. Object with ID '{user}' does not "
                          "exist, cannot be loaded due to missing permissions, or does not "
                          "support this operation", subcode=33)  # fmt: skip
        return None

    # --- containers -------------------------------------------------------------------------

    async def create(self, request: web.Request) -> web.Response:
        if (refused := self._guard(request, "create_container")) is not None:
            return refused
        user = request.match_info["user"]
        body = await self._body(request)
        caption = body.get("caption")
        if caption is not None:
            caption = str(caption)
            if len(caption) > self.config["caption_max"]:
                return _error(400, 100, "Invalid parameter", subcode=2207035,
                              user_msg="The caption is too long.")  # fmt: skip
            if len(_HASHTAG.findall(caption)) > self.config["hashtag_limit"]:
                return _error(400, 100, "Invalid parameter", subcode=2207036,
                              user_msg="The caption has too many hashtags.")  # fmt: skip
        if str(body.get("media_type", "")).upper() == "CAROUSEL":
            return self._carousel(user, body, caption)
        image_url = body.get("image_url")
        if not image_url:
            return _error(400, 100, "The parameter image_url is required")
        refused, sha256 = await self._fetch_jpeg(str(image_url))
        if refused is not None:
            return refused
        carousel_item = str(body.get("is_carousel_item", "")).lower() == "true"
        c = Container(
            self._next_id(), user, time.monotonic(), None if carousel_item else caption,
            str(image_url), carousel_item, error=bool(self.config["container_error"]),
        )  # fmt: skip
        self.containers[c.id] = c
        self._note(
            "container_created", id=c.id, carousel_item=carousel_item,
            image_url_path=str(image_url).split("?", maxsplit=1)[0], image_sha256=sha256,
        )  # fmt: skip
        return web.json_response({"id": c.id})

    def _carousel(self, user: str, body: dict[str, Any], caption: str | None) -> web.Response:
        raw = body.get("children", "")
        children = raw if isinstance(raw, list) else [p for p in str(raw).split(",") if p]
        if not 2 <= len(children) <= 10:
            return _error(400, 100, "Invalid parameter", subcode=2207013,
                          user_msg="A carousel holds 2 to 10 items.")  # fmt: skip
        for child in children:
            found = self.containers.get(str(child))
            if found is None or found.user != user or not found.carousel_item:
                return _error(400, 100, "Invalid parameter", subcode=2207005,
                              user_msg=f"The child {child} is not a carousel item of this "
                              "account.")  # fmt: skip
        c = Container(self._next_id(), user, time.monotonic(), caption,
                      children=[str(x) for x in children])  # fmt: skip
        c.error = bool(self.config["container_error"])
        self.containers[c.id] = c
        self._note("container_created", id=c.id, children=c.children)
        return web.json_response({"id": c.id})

    async def _fetch_jpeg(self, url: str) -> tuple[web.Response | None, str]:
        """Instagram cURLs the media: fetched for real, refused when absent or not a JPEG.
        Returns the refusal (None when the image is taken) and the fetched bytes' sha256, which
        the container keeps: the same URL fetched again later may answer otherwise."""
        if self._session is None:
            self._session = aiohttp.ClientSession()
        limit = int(self.config["image_max_bytes"])
        try:
            timeout = aiohttp.ClientTimeout(total=float(self.config["fetch_timeout"]))
            async with self._session.get(url, timeout=timeout) as resp:
                status = resp.status
                data = await _body(resp.content, limit + 1)
        except (TimeoutError, aiohttp.ClientError, OSError):
            return _error(400, -2, "Timeout", subcode=2207003,
                          user_msg="It takes too long to download the media."), ""  # fmt: skip
        # The sha256 of what was really fetched: the proofs compare it with the creative's.
        sha256 = hashlib.sha256(data).hexdigest()
        self._note(
            "image_fetched", url_path=url.split("?", maxsplit=1)[0], status=status,
            bytes=len(data), sha256=sha256,
        )  # fmt: skip
        if status != 200:
            return _error(400, 9004, "The media could not be fetched from this URI",
                          subcode=2207052, user_title="Media download has failed.",
                          user_msg=f"The media URI answered {status}."), sha256  # fmt: skip
        if len(data) > limit:
            return _error(400, 36000, "The image size is too large.", subcode=2207004,
                          user_title="Image size too large",
                          user_msg="The image is too large to download. It should be less "
                          "than 8 MiB."), sha256  # fmt: skip
        if not data.startswith(b"\xff\xd8\xff"):
            return _error(400, 9004, "Only photo or video can be accepted as media type.",
                          subcode=2207052, user_title="Media download has failed.",
                          user_msg="The media URI doesn't meet our requirements: the image "
                          "is not a JPEG."), sha256  # fmt: skip
        return None, sha256

    def _state(self, c: Container) -> str:
        if c.media_id is not None:
            return "PUBLISHED"
        if time.monotonic() - c.created > float(self.config["expire_after"]):
            return "EXPIRED"
        if c.error or any(self.containers[x].error for x in c.children):
            return "ERROR"
        if c.polls < int(self.config["polls_to_finish"]):
            return "IN_PROGRESS"
        return "FINISHED"

    async def node(self, request: web.Request) -> web.Response:
        """`GET /{v}/{id}?fields=...`: a container's status, or a published media's fields."""
        if (refused := self._guard(request, "read")) is not None:
            return refused
        node_id = request.match_info["node"]
        fields = set(request.query.get("fields", "id").split(","))
        if (c := self.containers.get(node_id)) is not None:
            state = self._state(c)
            c.polls += 1
            for child in c.children:
                self.containers[child].polls += 1
            self._note("status", id=c.id, status_code=state)
            out: dict[str, Any] = {"id": c.id}
            if "status_code" in fields:
                out["status_code"] = state
            if "status" in fields:
                out["status"] = {
                    "ERROR": str(self.config["container_error_status"]),
                    "FINISHED": "Finished: Media has been uploaded and it is ready to be "
                    "published.",
                }.get(state, state.title())
            return web.json_response(out)
        if (m := self.media.get(node_id)) is not None:
            return web.json_response({k: v for k, v in self._media_out(m).items()
                                      if k in fields or k == "id"})  # fmt: skip
        return _error(400, 100, f"Unsupported get request. Object with ID '{node_id}' does not "
                      "exist", subcode=33)  # fmt: skip

    # --- publishing ---------------------------------------------------------------------------

    def _used(self, user: str, now: float) -> int:
        times = self.published_at.setdefault(user, [])
        edge = now - float(self.config["quota_duration"])
        times[:] = [t for t in times if t > edge]
        return len(times)

    async def publish(self, request: web.Request) -> web.StreamResponse:
        if (refused := self._guard(request, "media_publish")) is not None:
            return refused
        user = request.match_info["user"]
        if self.config["blocked"]:
            return _error(400, 368, "The action attempted has been deemed abusive or is "
                          "otherwise disallowed", subcode=1390008)  # fmt: skip
        creation_id = str((await self._body(request)).get("creation_id", ""))
        c = self.containers.get(creation_id)
        if c is None or c.user != user or c.carousel_item:
            return _error(400, 100, "Invalid parameter", subcode=2207008,
                          user_msg="Media builder not found.")  # fmt: skip
        state = self._state(c)
        if state == "PUBLISHED":
            return _error(400, 100, "Invalid parameter", subcode=2207008,
                          user_msg="The container was already published.")  # fmt: skip
        if state == "EXPIRED":
            return _error(400, -2, "The media you are trying to access has expired.",
                          subcode=2207020)  # fmt: skip
        if state == "IN_PROGRESS":
            return _error(400, 9007, "Media ID is not available", subcode=2207027,
                          user_msg="The media is not ready for publishing, please wait for a "
                          "moment")  # fmt: skip
        if state == "ERROR":
            return _error(400, 9004, "The media could not be published", subcode=2207052)
        now = time.time()
        if self._used(user, now) >= int(self.config["quota_total"]):
            self.log.reject(str(self.config["quota_code"]))
            if str(self.config["quota_code"]) == "80002":
                return _error(400, 80002, "There have been too many calls to this Instagram "
                              "account. Wait a bit and try again.")  # fmt: skip
            return _error(400, 9, "Application request limit reached", subcode=2207042,
                          user_title="Cannot publish post",
                          user_msg="You reached maximum number of posts that is allowed to be "
                          "published by Content Publishing API.")  # fmt: skip
        media_id = self._next_id()
        c.media_id = media_id
        shortcode = base64.urlsafe_b64encode(uuid.uuid4().bytes[:8]).decode().rstrip("=")
        self.media[media_id] = Media(
            media_id, user, c.caption or "", now, f"https://www.instagram.com/p/{shortcode}/", c.id
        )
        self.published_at[user].append(now)
        self._note("published", id=media_id, container=c.id, caption=c.caption)
        return await self._answer_publish(request, media_id)

    async def _answer_publish(self, request: web.Request, media_id: str) -> web.StreamResponse:
        fail = self.config["publish_fail"]
        if fail == "500":
            return _error(500, 2, "An unexpected error has occurred. Please retry your request "
                          "later.")  # fmt: skip
        if fail == "drop" and request.transport is not None:
            request.transport.close()
            return web.Response(status=500)  # never reaches the client
        if fail == "sleep":
            await asyncio.sleep(float(self.config["publish_sleep"]))
        return web.json_response({"id": media_id})

    async def limit(self, request: web.Request) -> web.Response:
        if (refused := self._guard(request, "content_publishing_limit")) is not None:
            return refused
        used = self._used(request.match_info["user"], time.time())
        row: dict[str, Any] = {"quota_usage": used}
        if "config" in request.query.get("fields", ""):
            row["config"] = {
                "quota_total": int(self.config["quota_total"]),
                "quota_duration": int(self.config["quota_duration"]),
            }
        return web.json_response({"data": [row]})

    def _media_out(self, m: Media) -> dict[str, Any]:
        at = datetime.fromtimestamp(m.timestamp, UTC).strftime("%Y-%m-%dT%H:%M:%S+0000")
        return {"id": m.id, "caption": m.caption, "timestamp": at, "permalink": m.permalink}

    async def list_media(self, request: web.Request) -> web.Response:
        if (refused := self._guard(request, "media_list")) is not None:
            return refused
        user = request.match_info["user"]
        fields = set(request.query.get("fields", "id").split(","))
        limit = min(int(request.query.get("limit", "25")), 100)
        after = int(request.query.get("after", "0"))
        mine = sorted((m for m in self.media.values() if m.user == user),
                      key=lambda m: m.timestamp, reverse=True)  # fmt: skip
        page = mine[after : after + limit]
        data = [{k: v for k, v in self._media_out(m).items() if k in fields or k == "id"}
                for m in page]  # fmt: skip
        out: dict[str, Any] = {"data": data}
        if after + limit < len(mine):
            nxt = request.url.update_query({"after": str(after + limit)})
            out["paging"] = {"cursors": {"after": str(after + limit)}, "next": str(nxt)}
        return web.json_response(out)

    async def close(self, _app: web.Application) -> None:
        if self._session is not None:
            await self._session.close()
