"""A fake X API v2 for the local stack and the tests: posts, media upload, the user timeline,
delete, and OAuth 2.0 with PKCE (`x_auth.py`).

Paths, bodies and errors as docs.x.com documents them: `POST /2/tweets` (`text`,
`media.media_ids`, `reply.in_reply_to_tweet_id`) → 201 `{"data": {"id", "text",
"edit_history_tweet_ids"}}`; `DELETE /2/tweets/{id}` → `{"data": {"deleted": true}}`;
`GET /2/users/me`, `GET /2/users/{id}/tweets` (`start_time`, `max_results`,
`tweet.fields=created_at`); media:
`POST /2/media/upload` (simple, images), `POST /2/media/upload/initialize`,
`/2/media/upload/{id}/append` (`media`, `segment_index`), `/2/media/upload/{id}/finalize`, and
`GET /2/media/upload?command=STATUS&media_id=` while `processing_info.state` is `pending` or
`in_progress`. Errors are X's problem shape `{"title", "detail", "type", "status"}`; every answer
carries `x-rate-limit-limit/remaining/reset` for its endpoint and user, and `POST /2/tweets`
the daily cap's `x-user-limit-24hour-*`.

Limits per user (docs.x.com/x-api/fundamentals/rate-limits, the pay-per-use tiers of 2026):
`POST /2/tweets` 100 per 15 min, `DELETE /2/tweets/:id` 50 per 15 min, `GET /2/users/:id/tweets`
900 per 15 min, the media upload endpoints 1,875 per 15 min (the same page's Media table). The
account's own cap (help.x.com, "X limits"): 2,400 posts a day, replies included.

`/_fake/config` switches: `fail_after_accept` (`{"mode": "500"|"drop"|"sleep", "times": n,
"sleep": s}`: the post is stored, then the answer fails), `rate_limit_now` (seconds: the posting
window is spent now and resets then), `revoked` (user ids whose tokens fail), `deny` (the
authorize page refuses), `processing_polls`, `check_after_secs`, `limits`, `daily_cap`,
`window_seconds` and `day_seconds` (the windows' lengths: bench/social scales them down).
"""

from __future__ import annotations

import asyncio
import time
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from aiohttp import web

from nazar_fakes.x_auth import FakeXAuth
from nazar_fakes.x_media import IDS, Media, XMedia, invalid, problem, unauthorized

WINDOW = 15 * 60
DEFAULTS: dict[str, Any] = {
    "users": {"1500000000000000001": "PoliceRajasthan"},
    "authorize_user": "1500000000000000001",
    "limits": {"post": 100, "delete": 50, "timeline": 900, "media": 1875},
    "daily_cap": 2400,
    "access_ttl": 7200,
    "fail_after_accept": None,
    "rate_limit_now": None,
    "revoked": [],
    "deny": False,
    "processing_polls": 2,
    "check_after_secs": 1,
    "image_max_bytes": 5 * 1024 * 1024,
    "window_seconds": WINDOW,
    "day_seconds": 86400,
}


@dataclass
class Window:
    limit: int
    used: int = 0
    resets: float = 0.0


