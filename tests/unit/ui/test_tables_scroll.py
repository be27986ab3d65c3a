"""Every table of every page sits in the one wrapper that lets it scroll sideways inside its card
on a 360 px phone, and that a keyboard can reach (`<div class="scroll" tabindex="0">`, console.css;
issue 20). The browser tests measure the pages (`tests/browser/a11y.py`); this finds a table
written without its wrapper before a page with a wide row shows one."""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[3]
TEMPLATES = sorted(
    [
        *ROOT.glob("services/*/src/*/templates/**/*.html"),
        *ROOT.glob("libs/ui/src/*/templates/**/*.html"),
    ]
)
WRAPPED = re.compile(r'<div class="scroll" tabindex="0">\s*$')


def test_there_are_templates_with_tables() -> None:
    assert sum("<table" in t.read_text(encoding="utf-8") for t in TEMPLATES) >= 10


def test_every_table_scrolls_in_its_wrapper() -> None:
    bare = []
    for template in TEMPLATES:
        html = template.read_text(encoding="utf-8")
        for table in re.finditer(r"<table\b", html):
            if not WRAPPED.search(html[: table.start()]):
                line = html.count("\n", 0, table.start()) + 1
                bare.append(f"{template.relative_to(ROOT)}:{line}")
    assert bare == []
