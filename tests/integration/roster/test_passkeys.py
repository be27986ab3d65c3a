"""Issue 16 item 3 on the roster: passkeys, with a software authenticator written here (an EC
P-256 key; attestation "none" in CBOR; assertions signed over authenticatorData and the hash of
clientDataJSON), against the real roster on the demo roster in PostgreSQL and Kafka.

An SP registers a passkey during their first sign-in and must use it afterwards; an answer from
another origin, over an old or spent challenge, or with a counter that went back is refused; a
ticket without its passkey gets no tokens; a member adds one of their own and the district's SP
resets it (a constable or another district's SP may not, nobody their own, and an SP's is PHQ's).
Each of these is in the sign-in audit (`auth_events`), which PHQ reads.
"""

from __future__ import annotations

import base64
import dataclasses
import hashlib
import json
import os
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import cbor2
import jsonschema
import pytest
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec
from prometheus_client import REGISTRY

from tests.conftest import DatabaseFactory
from tests.integration.roster.support import Running, demo_roster, hq_token, token_for
from tests.integration.roster.test_sign_in_codes import execute, fetch, phones_of
from tests.integration.roster.test_tokens import ticket_of, token

ORIGIN = "http://localhost:8080"  # NAZAR_PUBLIC_ORIGIN's default: the RP id is "localhost"


def b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


class SoftAuthenticator:
    """What a platform authenticator does for `navigator.credentials.create()` / `.get()`,
    returning `credential.toJSON()`."""

    def __init__(self, rp_id: str = "localhost") -> None:
        self.key = ec.generate_private_key(ec.SECP256R1())
        self.credential_id = os.urandom(16)
        self.rp_id = rp_id
        self.count = 0

    def _cose_key(self) -> bytes:
        numbers = self.key.public_key().public_numbers()
        return bytes(
            cbor2.dumps(
                {
                    1: 2,  # kty: EC2
                    3: -7,  # alg: ES256
                    -1: 1,  # crv: P-256
                    -2: numbers.x.to_bytes(32, "big"),
                    -3: numbers.y.to_bytes(32, "big"),
                }
            )
        )

    def _client_data(self, kind: str, options: dict[str, Any], origin: str) -> bytes:
        return json.dumps(
            {
                "type": kind,
                "challenge": options["challenge"],
                "origin": origin,
                "crossOrigin": False,
            }
        ).encode()

    def _rp_hash(self) -> bytes:
        return hashlib.sha256(self.rp_id.encode()).digest()

    def create(self, options: dict[str, Any], origin: str = ORIGIN) -> dict[str, Any]:
        flags = 0x01 | 0x04 | 0x40  # user present, user verified, attested credential data
        auth_data = (
            self._rp_hash()
            + bytes([flags])
            + self.count.to_bytes(4, "big")
            + bytes(16)  # AAGUID
            + len(self.credential_id).to_bytes(2, "big")
            + self.credential_id
            + self._cose_key()
        )
        attestation = cbor2.dumps({"fmt": "none", "attStmt": {}, "authData": auth_data})
        return {
            "id": b64(self.credential_id),
            "rawId": b64(self.credential_id),
            "type": "public-key",
            "authenticatorAttachment": "platform",
            "clientExtensionResults": {},
            "response": {
                "clientDataJSON": b64(self._client_data("webauthn.create", options, origin)),
                "attestationObject": b64(attestation),
                "transports": ["internal"],
            },
        }

    def get(
        self, options: dict[str, Any], origin: str = ORIGIN, count: int | None = None
    ) -> dict[str, Any]:
        self.count = self.count + 1 if count is None else count
        auth_data = self._rp_hash() + bytes([0x01 | 0x04]) + self.count.to_bytes(4, "big")
        client_data = self._client_data("webauthn.get", options, origin)
        signature = self.key.sign(
            auth_data + hashlib.sha256(client_data).digest(), ec.ECDSA(hashes.SHA256())
        )
        return {
            "id": b64(self.credential_id),
            "rawId": b64(self.credential_id),
            "type": "public-key",
            "authenticatorAttachment": "platform",
            "clientExtensionResults": {},
            "response": {
                "clientDataJSON": b64(client_data),
                "authenticatorData": b64(auth_data),
                "signature": b64(signature),
                "userHandle": None,
            },
        }


