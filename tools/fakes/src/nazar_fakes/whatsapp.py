"""A fake WhatsApp Business Cloud API, for local stacks, tests and the sender benchmark.

It behaves like Meta where it matters to the publisher: it checks the bearer token, the phone
number id, the message shape, the template's name, language and parameters (no newline, tab or
more than four consecutive spaces) and the sign-in template's copy-code button
(`whatsapp_templates`), the 24-hour window for free-form messages; it answers with
Meta's response and Graph API error bodies; it enforces the throughput cap with 130429; and it
posts signed, batched status webhooks (sent -> delivered -> read), with configurable failures,
reordering, missing reads, webhooks lost for good, redelivery of unanswered ones, and members
who reply. `GET /_fake/messages` lists every accepted message; `POST /_fake/config` changes the
behaviour at runtime (see README of the publisher for the keys).
"""

from __future__ import annotations

import base64
import json
import random
import re
import time
import uuid
from pathlib import Path
from typing import Any

from aiohttp import web

from nazar_fakes.common import MessageLog, Outage, ThroughputWindow, WebhookPoster, pick
from nazar_fakes.whatsapp_templates import AUTH_TEMPLATES, DEFAULT_TEMPLATES, validate_template

WABA_ID = "102290129340398"
_PHONE = re.compile(r"^\+?\d{8,15}$")
DEFAULTS: dict[str, Any] = {
    "mps_cap": 80,
    "token_expired": False,
    "outage": None,  # common.Outage.KINDS: None | "503" | "500" | "timeout" | "500+timeout"
    "outage_hang": 20.0,  # seconds a "timeout" request hangs (longer than the publisher waits)
    # [{"code": 131026, "stage": "status"|"send", "share": 1, "recipients": [...], "times": n}]
    "fail": [],
    # [{"kind": "button"|"text", "text": "...", "share": 0.6, "recipients": [...]}]
    "replies": [],
    "read_share": 1.0,
    "reorder_share": 0.0,
    "lose_share": 0.0,
    "sent_delay": 0.05,
    "delivered_delay": 0.3,
    "read_delay": 1.0,
    "reply_delay": 1.5,
    "batch_interval": 0.2,
    "batch_size": 100,
    "webhook_retry_base": 0.5,
    "webhook_retry_cap": 30.0,
    "webhooks_paused": False,
    "enforce_window": True,
}


def _error(
    status: int,
    code: int,
    message: str,
    details: str = "",
    *,
    type_: str = "OAuthException",
    subcode: int | None = None,
) -> web.Response:
    body: dict[str, Any] = {
        "message": message,
        "type": type_,
        "code": code,
        "error_data": {"messaging_product": "whatsapp", "details": details or message},
        "fbtrace_id": base64.b64encode(uuid.uuid4().bytes[:9]).decode(),
    }
    if subcode is not None:
        body["error_subcode"] = subcode
    return web.json_response({"error": body}, status=status)


TITLES = {
    130429: "Rate limit hit",
    131026: "Message undeliverable",
    131047: "Re-engagement message",
    131048: "Spam rate limit hit",
    131049: "This message was not delivered to maintain healthy ecosystem engagement.",
    131056: "(Business Account, Consumer Account) pair rate limit hit",
    131000: "Something went wrong",
    132001: "Template name does not exist in the translation",
    132015: "Template is paused",
    190: "Error validating access token: Session has expired",
}


