"""Sign-in codes (auth.codes.v1): a batch of records becomes rows and jobs in the consumer's
transaction; the jobs go to the pacer's code lane once it committed.

At most once: the row is written before the code is sent, so a replay (or a crash after the
commit) never sends it twice; a code lost that way is asked for again by the member, which is
better than two codes of which one is stale. The code itself is opened here and lives only in
the job (memory): the row keeps the sign-in, the member, the channel and the outcome.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime, timedelta

from nazar_contracts import event_types
from nazar_contracts.auth import AuthCodeRequested
from nazar_contracts.registry import InvalidEventError, parse_json
from nazar_platform import db
from nazar_platform.auth.sealed import Sealed, Sealer, SealError
from nazar_platform.kafka.records import PoisonRecordError, Record

from social_publisher import metrics
from social_publisher.domain import codes
from social_publisher.domain.compose import Job
from social_publisher.handlers.context import Context
from social_publisher.store import codes as code_store
from social_publisher.store import contacts

# The topic keeps records an hour; a day of rows covers every replay.
KEEP_ROWS = timedelta(days=1)


def opened(records: Sequence[Record], sealer: Sealer) -> list[tuple[AuthCodeRequested, str]]:
    """The code requests of a batch with their codes opened. A record that does not fit the
    contract, or whose code does not open (another key, tampered, bound to another sign-in), is
    poison: the consumer dead-letters it (the error names no code)."""
    out = []
    for r in records:
        if r.event is None or r.event.type != event_types.AUTH_CODE_REQUESTED:
            continue
        try:
            request = parse_json(event_types.AUTH_CODE_REQUESTED, r.raw.value or b"")
        except InvalidEventError as exc:
            raise PoisonRecordError(repr(exc)[:300]) from None
        assert isinstance(request, AuthCodeRequested)
        try:
            code = sealer.open(
                Sealed(request.key_id, request.sealed_code),
                f"{request.sign_in_id}:{request.member_id}",
            )
        except SealError as exc:
            raise PoisonRecordError(f"sealed code does not open: {exc}") from None
        if not 1 <= len(code) <= codes.CODE_MAX or not code.isalnum():
            raise PoisonRecordError("the opened code is not 1-15 letters or digits")
        out.append((request, code))
    return out


async def admit(
    ctx: Context, sealer: Sealer, conn: db.Connection, records: Sequence[Record]
) -> list[Job]:
    """Rows for the batch's codes; jobs for the new ones that are worth sending."""
    s = ctx.settings
    now = datetime.now(UTC)
    requests = list({r.sign_in_id: (r, c) for r, c in opened(records, sealer)}.values())
    found = await contacts.of_members(conn, (r.member_id for r, _ in requests))
    rows, reasons = [], {}
    for r, _ in requests:
        why = codes.drop_reason(
            found.get(r.member_id),
            str(r.channel),
            expires_at=r.expires_at,
            now=now,
            allow_synthetic=s.allow_synthetic,
        )
        reasons[r.sign_in_id] = why
        rows.append((r.sign_in_id, r.member_id, str(r.channel), why or "pending"))
    new = await code_store.insert(conn, rows)
    await code_store.purge(conn, now - KEEP_ROWS)
    jobs = []
    for r, code in requests:
        if r.sign_in_id not in new:
            continue
        why = reasons[r.sign_in_id]
        if why is not None:
            metrics.CODES_DROPPED.labels(why).inc()
            continue
        contact = found[r.member_id]
        jobs.append(
            codes.build(
                sign_in_id=r.sign_in_id,
                member_id=r.member_id,
                channel=str(r.channel),
                code=code,
                lang=str(r.language),
                contact=contact,
                settings=s,
            )
        )
    return jobs
