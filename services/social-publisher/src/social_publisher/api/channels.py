"""`/api/v1/channels`: the publisher's operational view (Action `channels.read`)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Literal

from fastapi import APIRouter, Depends, Request
from nazar_platform.auth.access import Action
from nazar_platform.http.access import require

from social_publisher.api import schemas
from social_publisher.domain.channels import ChannelsReport

router = APIRouter(tags=["channels"])


@router.get(
    "/channels",
    response_model=schemas.ChannelsReport,
    dependencies=[Depends(require(Action.CHANNELS_READ))],
)
async def channels(request: Request) -> schemas.ChannelsReport:
    """Health, current rate, queue depth per priority (consumer lag) and quota use."""
    report: Callable[[], ChannelsReport] = request.app.state.channels_report
    now = report()
    return schemas.ChannelsReport(
        channels=[
            schemas.Channel(
                channel=_channel(c.channel),
                state=c.state,
                reason=c.reason,
                rates=[
                    schemas.SenderRate(
                        sender=r.sender,
                        cap=r.cap,
                        limit=r.limit,
                        sent_last_window=r.sent_last_window,
                    )
                    for r in c.rates
                ],
            )
            for c in now.channels
        ],
        queue_depth=now.queue_depth,
        in_memory=now.in_memory,
        quota=schemas.Quota(limit=now.quota_limit, used=now.quota_used, warning=now.quota_warning),
    )


def _channel(name: str) -> Literal["whatsapp", "sms"]:
    return "sms" if name == "sms" else "whatsapp"
