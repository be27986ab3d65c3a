"""/alerts: a member raises a field alert and follows its case; an officer of a closed case
starts a story draft from it.

* `POST /alerts` (`alert.raise`; `Idempotency-Key`): JSON, or `multipart/form-data` with the
  alert as JSON in the part `alert` and up to five photos in parts named `photos`.
* `GET /alerts/mine` (`alert.raise`): the raiser's alerts, newest first, paged.
* `GET /alerts/{id}` (signed in): the raiser and the officers of the case; nobody else.
* `POST /alerts/{id}/story` (`story.submit`; `Idempotency-Key`): an officer of the closed case.
* `GET /alerts/media/{sha256}?token=...`: an alert's photo, through its signed, expiring URL.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from typing import Annotated, Any

import asyncpg
from fastapi import APIRouter, Depends, Query, Request, Response
from fastapi.exceptions import RequestValidationError
from nazar_contracts.alerts import AlertPlace
from nazar_platform.auth.access import Action, scopes_for
from nazar_platform.auth.tokens import Principal
from nazar_platform.http.access import Authorized, get_principal, require
from nazar_platform.http.edge import SIGNED_LINK, body_limit, route_class
from nazar_platform.http.idempotency import IdempotencyClaim, idempotent
from nazar_platform.http.input_guard import refuse_invalid_text
from nazar_platform.http.pagination import Page, PageParams, page_params
from nazar_platform.http.problems import ProblemError
from nazar_platform.runtime.context import runtime_of
from pydantic import ValidationError
from starlette.datastructures import UploadFile

from story_intake import metrics
from story_intake.adapters.gate_data import vehicle_states
from story_intake.api.alert_problems import alert_refusal
from story_intake.api.alert_schemas import AlertIn, AlertOut, StoryFromAlertOut
from story_intake.api.alert_views import alert_out
from story_intake.api.photos import send_file
from story_intake.api.problems import media_refusal, refusal
from story_intake.domain.alerts import AlertRefusalError
from story_intake.domain.chain import ChainRefusalError
from story_intake.domain.media import MediaRefusalError
from story_intake.handlers import alerts as handlers
from story_intake.handlers import stories as story_handlers
from story_intake.handlers.media_links import AlertMediaLinks
from story_intake.handlers.photos import MediaContext
from story_intake.settings import UPLOAD_BODY_BYTES, StoryIntakeSettings

router = APIRouter(tags=["alerts"])
Raiser = Annotated[Principal, Depends(require(Action.ALERT_RAISE))]
Author = Annotated[Principal, Depends(require(Action.STORY_SUBMIT))]
Claim = Annotated[IdempotencyClaim | None, Depends(idempotent(get_principal))]
# Five photos, each as large as a story's upload may be, and the alert's JSON.
ALERT_BODY_BYTES = handlers.PHOTOS_PER_ALERT * UPLOAD_BODY_BYTES
# More parts than that are read only to be refused with the alert's own problem.
_MAX_PARTS = 16


def _inlined(schema: dict[str, Any]) -> dict[str, Any]:
    """The model's JSON Schema with its `$defs` inlined (the route documents its body by hand)."""
    defs = schema.pop("$defs", {})

    def walk(node: Any) -> Any:
        if isinstance(node, dict):
            ref = node.get("$ref")
            if isinstance(ref, str) and ref.startswith("#/$defs/"):
                return walk(defs[ref.removeprefix("#/$defs/")])
            return {k: walk(v) for k, v in node.items()}
        if isinstance(node, list):
            return [walk(v) for v in node]
        return node

    result: dict[str, Any] = walk(schema)
    return result


_ALERT_SCHEMA = _inlined(AlertIn.model_json_schema())
_RAISE_BODY = {
    **body_limit(ALERT_BODY_BYTES),
    "requestBody": {
        "required": True,
        "content": {
            "application/json": {"schema": _ALERT_SCHEMA},
            "multipart/form-data": {
                "schema": {
                    "type": "object",
                    "required": ["alert"],
                    "properties": {
                        "alert": {"type": "string", "description": "the alert as JSON"},
                        "photos": {
                            "type": "array",
                            "maxItems": handlers.PHOTOS_PER_ALERT,
                            "items": {"type": "string", "format": "binary"},
                        },
                    },
                }
            },
        },
    },
}


def _pool(request: Request) -> asyncpg.Pool:
    return runtime_of(request).pool


def _settings(request: Request) -> StoryIntakeSettings:
    settings: StoryIntakeSettings = runtime_of(request).settings  # type: ignore[assignment]
    return settings


def _links(request: Request) -> AlertMediaLinks:
    return AlertMediaLinks.of(_settings(request))


def _now() -> datetime:
    return datetime.now(UTC)


@contextmanager
def _refusals() -> Iterator[None]:
    try:
        yield
    except AlertRefusalError as exc:
        raise alert_refusal(exc) from None
    except MediaRefusalError as exc:
        # A refused photo refuses the alert: counted with the alert's refusals and the media's.
        metrics.ALERT_REFUSALS.labels(exc.code).inc()
        metrics.MEDIA_REFUSED.labels("alert_photo", exc.code.split(".", 1)[1]).inc()
        raise media_refusal(exc) from None
    except ChainRefusalError as exc:
        metrics.ALERT_REFUSALS.labels(exc.code).inc()
        raise refusal(exc) from None


def _invalid(exc: ValidationError, prefix: tuple[str, ...]) -> RequestValidationError:
    errors = [{**e, "loc": (*prefix, *e["loc"])} for e in exc.errors(include_url=False)]
    return RequestValidationError(errors)


