"""roster.units.v1 carries two versions of the unit: v1 (the first six kinds) and v2 (adds the
`branch` kind for a wing of PHQ). Both parse; v1 refuses what only v2 may say."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

import pytest
from nazar_contracts import event_types, topics
from nazar_contracts.base import BilingualName
from nazar_contracts.registry import InvalidEventError, parse, spec_for_model, spec_for_type
from nazar_contracts.schemas import json_schema
from nazar_contracts.units import UnitUpserted, UnitUpsertedV2
from nazar_contracts.vocabulary import CRIME_BRANCH, UNIT_KINDS_V1, UnitKind, is_adg_crime
from pydantic import ValidationError

from tests.unit.contracts.support import golden

SCHEMAS = Path(__file__).parents[3] / "libs" / "contracts" / "schemas"


def test_both_versions_live_on_the_units_topic_keyed_by_unit() -> None:
    v1, v2 = spec_for_type(event_types.UNIT_UPSERTED), spec_for_type(event_types.UNIT_UPSERTED_V2)
    assert v1.topic == v2.topic == topics.ROSTER_UNITS
    assert spec_for_model(UnitUpserted) is v1 and spec_for_model(UnitUpsertedV2) is v2
    branch = parse(event_types.UNIT_UPSERTED_V2, golden(event_types.UNIT_UPSERTED_V2))
    assert v2.key(branch) == CRIME_BRANCH


def test_the_v1_golden_parses_as_both_versions_and_a_v2_consumer_reads_it_alike() -> None:
    record = golden(event_types.UNIT_UPSERTED)
    old = parse(event_types.UNIT_UPSERTED, record)
    new = parse(event_types.UNIT_UPSERTED_V2, record)
    assert isinstance(old, UnitUpserted) and isinstance(new, UnitUpsertedV2)
    assert old.model_dump() == new.model_dump()


def test_the_crime_branch_is_v2_only() -> None:
    record = golden(event_types.UNIT_UPSERTED_V2)
    unit = parse(event_types.UNIT_UPSERTED_V2, record)
    # Consumers take both versions with one isinstance check.
    assert isinstance(unit, UnitUpserted) and unit.kind is UnitKind.BRANCH
    assert unit.name.hi == "अपराध शाखा" and unit.path == ["PHQ", CRIME_BRANCH]
    with pytest.raises(InvalidEventError, match=r"kind: .*v2 only"):
        parse(event_types.UNIT_UPSERTED, record)
    with pytest.raises(ValidationError):  # nor can a producer build it as v1
        UnitUpserted(**{**unit.model_dump(), "kind": UnitKind.BRANCH})


def test_a_branch_sits_right_under_the_state_unit() -> None:
    fields = golden(event_types.UNIT_UPSERTED_V2)
    deeper = {**fields, "parent_id": "RNG-JAIPUR", "path": ["PHQ", "RNG-JAIPUR", CRIME_BRANCH]}
    with pytest.raises(InvalidEventError, match="right under the state unit"):
        parse(event_types.UNIT_UPSERTED_V2, deeper)
    built = UnitUpsertedV2(
        unit_id="BR-LAW-AND-ORDER", kind=UnitKind.BRANCH,
        name=BilingualName(hi="कानून एवं व्यवस्था शाखा", en="Law and Order Branch"),
        parent_id="PHQ", path=["PHQ", "BR-LAW-AND-ORDER"], active=True, version=1,
        updated_at=datetime(2026, 12, 3, 6, 0, tzinfo=UTC),
    )  # fmt: skip
    assert built.kind is UnitKind.BRANCH


def test_the_v1_schema_still_lists_only_the_v1_kinds() -> None:
    def kinds(event_type: str) -> set[str]:
        schema = json.loads((SCHEMAS / f"{event_type}.json").read_text(encoding="utf-8"))
        return set(schema["properties"]["kind"].get("enum") or schema["$defs"]["UnitKind"]["enum"])

    assert kinds(event_types.UNIT_UPSERTED) == {k.value for k in UNIT_KINDS_V1}
    assert kinds(event_types.UNIT_UPSERTED_V2) == {k.value for k in UnitKind}
    assert "branch" in json.dumps(json_schema(spec_for_type(event_types.UNIT_UPSERTED_V2)))


def test_adg_crime_is_the_adg_at_the_crime_branch() -> None:
    assert is_adg_crime("adg", CRIME_BRANCH)
    assert not is_adg_crime("adg", "PHQ") and not is_adg_crime("sp_phq_crime", CRIME_BRANCH)
