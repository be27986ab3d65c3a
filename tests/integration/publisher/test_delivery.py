"""The happy path against the fake: the request as Meta validates it, receipts in order."""

from __future__ import annotations

from typing import Any

from social_publisher.domain.identities import provider_ref

from tests.integration.publisher.support import Stack, new_number, request, wait_for

PUBLISHER_SETTINGS = {"NAZAR_WHATSAPP_MPS_CAP": "200"}


async def _member(stack: Stack, **contact: Any) -> str:
    member = f"m-{new_number()}"
    await stack.add_contacts([{"member_id": member, "whatsapp": new_number(), **contact}])
    return member


async def test_template_with_hindi_body_reaches_the_fake_and_receipts_follow(stack: Stack) -> None:
    member = await _member(stack)
    req = request(member)
    await stack.deliver([req])

    async def read() -> bool:
        return any(r["type"] == "read" for r in await stack.receipts({req["delivery_id"]}))

    await wait_for(read, 30)
    (sent,) = await stack.sent_for({req["delivery_id"]})
    assert sent["type"] == "template" and sent["language"] == "hi"
    assert sent["template"] == "nazar_message"
    title, body, link = sent["parameters"]
    assert title == req["title"]
    assert "\n" not in body and "\t" not in body and "गृह विभाग" in body
    assert link == req["inbox_url"]
    assert sent["payload"] == f"ack:{req['delivery_id']}"
    receipts = await stack.receipts({req["delivery_id"]})
    assert [r["type"] for r in receipts] == ["sent", "delivered", "read"]
    # An opaque reference, never the wamid itself (a wamid embeds the member's number).
    assert {r["provider_message_id"] for r in receipts} == {provider_ref("whatsapp", sent["id"])}
    assert all(r["channel"] == "whatsapp" and not r["possible_duplicate"] for r in receipts)


async def test_out_of_order_statuses_and_missing_reads_only_move_forward(stack: Stack) -> None:
    # The fake swaps the two delays: "read" goes out at 0.4 s, "delivered" at 1.2 s.
    await stack.configure(reorder_share=1.0, read_share=1.0, delivered_delay=0.4, read_delay=1.2)
    try:
        reordered = await _member(stack)
        r1 = request(reordered)
        await stack.deliver([r1])

        async def read() -> bool:
            return any(r["type"] == "read" for r in await stack.receipts({r1["delivery_id"]}))

        await wait_for(read, 30)
        await stack.configure(reorder_share=0.0, read_share=0.0)
        no_reads = await _member(stack)
        r2 = request(no_reads)
        await stack.deliver([r2])

        async def delivered() -> bool:
            return any(r["type"] == "delivered" for r in await stack.receipts({r2["delivery_id"]}))

        await wait_for(delivered, 30)
        await wait_for(lambda: _no_webhooks_pending(stack), 10)  # r1's late "delivered" is in
        receipts = await stack.receipts({r1["delivery_id"]})
        # "read" came before "delivered"; the late "delivered" was dropped, never published.
        assert [r["type"] for r in receipts] == ["sent", "read"]
        assert [r["type"] for r in await stack.receipts({r2["delivery_id"]})] == [
            "sent",
            "delivered",
        ]
    finally:
        await stack.configure(reorder_share=0.0, read_share=1.0, delivered_delay=0.3,
                              read_delay=0.6)  # fmt: skip


async def _no_webhooks_pending(stack: Stack) -> bool:
    stats = await stack.fake("whatsapp", "stats")
    return int(stats["webhook_events_pending"]) == 0


async def test_refusals_become_failed_receipts_and_nothing_is_sent(stack: Stack) -> None:
    no_consent = await _member(stack, consent_state="withdrawn")
    inactive = await _member(stack, active=False)
    not_allowed = await _member(stack, messaging_allowed=False)
    erased = await _member(stack)
    await stack.erase_contact(erased)
    expired = await _member(stack)
    reqs = [request(m) for m in (no_consent, inactive, not_allowed, erased)]
    reqs.append(request(expired, expires_at="2020-01-01T00:00:00+00:00"))
    ids = {r["delivery_id"] for r in reqs}
    await stack.deliver(reqs)

    async def all_failed() -> bool:
        return len(await stack.receipts(ids)) == len(ids)

    await wait_for(all_failed, 30)
    codes = {r["member_id"]: r["error"]["code"] for r in await stack.receipts(ids)}
    assert codes == {
        no_consent: "no_consent",
        inactive: "inactive",
        not_allowed: "messaging_not_allowed",
        erased: "no_contact",
        expired: "expired",
    }
    assert all(r["type"] == "failed" for r in await stack.receipts(ids))
    assert await stack.sent_for(ids) == []


async def test_a_replayed_delivery_is_not_sent_again(stack: Stack) -> None:
    member = await _member(stack)
    req = request(member)
    await stack.deliver([req, req])
    await stack.deliver([req])

    async def delivered() -> bool:
        return any(r["type"] == "delivered" for r in await stack.receipts({req["delivery_id"]}))

    await wait_for(delivered, 30)
    assert len(await stack.sent_for({req["delivery_id"]})) == 1


async def test_channels_view_needs_a_token_with_channels_read(stack: Stack) -> None:
    url = f"{stack.url}/api/v1/channels"
    async with stack.client.get(url) as r:
        assert r.status == 401
        assert r.headers["Content-Type"].startswith("application/problem+json")
    async with stack.client.get(url, headers=stack.bearer("constable:PS-KOTWALI")) as r:
        assert r.status == 403
    report = await stack.channels()  # ADG at PHQ
    states = {c["channel"]: c["state"] for c in report["channels"]}
    assert states == {"whatsapp": "up", "sms": "up"}
    assert {r["sender"] for r in report["channels"][0]["rates"]} == {
        "100000000000001",
        "100000000000002",
    }
    assert set(report["queue_depth"]) == {"flash", "routine"}
    assert report["quota"]["limit"] == 100_000
