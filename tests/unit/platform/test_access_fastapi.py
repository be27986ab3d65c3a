"""The FastAPI dependencies on a tiny app: 401 challenges, 403 refusals, what the audit sees."""

from __future__ import annotations

import time
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass
from typing import Annotated, Any

import httpx
import jwt
import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from fastapi import Depends, FastAPI, Request, Response
from nazar_contracts.vocabulary import Role
from nazar_platform.auth.access import (
    AccessDecision,
    Action,
    StaticMemberDirectory,
    StaticUnitDirectory,
)
from nazar_platform.auth.tokens import AuthSettings, Grant, Principal, TokenVerifier
from nazar_platform.http.access import authorize, require
from nazar_platform.http.problem_messages import lookup
from nazar_platform.http.problems import REFUSAL_REASON_STATE, install_problem_handlers

from tests.unit.platform.token_forgery import hs256_token

ISSUER = "https://id.police.rajasthan.test/nazar"
AUDIENCE = "nazar-api"


@dataclass(frozen=True)
class Seen:
    """What an audit middleware finds on request.state once the response is ready."""

    status: int
    principal: Principal | None
    decision: AccessDecision | None
    reason: str | None = None  # why it was refused, precisely: for the audit and the log only


@pytest.fixture(scope="module")
def key() -> rsa.RSAPrivateKey:
    return rsa.generate_private_key(public_exponent=65537, key_size=2048)


def build_app(key: rsa.RSAPrivateKey, seen: list[Seen]) -> FastAPI:
    app = FastAPI()
    settings = AuthSettings(environment="test", issuer=ISSUER, audience=AUDIENCE)
    app.state.token_verifier = TokenVerifier(settings, public_key=key.public_key())
    app.state.unit_directory = StaticUnitDirectory(
        {
            "RJ": None,
            "DST-BIKANER": "RJ",
            "CIR-BIKANER-CITY": "DST-BIKANER",
            "CIR-NOKHA": "DST-BIKANER",
            "DST-CHURU": "RJ",
            "CIR-SARDARSHAHAR": "DST-CHURU",
        }
    )
    app.state.member_directory = StaticMemberDirectory({})

    install_problem_handlers(app)

    @app.middleware("http")
    async def audit(request: Request, call_next: Callable[[Request], Awaitable[Response]]) -> Any:
        response = await call_next(request)
        state = request.state
        seen.append(
            Seen(
                response.status_code,
                getattr(state, "principal", None),
                getattr(state, "access_decision", None),
                getattr(state, REFUSAL_REASON_STATE, None),
            )
        )
        return response

    @app.get("/api/v1/units/{unit_id}/members")
    async def unit_members(
        unit_id: str,
        request: Request,
        principal: Annotated[Principal, Depends(require(Action.ROSTER_READ))],
    ) -> dict[str, str]:
        decision = await authorize(request, principal, Action.ROSTER_READ, unit_id=unit_id)
        return {"grant": str(decision.grant)}

    @app.get("/api/v1/inbox")
    async def inbox(
        principal: Annotated[Principal, Depends(require(Action.INBOX_READ))],
    ) -> dict[str, str]:
        return {"member": principal.member_id}

    return app


@pytest.fixture
async def client(
    key: rsa.RSAPrivateKey,
) -> AsyncIterator[tuple[httpx.AsyncClient, list[Seen]]]:
    seen: list[Seen] = []
    transport = httpx.ASGITransport(app=build_app(key, seen))
    async with httpx.AsyncClient(transport=transport, base_url="http://nazar.test") as http:
        yield http, seen


def bearer(key: rsa.RSAPrivateKey, *grants: str, exp_in: int = 600) -> dict[str, str]:
    now = int(time.time())
    claims = {
        "iss": ISSUER,
        "aud": AUDIENCE,
        "sub": "M-000123",
        "iat": now - 3600,
        "exp": now + exp_in,
        "grants": [{"role": g.split(":")[0], "unit": g.split(":")[1]} for g in grants],
    }
    return {"Authorization": f"Bearer {jwt.encode(claims, key, algorithm='RS256')}"}


Client = tuple[httpx.AsyncClient, list[Seen]]


async def test_no_token_is_a_401_challenge(client: Client) -> None:
    http, seen = client
    response = await http.get("/api/v1/inbox", headers={"Accept-Language": "hi"})
    assert response.status_code == 401
    assert response.headers["www-authenticate"] == 'Bearer realm="nazar"'
    assert response.headers["content-type"] == "application/problem+json"
    body = response.json()
    assert body["code"] == "auth.not_signed_in"
    assert response.headers["content-language"] == "hi"
    assert body["title"] == "साइन इन नहीं है"
    assert body["detail"] == "आगे बढ़ने के लिए साइन इन करें।"
    assert "reason" not in body
    assert seen == [Seen(401, None, None, "missing_token")]


