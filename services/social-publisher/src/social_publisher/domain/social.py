"""Posts to the official X, Facebook and Instagram accounts: the shapes every network shares.

The three network clients (`adapters/x.py`, `adapters/facebook.py`, `adapters/instagram.py`)
take a `PostRequest` and answer a `Published` or raise a `SocialCallError` carrying one
`SocialError`. The queue (`workers/`, `handlers/`) decides from `SocialError.kind` alone what
happens next, so that a network's quirks stay in its client and its pure rules here in
`domain/` (`domain/x_text.py`, …).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum

from nazar_contracts.publish import Overflow
from nazar_contracts.stories import PublicChannel as Network

__all__ = [
    "AccountAccess",
    "Creative",
    "ErrorKind",
    "Network",
    "PostRequest",
    "Published",
    "RemotePost",
    "SocialError",
]


@dataclass(frozen=True)
class Creative:
    """One image (or video) of a post, already fetched from story-intake and checked."""

    sha256: str
    media_type: str
    size: int
    content: bytes = field(repr=False)
    alt_text: str | None = None
    # Where a network that fetches media itself (Instagram) can read it: the publisher's own
    # signed, expiring URL under its public base URL. None for networks we upload to.
    public_url: str | None = None


@dataclass(frozen=True)
class PostRequest:
    post_id: str
    story_id: str
    network: Network
    account_id: str
    text: str
    creatives: tuple[Creative, ...] = ()
    scheduled_for: datetime | None = None
    overflow: Overflow = Overflow.REFUSE
    # Instagram: the container an earlier, unclear attempt created (`SocialError.container_id`).
    # The client polls it before creating another: PUBLISHED means the post is out already.
    container_id: str | None = None
    # X threads resumed after a failure midway: the parts already out, in order (their ids from
    # the failure's `SocialError.thread_post_ids` or from reconciliation); the client posts the
    # rest, replying to the last of them.
    thread_post_ids: tuple[str, ...] = ()


@dataclass(frozen=True)
class AccountAccess:
    """What a client needs to act for one account; the token is decrypted only for the call."""

    account_id: str
    network: Network
    provider_account_id: str  # X user id, Facebook page id, Instagram user id
    handle: str  # for public URLs: the X handle, the page's or Instagram account's name
    access_token: str = field(repr=False)


@dataclass(frozen=True)
class Published:
    provider_post_id: str
    public_url: str | None
    thread_post_ids: tuple[str, ...] = ()  # X threads: every part, the first included
    scheduled: bool = False  # Facebook: accepted to appear at `scheduled_for`


@dataclass(frozen=True)
class RemotePost:
    """A post read back from the account, to reconcile an unclear attempt."""

    provider_post_id: str
    text: str
    created_at: datetime
    public_url: str | None = None


class ErrorKind(StrEnum):
    """What the queue does next; every network maps its codes onto these."""

    RATE_LIMITED = "rate_limited"  # wait until `retry_at` (or a back-off); not the post's fault
    TRANSIENT = "transient"  # the network saw nothing or said try later: retry with back-off
    UNCLEAR = "unclear"  # it may have posted (timeout, reset, 5xx after the body was sent):
    # read the account's recent posts before any retry
    REFUSED = "refused"  # this post will not go as it is (bad parameter, too long, duplicate)
    ACCOUNT = "account"  # the account cannot post until a person acts: stop it, tell the cell


@dataclass(frozen=True)
class SocialError:
    kind: ErrorKind
    network: Network
    code: str | None  # the provider's code ("190", "80002", "429", "duplicate", "invalid_grant")
    reason: str  # in words the cell can act on, never a token or a phone number
    retry_at: datetime | None = None
    duplicate: bool = False  # the network says this text is already posted (X 403, FB 506)
    # Instagram: the container an UNCLEAR (or interrupted) publish used; record it and hand it
    # back in `PostRequest.container_id` so that the retry polls it instead of posting twice.
    container_id: str | None = None
    # X threads: the parts that are out (ids in order, the first included) when a later part
    # failed, so that the queue never posts them again (pass them back in
    # `PostRequest.thread_post_ids`). With UNCLEAR the failing part itself may be out too.
    thread_post_ids: tuple[str, ...] = ()
