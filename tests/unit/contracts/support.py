"""Shared helpers for the contract tests: the golden examples and paths."""

from __future__ import annotations

from pathlib import Path
from typing import Any, TypeVar

from nazar_contracts.registry import parse, spec_for_model
from nazar_contracts.schemas import data_specs, load_golden
from pydantic import BaseModel

M = TypeVar("M", bound=BaseModel)

ROOT = Path(__file__).resolve().parents[3]
CONTRACTS = ROOT / "libs" / "contracts"
HINDI = "सोशल मीडिया के जरिए बदमाशों पर कड़ी नजर रखेगी पुलिस"

DATA_TYPES = [spec.type for spec in data_specs()]


def golden(event_type: str) -> dict[str, Any]:
    return load_golden(event_type, CONTRACTS)


def parsed(model: type[M], data: dict[str, Any]) -> M:
    """`parse` through the consumer path, typed as the model the test expects."""
    value = parse(spec_for_model(model).type, data)
    assert isinstance(value, model)
    return value
