"""Sign-in codes (auth.codes.v1, issue 16) through the running publisher against the fakes: the
copy-code authentication template on WhatsApp, the DLT OTP template on SMS, expired and
unreachable codes dropped, a replay sent once, a code that does not open dead-lettered, and the
plain code in no table row and no log line of the service."""

from __future__ import annotations

import re
import secrets
import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

from nazar_platform.auth.sealed import Sealer, derived_keys
from nazar_platform.kafka.cloudevents import CloudEvent, decode
from social_publisher.settings import PublisherSettings

from tests.integration.platform.support import read_topic
from tests.integration.publisher.support import LOG_DIR, Stack, new_number, wait_for

PUBLISHER_SETTINGS = {"NAZAR_WHATSAPP_MPS_CAP": "200"}
# Every code this module sent: none may appear in a table or the service's log.
CODES: list[str] = []


def _sealer() -> Sealer:
    # The publisher's own default (test environment): the key the roster seals with in tests.
    return PublisherSettings(environment="test").code_sealer()


def _code() -> str:
    code = f"{secrets.randbelow(900_000) + 100_000}"
    CODES.append(code)
    return code


def code_request(
    member_id: str,
    code: str,
    *,
    channel: str = "whatsapp",
    language: str = "hi",
    expires_in: timedelta = timedelta(minutes=5),
    sealer: Sealer | None = None,
    context: str | None = None,
) -> dict[str, Any]:
    sign_in_id = f"S-{uuid.uuid4().hex}"
    sealed = (sealer or _sealer()).seal(code, context or f"{sign_in_id}:{member_id}")
    now = datetime.now(UTC)
    return {
        "sign_in_id": sign_in_id, "member_id": member_id, "channel": channel,
        "sealed_code": sealed.text, "key_id": sealed.key_id, "language": language,
        "requested_at": now.isoformat(), "expires_at": (now + expires_in).isoformat(),
    }  # fmt: skip


async def produce_codes(
    stack: Stack, requests: list[dict[str, Any]], key: str | None = None
) -> None:
    events = [
        (key or r["sign_in_id"],
         CloudEvent(type="nazar.auth.code_requested.v1", source="/nazar/roster", data=r))
        for r in requests
    ]  # fmt: skip
    await stack.produce(stack.topics["codes"], events)


async def _member(stack: Stack, **contact: Any) -> str:
    member = f"m-{new_number()}"
    await stack.add_contacts([{"member_id": member, "whatsapp": new_number(), **contact}])
    return member


async def _outcome(stack: Stack, sign_in_id: str) -> str | None:
    rows = await stack.query("SELECT outcome FROM sign_in_codes WHERE sign_in_id = $1", sign_in_id)
    return str(rows[0]["outcome"]) if rows else None


async def _wa_sent(stack: Stack, sign_in_id: str) -> list[dict[str, Any]]:
    return [m for m in await stack.sent() if m.get("callback") == f"code:{sign_in_id}"]


async def _sms_sent(stack: Stack, sign_in_id: str) -> list[dict[str, Any]]:
    return [m for m in await stack.sent("sms") if m.get("ref") == f"code:{sign_in_id}"]


async def test_whatsapp_code_is_a_copy_code_template_with_the_code(stack: Stack) -> None:
    member = await _member(stack)
    code = _code()
    req = code_request(member, code, language="en")
    await produce_codes(stack, [req])

    async def sent() -> bool:
        return await _outcome(stack, req["sign_in_id"]) in ("sent", "delivered", "read")

    await wait_for(sent, 30)
    (msg,) = await _wa_sent(stack, req["sign_in_id"])
    assert msg["type"] == "template" and msg["template"] == "nazar_sign_in_code"
    assert msg["language"] == "en"
    assert msg["parameters"] == [code] and msg["button_text"] == code

    async def read() -> bool:
        # The fake's statuses (sent, delivered, read) reach the code's row, not an intent.
        return await _outcome(stack, req["sign_in_id"]) == "read"

    await wait_for(read, 30)
    assert (
        await stack.metric("nazar_publisher_codes_total", channel="whatsapp", outcome="sent") >= 1
    )


async def test_sms_only_member_gets_the_dlt_otp(stack: Stack) -> None:
    member = await _member(stack, whatsapp=None, sms=new_number())
    code = _code()
    req = code_request(member, code, channel="sms", language="hi")
    await produce_codes(stack, [req])

    async def sent() -> bool:
        return await _outcome(stack, req["sign_in_id"]) in ("sent", "delivered", "read")

    await wait_for(sent, 30)
    (msg,) = await _sms_sent(stack, req["sign_in_id"])
    assert msg["template_id"] == "1107000000000000003"
    assert msg["text"].startswith(f"{code} ")
    assert await _wa_sent(stack, req["sign_in_id"]) == []

    async def delivered() -> bool:
        return await _outcome(stack, req["sign_in_id"]) == "delivered"

    await wait_for(delivered, 30)


