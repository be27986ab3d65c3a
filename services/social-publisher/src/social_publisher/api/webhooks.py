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
from fastapi.responses import PlainTextResponse
from nazar_platform.http.edge import WEBHOOK, WEBHOOK_VERIFY, route_class
from nazar_platform.http.problems import REFUSAL_REASON_STATE, problem_response
from nazar_platform.runtime.context import runtime_of
from nazar_platform.runtime.retry import TRANSIENT
from nazar_platform.text import clean_strings

from social_publisher import metrics
from social_publisher.domain import webhooks
from social_publisher.handlers.context import Context
from social_publisher.handlers.receipts import apply_statuses
from social_publisher.handlers.replies import apply_inbound
from social_publisher.settings import PublisherSettings

log = structlog.get_logger(__name__)
router = APIRouter(tags=["webhooks"])


def _settings(request: Request) -> PublisherSettings:
    settings: PublisherSettings = request.app.state.settings
    return settings


def _context(request: Request) -> Context:
    return Context.of(runtime_of(request).pool, _settings(request))


@router.get("/webhooks/whatsapp", response_model=None, openapi_extra=route_class(WEBHOOK_VERIFY))
async def verify_whatsapp(
    request: Request,
    mode: str = Query("", alias="hub.mode"),
    token: str = Query("", alias="hub.verify_token"),
    challenge: str = Query("", alias="hub.challenge"),
) -> Response:
    """Meta's subscription check: echo `hub.challenge` when the verify token matches."""
    expected = _settings(request).whatsapp_verify_token.get_secret_value()
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
    secret = _settings(request).whatsapp_app_secret.get_secret_value()
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
    return await _apply(request, "whatsapp", statuses, inbound)


@router.post("/webhooks/sms/reports", response_model=None, openapi_extra=route_class(WEBHOOK))
async def sms_reports(request: Request) -> Response:
    return await _sms(request, "delivery report", reports=True)


@router.post("/webhooks/sms/inbound", response_model=None, openapi_extra=route_class(WEBHOOK))
async def sms_inbound(request: Request) -> Response:
    return await _sms(request, "inbound SMS", reports=False)


async def _sms(request: Request, what: str, *, reports: bool) -> Response:
    """Both gateway callbacks: signed alike, each body holding either reports or inbound texts."""
    secret = _settings(request).sms_webhook_secret.get_secret_value()
    body = await _signed_body(request, "sms", secret, "X-Gateway-Signature")
    if isinstance(body, Response):
        return body
    try:
        document = _parse(body)
        statuses = webhooks.parse_sms_reports(document) if reports else []
        inbound = [] if reports else webhooks.parse_sms_inbound(document)
    except (ValueError, webhooks.MalformedWebhookError) as exc:
        metrics.WEBHOOKS.labels("sms", "malformed").inc()
        return _malformed(request, what, exc)
    return await _apply(request, "sms", statuses, inbound)


STATUS_SLICE = 100


def _malformed(request: Request, what: str, exc: Exception) -> Response:
    return problem_response(
        request, 400, "malformed", detail_params={"what": what, "error": str(exc)[:300]}
    )


async def _apply(
    request: Request,
    channel: str,
    statuses: list[webhooks.StatusUpdate],
    inbound: list[webhooks.Inbound],
) -> Response:
    ctx = _context(request)
    try:
        # In slices, each its own transaction: a body of 500 statuses applied at once holds the
        # event loop for tens of milliseconds, and the sender's pacing (same loop) stalls and
        # bunches its requests. A slice applied before a failure is not lost: the provider
        # redelivers the body, and the applied statuses are recognised as seen.
        for i in range(0, len(statuses), STATUS_SLICE):
            await apply_statuses(ctx, channel, statuses[i : i + STATUS_SLICE])
        if inbound:
            await apply_inbound(ctx, channel, inbound)
    except TRANSIENT as exc:
        # Not 200: the provider redelivers later, and nothing was half-applied (one transaction).
        metrics.WEBHOOKS.labels(channel, "error").inc()
        log.warning("webhook not applied; the provider will redeliver", error=repr(exc))
        return problem_response(request, 503, "unavailable")
    metrics.WEBHOOKS.labels(channel, "accepted").inc()
    return Response(status_code=200)
