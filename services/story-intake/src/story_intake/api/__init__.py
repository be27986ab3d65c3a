"""Story-intake's HTTP API under /api/v1 (routes and their schemas; use cases in handlers)."""

from __future__ import annotations

from fastapi import APIRouter

from story_intake.api import cell, gate, stories


def routers() -> list[APIRouter]:
    return [gate.router, stories.router, cell.router]