async def test_expired_and_unreachable_codes_are_dropped_and_counted(stack: Stack) -> None:
    member = await _member(stack)  # WhatsApp only
    expired = code_request(member, _code(), expires_in=timedelta(minutes=-1))
    no_sms = code_request(member, _code(), channel="sms")
    unknown = code_request(f"m-{new_number()}", _code())
    before = {
        r: await stack.metric("nazar_publisher_codes_dropped_total", reason=r)
        for r in ("expired", "no_contact")
    }
    await produce_codes(stack, [expired, no_sms, unknown])

    async def recorded() -> bool:
        return [await _outcome(stack, r["sign_in_id"]) for r in (expired, no_sms, unknown)] == [
            "expired", "no_contact", "no_contact",
        ]  # fmt: skip

    await wait_for(recorded, 30)
    for r in (expired, no_sms, unknown):
        assert await _wa_sent(stack, r["sign_in_id"]) == []
        assert await _sms_sent(stack, r["sign_in_id"]) == []
    after = {
        r: await stack.metric("nazar_publisher_codes_dropped_total", reason=r)
        for r in ("expired", "no_contact")
    }
    assert after["expired"] - before["expired"] == 1
    assert after["no_contact"] - before["no_contact"] == 2


async def test_a_replayed_code_is_sent_once(stack: Stack) -> None:
    member = await _member(stack)
    req = code_request(member, _code())
    await produce_codes(stack, [req, req])
    await produce_codes(stack, [req])
    # A later code on the same partition (same record key): once it is sent, every copy of the
    # first has been consumed.
    sentinel = code_request(member, _code())
    await produce_codes(stack, [sentinel], key=req["sign_in_id"])

    async def sentinel_sent() -> bool:
        return await _outcome(stack, sentinel["sign_in_id"]) in ("sent", "delivered", "read")

    await wait_for(sentinel_sent, 30)
    assert len(await _wa_sent(stack, req["sign_in_id"])) == 1
    assert await _outcome(stack, req["sign_in_id"]) in ("sent", "delivered", "read")


async def test_when_whatsapp_fails_the_code_goes_by_sms(stack: Stack) -> None:
    member = await _member(stack, sms=new_number())
    code = _code()
    req = code_request(member, code)
    await stack.configure(outage="503")
    try:
        await produce_codes(stack, [req])

        async def by_sms() -> bool:
            return len(await _sms_sent(stack, req["sign_in_id"])) == 1

        await wait_for(by_sms, 30)
    finally:
        await stack.configure(outage=None)
    (msg,) = await _sms_sent(stack, req["sign_in_id"])
    assert msg["text"].startswith(f"{code} ") and msg["template_id"] == "1107000000000000003"
    assert await _wa_sent(stack, req["sign_in_id"]) == []

    async def recorded() -> bool:
        rows = await stack.query(
            "SELECT channel, outcome FROM sign_in_codes WHERE sign_in_id = $1", req["sign_in_id"]
        )
        return bool(rows) and (rows[0]["channel"], rows[0]["outcome"] != "pending") == ("sms", True)

    await wait_for(recorded, 30)


async def test_an_erased_member_leaves_no_code_rows(stack: Stack) -> None:
    member = await _member(stack)
    req = code_request(member, _code())
    await produce_codes(stack, [req])

    async def recorded() -> bool:
        return await _outcome(stack, req["sign_in_id"]) is not None

    await wait_for(recorded, 30)
    await stack.erase_contact(member)

    async def forgotten() -> bool:
        return await _outcome(stack, req["sign_in_id"]) is None

    await wait_for(forgotten, 30)


async def test_a_code_that_does_not_open_goes_to_the_dlq(stack: Stack) -> None:
    member = await _member(stack)
    other_key = Sealer(derived_keys(["another-deployment-key-" + "x" * 20]))
    wrong_key = code_request(member, _code(), sealer=other_key)
    # Sealed for another sign-in: copied into this record, it must not open.
    copied = code_request(member, _code(), context=f"S-other:{member}")
    await produce_codes(stack, [wrong_key, copied])

    async def dead_lettered() -> list[str]:
        ids = []
        for raw in await read_topic(stack.bootstrap, stack.topics["codes"] + ".dlq"):
            ids.append(decode(raw.value, raw.headers).data["sign_in_id"])
        return ids

    async def both() -> bool:
        return {wrong_key["sign_in_id"], copied["sign_in_id"]} <= set(await dead_lettered())

    await wait_for(both, 60)
    for r in (wrong_key, copied):
        assert await _outcome(stack, r["sign_in_id"]) is None
        assert await _wa_sent(stack, r["sign_in_id"]) == []


async def test_no_code_in_any_table_row_log_line_or_record_written(stack: Stack) -> None:
    # Runs last in the module (file order): every code above has been handled by now.
    assert len(CODES) >= 8
    tables = await stack.query(
        "SELECT table_name FROM information_schema.tables WHERE table_schema = 'public'"
    )
    text = []
    for t in tables:
        rows = await stack.query(f'SELECT row_to_json(t)::text AS j FROM "{t["table_name"]}" t')
        text += [r["j"] for r in rows]
    assert any(t["table_name"] == "sign_in_codes" for t in tables)
    # Nor in anything the publisher wrote to Kafka (a code makes no receipt, no reply).
    for topic in ("receipts", "replies"):
        for raw in await read_topic(stack.bootstrap, stack.topics[topic]):
            text.append((raw.value or b"").decode(errors="replace"))
    dump = "\n".join(text)
    log = (LOG_DIR / "publisher.log").read_text(errors="replace")
    for code in CODES:
        # A code standing alone (not inside a longer run of digits, a hex id or a fraction).
        pattern = re.compile(rf"(?<![0-9A-Za-z.]){code}(?![0-9A-Za-z])")
        assert not pattern.search(dump), f"a code in a table row or a record: {code}"
        assert not pattern.search(log), f"a code in the publisher's log: {code}"
