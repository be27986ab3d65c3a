"""The rejected rows' CSV (the file's own columns and cells, a reason column in the clerk's
language) and the cells an import keeps for it."""

from __future__ import annotations

from roster.domain.imports import ImportResult, Problems, reason_text, rejected_table

HEADER = ["volunteer_id", "role", "police_station", "whatsapp", "ward"]
BAD_NUMBER: Problems = [{"code": "bad-whatsapp", "column": "whatsapp"}]
TWO: Problems = [{"code": "outside-scope", "column": "police_station"},
       {"code": "duplicate-key", "column": None}]  # fmt: skip


def test_the_table_is_the_files_columns_and_cells_and_a_reason() -> None:
    rows = [
        (["V-1", "police_mitra", "PS-A", "+91 555", "7"], BAD_NUMBER),
        (["V-2", "police_mitra", "PS-B", "", "8"], TWO),
    ]
    assert list(rejected_table(HEADER, rows, "en")) == [
        [*HEADER, "reason"],
        ["V-1", "police_mitra", "PS-A", "+91 555", "7", "WhatsApp number is invalid [whatsapp]"],
        ["V-2", "police_mitra", "PS-B", "", "8",
         "the unit is outside your area [police_station]; this member appears earlier in "
         "the file"],
    ]  # fmt: skip


def test_the_reason_is_in_the_clerks_language() -> None:
    table = list(rejected_table(HEADER, [(["V-1", "", "", "+91 555", ""], BAD_NUMBER)], "hi"))
    assert table[0][-1] == "कारण"
    assert table[1][-1] == "व्हाट्सऐप नंबर मान्य मोबाइल नंबर नहीं है [whatsapp]"
    assert reason_text(BAD_NUMBER, "hi") == table[1][-1]


def test_a_reason_column_of_an_earlier_download_is_not_doubled() -> None:
    header = ["volunteer_id", "whatsapp", "Reason", "कारण"]
    cells = ["V-1", "+91 555", "WhatsApp number is invalid [whatsapp]", "पुराना कारण"]
    assert list(rejected_table(header, [(cells, BAD_NUMBER)], "en")) == [
        ["volunteer_id", "whatsapp", "reason"],
        ["V-1", "+91 555", "WhatsApp number is invalid [whatsapp]"],
    ]


def test_a_short_row_is_padded_to_the_header() -> None:
    table = list(rejected_table(HEADER, [(["V-1", "police_mitra"], BAD_NUMBER)], "en"))
    assert table[1] == ["V-1", "police_mitra", "", "", "", "WhatsApp number is invalid [whatsapp]"]


def test_an_unknown_code_is_shown_as_itself() -> None:
    assert reason_text([{"code": "new-code", "column": None}], "en") == "new-code"


def test_a_rows_cells_are_kept_once_with_its_member() -> None:
    result = ImportResult("imp-1")
    result.reject(3, "V-3", BAD_NUMBER, member_id="m-3", cells=["V-3", "first"])
    result.reject(3, "V-3", TWO, cells=["V-3", "second"])
    result.reject(4, None, BAD_NUMBER)
    assert result.cells == {3: ["V-3", "first"]}
    assert result.merged()[0][:3] == (3, "V-3", "m-3")
