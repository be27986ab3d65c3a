"""What the structure tests walk: every service package, every string literal of its code."""

from __future__ import annotations

import ast
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[3]

# Services whose move into the skeleton (issue 11) has not landed yet; each leaves this set in the
# commit that lands its move, and the set is empty when the issue is done.
PENDING: set[str] = set()
PENDING_MARK = pytest.mark.xfail(reason="issue 11 has not landed for this service")


@dataclass(frozen=True)
class Literal:
    path: Path
    line: int
    text: str


def service_packages() -> list[Path]:
    """`services/<name>/src/<package>/` of every service."""
    return sorted(
        package
        for package in ROOT.glob("services/*/src/*")
        if package.is_dir() and (package / "__init__.py").exists()
    )


def python_files(top: Path) -> Iterator[Path]:
    yield from sorted(p for p in top.rglob("*.py") if "__pycache__" not in p.parts)


def _docstrings(tree: ast.AST) -> set[int]:
    """ids of the Constant nodes that are docstrings: prose, not code."""
    found: set[int] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Module | ast.ClassDef | ast.FunctionDef | ast.AsyncFunctionDef):
            body = node.body
            if body and isinstance(body[0], ast.Expr) and isinstance(body[0].value, ast.Constant):
                found.add(id(body[0].value))
    return found


def string_literals(path: Path) -> Iterator[Literal]:
    """Every string in the code (f-string parts included), docstrings left out."""
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    prose = _docstrings(tree)
    for node in ast.walk(tree):
        if isinstance(node, ast.Constant) and isinstance(node.value, str) and id(node) not in prose:
            yield Literal(path, node.lineno, node.value)