@pytest.fixture(scope="module")
async def demo(
    databases: DatabaseFactory, kafka_bootstrap: str, demo_files: Path
) -> AsyncIterator[Running]:
    async with demo_roster(databases, kafka_bootstrap, demo_files, "roster_passkeys") as running:
        # Each test signs the same officers in several times: lift the per-number code limit.
        codes = running.app.state.sign_in_codes
        limits = dataclasses.replace(codes.limits, per_phone=1000)
        running.app.state.sign_in_codes = dataclasses.replace(codes, limits=limits)
        yield running


async def post(demo: Running, path: str, body: dict[str, Any], bearer: str | None = None) -> Any:
    async with demo.client(bearer) as c:
        return await c.post(path, json=body)


async def options(demo: Running, ticket: str) -> dict[str, Any]:
    r = await post(demo, "/api/v1/auth/passkeys/options", {"ticket": ticket})
    assert r.status_code == 200, r.text
    answer: dict[str, Any] = r.json()
    return answer


async def answer(demo: Running, ticket: str, credential: dict[str, Any]) -> Any:
    return await post(
        demo, "/api/v1/auth/passkeys/verify", {"ticket": ticket, "credential": credential}
    )


async def events(demo: Running, member_id: str) -> list[dict[str, Any]]:
    async with demo.client(hq_token()) as c:
        r = await c.get("/api/v1/auth/events", params={"member": member_id, "limit": 500})
        assert r.status_code == 200, r.text
        items: list[dict[str, Any]] = r.json()["items"]
        return items


DISTRICTS = ("DST-BIKANER", "DST-KHAIRTHAL-TIJARA")  # the demo roster's two with stations


def counted(name: str, **labels: str) -> float:
    """A counter of the roster's metrics (the app runs in this process)."""
    return REGISTRY.get_sample_value(name, labels) or 0.0


async def sp_with_district(demo: Running, n: int) -> tuple[str, str, str]:
    """(member id, WhatsApp number, district) of the SP of the n-th demo district."""
    district = DISTRICTS[n]
    [row] = await fetch(
        demo.database,
        """SELECT c.member_id, c.whatsapp FROM contacts c
           JOIN postings p ON p.member_id = c.member_id AND p.role = 'sp' AND p.unit_id = $1""",
        district,
    )
    return row["member_id"], row["whatsapp"], district


async def constable_in(demo: Running, district: str, n: int = 0) -> tuple[str, str]:
    [row] = await fetch(
        demo.database,
        """SELECT c.member_id, c.whatsapp FROM contacts c
           JOIN postings p ON p.member_id = c.member_id AND p.role = 'constable'
           JOIN units u ON u.unit_id = p.unit_id AND $1 = ANY(u.path)
           JOIN members m ON m.member_id = c.member_id AND m.active
           WHERE c.whatsapp IS NOT NULL
             AND (SELECT count(*) FROM contacts o WHERE o.whatsapp = c.whatsapp) = 1
           ORDER BY c.member_id OFFSET $2 LIMIT 1""",
        district,
        n,
    )
    return row["member_id"], row["whatsapp"]


