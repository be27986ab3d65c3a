"""Webhooks: signatures over raw bytes, verification, redelivery, replies and opt-outs."""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import json
import time
import uuid
from typing import Any

from tests.integration.platform.refusals import wait_refusal
from tests.integration.publisher.support import (
    APP_SECRET,
    SMS_SECRET,
    VERIFY,
    Stack,
    new_number,
    request,
    wait_for,
)


def _signed(body: bytes, secret: str = APP_SECRET) -> dict[str, str]:
    digest = hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()
    return {"Content-Type": "application/json", "X-Hub-Signature-256": f"sha256={digest}"}


def _status_body(wamid: str, delivery_id: str, status: str, recipient: str) -> bytes:
    payload = {
        "object": "whatsapp_business_account",
        "entry": [{"id": "1", "changes": [{"field": "messages", "value": {
            "messaging_product": "whatsapp",
            "metadata": {"display_phone_number": "911412000000",
                         "phone_number_id": "100000000000001"},
            "contacts": [{"profile": {"name": "राजेश कुमार"}, "wa_id": recipient}],
            "statuses": [{"id": wamid, "status": status, "timestamp": str(int(time.time())),
                          "recipient_id": recipient, "biz_opaque_callback_data": delivery_id}],
        }}]}],
    }  # fmt: skip
    # As Meta sends it: Hindi escaped as \uXXXX.
    return json.dumps(payload, ensure_ascii=True).encode()


async def _post(stack: Stack, body: bytes, headers: dict[str, str], path: str = "whatsapp") -> int:
    async with stack.client.post(f"{stack.url}/webhooks/{path}", data=body, headers=headers) as r:
        await r.read()
        return r.status


async def _delivered(stack: Stack) -> tuple[dict[str, Any], str, str]:
    member, number = f"m-{new_number()}", new_number()
    await stack.add_contacts([{"member_id": member, "whatsapp": number}])
    await stack.configure(webhooks_paused=True)  # this test plays Meta's webhooks itself
    req = request(member)
    await stack.deliver([req])

    async def accepted() -> bool:
        return bool(await stack.sent_for({req["delivery_id"]}))

    await wait_for(accepted, 30)
    (sent,) = await stack.sent_for({req["delivery_id"]})
    return req, sent["id"], number


async def test_forged_and_tampered_bodies_are_refused_with_401_and_counted(stack: Stack) -> None:
    req, wamid, number = await _delivered(stack)
    try:
        before = await stack.metric("nazar_publisher_webhooks_total", outcome="bad_signature")
        body = _status_body(wamid, req["delivery_id"], "delivered", number)
        assert b"\\u0930\\u093e\\u091c" in body  # "राज", escaped
        forged = _signed(body, "not-the-app-secret")
        assert await _post(stack, body, forged) == 401
        headers = _signed(body)
        at = body.index(b"\\u0930") + 5  # one byte inside the escaped Hindi name
        tampered = body[:at] + (b"1" if body[at : at + 1] != b"1" else b"2") + body[at + 1 :]
        assert len(tampered) == len(body)
        assert await _post(stack, tampered, headers) == 401
        assert await _post(stack, body, {"Content-Type": "application/json"}) == 401
        after = await stack.metric("nazar_publisher_webhooks_total", outcome="bad_signature")
        assert after - before == 3
        assert not [r for r in await stack.receipts({req["delivery_id"]}) if r["type"] != "sent"]
        # The untouched body with its real signature is accepted.
        assert await _post(stack, body, headers) == 200
    finally:
        await stack.configure(webhooks_paused=False)


async def test_the_same_webhook_twice_changes_nothing(stack: Stack) -> None:
    req, wamid, number = await _delivered(stack)
    try:
        body = _status_body(wamid, req["delivery_id"], "delivered", number)
        for _ in range(3):
            assert await _post(stack, body, _signed(body)) == 200

        async def published() -> bool:
            return bool(await stack.receipts({req["delivery_id"]}))

        await wait_for(published, 20)
        read = _status_body(wamid, req["delivery_id"], "read", number)
        assert await _post(stack, read, _signed(read)) == 200
        assert await _post(stack, read, _signed(read)) == 200

        async def two() -> bool:
            return len(await stack.receipts({req["delivery_id"]})) >= 2

        await wait_for(two, 20)
        types = [r["type"] for r in await stack.receipts({req["delivery_id"]})]
        assert types == ["delivered", "read"]
        dupes = await stack.metric(
            "nazar_publisher_webhook_events_total", kind="status", outcome="duplicate"
        )
        assert dupes >= 3
    finally:
        await stack.configure(webhooks_paused=False)


async def test_verification_echoes_the_challenge_only_for_our_token(stack: Stack) -> None:
    url = f"{stack.url}/webhooks/whatsapp"
    ok = {"hub.mode": "subscribe", "hub.verify_token": VERIFY, "hub.challenge": "1158201444"}
    async with stack.client.get(url, params=ok) as r:
        assert (r.status, await r.text()) == (200, "1158201444")
    async with stack.client.get(url, params={**ok, "hub.verify_token": "wrong"}) as r:
        assert r.status == 403
        assert r.headers["Content-Type"].startswith("application/problem+json")


