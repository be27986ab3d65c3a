"""Provider webhooks: WhatsApp (`/webhooks/whatsapp`) and the SMS gateway (`/webhooks/sms/*`).

Not under `/api/v1` and not behind our tokens: providers prove themselves with an HMAC-SHA256
signature of the raw body (see domain.webhooks). A refusal is a 401 (bad signature) or 403
(subscription check with the wrong verify token) problem document saying only "not signed in" /
"not allowed", counted, logged, and audited as a refusal with its precise reason.
"""

from __future__ import annotations

import json
from typing import Any

import structlog
from fastapi import APIRouter, Query, Request, Response
from fastapi.responses import JSONResponse, PlainTextResponse
from nazar_platform.http.edge import WEBHOOK, WEBHOOK_VERIFY, route_class
from nazar_platform.http.problems import REFUSAL_REASON_STATE, problem_response
from nazar_platform.runtime.retry import TRANSIENT
from nazar_platform.text import clean_strings

from social_publisher import metrics, webhook_handlers
from social_publisher.domain import webhooks
from social_publisher.engine import Engine

log = structlog.get_logger(__name__)
router = APIRouter(tags=["webhooks"])


def problem(status: int, title: str, detail: str, code: str) -> JSONResponse:
    """RFC 9457 problem details."""
    return JSONResponse(
        {
            "type": f"https://nazar.rajasthan.gov.in/problems/{code}",
            "title": title,
            "status": status,
            "detail": detail,
            "code": code,
        },
        status_code=status,
        media_type="application/problem+json",
    )


def _engine(request: Request) -> Engine:
    engine: Engine = request.app.state.engine
    return engine


@router.get("/webhooks/whatsapp", response_model=None, openapi_extra=route_class(WEBHOOK_VERIFY))
async def verify_whatsapp(
    request: Request,
    mode: str = Query("", alias="hub.mode"),
    token: str = Query("", alias="hub.verify_token"),
    challenge: str = Query("", alias="hub.challenge"),
) -> Response:
    """Meta's subscription check: echo `hub.challenge` when the verify token matches."""
    expected = _engine(request).settings.whatsapp_verify_token.get_secret_value()
    if mode == "subscribe" and webhooks.token_matches(expected, token):
        return PlainTextResponse(challenge)
    # "Not allowed" and no more; the reason is for the audit's refusal counts and the log.
    setattr(request.state, REFUSAL_REASON_STATE, "verify_token_mismatch")
    return problem_response(request, 403, "access.forbidden")


async def _signed_body(
    request: Request, channel: str, secret: str, header: str
) -> bytes | Response:
    """The raw body, exactly as signed; or the 401 problem document when the signature is bad."""
    body = await request.body()
    if not webhooks.signature_valid(secret.encode(), body, request.headers.get(header)):
        metrics.WEBHOOKS.labels(channel, "bad_signature").inc()
        log.warning("webhook refused: bad signature", channel=channel, size=len(body))
        setattr(request.state, REFUSAL_REASON_STATE, "bad_signature")
        challenge = {"WWW-Authenticate": f'HMAC-SHA256 header="{header}"'}
        return problem_response(request, 401, "auth.not_signed_in", headers=challenge)
    return body


def _parse(body: bytes) -> Any:
    # The guard lets a signed body through unchecked: keep what it says, minus junk characters.
    return clean_strings(json.loads(body))


@router.post("/webhooks/whatsapp", response_model=None, openapi_extra=route_class(WEBHOOK))
async def whatsapp_webhook(request: Request) -> Response:
    engine = _engine(request)
    secret = engine.settings.whatsapp_app_secret.get_secret_value()
    body = await _signed_body(request, "whatsapp", secret, "X-Hub-Signature-256")
    if isinstance(body, Response):
        return body
    try:
        statuses, inbound = webhooks.parse_whatsapp(_parse(body))
    except (ValueError, webhooks.MalformedWebhookError) as exc:
        # Signed but unreadable: answering 200 stops Meta redelivering something we never read.
        metrics.WEBHOOKS.labels("whatsapp", "malformed").inc()
        log.error("signed webhook we cannot read", error=str(exc)[:300])
        return Response(status_code=200)
    return await _apply(engine, "whatsapp", statuses, inbound)


@router.post("/webhooks/sms/reports", response_model=None, openapi_extra=route_class(WEBHOOK))
async def sms_reports(request: Request) -> Response:
    engine = _engine(request)
    secret = engine.settings.sms_webhook_secret.get_secret_value()
    body = await _signed_body(request, "sms", secret, "X-Gateway-Signature")
    if isinstance(body, Response):
        return body
    try:
        statuses = webhooks.parse_sms_reports(_parse(body))
    except (ValueError, webhooks.MalformedWebhookError) as exc:
        metrics.WEBHOOKS.labels("sms", "malformed").inc()
        return problem(400, "Malformed delivery report", str(exc)[:300], "malformed")
    return await _apply(engine, "sms", statuses, [])


@router.post("/webhooks/sms/inbound", response_model=None, openapi_extra=route_class(WEBHOOK))
async def sms_inbound(request: Request) -> Response:
    engine = _engine(request)
    secret = engine.settings.sms_webhook_secret.get_secret_value()
    body = await _signed_body(request, "sms", secret, "X-Gateway-Signature")
    if isinstance(body, Response):
        return body
    try:
        inbound = webhooks.parse_sms_inbound(_parse(body))
    except (ValueError, webhooks.MalformedWebhookError) as exc:
        metrics.WEBHOOKS.labels("sms", "malformed").inc()
        return problem(400, "Malformed inbound SMS", str(exc)[:300], "malformed")
    return await _apply(engine, "sms", [], inbound)


STATUS_SLICE = 100


async def _apply(
    engine: Engine,
    channel: str,
    statuses: list[webhooks.StatusUpdate],
    inbound: list[webhooks.Inbound],
) -> Response:
    assert engine.ctx is not None
    try:
        # In slices, each its own transaction: a body of 500 statuses applied at once holds the
        # event loop for tens of milliseconds, and the sender's pacing (same loop) stalls and
        # bunches its requests. A slice applied before a failure is not lost: the provider
        # redelivers the body, and the applied statuses are recognised as seen.
        for i in range(0, len(statuses), STATUS_SLICE):
            await webhook_handlers.apply_statuses(
                engine.ctx, channel, statuses[i : i + STATUS_SLICE]
            )
        if inbound:
            await webhook_handlers.apply_inbound(engine.ctx, channel, inbound)
    except TRANSIENT as exc:
        # Not 200: the provider redelivers later, and nothing was half-applied (one transaction).
        metrics.WEBHOOKS.labels(channel, "error").inc()
        log.warning("webhook not applied; the provider will redeliver", error=repr(exc))
        return problem(503, "Try again later", "the database is unavailable", "unavailable")
    metrics.WEBHOOKS.labels(channel, "accepted").inc()
    return Response(status_code=200)