async def test_an_sp_registers_a_passkey_at_the_first_sign_in_and_proves_it_after(
    demo: Running,
) -> None:
    member_id, phone, _ = await sp_with_district(demo, 0)
    key = SoftAuthenticator()
    registered = counted("nazar_roster_passkey_registrations_total", where="sign_in")
    first = await ticket_of(demo, phone)
    assert first["needs_passkey"] is True
    # The ticket alone gets no tokens.
    refused = await token(demo, grant_type="ticket", ticket=first["ticket"])
    assert refused.status_code == 403 and refused.json()["code"] == "auth.passkey_required"

    found = await options(demo, first["ticket"])
    assert found["mode"] == "register"
    creation = found["options"]
    assert creation["rp"]["id"] == "localhost" and creation["user"]["name"] == member_id
    assert creation["excludeCredentials"] == []
    r = await answer(demo, first["ticket"], key.create(creation))
    assert r.status_code == 200, r.text
    done = r.json()
    assert done["needs_passkey"] is False and done["ticket"] != first["ticket"]
    assert counted("nazar_roster_passkey_registrations_total", where="sign_in") == registered + 1
    # The code's ticket is spent; the new one gets the tokens, once.
    old = await token(demo, grant_type="ticket", ticket=first["ticket"])
    assert old.status_code == 400 and old.json()["code"] == "auth.ticket_invalid"
    tokens = await token(demo, grant_type="ticket", ticket=done["ticket"])
    assert tokens.status_code == 200, tokens.text
    # (The roster's own ES256 tokens are checked through its JWKS where a stack sets that up; a
    # dev token for the same member reads the list here.)
    async with demo.client(await token_for(demo, member_id)) as c:
        own = (await c.get("/api/v1/auth/passkeys")).json()
    assert [p["credential_id"] for p in own] == [b64(key.credential_id)]
    assert own[0]["transports"] == ["internal"] and own[0]["last_used_at"] is None
    # An SP cannot remove the last passkey their posting needs (a lost one is reset by PHQ).
    async with demo.client(await token_for(demo, member_id), language="hi") as c:
        last = await c.delete(f"/api/v1/auth/passkeys/{b64(key.credential_id)}")
    assert last.status_code == 409 and last.json()["code"] == "auth.passkey_last"
    assert "पासकी" in last.json()["title"]

    # Next time: the passkey registered is the one to prove (no second registration).
    second = await ticket_of(demo, phone)
    assert second["needs_passkey"] is True
    request = await options(demo, second["ticket"])
    assert request["mode"] == "authenticate"
    allowed = request["options"]["allowCredentials"]
    assert [c["id"] for c in allowed] == [b64(key.credential_id)]
    assert request["options"]["rpId"] == "localhost"
    ok = await answer(demo, second["ticket"], key.get(request["options"]))
    assert ok.status_code == 200, ok.text
    assert (await token(demo, grant_type="ticket", ticket=ok.json()["ticket"])).status_code == 200
    [stored] = await fetch(
        demo.database, "SELECT sign_count, last_used_at FROM passkeys WHERE member_id = $1",
        member_id,
    )  # fmt: skip
    assert stored["sign_count"] == 1 and stored["last_used_at"] is not None

    kinds = [e["kind"] for e in await events(demo, member_id)][::-1]
    assert kinds[:7] == [
        "code_sent",
        "code_verified",
        "passkey_registered",
        "signed_in",
        "code_sent",
        "code_verified",
        "passkey_used",
    ]
    assert kinds[7] == "signed_in"


def conforms(openapi: dict[str, Any], path: str, method: str, status: str, instance: Any) -> None:
    """`instance` is what the OpenAPI document says this operation answers with `status`."""
    content = openapi["paths"][path][method]["responses"][status]["content"]
    [(_, media)] = content.items()
    schema = {**media["schema"], "components": openapi["components"]}
    jsonschema.validate(instance, schema, cls=jsonschema.Draft202012Validator)


