"""SMS gateway client in the shape of India's DLT-compliant HTTP gateways.

Contract (README "SMS gateway contract"): `POST {base}/v1/messages`, bearer API key, JSON body
`{"entity_id", "sender", "template_id", "to", "text", "unicode", "ref"}` where `entity_id` is the
principal entity registered on the DLT platform, `sender` the registered 6-character header,
`template_id` the registered content template whose text `text` must match; answer
`{"message_id", "segments", "status": "ACCEPTED"}`; errors `{"error": {"code", "message"}}` with a
4xx/5xx status (429 when over the account's rate). Delivery reports and inbound messages come
back as signed webhooks (see domain.webhooks).
"""

from __future__ import annotations

import json
import time

import aiohttp

from social_publisher import metrics
from social_publisher.adapters.errors import TIMEOUT_ERRORS, ProviderCallError, transport_error
from social_publisher.domain.outcomes import ProviderError
from social_publisher.domain.text import count_segments


class SmsGatewayClient:
    def __init__(
        self,
        session: aiohttp.ClientSession,
        base_url: str,
        api_key: str,
        entity_id: str,
        sender: str,
    ) -> None:
        self._session = session
        self._url = base_url.rstrip("/") + "/v1/messages"
        self._headers = {"Authorization": f"Bearer {api_key}", "Content-Type": "application/json"}
        self._entity_id = entity_id
        self._sender = sender

    async def send(self, *, to: str, text: str, template_id: str, ref: str) -> str:
        segments = count_segments(text)
        body = {
            "entity_id": self._entity_id,
            "sender": self._sender,
            "template_id": template_id,
            "to": to,
            "text": text,
            "unicode": segments.encoding == "ucs2",
            "ref": ref,
        }
        data = json.dumps(body, ensure_ascii=False, separators=(",", ":")).encode()
        started = time.perf_counter()
        try:
            async with self._session.post(self._url, data=data, headers=self._headers) as resp:
                raw = await resp.read()
                status = resp.status
        except TIMEOUT_ERRORS as exc:
            raise transport_error(exc) from exc
        finally:
            metrics.PROVIDER_LATENCY.labels("sms").observe(time.perf_counter() - started)
        if status in (200, 202):
            try:
                message_id = str(json.loads(raw)["message_id"])
            except (ValueError, KeyError, TypeError) as exc:
                raise ProviderCallError(
                    ProviderError(None, "unreadable answer", transport=True, maybe_sent=True)
                ) from exc
            metrics.SMS_SEGMENTS.labels(segments.encoding).inc(segments.parts)
            return message_id
        try:
            err = json.loads(raw)["error"]
            error = ProviderError(
                None,
                str(err.get("code", f"HTTP {status}")),
                str(err.get("message", ""))[:300],
                http_status=status,
            )
        except (ValueError, KeyError, TypeError, AttributeError):
            error = ProviderError(None, f"HTTP {status}", http_status=status)
        raise ProviderCallError(error)