def assert_says_only_not_signed_in(response: httpx.Response) -> None:
    """The body and the challenge say "not signed in", and nothing of why."""
    assert response.status_code == 401
    assert response.headers["www-authenticate"] == 'Bearer realm="nazar", error="invalid_token"'
    body = response.json()
    assert set(body) == {"type", "title", "status", "detail", "instance", "code", "request_id"}
    assert (body["code"], body["title"], body["detail"]) == (
        "auth.not_signed_in",
        "Not signed in",
        "Sign in to continue.",
    )


async def test_an_expired_token_is_a_401_saying_only_not_signed_in(
    client: Client, key: rsa.RSAPrivateKey
) -> None:
    http, seen = client
    response = await http.get("/api/v1/inbox", headers=bearer(key, "constable:X", exp_in=-120))
    assert_says_only_not_signed_in(response)
    assert "expire" not in response.text
    assert seen == [Seen(401, None, None, "expired")]


async def test_key_confusion_is_a_401(client: Client, key: rsa.RSAPrivateKey) -> None:
    http, seen = client
    pem = key.public_key().public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    now = int(time.time())
    claims = {"iss": ISSUER, "aud": AUDIENCE, "sub": "M-1", "iat": now, "exp": now + 60}
    token = hs256_token({**claims, "grants": [{"role": "adg", "unit": "RJ"}]}, pem)
    response = await http.get("/api/v1/inbox", headers={"Authorization": f"Bearer {token}"})
    assert_says_only_not_signed_in(response)
    assert "confusion" not in response.text
    assert seen == [Seen(401, None, None, "key_confusion")]


async def test_a_role_without_the_action_is_a_recorded_403(
    client: Client, key: rsa.RSAPrivateKey
) -> None:
    http, seen = client
    response = await http.get(
        "/api/v1/units/DST-BIKANER/members", headers=bearer(key, "content_writer:RJ")
    )
    assert response.status_code == 403
    assert response.json()["code"] == "access.forbidden"
    assert response.json()["title"] == "Not allowed"
    assert response.json()["detail"] == "You are not allowed to do this."
    assert "action" not in response.json() and "reason" not in response.json()
    assert "role_lacks_action" not in response.text
    [record] = seen
    assert record.principal is not None and record.principal.member_id == "M-000123"
    assert record.decision == AccessDecision(
        False, Action.ROSTER_READ, None, None, None, "role_lacks_action"
    )


async def test_a_co_in_a_sibling_circle_is_a_recorded_403(
    client: Client, key: rsa.RSAPrivateKey
) -> None:
    http, seen = client
    response = await http.get(
        "/api/v1/units/CIR-NOKHA/members",
        headers={**bearer(key, "co:CIR-BIKANER-CITY"), "Accept-Language": "hi"},
    )
    assert response.status_code == 403
    assert response.json()["detail"] == "आपको यह करने की अनुमति नहीं है।"
    assert "outside_scope" not in response.text
    [record] = seen
    assert record.status == 403
    assert record.decision == AccessDecision(
        False, Action.ROSTER_READ, None, "CIR-NOKHA", None, "outside_scope"
    )


async def test_additional_charge_passes_and_records_the_grant(
    client: Client, key: rsa.RSAPrivateKey
) -> None:
    http, seen = client
    headers = bearer(key, "sp:DST-BIKANER", "sp:DST-CHURU")
    response = await http.get("/api/v1/units/CIR-SARDARSHAHAR/members", headers=headers)
    assert response.status_code == 200
    assert response.json() == {"grant": "sp:DST-CHURU"}
    [record] = seen
    assert record.decision is not None and record.decision.allowed
    assert record.decision.grant == Grant(Role.SP, "DST-CHURU")
    assert record.decision.unit_id == "CIR-SARDARSHAHAR"


def test_openapi_declares_bearer_auth(key: rsa.RSAPrivateKey) -> None:
    schema = build_app(key, []).openapi()
    assert schema["components"]["securitySchemes"]["bearer"]["scheme"] == "bearer"
    assert schema["paths"]["/api/v1/inbox"]["get"]["security"] == [{"bearer": []}]


AUTH_CODES = {
    "auth.not_signed_in": 401,
    "auth.keys_unavailable": 503,
    "access.forbidden": 403,
}


def test_every_code_raised_here_is_in_the_catalogue_in_hindi_and_english() -> None:
    for code, status in AUTH_CODES.items():
        message = lookup(code)
        assert message is not None and message.status == status, code
        for text in (message.title("hi"), message.detail("hi", {})):
            assert text and any("\u0900" <= ch <= "\u097f" for ch in text), code
        for text in (message.title("en"), message.detail("en", {})):
            assert text and text.isascii(), code
    # The generic codes they replace are gone: one code per kind of refusal.
    assert lookup("unauthenticated") is None and lookup("forbidden") is None
    # So are the 401 codes that told a missing, an invalid and an expired token apart.
    for code in ("auth.missing_token", "auth.invalid_token", "auth.token_expired"):
        assert lookup(code) is None, code