async def test_wrong_origin_old_challenge_replay_and_a_counter_gone_back_are_refused(
    demo: Running,
) -> None:
    member_id, phone, _ = await sp_with_district(demo, 1)
    key = SoftAuthenticator()
    origin_failures = counted("nazar_roster_passkey_failures_total", reason="origin")
    first = await ticket_of(demo, phone)
    registered = await answer(
        demo, first["ticket"], key.create((await options(demo, first["ticket"]))["options"])
    )
    assert registered.status_code == 200, registered.text
    signing_in = (await ticket_of(demo, phone))["ticket"]

    async def refused(credential: dict[str, Any], code: str, reason: str | None) -> None:
        r = await answer(demo, signing_in, credential)
        assert r.status_code in (401, 409, 410) and r.json()["code"] == code, r.text
        if reason:
            assert r.json()["reason"] == reason

    # Another site asked the authenticator: its origin is in what was signed.
    await refused(
        key.get((await options(demo, signing_in))["options"], origin="https://evil.example"),
        "auth.passkey_failed",
        "origin",
    )
    # The first answer spent the challenge: the same answer again finds none.
    request = (await options(demo, signing_in))["options"]
    forged_rp = SoftAuthenticator(rp_id="evil.example")
    forged_rp.key, forged_rp.credential_id = key.key, key.credential_id
    await refused(forged_rp.get(request), "auth.passkey_failed", "rp_id")
    await refused(key.get(request), "auth.passkey_no_challenge", None)
    # Options asked for twice: an answer over the first (replaced) challenge is refused.
    stale = (await options(demo, signing_in))["options"]
    await options(demo, signing_in)
    await refused(key.get(stale), "auth.passkey_failed", "challenge")
    # A cloned authenticator: its counter is behind the one the roster has seen.
    await execute(
        demo.database, "UPDATE passkeys SET sign_count = 10 WHERE member_id = $1", member_id
    )
    await refused(
        key.get((await options(demo, signing_in))["options"], count=3),
        "auth.passkey_failed",
        "sign_count",
    )
    # A key that is not one of the member's.
    await refused(
        SoftAuthenticator().get((await options(demo, signing_in))["options"]),
        "auth.passkey_failed",
        "unknown_credential",
    )
    # An expired challenge.
    request = (await options(demo, signing_in))["options"]
    await execute(
        demo.database,
        "UPDATE passkey_challenges SET expires_at = now() - interval '1 second'"
        " WHERE member_id = $1",
        member_id,
    )
    await refused(key.get(request, count=50), "auth.passkey_expired", None)
    # None of it let the ticket through; the right answer does.
    still = await token(demo, grant_type="ticket", ticket=signing_in)
    assert still.status_code == 403 and still.json()["code"] == "auth.passkey_required"
    good = key.get((await options(demo, signing_in))["options"], count=51)
    ok = await answer(demo, signing_in, good)
    assert ok.status_code == 200, ok.text
    # The same answer replayed with the new ticket: no challenge is pending any more.
    replay = await answer(demo, ok.json()["ticket"], good)
    assert replay.status_code == 409 and replay.json()["code"] == "auth.passkey_no_challenge"
    async with demo.client(language="hi") as c:
        hindi = await c.post(
            "/api/v1/auth/passkeys/verify", json={"ticket": ok.json()["ticket"], "credential": good}
        )
    assert "पासकी" in hindi.json()["title"]

    assert counted("nazar_roster_passkey_failures_total", reason="origin") == origin_failures + 1
    failures = [e for e in await events(demo, member_id) if e["kind"] == "passkey_failed"]
    assert {e["detail"]["reason"] for e in failures} >= {
        "origin", "rp_id", "no_challenge", "challenge", "sign_count", "unknown_credential",
        "expired",
    }  # fmt: skip


