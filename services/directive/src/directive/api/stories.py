"""Reach of a story's circulation (issue 13, item 6): the same counters as a directive's.

Who may read it: the PHQ roles that moderate stories state-wide (the access table's
`story.moderate` at state scope: ADG Crime, SP PHQ Crime, the social media cell), and the SP of
the author's district, who sees the part of it inside their district.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Path, Request
from nazar_platform.auth.access import Action, scope_units
from nazar_platform.auth.tokens import Principal
from nazar_platform.http.access import authorize, require

from directive.api import schemas, views
from directive.api.common import now_of, pool_of
from directive.api.problems import problem
from directive.api.reach import DEPTHS, DownTo
from directive.domain.model import OriginKind
from directive.store import reach as reach_store
from directive.store import roster
from directive.store import stories as store

router = APIRouter(tags=["stories"])
StoryReader = Annotated[Principal, Depends(require(Action.STORY_MODERATE))]
StoryId = Annotated[str, Path(pattern=r"^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$")]


@router.get("/stories/{story_id}/reach", response_model=schemas.StoryReachOut)
async def story_reach(
    story_id: StoryId, request: Request, principal: StoryReader, down_to: DownTo = "station"
) -> schemas.StoryReachOut:
    """Targeted / sent / delivered / read / failed of a story's circulation per unit — state,
    range, district, circle, police station — within the caller's scope; 404 until story-intake's
    request to circulate it has arrived."""
    pool = pool_of(request)
    async with pool.acquire() as conn:
        c = await store.circulation(conn, story_id)
        if c is None:
            raise problem(
                404,
                "directive.not_found",
                "This story has not been circulated (yet): it circulates once approved.",
                "यह कहानी (अभी) प्रसारित नहीं हुई है: स्वीकृति के बाद ही इसका प्रसार होता है।",
            )
        # Refused (403, audited) unless the caller moderates state-wide or the district is in
        # their subtree: an SP of another district, a CO, a field member never see it.
        await authorize(request, principal, Action.STORY_MODERATE, unit_id=c.district_id)
        found = scope_units(principal, Action.STORY_MODERATE)
        path = (await roster.unit_paths(conn, [c.district_id])).get(c.district_id, [c.district_id])
        scope = None if found.everywhere else sorted(u for u in found.unit_ids if u in path)
        rows = await reach_store.origin_roll_up(
            conn,
            OriginKind.STORY,
            story_id,
            c.message_id,
            scope=scope,
            max_depth=DEPTHS[down_to],
        )
        units = await views.unit_reach(conn, rows)
        fanned_out = await store.job_finished(conn, c.message_id)
    return schemas.StoryReachOut(
        story_id=c.story_id,
        message_id=c.message_id,
        kind=c.kind,
        scope=c.scope,
        district_id=c.district_id,
        range_id=c.range_id,
        circles=len(c.circles),
        recipients=c.recipients,
        approved_by=c.approved_by,
        approved_at=c.approved_at,
        fanned_out=fanned_out,
        as_of=now_of(request),
        totals=views.counts(views.totals_of(rows, scope)),
        units=units,
    )
