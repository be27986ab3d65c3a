"""Hostile uploads against the running system: decompression bombs, impostor files with the right
extension, zip and gzip bombs sent as a roster CSV, and 100 MB bodies to every route that takes
a body. Each must be refused with a problem document, quickly, and leave nothing behind; never a
5xx, never accepted."""

from __future__ import annotations

import time
import uuid
from typing import Any

import httpx
import pytest

from tests.e2e.clients import World
from tests.e2e.system import System
from tests.security.routes import Guard, route_table
from tests.security.uploads import (
    HUNDRED_MB,
    IMPOSTORS,
    MB,
    gzip_bomb,
    raw_post,
    zip_bomb,
)
from tests.unit.story_intake.images import png_bomb

STORY = {
    "kind": "gang_bust",
    "title": {"hi": "भिवाड़ी पुलिस ने वाहन चोर गिरोह पकड़ा"},
    "text": {"hi": "भिवाड़ी थाना पुलिस ने नाकाबंदी में चोरी की तीन मोटरसाइकिलें बरामद कीं।"},
    "place": "भिवाड़ी",
    "event_date": "2026-11-28",
    "submit": False,
}
STATION = "PS-BHIWADI-KOTWALI"
# What the server and the kernel may take in past a route's limit before the answer arrives.
SLACK = 16 * MB
PART = (
    b'--b\r\nContent-Disposition: form-data; name="file"; filename="photo.jpg"\r\n'
    b"Content-Type: image/jpeg\r\n\r\n\xff\xd8\xff\xe0"
)


def _problem(r: httpx.Response, *statuses: int) -> str | None:
    """None when `r` is one of `statuses` as a problem document; else what it was."""
    media = r.headers.get("content-type", "")
    if r.status_code in statuses and media.startswith("application/problem+json"):
        return None
    return f"{r.status_code} {media} {r.text[:160]}"


@pytest.fixture(scope="module")
async def tokens(system: System) -> dict[str, str]:
    world = World(system)
    return {
        "constable": await world.token(await world.officer("constable", STATION)),
        "sp": await world.token(await world.officer("sp", "DST-BIKANER")),
        "adg": await world.token(await world.officer("adg", "BR-CRIME")),
    }


async def test_photo_bombs_and_impostors_are_refused_and_nothing_is_kept(
    system: System, tokens: dict[str, str]
) -> None:
    auth = {"Authorization": f"Bearer {tokens['constable']}", "Accept-Language": "en"}
    async with httpx.AsyncClient(base_url=system.url("story-intake"), timeout=60) as http:
        r = await http.post(
            "/api/v1/stories", json=STORY, headers=auth | {"Idempotency-Key": str(uuid.uuid4())}
        )
        assert r.status_code == 201, r.text
        story = r.json()["id"]
        cases: dict[str, tuple[bytes, str, tuple[int, ...]]] = {
            "png bomb": (png_bomb(), "photo.png", (413,)),
            "png bomb named .jpg": (png_bomb(), "photo.jpg", (413,)),
            **{name: (data, name, (415, 422)) for name, data in IMPOSTORS.items()},
        }
        wrong = []
        for what, (data, name, statuses) in cases.items():
            started = time.monotonic()
            declared = "image/png" if name.endswith(".png") else "image/jpeg"
            r = await http.post(
                f"/api/v1/stories/{story}/photos",
                files={"file": (name, data, declared)},
                headers=auth,
            )
            took = time.monotonic() - started
            if (problem := _problem(r, *statuses)) is not None or took > 20:
                wrong.append(f"{what}: {problem or 'refused'} in {took:.1f}s")
        listed = await http.get(f"/api/v1/stories/{story}/photos", headers=auth)
    assert not wrong, "\n".join(wrong)
    assert listed.status_code == 200, listed.text
    body: Any = listed.json()
    items = body["items"] if isinstance(body, dict) else body
    assert items == [], f"a refused upload was kept: {items}"


