"""A unit's counts computed in Python from the roster's tables, independently of the service's
SQL: the tree's API and pages are held to these (tests/integration/roster/test_tree.py,
tests/browser/roster/test_tree.py)."""

from __future__ import annotations

from collections import Counter
from typing import Any

import asyncpg

VOLUNTEERS = {"clg_member", "gram_rakshak", "police_mitra", "suraksha_sakhi"}
ORDER = [
    "home_secretary", "adg", "joint_secretary_home", "ig", "sp", "sp_phq_crime", "co",
    "police_pro", "sho", "inspector", "si", "asi", "head_constable", "constable",
    "content_writer", "graphics_designer", "clg_member", "gram_rakshak", "police_mitra",
    "suraksha_sakhi",
]  # fmt: skip


async def expected_counts(database: str, unit_id: str) -> dict[str, Any]:
    """The counts from the rows, in Python: each active member once, under their primary (else
    most senior) posting in the subtree."""
    conn = await asyncpg.connect(database)
    try:
        rows = await conn.fetch(
            """SELECT p.member_id, p.role, p.is_primary, m.consent_state, c.whatsapp, c.sms
               FROM postings p JOIN units u ON u.unit_id = p.unit_id AND u.active
               JOIN members m ON m.member_id = p.member_id AND m.active AND m.erased_at IS NULL
               LEFT JOIN contacts c ON c.member_id = p.member_id
               WHERE $1 = ANY(u.path)""",
            unit_id,
        )
    finally:
        await conn.close()
    best: dict[str, Any] = {}
    for r in rows:
        rank = (not r["is_primary"], ORDER.index(r["role"]))
        old = best.get(r["member_id"])
        if old is None or rank < (not old["is_primary"], ORDER.index(old["role"])):
            best[r["member_id"]] = r
    police: Counter[str] = Counter()
    volunteers: dict[str, Counter[str]] = {}
    for r in best.values():
        if r["role"] in VOLUNTEERS:
            state = (
                r["consent_state"] if r["consent_state"] in ("granted", "withdrawn") else "pending"
            )
            volunteers.setdefault(r["role"], Counter())[state] += 1
        else:
            police[r["role"]] += 1
    return {
        "unit_id": unit_id,
        "total": len(best),
        "police": dict(police),
        "volunteers": {
            k: {s: v[s] for s in ("granted", "pending", "withdrawn")} for k, v in volunteers.items()
        },
        "unreachable": sum(1 for r in best.values() if not r["whatsapp"] and not r["sms"]),
    }
