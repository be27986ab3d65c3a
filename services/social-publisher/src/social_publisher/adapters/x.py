"""X API v2 client (`SocialClient`): posts and threads, media upload, the user timeline, delete.

Contract (docs.x.com): `POST /2/tweets` `{"text", "media": {"media_ids"}, "reply":
{"in_reply_to_tweet_id"}}` → 201 `{"data": {"id", "text"}}`; `DELETE /2/tweets/{id}` →
`{"data": {"deleted": true}}`; `GET /2/users/{id}/tweets?start_time&max_results
&tweet.fields=created_at` (paged by `meta.next_token`); media by simple upload (`POST
/2/media/upload`, images) or chunked (`/2/media/upload/initialize`, `/{id}/append`,
`/{id}/finalize`, then `GET /2/media/upload?command=STATUS` while `processing_info` says so),
an image's alt text by `POST /2/media/metadata`.
Errors are problem documents `{"title", "detail", "type", "status"}`; every answer carries
`x-rate-limit-limit/remaining/reset` (per endpoint and user), posting also the daily cap's
`x-user-limit-24hour-*`.

What each answer means for the queue (`ErrorKind`): 429 → RATE_LIMITED until the reset the
headers name; 403 "duplicate content" → REFUSED with `duplicate` (never retried); 401, and a 403
that is not a duplicate (the app or account lost the right to post) → ACCOUNT; other 4xx →
REFUSED; a 5xx, a timeout or a dropped connection after `POST /2/tweets` was sent → UNCLEAR (it
may be out: reconcile with `recent_posts` first); a failed connection, or any failure while
uploading media or reading → TRANSIENT (nothing was posted).
"""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import Mapping, Sequence
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from typing import Any

import aiohttp
from aiohttp import hdrs
from nazar_contracts.publish import Overflow

from social_publisher import metrics
from social_publisher.adapters.errors import TIMEOUT_ERRORS
from social_publisher.adapters.social import AccountLimits, SocialCallError
from social_publisher.domain import x_text
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

_MAX_MEDIA = 4  # X attaches up to four images (or one video / GIF) to a post


def public_url(handle: str, post_id: str) -> str:
    return f"https://x.com/{handle}/status/{post_id}"


def _epoch(value: str | None) -> datetime | None:
    try:
        return datetime.fromtimestamp(int(value), UTC) if value else None
    except ValueError:
        return None


def _detail(body: bytes) -> tuple[str, str]:
    try:
        raw = json.loads(body)
        return str(raw.get("title", ""))[:200], str(raw.get("detail", ""))[:500]
    except (ValueError, AttributeError):
        return "", ""


def error_for(
    status: int, headers: Mapping[str, str], body: bytes, *, posting: bool
) -> SocialError:
    """The `SocialError` of an X answer that is not a success."""
    title, detail = _detail(body)
    said = detail or title or f"HTTP {status}"
    if status == 429:
        daily_left = headers.get("x-user-limit-24hour-remaining")
        reset = (
            _epoch(headers.get("x-user-limit-24hour-reset"))
            if daily_left == "0"
            else _epoch(headers.get("x-rate-limit-reset"))
        )
        return SocialError(
            ErrorKind.RATE_LIMITED,
            Network.X,
            "429",
            "X की सीमा पूरी हुई; समय होने पर अपने आप भेजा जाएगा। "
            "X's rate limit is reached; it goes out by itself when the limit resets.",
            retry_at=reset or datetime.now(UTC) + timedelta(minutes=15),
        )
    if status == 403 and "duplicate" in said.lower():
        return SocialError(
            ErrorKind.REFUSED,
            Network.X,
            "duplicate",
            "X ने इसे दोहराया हुआ पाठ माना: यही पाठ इस खाते पर पहले से है। "
            "X refuses duplicate content: this text is already on the account.",
            duplicate=True,
        )
    if status in (401, 403):
        return SocialError(
            ErrorKind.ACCOUNT,
            Network.X,
            str(status),
            "X ने खाते की अनुमति नहीं मानी; खाते को दोबारा जोड़ें। "
            f"X did not accept the account's authorization ({said}); reconnect the account.",
        )
    if 400 <= status < 500:
        return SocialError(
            ErrorKind.REFUSED, Network.X, str(status), f"X ने पोस्ट अस्वीकार की। X refused: {said}"
        )
    kind = ErrorKind.UNCLEAR if posting else ErrorKind.TRANSIENT
    return SocialError(kind, Network.X, str(status), f"X त्रुटि {status}। X error: {said}")


def _transport(exc: BaseException, *, posting: bool) -> SocialError:
    connect_failed = isinstance(exc, aiohttp.ClientConnectorError | ConnectionRefusedError)
    kind = ErrorKind.UNCLEAR if posting and not connect_failed else ErrorKind.TRANSIENT
    return SocialError(
        kind,
        Network.X,
        None,
        f"X से उत्तर नहीं मिला। No answer from X ({type(exc).__name__}).",
    )


