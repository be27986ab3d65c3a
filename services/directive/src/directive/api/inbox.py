"""A member's inbox: the API for field apps, and the page a signed link in a notice opens."""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import FileResponse, HTMLResponse, RedirectResponse, Response
from nazar_platform.auth import links
from nazar_platform.auth.access import Action
from nazar_platform.auth.tokens import Principal
from nazar_platform.http.access import authorize, require
from nazar_platform.http.edge import SIGNED_LINK, route_class
from nazar_platform.http.forwarded import prefix
from nazar_platform.http.pagination import Page, PageParams, Row, page_params
from nazar_platform.http.problem_messages import lookup, negotiate
from nazar_platform.http.problems import problem_response

from directive.api import pages, schemas, views
from directive.api.attachments import file_response
from directive.api.common import now_of, pool_of, settings_of, topics_of
from directive.domain.acks import AckVia
from directive.domain.campaigns import link_url
from directive.handlers import acks as ack_handlers
from directive.store import attachments as attachment_store
from directive.store import inbox as inbox_store
from directive.store import roster

router = APIRouter(tags=["inbox"])
pages_router = APIRouter(tags=["inbox pages"])


def _item(
    r: Row,
    attachments: dict[uuid.UUID, attachment_store.AttachmentRow],
    base_url: str,
    url: Any = None,
) -> schemas.InboxItem:
    code = r["post_code"]
    return schemas.InboxItem(
        delivery_id=r["delivery_id"],
        directive_id=r["directive_id"],
        origin=schemas.OriginOut(kind=r["origin_kind"], id=r["origin_id"]),
        message_id=r["message_id"],
        kind=r["kind"],
        priority=r["priority"],
        title=schemas.Bilingual(hi=r["title_hi"], en=r["title_en"]),
        body=schemas.Bilingual(hi=r["body_hi"], en=r["body_en"]),
        note=r["note"],
        ack_requested=r["ack_requested"],
        reply_code=r["reply_code"],
        status=views.STATUS_NAMES[r["status"]],
        failed=r["failed"],
        requested_at=r["requested_at"],
        acknowledged_at=r["acked_at"],
        attachments=[
            views.attachment(attachments[i], url(i) if url else None)
            for i in r["attachment_ids"]
            if i in attachments
        ],
        post_link=link_url(base_url, code) if code else r["post_url"],
    )


@router.get("/inbox", response_model=Page[schemas.InboxItem])
async def inbox(
    request: Request,
    principal: Annotated[Principal, Depends(require(Action.INBOX_READ))],
    page: Annotated[PageParams, Depends(page_params)],
) -> Page[schemas.InboxItem]:
    """What was sent to the caller, newest first, with their own status, the full text and the
    attachments."""
    await authorize(request, principal, Action.INBOX_READ, member_id=principal.member_id)
    pool = pool_of(request)
    found = await inbox_store.page(pool, principal.member_id, page.cursor, page.limit)
    async with pool.acquire() as conn:
        rows = await attachment_store.attachments(
            conn, [i for r in found.items for i in r["attachment_ids"]]
        )
    attachments = {a.id: a for a in rows}
    return Page[schemas.InboxItem](
        items=[_item(r, attachments, settings_of(request).public_base_url) for r in found.items],
        next_cursor=found.next_cursor,
    )


# --- the page a signed link opens ----------------------------------------------------------------


def _language(request: Request, chosen: str | None, member_language: str | None) -> str:
    if chosen in pages.TEXTS:
        return chosen
    return negotiate(request.headers.get("accept-language"), member_language or "hi")


def problem_page(request: Request, status: int, code: str, lang: str | None) -> Response:
    """A browser gets the problem as a page in its language; any other client the RFC 9457
    document."""
    if "text/html" not in request.headers.get("accept", ""):
        return problem_response(request, status, code)
    language = _language(request, lang, "hi")
    message = lookup(code)
    assert message is not None
    html = pages.render(
        "problem.html",
        language,
        problem_title=message.title(language),
        problem_detail=message.detail(language, {}),
        code=code,
    )
    return HTMLResponse(html, status_code=status, headers={"Cache-Control": "no-store"})


# A link expires `inbox_link_ttl` after its delivery was requested, by the clock of whichever
# process fanned it out; this much disagreement between clocks is tolerated.
LINK_CLOCK_SLACK = timedelta(hours=1)


