"""/members: create, read, change, search; consent (erasure: api/erasures.py)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, Query, Request
from nazar_contracts.vocabulary import COMMUNITY_ROLES, Role
from nazar_platform.auth.access import Action
from nazar_platform.auth.tokens import Principal
from nazar_platform.http.access import authorize, require
from nazar_platform.http.pagination import Page, PageParams, page_params
from nazar_platform.http.problems import ProblemError

from roster.api.common import (
    IDEMPOTENT,
    after_cursor,
    forbidden,
    may,
    not_found,
    page_of,
    pool_of,
    roster_of,
    unit_scope,
)  # fmt: skip
from roster.api.problems import reasons_text
from roster.api.schemas import (
    Consent,
    ConsentChange,
    Member,
    MemberChange,
    MemberIn,
    MemberListItem,
    Posting,
    PostingIn,
)  # fmt: skip
from roster.domain.ids import KeyKind
from roster.domain.rows import MemberRow, PostingRow, Rejected, parse_police, parse_volunteer
from roster.handlers import members as member_handlers
from roster.store import members as member_store

router = APIRouter(tags=["members"])
ConsentState = Literal["granted", "pending", "withdrawn", "not_required"]
ChannelFilter = Literal["whatsapp", "sms", "none"]
Reader = Annotated[Principal, Depends(require(Action.ROSTER_READ))]
Writer = Annotated[Principal, Depends(require(Action.ROSTER_WRITE))]


def _postings(rows: list[Any]) -> list[Posting]:
    return [
        Posting(
            role=r["role"],
            unit_id=r["unit_id"],
            unit_name_hi=r["name_hi"],
            unit_name_en=r["name_en"],
            unit_path=list(r["path"]),
            primary=r["is_primary"],
            since=r["since"],
        )
        for r in rows
    ]


def _consent(r: Any) -> Consent:
    state = (
        "not_required"
        if not r["consent_required"]
        else r["consent_state"]
        if r["consent_state"] in ("granted", "withdrawn")
        else "pending"
    )
    shown = state in ("granted", "withdrawn")
    return Consent(
        required=r["consent_required"], state=state,
        purpose=r["consent_purpose"] if shown else None,
        method=r["consent_method"] if shown else None,
        recorded_at=r["consent_recorded_at"] if shown else None,
        withdrawn_at=r["consent_withdrawn_at"] if state == "withdrawn" else None,
    )  # fmt: skip


async def _member(request: Request, principal: Principal, member_id: str) -> Member:
    pool = pool_of(request)
    row = await member_store.get(pool, member_id)
    if row is None:
        raise not_found("roster.member_not_found", member_id=member_id)
    postings = (await member_store.postings(pool, [member_id])).get(member_id, [])
    show_phones = member_id == principal.member_id or await may(
        request, principal, Action.ROSTER_WRITE, member_id=member_id
    )
    return Member(
        member_id=member_id, name_hi=row["name_hi"], name_latin=row["name_latin"],
        postings=_postings(postings), active=row["active"], personnel_no=row["personnel_no"],
        volunteer_id=row["volunteer_id"], preferred_language=row["preferred_language"],
        synthetic=row["synthetic"], consent=_consent(row),
        whatsapp=row["whatsapp"] if show_phones else None,
        sms=row["sms"] if show_phones else None, version=row["version"],
    )  # fmt: skip


async def _visible(request: Request, principal: Principal, member_id: str) -> bool:
    if await may(request, principal, Action.ROSTER_READ, member_id=member_id):
        return True
    # Officers who share a group with the caller (a CO sees the circle group's SP and IG).
    return member_id in await member_store.officers_of_groups_of(
        pool_of(request), principal.member_id
    )


@router.get("/members/{member_id}")
async def get_member(member_id: str, request: Request, principal: Reader) -> Member:
    if not await _visible(request, principal, member_id):
        raise forbidden(Action.ROSTER_READ)
    return await _member(request, principal, member_id)


@router.get("/members", summary="Search by name (either script), unit, role, state, channel")
async def search(
    request: Request,
    principal: Reader,
    page: Annotated[PageParams, Depends(page_params)],
    q: Annotated[str | None, Query(max_length=100, description="part of a name")] = None,
    unit: Annotated[str | None, Query(description="members posted in this unit's subtree")] = None,
    role: Annotated[Role | None, Query()] = None,
    active: Annotated[bool | None, Query()] = None,
    consent: Annotated[ConsentState | None, Query(description="the consent's state")] = None,
    channel: Annotated[ChannelFilter | None, Query(description="none: no number")] = None,
) -> Page[MemberListItem]:
    pool = pool_of(request)
    units, own = unit_scope(principal, Action.ROSTER_READ)
    if unit and units is not None and set(await _path(request, unit)) & set(units):
        units = None  # the unit's subtree lies inside the caller's area: nothing more to check
    extra = own + await member_store.officers_of_groups_of(pool, principal.member_id)
    rows = await member_store.search(
        pool, name=q.strip() if q else None, unit_id=unit, role=role.value if role else None,
        scope=units, extra_ids=extra, after=after_cursor(page.cursor),
        limit=page.limit + 1, active=active, consent=consent, channel=channel,
    )  # fmt: skip
    postings = await member_store.postings(pool, [r["member_id"] for r in rows])
    return page_of(
        rows,
        page.limit,
        "member_id",
        lambda r: MemberListItem(
            member_id=r["member_id"],
            name_hi=r["name_hi"],
            name_latin=r["name_latin"],
            postings=_postings(postings.get(r["member_id"], [])),
            active=r["active"],
            consent_state=_consent(r).state,
            channels=[c for c in ("whatsapp", "sms") if r[f"has_{c}"]],
        ),
    )


async def _path(request: Request, unit_id: str) -> list[str]:
    path = await request.app.state.unit_directory.path(unit_id)
    return list(path or [])


def _row(body: MemberIn, request: Request) -> MemberRow:
    """Validate an API body with the very rules of the CSV import."""
    secret = roster_of(request).secret
    primary = next((p for p in body.postings if p.primary), body.postings[0])
    volunteer = any(p.role in COMMUNITY_ROLES for p in body.postings)
    values = {
        "name_hi": body.name_hi or "", "name_latin": body.name_latin or "",
        "whatsapp": body.whatsapp or "", "sms": body.sms or "",
        "language": body.preferred_language.value, "active": "yes" if body.active else "no",
        "synthetic": "yes" if body.synthetic else "no",
    }  # fmt: skip
    parsed: MemberRow | Rejected
    if volunteer:
        consent = body.consent
        values |= {
            "volunteer_id": body.volunteer_id or "", "role": primary.role.value,
            "police_station": primary.unit_id, "consent": consent.state if consent else "",
            "consent_date": consent.given_on.isoformat() if consent and consent.given_on else "",
            "consent_method": consent.method or "" if consent else "",
            "consent_purpose": consent.purpose or "" if consent else "",
        }  # fmt: skip
        parsed = parse_volunteer(0, values, secret)
    else:
        values |= {
            "personnel_no": body.personnel_no or "", "rank": primary.role.value,
            "unit": primary.unit_id,
        }  # fmt: skip
        parsed = parse_police(0, values, secret)
    if isinstance(parsed, Rejected):
        _invalid([p.code for p in parsed.problems])
    assert isinstance(parsed, MemberRow)
    parsed.postings = _posting_rows(body.postings)
    return parsed


def _posting_rows(postings: list[PostingIn]) -> list[PostingRow]:
    primary = next((i for i, p in enumerate(postings) if p.primary), 0)
    return [PostingRow(p.role, p.unit_id, i == primary, p.since) for i, p in enumerate(postings)]


def _invalid(codes: list[str]) -> None:
    en, hi = reasons_text(codes)
    raise ProblemError(
        422, "roster.member_invalid", detail_params={"reasons": en, "reasons_hi": hi},
        extensions={"reasons": codes},
    )  # fmt: skip


async def _check_postings(
    request: Request, principal: Principal, postings: list[PostingRow], consent: bool
) -> None:
    for p in postings:
        await authorize(request, principal, Action.ROSTER_WRITE, unit_id=p.unit_id)
        if consent:
            await authorize(request, principal, Action.ROSTER_CONSENT, unit_id=p.unit_id)


@router.post("/members", status_code=201, dependencies=[Depends(IDEMPOTENT)])
async def create_member(body: MemberIn, request: Request, principal: Writer) -> Member:
    row = _row(body, request)
    await _check_postings(request, principal, row.postings, body.consent is not None)
    pool = pool_of(request)
    if await member_store.get(pool, row.member_id) is not None:
        raise ProblemError(409, "roster.member_exists", detail_params={"member_id": row.member_id})
    reasons = await member_handlers.save_member(roster_of(request), row, scope=None)
    if reasons:
        _invalid(reasons)
    return await _member(request, principal, row.member_id)


@router.patch("/members/{member_id}")
async def change_member(
    member_id: str, body: MemberChange, request: Request, principal: Writer
) -> Member:
    await authorize(request, principal, Action.ROSTER_WRITE, member_id=member_id)
    current = await _member(request, principal, member_id)
    pool = pool_of(request)
    stored = await member_store.get(pool, member_id)
    assert stored is not None
    merged = MemberIn(
        personnel_no=current.personnel_no, volunteer_id=current.volunteer_id,
        name_hi=body.name_hi or current.name_hi, name_latin=body.name_latin or current.name_latin,
        postings=body.postings or [
            PostingIn(role=p.role, unit_id=p.unit_id, primary=p.primary, since=p.since)
            for p in current.postings
        ],
        whatsapp=body.whatsapp if body.whatsapp is not None else stored["whatsapp"],
        sms=body.sms if body.sms is not None else stored["sms"],
        preferred_language=body.preferred_language or current.preferred_language,
        active=current.active if body.active is None else body.active,
        synthetic=current.synthetic,
    )  # fmt: skip
    row = _row(merged, request)
    # The id never changes, even when the phone number it was derived from does.
    row.member_id = member_id
    row.key_kind = KeyKind(stored["key_kind"])
    if body.postings is not None:
        await _check_postings(request, principal, row.postings, False)
    reasons = await member_handlers.save_member(roster_of(request), row, scope=None)
    if reasons:
        _invalid(reasons)
    return await _member(request, principal, member_id)


@router.post("/members/{member_id}/consent", dependencies=[Depends(IDEMPOTENT)])
async def consent(
    member_id: str,
    body: ConsentChange,
    request: Request,
    principal: Annotated[Principal, Depends(require(Action.ROSTER_CONSENT))],
) -> Member:
    await authorize(request, principal, Action.ROSTER_CONSENT, member_id=member_id)
    current = await _member(request, principal, member_id)
    if not current.consent.required:
        raise ProblemError(409, "roster.consent_not_applicable")
    await member_handlers.set_consent(
        roster_of(request),
        member_id, state=body.state, method=body.method,
        purpose=body.purpose or current.consent.purpose or "directives and notices",
        at=datetime.now(UTC),
    )  # fmt: skip
    return await _member(request, principal, member_id)
