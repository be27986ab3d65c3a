"""`/api/v1/channels`: the publisher's operational view (Action `channels.read`)."""

from __future__ import annotations

import time

from fastapi import APIRouter, Depends, Request
from nazar_platform.auth.access import Action
from nazar_platform.http.access import require

from social_publisher import schemas
from social_publisher.engine import Engine

router = APIRouter(tags=["channels"])


@router.get(
    "/channels",
    response_model=schemas.ChannelsReport,
    dependencies=[Depends(require(Action.CHANNELS_READ))],
)
async def channels(request: Request) -> schemas.ChannelsReport:
    """Health, current rate, queue depth per priority (consumer lag) and quota use."""
    engine: Engine = request.app.state.engine
    d = engine.dispatcher
    assert d is not None
    now = time.monotonic()
    out = []
    for channel, gate in d.gates.items():
        senders = ["sms"] if channel == "sms" else engine.settings.whatsapp_phone_number_ids
        rates = [
            schemas.SenderRate(
                sender=s,
                cap=d.limiters[s].cap,
                limit=round(d.limiters[s].limit, 1),
                sent_last_window=d.limiters[s].in_window(now),
            )
            for s in senders
        ]
        out.append(
            schemas.Channel(
                channel="sms" if channel == "sms" else "whatsapp",
                state=gate.state,
                reason=gate.reason,
                rates=rates,
            )
        )
    epoch = time.time()
    return schemas.ChannelsReport(
        channels=out,
        queue_depth={p: src.lag for p, src in engine.sources.items()},
        in_memory={"flash": d.queued("flash"), "routine": d.queued("routine")},
        quota=schemas.Quota(
            limit=d.quota.limit, used=d.quota.used(epoch), warning=d.quota.warning(epoch)
        ),
    )
