"""Webhook signatures over raw bytes (Meta escapes non-ASCII as \\uXXXX) and parsing."""

from __future__ import annotations

import json

from social_publisher.domain.receipts import Receipt
from social_publisher.domain.webhooks import (
    parse_sms_inbound,
    parse_sms_reports,
    parse_whatsapp,
    signature,
    signature_valid,
    token_matches,
)

from tests.hindi import HEADLINE as TITLE

SECRET = b"app-secret"


def _meta_body() -> bytes:
    payload = {
        "object": "whatsapp_business_account",
        "entry": [
            {
                "id": "102290129340398",
                "changes": [
                    {
                        "field": "messages",
                        "value": {
                            "messaging_product": "whatsapp",
                            "metadata": {"phone_number_id": "100000000000001"},
                            "statuses": [
                                {"id": "wamid.A", "status": "read", "timestamp": "1700000002",
                                 "recipient_id": "919800000001",
                                 "biz_opaque_callback_data": "d-1"},
                                {"id": "wamid.B", "status": "failed", "timestamp": "1700000003",
                                 "recipient_id": "919800000002",
                                 "errors": [{"code": 131026, "title": "Message undeliverable",
                                             "error_data": {"details": "not on WhatsApp"}}]},
                            ],
                            "messages": [
                                {"from": "919800000001", "id": "wamid.C",
                                 "timestamp": "1700000004", "type": "button",
                                 "button": {"payload": "ack:d-1", "text": "प्राप्त हुआ"},
                                 "context": {"from": "911412000000", "id": "wamid.A"}},
                                {"from": "919800000003", "id": "wamid.D",
                                 "timestamp": "1700000005", "type": "text",
                                 "text": {"body": TITLE}},
                            ],
                        },
                    }
                ],
            }
        ],
    }  # fmt: skip
    return json.dumps(payload, ensure_ascii=True, separators=(",", ":")).encode()


def test_meta_escapes_hindi_and_the_signature_covers_the_escaped_bytes() -> None:
    body = _meta_body()
    assert b"\\u092a" in body and "प".encode() not in body
    assert signature_valid(SECRET, body, signature(SECRET, body))
    # Re-serialising (unescaped Hindi) yields other bytes: verifying that would be wrong.
    reencoded = json.dumps(json.loads(body), ensure_ascii=False, separators=(",", ":")).encode()
    assert not signature_valid(SECRET, reencoded, signature(SECRET, body))


def test_one_byte_changed_after_signing_is_refused() -> None:
    body = _meta_body()
    header = signature(SECRET, body)
    at = body.index(b"\\u092a") + 5
    tampered = body[:at] + (b"b" if body[at : at + 1] != b"b" else b"c") + body[at + 1 :]
    assert len(tampered) == len(body) and tampered != body
    assert not signature_valid(SECRET, tampered, header)


def test_missing_malformed_or_foreign_signatures_are_refused() -> None:
    body = _meta_body()
    assert not signature_valid(SECRET, body, None)
    assert not signature_valid(SECRET, body, "sha1=" + signature(SECRET, body)[7:])
    assert not signature_valid(SECRET, body, signature(b"another-secret", body))


def test_an_empty_secret_verifies_nothing() -> None:
    # Regression: anyone can sign with the empty key, so a deployment missing its app secret (or
    # SMS webhook secret) accepted forged statuses, replies and opt-outs.
    body = _meta_body()
    forged = signature(b"", body)
    assert not signature_valid(b"", body, forged)
    assert not signature_valid(b"", body, "sha256=")
    assert not signature_valid(SECRET, body, forged)


def test_a_header_with_any_characters_is_refused_not_a_crash() -> None:
    # compare_digest raises TypeError on non-ASCII str; Starlette hands headers as latin-1 text.
    body = _meta_body()
    assert not signature_valid(SECRET, body, "sha256=é" + signature(SECRET, body)[8:])


def test_the_verify_token_matches_only_itself_and_never_when_empty() -> None:
    assert token_matches("verify-token-0123", "verify-token-0123")
    assert not token_matches("verify-token-0123", "verify-token-0124")
    assert not token_matches("", "")
    assert not token_matches("verify-token-0123", "सत्यापन")  # non-ASCII: refused, no TypeError


def test_a_batched_body_yields_statuses_and_messages() -> None:
    statuses, inbound = parse_whatsapp(json.loads(_meta_body()))
    assert [(s.provider_message_id, s.status, s.delivery_id) for s in statuses] == [
        ("wamid.A", Receipt.READ, "d-1"),
        ("wamid.B", Receipt.FAILED, None),
    ]
    assert statuses[1].error is not None and statuses[1].error.code == 131026
    button, text = inbound
    assert (button.kind, button.button_payload, button.context_id) == (
        "button",
        "ack:d-1",
        "wamid.A",
    )
    assert (text.kind, text.text) == ("text", TITLE)


def test_sms_reports_and_inbound() -> None:
    reports = parse_sms_reports(
        {"reports": [
            {"message_id": "m1", "ref": "d-1", "status": "DELIVERED",
             "done_at": "2025-01-01T00:00:00Z"},
            {"message_id": "m2", "ref": "d-2", "status": "FAILED", "error_code": "DND",
             "done_at": "2025-01-01T00:00:01+00:00"},
        ]}
    )  # fmt: skip
    assert [(r.delivery_id, r.status) for r in reports] == [
        ("d-1", Receipt.DELIVERED),
        ("d-2", Receipt.FAILED),
    ]
    assert reports[1].error is not None and reports[1].error.title == "DND"
    (msg,) = parse_sms_inbound(
        {"messages": [{"id": "i1", "from": "919800000001", "text": "4821",
                       "received_at": "2025-01-01T00:00:00Z"}]}
    )  # fmt: skip
    assert (msg.sender, msg.text, msg.kind) == ("919800000001", "4821", "text")
