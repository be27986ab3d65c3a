"""Story-intake's HTTP API under /api/v1 (routes and their schemas; use cases in handlers)."""

from __future__ import annotations

from fastapi import APIRouter

from story_intake.api import alerts, cell, dev, gate, photos, posts, review, stories


def routers() -> list[APIRouter]:
    # review after stories: its /stories/{id} must not shadow /stories/mine and /stories/queue.
    return [
        gate.router,
        stories.router,
        cell.router,
        photos.router,
        posts.router,
        alerts.router,
        review.router,
        dev.router,
    ]