async def test_a_member_adds_a_passkey_and_the_districts_sp_resets_it(demo: Running) -> None:
    sp_id, _, district = await sp_with_district(demo, 0)
    other_sp, _, _ = await sp_with_district(demo, 1)
    member_id, phone = await constable_in(demo, district)
    mine = await token_for(demo, member_id)
    key = SoftAuthenticator()

    # A constable needs no passkey but may add one; from then on it is asked for at sign-in.
    assert (await ticket_of(demo, phone))["needs_passkey"] is False
    async with demo.client(mine) as c:
        r = await c.post("/api/v1/auth/passkeys/register/options")
        assert r.status_code == 200 and r.json()["mode"] == "register"
        added = await c.post(
            "/api/v1/auth/passkeys/register/verify",
            json={"credential": key.create(r.json()["options"])},
        )
        assert added.status_code == 201, added.text
        assert added.json()["credential_id"] == b64(key.credential_id)
        again = await c.post(
            "/api/v1/auth/passkeys/register/verify",
            json={"credential": key.create(r.json()["options"])},
        )
        assert again.status_code == 409 and again.json()["code"] == "auth.passkey_no_challenge"
    assert (await ticket_of(demo, phone))["needs_passkey"] is True

    path = f"/api/v1/members/{member_id}/passkeys"
    # A constable, another district's SP, and anyone on themself are refused.
    for token_ in (
        await token_for(demo, (await constable_in(demo, district, 1))[0]),
        await token_for(demo, other_sp),
    ):
        async with demo.client(token_) as c:
            r = await c.delete(path)
        assert r.status_code == 403, r.text
    sp_token = await token_for(demo, sp_id)
    async with demo.client(sp_token) as c:
        own = await c.delete(f"/api/v1/members/{sp_id}/passkeys")
        assert own.status_code == 403 and own.json()["code"] == "auth.passkey_reset_own"
        reset = await c.delete(path)
    assert reset.status_code == 200 and reset.json() == {"member_id": member_id, "removed": 1}
    assert (await ticket_of(demo, phone))["needs_passkey"] is False
    [event] = [e for e in await events(demo, member_id) if e["kind"] == "passkey_reset"]
    assert event["detail"]["by"] == sp_id and event["detail"]["removed"] == 1
    assert event["detail"]["grant"] == f"sp:{district}"

    # An SP's passkey is PHQ's to reset.
    async with demo.client(await token_for(demo, other_sp)) as c:
        assert (await c.delete(f"/api/v1/members/{sp_id}/passkeys")).status_code == 403
    async with demo.client(hq_token()) as c:
        by_hq = await c.delete(f"/api/v1/members/{sp_id}/passkeys")
    assert by_hq.status_code == 200, by_hq.text

    # After the reset the code alone registers a first passkey again, but never a second one:
    # a passkey added meanwhile (here through the account) stops the sign-in's registration.
    ticket = (await ticket_of(demo, phone))["ticket"]
    creation = (await options(demo, ticket))["options"]
    other = SoftAuthenticator()
    async with demo.client(mine) as c:
        r = await c.post("/api/v1/auth/passkeys/register/options")
        added = await c.post(
            "/api/v1/auth/passkeys/register/verify",
            json={"credential": other.create(r.json()["options"])},
        )
        assert added.status_code == 201, added.text
    late = await answer(demo, ticket, SoftAuthenticator().create(creation))
    assert late.status_code == 409 and late.json()["code"] == "auth.passkey_exists"
    # A constable may remove their own, even the last; then it is gone.
    async with demo.client(mine) as c:
        path_ = f"/api/v1/auth/passkeys/{b64(other.credential_id)}"
        assert (await c.delete(path_)).status_code == 204
        gone = await c.delete(path_)
        assert gone.status_code == 404 and gone.json()["code"] == "auth.passkey_not_found"
        assert (await c.get("/api/v1/auth/passkeys")).json() == []


