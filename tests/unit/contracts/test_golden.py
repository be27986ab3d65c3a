"""Golden examples: the backward-compatibility guard of every event type.

Each file in libs/contracts/golden is a record a v1 producer may have written. If a change to a
model makes one of them fail to parse, or parse into something else, the change is not backward
compatible and needs a new version (README.md, "Compatibility").
"""

from __future__ import annotations

import json
import re
from typing import Any

import pytest
import yaml
from jsonschema import Draft7Validator, Draft202012Validator
from nazar_contracts.registry import parse, spec_for_type

from tests.unit.contracts.support import CONTRACTS, DATA_TYPES, golden

# The only numbers examples may use: a block documented as synthetic in README.md.
SYNTHETIC_PHONE = re.compile(r"^\+91700000\d{4}$")
PHONE_LIKE = re.compile(r"\+?\d[\d ]{9,}")


def test_every_data_event_type_has_exactly_one_golden_example() -> None:
    present = sorted(p.stem for p in (CONTRACTS / "golden").glob("*.json"))
    assert present == sorted(DATA_TYPES)


@pytest.mark.parametrize("event_type", DATA_TYPES)
def test_golden_parses_and_reserialises_to_the_same_json(event_type: str) -> None:
    example = golden(event_type)
    model = parse(event_type, example)
    assert type(model) is spec_for_type(event_type).model
    # exclude_unset: an optional field added later is not in an old example and must not count.
    assert model.model_dump(mode="json", exclude_unset=True) == example
    assert json.loads(model.model_dump_json(exclude_unset=True)) == example


@pytest.mark.parametrize("event_type", DATA_TYPES)
def test_a_consumer_ignores_fields_added_later(event_type: str) -> None:
    example = golden(event_type)
    newer = {**example, "added_in_a_later_v1_release": {"anything": [1, 2]}}
    assert parse(event_type, newer) == parse(event_type, example)


@pytest.mark.parametrize("event_type", DATA_TYPES)
def test_the_exported_json_schema_accepts_the_golden(event_type: str) -> None:
    schema = json.loads((CONTRACTS / "schemas" / f"{event_type}.json").read_text(encoding="utf-8"))
    Draft202012Validator.check_schema(schema)
    validator = Draft202012Validator(schema, format_checker=Draft202012Validator.FORMAT_CHECKER)
    assert list(validator.iter_errors(golden(event_type))) == []


@pytest.fixture(scope="module")
def asyncapi_components() -> dict[str, Any]:
    document = yaml.safe_load((CONTRACTS / "asyncapi.yaml").read_text(encoding="utf-8"))
    components: dict[str, Any] = document["components"]
    return components


@pytest.mark.parametrize("event_type", DATA_TYPES)
def test_the_asyncapi_payload_schema_accepts_the_golden(
    event_type: str, asyncapi_components: dict[str, Any]
) -> None:
    # AsyncAPI schemas are a superset of draft 7; refs point into the document's components.
    name = spec_for_type(event_type).model.__name__
    schema = {"$ref": f"#/components/schemas/{name}", "components": asyncapi_components}
    assert list(Draft7Validator(schema).iter_errors(golden(event_type))) == []


def test_the_json_schema_rejects_what_the_model_rejects() -> None:
    # Guards against a schema so loose that accepting the golden proves nothing.
    schema = json.loads(
        (CONTRACTS / "schemas" / "nazar.contact.upserted.v1.json").read_text(encoding="utf-8")
    )
    validator = Draft202012Validator(schema)
    bad = {**golden("nazar.contact.upserted.v1"), "whatsapp": "07000000417"}
    assert not validator.is_valid(bad)
    missing = {k: v for k, v in golden("nazar.contact.upserted.v1").items() if k != "member_id"}
    assert not validator.is_valid(missing)
    title_schema = json.loads(
        (CONTRACTS / "schemas" / "nazar.directive.updated.v1.json").read_text(encoding="utf-8")
    )
    empty_title = {**golden("nazar.directive.updated.v1"), "title": {}}
    assert not Draft202012Validator(title_schema).is_valid(empty_title)


# A network's post id is a long number (an X post id has 19 digits): it names a public post, not a
# person, so the phone guard skips these two fields (and only these).
_POST_IDS = frozenset({"provider_post_id", "public_url"})


def _strings(value: Any) -> list[str]:
    if isinstance(value, str):
        return [value]
    if isinstance(value, dict):
        return [s for k, v in value.items() if k not in _POST_IDS for s in _strings(v)]
    if isinstance(value, list):
        return [s for v in value for s in _strings(v)]
    return []


@pytest.mark.parametrize("event_type", DATA_TYPES)
def test_phone_numbers_only_in_contacts_and_only_synthetic(event_type: str) -> None:
    example = golden(event_type)
    if event_type == "nazar.contact.upserted.v1":
        numbers = [example["whatsapp"], example["sms"]]
        assert numbers and all(SYNTHETIC_PHONE.match(n) for n in numbers)
        assert example["synthetic"] is True
        return
    for text in _strings(example):
        assert not PHONE_LIKE.search(text), f"{event_type}: {text!r} looks like a phone number"


def test_member_facing_examples_are_in_hindi() -> None:
    devanagari = re.compile("[\u0900-\u097f]")
    issued = golden("nazar.directive.issued.v1")
    assert devanagari.search(issued["title"]["hi"])
    assert devanagari.search(golden("nazar.dispatch.requested.v1")["body"])
    assert golden("nazar.dispatch.opted_out.v1")["keyword"] == "बंद"
