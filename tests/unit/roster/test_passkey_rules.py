"""The passkey rules without a database: the relying party of the one origin, the options given,
and refusals named by reason (a malformed answer is a refusal, never a crash)."""

from __future__ import annotations

import pytest
from roster.domain.passkeys import (
    Credential,
    Failure,
    PasskeyError,
    RelyingParty,
    authentication_options,
    credential_id_of,
    encode_id,
    registration_options,
    verify_authentication,
    verify_registration,
)

RP = RelyingParty.of("https://nazar.police.example")


def test_the_relying_party_is_the_public_origin_and_its_host() -> None:
    assert RelyingParty("https://nazar.police.example", "nazar.police.example") == RP
    local = RelyingParty.of("http://localhost:8080")
    assert local.rp_id == "localhost" and local.origin == "http://localhost:8080"
    for bad in ("localhost:8080", "ftp://x.example", "https://"):
        with pytest.raises(ValueError, match="origin"):
            RelyingParty.of(bad)


def test_options_name_the_rp_the_member_and_only_their_credentials() -> None:
    mine = Credential(b"\x01\x02", b"key", 3, ("internal", "made-up"))
    created = registration_options(
        RP, b"c" * 32, member_id="m-abc", display_name="", existing=[mine]
    )
    assert created["rp"] == {"id": "nazar.police.example", "name": "Nazar"}
    assert created["user"]["name"] == "m-abc" and created["user"]["displayName"] == "m-abc"
    assert created["attestation"] == "none"
    assert created["excludeCredentials"] == [
        {"id": encode_id(b"\x01\x02"), "type": "public-key", "transports": ["internal"]}
    ]
    asked = authentication_options(RP, b"c" * 32, [mine])
    assert asked["rpId"] == "nazar.police.example"
    assert [c["id"] for c in asked["allowCredentials"]] == ["AQI"]


@pytest.mark.parametrize(
    "credential",
    [
        {},
        {"id": "AQI", "rawId": "AQI", "type": "public-key", "response": []},
        {"id": "AQI", "rawId": "AQI", "type": "public-key", "response": {"clientDataJSON": "%%"}},
        {"id": 1, "rawId": None},
    ],
)
def test_a_malformed_answer_is_refused_as_invalid(credential: dict[str, object]) -> None:
    with pytest.raises(PasskeyError) as registering:
        verify_registration(RP, b"c" * 32, credential)
    assert registering.value.failure is Failure.INVALID
    stored = Credential(b"\x01\x02", b"not a key", 0)
    with pytest.raises(PasskeyError) as proving:
        verify_authentication(RP, b"c" * 32, credential, stored)
    assert proving.value.failure is Failure.INVALID


def test_the_credential_id_is_read_from_the_answer() -> None:
    assert credential_id_of({"id": "AQI", "rawId": "AQI"}) == b"\x01\x02"
    with pytest.raises(PasskeyError):
        credential_id_of({"rawId": 5})
