"""An import's mode, its result and its rejections (one per row, listing all its problems)."""

from __future__ import annotations

import secrets
import time
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from enum import StrEnum

from roster.domain.reasons import REASONS

UNIT_IMPORT_COLUMNS = ("unit_code", "kind", "name_hi", "name_en", "parent")
Problems = list[dict[str, str | None]]
# (row, key shown to the clerk, member id, problems)
Rejection = tuple[int, str | None, str | None, Problems]


class Mode(StrEnum):
    APPLY = "apply"  # an import without full sync
    REVIEW = "review"  # a full sync's dry run: nothing applied
    SYNC = "sync"  # a confirmed full sync


@dataclass
class ImportResult:
    import_id: str
    total: int = 0
    counts: dict[str, int] = field(default_factory=dict)
    rejected: list[Rejection] = field(default_factory=list)
    events: int = 0
    # The rejected rows' cells as the file had them, by row number, for the clerk to fix.
    cells: dict[int, list[str]] = field(default_factory=dict)

    def reject(
        self, row_no: int, key: str | None, problems: Problems, *, member_id: str | None = None,
        cells: list[str] | None = None,
    ) -> None:  # fmt: skip
        self.rejected.append((row_no, key, member_id, problems))
        if cells is not None:
            self.cells.setdefault(row_no, cells)

    def merged(self) -> list[Rejection]:
        """One rejection per row, in row order, listing each of its problems once."""
        by_row: dict[int, Rejection] = {}
        for n, key, member, problems in sorted(self.rejected, key=lambda r: r[0]):
            if n not in by_row:
                by_row[n] = (n, key, member, [])
            seen = by_row[n]
            seen[3].extend(p for p in problems if p not in seen[3])
            by_row[n] = (n, seen[1] or key, seen[2] or member, seen[3])
        return list(by_row.values())


def new_import_id() -> str:
    return f"imp-{time.strftime('%Y%m%d%H%M%S', time.gmtime())}-{secrets.token_hex(4)}"


# The column the rejected rows' CSV adds: why each row was refused. The importer reads only the
# columns it knows, so the clerk can leave it in the file they upload again.
REASON_COLUMN = {"hi": "कारण", "en": "reason"}


def reason_text(problems: Problems, lang: str) -> str:
    """A row's problems in the clerk's language, each naming its column."""
    at = 0 if lang == "hi" else 1
    parts = []
    for p in problems:
        code = p["code"] or ""
        words = REASONS.get(code, (code, code))[at]
        parts.append(f"{words} [{p['column']}]" if p.get("column") else words)
    return "; ".join(parts)


def rejected_table(
    header: Sequence[str], rows: Iterable[tuple[Sequence[str], Problems]], lang: str
) -> Iterable[list[str]]:
    """The rejected rows as the file had them (its columns, its cells), a reason column added;
    a reason column of an earlier download is left out, so that it never doubles."""
    names = {n.strip().lower() for n in REASON_COLUMN.values()}
    keep = [i for i, h in enumerate(header) if h.strip().lower().lstrip("\ufeff") not in names]
    yield [header[i] for i in keep] + [REASON_COLUMN["hi" if lang == "hi" else "en"]]
    for cells, problems in rows:
        yield [cells[i] if i < len(cells) else "" for i in keep] + [reason_text(problems, lang)]