async def test_bombs_and_impostors_sent_as_a_roster_csv_are_refused(
    system: System, tokens: dict[str, str]
) -> None:
    auth = {"Authorization": f"Bearer {tokens['sp']}", "Accept-Language": "en"}
    csv = {"Content-Type": "text/csv"}
    cases: dict[str, tuple[bytes, dict[str, str]]] = {
        "zip bomb named .csv": (zip_bomb(), csv),
        "gzip bomb, Content-Encoding: gzip": (gzip_bomb(), csv | {"Content-Encoding": "gzip"}),
        "gzip bomb as a plain body": (gzip_bomb(), csv),
        "png named .csv": (png_bomb(2_000), csv),
        "utf-16 csv": ("volunteer_id,name_hi\nV-1,कमला\n".encode("utf-16"), csv),
    }
    wrong = []
    async with httpx.AsyncClient(base_url=system.url("roster"), timeout=60) as http:
        for what, (data, headers) in cases.items():
            started = time.monotonic()
            r = await http.post(
                "/api/v1/imports",
                params={"kind": "volunteers", "filename": "members.csv"},
                content=data,
                headers=auth | headers | {"Idempotency-Key": str(uuid.uuid4())},
            )
            took = time.monotonic() - started
            if (problem := _problem(r, 413, 415, 422)) is not None or took > 20:
                wrong.append(f"{what} ({len(data)} bytes): {problem or 'refused'} in {took:.1f}s")
    assert not wrong, "\n".join(wrong)


def _body_routes() -> list[tuple[str, str]]:
    """(service, path) of every route that takes a body, path parameters filled."""
    found = []
    for row in route_table():
        if row.method in ("POST", "PUT", "PATCH") and row.guard is not Guard.DEV:
            path = row.path
            for name in row.parameters:
                path = path.replace("{" + name + "}", str(uuid.UUID(int=1)))
            found.append((row.service, path))
    return found


async def test_a_declared_100_mb_body_is_refused_by_every_route_before_it_is_read(
    system: System, tokens: dict[str, str]
) -> None:
    routes = _body_routes()
    wrong = []
    for service, path in routes:
        answer = await raw_post(
            system.url(service, path),
            {"Authorization": f"Bearer {tokens['adg']}", "Content-Type": "application/json"},
            declared=HUNDRED_MB,
            stream_up_to=0,  # the header alone must do: a server that waits for the body hangs
            answer_within=10,
        )
        if answer.status != 413 or not answer.content_type.startswith("application/problem+json"):
            wrong.append(
                f"{service} POST {path}: {answer.status or answer.failure} {answer.content_type}"
            )
    print(f"\n100 MB declared: {len(routes)} routes, {len(wrong)} not refused with 413")
    assert len(routes) > 30 and not wrong, "\n".join(wrong)


@pytest.mark.parametrize(
    ("service", "path", "who", "media", "limit"),
    [
        (
            "story-intake",
            "/api/v1/stories/{story}/photos",
            "constable",
            "multipart/form-data; boundary=b",
            16 * MB,
        ),
        ("roster", "/api/v1/imports?kind=volunteers", "sp", "text/csv", 64 * MB),
        ("directive", "/api/v1/directives", "adg", "application/json", MB),
    ],
    ids=["photo", "roster-import", "json"],
)
async def test_a_streamed_100_mb_body_is_cut_off_at_the_limit(
    system: System,
    tokens: dict[str, str],
    service: str,
    path: str,
    who: str,
    media: str,
    limit: int,
) -> None:
    story = str(uuid.UUID(int=1))
    answer = await raw_post(
        system.url(service, path.format(story=story)),
        {"Authorization": f"Bearer {tokens[who]}", "Content-Type": media},
        declared=None,
        stream_up_to=HUNDRED_MB,
        prefix=PART if media.startswith("multipart/") else b"",
    )
    print(
        f"\n{service} {path}: {answer.status or answer.failure} after {answer.sent // MB} MB sent"
    )
    # The answer, or the connection closed under the sender once the limit was passed.
    assert answer.status in (413, 415, 422) or answer.failure == "ConnectionResetError", answer
    assert answer.sent < limit + SLACK, f"{answer.sent // MB} MB were taken in before the answer"
