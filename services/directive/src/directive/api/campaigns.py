"""Campaigns carried by every circle (issue 14, item 6): the tracked link `/c/{code}` a circle's
members receive, and the campaign's reach with each circle's link opens.

The link is public (it travels in WhatsApp groups and is opened without a sign-in): it redirects
to the public post and counts one open per GET from a person. Previews (WhatsApp, Facebook, X,
Telegram, ... fetching the page to draw a card: `domain.previews`) and HEAD requests get the same
redirect and are not counted. Nothing about who opened a link is kept: not the address, not the
user agent, not the time; the service's access log is off (`nazar_platform.service.serve`).
"""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Depends, Request
from fastapi.responses import RedirectResponse, Response
from nazar_platform.auth.access import Action
from nazar_platform.auth.tokens import Principal
from nazar_platform.http.access import require
from nazar_platform.http.edge import SIGNED_LINK, route_class

from directive import metrics
from directive.api import schemas, views
from directive.api.common import directive_for, now_of, pool_of, settings_of
from directive.api.inbox import problem_page
from directive.domain.campaigns import is_link_code, link_url
from directive.domain.previews import is_preview_agent
from directive.domain.reach import Counts
from directive.store import campaigns as store
from directive.store import reach as reach_store
from directive.store import roster

router = APIRouter(tags=["campaigns"])
pages_router = APIRouter(tags=["campaign links"])
Reader = Annotated[Principal, Depends(require(Action.DIRECTIVE_READ))]
DISTRICT_DEPTH, CIRCLE_DEPTH = 3, 4
# A cached redirect would skip the count (the platform adds `Referrer-Policy: no-referrer`, so the
# post does not learn the code either).
_NO_STORE = {"Cache-Control": "no-store"}


@pages_router.get(
    "/c/{code}",
    status_code=302,
    response_class=RedirectResponse,
    openapi_extra=route_class(SIGNED_LINK),
)
async def open_link(request: Request, code: str, lang: str | None = None) -> Response:
    """A circle's link to its campaign's public post: 302 there. A GET by a person counts one
    open; a link-preview fetcher is redirected without counting. 404 (a page in Hindi or English
    for a browser, a problem document otherwise) for a code that is not a link."""
    return await _redirect(request, code, lang)


@pages_router.head(
    "/c/{code}",
    status_code=302,
    response_class=RedirectResponse,
    openapi_extra=route_class(SIGNED_LINK),
)
async def check_link(request: Request, code: str, lang: str | None = None) -> Response:
    """The same redirect for a HEAD request (link checkers, some previews), never counted."""
    return await _redirect(request, code, lang)


async def _redirect(request: Request, code: str, lang: str | None) -> Response:
    pool = pool_of(request)
    counted = request.method == "GET" and not is_preview_agent(request.headers.get("user-agent"))
    target = None
    if is_link_code(code):
        target = await (store.open_link(pool, code) if counted else store.target(pool, code))
    if target is None:
        metrics.CAMPAIGN_LINK_OPENS.labels("unknown").inc()
        return problem_page(request, 404, "directive.campaign_link_unknown", lang)
    metrics.CAMPAIGN_LINK_OPENS.labels("counted" if counted else "not_counted").inc()
    return RedirectResponse(target, status_code=302, headers=_NO_STORE)


@router.get("/directives/{directive_id}/campaign", response_model=schemas.CampaignReachOut)
async def campaign_reach(
    directive_id: uuid.UUID, request: Request, principal: Reader
) -> schemas.CampaignReachOut:
    """Per district and circle (within the caller's scope): the campaign's reach (the counts of
    its text, as on …/reach) and how many times each circle's link was opened."""
    d, scope = await directive_for(request, principal, Action.DIRECTIVE_READ, directive_id)
    base = settings_of(request).public_base_url
    async with pool_of(request).acquire() as conn:
        rows = await reach_store.roll_up(
            conn, d.id, message_id=d.original_message_id, scope=scope, max_depth=CIRCLE_DEPTH
        )
        links = await store.links_of(conn, d.id)
        paths = await roster.unit_paths(conn, [x.circle_id for x in links])
        links = [x for x in links if views.within(paths.get(x.circle_id, [x.circle_id]), scope)]
        counted = {r.unit_id: r.counts for r in rows if r.depth in (DISTRICT_DEPTH, CIRCLE_DEPTH)}
        districts = sorted(
            {r.unit_id for r in rows if r.depth == DISTRICT_DEPTH} | {x.district_id for x in links}
        )
        circles_of: dict[str, set[str]] = {k: set() for k in districts}
        reached = [r.unit_id for r in rows if r.depth == CIRCLE_DEPTH]
        for circle, path in (await roster.unit_paths(conn, reached)).items():
            district = path[DISTRICT_DEPTH - 1] if len(path) >= DISTRICT_DEPTH else None
            if district in circles_of:
                circles_of[district].add(circle)
        for x in links:
            circles_of.setdefault(x.district_id, set()).add(x.circle_id)
        names = await reach_store.unit_names(
            conn, [*circles_of, *(c for cs in circles_of.values() for c in cs)]
        )
    by_circle = {x.circle_id: x for x in links}

    def name(unit_id: str) -> schemas.Bilingual:
        n = names.get(unit_id, {})
        return schemas.Bilingual(hi=n.get("name_hi"), en=n.get("name_en"))

    out = []
    for district in sorted(circles_of):
        circles = [
            schemas.CircleCampaignOut(
                circle_id=c,
                name=name(c),
                counts=views.counts(counted.get(c, Counts())),
                link=link_url(base, by_circle[c].code) if c in by_circle else None,
                opens=by_circle[c].opens if c in by_circle else 0,
            )
            for c in sorted(circles_of[district])
        ]
        out.append(
            schemas.DistrictCampaignOut(
                district_id=district,
                name=name(district),
                counts=views.counts(counted.get(district, Counts())),
                opens=sum(c.opens for c in circles),
                circles=circles,
            )
        )
    return schemas.CampaignReachOut(
        directive_id=d.id,
        public_post_url=d.public_post_url,
        as_of=now_of(request),
        totals=views.counts(views.totals_of(rows, scope)),
        opens=sum(x.opens for x in links),
        districts=out,
    )