class FakeX:
    def __init__(self, client_id: str, client_secret: str, **config: Any) -> None:
        self.config: dict[str, Any] = {**DEFAULTS, **config}
        self.auth = FakeXAuth(self, client_id, client_secret)
        self.posts: dict[str, dict[str, Any]] = {}
        self.media: dict[str, Media] = {}
        self.windows: dict[tuple[str, str], Window] = {}
        self.requests: dict[str, int] = {}
        for pair in self.config.get("static_tokens", []):
            self.auth.tokens.known(pair["user_id"], pair["access_token"], pair.get("refresh_token"))

    # --- limits ---------------------------------------------------------------------------
    def _window(self, endpoint: str, user_id: str) -> Window:
        now = time.time()
        window = self.windows.get((endpoint, user_id))
        if window is None or window.resets <= now:
            length = float(self.config["window_seconds"])
            window = Window(int(self.config["limits"][endpoint]), 0, now + length)
            self.windows[(endpoint, user_id)] = window
        return window

    def take(self, endpoint: str, user_id: str) -> tuple[bool, dict[str, str]]:
        self.requests[endpoint] = self.requests.get(endpoint, 0) + 1
        spend = self.config.get("rate_limit_now")
        if endpoint == "post" and spend is not None:
            self.config["rate_limit_now"] = None
            window = self._window(endpoint, user_id)
            window.used, window.resets = window.limit, time.time() + float(spend)
        window = self._window(endpoint, user_id)
        allowed = window.used < window.limit
        if allowed:
            window.used += 1
        headers = {
            "x-rate-limit-limit": str(window.limit),
            "x-rate-limit-remaining": str(max(0, window.limit - window.used)),
            "x-rate-limit-reset": str(int(window.resets + 0.999)),
        }
        return allowed, headers

    def too_many(self, headers: dict[str, str]) -> web.Response:
        response = problem(429, "Too Many Requests", "Too Many Requests")
        response.headers.update(headers)
        return response

    def _daily(self, user_id: str) -> tuple[bool, dict[str, str]]:
        day = float(self.config["day_seconds"])
        since = time.time() - day
        mine = [p for p in self.posts.values() if p["author_id"] == user_id and p["at"] > since]
        cap = int(self.config["daily_cap"])
        reset = int((min(p["at"] for p in mine) if mine else time.time()) + day)
        headers = {
            "x-user-limit-24hour-limit": str(cap),
            "x-user-limit-24hour-remaining": str(max(0, cap - len(mine))),
            "x-user-limit-24hour-reset": str(reset),
        }
        return len(mine) < cap, headers

    # --- posts ----------------------------------------------------------------------------
    async def create_post(self, request: web.Request) -> web.StreamResponse:
        grant = self.auth.user_of(request)
        if grant is None:
            return unauthorized()
        allowed, headers = self.take("post", grant.user_id)
        if not allowed:
            return self.too_many(headers)
        under_cap, daily = self._daily(grant.user_id)
        headers.update(daily)
        if not under_cap:
            return self.too_many(headers)
        try:
            body = await request.json()
            text = str(body.get("text", ""))
        except (ValueError, AttributeError):
            return invalid("The request body is not JSON.")
        media_ids = [str(m) for m in (body.get("media") or {}).get("media_ids", [])]
        reply_to = (body.get("reply") or {}).get("in_reply_to_tweet_id")
        for mid in media_ids:
            media = self.media.get(mid)
            if media is None or media.user_id != grant.user_id or media.polls_left > 0:
                return invalid(f"Your media IDs are invalid: {mid}")
        if reply_to is not None and str(reply_to) not in self.posts:
            return invalid("The Post you are replying to does not exist.")
        if not text and not media_ids:
            return invalid("The text field is required without media.")
        if any(p["author_id"] == grant.user_id and p["text"] == text for p in self.posts.values()):
            response = problem(
                403, "Forbidden", "You are not allowed to create a Tweet with duplicate content."
            )
            response.headers.update(headers)
            return response
        post_id = str(next(IDS))
        self.posts[post_id] = {
            "id": post_id,
            "author_id": grant.user_id,
            "text": text,
            "media_ids": media_ids,
            "in_reply_to_tweet_id": str(reply_to) if reply_to is not None else None,
            "at": time.time(),
        }
        headers.update(self._daily(grant.user_id)[1])  # counting this post, as X does
        failed = await self._fail_after_accept(request)
        if failed is not None:
            return failed
        data = {"id": post_id, "text": text, "edit_history_tweet_ids": [post_id]}
        return web.json_response({"data": data}, status=201, headers=headers)

    async def _fail_after_accept(self, request: web.Request) -> web.StreamResponse | None:
        rule = self.config.get("fail_after_accept")
        if not rule:
            return None
        times = int(rule.get("times", 1))
        if times <= 1:
            self.config["fail_after_accept"] = None
        else:
            rule["times"] = times - 1
        mode = rule.get("mode", "500")
        if mode == "drop":
            if request.transport is not None:
                request.transport.close()
            raise asyncio.CancelledError  # the client sees the connection dropped
        if mode == "sleep":
            await asyncio.sleep(float(rule.get("sleep", 30)))
        return problem(503, "Service Unavailable", "Service Unavailable")

    async def delete_post(self, request: web.Request) -> web.Response:
        grant = self.auth.user_of(request)
        if grant is None:
            return unauthorized()
        allowed, headers = self.take("delete", grant.user_id)
        if not allowed:
            return self.too_many(headers)
        post = self.posts.get(request.match_info["id"])
        if post is None:
            return problem(404, "Not Found Error", "Could not find tweet.")
        if post["author_id"] != grant.user_id:
            return problem(403, "Forbidden", "You are not allowed to delete this Tweet.")
        del self.posts[post["id"]]
        return web.json_response({"data": {"deleted": True}}, headers=headers)

    async def timeline(self, request: web.Request) -> web.Response:
        grant = self.auth.user_of(request)
        if grant is None:
            return unauthorized()
        allowed, headers = self.take("timeline", grant.user_id)
        if not allowed:
            return self.too_many(headers)
        user_id = request.match_info["id"]
        since = request.query.get("start_time")
        since_ts = datetime.fromisoformat(since.replace("Z", "+00:00")).timestamp() if since else 0
        limit = min(100, max(5, int(request.query.get("max_results", "10"))))
        mine = sorted(
            (p for p in self.posts.values() if p["author_id"] == user_id and p["at"] >= since_ts),
            key=lambda p: p["at"],
            reverse=True,
        )[:limit]
        fields = request.query.get("tweet.fields", "").split(",")
        data = []
        for p in mine:
            item: dict[str, Any] = {
                "id": p["id"],
                "text": p["text"],
                "edit_history_tweet_ids": [p["id"]],
            }
            if "created_at" in fields:
                at = datetime.fromtimestamp(p["at"], UTC)
                item["created_at"] = at.isoformat(timespec="milliseconds").replace("+00:00", "Z")
            data.append(item)
        meta: dict[str, Any] = {"result_count": len(data)}
        if data:
            meta.update(newest_id=data[0]["id"], oldest_id=data[-1]["id"])
            return web.json_response({"data": data, "meta": meta}, headers=headers)
        return web.json_response({"meta": meta}, headers=headers)

    async def me(self, request: web.Request) -> web.Response:
        grant = self.auth.user_of(request)
        if grant is None:
            return unauthorized()
        handle = self.config["users"].get(grant.user_id, f"user{grant.user_id}")
        return web.json_response(
            {"data": {"id": grant.user_id, "name": handle, "username": handle}}
        )

    # --- control (tests, the local stack) -------------------------------------------------
    async def list_posts(self, _request: web.Request) -> web.Response:
        return web.json_response({"count": len(self.posts), "posts": list(self.posts.values())})

    async def stats(self, _request: web.Request) -> web.Response:
        return web.json_response(
            {"posts": len(self.posts), "requests": dict(self.requests), **self.auth.stats()}
        )

    async def get_config(self, _request: web.Request) -> web.Response:
        return web.json_response(self.config)

    async def set_config(self, request: web.Request) -> web.Response:
        self.config.update(await request.json())
        return web.json_response(self.config)

    async def reset(self, _request: web.Request) -> web.Response:
        self.posts.clear()
        self.media.clear()
        self.windows.clear()
        self.requests.clear()
        self.auth.tokens.calls.clear()
        return web.json_response({"reset": True})


