"""Every service's OpenAPI, fuzzed by schemathesis against the running system.

For each service and each kind of caller (headquarters, a district SP, a constable, nobody), a
bounded run generates requests from the service's own OpenAPI document (valid and invalid ones,
NUL bytes and odd Unicode included) and fails on any 5xx and on any response the document does
not describe: an undocumented status, another media type, or a body that contradicts its schema.
The seed is fixed so that CI is repeatable; `NAZAR_FUZZ_SEED` tries another, `NAZAR_FUZZ_EXAMPLES`
a longer run.
"""

from __future__ import annotations

import asyncio
import os
import sys
from pathlib import Path

import pytest

from tests.e2e.clients import World, call
from tests.e2e.system import System

ROOT = Path(__file__).resolve().parents[2]
SERVICES = ("roster", "directive", "social-publisher", "story-intake")
# (role, unit) of the member whose token a run carries; None: no token at all.
CALLERS: dict[str, tuple[str, str] | None] = {
    "hq": ("adg", "BR-CRIME"),
    "sp": ("sp", "DST-BIKANER"),
    "constable": ("constable", ""),
    "anonymous": None,
}
CHECKS = ",".join(
    (
        "not_a_server_error",
        "status_code_conformance",
        "content_type_conformance",
        "response_schema_conformance",
    )
)
EXAMPLES = os.environ.get("NAZAR_FUZZ_EXAMPLES", "12")
SEED = os.environ.get("NAZAR_FUZZ_SEED", "20261202")
# Endpoints a generated request cannot sensibly finish: a stream that stays open for as long as
# the client reads it.
EXCLUDE_PATHS = r".*/stream$"


async def _member(world: World, role: str, unit: str) -> str:
    if unit:
        return await world.officer(role, unit)
    url = world.directive(f"/dev/members?role={role}&limit=1")
    r = await call(world.system, "GET", url, retry_for=60)
    assert r.status_code == 200, r.text
    return str(r.json()["items"][0]["member_id"])


@pytest.fixture(scope="module")
async def tokens(system: System) -> dict[str, str | None]:
    world = World(system)
    found: dict[str, str | None] = {}
    for name, caller in CALLERS.items():
        found[name] = None if caller is None else await world.token(await _member(world, *caller))
    return found


async def _schemathesis(url: str, token: str | None, report: Path) -> tuple[int, str]:
    argv = [
        sys.executable, "-m", "schemathesis.cli", "run", f"{url}/openapi.json",
        "--checks", CHECKS,
        "--max-examples", EXAMPLES,
        "--seed", SEED,
        "--workers", "1",
        "--phases", "examples,coverage,fuzzing",
        "--request-timeout", "10",
        "--exclude-path-regex", EXCLUDE_PATHS,
        "--generation-database", "none",
        "--no-color",
        "--report", "junit",
        "--report-junit-path", str(report),
        "--header", "Accept-Language: hi",
    ]  # fmt: skip
    if token is not None:
        argv += ["--header", f"Authorization: Bearer {token}"]
    process = await asyncio.create_subprocess_exec(
        *argv,
        cwd=ROOT,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.STDOUT,
    )
    out, _ = await asyncio.wait_for(process.communicate(), timeout=600)
    return process.returncode or 0, out.decode(errors="replace")


def _failures(output: str) -> str:
    """The run's FAILURES section (each with the request that reproduces it), else its tail."""
    start = output.find("FAILURES")
    return output[start - 40 :] if start >= 0 else output[-4000:]


@pytest.mark.parametrize("caller", list(CALLERS))
@pytest.mark.parametrize("service", SERVICES)
async def test_no_server_error_and_no_response_outside_the_schema(
    system: System, tokens: dict[str, str | None], service: str, caller: str
) -> None:
    report = ROOT / ".state" / "security" / f"{service}-{caller}.xml"
    report.parent.mkdir(parents=True, exist_ok=True)
    code, output = await _schemathesis(system.url(service), tokens[caller], report)
    assert "Test cases:" in output, output[-4000:]  # the run happened and generated cases
    assert code == 0, _failures(output)
