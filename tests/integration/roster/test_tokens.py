"""Issue 16 item 2 on the roster: tokens. A verified ticket, once, for an ES256 access token that
verifies against the JWKS the roster serves and carries the member's grants, and a refresh token
that rotates on every use; a refresh token presented again revokes its family; sign-out and
deactivation revoke; a posting change shows at the next refresh; a new signing key is published
before it signs. Runs on the demo roster in real PostgreSQL and Kafka."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import jwt
import pytest
from nazar_platform.auth.tokens import AuthSettings, Principal, TokenVerifier
from roster.app import manage_keys
from roster.handlers.sign_in_codes import forget_old

from tests.conftest import DatabaseFactory
from tests.integration.roster.support import Running, demo_roster, hq_token, settings_for
from tests.integration.roster.test_sign_in_codes import (
    ask,
    code_requests,
    execute,
    fetch,
    open_code,
    phones_of,
    verify,
)


@pytest.fixture(scope="module")
async def demo(
    databases: DatabaseFactory, kafka_bootstrap: str, demo_files: Path
) -> AsyncIterator[Running]:
    async with demo_roster(databases, kafka_bootstrap, demo_files, "roster_tokens") as running:
        yield running


async def ticket_of(demo: Running, phone: str) -> dict[str, Any]:
    """Code asked for, read from the topic as the publisher would, verified: the ticket answer."""
    r = await ask(demo, phone)
    assert r.status_code == 202, r.text
    sign_in_id = r.json()["sign_in_id"]
    code = open_code(demo, (await code_requests(demo))[sign_in_id])
    ok = await verify(demo, sign_in_id, code)
    assert ok.status_code == 200, ok.text
    answer: dict[str, Any] = ok.json()
    answer["sign_in_id"] = uuid.UUID(sign_in_id)
    return answer


async def token(demo: Running, language: str = "en", **body: str) -> Any:
    async with demo.client(language=language) as c:
        return await c.post("/api/v1/auth/token", json=body)


async def signed_in(demo: Running, phone: str) -> dict[str, Any]:
    ticket = (await ticket_of(demo, phone))["ticket"]
    r = await token(demo, grant_type="ticket", ticket=ticket)
    assert r.status_code == 200, r.text
    answer: dict[str, Any] = r.json()
    return answer


async def refreshed(demo: Running, refresh_token: str) -> Any:
    return await token(demo, grant_type="refresh_token", refresh_token=refresh_token)


def verifier(demo: Running) -> TokenVerifier:
    """How every service checks a token: the platform's verifier on the roster's JWKS."""
    return TokenVerifier(
        AuthSettings(jwks_url=f"{demo.url}/.well-known/jwks.json", algorithms=("ES256",))
    )


async def principal(demo: Running, access_token: str, keys: TokenVerifier | None = None) -> Any:
    # The verifier fetches the JWKS synchronously; the roster runs on this loop.
    checker = keys or verifier(demo)
    found: Principal = await asyncio.to_thread(checker.verify, access_token)
    return found


async def grants_of(demo: Running, member_id: str) -> set[tuple[str, str]]:
    rows = await fetch(
        demo.database, "SELECT role, unit_id FROM postings WHERE member_id = $1", member_id
    )
    return {(r["role"], r["unit_id"]) for r in rows}


async def test_a_ticket_gives_a_token_the_jwks_verifies_with_the_members_grants_once(
    demo: Running,
) -> None:
    [(member_id, phone)] = await phones_of(demo.database, "constable", 1)
    ticket = (await ticket_of(demo, phone))["ticket"]
    r = await token(demo, grant_type="ticket", ticket=ticket)
    assert r.status_code == 200, r.text
    assert r.headers["cache-control"] == "no-store"
    body = r.json()
    assert body["token_type"] == "Bearer" and body["member_id"] == member_id
    assert body["expires_in"] == 15 * 60 and len(body["refresh_token"]) >= 40
    # Who signed in, by name, for the consoles' header: the member's names, each posting's role,
    # unit and unit kind by name in Hindi and English (issue 20: never a code where a name is).
    [named] = await fetch(
        demo.database,
        """SELECT m.name_hi, m.name_latin, u.name_hi AS unit_hi, u.name_en AS unit_en
           FROM members m JOIN postings p USING (member_id) JOIN units u USING (unit_id)
           WHERE m.member_id = $1 AND p.is_primary""",
        member_id,
    )
    assert body["name"] == {"hi": named["name_hi"], "en": named["name_latin"]}
    posting = body["postings"][0]
    assert posting["role"] == "constable"
    assert posting["role_name"] == {"hi": "कांस्टेबल", "en": "Constable"}
    assert posting["unit_kind"] == "police_station"
    assert posting["unit_kind_name"] == {"hi": "थाना", "en": "Police station"}
    assert posting["unit_name"] == {"hi": named["unit_hi"], "en": named["unit_en"]}

    header = jwt.get_unverified_header(body["access_token"])
    assert header["alg"] == "ES256" and header["kid"].startswith("roster-")
    found = await principal(demo, body["access_token"])
    assert found.member_id == member_id
    assert {(str(g.role), g.unit_id) for g in found.grants} == await grants_of(demo, member_id)
    # The signing key is published; its private half is stored only sealed.
    async with demo.client() as c:
        jwks = (await c.get("/.well-known/jwks.json")).json()
    assert header["kid"] in {k["kid"] for k in jwks["keys"]}
    assert all(set(k) >= {"kty", "crv", "x", "y", "kid"} and "d" not in k for k in jwks["keys"])
    [stored] = await fetch(
        demo.database, "SELECT private_key FROM signing_keys WHERE kid = $1", header["kid"]
    )
    assert "PRIVATE KEY" not in stored["private_key"]
    # Neither the ticket nor the refresh token is stored as given.
    for table in ("sign_ins", "refresh_tokens"):
        rows = await fetch(demo.database, f"SELECT * FROM {table}")
        stored_text = b"".join(
            v if isinstance(v, bytes) else str(v).encode() for row in rows for v in row.values()
        )
        assert ticket.encode() not in stored_text
        assert body["refresh_token"].encode() not in stored_text

    again = await token(demo, "hi", grant_type="ticket", ticket=ticket)
    assert again.status_code == 400 and again.json()["code"] == "auth.ticket_used"
    assert "पहले ही" in again.json()["title"]
    forged = await token(demo, grant_type="ticket", ticket="x" * 43)
    assert forged.status_code == 400 and forged.json()["code"] == "auth.ticket_invalid"


async def test_an_expired_ticket_is_refused(demo: Running) -> None:
    [_, (_, phone)] = await phones_of(demo.database, "constable", 2)
    answer = await ticket_of(demo, phone)
    await execute(
        demo.database,
        "UPDATE sign_ins SET ticket_expires_at = now() - interval '1 second' WHERE sign_in_id = $1",
        answer["sign_in_id"],
    )
    r = await token(demo, grant_type="ticket", ticket=answer["ticket"])
    assert r.status_code == 400 and r.json()["code"] == "auth.ticket_expired"


async def test_a_sign_in_that_needs_a_passkey_gets_no_tokens_before_it(demo: Running) -> None:
    [(_, phone)] = await phones_of(demo.database, "sp", 1)
    answer = await ticket_of(demo, phone)
    assert answer["needs_passkey"] is True
    r = await token(demo, "hi", grant_type="ticket", ticket=answer["ticket"])
    assert r.status_code == 403 and r.json()["code"] == "auth.passkey_required"
    assert "पासकी" in r.json()["title"]
    # Item 3 records the passkey; the ticket then works, once.
    await execute(
        demo.database,
        "UPDATE sign_ins SET passkey_verified_at = now() WHERE sign_in_id = $1",
        answer["sign_in_id"],
    )
    ok = await token(demo, grant_type="ticket", ticket=answer["ticket"])
    assert ok.status_code == 200, ok.text


async def test_refresh_rotates_and_an_old_refresh_token_again_revokes_the_family(
    demo: Running,
) -> None:
    [*_, (member_id, phone)] = await phones_of(demo.database, "constable", 3)
    first = await signed_in(demo, phone)
    second_r = await refreshed(demo, first["refresh_token"])
    assert second_r.status_code == 200, second_r.text
    second = second_r.json()
    assert second["refresh_token"] != first["refresh_token"]
    assert (await principal(demo, second["access_token"])).member_id == member_id
    third = (await refreshed(demo, second["refresh_token"])).json()

    # The first token again: it was copied. The family ends, the newest token with it.
    reuse = await refreshed(demo, first["refresh_token"])
    assert reuse.status_code == 401 and reuse.json()["code"] == "auth.refresh_reused"
    newest = await refreshed(demo, third["refresh_token"])
    assert newest.status_code == 401 and newest.json()["code"] == "auth.refresh_revoked"
    [family] = await fetch(
        demo.database,
        "SELECT revoked_why FROM refresh_families WHERE member_id = $1",
        member_id,
    )
    assert family["revoked_why"] == "reuse"
    # A new sign-in is a new family.
    fresh = await signed_in(demo, phone)
    assert (await refreshed(demo, fresh["refresh_token"])).status_code == 200


async def test_sign_out_revokes_the_family(demo: Running) -> None:
    [*_, (_, phone)] = await phones_of(demo.database, "constable", 4)
    tokens = await signed_in(demo, phone)
    async with demo.client() as c:
        out = await c.post("/api/v1/auth/sign-out", json={"refresh_token": tokens["refresh_token"]})
    assert out.status_code == 204
    r = await refreshed(demo, tokens["refresh_token"])
    assert r.status_code == 401 and r.json()["code"] == "auth.refresh_revoked"


async def test_deactivation_revokes_refresh_at_once(demo: Running) -> None:
    [*_, (member_id, phone)] = await phones_of(demo.database, "constable", 5)
    tokens = await signed_in(demo, phone)
    async with demo.client(hq_token()) as c:
        r = await c.patch(f"/api/v1/members/{member_id}", json={"active": False})
        assert r.status_code == 200, r.text
    refused = await refreshed(demo, tokens["refresh_token"])
    assert refused.status_code == 401 and refused.json()["code"] == "auth.refresh_revoked"
    [family] = await fetch(
        demo.database, "SELECT revoked_why FROM refresh_families WHERE member_id = $1", member_id
    )
    assert family["revoked_why"] == "deactivated"


async def test_erasure_revokes_refresh_by_the_same_trigger(demo: Running) -> None:
    [*_, (member_id, phone)] = await phones_of(demo.database, "constable", 6)
    tokens = await signed_in(demo, phone)
    await execute(
        demo.database, "UPDATE members SET erased_at = now() WHERE member_id = $1", member_id
    )
    refused = await refreshed(demo, tokens["refresh_token"])
    assert refused.status_code == 401 and refused.json()["code"] == "auth.refresh_revoked"


async def test_a_posting_change_shows_in_the_next_refresh(demo: Running) -> None:
    [*_, (member_id, phone)] = await phones_of(demo.database, "constable", 7)
    tokens = await signed_in(demo, phone)
    before = await principal(demo, tokens["access_token"])
    [(old_unit,)] = {(g.unit_id,) for g in before.grants}
    [other] = await fetch(
        demo.database,
        "SELECT unit_id FROM postings WHERE role = 'constable' AND unit_id <> $1 LIMIT 1",
        old_unit,
    )
    async with demo.client(hq_token()) as c:
        r = await c.patch(
            f"/api/v1/members/{member_id}",
            json={
                "postings": [{"role": "constable", "unit_id": other["unit_id"], "primary": True}]
            },
        )
        assert r.status_code == 200, r.text
    # The access token in hand keeps its grants until it expires; the next one has the new ones.
    after = (await refreshed(demo, tokens["refresh_token"])).json()
    grants = {
        (str(g.role), g.unit_id) for g in (await principal(demo, after["access_token"])).grants
    }
    assert grants == {("constable", other["unit_id"])}


async def test_a_browser_gets_the_refresh_token_as_a_strict_cookie_from_its_own_origin_only(
    demo: Running,
) -> None:
    [*_, (_, phone)] = await phones_of(demo.database, "constable", 8)
    ticket = (await ticket_of(demo, phone))["ticket"]
    async with demo.client() as c:
        foreign = await c.post(
            "/api/v1/auth/token",
            json={"grant_type": "ticket", "ticket": ticket},
            headers={"Origin": "https://evil.example"},
        )
        assert foreign.status_code == 403 and foreign.json()["code"] == "auth.origin_refused"
        r = await c.post(
            "/api/v1/auth/token",
            json={"grant_type": "ticket", "ticket": ticket},
            headers={"Origin": demo.url},
        )
        assert r.status_code == 200, r.text
        assert r.json()["refresh_token"] is None
        cookie = r.headers["set-cookie"].lower()
        assert "nazar_refresh=" in cookie and "httponly" in cookie and "samesite=strict" in cookie
        assert "path=/api/v1/auth" in cookie
        # The cookie, not the body, refreshes (and rotates).
        first = c.cookies["nazar_refresh"]
        again = await c.post(
            "/api/v1/auth/token",
            json={"grant_type": "refresh_token"},
            headers={"Origin": demo.url},
        )
        assert again.status_code == 200, again.text
        assert c.cookies["nazar_refresh"] != first
        # The old cookie again: the family ends and the answer clears the cookie.
        c.cookies.clear()
        reused = await c.post(
            "/api/v1/auth/token",
            json={"grant_type": "refresh_token"},
            headers={"Origin": demo.url, "Cookie": f"nazar_refresh={first}"},
        )
        assert reused.status_code == 401 and reused.json()["code"] == "auth.refresh_reused"
        cleared = reused.headers["set-cookie"].lower()
        assert "nazar_refresh=" in cleared and "max-age=0" in cleared
    # Sign-out from a browser clears the cookie too.
    browser = await signed_in_browser(demo, (await ticket_of(demo, phone))["ticket"])
    async with demo.client() as c:
        out = await c.post(
            "/api/v1/auth/sign-out",
            json={},
            headers={"Origin": demo.url, "Cookie": f"nazar_refresh={browser}"},
        )
        assert out.status_code == 204 and "max-age=0" in out.headers["set-cookie"].lower()
    r = await refreshed(demo, browser)
    assert r.status_code == 401 and r.json()["code"] == "auth.refresh_revoked"


async def signed_in_browser(demo: Running, ticket: str) -> str:
    """The refresh cookie a browser gets for this ticket."""
    async with demo.client() as c:
        r = await c.post(
            "/api/v1/auth/token",
            json={"grant_type": "ticket", "ticket": ticket},
            headers={"Origin": demo.url},
        )
        assert r.status_code == 200, r.text
        return str(c.cookies["nazar_refresh"])


async def test_the_retention_sweep_keeps_live_sessions_and_drops_expired_refresh_tokens(
    demo: Running,
) -> None:
    [*_, (member_id, phone)] = await phones_of(demo.database, "constable", 10)
    tokens = await signed_in(demo, phone)
    # The sign-in rows go after a day; the session they started lives on.
    assert await forget_old(demo.app.state.sign_in_codes, timedelta(0)) >= 1
    r = await refreshed(demo, tokens["refresh_token"])
    assert r.status_code == 200, r.text
    await execute(
        demo.database,
        """UPDATE refresh_tokens SET expires_at = now() - interval '1 second'
           WHERE family_id IN (SELECT family_id FROM refresh_families WHERE member_id = $1)""",
        member_id,
    )
    assert await demo.app.state.sessions.forget_expired() >= 2
    assert not await fetch(
        demo.database, "SELECT 1 FROM refresh_families WHERE member_id = $1", member_id
    )
    gone = await refreshed(demo, r.json()["refresh_token"])
    assert gone.status_code == 401 and gone.json()["code"] == "auth.refresh_invalid"


async def test_a_new_key_is_published_before_it_signs_and_the_old_one_until_its_tokens_expire(
    demo: Running, capsys: pytest.CaptureFixture[str]
) -> None:
    """Last in the module: the rotation leaves a next key in the shared database."""
    [*_, (_, phone)] = await phones_of(demo.database, "constable", 11)
    before = await signed_in(demo, phone)
    old_kid = jwt.get_unverified_header(before["access_token"])["kid"]
    keys = demo.app.state.signing_keys
    policy = keys.policy
    now = datetime.now(UTC)

    new_kid = await keys.rotate(force=True, now=now)
    assert new_kid is not None and new_kid != old_kid
    assert await keys.rotate(force=True, now=now) is None  # one next key at a time
    # What an operator sees (`python -m roster keys`).
    settings = settings_for(demo.database, demo.bootstrap, demo.topics)
    assert await manage_keys(settings, rotate=True) == 0
    listed = capsys.readouterr().out.splitlines()
    assert listed[0] == "a next key is published already; nothing added"
    assert listed[1].startswith(f"{old_kid}: current") and listed[2].startswith(f"{new_kid}: next")
    # Published at once, signing only after the lead (longer than any verifier's JWKS cache).
    async with demo.client() as c:
        served = {k["kid"] for k in (await c.get("/.well-known/jwks.json")).json()["keys"]}
    assert {old_kid, new_kid} <= served
    assert (await keys.signer(now))[0] == old_kid
    assert (await keys.signer(now + policy.publish_lead - timedelta(seconds=1)))[0] == old_kid
    switch = now + policy.publish_lead
    assert (await keys.signer(switch))[0] == new_kid
    # The old key's tokens still verify after the rotation, through a fresh verifier.
    assert (await principal(demo, before["access_token"])).member_id == before["member_id"]
    # After the switch both keys are published until the old key's last token has expired.
    assert {k["kid"] for k in (await keys.jwks(switch))["keys"]} == {old_kid, new_kid}
    gone = switch + policy.token_life + timedelta(minutes=1, seconds=1)
    assert {k["kid"] for k in (await keys.jwks(gone))["keys"]} == {new_kid}

    # A token the new key signs verifies with the key the JWKS serves today.
    signed = await demo.app.state.sessions.refresh(before["refresh_token"], now=switch)
    assert jwt.get_unverified_header(signed.access_token)["kid"] == new_kid
    async with demo.client() as c:
        jwks = (await c.get("/.well-known/jwks.json")).json()
    [jwk] = [k for k in jwks["keys"] if k["kid"] == new_kid]
    claims = jwt.decode(
        signed.access_token,
        jwt.PyJWK(jwk).key,
        algorithms=["ES256"],
        audience=AuthSettings().audience,
        options={"verify_iat": False, "verify_nbf": False, "verify_exp": False},
    )
    assert claims["sub"] == before["member_id"]
    assert uuid.UUID(claims["jti"])
