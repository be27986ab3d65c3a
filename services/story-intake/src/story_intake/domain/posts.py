"""A published post's life after approval, pure: who takes it down, when a withdrawal may be
asked for or confirmed, and where the public sees each part of an X thread.

Withdrawing a post is as grave as approving it, so the same people do it: the approvers (SP PHQ
Crime, ADG Crime; `chain.APPROVERS`, behind the access table's `story.approve`), with a reason.
X and Facebook delete through their APIs; Instagram's API cannot delete, so the publisher opens a
task for a person to delete the post in the app, and an approver confirms it is done.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from enum import StrEnum

from nazar_contracts.stories import PublicChannel

from story_intake.domain.chain import APPROVERS, Actor, ChainRefusalError


class Withdrawal(StrEnum):
    REQUESTED = "requested"  # asked of the publisher, nothing heard yet
    TASK_OPEN = "task_open"  # Instagram: a person must delete it in the app
    CONFIRMED = "confirmed"  # Instagram: a person says it is deleted; the publisher closes it
    WITHDRAWN = "withdrawn"
    FAILED = "failed"  # the network refused; it may be asked again


PENDING = frozenset({Withdrawal.REQUESTED, Withdrawal.TASK_OPEN, Withdrawal.CONFIRMED})


def withdrawer(actors: Collection[Actor]) -> Actor:
    """The caller's approver grant (the approval's rule): who takes a post down."""
    for a in actors:
        if a.role in APPROVERS:
            return a
    raise ChainRefusalError("post.not_approver")


def need_reason(reason: str | None) -> str:
    if not (reason and reason.strip()):
        raise ChainRefusalError("post.reason_required")
    return reason.strip()


def may_withdraw(state: str, withdrawal: str | None) -> None:
    """A post is withdrawn once it is public, once at a time; after a failure, again."""
    if withdrawal == Withdrawal.WITHDRAWN:
        raise ChainRefusalError("post.withdrawn")
    if withdrawal in PENDING:
        raise ChainRefusalError("post.withdrawal_pending")
    if state != "posted":
        raise ChainRefusalError("post.not_posted")


def may_confirm(channel: str, withdrawal: str | None) -> None:
    """Only Instagram's open by-hand task is confirmed, and once."""
    if withdrawal == Withdrawal.CONFIRMED:
        raise ChainRefusalError("post.withdrawal_confirmed")
    if withdrawal == Withdrawal.WITHDRAWN:
        raise ChainRefusalError("post.withdrawn")
    if channel != PublicChannel.INSTAGRAM or withdrawal != Withdrawal.TASK_OPEN:
        raise ChainRefusalError("post.no_withdrawal_task")


def thread_urls(
    public_url: str | None, provider_post_id: str | None, thread_ids: Sequence[str]
) -> list[str]:
    """Where each part of a post is seen. An X post's address ends in its id
    (`https://x.com/{user}/status/{id}`), so each part's is the first's with the part's id;
    a single post is its one URL."""
    if not public_url:
        return []
    if not thread_ids or not provider_post_id or not public_url.endswith(f"/{provider_post_id}"):
        return [public_url]
    base = public_url[: -len(provider_post_id)]
    return [f"{base}{part}" for part in thread_ids]
