"""erasure.confirmations.v1: each read model of the roster says when it erased a member.

The roster erases a member (DPDP) by publishing tombstones on roster.members.v1 and
roster.contacts.v1. Every service that keeps a copy of the member (the directive service, the
social-publisher, story-intake) deletes it in the consumer that reads the tombstone and, in the
same transaction, writes this confirmation through its outbox; the roster records it per read
model and shows it on the erasure request. Nothing here but the member's id: no name, no number.
"""

from __future__ import annotations

from enum import StrEnum

from pydantic import Field

from nazar_contracts.base import Id, NazarModel, UtcDatetime


class ReadModel(StrEnum):
    """The services that keep a copy of roster members and confirm their erasure."""

    DIRECTIVE = "directive"
    SOCIAL_PUBLISHER = "social-publisher"
    STORY_INTAKE = "story-intake"


class ErasureConfirmed(NazarModel):
    """`read_model` deleted everything it held of the member at `confirmed_at`."""

    member_id: Id = Field(description="the erased member; the record key")
    read_model: ReadModel
    confirmed_at: UtcDatetime
