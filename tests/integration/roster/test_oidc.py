"""Issue 16 item 6 on the roster: OpenID Connect, a second way in for officers, against the fake
provider of tools/fakes (discovery, PKCE, client secret, RS256 ID tokens through its JWKS).

An officer comes back from the provider to the sign-in page with the same one-time ticket a code
gives (channel `oidc`), passkey rule included; ID tokens with a wrong audience, issuer, nonce,
signature or an expired one, a bad or reused state, a volunteer, an inactive member and an
unknown subject are refused, the last three alike. Runs on the demo roster in real PostgreSQL
and Kafka."""

from __future__ import annotations

import dataclasses
import socket
from collections.abc import AsyncIterator, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import asyncpg
import httpx
import pytest
from aiohttp import web
from nazar_fakes.oidc import FakeOidc, oidc_app
from roster.adapters.oidc import OidcProvider
from roster.handlers.oidc_sign_in import OidcSignIn, forget_expired

from tests.conftest import DatabaseFactory
from tests.integration.roster.support import Running, demo_roster
from tests.integration.roster.test_sign_in_codes import execute, fetch
from tests.integration.roster.test_tokens import principal, token

CLIENT_ID = "nazar-roster-test"
CLIENT_SECRET = "fake-oidc-client-secret-for-tests"
# The browser comes back to the roster's callback at the one origin; the test plays the browser
# and calls the roster it runs, so the host here only has to match between the two legs.
CALLBACK = "https://nazar.test/api/v1/auth/oidc/callback"
PAGE = "/sign-in"  # the roster's own sign-in page: the default, as the redirect URL has no prefix


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


@pytest.fixture(scope="module")
async def provider() -> AsyncIterator[FakeOidc]:
    port = _free_port()
    fake = FakeOidc(f"http://127.0.0.1:{port}", CLIENT_ID, CLIENT_SECRET)
    runner = web.AppRunner(oidc_app(fake), handle_signals=False)
    await runner.setup()
    await web.TCPSite(runner, "127.0.0.1", port).start()
    try:
        yield fake
    finally:
        await runner.cleanup()


@pytest.fixture(scope="module")
async def demo(
    databases: DatabaseFactory, kafka_bootstrap: str, demo_files: Path, provider: FakeOidc
) -> AsyncIterator[Running]:
    async with demo_roster(
        databases,
        kafka_bootstrap,
        demo_files,
        "roster_oidc",
        oidc_issuer=provider.issuer,
        oidc_client_id=CLIENT_ID,
        oidc_client_secret=CLIENT_SECRET,
        oidc_redirect_url=CALLBACK,
    ) as running:
        yield running


async def officer(demo: Running, role: str, unit_prefix: str = "") -> tuple[str, str]:
    """(member id, personnel number) of an active member posted as `role`."""
    [row] = await fetch(
        demo.database,
        """SELECT m.member_id, m.personnel_no FROM members m
           JOIN postings p ON p.member_id = m.member_id AND p.role = $1
           WHERE m.active AND m.personnel_no IS NOT NULL AND p.unit_id LIKE $2 || '%'
           ORDER BY m.member_id LIMIT 1""",
        role,
        unit_prefix,
    )
    return row["member_id"], row["personnel_no"]


def user(fake: FakeOidc, login: str, **claims: Any) -> str:
    fake.config["users"][login] = {"sub": f"sso-{login}", **claims}
    return login


@contextmanager
def misbehaving(fake: FakeOidc, how: str) -> Iterator[None]:
    fake.config["misbehave"] = how
    try:
        yield
    finally:
        fake.config["misbehave"] = None


async def sso(
    demo: Running,
    login: str,
    *,
    next_path: str = "/console/directives?tab=inbox",
    state: str | None = None,
    cookie: bool = True,
) -> tuple[str, dict[str, str]]:
    """Start → the provider (as `login`) → the callback, as a browser goes; the sign-in page's
    path and query the roster sends it to at the end."""
    async with demo.client() as browser, httpx.AsyncClient(timeout=30) as to_provider:
        started = await browser.get("/api/v1/auth/oidc/start", params={"next": next_path})
        assert started.status_code == 302, started.text
        assert started.headers["cache-control"] == "no-store"
        authorize = httpx.URL(started.headers["location"])
        came_back = await to_provider.get(authorize.copy_merge_params({"login_hint": login}))
        assert came_back.status_code == 302, came_back.text
        back = httpx.URL(came_back.headers["location"])
        assert str(back.copy_with(query=None)) == CALLBACK
        params = dict(back.params)
        if state is not None:
            params["state"] = state
        if not cookie:
            browser.cookies.clear()
        answer = await browser.get("/api/v1/auth/oidc/callback", params=params)
    assert answer.status_code == 302, answer.text
    assert answer.headers["cache-control"] == "no-store"
    target = urlsplit(answer.headers["location"])
    return target.path, {k: v[0] for k, v in parse_qs(target.query).items()}


