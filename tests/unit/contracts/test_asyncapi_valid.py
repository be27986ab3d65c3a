"""libs/contracts/asyncapi.yaml passes the official AsyncAPI parser (tools/asyncapi/validate.mjs).

Spawns node; touches no Kafka or PostgreSQL. `deploy/stack install` runs `npm ci` there.
"""

from __future__ import annotations

import shutil
import subprocess
from collections.abc import Callable
from pathlib import Path

import pytest

from tests.unit.contracts.support import CONTRACTS, ROOT

TOOLS = ROOT / "tools" / "asyncapi"
DOCUMENT = CONTRACTS / "asyncapi.yaml"


def _validate(document: Path) -> subprocess.CompletedProcess[str]:
    node = shutil.which("node")
    if node is None or not (TOOLS / "node_modules" / "@asyncapi" / "parser").is_dir():
        pytest.fail("the AsyncAPI validator is not installed: run `deploy/stack install`")
    return subprocess.run(
        [node, str(TOOLS / "validate.mjs"), str(document)],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def test_the_document_is_valid() -> None:
    result = _validate(DOCUMENT)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "VALID:" in result.stdout
    assert "16 channels" in result.stdout
    assert "error " not in result.stdout


@pytest.mark.parametrize(
    ("break_it", "complaint"),
    [
        # A message the channel points at does not exist.
        (
            lambda s: s.replace(
                "$ref: '#/components/messages/unitUpsertedV1'",
                "$ref: '#/components/messages/unitMovedV1'",
            ),
            "does not exist",
        ),
        # A field the AsyncAPI 3 schema does not allow.
        (lambda s: s.replace("asyncapi: 3.0.0\n", "asyncapi: 3.0.0\nchannelz: {}\n"), "channelz"),
        # A binding value of the wrong type.
        (lambda s: s.replace("      - compact\n", "      - shred\n", 1), "cleanup.policy"),
    ],
    ids=["dangling-ref", "unknown-field", "bad-binding"],
)
def test_a_broken_copy_is_rejected(
    tmp_path: Path, break_it: Callable[[str], str], complaint: str
) -> None:
    source = DOCUMENT.read_text(encoding="utf-8")
    broken = break_it(source)
    assert broken != source
    copy = tmp_path / "asyncapi.yaml"
    copy.write_text(broken, encoding="utf-8")
    result = _validate(copy)
    assert result.returncode == 1, result.stdout + result.stderr
    assert "INVALID" in result.stdout
    assert complaint in result.stdout
