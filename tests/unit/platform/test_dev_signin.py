"""Dev sign-in: a token for a member's known grants in local/test, nothing in production."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import pytest
from fastapi import FastAPI, Request
from fastapi.testclient import TestClient
from nazar_contracts.vocabulary import Role
from nazar_platform.auth.tokens import AuthSettings, Grant, TokenVerifier
from nazar_platform.http.dev_signin import dev_signin_router
from nazar_platform.http.problems import install_problem_handlers

KNOWN = {"m-1": [Grant(Role.SP, "DST-BIKANER"), Grant(Role.SP, "DST-CHURU")]}


async def grants_of(_request: Request, member_id: str) -> Sequence[Grant] | None:
    return KNOWN.get(member_id)


@pytest.fixture
def client(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> TestClient:
    monkeypatch.setenv("NAZAR_AUTH_DEV_PRIVATE_KEY_PATH", str(tmp_path / "key.pem"))
    app = FastAPI()
    install_problem_handlers(app)
    app.include_router(dev_signin_router(grants_of))
    return TestClient(app)


def test_local_mints_a_token_the_verifier_accepts(
    client: TestClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("NAZAR_ENVIRONMENT", "local")
    r = client.post("/dev/tokens", json={"member_id": "m-1", "language": "hi"})
    assert r.status_code == 200
    principal = TokenVerifier(AuthSettings()).verify(r.json()["token"])
    assert principal.member_id == "m-1" and principal.language == "hi"
    assert principal.grants == tuple(KNOWN["m-1"])


def test_unknown_member_and_production_mint_nothing(
    client: TestClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("NAZAR_ENVIRONMENT", "test")
    r = client.post("/dev/tokens", json={"member_id": "m-2"})
    assert r.status_code == 404 and r.json()["code"] == "dev_sign_in_unknown_member"
    monkeypatch.setenv("NAZAR_ENVIRONMENT", "production")
    r = client.post("/dev/tokens", json={"member_id": "m-1"}, headers={"Accept-Language": "hi"})
    assert r.status_code == 404 and "token" not in r.json()
    assert r.json()["title"] == "उपलब्ध नहीं"
