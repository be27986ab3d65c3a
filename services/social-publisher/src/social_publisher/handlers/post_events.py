"""The queue's rows → their events on publish.results.v1 (one module, so that every event of a
post is built the same way). Event ids are derived from what happened (post, kind, attempt), so
an event rebuilt after a crash keeps its id and consumers drop the repeat."""

from __future__ import annotations

from datetime import datetime
from typing import Protocol

from nazar_contracts.publish import (
    PublishFailed,
    PublishPosted,
    PublishWithdrawalFailed,
    PublishWithdrawalTaskOpened,
    PublishWithdrawn,
    WithdrawalMethod,
)
from nazar_contracts.stories import PublicChannel
from nazar_platform.outbox import outbox_event
from nazar_platform.outbox.publisher import OutboxEvent
from pydantic import BaseModel

from social_publisher.domain.identities import SOURCE, event_id
from social_publisher.domain.posts import Post
from social_publisher.settings import PublisherSettings


def _event(s: PublisherSettings, data: BaseModel, *parts: str) -> OutboxEvent:
    return outbox_event(
        data, source=SOURCE, id=event_id("social", *parts), topic=s.topic_publish_results
    )


def _https(url: str | None) -> str | None:
    # The contract carries only https addresses (what the public opens); a fake's http is dropped.
    return url if url and url.startswith("https://") else None


def posted(
    s: PublisherSettings,
    post: Post,
    *,
    provider_post_id: str,
    public_url: str | None,
    thread_post_ids: tuple[str, ...],
    at: datetime,
) -> OutboxEvent:
    return _event(
        s,
        PublishPosted(
            post_id=post.post_id,
            story_id=post.story_id,
            channel=PublicChannel(post.network),
            provider_post_id=provider_post_id,
            public_url=_https(public_url),
            at=at,
            account_id=post.account_id,
            thread_post_ids=list(thread_post_ids),
        ),
        post.post_id,
        "posted",
    )


class PostRef(Protocol):
    @property
    def post_id(self) -> str: ...
    @property
    def story_id(self) -> str: ...
    @property
    def network(self) -> str: ...
    @property
    def account_id(self) -> str | None: ...


def failed(
    s: PublisherSettings,
    post: PostRef,
    *,
    reason: str,
    code: str | None,
    retryable: bool,
    at: datetime,
    attempt: int,
) -> OutboxEvent:
    return _event(
        s,
        PublishFailed(
            post_id=post.post_id,
            story_id=post.story_id,
            channel=PublicChannel(post.network),
            reason=reason,
            provider_code=code,
            retryable=retryable,
            at=at,
            account_id=post.account_id,
        ),
        post.post_id,
        "failed",
        str(attempt),
    )


def withdrawn(
    s: PublisherSettings,
    post: Post,
    *,
    method: WithdrawalMethod,
    confirmed_by: str | None,
    at: datetime,
) -> OutboxEvent:
    return _event(
        s,
        PublishWithdrawn(
            post_id=post.post_id,
            story_id=post.story_id,
            channel=PublicChannel(post.network),
            method=method,
            confirmed_by=confirmed_by,
            at=at,
        ),
        post.post_id,
        "withdrawn",
    )


def task_opened(
    s: PublisherSettings, post: Post, *, task_id: str, reason: str, at: datetime
) -> OutboxEvent:
    return _event(
        s,
        PublishWithdrawalTaskOpened(
            post_id=post.post_id,
            story_id=post.story_id,
            channel=PublicChannel(post.network),
            task_id=task_id,
            public_url=_https(post.public_url),
            reason=reason,
            at=at,
        ),
        post.post_id,
        "withdrawal-task",
    )


def withdrawal_failed(
    s: PublisherSettings,
    post_id: str,
    story_id: str,
    network: str,
    *,
    reason: str,
    code: str | None,
    at: datetime,
) -> OutboxEvent:
    return _event(
        s,
        PublishWithdrawalFailed(
            post_id=post_id,
            story_id=story_id,
            channel=PublicChannel(network),
            reason=reason,
            provider_code=code,
            at=at,
        ),
        post_id,
        "withdrawal-failed",
        at.isoformat(),
    )
