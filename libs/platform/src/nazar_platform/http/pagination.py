"""Cursor pagination: keyset queries, opaque cursors, one response shape.

A list endpoint answers `Page[T]` = `{"items": [...], "next_cursor": "..." | null}`. The cursor
is base64url (unpadded) of a small JSON document holding the sort key of the last item sent; the
next page starts strictly after it (`WHERE (sort_col, id) > ($n, $m)`), so rows inserted or
deleted meanwhile never make an item appear twice or go missing, and deep pages cost the same as
the first. Clients treat the cursor as opaque; a cursor that does not decode to the key this list
sorts by is a 400 problem (`invalid_cursor`). A forged but well-formed cursor only moves the
starting point: access checks stay in the query's own WHERE clause.

    KEYSET = Keyset(("n.created_at", "n.id"), (datetime, uuid.UUID))

    @router.get("/notes")
    async def notes(page: PageParams = Depends(page_params)) -> Page[Note]:
        where, args = KEYSET.after(page.cursor, first_param=1)
        rows = await pool.fetch(
            f"SELECT * FROM notes n WHERE {where} ORDER BY {KEYSET.order_by()}"
            f" LIMIT ${len(args) + 1}", *args, page.limit + 1)
        return KEYSET.page(rows, page.limit, Note.from_row)
"""

from __future__ import annotations

import base64
import binascii
import json
import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Annotated, Any, Generic, Protocol, TypeVar

from fastapi import Query
from pydantic import BaseModel, Field

from nazar_platform.http.problems import ProblemError
from nazar_platform.text import first_invalid

T = TypeVar("T")
DEFAULT_LIMIT = 50
MAX_LIMIT = 500
_VERSION = 1

CursorValue = int | str | datetime | uuid.UUID


class Int32(int):
    """A cursor key held in an `integer` (32-bit) column: `Keyset((...), (Int32, str))`."""


_RANGES = {int: range(-(2**63), 2**63), Int32: range(-(2**31), 2**31)}


class Row(Protocol):
    """A result row: an asyncpg Record or any mapping."""

    def __getitem__(self, key: str, /) -> Any: ...


class Page(BaseModel, Generic[T]):
    items: list[T]
    next_cursor: str | None = Field(
        None, description="Pass as `cursor` to get the next page; null on the last page"
    )


class PageParams(BaseModel):
    cursor: str | None = None
    limit: int = DEFAULT_LIMIT


def page_params(
    cursor: Annotated[
        str | None, Query(max_length=2048, description="`next_cursor` of the previous page")
    ] = None,
    limit: Annotated[int, Query(ge=1, le=MAX_LIMIT, description="Items per page")] = DEFAULT_LIMIT,
) -> PageParams:
    """The FastAPI dependency for `?cursor=&limit=`."""
    return PageParams(cursor=cursor, limit=limit)


def _plain(value: CursorValue) -> int | str:
    if isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, uuid.UUID):
        return str(value)
    return value


def encode_cursor(key: Sequence[CursorValue]) -> str:
    raw = json.dumps({"v": _VERSION, "k": [_plain(v) for v in key]}, separators=(",", ":"))
    return base64.urlsafe_b64encode(raw.encode()).rstrip(b"=").decode()


def _typed(value: object, kind: type) -> CursorValue:
    if kind in _RANGES and isinstance(value, int) and not isinstance(value, bool):
        if value not in _RANGES[kind]:
            raise ValueError("integer out of range")
        return value
    if kind is str and isinstance(value, str):
        if first_invalid(value) is not None:
            raise ValueError("not text")
        return value
    if kind is datetime and isinstance(value, str):
        parsed = datetime.fromisoformat(value)
        if parsed.tzinfo is None:
            raise ValueError("naive datetime")
        parsed.astimezone(UTC)  # as the driver will: years past 9999 or before 1 raise here
        return parsed
    if kind is uuid.UUID and isinstance(value, str):
        return uuid.UUID(value)
    raise ValueError(f"expected {kind.__name__}")


def decode_cursor(cursor: str, types: Sequence[type]) -> tuple[CursorValue, ...]:
    """The sort key in `cursor`, checked against `types`; a 400 problem if it is not one."""
    try:
        padded = cursor + "=" * (-len(cursor) % 4)
        document = json.loads(base64.urlsafe_b64decode(padded.encode("ascii")))
        if not isinstance(document, dict) or document.get("v") != _VERSION:
            raise ValueError("unknown cursor version")
        values = document.get("k")
        if not isinstance(values, list) or len(values) != len(types):
            raise ValueError("wrong key length")
        return tuple(_typed(v, kind) for v, kind in zip(values, types, strict=True))
    except (ValueError, UnicodeError, binascii.Error, OverflowError, RecursionError) as exc:
        raise ProblemError(400, "invalid_cursor") from exc


@dataclass(frozen=True)
class Keyset:
    """A sort order for keyset pagination; the last column must make the order total (an id).

    `columns` are SQL expressions written in code (never user input); `row_keys` name them in
    the result rows (default: the part after the last dot)."""

    columns: tuple[str, ...]
    types: tuple[type, ...]
    descending: bool = False
    row_keys: tuple[str, ...] | None = None

    def __post_init__(self) -> None:
        if len(self.columns) != len(self.types) or not self.columns:
            raise ValueError("one type per column, at least one column")

    @property
    def keys(self) -> tuple[str, ...]:
        return self.row_keys or tuple(c.rsplit(".", 1)[-1] for c in self.columns)

    def after(self, cursor: str | None, first_param: int) -> tuple[str, list[Any]]:
        """The WHERE condition that starts after `cursor` (`TRUE` without one) and its args,
        numbered from `$first_param`."""
        if cursor is None:
            return "TRUE", []
        values = decode_cursor(cursor, self.types)
        params = ", ".join(f"${first_param + i}" for i in range(len(values)))
        op = "<" if self.descending else ">"
        return f"({', '.join(self.columns)}) {op} ({params})", list(values)

    def order_by(self) -> str:
        direction = " DESC" if self.descending else ""
        return ", ".join(f"{c}{direction}" for c in self.columns)

    def cursor_for(self, row: Row) -> str:
        return encode_cursor([row[k] for k in self.keys])

    def page(self, rows: Sequence[Row], limit: int, item: Callable[[Row], T]) -> Page[T]:
        """`rows` fetched with `LIMIT limit + 1`: the extra row only says another page exists."""
        shown = rows[:limit]
        next_cursor = self.cursor_for(shown[-1]) if len(rows) > limit and shown else None
        return Page[T](items=[item(r) for r in shown], next_cursor=next_cursor)
