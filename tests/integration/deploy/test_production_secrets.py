"""Every service refuses to start in production with any secret missing, empty or a development
value, names the setting and never prints a secret; with real secrets it starts and is ready.

The services run as `deploy/stack` runs them (the command lines of deploy/stackctl/services.py),
as processes with NAZAR_ENVIRONMENT=production and a JWKS URL set, so that the token settings
(refused first otherwise) are not what stops them. The refusals need no infrastructure; the
service that starts gets a database on the test server owned by a login role of its own with a
long password, as the deployment's init script makes them (deploy/postgres/initdb).
"""

from __future__ import annotations

import asyncio
import os
import secrets
import signal
import socket
import subprocess
import sys
import time
import uuid
from collections.abc import AsyncIterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import asyncpg
import httpx
import pytest
from cryptography.fernet import Fernet
from nazar_platform.auth.sealed import DEV_CODE_KEY

ROOT = Path(__file__).resolve().parents[3]
sys.path.insert(0, str(ROOT / "deploy"))
from stackctl.services import SERVICES  # noqa: E402

# A refusal comes before any connection; "quickly" leaves room for a loaded CI machine.
REFUSAL_WITHIN = 30.0
JWKS_URL = "https://idp.nazar.example/.well-known/jwks.json"
DEV_DSN = "postgresql://nazar:nazar@127.0.0.1:19432/{database}"
DATABASES = {
    "roster": "nazar_roster",
    "directive": "nazar_directive",
    "social-publisher": "nazar_publisher",
    "story-intake": "nazar_story",
}
# Each service's secrets and the development value published for it (its default in the code,
# or the local stack's value in deploy/stackctl/services.py).
SECRETS: dict[str, dict[str, str]] = {
    "roster": {
        "NAZAR_MEMBER_ID_SECRET": "nazar-dev-member-id-secret",
        "NAZAR_SIGN_IN_HASH_KEY": "nazar-dev-sign-in-hash-key-change-me-0001",
        "NAZAR_AUTH_CODE_KEY": DEV_CODE_KEY,
        "NAZAR_SIGNING_KEY_KEK": "nazar-dev-signing-key-kek-change-me-0001",
    },
    # The old default in the code: anyone could forge members' inbox links with it.
    "directive": {"NAZAR_INBOX_LINK_KEY": "local-development-inbox-link-key-change-me"},
    "social-publisher": {
        "NAZAR_WHATSAPP_TOKEN": "local-whatsapp-token",
        "NAZAR_WHATSAPP_APP_SECRET": "local-app-secret",
        "NAZAR_WHATSAPP_VERIFY_TOKEN": "local-verify-token",
        "NAZAR_SMS_API_KEY": "local-sms-key",
        "NAZAR_SMS_WEBHOOK_SECRET": "local-sms-secret",
        "NAZAR_SOCIAL_TOKEN_KEY": "bmF6YXItbG9jYWwtc3RhY2stc29jaWFsLXRva2VucyE=",
        "NAZAR_PUBLIC_MEDIA_KEY": "local-publisher-public-media-link-key",
        "NAZAR_X_CLIENT_SECRET": "local-x-client-secret",
        "NAZAR_AUTH_CODE_KEY": DEV_CODE_KEY,
    },
    # The key signing media URLs (photos and creatives for the publisher and the console).
    "story-intake": {"NAZAR_MEDIA_LINK_KEY": "local-development-story-media-link-key"},
}
# The database URL is a secret of every service (its password); the stack's is nazar:nazar.
for _service, _database in DATABASES.items():
    SECRETS[_service]["NAZAR_DATABASE_URL"] = DEV_DSN.format(database=_database)


def command(name: str) -> list[str]:
    [service] = [s for s in SERVICES if s.name == name]
    return [sys.executable if part == "{python}" else part for part in service.command]


def strong() -> str:
    return secrets.token_urlsafe(33)


