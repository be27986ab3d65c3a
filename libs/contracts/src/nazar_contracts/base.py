"""Building blocks every event model shares: the base config, identifiers, UTC times, text.

Producers build models in Python, where strict mode refuses coercion (a string is not an enum
member, "3" is not an int), so a wrong type fails at the producer, not in a consumer. Consumers
parse JSON (`registry.parse_json`), where strict mode still accepts the JSON spelling of enums
and times. Unknown fields are ignored when parsing: a producer may add optional fields within a
version (see README.md, "Compatibility") and consumers that predate them keep working.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated, Self

from pydantic import AfterValidator, AwareDatetime, BaseModel, ConfigDict, Field, model_validator


class NazarModel(BaseModel):
    model_config = ConfigDict(strict=True, frozen=True, extra="ignore")


def _to_utc(moment: datetime) -> datetime:
    return moment.astimezone(UTC)


# Naive datetimes are refused (an instant without a zone is a bug waiting for a DST-less
# country to meet a server in another); aware ones are normalised to UTC so that equal instants
# serialise equally ("...Z").
UtcDatetime = Annotated[AwareDatetime, AfterValidator(_to_utc)]

# Aggregate ids (members, directives, messages, groups, ...): opaque to consumers. No ':' because
# the delivery id hashes "message_id:member_id" and must not be ambiguous.
Id = Annotated[str, Field(min_length=1, max_length=128, pattern=r"^[A-Za-z0-9][A-Za-z0-9._-]*$")]

# Units have stable human-readable codes (DST-BIKANER, CIR-TIJARA). A code never encodes where
# the unit sits in the tree: units move between ranges, codes do not change.
UnitId = Annotated[str, Field(min_length=2, max_length=64, pattern=r"^[A-Z0-9][A-Z0-9-]*$")]

DeliveryId = Annotated[
    str, Field(pattern=r"^[0-9a-f]{8}-[0-9a-f]{4}-5[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$")
]

# E.164: '+', country code, subscriber number; 8 to 15 digits in all. Only roster.contacts.v1
# carries these.
E164 = Annotated[str, Field(pattern=r"^\+[1-9][0-9]{7,14}$")]

Text = Annotated[str, Field(min_length=1)]

Ratio = Annotated[float, Field(ge=0.0, le=1.0)]

Version = Annotated[int, Field(ge=1)]


class BilingualText(NazarModel):
    """Text in Hindi (Devanagari) and/or English; at least one is present."""

    model_config = ConfigDict(
        json_schema_extra={
            "anyOf": [
                {"required": ["hi"], "properties": {"hi": {"type": "string"}}},
                {"required": ["en"], "properties": {"en": {"type": "string"}}},
            ]
        }
    )

    hi: Text | None = None
    en: Text | None = None

    @model_validator(mode="after")
    def _one_language_at_least(self) -> Self:
        if self.hi is None and self.en is None:
            raise ValueError("bilingual text needs at least one of 'hi' and 'en'")
        return self


class BilingualName(NazarModel):
    """A proper name in both scripts: a unit's name is shown to everyone, in either language."""

    hi: Text
    en: Text
