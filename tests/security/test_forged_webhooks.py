"""Forged, re-serialised, tampered and replayed provider webhooks, against the running publisher.

Meta (WhatsApp) signs each POST's raw bytes with the app secret (`X-Hub-Signature-256`), the SMS
gateway likewise (`X-Gateway-Signature`). Whatever is not exactly the signed bytes must be a 401
problem document: no signature, another key, the other channel's key, a tampered field, the
same JSON re-serialised (Meta escapes Hindi as \\uXXXX; the UTF-8 form of the same document is
other bytes), another hash. A replayed genuine body is accepted again and changes nothing (the
providers redeliver; statuses are recognised as seen). Meta's subscription check refuses a wrong
verify token, and X's OAuth callback a state the publisher never issued.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import time
from typing import Any

import httpx
import pytest

from tests.e2e.system import System

CHANNELS = {
    # path: (signature header, the environment variable of its secret)
    "/webhooks/whatsapp": ("X-Hub-Signature-256", "NAZAR_WHATSAPP_APP_SECRET"),
    "/webhooks/sms/reports": ("X-Gateway-Signature", "NAZAR_SMS_WEBHOOK_SECRET"),
}


def _sign(secret: str, body: bytes, prefix: str = "sha256=") -> str:
    return prefix + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


def _document(path: str) -> dict[str, Any]:
    if path == "/webhooks/whatsapp":
        return {
            "object": "whatsapp_business_account",
            "entry": [{"id": "1", "changes": [{"field": "messages", "value": {
                "messaging_product": "whatsapp",
                "metadata": {"phone_number_id": "100000000000001"},
                "contacts": [{"profile": {"name": "राजेश कुमार"}, "wa_id": "919999999999"}],
                "statuses": [{"id": "wamid.security-suite", "status": "delivered",
                              "timestamp": str(int(time.time())), "recipient_id": "919999999999"}],
            }}]}],
        }  # fmt: skip
    at = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())
    return {"reports": [{"message_id": "sms-security-suite", "status": "DELIVERED", "done_at": at,
                         "error_text": "राजेश"}]}  # fmt: skip


def _secrets(system: System) -> dict[str, str]:
    env = system.processes["social-publisher"].env
    return {path: env[variable] for path, (_, variable) in CHANNELS.items()}


def _is_refusal(response: httpx.Response, status: int) -> bool:
    media = response.headers.get("content-type", "")
    return response.status_code == status and media.startswith("application/problem+json")


@pytest.mark.parametrize("path", list(CHANNELS))
async def test_only_the_exact_signed_bytes_pass(system: System, path: str) -> None:
    header, _ = CHANNELS[path]
    secrets = _secrets(system)
    secret = secrets[path]
    other = next(s for p, s in secrets.items() if p != path)
    document = _document(path)
    body = json.dumps(document, ensure_ascii=True).encode()
    tampered = body.replace(b"security-suite", b"security-suitf")
    reserialised = json.dumps(document, ensure_ascii=False).encode()
    pretty = json.dumps(document, ensure_ascii=True, indent=1).encode()
    forged: dict[str, tuple[bytes, dict[str, str]]] = {
        "unsigned": (body, {}),
        "empty signature": (body, {header: ""}),
        "wrong secret": (body, {header: _sign("not-the-secret", body)}),
        "the other channel's secret": (body, {header: _sign(other, body)}),
        "empty secret": (body, {header: _sign("", body)}),
        "tampered after signing": (tampered, {header: _sign(secret, body)}),
        "re-serialised as UTF-8": (reserialised, {header: _sign(secret, body)}),
        "re-serialised with indents": (pretty, {header: _sign(secret, body)}),
        "sha1 prefix": (body, {header: _sign(secret, body, "sha1=")}),
        "truncated digest": (body, {header: _sign(secret, body)[:-2]}),
        "signature in another header": (body, {"X-Signature": _sign(secret, body)}),
    }
    wrong = []
    async with httpx.AsyncClient(base_url=system.url("social-publisher"), timeout=20) as http:
        for name, (content, signed) in forged.items():
            r = await http.post(
                path, content=content, headers=signed | {"Content-Type": "application/json"}
            )
            if not _is_refusal(r, 401) or not r.headers.get("www-authenticate"):
                wrong.append(f"{name}: {r.status_code} {r.text[:150]}")
        genuine = {header: _sign(secret, body), "Content-Type": "application/json"}
        first = await http.post(path, content=body, headers=genuine)
        replayed = await http.post(path, content=body, headers=genuine)
    print(f"\n{path}: {len(forged)} forged webhooks, {len(wrong)} accepted or misanswered")
    assert not wrong, "\n".join(wrong)
    # The genuine one (and its replay, as providers redeliver) is taken: the refusals above are
    # the forgeries', not a broken request's.
    assert (first.status_code, replayed.status_code) == (200, 200), (first.text, replayed.text)


async def test_subscription_check_and_oauth_callback_refuse_what_they_did_not_issue(
    system: System,
) -> None:
    verify = system.processes["social-publisher"].env["NAZAR_WHATSAPP_VERIFY_TOKEN"]
    async with httpx.AsyncClient(base_url=system.url("social-publisher"), timeout=20) as http:
        query = {"hub.mode": "subscribe", "hub.challenge": "1234"}
        refused = await http.get("/webhooks/whatsapp", params=query | {"hub.verify_token": "x"})
        near = await http.get(
            "/webhooks/whatsapp", params=query | {"hub.verify_token": verify + " "}
        )
        echoed = await http.get("/webhooks/whatsapp", params=query | {"hub.verify_token": verify})
        callback = await http.get("/oauth/x/callback", params={"state": "forged", "code": "c"})
    assert _is_refusal(refused, 403), refused.text
    assert _is_refusal(near, 403), near.text
    assert echoed.status_code == 200 and echoed.text == "1234"
    assert 400 <= callback.status_code < 500, callback.text
    assert callback.headers["content-type"].startswith("application/problem+json")
