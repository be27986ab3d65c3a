"""A post on the per-account queue: its states, and what each answer of a network does to it.

    queued ──▶ in_flight ──▶ posted ──▶ withdrawing ──▶ withdrawn
      ▲   │        │  │         ▲            │   └──▶ withdrawal_task ──▶ withdrawn (by hand)
      │   │        │  └──▶ failed ──▶ withdrawn (nothing was public)
      │   │        └──▶ unclear ──▶ posted (found when reconciling)
      └───┴────────────────┘  (retry: rate limited, transient, not found, account stopped)

Pure: the queue (`workers/social_queue.py`) and its handlers apply these decisions. The one rule
everything here keeps is never two posts of one request on one network: a call whose answer is
unknown (UNCLEAR, or an attempt found open at start) leads to `unclear`, and only reconciling
against the account's own recent posts takes the post out of it.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum

from social_publisher.domain.social import ErrorKind, SocialError


class PostState(StrEnum):
    QUEUED = "queued"
    IN_FLIGHT = "in_flight"  # an attempt is recorded and its call may be under way
    UNCLEAR = "unclear"  # the network may have posted it: reconcile before anything else
    POSTED = "posted"
    FAILED = "failed"
    WITHDRAWING = "withdrawing"  # the cell asked to take the post down; the queue deletes it
    WITHDRAWAL_TASK = "withdrawal_task"  # Instagram: a person deletes it in the app
    WITHDRAWN = "withdrawn"


S = PostState
MOVES: dict[PostState, frozenset[PostState]] = {
    S.QUEUED: frozenset({S.IN_FLIGHT, S.UNCLEAR, S.FAILED, S.WITHDRAWN}),
    S.IN_FLIGHT: frozenset({S.POSTED, S.FAILED, S.UNCLEAR, S.QUEUED}),
    S.UNCLEAR: frozenset({S.POSTED, S.QUEUED, S.FAILED}),
    S.POSTED: frozenset({S.WITHDRAWING}),
    S.WITHDRAWING: frozenset({S.WITHDRAWN, S.WITHDRAWAL_TASK, S.POSTED}),
    S.WITHDRAWAL_TASK: frozenset({S.WITHDRAWN}),
    S.FAILED: frozenset({S.WITHDRAWN}),
    S.WITHDRAWN: frozenset(),
}
# States the queue still has work in (the index `social_posts_open` holds exactly these).
OPEN = frozenset({S.QUEUED, S.IN_FLIGHT, S.UNCLEAR, S.WITHDRAWING})


class IllegalMoveError(Exception):
    pass


def move(current: PostState, to: PostState) -> PostState:
    if to not in MOVES[current]:
        raise IllegalMoveError(f"a post {current} cannot become {to}")
    return to


@dataclass(frozen=True)
class RetryRules:
    base: timedelta
    cap: timedelta
    max_attempts: int  # transient failures before the post fails (retryable)
    jitter: float  # ± this share of the back-off, so that posts do not retry in step


def back_off(rules: RetryRules, retries: int, rand: float) -> timedelta:
    """Exponential back-off after the `retries`-th transient failure (1, 2, …); `rand` in [0, 1)."""
    seconds = min(rules.cap.total_seconds(), rules.base.total_seconds() * 2 ** max(0, retries - 1))
    return timedelta(seconds=seconds * (1 + rules.jitter * (2 * rand - 1)))


class Outcome(StrEnum):
    """How an attempt ended (`social_attempts.outcome`)."""

    POSTED = "posted"
    RATE_LIMITED = "rate_limited"
    TRANSIENT = "transient"
    UNCLEAR = "unclear"
    REFUSED = "refused"
    ACCOUNT = "account"
    RECONCILED = "reconciled"  # an unclear call found posted on the account
    NOT_FOUND = "not_found"  # an unclear call found not posted: it may be retried


@dataclass(frozen=True)
class Reaction:
    """What one error does to the post and its account."""

    outcome: Outcome
    state: PostState
    retries: int
    next_attempt_at: datetime | None = None
    fail: bool = False  # publish PublishFailed
    retryable: bool = False
    stop_account: bool = False  # ACCOUNT: stop it once; the post waits for it
    account_wait_until: datetime | None = None  # RATE_LIMITED: the whole account waits


def react(
    error: SocialError, *, retries: int, now: datetime, rules: RetryRules, rand: float
) -> Reaction:
    """The queue's table of ErrorKind → reaction (README, "The publishing queue")."""
    kind = error.kind
    if kind is ErrorKind.RATE_LIMITED:
        until = error.retry_at if error.retry_at and error.retry_at > now else None
        until = until or now + back_off(rules, 1, rand)
        return Reaction(Outcome.RATE_LIMITED, S.QUEUED, retries, until, account_wait_until=until)
    if kind is ErrorKind.TRANSIENT:
        spent = retries + 1
        if spent >= rules.max_attempts:
            return Reaction(Outcome.TRANSIENT, S.FAILED, spent, fail=True, retryable=True)
        return Reaction(Outcome.TRANSIENT, S.QUEUED, spent, now + back_off(rules, spent, rand))
    if kind is ErrorKind.UNCLEAR:
        return Reaction(Outcome.UNCLEAR, S.UNCLEAR, retries, now)
    if kind is ErrorKind.ACCOUNT:
        return Reaction(Outcome.ACCOUNT, S.QUEUED, retries, None, stop_account=True)
    return Reaction(Outcome.REFUSED, S.FAILED, retries, fail=True, retryable=False)


def not_found(*, retries: int, now: datetime) -> Reaction:
    """Reconciling found nothing on the account: the call did not post; try again now."""
    return Reaction(Outcome.NOT_FOUND, S.QUEUED, retries, now)


@dataclass(frozen=True)
class MediaRef:
    """A creative as the request named it; the media store fetches and checks it."""

    sha256: str
    size: int
    media_type: str
    url: str
    url_expires_at: datetime
    alt_text: str | None = None


@dataclass(frozen=True)
class Post:
    post_id: str
    seq: int
    story_id: str
    network: str
    account_id: str
    text: str
    overflow: str
    media: tuple[MediaRef, ...]
    scheduled_for: datetime | None
    state: PostState
    attempts: int
    retries: int
    next_attempt_at: datetime | None
    provider_post_id: str | None
    public_url: str | None
    thread_post_ids: tuple[str, ...]
    last_code: str | None
    last_reason: str | None
    requested_at: datetime
    posted_at: datetime | None
    withdraw_reason: str | None
    withdraw_requested_by: str | None


@dataclass(frozen=True)
class Attempt:
    post_id: str
    n: int
    started_at: datetime
    ended_at: datetime | None
    outcome: str | None
    code: str | None
    reason: str | None
    container_id: str | None
