"""What the moderation console reads besides the queue: one story with its steps for whoever may
open it, and members' names (who claimed a story, who took each step)."""

from __future__ import annotations

import uuid
from collections.abc import Sequence

import asyncpg

from story_intake.domain import chain
from story_intake.domain.chain import Actor, ChainRefusalError
from story_intake.handlers.stories import StoryNotFoundError, WithSteps, domain_of
from story_intake.store import cell as cell_store
from story_intake.store import members, units
from story_intake.store import posts as post_store
from story_intake.store import stories as store
from story_intake.store.members import MemberRow


async def one(pool: asyncpg.Pool, story_id: uuid.UUID, actors: list[Actor]) -> WithSteps:
    """The story and every step, for its author or a reviewer of its step."""
    async with pool.acquire() as conn:
        row = await store.get(conn, story_id)
        if row is None:
            raise StoryNotFoundError(str(story_id))
        if not chain.may_read(actors, domain_of(row)):
            raise ChainRefusalError("story.not_your_queue")
        steps = await store.steps_of(conn, [row.id])
        approved = await cell_store.approvals(conn, [row.id])
        posts = await post_store.posts(conn, [row.id])
    return WithSteps(row, steps[row.id], approved.get(row.id), tuple(posts[row.id]))


async def names(pool: asyncpg.Pool, member_ids: Sequence[str]) -> list[MemberRow]:
    async with pool.acquire() as conn:
        return await members.named(conn, member_ids)


async def unit_names(pool: asyncpg.Pool, unit_ids: Sequence[str]) -> list[units.UnitRow]:
    async with pool.acquire() as conn:
        return await units.named(conn, unit_ids)
