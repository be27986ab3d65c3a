"""No import loop anywhere: a loop ties modules so that neither can be understood, tested or moved
alone (import-linter's layers catch loops across layers; this catches the rest)."""

from __future__ import annotations

import importlib.util

import grimp
import pytest

from tests.unit.structure.support import PENDING, PENDING_MARK

PACKAGES = [
    "nazar_contracts",
    "nazar_platform",
    "nazar_fakes",
    "nazar_rostergen",
    "roster",
    "directive",
    "social_publisher",
    "story_intake",
]
INSTALLED = [name for name in PACKAGES if importlib.util.find_spec(name) is not None]


def _cycles(graph: grimp.ImportGraph, package: str) -> list[tuple[str, ...]]:
    """One shortest loop through each module that is in any loop."""
    found: list[tuple[str, ...]] = []
    seen: set[str] = set()
    for module in sorted(graph.find_children(package) | graph.find_descendants(package)):
        if module in seen:
            continue
        for imported in sorted(graph.find_modules_directly_imported_by(module)):
            back = graph.find_shortest_chain(importer=imported, imported=module)
            if back is not None:
                loop = (module, *back)
                found.append(loop)
                seen.update(loop)
                break
    return found


def test_every_package_is_checked() -> None:
    assert INSTALLED == PACKAGES


@pytest.mark.parametrize(
    "package",
    [pytest.param(p, marks=[PENDING_MARK] if p in PENDING else []) for p in INSTALLED],
)
def test_no_import_loop(package: str) -> None:
    graph = grimp.build_graph(package, cache_dir=None)
    loops = [" → ".join(loop) for loop in _cycles(graph, package)]
    assert loops == [], f"import loops in {package}:\n" + "\n".join(loops)
