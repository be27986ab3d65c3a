"""Which Web Push subscriptions the roster takes (roster.domain.push)."""

from __future__ import annotations

import base64
import secrets

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec
from roster.domain.push import Subscription, origin_allowed, refusal
from roster.settings import RosterSettings

ALLOWED = RosterSettings.model_fields["push_service_origins"].default


def b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


POINT = b64url(
    ec.generate_private_key(ec.SECP256R1())
    .public_key()
    .public_bytes(serialization.Encoding.X962, serialization.PublicFormat.UncompressedPoint)
)
AUTH = b64url(secrets.token_bytes(16))


@pytest.mark.parametrize(
    ("endpoint", "taken"),
    [
        ("https://fcm.googleapis.com/fcm/send/abc:APA91b", True),
        ("https://updates.push.services.mozilla.com/wpush/v2/gAAAA", True),
        ("https://web.push.apple.com/QGuQyavXutnMH", True),
        ("https://wns2-par02p.notify.windows.com/w/?token=BQYAAA", True),
        ("http://fcm.googleapis.com/fcm/send/abc", False),  # not https
        ("https://fcm.googleapis.com.evil.example/x", False),
        ("https://evilpush.apple.com/x", False),
        ("https://user:pw@fcm.googleapis.com/x", False),
        ("https://127.0.0.1/push", False),
        ("file:///etc/passwd", False),
    ],
)
def test_only_the_browsers_push_services(endpoint: str, taken: bool) -> None:
    assert origin_allowed(endpoint, ALLOWED) is taken


def test_an_exact_origin_with_a_port_is_taken_when_listed() -> None:
    assert origin_allowed("http://127.0.0.1:19207/push/x", ("http://127.0.0.1:19207",))
    assert not origin_allowed("http://127.0.0.1:19208/push/x", ("http://127.0.0.1:19207",))


def test_keys_must_be_what_rfc_8291_says() -> None:
    ok = "https://fcm.googleapis.com/fcm/send/abc"
    assert refusal(Subscription(ok, POINT, AUTH), ALLOWED) is None
    off_curve = b64url(b"\x04" + b"\x01" * 64)
    assert refusal(Subscription(ok, off_curve, AUTH), ALLOWED) == "p256dh"
    assert refusal(Subscription(ok, POINT[:-4], AUTH), ALLOWED) == "p256dh"
    assert refusal(Subscription(ok, "!!!", AUTH), ALLOWED) == "p256dh"
    assert refusal(Subscription(ok, POINT, b64url(b"x" * 15)), ALLOWED) == "auth"
    assert refusal(Subscription("https://x.example/p", POINT, AUTH), ALLOWED) == "endpoint"
