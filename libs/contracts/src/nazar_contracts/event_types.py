"""Event type names (the CloudEvents `type` of each record), declared once: the registry maps each
to its topic, model and key, and services name types only through these constants (a test finds
any other spelling of one in service code). `nazar.<aggregate>.<past-tense-verb>.v<N>`."""

from __future__ import annotations

UNIT_UPSERTED = "nazar.unit.upserted.v1"
UNIT_UPSERTED_V2 = "nazar.unit.upserted.v2"  # adds the branch kind
MEMBER_UPSERTED = "nazar.member.upserted.v1"
MEMBER_ERASED = "nazar.member.erased.v1"
CONTACT_UPSERTED = "nazar.contact.upserted.v1"
CONTACT_ERASED = "nazar.contact.erased.v1"
GROUP_UPSERTED = "nazar.group.upserted.v1"
GROUP_REMOVED = "nazar.group.removed.v1"

DIRECTIVE_ISSUED = "nazar.directive.issued.v1"
DIRECTIVE_UPDATED = "nazar.directive.updated.v1"
DIRECTIVE_CANCELLED = "nazar.directive.cancelled.v1"
DIRECTIVE_RELAYED = "nazar.directive.relayed.v1"
DIRECTIVE_NOTED = "nazar.directive.noted.v1"
DIRECTIVE_ESCALATED = "nazar.directive.escalated.v1"
DIRECTIVE_ACKNOWLEDGED = "nazar.directive.acknowledged.v1"
DIRECTIVE_CLOSED = "nazar.directive.closed.v1"

DISPATCH_REQUESTED = "nazar.dispatch.requested.v1"
DISPATCH_SENT = "nazar.dispatch.sent.v1"
DISPATCH_DELIVERED = "nazar.dispatch.delivered.v1"
DISPATCH_READ = "nazar.dispatch.read.v1"
DISPATCH_FAILED = "nazar.dispatch.failed.v1"
DISPATCH_REPLIED = "nazar.dispatch.replied.v1"
DISPATCH_OPTED_OUT = "nazar.dispatch.opted_out.v1"

STORY_SUBMITTED = "nazar.story.submitted.v1"
STORY_RESUBMITTED = "nazar.story.resubmitted.v1"
STORY_FORWARDED = "nazar.story.forwarded.v1"
STORY_SENT_BACK = "nazar.story.sent_back.v1"
STORY_REJECTED = "nazar.story.rejected.v1"
STORY_WITHDRAWN = "nazar.story.withdrawn.v1"
STORY_APPROVED = "nazar.story.approved.v1"
STORY_CLAIMED = "nazar.story.claimed.v1"
STORY_CIRCULATION_REQUESTED = "nazar.story.circulation_requested.v1"

PUBLISH_REQUESTED = "nazar.publish.requested.v1"
PUBLISH_POSTED = "nazar.publish.posted.v1"
PUBLISH_FAILED = "nazar.publish.failed.v1"
PUBLISH_WITHDRAWAL_REQUESTED = "nazar.publish.withdrawal_requested.v1"
PUBLISH_WITHDRAWAL_TASK_OPENED = "nazar.publish.withdrawal_task_opened.v1"
PUBLISH_WITHDRAWAL_CONFIRMED = "nazar.publish.withdrawal_confirmed.v1"
PUBLISH_WITHDRAWN = "nazar.publish.withdrawn.v1"
PUBLISH_WITHDRAWAL_FAILED = "nazar.publish.withdrawal_failed.v1"
PUBLISH_ACCOUNT_STOPPED = "nazar.publish.account_stopped.v1"
PUBLISH_ACCOUNT_RESUMED = "nazar.publish.account_resumed.v1"

ALERT_RAISED = "nazar.alert.raised.v1"
ALERT_ROUTED = "nazar.alert.routed.v1"
ALERT_ESCALATED = "nazar.alert.escalated.v1"
ALERT_TAKEN = "nazar.alert.taken.v1"
ALERT_HANDED_OVER = "nazar.alert.handed_over.v1"
ALERT_CLOSED = "nazar.alert.closed.v1"

AUTH_CODE_REQUESTED = "nazar.auth.code_requested.v1"

ERASURE_CONFIRMED = "nazar.erasure.confirmed.v1"
