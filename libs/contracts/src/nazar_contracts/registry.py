"""Which event type lives on which topic, with which model and key.

spec = spec_for_model(type(data))        # producing: topic, key and ce_type from the model
model = parse_json(ce_type, raw_value)   # consuming: the typed model for a record's value
"""

from __future__ import annotations

import builtins
import json
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Generic, TypeVar, cast

from pydantic import BaseModel, ValidationError

from nazar_contracts import event_types as e
from nazar_contracts import topics as t
from nazar_contracts.alerts import (
    AlertClosed,
    AlertEscalated,
    AlertHandedOver,
    AlertRaised,
    AlertRouted,
    AlertTaken,
)
from nazar_contracts.auth import AuthCodeRequested
from nazar_contracts.contacts import ContactUpserted
from nazar_contracts.directives import (
    DirectiveAcknowledged,
    DirectiveCancelled,
    DirectiveClosed,
    DirectiveEscalated,
    DirectiveIssued,
    DirectiveNoted,
    DirectiveRelayed,
    DirectiveUpdated,
    Priority,
)
from nazar_contracts.dispatch import (
    DispatchDelivered,
    DispatchFailed,
    DispatchOptedOut,
    DispatchRead,
    DispatchReplied,
    DispatchRequested,
    DispatchSent,
)
from nazar_contracts.erasures import ErasureConfirmed
from nazar_contracts.groups import GroupUpserted
from nazar_contracts.members import MemberUpserted
from nazar_contracts.publish import (
    PublishAccountResumed,
    PublishAccountStopped,
    PublishFailed,
    PublishPosted,
    PublishRequested,
    PublishWithdrawalConfirmed,
    PublishWithdrawalFailed,
    PublishWithdrawalRequested,
    PublishWithdrawalTaskOpened,
    PublishWithdrawn,
)
from nazar_contracts.stories import (
    StoryApproved,
    StoryCirculationRequested,
    StoryClaimed,
    StoryForwarded,
    StoryRejected,
    StoryResubmitted,
    StorySentBack,
    StorySubmitted,
    StoryWithdrawn,
)
from nazar_contracts.units import UnitUpserted, UnitUpsertedV2

M = TypeVar("M", bound=BaseModel)

TYPE_PATTERN = re.compile(r"^nazar\.[a-z]+(_[a-z]+)*\.[a-z]+(_[a-z]+)*\.v[1-9][0-9]*$")


class UnknownEventTypeError(KeyError):
    """No event type of that name is registered (a typo, or a type from a newer producer)."""

    def __str__(self) -> str:
        return str(self.args[0])


class InvalidEventError(ValueError):
    """The data does not fit the event type's model. The message names fields and reasons only,
    never input values, so that it may be logged and put in DLQ headers (no phone numbers)."""


@dataclass(frozen=True, slots=True)
class EventSpec(Generic[M]):
    """One event type. A tombstone spec (`tombstone=True`) announces a deletion: its records have
    a null value; `model` is then the state it deletes, and `key` gives that state's key."""

    type: str
    topic: str
    model: builtins.type[M]  # `type` here would be the field above
    key: Callable[[M], str]
    tombstone: bool = False
    # One type on several topics (flash deliveries): `route` picks the topic of each event.
    route: Callable[[M], str] | None = None
    also_on: tuple[str, ...] = field(default=())

    @property
    def topics(self) -> tuple[str, ...]:
        return (self.topic, *self.also_on)

    def topic_for(self, data: M) -> str:
        return self.route(data) if self.route is not None else self.topic


def _delivery_topic(data: DispatchRequested) -> str:
    flash = data.priority is Priority.FLASH
    return t.DISPATCH_DELIVERIES_FLASH if flash else t.DISPATCH_DELIVERIES


def _directive_id(data: Any) -> str:
    return cast(str, data.directive_id)


def _delivery(data: Any) -> str:
    return cast(str, data.delivery_id)


def _member(data: Any) -> str:
    return cast(str, data.member_id)


def _story(data: Any) -> str:
    return cast(str, data.story_id)


def _post(data: Any) -> str:
    return cast(str, data.post_id)


def _account(data: Any) -> str:
    return cast(str, data.account_id)


def _alert(data: Any) -> str:
    return cast(str, data.alert_id)