class XClient:
    network = Network.X

    def __init__(
        self,
        session: aiohttp.ClientSession,
        base_url: str,
        *,
        simple_upload_max: int = 5 * 1024 * 1024,
        chunk_size: int = 4 * 1024 * 1024,
        processing_max: timedelta = timedelta(minutes=5),
    ) -> None:
        self._session = session
        self._base = base_url.rstrip("/")
        self._simple_max = simple_upload_max
        self._chunk = chunk_size
        self._processing_max = processing_max
        # The posting window's last headers per account: (remaining, resets_at).
        self._limits: dict[str, AccountLimits] = {}

    # --- the calls ----------------------------------------------------------------------------
    async def _call(
        self,
        method: str,
        path: str,
        access: AccountAccess,
        *,
        posting: bool = False,
        **kwargs: Any,
    ) -> tuple[int, Mapping[str, str], bytes]:
        headers = {"Authorization": f"Bearer {access.access_token}"}
        started = time.perf_counter()
        try:
            async with self._session.request(
                method, f"{self._base}{path}", headers=headers, **kwargs
            ) as resp:
                return resp.status, resp.headers, await resp.read()
        except TIMEOUT_ERRORS as exc:
            raise SocialCallError(_transport(exc, posting=posting)) from exc
        finally:
            metrics.PROVIDER_LATENCY.labels("x").observe(time.perf_counter() - started)

    def _note_limits(self, access: AccountAccess, headers: Mapping[str, str]) -> None:
        remaining = headers.get("x-rate-limit-remaining")
        if remaining is None:
            return
        self._limits[access.account_id] = AccountLimits(
            remaining=int(remaining), resets_at=_epoch(headers.get("x-rate-limit-reset"))
        )

    async def publish(self, access: AccountAccess, post: PostRequest) -> Published:
        planned = x_text.plan(post.text, thread=post.overflow is Overflow.THREAD)
        if isinstance(planned, SocialError):
            raise SocialCallError(planned)
        done = list(post.thread_post_ids)
        if len(done) >= len(planned.parts):
            return self._published(access, done)
        media_ids: list[str] = []
        if not done and post.creatives:
            for creative in post.creatives[:_MAX_MEDIA]:
                media_id = await self._upload(access, creative)
                if creative.alt_text and not creative.media_type.startswith("video/"):
                    await self._alt_text(access, media_id, creative.alt_text)
                media_ids.append(media_id)
        for part in planned.parts[len(done) :]:
            body: dict[str, Any] = {"text": part}
            if media_ids and not done:
                body["media"] = {"media_ids": media_ids}
            if done:
                body["reply"] = {"in_reply_to_tweet_id": done[-1]}
            try:
                done.append(await self._post(access, body))
            except SocialCallError as exc:
                raise SocialCallError(_with_parts(exc.error, done)) from exc
        return self._published(access, done)

    def _published(self, access: AccountAccess, ids: Sequence[str]) -> Published:
        return Published(
            provider_post_id=ids[0],
            public_url=public_url(access.handle, ids[0]),
            thread_post_ids=tuple(ids) if len(ids) > 1 else (),
        )

    async def _post(self, access: AccountAccess, body: dict[str, Any]) -> str:
        known = self._limits.get(access.account_id)
        now = datetime.now(UTC)
        if known and known.remaining == 0 and known.resets_at and known.resets_at > now:
            raise SocialCallError(
                error_for(
                    429,
                    {"x-rate-limit-reset": str(int(known.resets_at.timestamp()))},
                    b"",
                    posting=True,
                )
            )
        status, headers, raw = await self._call(
            "POST", "/2/tweets", access, posting=True, json=body
        )
        self._note_limits(access, headers)
        if status in (200, 201):
            try:
                return str(json.loads(raw)["data"]["id"])
            except (ValueError, KeyError, TypeError) as exc:
                unreadable = SocialError(
                    ErrorKind.UNCLEAR, Network.X, None, "X का उत्तर पढ़ा नहीं गया। Unreadable answer."
                )
                raise SocialCallError(unreadable) from exc
        raise SocialCallError(error_for(status, headers, raw, posting=True))

    # --- media ----------------------------------------------------------------------------------
    async def _upload(self, access: AccountAccess, creative: Creative) -> str:
        image = creative.media_type.startswith("image/") and creative.media_type != "image/gif"
        if image and creative.size <= self._simple_max:
            form = aiohttp.FormData()
            form.add_field("media_category", "tweet_image")
            form.add_field("media_type", creative.media_type)
            form.add_field(
                "media", creative.content, filename="media", content_type="application/octet-stream"
            )
            data = await self._media_call("POST", "/2/media/upload", access, data=form)
            return str(data["id"])
        return await self._chunked(access, creative)

    async def _alt_text(self, access: AccountAccess, media_id: str, text: str) -> None:
        # docs.x.com, "Create Media metadata": POST /2/media/metadata, alt text ≤ 1,000 characters.
        body = {"id": media_id, "metadata": {"alt_text": {"text": text[:1000]}}}
        await self._media_call("POST", "/2/media/metadata", access, json=body)

    async def _chunked(self, access: AccountAccess, creative: Creative) -> str:
        if creative.media_type == "image/gif":
            category = "tweet_gif"
        elif creative.media_type.startswith("video/"):
            category = "tweet_video"
        else:
            category = "tweet_image"
        init = {
            "media_type": creative.media_type,
            "total_bytes": creative.size,
            "media_category": category,
        }
        data = await self._media_call("POST", "/2/media/upload/initialize", access, json=init)
        media_id = str(data["id"])
        for index, start in enumerate(range(0, creative.size, self._chunk)):
            form = aiohttp.FormData()
            form.add_field("segment_index", str(index))
            form.add_field(
                "media",
                creative.content[start : start + self._chunk],
                filename="chunk",
                content_type="application/octet-stream",
            )
            await self._media_call("POST", f"/2/media/upload/{media_id}/append", access, data=form)
        data = await self._media_call("POST", f"/2/media/upload/{media_id}/finalize", access)
        await self._wait_processed(access, media_id, data.get("processing_info"))
        return media_id

    async def _wait_processed(
        self, access: AccountAccess, media_id: str, info: dict[str, Any] | None
    ) -> None:
        deadline = time.monotonic() + self._processing_max.total_seconds()
        while info and info.get("state") in ("pending", "in_progress"):
            if time.monotonic() > deadline:
                raise SocialCallError(
                    SocialError(
                        ErrorKind.TRANSIENT,
                        Network.X,
                        "media_processing",
                        "X पर वीडियो की तैयारी में देर हुई। X took too long to process the media.",
                    )
                )
            await asyncio.sleep(float(info.get("check_after_secs", 1)))
            data = await self._media_call(
                "GET",
                "/2/media/upload",
                access,
                params={"command": "STATUS", "media_id": media_id},
            )
            info = data.get("processing_info")
        if info and info.get("state") == "failed":
            raise SocialCallError(
                SocialError(
                    ErrorKind.REFUSED,
                    Network.X,
                    "media_failed",
                    "X ने मीडिया संसाधित नहीं किया; फ़ाइल बदलें। X could not process the media.",
                )
            )

    async def _media_call(
        self, method: str, path: str, access: AccountAccess, **kwargs: Any
    ) -> dict[str, Any]:
        status, headers, raw = await self._call(method, path, access, **kwargs)
        if status not in (200, 201, 202):
            raise SocialCallError(error_for(status, headers, raw, posting=False))
        try:
            data: dict[str, Any] = json.loads(raw)["data"]
        except (ValueError, KeyError, TypeError) as exc:
            unreadable = SocialError(
                ErrorKind.TRANSIENT, Network.X, None, "Unreadable media answer"
            )
            raise SocialCallError(unreadable) from exc
        return data

    # --- reading back, deleting, limits --------------------------------------------------------
    async def recent_posts(self, access: AccountAccess, since: datetime) -> Sequence[RemotePost]:
        posts: list[RemotePost] = []
        params = {
            "start_time": since.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
            "max_results": "100",
            "tweet.fields": "created_at",
        }
        for _page in range(5):  # 500 posts: far more than an account makes in a reconcile window
            status, headers, raw = await self._call(
                "GET", f"/2/users/{access.provider_account_id}/tweets", access, params=params
            )
            if status != 200:
                raise SocialCallError(error_for(status, headers, raw, posting=False))
            body = json.loads(raw)
            for item in body.get("data", []):
                created = datetime.fromisoformat(str(item["created_at"]).replace("Z", "+00:00"))
                posts.append(
                    RemotePost(
                        provider_post_id=str(item["id"]),
                        text=str(item["text"]),
                        created_at=created,
                        public_url=public_url(access.handle, str(item["id"])),
                    )
                )
            token = body.get("meta", {}).get("next_token")
            if not token:
                break
            params["pagination_token"] = str(token)
        return posts

    async def delete(self, access: AccountAccess, provider_post_id: str) -> bool:
        status, headers, raw = await self._call(
            hdrs.METH_DELETE, f"/2/tweets/{provider_post_id}", access
        )
        if status == 200:
            return bool(json.loads(raw).get("data", {}).get("deleted", False))
        if status == 404:
            return True  # already gone: no longer public, which is what was asked
        raise SocialCallError(error_for(status, headers, raw, posting=False))

    async def limits(self, access: AccountAccess) -> AccountLimits:
        return self._limits.get(access.account_id, AccountLimits())


def _with_parts(error: SocialError, done: Sequence[str]) -> SocialError:
    return replace(error, thread_post_ids=tuple(done)) if done else error