class FakeWhatsApp:
    def __init__(
        self,
        *,
        token: str,
        app_secret: str,
        webhook_url: str,
        phone_number_ids: list[str],
        log_path: Path | None = None,
        seed: int | None = None,
        **config: Any,
    ) -> None:
        self.token = token
        self.phone_number_ids = set(phone_number_ids)
        self.templates: dict[str, dict[str, int]] = dict(DEFAULT_TEMPLATES)
        self.config: dict[str, Any] = {**DEFAULTS, **config}
        self.log = MessageLog(log_path)
        self.outage = Outage()
        self.window = ThroughputWindow()
        self.rng = random.Random(seed)  # noqa: S311 - simulation, not security
        self.fail_counts: dict[tuple[int, str], int] = {}
        self.windows: dict[str, float] = {}  # recipient -> time of their last message
        self.poster = WebhookPoster(
            webhook_url,
            app_secret.encode(),
            header="X-Hub-Signature-256",
            envelope=self._envelope,
            settings=lambda: self.config,
        )

    # --- the API ------------------------------------------------------------------------------

    async def send(self, request: web.Request) -> web.Response:
        now = time.monotonic()
        cfg = self.config
        self.log.attempt(now)
        if cfg["outage"]:
            return await self.outage.answer(
                str(cfg["outage"]),
                self.log,
                float(cfg["outage_hang"]),
                lambda: _error(503, 2, "Service temporarily unavailable", type_="OAuthException"),
                lambda: _error(500, 1, "An unknown error occurred", type_="OAuthException"),
            )
        auth = request.headers.get("Authorization", "")
        if not auth.startswith("Bearer ") or auth[7:] != self.token:
            self.log.reject("190")
            return _error(401, 190, "Invalid OAuth access token - Cannot parse access token")
        if cfg["token_expired"]:
            self.log.reject("190")
            return _error(401, 190, TITLES[190], subcode=463)
        pnid = request.match_info["phone_number_id"]
        if pnid not in self.phone_number_ids:
            self.log.reject("100")
            return _error(
                400,
                100,
                f"Unsupported post request. Object with ID '{pnid}' does not "
                "exist, cannot be loaded due to missing permissions, or does not support "
                "this operation.",
                type_="GraphMethodException",
                subcode=33,
            )
        try:
            body = json.loads(await request.read())
        except ValueError:
            self.log.reject("100")
            return _error(400, 100, "(#100) Invalid parameter", "Request body is not valid JSON")
        problem = self._validate(body)
        if problem is not None:
            self.log.reject(str(problem[1]))
            return _error(*problem)
        to = str(body["to"]).lstrip("+")
        payload = _payload(body)
        rule = self._failure(to, payload, "send")
        if rule is not None:
            code = int(rule["code"])
            self.log.reject(str(code))
            return _error(400, code, f"(#{code}) {TITLES.get(code, 'Error')}")
        if not self.window.admit(pnid, now, int(cfg["mps_cap"])):
            self.log.reject("130429")
            return _error(
                400,
                130429,
                "(#130429) Rate limit hit",
                "Cloud API message throughput has been reached.",
            )
        wamid = "wamid." + base64.b64encode(b"\x15\x02" + uuid.uuid4().bytes).decode()
        self.log.accept(_entry(body, pnid, wamid, to, payload, time.time()), now)
        self._schedule(body, pnid, wamid, to, payload)
        return web.json_response(
            {
                "messaging_product": "whatsapp",
                "contacts": [{"input": body["to"], "wa_id": to}],
                "messages": [{"id": wamid, "message_status": "accepted"}],
            }
        )

    def _validate(self, body: Any) -> tuple[int, int, str, str] | None:
        if not isinstance(body, dict) or body.get("messaging_product") != "whatsapp":
            return 400, 100, "(#100) The parameter messaging_product is required.", ""
        if not _PHONE.match(str(body.get("to", ""))):
            return 400, 100, "(#100) Invalid parameter", "Param to must be a valid phone number"
        if len(str(body.get("biz_opaque_callback_data", ""))) > 512:
            return 400, 100, "(#100) Invalid parameter", "biz_opaque_callback_data is too long"
        kind = body.get("type")
        if kind == "template":
            return validate_template(self.templates, body.get("template") or {})
        if kind == "interactive":
            inter = body.get("interactive") or {}
            text = str((inter.get("body") or {}).get("text", ""))
            buttons = (inter.get("action") or {}).get("buttons") or []
            if not text or len(text) > 1024 or not 1 <= len(buttons) <= 3:
                return 400, 131009, "(#131009) Parameter value is not valid", "interactive body"
            if any(len(b.get("reply", {}).get("title", "")) > 20 for b in buttons):
                return 400, 131009, "(#131009) Parameter value is not valid", "button title > 20"
            return None
        if kind == "text":
            text = str((body.get("text") or {}).get("body", ""))
            if not text or len(text) > 4096:
                return 400, 131009, "(#131009) Parameter value is not valid", "text body"
            return None
        return 400, 131051, "(#131051) Unsupported message type", f"type {kind!r}"

    def _failure(self, to: str, payload: str | None, stage: str) -> dict[str, Any] | None:
        for rule in self.config["fail"]:
            if rule.get("stage", "status") != stage:
                continue
            found = pick([rule], to, payload, self.rng)
            if found is None:
                continue
            key = (id(rule), to)
            if "times" in rule and self.fail_counts.get(key, 0) >= int(rule["times"]):
                continue
            self.fail_counts[key] = self.fail_counts.get(key, 0) + 1
            return found
        return None

    # --- webhooks -----------------------------------------------------------------------------

    def _schedule(
        self, body: dict[str, Any], pnid: str, wamid: str, to: str, payload: str | None
    ) -> None:
        cfg = self.config
        callback = body.get("biz_opaque_callback_data")
        # Each event keeps the time it happened, even when its webhook is redelivered later.
        base = {"pnid": pnid, "id": wamid, "recipient_id": to, "ts": str(int(time.time()))}
        if callback:
            base["biz_opaque_callback_data"] = callback
        if self.rng.random() < float(cfg["lose_share"]):
            self.poster.lost += 1
            return
        free_form = body.get("type") in ("interactive", "text")
        window = self.windows.get(to)
        closed = (
            free_form and cfg["enforce_window"] and (window is None or time.time() - window > 86400)
        )
        rule = self._failure(to, payload, "status")
        if closed or rule is not None:
            code = 131047 if closed else int(rule["code"])  # type: ignore[index]
            self.poster.schedule({**base, "status": "failed", "code": code}, cfg["sent_delay"])
            return
        self.poster.schedule({**base, "status": "sent"}, cfg["sent_delay"])
        delivered, read = float(cfg["delivered_delay"]), float(cfg["read_delay"])
        if self.rng.random() < float(cfg["reorder_share"]):
            delivered, read = read, delivered
        self.poster.schedule({**base, "status": "delivered"}, delivered)
        if self.rng.random() < float(cfg["read_share"]):
            self.poster.schedule({**base, "status": "read"}, read)
        reply = pick(cfg["replies"], to, payload, self.rng)
        if reply is not None:
            self.poster.schedule(self._reply(reply, pnid, wamid, to, payload), cfg["reply_delay"])

    def _reply(
        self, rule: dict[str, Any], pnid: str, wamid: str, to: str, payload: str | None
    ) -> dict[str, Any]:
        event: dict[str, Any] = {
            "pnid": pnid,
            "message": True,
            "from": to,
            "id": "wamid." + base64.b64encode(b"\x15\x03" + uuid.uuid4().bytes).decode(),
            "context": {"from": pnid, "id": wamid},
            "ts": str(int(time.time())),
        }
        if rule.get("kind", "button") == "button" and payload is not None:
            event["type"] = "button"
            event["button"] = {"payload": payload, "text": rule.get("text", "प्राप्त हुआ")}
        else:
            event["type"] = "text"
            event["text"] = {"body": rule.get("text", "ठीक है")}
        self.windows[to] = time.time()
        return event

    def inbound(self, sender: str, text: str, pnid: str | None = None) -> dict[str, Any]:
        """A member writes to the business (opens their 24-hour window)."""
        event = {
            "pnid": pnid or next(iter(self.phone_number_ids)),
            "message": True,
            "from": sender,
            "id": "wamid." + base64.b64encode(b"\x15\x04" + uuid.uuid4().bytes).decode(),
            "type": "text",
            "text": {"body": text},
        }
        self.windows[sender] = time.time()
        self.poster.schedule(event, 0.0)
        return event

    def _envelope(self, events: list[dict[str, Any]]) -> bytes:
        by_pnid: dict[str, dict[str, Any]] = {}
        now = str(int(time.time()))
        for e in events:
            value = by_pnid.setdefault(
                e["pnid"],
                {
                    "messaging_product": "whatsapp",
                    "metadata": {
                        "display_phone_number": "911412000000",
                        "phone_number_id": e["pnid"],
                    },
                },
            )
            if e.get("message"):
                msg = {k: v for k, v in e.items() if k not in ("pnid", "message", "ts")}
                msg["timestamp"] = e.get("ts", now)
                value.setdefault("contacts", []).append(
                    {"profile": {"name": "सदस्य"}, "wa_id": e["from"]}
                )
                value.setdefault("messages", []).append(msg)
                continue
            status: dict[str, Any] = {
                "id": e["id"],
                "status": e["status"],
                "timestamp": e.get("ts", now),
                "recipient_id": e["recipient_id"],
            }
            if "biz_opaque_callback_data" in e:
                status["biz_opaque_callback_data"] = e["biz_opaque_callback_data"]
            if e["status"] == "failed":
                code = int(e["code"])
                status["errors"] = [
                    {
                        "code": code,
                        "title": TITLES.get(code, "Error"),
                        "message": TITLES.get(code, "Error"),
                        "error_data": {"details": TITLES.get(code, "Error")},
                        "href": "https://developers.facebook.com/docs/whatsapp/cloud-api/support/error-codes/",
                    }
                ]
            else:
                status["pricing"] = {
                    "billable": True,
                    "pricing_model": "PMP",
                    "category": "utility",
                }
            value.setdefault("statuses", []).append(status)
        payload = {
            "object": "whatsapp_business_account",
            "entry": [
                {
                    "id": WABA_ID,
                    "changes": [{"field": "messages", "value": v} for v in by_pnid.values()],
                }
            ],
        }
        # Meta escapes non-ASCII as \uXXXX; the signature covers exactly these bytes.
        return json.dumps(payload, ensure_ascii=True, separators=(",", ":")).encode()