def x_app(fake: FakeX) -> web.Application:
    # Chunks are at most a few MiB (X takes up to 5 MB per APPEND segment).
    app = web.Application(client_max_size=8 * 1024 * 1024)
    media = XMedia(fake)
    app.router.add_post("/2/tweets", fake.create_post)
    app.router.add_delete("/2/tweets/{id}", fake.delete_post)
    app.router.add_get("/2/users/me", fake.me)
    app.router.add_get("/2/users/{id}/tweets", fake.timeline)
    app.router.add_post("/2/media/upload", media.simple)
    app.router.add_get("/2/media/upload", media.status)
    app.router.add_post("/2/media/upload/initialize", media.initialize)
    app.router.add_post("/2/media/upload/{id}/append", media.append)
    app.router.add_post("/2/media/upload/{id}/finalize", media.finalize)
    app.router.add_post("/2/media/metadata", media.metadata)
    app.router.add_get("/i/oauth2/authorize", fake.auth.authorize)
    app.router.add_post("/2/oauth2/token", fake.auth.token)
    app.router.add_get("/_fake/posts", fake.list_posts)
    app.router.add_get("/_fake/stats", fake.stats)
    app.router.add_get("/_fake/config", fake.get_config)
    app.router.add_post("/_fake/config", fake.set_config)
    app.router.add_post("/_fake/reset", fake.reset)
    app.router.add_post("/_fake/grant", fake.auth.grant)
    app.router.add_get("/healthz", _healthz)
    return app


async def _healthz(_request: web.Request) -> web.Response:
    return web.json_response({"status": "ok"})