async def test_the_sign_in_page_learns_of_the_single_sign_on(demo: Running) -> None:
    async with demo.client() as c:
        r = await c.get("/api/v1/auth/methods")
    assert r.status_code == 200
    assert r.json() == {
        "oidc": {
            "name": {"hi": "राज्य एकल साइन-ऑन", "en": "State single sign-on"},
            "start": "/api/v1/auth/oidc/start",
        }
    }


async def test_start_sends_the_browser_to_the_provider_with_state_nonce_and_pkce(
    demo: Running, provider: FakeOidc
) -> None:
    async with demo.client() as c:
        r = await c.get("/api/v1/auth/oidc/start", params={"next": "/console"})
    assert r.status_code == 302
    url = httpx.URL(r.headers["location"])
    assert str(url).startswith(f"{provider.issuer}/authorize?")
    q = url.params
    assert q["client_id"] == CLIENT_ID and q["response_type"] == "code"
    assert q["redirect_uri"] == CALLBACK and "openid" in q["scope"].split()
    assert q["code_challenge_method"] == "S256" and len(q["code_challenge"]) == 43
    assert len(q["state"]) >= 40 and len(q["nonce"]) >= 40
    cookie = r.headers["set-cookie"]
    assert cookie.startswith(f"nazar_oidc={q['state']};")
    assert "HttpOnly" in cookie and "SameSite=lax" in cookie
    assert "Path=/api/v1/auth/oidc/callback" in cookie
    # The state is kept only as a keyed hash.
    rows = await fetch(demo.database, "SELECT state_key, nonce FROM oidc_states")
    assert q["nonce"] in {r["nonce"] for r in rows}
    assert all(q["state"].encode() not in bytes(r["state_key"]) for r in rows)


async def test_a_phq_officer_signs_in_and_must_add_a_passkey_before_the_tokens(
    demo: Running, provider: FakeOidc
) -> None:
    member_id, personnel_no = await officer(demo, "adg", "BR-CRIME")
    login = user(provider, "adg-crime", employee_id=personnel_no.lower(), name="ADG Crime")
    page, query = await sso(demo, login)
    assert page == PAGE
    assert set(query) == {"ticket", "needs_passkey", "next"}
    assert query["needs_passkey"] == "true" and query["next"] == "/console/directives?tab=inbox"
    [row] = await fetch(
        demo.database,
        """SELECT channel, phone_key, code_hash, ticket_hash, needs_passkey, redeemed_at
           FROM sign_ins WHERE member_id = $1 AND channel = 'oidc'""",
        member_id,
    )
    assert row["phone_key"] is None and row["code_hash"] is None and row["needs_passkey"]
    assert query["ticket"].encode() not in bytes(row["ticket_hash"])
    # Passkeys arrive on another branch: until one is verified, the token step refuses.
    r = await token(demo, grant_type="ticket", ticket=query["ticket"])
    assert r.status_code == 403 and r.json()["code"] == "auth.passkey_required"


async def test_an_sho_signs_in_and_trades_the_ticket_once_for_tokens(
    demo: Running, provider: FakeOidc
) -> None:
    member_id, personnel_no = await officer(demo, "sho")
    login = user(provider, "sho", employee_id=personnel_no)
    page, query = await sso(demo, login, next_path="/inbox")
    assert page == PAGE and query["needs_passkey"] == "false" and query["next"] == "/inbox"
    r = await token(demo, grant_type="ticket", ticket=query["ticket"])
    assert r.status_code == 200, r.text
    assert r.json()["member_id"] == member_id
    assert (await principal(demo, r.json()["access_token"])).member_id == member_id
    again = await token(demo, grant_type="ticket", ticket=query["ticket"])
    assert again.status_code == 400 and again.json()["code"] == "auth.ticket_used"