def _payload(body: dict[str, Any]) -> str | None:
    if body.get("type") == "template":
        for comp in (body.get("template") or {}).get("components") or []:
            if comp.get("type") == "button":
                for p in comp.get("parameters") or []:
                    if p.get("type") == "payload":
                        return str(p.get("payload"))
    if body.get("type") == "interactive":
        buttons = ((body.get("interactive") or {}).get("action") or {}).get("buttons") or []
        if buttons:
            return str(buttons[0].get("reply", {}).get("id"))
    return None


def _entry(
    body: dict[str, Any], pnid: str, wamid: str, to: str, payload: str | None, at: float
) -> dict[str, Any]:
    entry: dict[str, Any] = {
        "id": wamid,
        "phone_number_id": pnid,
        "to": to,
        "type": body.get("type"),
        "callback": body.get("biz_opaque_callback_data"),
        "payload": payload,
        "at": at,
    }
    if body.get("type") == "template":
        t = body["template"]
        entry["template"] = t.get("name")
        entry["language"] = (t.get("language") or {}).get("code")
        entry["parameters"] = [
            p.get("text")
            for c in t.get("components") or []
            if c.get("type") == "body"
            for p in c.get("parameters") or []
        ]
        if t.get("name") in AUTH_TEMPLATES:
            # What the copy-code button copies (tests read the code from here or the body).
            entry["button_text"] = next(
                (
                    p.get("text")
                    for c in t.get("components") or []
                    if c.get("type") == "button" and c.get("sub_type") == "url"
                    for p in c.get("parameters") or []
                ),
                None,
            )
    elif body.get("type") == "interactive":
        entry["text"] = body["interactive"]["body"]["text"]
    return entry
