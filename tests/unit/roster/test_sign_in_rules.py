"""The pure rules of phone sign-in: who gets a code, on which channel, the limits, the verdicts."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from roster.domain.sign_in import (
    CODE_ATTEMPTS,
    Attempt,
    Signer,
    Verdict,
    Window,
    channel_for,
    code_hash,
    judge,
    may_sign_in,
    new_code,
    retry_after,
)
from roster.handlers.sign_in_codes import needs_passkey

KEY = b"k" * 32
NOW = datetime(2026, 12, 4, 10, 0, tzinfo=UTC)
PHONE = "+919829012345"


def signer(**change: object) -> Signer:
    base: dict[str, object] = dict(
        member_id="m-1", active=True, erased=False, consent_required=False, consent_state=None,
        whatsapp=PHONE, sms=PHONE, roles=(("constable", "PS-KOTWALI-BIKANER"),),
    )  # fmt: skip
    base.update(change)
    return Signer(**base)  # type: ignore[arg-type]


def test_codes_have_six_digits_with_leading_zeros() -> None:
    assert new_code(lambda n: 42) == "000042"
    assert new_code(lambda n: n - 1) == "999999"


def test_who_may_sign_in() -> None:
    assert may_sign_in(signer())
    assert not may_sign_in(None)
    assert not may_sign_in(signer(active=False))
    assert not may_sign_in(signer(erased=True))
    assert not may_sign_in(signer(roles=()))
    volunteer = {"consent_required": True, "roles": (("gram_rakshak", "PS-NOKHA"),)}
    assert may_sign_in(signer(consent_state="granted", **volunteer))
    assert not may_sign_in(signer(consent_state="pending", **volunteer))
    assert not may_sign_in(signer(consent_state="withdrawn", **volunteer))


def test_the_channel_is_where_the_number_is_whatsapp_first_unless_sms_is_asked() -> None:
    assert channel_for(signer(), PHONE, None) == "whatsapp"
    assert channel_for(signer(), PHONE, "sms") == "sms"
    assert channel_for(signer(whatsapp=None), PHONE, "whatsapp") == "sms"
    assert channel_for(signer(sms="+919000000000"), PHONE, "sms") == "whatsapp"
    assert channel_for(signer(), "+919000000000", None) is None


def test_retry_after_counts_from_the_oldest_request_in_the_window() -> None:
    span = timedelta(minutes=15)
    assert retry_after(Window(2, NOW - timedelta(minutes=1)), 3, span, NOW) is None
    assert retry_after(Window(3, NOW - timedelta(minutes=10)), 3, span, NOW) == 300
    assert retry_after(Window(3, NOW - span + timedelta(milliseconds=10)), 3, span, NOW) == 1


def _attempt(**change: object) -> Attempt:
    base: dict[str, object] = dict(
        member_id="m-1", code_hash=code_hash(KEY, "s-1", "123456"), attempts=0,
        expires_at=NOW + timedelta(minutes=5), verified=False, locked=False,
    )  # fmt: skip
    base.update(change)
    return Attempt(**base)  # type: ignore[arg-type]


def test_verdicts() -> None:
    right, wrong = code_hash(KEY, "s-1", "123456"), code_hash(KEY, "s-1", "123457")
    assert judge(_attempt(), right, NOW) is Verdict.VERIFIED
    assert judge(_attempt(), wrong, NOW) is Verdict.WRONG
    assert judge(_attempt(), code_hash(KEY, "s-2", "123456"), NOW) is Verdict.WRONG
    assert judge(None, right, NOW) is Verdict.UNKNOWN
    assert judge(_attempt(verified=True), right, NOW) is Verdict.USED
    assert judge(_attempt(attempts=CODE_ATTEMPTS), right, NOW) is Verdict.LOCKED
    assert judge(_attempt(locked=True), right, NOW) is Verdict.LOCKED
    assert judge(_attempt(), right, NOW + timedelta(minutes=5)) is Verdict.EXPIRED
    # A number not on the roster has no code: it is only ever wrong, like a real one.
    assert judge(_attempt(member_id=None, code_hash=None), right, NOW) is Verdict.WRONG


def test_officers_with_power_need_a_passkey_field_members_do_not() -> None:
    assert needs_passkey([("sp", "DST-BIKANER")])
    assert needs_passkey([("adg", "PHQ")])
    assert not needs_passkey([("constable", "PS-KOTWALI-BIKANER")])
    assert not needs_passkey([("gram_rakshak", "PS-NOKHA")])
    assert not needs_passkey([("no_such_role", "X")])
