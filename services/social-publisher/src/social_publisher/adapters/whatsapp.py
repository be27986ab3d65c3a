"""WhatsApp Business Cloud API client: `POST /{version}/{phone-number-id}/messages`.

Request and response shapes follow Meta's Cloud API reference ("Send messages", "Template
messages", "Interactive reply buttons"): a bearer token; a JSON body with `messaging_product:
whatsapp`; the response `{"messaging_product", "contacts":[{"input","wa_id"}], "messages":[{"id":
"wamid..."}]}`; errors as Graph API error objects `{"error": {"message", "type", "code",
"error_data": {"messaging_product", "details"}, "error_subcode", "fbtrace_id"}}`.
`biz_opaque_callback_data` (up to 512 characters) is echoed in every status webhook of the
message: it carries the delivery id, which is how a status finds its intent even when the
`wamid` was never recorded (crash between the call and its answer).
"""

from __future__ import annotations

import json
import time
from typing import Any

import aiohttp

from social_publisher import metrics
from social_publisher.adapters.errors import TIMEOUT_ERRORS, ProviderCallError, transport_error
from social_publisher.domain.outcomes import ProviderError


def error_from_body(status: int, body: bytes) -> ProviderError:
    try:
        raw = json.loads(body)["error"]
        code = raw.get("code")
        return ProviderError(
            code=int(code) if code is not None else None,
            title=str(raw.get("message", ""))[:300],
            detail=str((raw.get("error_data") or {}).get("details", ""))[:500],
            http_status=status,
        )
    except (ValueError, KeyError, TypeError, AttributeError):
        return ProviderError(code=None, title=f"HTTP {status}", http_status=status)


class WhatsAppClient:
    def __init__(
        self, session: aiohttp.ClientSession, base_url: str, version: str, token: str
    ) -> None:
        self._session = session
        self._base = base_url.rstrip("/")
        self._version = version
        self._headers = {"Authorization": f"Bearer {token}", "Content-Type": "application/json"}

    async def send(self, phone_number_id: str, message: dict[str, Any]) -> str:
        """The `wamid` of the accepted message; raises ProviderCallError otherwise."""
        url = f"{self._base}/{self._version}/{phone_number_id}/messages"
        data = json.dumps(message, ensure_ascii=False, separators=(",", ":")).encode()
        started = time.perf_counter()
        try:
            async with self._session.post(url, data=data, headers=self._headers) as resp:
                body = await resp.read()
                status = resp.status
        except TIMEOUT_ERRORS as exc:
            raise transport_error(exc) from exc
        finally:
            metrics.PROVIDER_LATENCY.labels("whatsapp").observe(time.perf_counter() - started)
        if status == 200:
            try:
                return str(json.loads(body)["messages"][0]["id"])
            except (ValueError, KeyError, IndexError, TypeError) as exc:
                # Accepted but unreadable: treat as maybe sent, the webhook will tell.
                raise ProviderCallError(
                    ProviderError(None, "unreadable answer", transport=True, maybe_sent=True)
                ) from exc
        raise ProviderCallError(error_from_body(status, body))