async def _parsed(request: Request) -> tuple[AlertIn, list[UploadFile]]:
    """The alert and its photos, from JSON or from a multipart form."""
    content_type = request.headers.get("content-type", "")
    uploads: list[UploadFile] = []
    if content_type.startswith("multipart/form-data"):
        form = await request.form(max_files=_MAX_PARTS, max_fields=_MAX_PARTS)
        raw = form.get("alert")
        photos = form.getlist("photos")
        if not isinstance(raw, str) or not all(isinstance(p, UploadFile) for p in photos):
            raise ProblemError(422, "alert.body_invalid")
        uploads = [p for p in photos if isinstance(p, UploadFile)]
        where: tuple[str, ...] = ("body", "alert")
    else:
        raw, where = (await request.body()).decode("utf-8", "replace"), ("body",)
    try:
        body = AlertIn.model_validate_json(raw)
    except ValidationError as exc:
        raise _invalid(exc, where) from None
    # The platform's input guard reads JSON and URL-encoded bodies only (a form's part, a body
    # sent as another type are past it): the same check here.
    prefix = ".".join(where)
    texts = {
        f"{prefix}.text": body.text,
        f"{prefix}.place.text": body.place.text,
        f"{prefix}.vehicle_number": body.vehicle_number or "",
        f"{prefix}.station_id": body.station_id or "",
        **{f"body.photos.{i}.filename": p.filename or "" for i, p in enumerate(uploads)},
    }
    for field, value in texts.items():
        refuse_invalid_text(request, field, value)
    return body, uploads


def _raiser(principal: Principal) -> handlers.Raiser:
    grant = scopes_for(principal, Action.ALERT_RAISE)[0][0]  # `require` saw at least one
    return handlers.Raiser(principal.member_id, grant.role, grant.unit_id)


async def _one(request: Request, alert_id: uuid.UUID, member_id: str) -> AlertOut:
    with _refusals():
        found = await handlers.readable(_pool(request), alert_id, member_id)
    return alert_out(found.alert, found.photos, _links(request), _now())


@router.post(
    "/alerts",
    status_code=201,
    summary="Raise an alert: what I saw, where, how urgent (with up to five photos)",
    openapi_extra=_RAISE_BODY,
)
async def raise_alert(
    request: Request, response: Response, principal: Raiser, claim: Claim
) -> AlertOut:
    body, uploads = await _parsed(request)
    settings = _settings(request)
    media: MediaContext = request.app.state.media
    with _refusals():
        found = await handlers.raise_alert(
            _pool(request),
            media,
            _links(request),
            _raiser(principal),
            handlers.Raise(
                kind=body.kind,
                urgency=body.urgency,
                text=body.text,
                place=AlertPlace(
                    text=body.place.text,
                    latitude=body.place.latitude,
                    longitude=body.place.longitude,
                    accuracy_m=body.place.accuracy_m,
                ),
                vehicle_number=body.vehicle_number,
                station_id=body.station_id,
                raised_at=body.raised_at,
            ),
            [u.file for u in uploads],
            _now(),
            slack=settings.alert_clock_slack,
            vehicle_states=vehicle_states(),
            alert_id=claim.derived_id("alert") if claim else None,
        )
    response.headers["Location"] = f"/api/v1/alerts/{found.alert.id}"
    return alert_out(found.alert, found.photos, _links(request), _now())


@router.get("/alerts/mine", summary="The alerts I raised and what became of each, newest first")
async def my_alerts(
    request: Request, principal: Raiser, page: Annotated[PageParams, Depends(page_params)]
) -> Page[AlertOut]:
    with _refusals():
        found, photos = await handlers.mine(
            _pool(request), principal.member_id, page.cursor, page.limit
        )
    links, now = _links(request), _now()
    return Page[AlertOut](
        items=[alert_out(a, photos[a.id], links, now) for a in found.items],
        next_cursor=found.next_cursor,
    )


@router.get(
    "/alerts/media/{sha256}",
    summary="An alert's photo or rendition, through its signed, expiring URL",
    response_class=Response,
    openapi_extra=route_class(SIGNED_LINK),
    responses={
        200: {
            "description": "the file",
            "content": {"image/jpeg": {}, "image/png": {}, "image/webp": {}},
        },
        410: {
            "description": "Problem document (RFC 9457); code: `media.link_expired`",
            "content": {
                "application/problem+json": {"schema": {"$ref": "#/components/schemas/Problem"}}
            },
        },
    },
)
async def alert_media(
    sha256: str, request: Request, token: Annotated[str, Query(max_length=200)] = ""
) -> Response:
    return await send_file(request, sha256, token, _links(request))


@router.get("/alerts/{alert_id}", summary="One alert: for its raiser and the officers of its case")
async def one_alert(alert_id: uuid.UUID, request: Request, principal: Authorized) -> AlertOut:
    return await _one(request, alert_id, principal.member_id)


@router.post(
    "/alerts/{alert_id}/story",
    status_code=201,
    summary="Start a story draft from a closed alert (an officer of its case)",
)
async def story_from_alert(
    alert_id: uuid.UUID, request: Request, response: Response, principal: Author, claim: Claim
) -> StoryFromAlertOut:
    grant = scopes_for(principal, Action.STORY_SUBMIT)[0][0]
    author = story_handlers.Author(principal.member_id, grant.role, grant.unit_id)
    with _refusals():
        story_id = await handlers.start_story(
            _pool(request),
            alert_id,
            author,
            _now(),
            story_id=claim.derived_id("story") if claim else None,
        )
    response.headers["Location"] = f"/api/v1/stories/{story_id}"
    return StoryFromAlertOut(story_id=story_id)
