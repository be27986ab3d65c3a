"""Topic names, exactly as declared in deploy/topics.yaml (a unit test holds them together)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

ROSTER_UNITS = "roster.units.v1"
ROSTER_MEMBERS = "roster.members.v1"
ROSTER_CONTACTS = "roster.contacts.v1"
ROSTER_GROUPS = "roster.groups.v1"
DIRECTIVE_EVENTS = "directive.events.v1"
DISPATCH_DELIVERIES = "dispatch.deliveries.v1"
DISPATCH_DELIVERIES_FLASH = "dispatch.deliveries.flash.v1"
DISPATCH_RECEIPTS = "dispatch.receipts.v1"
DISPATCH_REPLIES = "dispatch.replies.v1"
STORY_EVENTS = "story.events.v1"
ALERT_EVENTS = "alert.events.v1"
ALERT_CASES = "alert.cases.v1"
PUBLISH_REQUESTS = "publish.requests.v1"
PUBLISH_RESULTS = "publish.results.v1"
AUTH_CODES = "auth.codes.v1"
ERASURE_CONFIRMATIONS = "erasure.confirmations.v1"

DLQ_SUFFIX = ".dlq"


@dataclass(frozen=True, slots=True)
class Topic:
    name: str
    key: str  # what the record key is
    cleanup: Literal["compact", "delete"]
    producer: str  # the service that writes it
    description: str


TOPICS: tuple[Topic, ...] = (
    Topic(ROSTER_UNITS, "unit id", "compact", "roster",
          "The command tree: the full current state of every unit."),
    Topic(ROSTER_MEMBERS, "member id", "compact", "roster",
          "Every member's full current state, without phone numbers; a tombstone on erasure."),
    Topic(ROSTER_CONTACTS, "member id", "compact", "roster",
          "Members' phone numbers and messaging flags; the only topic with phone numbers, read "
          "by the social-publisher only; a tombstone on erasure."),
    Topic(ROSTER_GROUPS, "group id", "compact", "roster",
          "Groups derived from the tree (circle, state crime, PHQ crime admin) with their full "
          "member lists; a tombstone when a group is removed."),
    Topic(DIRECTIVE_EVENTS, "directive id", "delete", "directive",
          "Everything that happens to a directive or campaign, in order per directive."),
    Topic(DISPATCH_DELIVERIES, "member id", "delete", "directive",
          "One record per message and recipient (urgent and routine), in order per member."),
    Topic(DISPATCH_DELIVERIES_FLASH, "member id", "delete", "directive",
          "Flash-priority deliveries, on their own topic so the publisher sends them first."),
    Topic(DISPATCH_RECEIPTS, "delivery id", "delete", "social-publisher",
          "Provider statuses of each delivery: sent, delivered, read, failed."),
    Topic(DISPATCH_REPLIES, "member id", "delete", "social-publisher",
          "Members' replies (buttons, text) and opt-outs."),
    Topic(STORY_EVENTS, "story id", "delete", "story-intake",
          "Field stories and their moderation: submitted, forwarded, sent back, resubmitted, "
          "rejected, withdrawn, approved, claimed; and the approved circulation text for the "
          "directive service to send (no field text, notes, case reference or photos)."),
    Topic(ALERT_EVENTS, "alert id", "delete", "story-intake",
          "Field alerts as raised: kind, urgency, text, place, vehicle number, the raiser, the "
          "station, and per photo its sha256 and a signed story-intake URL (never the bytes). "
          "Read by the directive service only: never public, never a circle group."),
    Topic(ALERT_CASES, "alert id", "delete", "directive",
          "What happens to each alert's case: routed (or joined an open incident), escalated, "
          "taken, handed over to another station, closed with its outcome."),
    Topic(PUBLISH_REQUESTS, "post id", "delete", "story-intake",
          "Requests to post an approved story to X / Facebook / Instagram: the approved text "
          "and, per creative, its sha256 and a signed story-intake URL (never the bytes); and "
          "requests to withdraw a published post."),
    Topic(PUBLISH_RESULTS, "post id", "delete", "social-publisher",
          "Results of posts to X / Facebook / Instagram: the post id and public URL, or a "
          "failure in words; withdrawals (done, failed, or a by-hand task for Instagram); "
          "accounts stopped and resumed (keyed by account id)."),
    Topic(AUTH_CODES, "sign-in id", "delete", "roster",
          "One-time sign-in codes for the publisher to send first, each sealed with a key only "
          "the roster and the publisher hold (never plain text), naming the member (no phone "
          "number) and the channel; kept one hour."),
    Topic(ERASURE_CONFIRMATIONS, "member id", "delete", "directive, social-publisher, story-intake",
          "Each read model of the roster (directive, social-publisher, story-intake) confirms it "
          "erased a member, in the transaction that deleted its copy; read by the roster, which "
          "shows the confirmations on the erasure request. Member ids only."),
)  # fmt: skip

TOPIC_NAMES = frozenset(t.name for t in TOPICS)


def topic(name: str) -> Topic:
    for t in TOPICS:
        if t.name == name:
            return t
    raise KeyError(f"unknown topic {name!r}")
