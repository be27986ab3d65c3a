"""HTTP routes: provider webhooks and `/api/v1/channels`."""

from __future__ import annotations

import hmac
import json
import time
from typing import Any

import structlog
from fastapi import APIRouter, Query, Request, Response
from fastapi.responses import JSONResponse, PlainTextResponse
from nazar_platform.consumer import TRANSIENT

from social_publisher import handlers, metrics, schemas
from social_publisher.domain import webhooks
from social_publisher.runtime import Runtime

log = structlog.get_logger(__name__)
router = APIRouter()


def problem(status: int, title: str, detail: str, type_: str = "about:blank") -> JSONResponse:
    """RFC 9457 problem details."""
    return JSONResponse(
        {"type": type_, "title": title, "status": status, "detail": detail},
        status_code=status,
        media_type="application/problem+json",
    )


def _runtime(request: Request) -> Runtime:
    runtime: Runtime = request.app.state.runtime
    return runtime


@router.get("/webhooks/whatsapp", response_model=None)
async def verify_whatsapp(
    request: Request,
    mode: str = Query("", alias="hub.mode"),
    token: str = Query("", alias="hub.verify_token"),
    challenge: str = Query("", alias="hub.challenge"),
) -> Response:
    """Meta's subscription check: echo `hub.challenge` when the verify token matches."""
    expected = _runtime(request).settings.whatsapp_verify_token.get_secret_value()
    if mode == "subscribe" and expected and hmac.compare_digest(token, expected):
        return PlainTextResponse(challenge)
    return problem(403, "Verification refused", "hub.mode or hub.verify_token does not match")


async def _signed_body(request: Request, channel: str, secret: str, header: str) -> bytes | None:
    body = await request.body()  # the raw bytes, exactly as signed
    if not webhooks.signature_valid(secret.encode(), body, request.headers.get(header)):
        metrics.WEBHOOKS.labels(channel, "bad_signature").inc()
        log.warning("webhook refused: bad signature", channel=channel, size=len(body))
        return None
    return body


def _parse(body: bytes) -> Any:
    return json.loads(body)


@router.post("/webhooks/whatsapp", response_model=None)
async def whatsapp_webhook(request: Request) -> Response:
    runtime = _runtime(request)
    secret = runtime.settings.whatsapp_app_secret.get_secret_value()
    body = await _signed_body(request, "whatsapp", secret, "X-Hub-Signature-256")
    if body is None:
        return problem(401, "Invalid signature", "X-Hub-Signature-256 does not match the body")
    try:
        statuses, inbound = webhooks.parse_whatsapp(_parse(body))
    except (ValueError, webhooks.MalformedWebhookError) as exc:
        # Signed but unreadable: answering 200 stops Meta redelivering something we never read.
        metrics.WEBHOOKS.labels("whatsapp", "malformed").inc()
        log.error("signed webhook we cannot read", error=str(exc)[:300])
        return Response(status_code=200)
    return await _apply(runtime, "whatsapp", statuses, inbound)


@router.post("/webhooks/sms/reports", response_model=None)
async def sms_reports(request: Request) -> Response:
    runtime = _runtime(request)
    secret = runtime.settings.sms_webhook_secret.get_secret_value()
    body = await _signed_body(request, "sms", secret, "X-Gateway-Signature")
    if body is None:
        return problem(401, "Invalid signature", "X-Gateway-Signature does not match the body")
    try:
        statuses = webhooks.parse_sms_reports(_parse(body))
    except (ValueError, webhooks.MalformedWebhookError) as exc:
        metrics.WEBHOOKS.labels("sms", "malformed").inc()
        return problem(400, "Malformed delivery report", str(exc)[:300])
    return await _apply(runtime, "sms", statuses, [])


@router.post("/webhooks/sms/inbound", response_model=None)
async def sms_inbound(request: Request) -> Response:
    runtime = _runtime(request)
    secret = runtime.settings.sms_webhook_secret.get_secret_value()
    body = await _signed_body(request, "sms", secret, "X-Gateway-Signature")
    if body is None:
        return problem(401, "Invalid signature", "X-Gateway-Signature does not match the body")
    try:
        inbound = webhooks.parse_sms_inbound(_parse(body))
    except (ValueError, webhooks.MalformedWebhookError) as exc:
        metrics.WEBHOOKS.labels("sms", "malformed").inc()
        return problem(400, "Malformed inbound SMS", str(exc)[:300])
    return await _apply(runtime, "sms", [], inbound)


async def _apply(
    runtime: Runtime,
    channel: str,
    statuses: list[webhooks.StatusUpdate],
    inbound: list[webhooks.Inbound],
) -> Response:
    assert runtime.ctx is not None
    try:
        if statuses:
            await handlers.apply_statuses(runtime.ctx, channel, statuses)
        if inbound:
            await handlers.apply_inbound(runtime.ctx, channel, inbound)
    except TRANSIENT as exc:
        # Not 200: the provider redelivers later, and nothing was half-applied (one transaction).
        metrics.WEBHOOKS.labels(channel, "error").inc()
        log.warning("webhook not applied; the provider will redeliver", error=repr(exc))
        return problem(503, "Try again later", "the database is unavailable")
    metrics.WEBHOOKS.labels(channel, "accepted").inc()
    return Response(status_code=200)


@router.get("/api/v1/channels", response_model=schemas.ChannelsReport)
async def channels(request: Request) -> schemas.ChannelsReport:
    """Health, current rate, queue depth per priority (consumer lag) and quota use."""
    runtime = _runtime(request)
    d = runtime.dispatcher
    assert d is not None
    now = time.monotonic()
    out = []
    for channel, gate in d.gates.items():
        senders = ["sms"] if channel == "sms" else runtime.settings.whatsapp_phone_number_ids
        rates = [
            schemas.SenderRate(
                sender=s,
                cap=d.limiters[s].cap,
                limit=round(d.limiters[s].limit, 1),
                sent_last_window=d.limiters[s].in_window(now),
            )
            for s in senders
        ]
        out.append(
            schemas.Channel(
                channel="sms" if channel == "sms" else "whatsapp",
                state=gate.state,
                reason=gate.reason,
                rates=rates,
            )
        )
    epoch = time.time()
    return schemas.ChannelsReport(
        channels=out,
        queue_depth={p: src.lag for p, src in runtime.sources.items()},
        in_memory={"flash": d.queued("flash"), "routine": d.queued("routine")},
        quota=schemas.Quota(
            limit=d.quota.limit, used=d.quota.used(epoch), warning=d.quota.warning(epoch)
        ),
    )
