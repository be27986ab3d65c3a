"""An import's mode, its result and its rejections (one per row, listing all its problems)."""

from __future__ import annotations

import secrets
import time
from dataclasses import dataclass, field
from enum import StrEnum

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

    def reject(self, row_no: int, key: str | None, problems: Problems) -> None:
        self.rejected.append((row_no, key, None, problems))

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
