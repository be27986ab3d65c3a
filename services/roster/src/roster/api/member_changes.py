"""An office's changes to one member (issue 20, item 3) and what a member's page reads:

* `POST /members/{id}/transfer` — a new posting from a date, the old one ends (kept in history);
* `POST /members/{id}/deactivate`, `POST /members/{id}/reactivate`;
* `POST /members/{id}/consent-records` — a volunteer's consent (or its withdrawal) with its proof:
  method, the day given, who recorded it (the caller);
* `GET /members/{id}/file` — postings with their history, consent with its proof, channels with
  their numbers masked but for the last digits, opt-outs;
* `GET /members/{id}/audit` — the audit entries about the member, newest first.

Names and channels are corrected with `PATCH /members/{id}` (api/members.py). Each change is a
POST the audit middleware records (target: the member), and flows to the topics as an import's.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated, Literal

from fastapi import APIRouter, Depends, Request
from nazar_platform.auth.access import Action
from nazar_platform.auth.tokens import Principal
from nazar_platform.http.access import authorize, require
from nazar_platform.http.pagination import (
    Page,
    PageParams,
    decode_cursor,
    encode_cursor,
    page_params,
)
from nazar_platform.http.problem_messages import register
from nazar_platform.http.problems import ProblemError
from pydantic import BaseModel, Field

from roster.api.common import IDEMPOTENT, forbidden, not_found, pool_of, roster_of
from roster.api.members import _member, _visible
from roster.api.schemas import Member, UnitCode
from roster.domain import member_changes as rules
from roster.handlers import member_changes as changes
from roster.handlers.context import NotFoundError
from roster.store import member_changes as store
from roster.store import members as member_store

router = APIRouter(tags=["members"])
Reader = Annotated[Principal, Depends(require(Action.ROSTER_READ))]
Writer = Annotated[Principal, Depends(require(Action.ROSTER_WRITE))]
Consenter = Annotated[Principal, Depends(require(Action.ROSTER_CONSENT))]

register(
    "roster.change_refused", 422, title_en="This change cannot be made",
    title_hi="यह बदलाव नहीं किया जा सकता", detail_en="{reasons}", detail_hi="{reasons_hi}",
)  # fmt: skip


class _In(BaseModel):
    model_config = {"extra": "forbid"}


class TransferIn(_In):
    to_unit: UnitCode = Field(description="the unit of the new posting")
    on: date = Field(description="the first day of the new posting (today or before)")
    from_unit: UnitCode | None = Field(default=None, description="default: the primary posting")


class ConsentRecordIn(_In):
    state: Literal["granted", "withdrawn"]
    method: Literal["form", "app", "whatsapp", "sms", "api"]
    given_on: date = Field(description="the day the volunteer gave (or withdrew) it")
    purpose: Annotated[str, Field(min_length=1, max_length=500)] | None = None


class EndedPosting(BaseModel):
    role: str
    unit_id: str
    unit_name_hi: str | None
    unit_name_en: str | None
    primary: bool
    since: date
    until: date
    ended_by: str | None
    ended_by_name_hi: str | None
    ended_by_name_latin: str | None


class ConsentProof(BaseModel):
    given_on: date | None
    recorded_by: str | None
    recorded_by_name_hi: str | None
    recorded_by_name_latin: str | None


class Channel(BaseModel):
    channel: Literal["whatsapp", "sms"]
    number: str = Field(description="masked: only the last digits are shown")


class OptOut(BaseModel):
    at: datetime
    detail: str | None


class MemberFile(BaseModel):
    member: Member = Field(description="without phone numbers (see `channels`)")
    posting_history: list[EndedPosting]
    consent_proof: ConsentProof
    channels: list[Channel]
    opt_outs: list[OptOut]


class AuditLine(BaseModel):
    id: int
    at: datetime
    by: str | None = Field(description="the member who asked, or the automatic actor")
    by_name_hi: str | None
    by_name_latin: str | None
    action: str | None
    change: str = Field(description="transfer | deactivate | reactivate | consent | record | …")
    outcome: str
    status: int | None
    reason: str | None


def _refused(reasons: list[str]) -> ProblemError:
    en, hi = rules.reasons_text(reasons)
    return ProblemError(
        422, "roster.change_refused", detail_params={"reasons": en, "reasons_hi": hi},
        extensions={"reasons": reasons},
    )  # fmt: skip


async def _exists(request: Request, member_id: str) -> None:
    if await member_store.get(pool_of(request), member_id) is None:
        raise not_found("roster.member_not_found", member_id=member_id)


@router.post("/members/{member_id}/transfer", dependencies=[Depends(IDEMPOTENT)])
async def transfer(member_id: str, body: TransferIn, request: Request, principal: Writer) -> Member:
    """A new posting at `to_unit` from `on`; the old one (primary, or at `from_unit`) ends."""
    # The target unit first: the member's check is the decision the audit records.
    await authorize(request, principal, Action.ROSTER_WRITE, unit_id=body.to_unit)
    await authorize(request, principal, Action.ROSTER_WRITE, member_id=member_id)
    await _exists(request, member_id)
    try:
        await changes.transfer(
            roster_of(request), member_id, body.from_unit, body.to_unit, body.on,
            principal.member_id,
        )  # fmt: skip
    except changes.RefusedError as refused:
        raise _refused(refused.reasons) from None
    except NotFoundError:
        raise not_found("roster.member_not_found", member_id=member_id) from None
    return await _member(request, principal, member_id)


async def _set_active(request: Request, principal: Principal, member_id: str, on: bool) -> Member:
    await authorize(request, principal, Action.ROSTER_WRITE, member_id=member_id)
    await _exists(request, member_id)
    await changes.set_active(roster_of(request), member_id, on)
    return await _member(request, principal, member_id)


@router.post("/members/{member_id}/deactivate", dependencies=[Depends(IDEMPOTENT)])
async def deactivate(member_id: str, request: Request, principal: Writer) -> Member:
    """The member stays on the roster but receives nothing and cannot sign in."""
    return await _set_active(request, principal, member_id, False)


@router.post("/members/{member_id}/reactivate", dependencies=[Depends(IDEMPOTENT)])
async def reactivate(member_id: str, request: Request, principal: Writer) -> Member:
    return await _set_active(request, principal, member_id, True)


@router.post("/members/{member_id}/consent-records", dependencies=[Depends(IDEMPOTENT)])
async def record_consent(
    member_id: str, body: ConsentRecordIn, request: Request, principal: Consenter
) -> Member:
    """A volunteer's consent, or its withdrawal, as the office received it (a signed form, a
    message): how, on which day; the caller is recorded as who recorded it."""
    await authorize(request, principal, Action.ROSTER_CONSENT, member_id=member_id)
    current = await _member(request, principal, member_id)
    try:
        await changes.record_consent(
            roster_of(request), member_id, required=current.consent.required,
            state=body.state, method=body.method, given_on=body.given_on,
            purpose=body.purpose or current.consent.purpose or "directives and notices",
            by=principal.member_id,
        )  # fmt: skip
    except changes.RefusedError as refused:
        raise _refused(refused.reasons) from None
    return await _member(request, principal, member_id)


@router.get("/members/{member_id}/file", summary="A member's page: history, proof, channels")
async def member_file(member_id: str, request: Request, principal: Reader) -> MemberFile:
    if not await _visible(request, principal, member_id):
        raise forbidden(Action.ROSTER_READ)
    member = await _member(request, principal, member_id)
    pool = pool_of(request)
    stored = await member_store.get(pool, member_id)
    assert stored is not None
    proof = await store.proof(pool, member_id)
    channels = [
        Channel(channel=name, number=rules.masked(stored[name]) or "")
        for name in ("whatsapp", "sms")
        if stored[name]
    ]
    opt_outs = [
        OptOut(at=r["at"], detail=r["reason"])
        for r in await store.audit(pool, member_id, None, 200)
        if r["actor"] == "system:opt-outs"
    ]
    return MemberFile(
        member=member.model_copy(update={"whatsapp": None, "sms": None}),
        posting_history=[
            EndedPosting(
                role=r["role"],
                unit_id=r["unit_id"],
                unit_name_hi=r["unit_name_hi"],
                unit_name_en=r["unit_name_en"],
                primary=r["is_primary"],
                since=r["since"],
                until=r["until"],
                ended_by=r["ended_by"],
                ended_by_name_hi=r["by_name_hi"],
                ended_by_name_latin=r["by_name_latin"],
            )
            for r in await store.history(pool, member_id)
        ],
        consent_proof=ConsentProof(
            given_on=proof["consent_given_on"] if proof else None,
            recorded_by=proof["consent_recorded_by"] if proof else None,
            recorded_by_name_hi=proof["name_hi"] if proof else None,
            recorded_by_name_latin=proof["name_latin"] if proof else None,
        ),
        channels=channels,
        opt_outs=opt_outs,
    )


def _change(method: str | None, path: str | None, action: str | None) -> str:
    """What a request did, from its path (`…/members/{id}/transfer` → transfer)."""
    tail = (path or "").rstrip("/").rsplit("/", 1)[-1]
    if tail in ("transfer", "deactivate", "reactivate", "erasure"):
        return tail
    if tail in ("consent", "consent-records") or action == "roster.consent":
        return "consent"
    return "record" if method in ("PATCH", "PUT", "POST") else (action or "")


@router.get("/members/{member_id}/audit", summary="The audit entries about a member")
async def member_audit(
    member_id: str,
    request: Request,
    principal: Writer,
    page: Annotated[PageParams, Depends(page_params)],
) -> Page[AuditLine]:
    """Who changed this member, how and when: for the office that keeps their record."""
    await authorize(request, principal, Action.ROSTER_WRITE, member_id=member_id)
    before = None if page.cursor is None else int(str(decode_cursor(page.cursor, (int,))[0]))
    rows = await store.audit(pool_of(request), member_id, before, page.limit + 1)
    more = len(rows) > page.limit
    rows = rows[: page.limit]
    items = [
        AuditLine(
            id=r["id"],
            at=r["at"],
            by=r["actor_id"] or r["actor"],
            by_name_hi=r["name_hi"],
            by_name_latin=r["name_latin"],
            action=r["action"],
            change=_change(r["method"], r["path"], r["action"]),
            outcome=r["outcome"],
            status=r["status"],
            reason=r["reason"],
        )
        for r in rows
    ]
    return Page[AuditLine](
        items=items, next_cursor=encode_cursor([rows[-1]["id"]]) if more and rows else None
    )
