"""Tests and benchmarks read nothing outside the repository: a fresh CI checkout has no sibling
folders, and a test that reads one passes only on the machine that wrote it."""

from __future__ import annotations

import re
from pathlib import Path

from tests.unit.structure.support import ROOT, python_files, string_literals

HERE = Path(__file__).resolve().parent  # the examples below are the check's own

# An absolute path into a workspace, or a step up out of the checkout into its neighbours.
OUTSIDE = re.compile(r"^/(work|home|root|tmp/shared)/|(^|/)\.\./|^\.\.$|^shared/")


def test_tests_and_benchmarks_read_nothing_outside_the_repository() -> None:
    found = [
        f"{literal.path.relative_to(ROOT)}:{literal.line}: {literal.text!r}"
        for top in (ROOT / "tests", ROOT / "bench")
        for path in python_files(top)
        if path.parent != HERE
        for literal in string_literals(path)
        if OUTSIDE.search(literal.text)
    ]
    assert found == [], "paths outside the repository:\n" + "\n".join(found)


def test_the_check_sees_a_path_outside() -> None:
    assert OUTSIDE.search("../elsewhere/article.md")
    assert OUTSIDE.search("/work/elsewhere/seed")
    assert not OUTSIDE.search("tests/hindi.py")