@pytest.mark.parametrize("how", ["wrong_aud", "wrong_iss", "bad_nonce", "expired", "bad_signature"])
async def test_an_id_token_that_does_not_hold_is_refused(
    demo: Running, provider: FakeOidc, how: str
) -> None:
    _, personnel_no = await officer(demo, "co")
    login = user(provider, "co", employee_id=personnel_no)
    with misbehaving(provider, how):
        page, query = await sso(demo, login, next_path="/console")
    assert (page, query) == (PAGE, {"problem": "auth.oidc_token_invalid", "next": "/console"})


async def test_a_state_not_given_to_this_browser_or_used_before_is_refused(
    demo: Running, provider: FakeOidc
) -> None:
    _, personnel_no = await officer(demo, "co")
    login = user(provider, "co", employee_id=personnel_no)
    refused = {"problem": "auth.oidc_state_invalid", "next": "/"}
    assert await sso(demo, login, state="x" * 43) == (PAGE, refused)
    assert await sso(demo, login, cookie=False) == (PAGE, refused)
    # The same callback twice (a replayed redirect): the state works once.
    async with demo.client() as browser, httpx.AsyncClient(timeout=30) as to_provider:
        started = await browser.get("/api/v1/auth/oidc/start")
        authorize = httpx.URL(started.headers["location"])
        back = await to_provider.get(authorize.copy_merge_params({"login_hint": login}))
        params = dict(httpx.URL(back.headers["location"]).params)
        cookie = browser.cookies.get("nazar_oidc")
        first = await browser.get("/api/v1/auth/oidc/callback", params=params)
        assert "ticket=" in first.headers["location"]
        browser.cookies.set("nazar_oidc", cookie or "")
        second = await browser.get("/api/v1/auth/oidc/callback", params=params)
    assert second.headers["location"] == f"{PAGE}?problem=auth.oidc_state_invalid&next=%2F"


async def test_a_provider_that_says_no_sends_the_browser_back_with_a_problem(
    demo: Running, provider: FakeOidc
) -> None:
    _, personnel_no = await officer(demo, "co")
    login = user(provider, "co", employee_id=personnel_no)
    with misbehaving(provider, "deny"):
        page, query = await sso(demo, login, next_path="/console")
    assert (page, query) == (PAGE, {"problem": "auth.oidc_provider_error", "next": "/console"})


async def test_unknown_inactive_and_volunteers_are_refused_alike(
    demo: Running, provider: FakeOidc
) -> None:
    refused = (PAGE, {"problem": "auth.oidc_refused", "next": "/console"})
    unknown = user(provider, "stranger", employee_id="RJP9999999")
    assert await sso(demo, unknown, next_path="/console") == refused
    no_claim = user(provider, "no-claim")
    assert await sso(demo, no_claim, next_path="/console") == refused

    member_id, personnel_no = await officer(demo, "constable")
    gone = user(provider, "gone", employee_id=personnel_no)
    await execute(
        demo.database, "UPDATE members SET active = false WHERE member_id = $1", member_id
    )
    assert await sso(demo, gone, next_path="/console") == refused

    # A deployment whose single sign-on vouches for phone numbers: a volunteer's is refused,
    # an officer's comes in, an unverified one does not.
    oidc: OidcSignIn = demo.app.state.oidc_sign_in
    demo.app.state.oidc_sign_in = dataclasses.replace(oidc, match="phone_number")
    try:
        [vol] = await fetch(
            demo.database,
            """SELECT c.whatsapp FROM contacts c JOIN members m USING (member_id)
               WHERE m.key_kind <> 'pno' AND m.active AND c.whatsapp IS NOT NULL
                 AND m.consent_state = 'granted' LIMIT 1""",
        )
        volunteer = user(
            provider, "volunteer", phone_number=vol["whatsapp"], phone_number_verified=True
        )
        assert await sso(demo, volunteer, next_path="/console") == refused
        [sho] = await fetch(
            demo.database,
            """SELECT c.whatsapp FROM contacts c JOIN postings p USING (member_id)
               WHERE p.role = 'sho' AND c.whatsapp IS NOT NULL
                 AND (SELECT count(*) FROM contacts o WHERE o.whatsapp = c.whatsapp
                      OR o.sms = c.whatsapp) = 1 LIMIT 1""",
        )
        unverified = user(provider, "unverified", phone_number=sho["whatsapp"])
        assert await sso(demo, unverified, next_path="/console") == refused
        by_phone = user(
            provider, "sho-phone", phone_number=sho["whatsapp"], phone_number_verified=True
        )
        page, query = await sso(demo, by_phone, next_path="/console")
        assert page == PAGE and "ticket" in query
    finally:
        demo.app.state.oidc_sign_in = oidc


