"""The PHQ social media cell is told when an official account stops (issue 14; the publisher's
`PublishAccountStopped` on publish.results.v1, consumed by `workers.accounts`).

One message of origin ('account', account id) to every reachable member holding a cell role at
the state unit, in each one's language, with its fan-out job, written in the consumer's
transaction; the runner of jobs without a directive event (`workers.circulation`) sends it. The
message id derives from the account and the moment it stopped, so a stop delivered twice — the
same record again, or a republished copy with another event id — finds its message and sends
nothing more.
"""

from __future__ import annotations

from datetime import datetime

import structlog
from nazar_contracts.publish import PublishAccountStopped
from nazar_platform.db import Connection

from directive import metrics
from directive.domain.accounts import (
    CELL_ROLES,
    CELL_UNIT_KIND,
    NOTICE_PRIORITY,
    origin_id,
    stop_message_id,
    stopped_notice,
)
from directive.domain.model import MessageKind, Origin, OriginKind
from directive.handlers.messages import origin_message
from directive.store import directives as messages
from directive.store import jobs, roster

log = structlog.get_logger(__name__)


async def notify_cell(conn: Connection, event: PublishAccountStopped, now: datetime) -> int:
    """Store the notice and its job; how many members it goes to (0: this stop was told)."""
    message_id = stop_message_id(event.account_id, event.at)
    if await messages.message_exists(conn, message_id):
        metrics.ACCOUNT_NOTICES.labels("repeat").inc()
        return 0
    members = await roster.members_holding(conn, CELL_ROLES, CELL_UNIT_KIND)
    text = stopped_notice(event.channel, event.account_name, event.reason, event.provider_code)
    origin = Origin(OriginKind.ACCOUNT, origin_id(event.account_id))
    await messages.insert_message(
        conn,
        origin_message(
            message_id, MessageKind.ACCOUNT_NOTICE, text, origin, NOTICE_PRIORITY, None, now
        ),
    )
    await jobs.insert_job(
        conn,
        message_id,
        None,
        "account_notice",
        [message_id],
        now,
        member_ids=members,
        origin=origin,
    )
    outcome = "sent" if members else "no_cell_members"
    metrics.ACCOUNT_NOTICES.labels(outcome).inc()
    log.info(
        "account stopped: the cell is told",
        account=event.account_id,
        channel=str(event.channel),
        members=len(members),
    )
    return len(members)
