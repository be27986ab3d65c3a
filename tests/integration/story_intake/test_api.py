"""The gate's HTTP API on a real PostgreSQL: verdicts equal to the CLI's, access, audit, limits."""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path

import asyncpg
import httpx
import pytest
from nazar_platform.auth.keys import ensure_dev_keypair
from nazar_platform.auth.tokens import AuthSettings, Grant, mint
from story_intake.app import create
from story_intake.domain.redact import MARK_EN, MARK_HI
from story_intake.settings import StoryIntakeSettings

from tests.conftest import DatabaseFactory
from tests.integration.platform.http.server import serve
from tests.unit.story_intake.corpus import CORPUS_DIR, examples

ROOT = Path(__file__).resolve().parents[3]


@dataclass(frozen=True)
class Running:
    url: str
    database: str

    def client(self, token: str | None, language: str = "en") -> httpx.AsyncClient:
        headers = {"Accept-Language": language}
        if token:
            headers["Authorization"] = f"Bearer {token}"
        return httpx.AsyncClient(base_url=self.url, headers=headers, timeout=60)


def token(member_id: str, *grants: str) -> str:
    settings = AuthSettings()
    return mint(
        member_id,
        [Grant.parse(g) for g in grants],
        private_key=ensure_dev_keypair(settings.dev_private_key_path),
        issuer=settings.issuer,
        audience=settings.audience,
        ttl=timedelta(hours=1),
        kid=settings.dev_kid,
    )


@pytest.fixture(scope="module")
async def running(databases: DatabaseFactory, kafka_bootstrap: str) -> AsyncIterator[Running]:
    database = await databases.create("story_gate")
    settings = StoryIntakeSettings(
        environment="test",
        database_url=database,  # pydantic makes it a SecretStr
        kafka_bootstrap=kafka_bootstrap,
        database_pool_min=1,
        database_pool_max=4,
        gate_max_text_chars=20_000,
        shutdown_timeout=timedelta(seconds=20),
    )
    async with serve(create(settings)) as url:
        yield Running(url, database)


WRITER = ("M-WRITER-1", "content_writer:RJ")
CONSTABLE = ("M-CONST-1", "constable:PS-KOTGATE")


async def test_api_verdicts_are_the_clis_for_every_corpus_text(running: Running) -> None:
    corpus = examples()
    cli = subprocess.run(
        [sys.executable, "-m", "story_intake", "gate", "--jsonl", "-"],
        input="".join(
            (path.read_text(encoding="utf-8")) for path in sorted(CORPUS_DIR.glob("*.jsonl"))
        ),
        capture_output=True,
        text=True,
        cwd=ROOT,
        check=True,
    )
    by_id = {item["id"]: item for item in map(json.loads, cli.stdout.splitlines())}
    assert len(by_id) == len(corpus)
    async with running.client(token(*WRITER)) as client:
        for example in corpus:
            r = await client.post("/api/v1/gate/check", json={"text": example.text})
            assert r.status_code == 200, r.text
            body = r.json()
            expected = by_id[example.id]
            assert body["verdict"] == expected["verdict"], example.id
            assert body["findings"] == expected["findings"], example.id
            assert set(body) == {"verdict", "findings", "sexual_offence", "child_involved"}


async def test_redact_replaces_chosen_findings_and_gates_again(running: Running) -> None:
    text = "पीड़िता सुनीता पुत्री मोहनलाल के साथ दुष्कर्म के आरोपी सुरेश को गिरफ्तार किया।"
    async with running.client(token(*CONSTABLE)) as client:
        r = await client.post("/api/v1/gate/redact", json={"text": text})
        assert r.status_code == 200, r.text
        body = r.json()
        assert body["text"] == (
            f"पीड़िता {MARK_HI} {MARK_HI} के साथ दुष्कर्म के आरोपी सुरेश को गिरफ्तार किया।"
        )
        assert [f["rule"] for f in body["redacted"]] == ["victim_name", "victim_relative"]
        assert body["gate"]["verdict"] == "review"  # the accused's name is left to a person
        r = await client.post(
            "/api/v1/gate/redact", json={"text": text, "rules": ["accused_named"], "language": "en"}
        )
        assert r.json()["text"].count(MARK_EN) == 1 and r.json()["gate"]["verdict"] == "block"
        r = await client.post("/api/v1/gate/redact", json={"text": text, "findings": [0]})
        assert [f["text"] for f in r.json()["redacted"]] == ["सुनीता"]
        r = await client.post("/api/v1/gate/redact", json={"text": text, "rules": ["nonsense"]})
        assert r.status_code == 422


async def test_callers_must_sign_in_and_long_texts_are_refused_in_their_language(
    running: Running,
) -> None:
    async with running.client(None) as client:
        r = await client.post("/api/v1/gate/check", json={"text": "x"})
        assert r.status_code == 401
        assert r.headers["content-type"].startswith("application/problem+json")
    async with running.client(token(*WRITER), language="hi") as client:
        r = await client.post("/api/v1/gate/check", json={"text": "क" * 20_001})
        assert r.status_code == 422
        assert r.json()["code"] == "story.text_too_long"
        assert "20000" in r.json()["detail"] and "अक्षर" in r.json()["detail"]


async def test_the_audit_trail_names_the_caller_and_never_holds_the_text(running: Running) -> None:
    secret = "पीड़िता गीता पुत्री हीरालाल निवासी ग्राम भोजपुरा, आधार 2341 2341 2346"
    async with running.client(token("M-AUDIT-1", "sp_phq_crime:RJ")) as client:
        assert (await client.post("/api/v1/gate/check", json={"text": secret})).status_code == 200
        assert (await client.post("/api/v1/gate/redact", json={"text": secret})).status_code == 200
    conn = await asyncpg.connect(running.database)
    try:
        rows = await conn.fetch("SELECT * FROM audit_log WHERE member_id = 'M-AUDIT-1' ORDER BY id")
        dump = json.dumps([dict(r) for r in rows], default=str, ensure_ascii=False)
    finally:
        await conn.close()
    assert [(r["action"], r["path"], r["outcome"]) for r in rows] == [
        ("gate.check", "/api/v1/gate/check", "allowed"),
        ("gate.redact", "/api/v1/gate/redact", "allowed"),
    ]
    for fragment in ("गीता", "हीरालाल", "भोजपुरा", "2341"):
        assert fragment not in dump