async def test_the_sign_in_audit_is_phqs_and_never_holds_a_number_or_a_code(
    demo: Running,
) -> None:
    [*_, (member_id, phone)] = await phones_of(demo.database, "constable", 40)
    answer_ = await ticket_of(demo, phone)
    tokens = (await token(demo, grant_type="ticket", ticket=answer_["ticket"])).json()
    # Wrong codes and a lockout.
    r = await post(demo, "/api/v1/auth/codes", {"phone": phone})
    sign_in_id = r.json()["sign_in_id"]
    for _ in range(5):
        await post(demo, "/api/v1/auth/codes/verify", {"sign_in_id": sign_in_id, "code": "000000"})
    # A copied refresh token, then a deactivation.
    first = tokens["refresh_token"]
    await token(demo, grant_type="refresh_token", refresh_token=first)
    await token(demo, grant_type="refresh_token", refresh_token=first)
    again = (
        await token(demo, grant_type="ticket", ticket=(await ticket_of(demo, phone))["ticket"])
    ).json()
    await post(demo, "/api/v1/auth/sign-out", {"refresh_token": again["refresh_token"]})
    third = (
        await token(demo, grant_type="ticket", ticket=(await ticket_of(demo, phone))["ticket"])
    ).json()
    assert third["refresh_token"]
    async with demo.client(hq_token()) as c:
        assert (
            await c.patch(f"/api/v1/members/{member_id}", json={"active": False})
        ).status_code == 200

    found = await events(demo, member_id)
    kinds = {e["kind"] for e in found}
    assert kinds >= {
        "code_sent", "code_verified", "signed_in", "code_wrong", "code_locked",
        "refresh_reused", "signed_out", "sessions_revoked",
    }  # fmt: skip
    [sent, *_] = [e for e in found if e["kind"] == "code_sent"]
    assert sent["detail"]["channel"] == "whatsapp" and sent["ip"] == "127.0.0.1"
    assert sent["request_id"]
    [revoked] = [e for e in found if e["kind"] == "sessions_revoked"]
    assert revoked["detail"] == {"why": "deactivated", "families": 1}
    rows = await fetch(demo.database, "SELECT detail::text AS d, member_id FROM auth_events")
    text = " ".join(r["d"] for r in rows)
    assert phone not in text and phone[3:] not in text
    # Append-only, whoever asks.
    with pytest.raises(Exception, match="append-only"):
        await execute(demo.database, "DELETE FROM auth_events")
    # Paged and filtered; HQ only.
    async with demo.client(hq_token()) as c:
        page = (
            await c.get("/api/v1/auth/events", params={"kind": "code_locked", "limit": 1})
        ).json()
        assert [e["kind"] for e in page["items"]] == ["code_locked"]
    async with demo.client(await token_for(demo, (await sp_with_district(demo, 0))[0])) as c:
        assert (await c.get("/api/v1/auth/events")).status_code == 403


async def test_the_answers_are_the_ones_the_openapi_document_describes(demo: Running) -> None:
    member_id, phone = await constable_in(demo, DISTRICTS[1])
    async with demo.client() as c:
        openapi = (await c.get("/openapi.json")).json()
    ticket = (await ticket_of(demo, phone))["ticket"]
    r = await post(demo, "/api/v1/auth/passkeys/options", {"ticket": ticket})
    conforms(openapi, "/api/v1/auth/passkeys/options", "post", "200", r.json())
    wrong = await answer(demo, ticket, SoftAuthenticator().get(r.json()["options"]))
    conforms(openapi, "/api/v1/auth/passkeys/verify", "post", str(wrong.status_code), wrong.json())
    async with demo.client(hq_token()) as c:
        page = (await c.get("/api/v1/auth/events", params={"member": member_id})).json()
        conforms(openapi, "/api/v1/auth/events", "get", "200", page)
        reset = await c.delete(f"/api/v1/members/{member_id}/passkeys")
        conforms(openapi, "/api/v1/members/{member_id}/passkeys", "delete", "200", reset.json())
    async with demo.client(await token_for(demo, member_id)) as c:
        listed = (await c.get("/api/v1/auth/passkeys")).json()
        conforms(openapi, "/api/v1/auth/passkeys", "get", "200", listed)
        made = await c.post("/api/v1/auth/passkeys/register/options")
        conforms(openapi, "/api/v1/auth/passkeys/register/options", "post", "200", made.json())
        key = SoftAuthenticator()
        added = await c.post(
            "/api/v1/auth/passkeys/register/verify",
            json={"credential": key.create(made.json()["options"])},
        )
        conforms(openapi, "/api/v1/auth/passkeys/register/verify", "post", "201", added.json())