def production_env(service: str, **values: str) -> dict[str, str]:
    """A production environment with a long random value for every secret of `service`."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("NAZAR_")}
    env.update(NAZAR_ENVIRONMENT="production", NAZAR_AUTH_JWKS_URL=JWKS_URL, NAZAR_LOG_JSON="false")
    for variable in SECRETS[service]:
        env[variable] = strong()
    if "NAZAR_SOCIAL_TOKEN_KEY" in env:  # a Fernet key has a form of its own (32 bytes, base64)
        env["NAZAR_SOCIAL_TOKEN_KEY"] = Fernet.generate_key().decode()
    # Nothing listens there: a service that got past its settings would fail later, not here.
    env["NAZAR_DATABASE_URL"] = f"postgresql://svc:{strong()}@127.0.0.1:9/{DATABASES[service]}"
    env.update(values)
    return env


@dataclass(frozen=True)
class Case:
    service: str
    variable: str
    how: str  # missing | empty | development

    def env(self) -> dict[str, str]:
        env = production_env(self.service)
        if self.how == "missing":
            del env[self.variable]
        else:
            env[self.variable] = "" if self.how == "empty" else SECRETS[self.service][self.variable]
        return env


CASES = [
    Case(service, variable, how)
    for service, variables in SECRETS.items()
    for variable in variables
    for how in ("missing", "empty", "development")
]


@dataclass(frozen=True)
class Outcome:
    env: dict[str, str]
    returncode: int
    output: str
    seconds: float


def attempt(service: str, env: dict[str, str]) -> Outcome:
    started = time.monotonic()
    done = subprocess.run(
        command(service),
        env=env,
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=REFUSAL_WITHIN,
        check=False,
    )
    return Outcome(env, done.returncode, done.stdout + done.stderr, time.monotonic() - started)


@pytest.fixture(scope="module")
def outcomes() -> dict[Case, Outcome]:
    """Every case run once, a few at a time: each process spends its time importing."""
    with ThreadPoolExecutor(max_workers=3) as pool:
        futures = {case: pool.submit(attempt, case.service, case.env()) for case in CASES}
        return {case: future.result() for case, future in futures.items()}


@pytest.mark.parametrize("case", CASES, ids=lambda c: f"{c.service}-{c.variable}-{c.how}")
def test_a_missing_empty_or_development_secret_stops_the_service(
    case: Case, outcomes: dict[Case, Outcome]
) -> None:
    outcome = outcomes[case]
    output = outcome.output
    assert outcome.returncode != 0, output
    assert outcome.seconds < REFUSAL_WITHIN
    assert f"{case.variable} is " in output or f"{case.variable} has " in output, output
    assert "refusing to start in the 'production' environment" in output
    # No secret reaches the output: neither the refused value nor any of the good ones.
    shown = [outcome.env[v] for v in SECRETS[case.service] if outcome.env.get(v)]
    if case.how == "development":
        shown.append(SECRETS[case.service][case.variable])
    leaked = [value for value in shown if value in output]
    assert leaked == []


def test_the_stack_server_dsn_is_refused_as_the_services_database() -> None:
    # deploy/stack hands NAZAR_PG_DSN (nazar:nazar); a service derives its database URL from it.
    env = production_env("directive", NAZAR_PG_DSN=DEV_DSN.format(database="postgres"))
    del env["NAZAR_DATABASE_URL"]
    outcome = attempt("directive", env)
    assert outcome.returncode != 0
    assert "NAZAR_PG_DSN has a password that is a development value" in outcome.output
    assert ":nazar@" not in outcome.output


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


@pytest.fixture
async def service_database(pg_dsn: str) -> AsyncIterator[tuple[str, str]]:
    """(database URL, password) of a fresh database owned by its own login role, as in
    deploy/postgres/initdb: a long random password, no superuser."""
    name = f"prodsecrets_{uuid.uuid4().hex[:10]}"
    password = strong()
    admin = await asyncpg.connect(pg_dsn)
    try:
        create = await admin.fetchval(
            "SELECT format('CREATE ROLE %I LOGIN PASSWORD %L', $1::text, $2::text)", name, password
        )
        await admin.execute(create)
        await admin.execute(f'CREATE DATABASE "{name}" OWNER "{name}"')
        parts = urlsplit(pg_dsn)
        netloc = f"{name}:{password}@{parts.hostname}:{parts.port}"
        yield urlunsplit(parts._replace(netloc=netloc, path=f"/{name}")), password
    finally:
        await admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        await admin.execute(f'DROP ROLE IF EXISTS "{name}"')
        await admin.close()


@pytest.mark.parametrize("service", list(SECRETS))
async def test_with_real_secrets_each_service_starts_in_production(
    service: str, service_database: tuple[str, str], kafka_bootstrap: str, tmp_path: Path
) -> None:
    database_url, password = service_database
    port = free_port()
    run = uuid.uuid4().hex[:8]
    env = production_env(
        service,
        NAZAR_DATABASE_URL=database_url,
        NAZAR_KAFKA_BOOTSTRAP=kafka_bootstrap,
        NAZAR_HTTP_PORT=str(port),
        # Its own consumer groups and folders: the test stack's topics are shared.
        NAZAR_CONSUMER_GROUP_PREFIX=f"prodsecrets-{run}",
        NAZAR_OPT_OUT_CONSUMER_GROUP=f"prodsecrets-{run}",
        NAZAR_CONSUMER_GROUP=f"prodsecrets-{run}",
        NAZAR_ATTACHMENT_DIR=str(tmp_path / "attachments"),
        NAZAR_FAUST_DATADIR=str(tmp_path / "faust"),
    )
    log = tmp_path / f"{service}.log"
    with log.open("w") as out:
        proc = subprocess.Popen(command(service), env=env, cwd=ROOT, stdout=out, stderr=out)
    try:
        ready = False
        async with httpx.AsyncClient() as client:
            for _ in range(180):
                if proc.poll() is not None:
                    break
                try:
                    r = await client.get(f"http://127.0.0.1:{port}/readyz", timeout=2)
                    if r.status_code == 200:
                        ready = True
                        break
                except httpx.HTTPError:
                    pass
                await asyncio.sleep(0.5)
        output = log.read_text()
        assert ready, output[-3000:]
    finally:
        proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
    output = log.read_text()
    secret_values = [env[v] for v in SECRETS[service]] + [password]
    assert [v for v in secret_values if v in output] == []
