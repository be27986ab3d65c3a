"""The one CSV writer (formula cells neutralised, still parseable) and the one CSV reader
(decoded in full before use, the first bad line named)."""

from __future__ import annotations

import csv
import io
from datetime import UTC, date, datetime

import pytest
from nazar_platform.http import csv_files
from nazar_platform.http.csv_files import (
    CsvReadError,
    cell,
    header,
    line,
    lines,
    read_checked,
    uncell,
)

FORMULAS = [
    '=HYPERLINK("http://x","राम")',
    "=cmd|' /C calc'!A0",
    "+91 98290 12345",
    "-2+3",
    "@SUM(A1:A2)",
    "\t=1+1",
    "\r=1+1",
]


@pytest.mark.parametrize("text", FORMULAS)
def test_a_cell_that_would_run_as_a_formula_is_text(text: str) -> None:
    assert cell(text) == "'" + text
    [[back]] = list(csv.reader(io.StringIO(line([text]), newline="")))
    assert back == "'" + text, "the file stays parseable and the value is kept behind the '"


def test_plain_cells_are_as_given() -> None:
    assert cell(None) == "" and cell(201) == "201" and cell(0.25) == "0.25"
    assert cell("राम कुमार") == "राम कुमार" and cell("/api/v1/सूचना") == "/api/v1/सूचना"
    assert cell(datetime(2025, 1, 1, tzinfo=UTC)) == "2025-01-01T00:00:00+00:00"
    assert cell(date(2025, 1, 2)) == "2025-01-02"
    assert cell("a=b") == "a=b" and cell("'=x") == "'=x"


def test_lines_quote_and_end_in_crlf() -> None:
    text = lines([[1, 'a,"b"', None], ["=x", "line\nbreak", "ok"]])
    assert text == '1,"a,""b""",\r\n\'=x,"line\nbreak",ok\r\n'
    assert header(["id", "name"]) == "\ufeffid,name\r\n"


def _checked(data: bytes) -> list[list[str]]:
    with read_checked(io.BytesIO(data)) as checked:
        return list(csv.reader(checked.text))


def test_a_good_file_is_read_in_full_and_rewound() -> None:
    data = '\ufeffname,unit\r\nराम,PS-1\r\n"a\nb",PS-2\r\n'.encode()
    with read_checked(io.BytesIO(data)) as checked:
        assert checked.records == 3
        rows = list(csv.reader(checked.text))
        assert checked.content() == data and checked.text.read(5) == "name,"
    assert rows == [["name", "unit"], ["राम", "PS-1"], ["a\nb", "PS-2"]]
    assert _checked(b"a,b\rc,d\r") == [["a", "b"], ["c", "d"]], "old Mac line ends"


@pytest.mark.parametrize(
    ("data", "line_no"),
    [
        (b"\xffname\n", 1),
        ("a,b\nराम,x\nc,".encode() + b"\xff\n", 3),
        ("a,b\r\nराम,x\r\n".encode() + b"c,\xe0\xa4\n", 3),  # a character cut short
        ("a\r\nराम".encode() + b"\r\n\r\n\xc3(", 4),
        (b"a\rb\r" + b"\x80", 3),
        (b"a\n" + "राम\n".encode() * 100 + b"\xe0\xa4", 102),  # at the very end
    ],
)
def test_bytes_that_are_not_utf8_name_their_line(data: bytes, line_no: int) -> None:
    with pytest.raises(CsvReadError) as refused:
        read_checked(io.BytesIO(data))
    assert (refused.value.reason, refused.value.line) == ("encoding", line_no)


def test_the_line_is_found_across_block_boundaries(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(csv_files, "_BLOCK", 7)
    rows = "".join(f"राम,{n}\r\n" for n in range(40)).encode()
    for cut in range(1, 8):  # a multi-byte character or a CRLF split between blocks
        data = b"x" * cut + b"\r\n" + rows + b"bad,\xff\r\n"
        with pytest.raises(CsvReadError) as refused:
            read_checked(io.BytesIO(data))
        assert refused.value.line == 42, cut


def test_a_record_too_large_for_csv_is_a_format_error() -> None:
    data = b"a,b\nc,d\n" + b"x" * 200_000 + b",y\n"
    with pytest.raises(CsvReadError) as refused:
        read_checked(io.BytesIO(data))
    assert (refused.value.reason, refused.value.line) == ("format", 3)


@pytest.mark.parametrize("text", ["=1+2", "+917000998001", "-3", "@SUM(A1)", "\tx", "\rx"])
def test_a_neutralised_cell_reads_back_as_written(text: str) -> None:
    assert cell(text) != text
    assert uncell(cell(text)) == text


@pytest.mark.parametrize("text", ["'quoted", "'", "", "राम", "it's", "''+1"])
def test_uncell_leaves_other_cells_alone(text: str) -> None:
    assert uncell(text) == text