async def test_start_refuses_a_page_to_return_to_on_another_site_in_hindi(demo: Running) -> None:
    for bad in ("//evil.example/x", "https://evil.example/", "/\\evil.example", "console"):
        async with demo.client(language="hi") as c:
            r = await c.get("/api/v1/auth/oidc/start", params={"next": bad})
        assert r.status_code == 422, bad
        assert r.json()["code"] == "auth.next_invalid"
        assert r.json()["title"] == "लौटने वाला पृष्ठ इस साइट का नहीं है"


async def test_a_provider_that_rotates_its_key_is_followed_to_its_new_jwks(
    demo: Running, provider: FakeOidc
) -> None:
    _, personnel_no = await officer(demo, "co")
    login = user(provider, "co", employee_id=personnel_no)
    assert "ticket" in (await sso(demo, login))[1]  # the roster holds the provider's keys now
    fetched = provider.calls.get("jwks", 0)
    provider.rotate()
    page, query = await sso(demo, login)
    assert page == PAGE and "ticket" in query
    assert provider.calls["jwks"] == fetched + 1  # fetched again once, for the unknown kid


async def test_a_roster_without_single_sign_on_offers_none(demo: Running) -> None:
    oidc: OidcSignIn = demo.app.state.oidc_sign_in
    demo.app.state.oidc_sign_in = None
    try:
        async with demo.client() as c:
            assert (await c.get("/api/v1/auth/methods")).json() == {"oidc": None}
            for path in ("/api/v1/auth/oidc/start", "/api/v1/auth/oidc/callback"):
                r = await c.get(path)
                assert r.status_code == 404 and r.json()["code"] == "auth.oidc_off"
    finally:
        demo.app.state.oidc_sign_in = oidc


async def test_requests_nobody_came_back_from_are_forgotten(demo: Running) -> None:
    await execute(
        demo.database,
        """INSERT INTO oidc_states VALUES ($1, 'n', 'v', '/', now() - interval '1 hour',
                                          now() - interval '50 minutes')""",
        b"abandoned",
    )
    pool = await asyncpg.create_pool(demo.database, min_size=1, max_size=1)
    try:
        await forget_expired(pool)  # the hourly sign-in retention sweep
    finally:
        await pool.close()
    assert (
        await fetch(demo.database, "SELECT 1 FROM oidc_states WHERE state_key = $1", b"abandoned")
        == []
    )


async def test_the_code_is_worth_nothing_without_the_verifier_and_the_client_secret(
    demo: Running, provider: FakeOidc
) -> None:
    _, personnel_no = await officer(demo, "co")
    login = user(provider, "co", employee_id=personnel_no)
    refused = {"problem": "auth.oidc_provider_error", "next": "/"}
    # PKCE: another verifier than the one whose challenge went to the provider.
    async with demo.client() as browser, httpx.AsyncClient(timeout=30) as to_provider:
        started = await browser.get("/api/v1/auth/oidc/start")
        authorize = httpx.URL(started.headers["location"])
        await execute(
            demo.database,
            "UPDATE oidc_states SET code_verifier = $2 WHERE nonce = $1",
            authorize.params["nonce"],
            "x" * 64,
        )
        back = await to_provider.get(authorize.copy_merge_params({"login_hint": login}))
        r = await browser.get(
            "/api/v1/auth/oidc/callback", params=dict(httpx.URL(back.headers["location"]).params)
        )
    target = urlsplit(r.headers["location"])
    assert (target.path, {k: v[0] for k, v in parse_qs(target.query).items()}) == (PAGE, refused)
    # A wrong client secret.
    oidc: OidcSignIn = demo.app.state.oidc_sign_in
    wrong = dataclasses.replace(oidc.provider.client, client_secret="not-the-secret-at-all")
    demo.app.state.oidc_sign_in = dataclasses.replace(oidc, provider=OidcProvider(wrong))
    try:
        assert await sso(demo, login, next_path="/") == (PAGE, refused)
    finally:
        demo.app.state.oidc_sign_in = oidc
