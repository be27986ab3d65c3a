"""JSON Schema (draft 2020-12) of each event type's data, and the golden examples."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from nazar_contracts.registry import SPECS, EventSpec

DRAFT = "https://json-schema.org/draft/2020-12/schema"

# libs/contracts: the checked-in schemas, golden examples and AsyncAPI document live here.
PACKAGE_ROOT = Path(__file__).resolve().parents[2]


def data_specs() -> list[EventSpec[Any]]:
    """Every event type that carries data (tombstones carry none), in registry order."""
    return [s for s in SPECS if not s.tombstone]


def json_schema(spec: EventSpec[Any]) -> dict[str, Any]:
    """What a consumer accepts as the data of `spec.type`. Not `additionalProperties: false`:
    fields may be added within a version."""
    schema = spec.model.model_json_schema(mode="validation")
    head: dict[str, Any] = {
        "$schema": DRAFT,
        "title": spec.type,
        "description": schema.pop("description", spec.model.__name__),
    }
    schema.pop("title", None)
    return {**head, **schema}


def dumps(value: Any) -> str:
    return json.dumps(value, indent=2, ensure_ascii=False) + "\n"


def golden_path(event_type: str, root: Path = PACKAGE_ROOT) -> Path:
    return root / "golden" / f"{event_type}.json"


def load_golden(event_type: str, root: Path = PACKAGE_ROOT) -> dict[str, Any]:
    with golden_path(event_type, root).open(encoding="utf-8") as handle:
        value: dict[str, Any] = json.load(handle)
    return value
