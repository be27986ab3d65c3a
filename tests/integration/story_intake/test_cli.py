"""`python -m story_intake gate --jsonl FILE|-` on 10,000 texts, exactly as the issue says."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from story_intake.adapters.gate_data import gate

from tests.unit.story_intake.corpus import examples

ROOT = Path(__file__).resolve().parents[3]


def run(*args: str, stdin: str | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "story_intake", "gate", *args],
        input=stdin,
        capture_output=True,
        text=True,
        cwd=ROOT,
        timeout=300,
        check=False,
    )


def test_ten_thousand_texts_in_one_verdict_per_line_in_order(tmp_path: Path) -> None:
    corpus = examples()
    texts = [corpus[i % len(corpus)].text for i in range(10_000)]
    source = tmp_path / "texts.jsonl"
    with source.open("w", encoding="utf-8") as out:
        for i, text in enumerate(texts):
            out.write(json.dumps({"id": f"t{i}", "text": text, "district": "X"}) + "\n")
    done = run("--jsonl", str(source))
    assert done.returncode == 0, done.stderr[-2000:]
    lines = done.stdout.splitlines()
    assert len(lines) == 10_000
    verdicts = {e.text: gate().check(e.text) for e in corpus}
    for i, line in enumerate(lines):
        item = json.loads(line)
        assert list(item) == ["id", "verdict", "findings"]
        assert item["id"] == f"t{i}"
        expected = verdicts[texts[i]]
        assert item["verdict"] == expected.verdict.value
        assert item["findings"] == [f.as_dict() for f in expected.findings]
    assert {json.loads(line)["verdict"] for line in lines} == {"block", "review", "pass"}


def test_stdin_and_bad_lines() -> None:
    stdin = "\n".join([json.dumps({"id": 1, "text": "मो. 9829012345"}), "{oops", ""]) + "\n"
    done = run("--jsonl", "-", stdin=stdin)
    assert done.returncode == 1
    [line] = done.stdout.splitlines()
    assert json.loads(line)["verdict"] == "block"
    assert done.stderr.strip() == "line 2: not JSON"
    clean = run("--jsonl", "-", stdin=json.dumps({"id": 2, "text": "यातायात रैली"}))
    assert clean.returncode == 0
    assert json.loads(clean.stdout) == {"id": 2, "verdict": "pass", "findings": []}