async def test_button_and_text_replies_and_opt_out(stack: Stack) -> None:
    member, number = f"m-{new_number()}", new_number()
    await stack.add_contacts([{"member_id": member, "whatsapp": number}])
    await stack.configure(replies=[{"kind": "button", "recipients": [number]}])
    req = request(member)
    try:
        await stack.deliver([req])

        async def replied() -> bool:
            return bool(await stack.replies({member}))

        await wait_for(replied, 30)
    finally:
        await stack.configure(replies=[])
    (reply,) = await stack.replies({member})
    assert reply["type"] == "replied" and reply["kind"] == "button"
    assert reply["in_reply_to_delivery_id"] == req["delivery_id"]
    assert reply["button_payload"] == f"ack:{req['delivery_id']}"
    assert reply["text"] == "प्राप्त हुआ"  # the button's label
    assert not reply["provider_message_id"].startswith("wamid")  # wamids embed the number
    await stack.fake("whatsapp", "inbound", {"from": number, "text": "बंद"})

    async def opted_out() -> bool:
        return any(r["type"] == "opted_out" for r in await stack.replies({member}))

    await wait_for(opted_out, 30)
    out = next(r for r in await stack.replies({member}) if r["type"] == "opted_out")
    assert (out["channel"], out["keyword"]) == ("whatsapp", "बंद")
    assert number not in json.dumps(await stack.replies({member}))  # no phone numbers


async def test_sms_reply_code_names_the_delivery_and_unsigned_reports_are_refused(
    stack: Stack,
) -> None:
    member, sms_number = f"m-{new_number()}", new_number()
    await stack.add_contacts([{"member_id": member, "sms": sms_number}])  # a feature phone
    await stack.configure("sms", replies=[{"text": "ACK {code}", "recipients": [sms_number]}])
    req = request(member)
    try:
        await stack.deliver([req])

        async def replied() -> bool:
            return bool(await stack.replies({member}))

        await wait_for(replied, 30)
    finally:
        await stack.configure("sms", replies=[])
    (reply,) = await stack.replies({member})
    assert reply["channel"] == "sms" and reply["text"] == f"ACK {req['reply_code']}"
    assert reply["in_reply_to_delivery_id"] == req["delivery_id"]
    types = [r["type"] for r in await stack.receipts({req["delivery_id"]})]
    assert types == ["sent", "delivered"]
    body = json.dumps({"reports": []}).encode()
    headers = _signed(body, "wrong") | {"X-Gateway-Signature": "sha256=00"}
    assert await _post(stack, body, headers, "sms/reports") == 401
    good = {"X-Gateway-Signature": _signed(body, SMS_SECRET)["X-Hub-Signature-256"]}
    assert await _post(stack, body, good, "sms/reports") == 200


async def test_refusals_say_only_not_signed_in_or_not_allowed_and_are_counted(
    stack: Stack,
) -> None:
    """The provider is told "not signed in" / "not allowed"; why is in the refusal counts."""
    body = _status_body("wamid.nobody", str(uuid.uuid4()), "delivered", new_number())
    async with stack.client.post(
        f"{stack.url}/webhooks/whatsapp", data=body, headers=_signed(body, "forged")
    ) as r:
        unsigned = (r.status, await r.json(), r.headers["WWW-Authenticate"])
    url = f"{stack.url}/webhooks/whatsapp"
    wrong = {"hub.mode": "subscribe", "hub.verify_token": "guess", "hub.challenge": "1"}
    async with stack.client.get(url, params=wrong, headers={"Accept-Language": "hi"}) as r:
        forbidden = (r.status, await r.json())
    assert unsigned[0] == 401 and unsigned[1]["code"] == "auth.not_signed_in"
    assert unsigned[1]["detail"] == "Sign in to continue." and "signature" not in str(unsigned[1])
    assert unsigned[2] == 'HMAC-SHA256 header="X-Hub-Signature-256"'
    assert forbidden[0] == 403 and forbidden[1]["code"] == "access.forbidden"
    assert forbidden[1]["title"] == "अनुमति नहीं है" and "token" not in str(forbidden[1])
    for status, reason in ((401, "bad_signature"), (403, "verify_token_mismatch")):
        await wait_refusal(
            stack.dsn, who_kind="address", who="127.0.0.1", status=status, reason=reason
        )


async def test_bad_text_is_a_422_and_not_a_500(stack: Stack) -> None:
    async with stack.client.get(
        f"{stack.url}/api/v1/audit?member=%00", headers=stack.bearer()
    ) as r:
        audit = (r.status, await r.json())
    async with stack.client.get(
        f"{stack.url}/webhooks/whatsapp?hub.mode=subscribe&hub.challenge=%00"
    ) as r:
        verify = (r.status, await r.json())
    assert audit[0] == 422 and audit[1]["errors"][0]["field"] == "query.member"
    assert verify[0] == 422 and verify[1]["errors"][0]["field"] == "query.hub.challenge"


async def test_signed_webhooks_are_not_throttled_per_address(stack: Stack) -> None:
    """A provider posts far more than the API's per-address burst (300): all are taken."""
    bodies = [
        _status_body(f"wamid.flood-{n}", str(uuid.uuid4()), "delivered", new_number())
        for n in range(400)
    ]
    todo = iter(bodies)
    statuses: list[int] = []

    async def provider() -> None:
        for body in todo:
            statuses.append(await _post(stack, body, _signed(body)))

    await asyncio.gather(*(provider() for _ in range(8)))
    assert statuses == [200] * len(bodies)


async def test_guessing_the_verify_token_is_limited_per_address(stack: Stack) -> None:
    url = f"{stack.url}/webhooks/whatsapp"
    statuses = []
    for n in range(8):
        guess = {"hub.mode": "subscribe", "hub.verify_token": f"guess-{n}", "hub.challenge": "1"}
        async with stack.client.get(url, params=guess) as r:
            statuses.append(r.status)
            retry_after = r.headers.get("Retry-After")
    assert 403 in statuses and statuses[-1] == 429, statuses  # a burst of 5, then 10 a minute
    assert retry_after is not None and int(retry_after) >= 1
    await wait_refusal(stack.dsn, who="127.0.0.1", status=429, reason="rate_limit.webhook_verify")
