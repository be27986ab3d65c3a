"""Sign-in codes (auth.codes.v1): whether one is sent, its exact provider request, its lane in
the pacer, and what the fakes accept."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from nazar_fakes.sms import DEFAULT_TEMPLATES, template_regex
from nazar_fakes.whatsapp import FakeWhatsApp
from social_publisher.domain import codes
from social_publisher.domain.compose import Job
from social_publisher.domain.consent import Contact
from social_publisher.domain.outcomes import ProviderError
from social_publisher.handlers.attempts import Outcome, code_answers
from social_publisher.settings import PublisherSettings
from social_publisher.workers.pacer import SenderQueue

NOW = datetime(2026, 12, 4, 15, 0, tzinfo=UTC)
SETTINGS = PublisherSettings(environment="test")


def _contact(**over: Any) -> Contact:
    base: dict[str, Any] = {
        "member_id": "M-1", "whatsapp": "919900000001", "sms": "919900000001",
        "preferred_language": "hi", "active": True, "messaging_allowed": True,
        "consent_state": "not_required", "synthetic": False,
    }  # fmt: skip
    return Contact(**{**base, **over})


def _reason(contact: Contact | None, channel: str = "whatsapp", **kw: Any) -> str | None:
    args: dict[str, Any] = {"expires_at": NOW + timedelta(minutes=5), "now": NOW,
                            "allow_synthetic": False, **kw}  # fmt: skip
    return codes.drop_reason(contact, channel, **args)


def test_a_code_is_sent_until_its_expiry_and_dropped_after() -> None:
    assert _reason(_contact()) is None
    assert _reason(_contact(), expires_at=NOW) is None  # now > expires_at drops it, not ==
    assert _reason(_contact(), expires_at=NOW - timedelta(microseconds=1)) == "expired"
    # Expiry first: an expired code is worthless whoever it was for.
    assert _reason(None, expires_at=NOW - timedelta(seconds=1)) == "expired"


def test_a_code_needs_an_address_on_the_channel_the_roster_chose() -> None:
    assert _reason(None) == "no_contact"
    assert _reason(_contact(whatsapp=None), "whatsapp") == "no_contact"
    assert _reason(_contact(sms=None), "sms") == "no_contact"
    assert _reason(_contact(whatsapp=None), "sms") is None
    assert _reason(_contact(synthetic=True)) == "synthetic"
    assert _reason(_contact(synthetic=True), allow_synthetic=True) is None


def test_whatsapp_code_is_a_copy_code_authentication_template() -> None:
    job = codes.build(sign_in_id="S-1", member_id="M-1", channel="whatsapp", code="482913",
                      lang="en", contact=_contact(), settings=SETTINGS)  # fmt: skip
    assert job.priority == codes.CODE_PRIORITY and job.kind == "authentication"
    assert job.sender in SETTINGS.whatsapp_phone_number_ids
    assert job.message == {
        "messaging_product": "whatsapp",
        "recipient_type": "individual",
        "to": "919900000001",
        "type": "template",
        "template": {
            "name": "nazar_sign_in_code",
            "language": {"code": "en"},
            "components": [
                {"type": "body", "parameters": [{"type": "text", "text": "482913"}]},
                {
                    "type": "button",
                    "sub_type": "url",
                    "index": "0",
                    "parameters": [{"type": "text", "text": "482913"}],
                },
            ],
        },
        "biz_opaque_callback_data": "code:S-1",
    }
    # The code is in memory only: never in the job's repr (what a log line would show).
    assert "482913" not in repr(job)


def test_sms_code_fills_the_dlt_otp_template_in_the_members_language() -> None:
    for lang, template_id in (("hi", "1107000000000000003"), ("en", "1107000000000000004")):
        job = codes.build(sign_in_id="S-2", member_id="M-1", channel="sms", code="120034",
                          lang=lang, contact=_contact(), settings=SETTINGS)  # fmt: skip
        assert job.sender == "sms" and job.sms_template_id == template_id
        assert job.sms_text is not None and job.sms_text.startswith("120034 ")
        assert "{#" not in job.sms_text
        # The fake gateway's registered template (as DLT matches it) accepts it.
        assert template_regex(DEFAULT_TEMPLATES[template_id]).fullmatch(job.sms_text)
        assert "120034" not in repr(job)


def _job(priority: str, n: int = 0) -> Job:
    return Job(
        delivery_id=f"{priority}-{n}",
        message_id="m",
        member_id="M",
        priority=priority,
        channel="whatsapp",
        kind="template",
        sender="s",
        address="1",
        has_sms=False,
    )


def test_a_code_leaves_the_queue_before_flash_and_routine_work() -> None:
    queue = SenderQueue()
    for n in range(3):
        queue.put(_job("routine", n))
        queue.put(_job("flash", n))
    queue.put(_job(codes.CODE_PRIORITY))
    # Even while flash work waits upstream (routine is held back then), the code goes first.
    first = queue.pop(flash_waiting=True)
    assert first is not None and first.priority == codes.CODE_PRIORITY
    nxt = queue.pop(flash_waiting=True)
    assert nxt is not None and nxt.priority == "flash"
    assert len(queue) == 5


def test_the_rows_keep_how_a_code_ended_never_the_code() -> None:
    job = _job(codes.CODE_PRIORITY)
    rows = code_answers([
        Outcome(job, NOW, provider_message_id="wamid.X"),
        Outcome(job, NOW, error=ProviderError(131026, "Message undeliverable")),
        Outcome(job, NOW, error=ProviderError(None, "timeout", transport=True, maybe_sent=True)),
        Outcome(job, NOW, defer_until=NOW),
    ])  # fmt: skip
    assert [(r[1], r[2]) for r in rows] == [
        ("sent", None), ("failed", "131026"), ("unknown", "transport"), ("channel_down", None),
    ]  # fmt: skip


@pytest.fixture
def fake() -> FakeWhatsApp:
    return FakeWhatsApp(token="t", app_secret="s", webhook_url="http://127.0.0.1:1/",
                        phone_number_ids=["1"])  # fmt: skip


def _auth(code: str, button: list[dict[str, Any]] | None) -> dict[str, Any]:
    message = codes.build(sign_in_id="S", member_id="M", channel="whatsapp", code=code,
                          lang="hi", contact=_contact(), settings=SETTINGS).message  # fmt: skip
    assert message is not None
    if button is not None:
        message["template"]["components"][1:] = button
    return message


def test_the_fake_whatsapp_accepts_the_copy_code_template(fake: FakeWhatsApp) -> None:
    assert fake._validate(_auth("482913", None)) is None


@pytest.mark.parametrize(
    ("button", "code", "error"),
    [
        ([], "482913", 131008),  # no copy-code button
        ([{"type": "button", "sub_type": "url", "index": "0", "parameters": []}], "1", 131008),
        (
            [
                {
                    "type": "button",
                    "sub_type": "quick_reply",
                    "index": "0",
                    "parameters": [{"type": "payload", "payload": "x"}],
                }
            ],
            "482913",
            131009,
        ),
        (None, "1234567890123456", 131009),  # over Meta's 15 characters
    ],
)
def test_the_fake_whatsapp_refuses_a_malformed_authentication_template(
    fake: FakeWhatsApp, button: list[dict[str, Any]] | None, code: str, error: int
) -> None:
    problem = fake._validate(_auth(code, button))
    assert problem is not None
    status, got, title, _details = problem
    assert (status, got) == (400, error)
    assert re.match(rf"\(#{error}\) ", title)


def test_a_status_names_the_codes_row_and_only_moves_it_forward() -> None:
    assert codes.sign_in_of(codes.callback_of("S-1")) == "S-1"
    assert codes.sign_in_of("D-1") is None and codes.sign_in_of(None) is None
    assert "sent" in codes.replaces("delivered") and "delivered" in codes.replaces("read")
    assert "read" not in codes.replaces("delivered")  # a late delivered after read
    assert "delivered" not in codes.replaces("failed")  # a failed after delivered
    assert "unknown" in codes.replaces("sent")  # no answer, but the provider had it


def test_a_whatsapp_code_can_become_its_otp_sms_only_when_the_member_has_sms() -> None:
    both = codes.build(
        sign_in_id="S-3",
        member_id="M-1",
        channel="whatsapp",
        code="555123",
        lang="hi",
        contact=_contact(sms="919900000009"),
        settings=SETTINGS,
    )
    assert codes.to_sms(both)
    assert (both.channel, both.kind, both.sender) == ("sms", "sms", "sms")
    assert both.address == "919900000009" and both.message is None
    assert both.fallback_from == "whatsapp" and both.sms_template_id == "1107000000000000003"
    assert both.sms_text is not None and both.sms_text.startswith("555123 ")
    assert not codes.to_sms(both)  # already SMS
    wa_only = codes.build(
        sign_in_id="S-4",
        member_id="M-1",
        channel="whatsapp",
        code="555124",
        lang="hi",
        contact=_contact(sms=None),
        settings=SETTINGS,
    )
    assert not codes.to_sms(wa_only) and wa_only.channel == "whatsapp"
    assert "555123" not in repr(both) and "919900000009" not in repr(both)
