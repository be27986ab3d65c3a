"""The nouns of the directive service and their small, fixed vocabularies."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum
from uuid import UUID

from nazar_contracts.base import BilingualText

# The contract's vocabularies are the domain's: priority, relay mode (manual: the SP relays, one
# who has not by the deadline is escalated to the IG; automatic: the service relays at the
# deadline for every SP who has not), and directive or campaign.
from nazar_contracts.directives import DirectiveKind, Priority, RelayMode

__all__ = [
    "ConflictError",
    "Deadlines",
    "DirectiveKind",
    "DirectiveState",
    "DomainError",
    "InvalidRequestError",
    "MessageInfo",
    "MessageKind",
    "NotFoundError",
    "Origin",
    "OriginKind",
    "Priority",
    "RelayMode",
    "Text",
    "bilingual",
    "is_hindi",
]


class DomainError(Exception):
    """A request the rules refuse; `code` names the rule (it becomes the problem type)."""

    code = "invalid"

    def __init__(self, detail: str, *, detail_hi: str | None = None) -> None:
        super().__init__(detail)
        self.detail = detail
        self.detail_hi = detail_hi or detail


class InvalidRequestError(DomainError):
    code = "invalid-request"


class ConflictError(DomainError):
    code = "conflict"


class NotFoundError(DomainError):
    code = "not-found"


class DirectiveState(StrEnum):
    ACTIVE = "active"  # issued; relays, notes, updates and acknowledgements go on
    CANCELLED = "cancelled"  # a cancellation message went to everyone who had it
    CLOSED = "closed"  # expired: kept for the record, nothing new happens


class MessageKind(StrEnum):
    ORIGINAL = "original"  # the directive's text as issued (relays extend its audience)
    UPDATE = "update"
    CANCELLATION = "cancellation"
    NOTE = "note"  # a CO's note to the circle
    ESCALATION = "escalation"
    STORY = "story"  # an approved story's circulation to the groups its approver chose
    STORY_NOTICE = "story_notice"  # a story's author told of a step of its moderation
    ACCOUNT_NOTICE = "account_notice"  # the PHQ social media cell told an official account stopped
    ALERT = "alert"  # a field alert to the officers of a stage (flash, acknowledgement: take it)
    ALERT_NOTICE = "alert_notice"  # the raiser told their alert was taken or closed


class OriginKind(StrEnum):
    """What a message (with its job, deliveries and reach) belongs to."""

    DIRECTIVE = "directive"
    STORY = "story"
    ALERT = "alert"
    ACCOUNT = "account"  # an official social media account (the publisher's account id)


@dataclass(frozen=True, slots=True)
class Origin:
    kind: OriginKind
    id: str

    @classmethod
    def directive(cls, directive_id: UUID) -> Origin:
        return cls(OriginKind.DIRECTIVE, str(directive_id))

    @classmethod
    def story(cls, story_id: str) -> Origin:
        return cls(OriginKind.STORY, story_id)

    @property
    def directive_id(self) -> UUID | None:
        """The directive's id for a directive's rows (kept beside the origin for old readers)."""
        return UUID(self.id) if self.kind is OriginKind.DIRECTIVE else None


@dataclass(frozen=True, slots=True)
class Text:
    """Title and body in Hindi and/or English; at least one language is complete."""

    title_hi: str | None = None
    body_hi: str | None = None
    title_en: str | None = None
    body_en: str | None = None

    def __post_init__(self) -> None:
        hi = bool(self.title_hi and self.body_hi)
        en = bool(self.title_en and self.body_en)
        if not (hi or en):
            raise InvalidRequestError(
                "a title and a body are needed in Hindi or in English",
                detail_hi="हिंदी या अंग्रेज़ी में शीर्षक और विवरण दोनों आवश्यक हैं",
            )

    def languages(self) -> tuple[str, ...]:
        out = []
        if self.title_hi and self.body_hi:
            out.append("hi")
        if self.title_en and self.body_en:
            out.append("en")
        return tuple(out)

    @property
    def title(self) -> BilingualText:
        return BilingualText(hi=self.title_hi or None, en=self.title_en or None)

    @property
    def body(self) -> BilingualText:
        return BilingualText(hi=self.body_hi or None, en=self.body_en or None)

    def pick(self, language: str | None) -> tuple[str, str, str]:
        """(language, title, body) in the member's language when there is one, else the other."""
        available = self.languages()
        chosen = language if language in available else available[0]
        if chosen == "hi":
            return "hi", self.title_hi or "", self.body_hi or ""
        return "en", self.title_en or "", self.body_en or ""


@dataclass(frozen=True, slots=True)
class Deadlines:
    relay_deadline: datetime
    ack_window: timedelta
    ack_threshold: float
    expires_at: datetime


def bilingual(text: str | None) -> BilingualText | None:
    """One free text (a note, a reason) as the contract's bilingual text, in its own script."""
    if text is None or not text.strip():
        return None
    clean = text.strip()
    if is_hindi(clean):
        return BilingualText(hi=clean)
    return BilingualText(en=clean)


def is_hindi(text: str) -> bool:
    return any("\u0900" <= ch <= "\u097f" for ch in text)


@dataclass(frozen=True, slots=True)
class MessageInfo:
    """What the fan-out says of one message: its text, priority, expiry and reply code."""

    id: UUID
    directive_id: UUID | None  # None: a message of another origin
    kind: str
    priority: str
    title_hi: str | None
    body_hi: str | None
    title_en: str | None
    body_en: str | None
    ack_requested: bool
    reply_code: str | None
    expires_at: datetime | None
    # None: the directive's (its id is `directive_id`)
    origin_kind: str | None = None
    origin_id: str | None = None
    # A campaign's public post: its text carries the link (a circle's tracked one on relay).
    post_url: str | None = None