SPECS: tuple[EventSpec[Any], ...] = (
    EventSpec(e.UNIT_UPSERTED, t.ROSTER_UNITS, UnitUpserted, lambda d: d.unit_id),
    EventSpec(e.UNIT_UPSERTED_V2, t.ROSTER_UNITS, UnitUpsertedV2, lambda d: d.unit_id),
    EventSpec(e.MEMBER_UPSERTED, t.ROSTER_MEMBERS, MemberUpserted, _member),
    EventSpec(e.MEMBER_ERASED, t.ROSTER_MEMBERS, MemberUpserted, _member, True),
    EventSpec(e.CONTACT_UPSERTED, t.ROSTER_CONTACTS, ContactUpserted, _member),
    EventSpec(e.CONTACT_ERASED, t.ROSTER_CONTACTS, ContactUpserted, _member, True),
    EventSpec(e.GROUP_UPSERTED, t.ROSTER_GROUPS, GroupUpserted, lambda d: d.group_id),
    EventSpec(e.GROUP_REMOVED, t.ROSTER_GROUPS, GroupUpserted, lambda d: d.group_id, True),
    EventSpec(e.DIRECTIVE_ISSUED, t.DIRECTIVE_EVENTS, DirectiveIssued, _directive_id),
    EventSpec(e.DIRECTIVE_UPDATED, t.DIRECTIVE_EVENTS, DirectiveUpdated, _directive_id),
    EventSpec(e.DIRECTIVE_CANCELLED, t.DIRECTIVE_EVENTS, DirectiveCancelled, _directive_id),
    EventSpec(e.DIRECTIVE_RELAYED, t.DIRECTIVE_EVENTS, DirectiveRelayed, _directive_id),
    EventSpec(e.DIRECTIVE_NOTED, t.DIRECTIVE_EVENTS, DirectiveNoted, _directive_id),
    EventSpec(e.DIRECTIVE_ESCALATED, t.DIRECTIVE_EVENTS, DirectiveEscalated, _directive_id),
    EventSpec(e.DIRECTIVE_ACKNOWLEDGED, t.DIRECTIVE_EVENTS, DirectiveAcknowledged, _directive_id),
    EventSpec(e.DIRECTIVE_CLOSED, t.DIRECTIVE_EVENTS, DirectiveClosed, _directive_id),
    EventSpec(
        e.DISPATCH_REQUESTED,
        t.DISPATCH_DELIVERIES,
        DispatchRequested,
        _member,
        route=_delivery_topic,
        also_on=(t.DISPATCH_DELIVERIES_FLASH,),
    ),
    EventSpec(e.DISPATCH_SENT, t.DISPATCH_RECEIPTS, DispatchSent, _delivery),
    EventSpec(e.DISPATCH_DELIVERED, t.DISPATCH_RECEIPTS, DispatchDelivered, _delivery),
    EventSpec(e.DISPATCH_READ, t.DISPATCH_RECEIPTS, DispatchRead, _delivery),
    EventSpec(e.DISPATCH_FAILED, t.DISPATCH_RECEIPTS, DispatchFailed, _delivery),
    EventSpec(e.DISPATCH_REPLIED, t.DISPATCH_REPLIES, DispatchReplied, _member),
    EventSpec(e.DISPATCH_OPTED_OUT, t.DISPATCH_REPLIES, DispatchOptedOut, _member),
    EventSpec(e.STORY_SUBMITTED, t.STORY_EVENTS, StorySubmitted, _story),
    EventSpec(e.STORY_RESUBMITTED, t.STORY_EVENTS, StoryResubmitted, _story),
    EventSpec(e.STORY_FORWARDED, t.STORY_EVENTS, StoryForwarded, _story),
    EventSpec(e.STORY_SENT_BACK, t.STORY_EVENTS, StorySentBack, _story),
    EventSpec(e.STORY_REJECTED, t.STORY_EVENTS, StoryRejected, _story),
    EventSpec(e.STORY_WITHDRAWN, t.STORY_EVENTS, StoryWithdrawn, _story),
    EventSpec(e.STORY_APPROVED, t.STORY_EVENTS, StoryApproved, _story),
    EventSpec(e.STORY_CLAIMED, t.STORY_EVENTS, StoryClaimed, _story),
    EventSpec(e.STORY_CIRCULATION_REQUESTED, t.STORY_EVENTS, StoryCirculationRequested, _story),
    EventSpec(e.PUBLISH_REQUESTED, t.PUBLISH_REQUESTS, PublishRequested, _post),
    EventSpec(e.PUBLISH_POSTED, t.PUBLISH_RESULTS, PublishPosted, _post),
    EventSpec(e.PUBLISH_FAILED, t.PUBLISH_RESULTS, PublishFailed, _post),
    EventSpec(
        e.PUBLISH_WITHDRAWAL_REQUESTED, t.PUBLISH_REQUESTS, PublishWithdrawalRequested, _post
    ),
    EventSpec(
        e.PUBLISH_WITHDRAWAL_TASK_OPENED, t.PUBLISH_RESULTS, PublishWithdrawalTaskOpened, _post
    ),
    EventSpec(
        e.PUBLISH_WITHDRAWAL_CONFIRMED, t.PUBLISH_REQUESTS, PublishWithdrawalConfirmed, _post
    ),
    EventSpec(e.PUBLISH_WITHDRAWN, t.PUBLISH_RESULTS, PublishWithdrawn, _post),
    EventSpec(e.PUBLISH_WITHDRAWAL_FAILED, t.PUBLISH_RESULTS, PublishWithdrawalFailed, _post),
    EventSpec(e.PUBLISH_ACCOUNT_STOPPED, t.PUBLISH_RESULTS, PublishAccountStopped, _account),
    EventSpec(e.PUBLISH_ACCOUNT_RESUMED, t.PUBLISH_RESULTS, PublishAccountResumed, _account),
    EventSpec(e.ALERT_RAISED, t.ALERT_EVENTS, AlertRaised, _alert),
    EventSpec(e.ALERT_ROUTED, t.ALERT_CASES, AlertRouted, _alert),
    EventSpec(e.ALERT_ESCALATED, t.ALERT_CASES, AlertEscalated, _alert),
    EventSpec(e.ALERT_TAKEN, t.ALERT_CASES, AlertTaken, _alert),
    EventSpec(e.ALERT_HANDED_OVER, t.ALERT_CASES, AlertHandedOver, _alert),
    EventSpec(e.ALERT_CLOSED, t.ALERT_CASES, AlertClosed, _alert),
    EventSpec(e.AUTH_CODE_REQUESTED, t.AUTH_CODES, AuthCodeRequested, lambda d: d.sign_in_id),
    EventSpec(
        e.ERASURE_CONFIRMED, t.ERASURE_CONFIRMATIONS, ErasureConfirmed, lambda d: d.member_id
    ),
)

