"""Every service has the skeleton of docs/ARCHITECTURE.md ("The shape of every service"), and
nothing else at the top of its package; SQL lives only in `store/` and `migrations/`; topic names
and event types are spelled only in `nazar_contracts`."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from nazar_contracts import event_types, topics

from tests.unit.structure.support import (
    PENDING,
    PENDING_MARK,
    ROOT,
    python_files,
    service_packages,
    string_literals,
)

MODULES = {"__init__.py", "__main__.py", "settings.py", "app.py", "metrics.py", "py.typed"}
REQUIRED_MODULES = MODULES - {"py.typed"}
PACKAGES = {"api", "handlers", "store", "adapters", "domain", "workers"}
REQUIRED_PACKAGES = {"api", "handlers", "store", "domain"}
RESOURCES = {"migrations", "templates", "static"}
SQL_HOMES = {"store", "migrations"}

# A statement keyword as SQL writes it (upper case, whole word); prose in code rarely shouts so.
SQL = re.compile(r"\b(SELECT|INSERT|UPDATE|DELETE)\b")

PACKAGE_DIRS = service_packages()
IDS = [package.name for package in PACKAGE_DIRS]


def _per_service(items: list[Path]) -> list[object]:
    return [
        pytest.param(
            item,
            id=str(item.relative_to(ROOT)) if item.name not in IDS else item.name,
            marks=[PENDING_MARK] if item.name in PENDING else [],
        )
        for item in items
    ]


def test_every_service_is_found() -> None:
    assert {"roster", "directive", "social_publisher"} <= set(IDS)


@pytest.mark.parametrize("package", _per_service(PACKAGE_DIRS))
def test_nothing_outside_the_skeleton(package: Path) -> None:
    strays = sorted(
        entry.name
        for entry in package.iterdir()
        if entry.name != "__pycache__"
        and not (entry.is_file() and entry.name in MODULES)
        and not (entry.is_dir() and entry.name in PACKAGES | RESOURCES)
    )
    assert strays == [], f"{package.relative_to(ROOT)} has modules outside the skeleton: {strays}"


@pytest.mark.parametrize("package", _per_service(PACKAGE_DIRS))
def test_the_skeleton_is_complete(package: Path) -> None:
    missing = sorted(name for name in REQUIRED_MODULES if not (package / name).is_file())
    missing += sorted(
        f"{name}/" for name in REQUIRED_PACKAGES if not (package / name / "__init__.py").is_file()
    )
    assert missing == [], f"{package.relative_to(ROOT)} lacks {missing}"


@pytest.mark.parametrize("package", PACKAGE_DIRS, ids=IDS)
def test_layer_packages_are_packages(package: Path) -> None:
    loose = sorted(
        name
        for name in PACKAGES
        if (package / name).is_dir() and not (package / name / "__init__.py").is_file()
    )
    assert loose == [], f"{package.relative_to(ROOT)}: {loose} lack __init__.py"


@pytest.mark.parametrize("package", _per_service(PACKAGE_DIRS))
def test_sql_only_in_store_and_migrations(package: Path) -> None:
    found = [
        f"{literal.path.relative_to(ROOT)}:{literal.line}: {literal.text.strip()[:60]!r}"
        for path in python_files(package)
        if not SQL_HOMES & set(path.relative_to(package).parts[:1])
        for literal in string_literals(path)
        if SQL.search(literal.text)
    ]
    assert found == [], "SQL outside store/ and migrations/:\n" + "\n".join(found)


def _names(module: object) -> set[str]:
    return {
        value
        for name, value in vars(module).items()
        if name.isupper() and isinstance(value, str) and "." in value
    }


TOPIC_NAMES = _names(topics) - {topics.DLQ_SUFFIX}
EVENT_TYPES = _names(event_types)
# A name as a whole token: not part of a longer dotted name or word.
NAME = re.compile(
    r"(?<![\w.])("
    + "|".join(re.escape(n) for n in sorted(TOPIC_NAMES | EVENT_TYPES, key=len, reverse=True))
    + r")(?![\w])"
)
# Code that must name topics and event types through nazar_contracts.
NAMING_CODE = [*PACKAGE_DIRS, ROOT / "libs/platform/src", ROOT / "tools"]


def test_the_contract_names_are_known() -> None:
    assert topics.DIRECTIVE_EVENTS in TOPIC_NAMES
    assert event_types.DIRECTIVE_ISSUED in EVENT_TYPES


@pytest.mark.parametrize("top", _per_service(NAMING_CODE))
def test_no_topic_or_event_type_literal_outside_contracts(top: Path) -> None:
    found = [
        f"{literal.path.relative_to(ROOT)}:{literal.line}: {match.group(1)}"
        for path in python_files(top)
        for literal in string_literals(path)
        for match in NAME.finditer(literal.text)
    ]
    assert found == [], "spell these through nazar_contracts.topics / event_types:\n" + "\n".join(
        found
    )
