"""Issue 16 item 6: the pure rules of the single sign-on way in (roster.domain.oidc) and its
settings (off unless configured; an empty variable is unset; the client secret fails closed)."""

from __future__ import annotations

from typing import Any, cast

import pytest
from nazar_platform.config.secrets import InsecureSecretsError
from roster.app import oidc_sign_in
from roster.domain.oidc import (
    PROBLEM,
    Candidate,
    Identity,
    NextInvalidError,
    RedirectUrlError,
    Refusal,
    continue_url,
    identity_of,
    paths_of,
    refusal_of,
    refused_url,
    safe_next,
)
from roster.settings import RosterSettings


@pytest.mark.parametrize("good", ["/", "/console", "/console/directives?tab=inbox&x=1", "/a#b"])
def test_a_path_on_this_origin_is_a_page_to_return_to(good: str) -> None:
    assert safe_next(good) == good


def test_no_page_means_the_root() -> None:
    assert safe_next(None) == "/" and safe_next("") == "/"


@pytest.mark.parametrize(
    "bad",
    [
        "//evil.example/x",
        "/\\evil.example",
        "https://evil.example/",
        "javascript:alert(1)",
        "console",
        "/a\\b",
        "/a b",
        "/a\tb",
        "/a\nb",
        "/" + "x" * 2000,
    ],
)
def test_anything_else_is_refused(bad: str) -> None:
    with pytest.raises(NextInvalidError):
        safe_next(bad)


def test_the_personnel_number_claim_is_normalised_like_the_hr_export() -> None:
    claims = {"sub": "abc", "employee_id": " rjp 0000001 "}
    assert identity_of(claims, "personnel_no", "employee_id") == Identity(
        "personnel_no", "RJP0000001"
    )
    assert identity_of({"pno": 12345}, "personnel_no", "pno") == Identity("personnel_no", "12345")
    for missing in ({}, {"employee_id": ""}, {"employee_id": None}, {"employee_id": True}):
        assert identity_of(missing, "personnel_no", "employee_id") is None


def test_a_phone_number_counts_only_when_the_provider_verified_it() -> None:
    verified = {"phone_number": "+91 98290 12345", "phone_number_verified": True}
    assert identity_of(verified, "phone_number", "x") == Identity("phone_number", "+919829012345")
    for claims in (
        {"phone_number": "+91 98290 12345"},
        {"phone_number": "+91 98290 12345", "phone_number_verified": "true"},
        {"phone_number": "12", "phone_number_verified": True},
    ):
        assert identity_of(claims, "phone_number", "x") is None


def test_only_active_officers_with_a_posting_come_in() -> None:
    officer = Candidate("m-1", active=True, erased=False, community=False, postings=1)
    assert refusal_of(officer) is None
    assert refusal_of(None) is Refusal.UNKNOWN
    erased = Candidate("m-1", active=False, erased=True, community=False, postings=0)
    assert refusal_of(erased) is Refusal.UNKNOWN
    volunteer = Candidate("m-2", active=True, erased=False, community=True, postings=1)
    assert refusal_of(volunteer) is Refusal.VOLUNTEER
    inactive = Candidate("m-3", active=False, erased=False, community=False, postings=1)
    assert refusal_of(inactive) is Refusal.INACTIVE
    unposted = Candidate("m-4", active=True, erased=False, community=False, postings=0)
    assert refusal_of(unposted) is Refusal.INACTIVE


def test_who_is_refused_is_one_code_from_outside() -> None:
    who = {Refusal.UNKNOWN, Refusal.VOLUNTEER, Refusal.INACTIVE, Refusal.NO_CLAIM}
    assert {PROBLEM[r] for r in who} == {"auth.oidc_refused"}
    assert len(set(PROBLEM.values())) == 4


def test_the_sign_in_page_gets_the_ticket_or_the_problem() -> None:
    url = continue_url("/console/sign-in", "T-1", True, "/console?a=1&b=2")
    assert url == "/console/sign-in?ticket=T-1&needs_passkey=true&next=%2Fconsole%3Fa%3D1%26b%3D2"
    assert refused_url("/console/sign-in", "auth.oidc_refused", "/") == (
        "/console/sign-in?problem=auth.oidc_refused&next=%2F"
    )


def test_single_sign_on_is_off_unless_configured_and_blank_means_unset() -> None:
    assert not RosterSettings(environment="test").oidc_enabled
    blank = RosterSettings(
        environment="test",
        oidc_issuer="",
        oidc_client_id="",
        oidc_client_secret="",
        oidc_redirect_url="",
    )
    assert not blank.oidc_enabled and blank.oidc_client_secret is None
    on = RosterSettings(
        environment="test",
        oidc_issuer="https://sso.example/realms/rajasthan",
        oidc_client_id="nazar",
        oidc_client_secret="a-long-random-client-secret",
        oidc_redirect_url="https://nazar.example/api/v1/auth/oidc/callback",
    )
    assert on.oidc_enabled


def test_a_short_client_secret_stops_the_roster_outside_development() -> None:
    with pytest.raises(InsecureSecretsError, match="NAZAR_OIDC_CLIENT_SECRET"):
        RosterSettings(environment="production", oidc_client_secret="short")


def test_the_sign_in_page_and_the_cookie_follow_the_prefix_the_redirect_url_shows() -> None:
    behind_proxy = "https://nazar.example/roster/api/v1/auth/oidc/callback"
    assert paths_of(behind_proxy, None) == ("/roster/sign-in", "/roster/api/v1/auth/oidc/callback")
    own_port = "http://127.0.0.1:19101/api/v1/auth/oidc/callback"
    assert paths_of(own_port, None) == ("/sign-in", "/api/v1/auth/oidc/callback")
    assert paths_of(own_port, "/console/sign-in")[0] == "/console/sign-in"
    with pytest.raises(RedirectUrlError):
        paths_of("https://nazar.example/callback", None)


def test_outside_development_the_provider_and_the_callback_must_be_https() -> None:
    strong: dict[str, Any] = {
        "environment": "production",
        "pg_dsn": None,  # the stack's, in the environment of a test run
        "database_url": "postgresql://roster:a-long-database-password@db/nazar_roster",
        "member_id_secret": "m" * 40,
        "sign_in_hash_key": "h" * 40,
        "signing_key_kek": "k" * 40,
        "auth_code_key": "c" * 40,
        "oidc_client_id": "nazar",
        "oidc_client_secret": "a-long-random-client-secret",
    }
    plain = RosterSettings(
        **strong,
        oidc_issuer="http://sso.example/realms/rajasthan",
        oidc_redirect_url="https://nazar.example/roster/api/v1/auth/oidc/callback",
    )
    with pytest.raises(RuntimeError, match="https"):
        oidc_sign_in(plain, cast(Any, None))
    secure = RosterSettings(
        **strong,
        oidc_issuer="https://sso.example/realms/rajasthan",
        oidc_redirect_url="https://nazar.example/roster/api/v1/auth/oidc/callback",
    )
    found = oidc_sign_in(secure, cast(Any, None))
    assert found is not None
    assert (found.sign_in_page, found.cookie_path) == (
        "/roster/sign-in",
        "/roster/api/v1/auth/oidc/callback",
    )