async def _open(request: Request, token: str) -> tuple[uuid.UUID, datetime] | int:
    settings = settings_of(request)
    try:
        delivery, expires_at = links.verify(
            token,
            settings.inbox_link_keys,
            now_of(request),
            max_lifetime=settings.inbox_link_ttl + LINK_CLOCK_SLACK,
        )
        return uuid.UUID(bytes=delivery), expires_at
    except links.ExpiredLinkError:
        return 410
    except links.LinkError:
        return 404


@pages_router.get(
    "/inbox/d/{token}", response_class=HTMLResponse, openapi_extra=route_class(SIGNED_LINK)
)
async def message_page(request: Request, token: str, lang: str | None = None) -> Response:
    """The message of one delivery, in Hindi or English, with an acknowledge button; the signed
    link is the only credential."""
    opened = await _open(request, token)
    if isinstance(opened, int):
        code = "directive.link_expired" if opened == 410 else "directive.link_invalid"
        return problem_page(request, opened, code, lang)
    delivery_id, expires_at = opened
    pool = pool_of(request)
    row = await inbox_store.item(pool, delivery_id)
    if row is None:
        return problem_page(request, 404, "directive.link_invalid", lang)
    member_language = await roster.member_language(pool, row["member_id"])
    language = _language(request, lang, member_language)
    async with pool.acquire() as conn:
        attachments = {
            a.id: a for a in await attachment_store.attachments(conn, row["attachment_ids"])
        }
    item = _item(
        row,
        attachments,
        settings_of(request).public_base_url,
        lambda i: f"{prefix()}/inbox/d/{token}/attachments/{i}",
    )
    title = (item.title.hi if language == "hi" else item.title.en) or item.title.hi or item.title.en
    body = (item.body.hi if language == "hi" else item.body.en) or item.body.hi or item.body.en
    html = pages.render(
        "inbox_message.html",
        language,
        title=title,
        body=body,
        note=item.note,
        kind=item.kind,
        priority=str(item.priority),
        requested_at=pages.shown_time(item.requested_at),
        acked_at=pages.shown_time(item.acknowledged_at),
        ack_requested=item.ack_requested,
        ack_url=f"{prefix()}/inbox/d/{token}/ack",
        expires_at=pages.shown_time(expires_at),
        post_link=item.post_link,
        attachments=[
            {"url": a.url, "filename": a.filename, "size_kib": max(1, a.size // 1024)}
            for a in item.attachments
        ],
    )
    return HTMLResponse(html, headers={"Cache-Control": "no-store", "Content-Language": language})


@pages_router.post(
    "/inbox/d/{token}/ack", response_class=HTMLResponse, openapi_extra=route_class(SIGNED_LINK)
)
async def acknowledge_page(
    request: Request, token: str, lang: Annotated[str | None, Form()] = None
) -> Response:
    """The acknowledge button: records the acknowledgement, then shows the message again."""
    opened = await _open(request, token)
    if isinstance(opened, int):
        code = "directive.link_expired" if opened == 410 else "directive.link_invalid"
        return problem_page(request, opened, code, lang)
    delivery_id, _ = opened
    if not await inbox_store.delivery_exists(pool_of(request), delivery_id):
        return problem_page(request, 404, "directive.link_invalid", lang)
    await ack_handlers.acknowledge_delivery(
        pool_of(request), topics_of(request), delivery_id, AckVia.LINK, now_of(request)
    )
    target = f"{prefix()}/inbox/d/{token}" + (f"?lang={lang}" if lang in pages.TEXTS else "")
    return RedirectResponse(target, status_code=303)


@pages_router.get(
    "/inbox/d/{token}/attachments/{attachment_id}",
    response_class=FileResponse,
    openapi_extra=route_class(SIGNED_LINK),
)
async def attachment_page(request: Request, token: str, attachment_id: uuid.UUID) -> Response:
    opened = await _open(request, token)
    if isinstance(opened, int):
        code = "directive.link_expired" if opened == 410 else "directive.link_invalid"
        return problem_page(request, opened, code, None)
    delivery_id, _ = opened
    pool = pool_of(request)
    if not await inbox_store.carries(pool, delivery_id, attachment_id):
        return problem_page(request, 404, "directive.link_invalid", None)
    async with pool.acquire() as conn:
        found = await attachment_store.attachments(conn, [attachment_id])
    return file_response(settings_of(request).attachment_dir, found[0])
