"""Bulk import of the units list (headquarters): new units are added, known ones renamed or
moved, all in one transaction."""

from __future__ import annotations

import csv
from typing import IO

from nazar_contracts.vocabulary import UnitKind
from nazar_platform import db
from nazar_platform.http.csv_files import CheckedCsv

from roster.domain.imports import UNIT_IMPORT_COLUMNS, ImportResult, Problems, new_import_id
from roster.domain.rows import HeaderError
from roster.handlers.context import Roster
from roster.handlers.imports import invalid_columns
from roster.handlers.propagate import after_units
from roster.store import imports as import_store
from roster.store import units as unit_store


def _unit_rows(
    text: IO[str], result: ImportResult
) -> list[tuple[int, str, str, str, str, str | None]]:
    reader = csv.reader(text)
    header = [h.strip().lower().lstrip("\ufeff") for h in next(reader, [])]
    missing = [c for c in UNIT_IMPORT_COLUMNS if c not in header]
    if missing:
        raise HeaderError(missing)
    at = {c: header.index(c) for c in UNIT_IMPORT_COLUMNS}
    kinds = {k.value for k in UnitKind}
    staged = []
    for n, raw in enumerate(reader, start=2):
        values = {c: raw[at[c]].strip() if at[c] < len(raw) else "" for c in UNIT_IMPORT_COLUMNS}
        invalid = invalid_columns(values, UNIT_IMPORT_COLUMNS)
        code, kind, hi, en, parent = ("" if c in invalid else values[c] for c in values)
        problems: Problems = [{"code": "invalid-text", "column": c} for c in invalid]
        if kind not in kinds and "kind" not in invalid:
            problems.append({"code": "bad-unit-kind", "column": "kind"})
        problems += [
            {"code": "missing-field", "column": c}
            for c, v in (("unit_code", code), ("name_hi", hi), ("name_en", en))
            if not v and c not in invalid
        ]
        if problems:
            result.reject(n, code or None, problems)
        else:
            staged.append((n, code.upper(), kind, hi, en, parent.upper() or None))
    result.total = len(staged) + len(result.rejected)
    return staged


async def import_units(
    roster: Roster,
    source: CheckedCsv,
    by: str,
    filename: str | None = None,
    import_id: str | None = None,
) -> ImportResult:
    """A units list (HQ): new units are added, known ones renamed or moved, in one transaction."""
    result = ImportResult(import_id or new_import_id())
    if import_id is None:
        async with db.transaction(roster.pool) as conn:
            await import_store.create(
                conn, result.import_id, kind="units", full_sync=False, filename=filename,
                uploaded_by=by, scope=None,
            )  # fmt: skip
    try:
        staged = _unit_rows(source.text, result)
        async with db.transaction(roster.pool) as conn:
            await unit_store.stage(conn, staged)
            bad = await unit_store.check_staged(conn)
            for row_no, code, reason in bad:
                result.reject(row_no, code, [{"code": reason, "column": "parent"}])
            result.counts = await unit_store.apply_staged(conn, [b[0] for b in bad])
            rejected = result.merged()
            result.counts["rejected"] = len(rejected)
            result.events = await after_units(conn, roster.topics)
            result.counts["events"] = result.events
            await import_store.replace_rejections(conn, result.import_id, rejected)
            await import_store.finish(
                conn, result.import_id, total=result.total, counts=result.counts
            )
    except Exception as exc:
        async with db.transaction(roster.pool) as conn:
            await import_store.fail(conn, result.import_id, type(exc).__name__)
        raise
    return result
