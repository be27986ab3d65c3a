"""CSV in and out: the one writer of every CSV the system hands out, the one reader of every CSV
it takes in.

**Writing.** Every cell goes through `cell`: a cell that begins with `=`, `+`, `-`, `@`, a tab or
a carriage return is prefixed with `'`, so that a spreadsheet shows it as text instead of running
it as a formula (`=HYPERLINK(...)`, `=cmd|' /C calc'!A0`, OWASP "CSV injection"). The rule looks
at the text of the cell only, never at where it came from: a number we write that begins with
`-` would be prefixed too. Our exports write counts, shares and status codes, none negative, and
times in ISO 8601, so in practice only text that a person typed is changed; a reader that wants
the original value strips one leading `'` from a cell that begins with `'` followed by one of
those characters (`uncell`). Files are UTF-8 with a byte-order mark (`header`), so that Excel
shows Hindi, with CRLF line ends; quoting is the csv module's (a cell with a comma, quote or line
break is quoted), so every export stays parseable by any CSV reader.

**Reading.** `read_checked` decodes the whole file as UTF-8 and splits it into records once,
before the caller looks at any row, so that a file that is not UTF-8 (or not CSV) fails as a
whole, naming its first bad line, instead of half-way through being applied.
"""

from __future__ import annotations

import codecs
import csv
import io
from collections.abc import AsyncIterable, Iterable
from dataclasses import dataclass
from datetime import date, datetime
from typing import IO, BinaryIO, Literal

from fastapi.responses import StreamingResponse

FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
BOM = "\ufeff"
MEDIA_TYPE = "text/csv; charset=utf-8"
_BLOCK = 1024 * 1024


def cell(value: object) -> str:
    """A value as a CSV cell: None is empty, times ISO 8601, and a would-be formula is text."""
    if value is None:
        return ""
    text = value.isoformat() if isinstance(value, datetime | date) else str(value)
    return "'" + text if text.startswith(FORMULA_START) else text


def uncell(text: str) -> str:
    """A cell read back: the `'` that `cell` put before a would-be formula comes off (a file we
    handed out, fixed and uploaded again reads as the values it was made of)."""
    if text.startswith("'") and text[1:].startswith(FORMULA_START):
        return text[1:]
    return text


def lines(rows: Iterable[Iterable[object]]) -> str:
    """CSV records, CRLF after each, every cell through `cell`."""
    buffer = io.StringIO()
    csv.writer(buffer, lineterminator="\r\n").writerows([cell(v) for v in row] for row in rows)
    return buffer.getvalue()


def line(values: Iterable[object]) -> str:
    return lines([values])


def header(columns: Iterable[str]) -> str:
    """The first line of an export: the byte-order mark and the column names."""
    return BOM + line(columns)


def response(body: AsyncIterable[str] | AsyncIterable[bytes], filename: str) -> StreamingResponse:
    """A streamed CSV download (`body` yields `header(...)` first, then `lines(...)`)."""
    return StreamingResponse(
        body,
        media_type=MEDIA_TYPE,
        headers={"Content-Disposition": f'attachment; filename="{filename}"'},
    )


class CsvReadError(ValueError):
    """The file is not UTF-8 text (`encoding`) or not CSV (`format`) at `line` (1 = the first)."""

    def __init__(self, reason: Literal["encoding", "format"], line: int) -> None:
        super().__init__(f"{reason} error at line {line}")
        self.reason = reason
        self.line = line


@dataclass(frozen=True)
class CheckedCsv:
    """A CSV file read in full once: `text` (rewound) decodes and parses without error."""

    text: IO[str]
    records: int  # the header included
    raw: BinaryIO

    def content(self) -> bytes:
        """The file's bytes, e.g. to keep it; `text` is left at its start."""
        self.raw.seek(0)
        data = self.raw.read()
        self.text.seek(0)
        return data

    def close(self) -> None:
        self.text.close()

    def __enter__(self) -> CheckedCsv:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def read_checked(raw: BinaryIO) -> CheckedCsv:
    """Decode (UTF-8, a leading byte-order mark allowed) and split every record of `raw`, a
    seekable binary file, then hand it back as text from the start; raises CsvReadError.

    Takes over `raw`: closing the result closes it, and it is closed when the file is refused.
    Blocking (a 64 MiB file takes about a second): call it in a worker thread from async code."""
    raw.seek(0)
    text = io.TextIOWrapper(raw, encoding="utf-8-sig", newline="")
    reader = csv.reader(text)
    records = 0
    try:
        for _ in reader:
            records += 1
    except UnicodeDecodeError:
        line = _line_of_first_bad_byte(raw)
        text.close()
        raise CsvReadError("encoding", line) from None
    except csv.Error:
        text.close()
        # line_num counts the physical lines read so far, the offending one included.
        raise CsvReadError("format", max(reader.line_num, 1)) from None
    text.seek(0)
    return CheckedCsv(text, records, raw)


def _line_of_first_bad_byte(raw: BinaryIO) -> int:
    raw.seek(0)
    decoder = codecs.getincrementaldecoder("utf-8")()
    breaks = 0  # line breaks (CRLF, LF or CR) before the current block
    ended_in_cr = False
    while block := raw.read(_BLOCK):
        pending = len(decoder.getstate()[0])
        try:
            decoder.decode(block)
        except UnicodeDecodeError as exc:
            # exc.object is what the decoder held back from the last block (a partial character,
            # never a line break), then this block.
            return breaks + _line_breaks(exc.object[pending : exc.start], ended_in_cr) + 1
        breaks += _line_breaks(block, ended_in_cr)
        ended_in_cr = block.endswith(b"\r")
    return breaks + 1  # the file ends inside a character


def _line_breaks(data: bytes, after_cr: bool) -> int:
    """Line breaks in `data`; an LF right after a CR that ended the previous block is not one."""
    count = data.count(b"\n") + data.count(b"\r") - data.count(b"\r\n")
    return count - 1 if after_cr and data.startswith(b"\n") else count
