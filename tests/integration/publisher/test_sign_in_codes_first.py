"""A sign-in code goes ahead of routine work already queued in the publisher (issue 16): with a
number paced at 5 messages a second and 120 routine deliveries waiting for it, the code is sent
while most of them still wait."""

from __future__ import annotations

import contextlib

from tests.integration.publisher.support import Stack, new_number, request, wait_for
from tests.integration.publisher.test_sign_in_codes import code_request, produce_codes

PUBLISHER_SETTINGS = {"NAZAR_WHATSAPP_MPS_CAP": "5"}
ROUTINE = 120  # 24 s of backlog at 5/s: room for a slow machine to consume the code


async def test_a_code_is_sent_before_the_routine_backlog(stack: Stack) -> None:
    members = [f"m-{new_number()}" for _ in range(ROUTINE + 1)]
    await stack.add_contacts([{"member_id": m, "whatsapp": new_number()} for m in members])
    *routine_members, signing_in = members
    # The codes' consumer is up (its group joined) before the backlog starts.
    warm_up = code_request(signing_in, "314159")
    await produce_codes(stack, [warm_up])

    async def warm() -> bool:
        return any(m.get("callback") == f"code:{warm_up['sign_in_id']}" for m in await stack.sent())

    await wait_for(warm, 120)  # the codes consumer joins its group; slow on a busy machine
    reqs = [request(m) for m in routine_members]
    ids = {r["delivery_id"] for r in reqs}
    await stack.deliver(reqs)

    async def started() -> bool:
        return len(await stack.sent_for(ids)) >= 1

    await wait_for(started, 60)  # the backlog is in the pacer now
    code = code_request(signing_in, "271828")
    await produce_codes(stack, [code])

    async def code_sent() -> bool:
        return any(m.get("callback") == f"code:{code['sign_in_id']}" for m in await stack.sent())

    await wait_for(code_sent, 60)

    async def all_sent() -> bool:
        return len(await stack.sent_for(ids)) == ROUTINE

    # What is asserted is the order; a send left unanswered on a loaded machine waits for the
    # orphan sweep, so the stragglers are not waited for past this.
    with contextlib.suppress(TimeoutError):
        await wait_for(all_sent, 180)
    log = await stack.sent()
    at = next(i for i, m in enumerate(log) if m.get("callback") == f"code:{code['sign_in_id']}")
    number = log[at]["phone_number_id"]
    after = [
        m for m in log[at + 1 :] if m.get("callback") in ids and m["phone_number_id"] == number
    ]
    before = [m for m in log[:at] if m.get("callback") in ids and m["phone_number_id"] == number]
    # The code did not wait for its number's routine backlog: most of it went after the code.
    assert len(after) > len(before), (len(before), len(after))
