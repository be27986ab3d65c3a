"""A fake DLT SMS gateway (contract in services/social-publisher/README.md).

`POST /v1/messages` with a bearer key and `{entity_id, sender, template_id, to, text, unicode,
ref}`: the entity, the 6-character sender header and the template must be registered, and the
text must match the registered template with its `{#var#}` (at most 30 characters each) and
`{#url#}` variables filled. Delivery reports and members' replies come back as signed, batched
webhooks to `<webhook-url>/reports` and `<webhook-url>/inbound`.
"""

from __future__ import annotations

import json
import random
import re
import time
import uuid
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from aiohttp import web

from nazar_fakes.common import MessageLog, Outage, ThroughputWindow, WebhookPoster, pick

DEFAULT_TEMPLATES = {
    "1107000000000000001": "{#var#}: {#var#}. उत्तर में {#var#} भेजें. पूरा संदेश {#url#}",
    "1107000000000000002": "{#var#}: {#var#}. Reply {#var#}. Full message {#url#}",
    # The sign-in code's OTP templates (the code is the one numeric variable).
    "1107000000000000003": "{#numeric#} नज़र में साइन-इन का आपका कोड है. इसे किसी को न बताएं."
    " -राजस्थान पुलिस",
    "1107000000000000004": "{#numeric#} is your Nazar sign-in code. Do not share it."
    " -Rajasthan Police",
}
DEFAULTS: dict[str, Any] = {
    "mps_cap": 100,
    "outage": None,  # common.Outage.KINDS
    "outage_hang": 20.0,  # seconds a "timeout" request hangs (longer than the publisher waits)
    "fail": [],  # [{"error_code": "NUMBER_BARRED", "share": 1, "recipients": [...]}]
    "replies": [],  # [{"text": "{code}" or "STOP", "share": 0.5, "recipients": [...]}]
    "delivered_delay": 0.3,
    "reply_delay": 1.0,
    "batch_interval": 0.2,
    "batch_size": 100,
    "webhook_retry_base": 0.5,
    "webhook_retry_cap": 30.0,
    "webhooks_paused": False,
}
_VARIABLE = re.compile(r"\{#(var|url|numeric|alphanumeric)#\}")
_PATTERNS = {
    "var": r"(.{1,30})",
    "url": r"(https?://\S{1,200})",
    "numeric": r"(\d{1,30})",
    "alphanumeric": r"([A-Za-z0-9]{1,30})",
}


def template_regex(template: str) -> re.Pattern[str]:
    parts, last = [], 0
    for m in _VARIABLE.finditer(template):
        parts.append(re.escape(template[last : m.start()]))
        parts.append(_PATTERNS[m.group(1)])
        last = m.end()
    parts.append(re.escape(template[last:]))
    return re.compile("".join(parts), re.DOTALL)


def _error(status: int, code: str, message: str) -> web.Response:
    return web.json_response({"error": {"code": code, "message": message}}, status=status)


