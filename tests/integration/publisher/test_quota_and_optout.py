"""The portfolio's rolling quota, and the publisher's half of the opt-out flow on its own.

test_opt_out_e2e.py runs the whole flow with the roster; here the roster's step (consent
withdrawn, a higher version on roster.contacts.v1) is played by the test, which keeps this case
fast and independent of the roster's import.
"""

from __future__ import annotations

from tests.integration.publisher.support import Stack, new_number, request, wait_for

PUBLISHER_SETTINGS = {"NAZAR_WHATSAPP_PORTFOLIO_LIMIT": "5", "NAZAR_QUOTA_WARN_RATIO": "0.6"}


async def test_quota_warns_before_the_limit_and_holds_new_members_at_it(stack: Stack) -> None:
    members = [(f"q-{new_number()}", new_number()) for _ in range(8)]
    await stack.add_contacts([{"member_id": m, "whatsapp": w} for m, w in members])
    first = [request(m) for m, _ in members[:5]]
    await stack.deliver(first)

    async def five_sent() -> bool:
        return len(await stack.sent_for({r["delivery_id"] for r in first})) == 5

    await wait_for(five_sent, 30)
    report = await stack.channels()
    assert report["quota"] == {"limit": 5, "used": 5, "warning": True}
    assert await stack.metric("nazar_publisher_quota_warning") == 1
    # A member already counted is still reached; three new members wait for a free place.
    again = request(members[0][0])
    later = [request(m) for m, _ in members[5:]]
    await stack.deliver([again, *later])

    async def again_sent() -> bool:
        return bool(await stack.sent_for({again["delivery_id"]}))

    await wait_for(again_sent, 30)
    assert await stack.sent_for({r["delivery_id"] for r in later}) == []
    assert await stack.metric("nazar_publisher_quota_deferred_total") >= 3
    rows = await stack.query(
        "SELECT status, next_attempt_at > now() + interval '23 hours' AS tomorrow FROM intents "
        "WHERE delivery_id = ANY($1::text[])",
        [r["delivery_id"] for r in later],
    )
    assert [(r["status"], r["tomorrow"]) for r in rows] == [("retry", True)] * 3


async def test_opt_out_reply_then_withdrawn_consent_refuses_the_next_message(
    stack: Stack,
) -> None:
    member, number = f"o-{new_number()}", new_number()
    await stack.add_contacts(
        [{"member_id": member, "whatsapp": number, "consent_state": "granted"}]
    )
    await stack.fake("whatsapp", "inbound", {"from": number, "text": "बंद"})

    async def opted_out() -> bool:
        return any(r["type"] == "opted_out" for r in await stack.replies({member}))

    await wait_for(opted_out, 30)
    # The roster's answer to dispatch.opted_out: the same contact, consent withdrawn.
    await stack.add_contacts(
        [{"member_id": member, "whatsapp": number, "consent_state": "withdrawn", "version": 2}]
    )
    req = request(member)
    await stack.deliver([req])

    async def refused() -> bool:
        return bool(await stack.receipts({req["delivery_id"]}))

    await wait_for(refused, 30)
    (receipt,) = await stack.receipts({req["delivery_id"]})
    assert receipt["type"] == "failed" and receipt["error"]["code"] == "no_consent"
    assert await stack.sent_for({req["delivery_id"]}) == []
