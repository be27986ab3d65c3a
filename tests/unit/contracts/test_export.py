"""The checked-in schemas and AsyncAPI document are what the models generate today."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import yaml
from nazar_contracts import export
from nazar_contracts.asyncapi import channel_id, message_id
from nazar_contracts.registry import SPECS

from tests.unit.contracts.support import CONTRACTS, DATA_TYPES, ROOT


def test_checked_in_files_are_fresh() -> None:
    stale = export.stale(CONTRACTS)
    assert stale == [], (
        f"stale generated files {stale}: run `uv run python -m nazar_contracts.export` and commit"
    )
    rendered = export.render(CONTRACTS)
    assert set(rendered) == {f"schemas/{t}.json" for t in DATA_TYPES} | {"asyncapi.yaml"}


def _copy(tmp_path: Path) -> Path:
    root = tmp_path / "contracts"
    for part in ("golden", "schemas"):
        shutil.copytree(CONTRACTS / part, root / part)
    shutil.copy(CONTRACTS / "asyncapi.yaml", root / "asyncapi.yaml")
    return root


def test_check_fails_on_an_edited_missing_or_extra_file_and_write_repairs(tmp_path: Path) -> None:
    root = _copy(tmp_path)
    assert export.main(["--check", "--root", str(root)]) == 0
    schema = root / "schemas" / "nazar.unit.upserted.v1.json"
    schema.write_text(schema.read_text().replace('"boolean"', '"string"'), encoding="utf-8")
    (root / "schemas" / "nazar.dispatch.read.v1.json").unlink()
    (root / "schemas" / "nazar.unit.moved.v1.json").write_text("{}\n", encoding="utf-8")
    assert export.stale(root) == [
        "schemas/nazar.unit.upserted.v1.json",
        "schemas/nazar.dispatch.read.v1.json",
        "schemas/nazar.unit.moved.v1.json",
    ]
    assert export.main(["--check", "--root", str(root)]) == 1
    assert export.main(["--root", str(root)]) == 0
    assert export.stale(root) == []
    assert not (root / "schemas" / "nazar.unit.moved.v1.json").exists()


def test_a_changed_golden_example_makes_the_document_stale(tmp_path: Path) -> None:
    root = _copy(tmp_path)
    closed = root / "golden" / "nazar.directive.closed.v1.json"
    closed.write_text(closed.read_text().replace("completed", "expired"), encoding="utf-8")
    assert export.stale(root) == ["asyncapi.yaml"]


def test_the_cli_runs_as_a_module() -> None:
    result = subprocess.run(
        [sys.executable, "-m", "nazar_contracts.export", "--check"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stderr


def test_document_describes_every_topic_and_event_type() -> None:
    document = yaml.safe_load((CONTRACTS / "asyncapi.yaml").read_text(encoding="utf-8"))
    assert document["asyncapi"] == "3.0.0"
    channels = document["channels"]
    assert channels[channel_id("roster.contacts.v1")]["address"] == "roster.contacts.v1"
    messages = document["components"]["messages"]
    assert set(messages) == {message_id(s.type) for s in SPECS}
    erased = messages[message_id("nazar.member.erased.v1")]
    assert erased["payload"] == {"type": "null"}
    assert "content-type" not in erased["headers"]["properties"]
    issued = messages[message_id("nazar.directive.issued.v1")]
    assert issued["headers"]["properties"]["ce_type"]["const"] == "nazar.directive.issued.v1"
    assert issued["bindings"]["kafka"]["key"]["description"] == "directive id"
    flash = channels[channel_id("dispatch.deliveries.flash.v1")]["messages"]
    assert list(flash) == [message_id("nazar.dispatch.requested.v1")]
    stories = channels[channel_id("story.events.v1")]["messages"]
    assert message_id("nazar.story.sent_back.v1") in stories
    alerts = channels[channel_id("alert.events.v1")]["messages"]
    assert list(alerts) == [message_id("nazar.alert.raised.v1")]
    cases = channels[channel_id("alert.cases.v1")]["messages"]
    assert message_id("nazar.alert.handed_over.v1") in cases
    results = channels[channel_id("publish.results.v1")]["messages"]
    assert set(results) == {
        message_id(f"nazar.publish.{name}.v1")
        for name in (
            "posted",
            "failed",
            "withdrawal_task_opened",
            "withdrawn",
            "withdrawal_failed",
            "account_stopped",
            "account_resumed",
        )
    }
    requests = channels[channel_id("publish.requests.v1")]["messages"]
    assert set(requests) == {
        message_id("nazar.publish.requested.v1"),
        message_id("nazar.publish.withdrawal_requested.v1"),
        message_id("nazar.publish.withdrawal_confirmed.v1"),
    }