_BY_TYPE: dict[str, EventSpec[Any]] = {s.type: s for s in SPECS}
_BY_MODEL: dict[type[BaseModel], EventSpec[Any]] = {s.model: s for s in SPECS if not s.tombstone}


def spec_for_type(event_type: str) -> EventSpec[Any]:
    try:
        return _BY_TYPE[event_type]
    except KeyError:
        raise UnknownEventTypeError(f"unknown event type {event_type!r}") from None


def spec_for_model(model: type[M]) -> EventSpec[M]:
    """The (non-tombstone) spec whose data is `model`."""
    try:
        return cast(EventSpec[M], _BY_MODEL[model])
    except KeyError:
        raise UnknownEventTypeError(f"no event type has {model.__name__} as its data") from None


_BY_TOPIC: dict[str, frozenset[str]] = {}
for _spec in SPECS:
    for _topic in _spec.topics:
        _BY_TOPIC[_topic] = _BY_TOPIC.get(_topic, frozenset()) | {_spec.type}


def specs_on(topic: str) -> list[EventSpec[Any]]:
    return [s for s in SPECS if topic in s.topics]


def check_type(event_type: str, topic: str) -> None:
    """Raise `UnknownEventTypeError` when `event_type` is not one this build knows on `topic`.

    A topic no contract declares (a test's, say) is not checked. The message names the versions
    this build knows of the same event, because the usual cause is a producer that was upgraded
    before its consumers: the record waits in the DLQ until they are, then is replayed."""
    known = _BY_TOPIC.get(topic)
    if known is None or event_type in known:
        return
    if event_type in _BY_TYPE:
        home = _BY_TYPE[event_type].topic
        raise UnknownEventTypeError(f"{event_type!r} does not belong on {topic} but on {home}")
    stem = event_type.rpartition(".v")[0]
    versions = sorted(k for k in _BY_TYPE if k.rpartition(".v")[0] == stem)
    if versions:
        raise UnknownEventTypeError(
            f"unknown version {event_type!r} on {topic}; this build knows {', '.join(versions)}"
        )
    raise UnknownEventTypeError(f"unknown event type {event_type!r} on {topic}")


def parse_json(event_type: str, value: bytes | str) -> BaseModel:
    """The typed data of an event from its JSON value (a record's value bytes)."""
    model: type[BaseModel] = _data_spec(event_type).model
    try:
        return model.model_validate_json(value)
    except ValidationError as exc:
        raise InvalidEventError(describe(event_type, exc)) from None


def parse(event_type: str, data: dict[str, Any]) -> BaseModel:
    """The typed data of an event from its decoded JSON value. JSON rules apply (times and enums
    as strings), exactly as for `parse_json`."""
    return parse_json(event_type, json.dumps(data, ensure_ascii=False))


def _data_spec(event_type: str) -> EventSpec[Any]:
    spec = spec_for_type(event_type)
    if spec.tombstone:
        raise InvalidEventError(f"{event_type} is a tombstone: its records carry no data")
    return spec


def describe(event_type: str, exc: ValidationError) -> str:
    """A validation failure as text without the offending values (they may be phone numbers)."""
    problems = "; ".join(
        f"{'.'.join(str(p) for p in e['loc']) or '(value)'}: {e['msg']}"
        for e in exc.errors(include_input=False, include_url=False, include_context=False)
    )
    return f"invalid {event_type}: {problems}"
