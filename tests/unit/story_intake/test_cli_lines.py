from __future__ import annotations

import json

from story_intake.handlers.gate import BadLine, check_jsonl


def test_each_line_gets_id_verdict_and_findings_exactly() -> None:
    lines = [
        json.dumps({"id": 7, "text": "आधार 2341 2341 2346", "extra": True}),
        "",
        json.dumps({"id": "b", "text": "यातायात जागरूकता रैली"}),
        "not json",
        json.dumps({"id": "c"}),
    ]
    out = list(check_jsonl(lines))
    first = json.loads(out[0])  # type: ignore[arg-type]
    assert set(first) == {"id", "verdict", "findings"}
    assert first["id"] == 7 and first["verdict"] == "block"
    [finding] = first["findings"]
    assert set(finding) == {"rule", "start", "end", "text", "why"}
    assert finding["text"] == "2341 2341 2346" and set(finding["why"]) == {"en", "hi"}
    assert json.loads(out[1]) == {"id": "b", "verdict": "pass", "findings": []}  # type: ignore[arg-type]
    assert out[2:] == [BadLine(4, "not JSON"), BadLine(5, "not an object with id and text")]
