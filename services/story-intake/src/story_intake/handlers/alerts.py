"""Alert use cases: raise one (with its photos, through the stories' image pipeline) and announce
it in the same transaction; read one's own and one alert; start a story draft from a closed one.

An alert never enters the story flow by itself: only `start_story`, an officer's explicit act on
a closed alert, makes a draft (which then goes through moderation and the gate like any story).

Refusals are `AlertRefusalError`s, `MediaRefusalError`s (the photos') and `ChainRefusalError`s
(the draft's); `api/` turns them into problems.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import BinaryIO

import asyncpg
from nazar_contracts.alerts import AlertKind, AlertPhoto, AlertPlace, AlertRaised, Urgency
from nazar_contracts.vocabulary import Language, Role
from nazar_platform import db, outbox
from nazar_platform.http.pagination import Page
from nazar_platform.outbox import OutboxEvent, outbox_event

from story_intake import metrics
from story_intake.domain import alerts as rules
from story_intake.domain.alert_cases import Case
from story_intake.domain.alerts import AlertRefusalError, Posting
from story_intake.domain.consent import may_send_stories
from story_intake.handlers import alert_photos as images
from story_intake.handlers import stories
from story_intake.handlers.media_links import AlertMediaLinks
from story_intake.handlers.photos import MediaContext
from story_intake.store import alerts as store
from story_intake.store import media as media_store
from story_intake.store.alerts import AlertRow, PhotoRow
from story_intake.store.stories import Content

SOURCE = "/nazar/story-intake"
PHOTOS_PER_ALERT = 5  # AlertRaised carries at most five


@dataclass(frozen=True, slots=True)
class Raiser:
    member_id: str
    role: Role
    unit_id: str  # the unit of the grant that lets them raise alerts


@dataclass(frozen=True, slots=True)
class Raise:
    """What the raiser sent, as the schema checked it."""

    kind: AlertKind
    urgency: Urgency
    text: str
    place: AlertPlace
    vehicle_number: str | None
    station_id: str | None
    raised_at: datetime | None


@dataclass(frozen=True, slots=True)
class Full:
    alert: AlertRow
    photos: list[PhotoRow]
    officers: set[str]


async def _checked(conn: db.Connection, raiser: Raiser, picked: str | None) -> str:
    """Consent (volunteers), then the station: the one it is for."""
    facts = await store.raiser_facts(conn, raiser.member_id, raiser.unit_id, picked)
    if not may_send_stories(raiser.role, facts.consent):
        raise AlertRefusalError("alert.consent_missing")
    posting = Posting(raiser.unit_id, facts.posting_kind)
    return rules.station_for(posting, picked, facts.picked_kind if picked is not None else None)


def raised_event(
    row: AlertRow, photos: list[PhotoRow], links: AlertMediaLinks, now: datetime
) -> OutboxEvent:
    signed = []
    for p in photos:
        url, expires_at = links.signed(p.sha256, now)
        signed.append(
            AlertPhoto(
                sha256=p.sha256,
                size=p.size,
                media_type=p.media_type,
                url=url,
                url_expires_at=expires_at,
            )
        )
    data = AlertRaised(
        alert_id=str(row.id),
        kind=AlertKind(row.kind),
        urgency=Urgency(row.urgency),
        text=row.text,
        language=Language(row.language),
        place=AlertPlace(
            text=row.place_text,
            latitude=row.latitude,
            longitude=row.longitude,
            accuracy_m=row.accuracy_m,
        ),
        vehicle_number=row.vehicle_number,
        photos=signed,
        raised_by=row.raised_by,
        raiser_role=Role(row.raiser_role),
        station_id=row.station_id,
        raised_at=row.raised_at,
        received_at=row.received_at,
    )
    return outbox_event(data, source=SOURCE)


def _row(
    alert_id: uuid.UUID,
    raiser: Raiser,
    body: Raise,
    station: str,
    raised_at: datetime,
    now: datetime,
    language: Language,
    vehicle: str | None,
) -> AlertRow:
    return AlertRow(
        id=alert_id,
        raised_by=raiser.member_id,
        raiser_role=str(raiser.role),
        kind=str(body.kind),
        urgency=str(body.urgency),
        text=body.text,
        language=str(language),
        place_text=body.place.text,
        latitude=body.place.latitude,
        longitude=body.place.longitude,
        accuracy_m=body.place.accuracy_m,
        vehicle_number=vehicle,
        station_id=station,
        raised_station_id=station,
        raised_at=raised_at,
        received_at=now,
        case=Case(state="raised", station_id=station),
    )


async def raise_alert(
    pool: asyncpg.Pool,
    media: MediaContext,
    links: AlertMediaLinks,
    raiser: Raiser,
    body: Raise,
    uploads: list[BinaryIO],
    now: datetime,
    *,
    slack: timedelta,
    vehicle_states: frozenset[str],
    alert_id: uuid.UUID | None = None,
) -> Full:
    """The alert stored with its photos and `AlertRaised` in the outbox, in one transaction, and
    what its raiser sees of it. With an `alert_id` fixed by the Idempotency-Key, a retry after a
    lost answer raises nothing twice (and processes no photo again)."""
    alert_id = alert_id or uuid.uuid4()
    language = rules.language_of(body.text)
    vehicle = (
        rules.vehicle_number(body.vehicle_number, vehicle_states) if body.vehicle_number else None
    )
    raised_at = rules.raised_time(body.raised_at, now, slack)
    if len(uploads) > PHOTOS_PER_ALERT:
        raise AlertRefusalError("alert.too_many_photos", {"limit": str(PHOTOS_PER_ALERT)})
    if uploads:  # refused before the photos are worked on, which costs far more than the queries
        async with pool.acquire() as conn:
            if await store.get(conn, alert_id) is not None:
                return await readable(pool, alert_id, raiser.member_id)
            await _checked(conn, raiser, body.station_id)
    made = await images.made(media, alert_id, uploads, now)
    created = False
    try:
        # One transaction on one connection: at hundreds of alerts a second each round trip
        # counts. Consent is checked in it (it may have been withdrawn meanwhile); a retry whose
        # alert exists is answered with it (found only on a conflict or a refusal: rare).
        async with pool.acquire() as conn, conn.transaction():
            try:
                station = await _checked(conn, raiser, body.station_id)
            except AlertRefusalError:
                if await store.get(conn, alert_id) is None:
                    raise
            else:
                row = _row(alert_id, raiser, body, station, raised_at, now, language, vehicle)
                created = await store.insert(conn, row)
            if created:
                if made.files:
                    await media_store.keep_files(conn, made.files, now)
                if made.rows:
                    await store.insert_photos(conn, made.rows)
                await outbox.enqueue(conn, [raised_event(row, made.rows, links, now)])
        await made.restore(media)
    finally:
        made.discard()
    if not created:
        return await readable(pool, alert_id, raiser.member_id)
    metrics.ALERTS_RAISED.labels(row.kind, row.urgency).inc()
    metrics.MEDIA_BYTES_STORED.labels("alert_photo").inc(sum(f.size for f in made.files))
    return Full(row, list(made.rows), set())  # nobody has been routed to a new alert yet


async def mine(
    pool: asyncpg.Pool, member_id: str, cursor: str | None, limit: int
) -> tuple[Page[AlertRow], dict[uuid.UUID, list[PhotoRow]]]:
    async with pool.acquire() as conn:
        page = await store.of_raiser(conn, member_id, cursor, limit)
        photos = await store.photos_of(conn, [a.id for a in page.items])
    return page, photos


async def readable(pool: asyncpg.Pool, alert_id: uuid.UUID, member_id: str) -> Full:
    """The alert for its raiser or an officer of its case; `alert.not_found` for anyone else
    (whether it exists is not theirs to learn)."""
    async with pool.acquire() as conn:
        row = await store.get(conn, alert_id)
        if row is None:
            raise AlertRefusalError("alert.not_found")
        officers = await store.officers_of(conn, alert_id)
        if not rules.may_read(member_id, row.raised_by, officers):
            raise AlertRefusalError("alert.not_found")
        photos = await store.photos_of(conn, [alert_id])
    return Full(row, photos[alert_id], officers)


def _content(row: AlertRow) -> Content:
    language = Language(row.language)
    title = rules.story_title(row.kind, row.place_text, language)
    hindi = language is Language.HI
    return Content(
        kind=rules.story_kind(row.case.outcome),
        title_hi=title if hindi else None,
        title_en=None if hindi else title,
        text_hi=row.text if hindi else None,
        text_en=None if hindi else row.text,
        place=row.place_text[:300],
        latitude=row.latitude,
        longitude=row.longitude,
        event_date=row.raised_at.date(),
        case_ref=row.case.fir_number,
    )


async def start_story(
    pool: asyncpg.Pool,
    alert_id: uuid.UUID,
    author: stories.Author,
    now: datetime,
    *,
    story_id: uuid.UUID | None = None,
) -> uuid.UUID:
    """A story draft by an officer of the closed case, with the alert's text and photos; the
    alert remembers it, so a second request gets the same draft (another officer's: refused)."""
    async with pool.acquire() as conn, conn.transaction():
        row = await store.get(conn, alert_id, lock=True)
        if row is None:
            raise AlertRefusalError("alert.not_found")
        officers = await store.officers_of(conn, alert_id)
        rules.may_start_story(author.member_id, row.raised_by, officers, row.state)
        if row.story_id is not None:
            if row.story_by != author.member_id:
                raise AlertRefusalError("alert.story_exists")
            return row.story_id
        story_id = story_id or uuid.uuid4()
        draft, created = await stories.insert_draft(conn, author, _content(row), story_id, now)
        if created:
            photos = (await store.photos_of(conn, [alert_id]))[alert_id]
            for photo in photos:
                await media_store.insert(
                    conn, images.story_photo(photo, story_id, author.member_id, author.role, now)
                )
        await store.set_story(conn, alert_id, story_id, author.member_id)
    if created:
        stories.count_blocks(draft)
    return story_id