class FakeSms:
    def __init__(
        self,
        *,
        api_key: str,
        secret: str,
        webhook_url: str,
        entity_id: str,
        senders: list[str],
        log_path: Path | None = None,
        seed: int | None = None,
        **config: Any,
    ) -> None:
        self.api_key = api_key
        self.entity_id = entity_id
        self.senders = set(senders)
        self.templates = {k: template_regex(v) for k, v in DEFAULT_TEMPLATES.items()}
        self.config: dict[str, Any] = {**DEFAULTS, **config}
        self.log = MessageLog(log_path)
        self.outage = Outage()
        self.window = ThroughputWindow()
        self.rng = random.Random(seed)  # noqa: S311 - simulation, not security
        base = webhook_url.rstrip("/")
        settings = lambda: self.config  # noqa: E731
        self.reports = WebhookPoster(
            base + "/reports",
            secret.encode(),
            header="X-Gateway-Signature",
            envelope=lambda events: _dumps({"reports": events}),
            settings=settings,
        )
        self.inbound_poster = WebhookPoster(
            base + "/inbound",
            secret.encode(),
            header="X-Gateway-Signature",
            envelope=lambda events: _dumps({"messages": events}),
            settings=settings,
        )
        self.posters = [self.reports, self.inbound_poster]

    async def send(self, request: web.Request) -> web.Response:
        now = time.monotonic()
        self.log.attempt(now)
        if self.config["outage"]:
            return await self.outage.answer(
                str(self.config["outage"]),
                self.log,
                float(self.config["outage_hang"]),
                lambda: _error(503, "UNAVAILABLE", "gateway temporarily unavailable"),
                lambda: _error(500, "INTERNAL", "internal error"),
            )
        if request.headers.get("Authorization") != f"Bearer {self.api_key}":
            self.log.reject("AUTH_FAILED")
            return _error(401, "AUTH_FAILED", "invalid API key")
        try:
            body = json.loads(await request.read())
        except ValueError:
            return _error(400, "BAD_REQUEST", "body is not JSON")
        problem = self._validate(body)
        if problem is not None:
            self.log.reject(problem[0])
            return _error(400, *problem)
        if not self.window.admit(body["sender"], now, int(self.config["mps_cap"])):
            self.log.reject("THROTTLED")
            return _error(429, "THROTTLED", "too many messages per second")
        message_id = uuid.uuid4().hex
        text = body["text"]
        unicode_ = any(ord(c) > 127 for c in text)
        units = len(text.encode("utf-16-le")) // 2 if unicode_ else len(text)
        single, multi = (70, 67) if unicode_ else (160, 153)
        segments = 1 if units <= single else -(-units // multi)
        to = str(body["to"]).lstrip("+")
        self.log.accept(
            {
                "id": message_id,
                "to": to,
                "ref": body.get("ref"),
                "text": text,
                "template_id": body["template_id"],
                "segments": segments,
                "at": time.time(),
            },
            now,
        )
        self._schedule(message_id, to, body.get("ref"), text)
        return web.json_response(
            {"message_id": message_id, "segments": segments, "status": "ACCEPTED"}, status=202
        )

    def _validate(self, body: Any) -> tuple[str, str] | None:
        if not isinstance(body, dict):
            return "BAD_REQUEST", "body must be an object"
        if body.get("entity_id") != self.entity_id:
            return "DLT_ENTITY_NOT_REGISTERED", "entity_id is not registered on DLT"
        if body.get("sender") not in self.senders:
            return "DLT_HEADER_NOT_REGISTERED", "sender header is not registered"
        pattern = self.templates.get(str(body.get("template_id")))
        if pattern is None:
            return "DLT_TEMPLATE_NOT_REGISTERED", "template_id is not registered"
        if not re.fullmatch(r"\+?\d{10,15}", str(body.get("to", ""))):
            return "INVALID_NUMBER", "to must be a phone number"
        text = str(body.get("text", ""))
        if not pattern.fullmatch(text):
            return "DLT_TEMPLATE_MISMATCH", "text does not match the registered template"
        if bool(body.get("unicode")) != any(ord(c) > 127 for c in text):
            return "ENCODING_MISMATCH", "unicode flag does not match the text"
        return None

    def _schedule(self, message_id: str, to: str, ref: str | None, text: str) -> None:
        cfg = self.config
        done = datetime.now(UTC).isoformat()
        rule = pick(cfg["fail"], to, None, self.rng)
        report = {
            "message_id": message_id,
            "ref": ref,
            "to": to,
            "done_at": done,
            "status": "DELIVERED" if rule is None else "FAILED",
        }
        if rule is not None:
            report["error_code"] = rule.get("error_code", "UNDELIVERED")
            report["error_text"] = rule.get("error_text", "number not reachable")
        self.reports.schedule(report, float(cfg["delivered_delay"]))
        reply = pick(cfg["replies"], to, None, self.rng)
        if reply is not None and rule is None:
            code = _reply_code(text)
            self.inbound(
                to,
                str(reply.get("text", "{code}")).replace("{code}", code),
                delay=float(cfg["reply_delay"]),
            )

    def inbound(self, sender: str, text: str, delay: float = 0.0) -> dict[str, Any]:
        event = {
            "id": uuid.uuid4().hex,
            "from": sender,
            "to": "RJPOLC",
            "text": text,
            "received_at": datetime.now(UTC).isoformat(),
        }
        self.inbound_poster.schedule(event, delay)
        return event


def _reply_code(text: str) -> str:
    # The code is the third variable of our templates; the fake replies with what it was sent.
    m = re.search(r"(?:Reply|उत्तर में) (\S+)", text)
    return m.group(1) if m else "OK"


def _dumps(payload: Any) -> bytes:
    return json.dumps(payload, ensure_ascii=True, separators=(",", ":")).encode()
