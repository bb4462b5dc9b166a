"""Unit tests for wikisync.ops.formats: records as JSON, JSON Lines, CSV and a table."""

from __future__ import annotations

import csv
import io
import json

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from wikisync.core.fields.values import DateValue
from wikisync.core.records import Record
from wikisync.core.schema import load_record_types
from wikisync.ops.formats import (
    FORMATS,
    format_cell,
    format_records,
    neutralize_cell,
    restore_cell,
    write_records,
)

EVENT = load_record_types(
    {
        "event": {
            "templates": ["Event"],
            "fields": {"startDate": "date", "Tags": "list", "open": "bool", "description": "text"},
        }
    }
)["event"]

RECORDS = [
    Record(
        "Atelier covoiturage, été",
        "event",
        11,
        {
            "startDate": DateValue(2018, 7, 3),
            "Tags": ("covoiturage", "ruralité"),
            "open": True,
            "description": "Premier paragraphe, avec « guillemets ».\n\nSecond : l'après-midi.",
        },
        {"organisateur": "[[Asso]]"},
    ),
    Record(
        "Meetup",
        "event",
        12,
        {
            "startDate": DateValue(2023, 7, precision="month"),
            "Tags": (),
            "open": False,
            "description": None,
        },
    ),
]


def test_format_records_json_is_an_indented_array_of_dicts() -> None:
    text = format_records(RECORDS, "json")
    assert text.endswith("]\n")
    assert '\n  {\n    "title": "Atelier covoiturage, été",' in text  # indented, not escaped
    assert json.loads(text) == [record.to_dict() for record in RECORDS]


def test_format_records_json_of_nothing_is_an_empty_array() -> None:
    assert format_records([], "json") == "[]\n"


def test_format_records_jsonl_writes_one_object_per_line() -> None:
    lines = format_records(RECORDS, "jsonl").splitlines()
    assert [json.loads(line) for line in lines] == [record.to_dict() for record in RECORDS]
    assert "été" in lines[0]


def test_format_records_jsonl_of_nothing_is_empty() -> None:
    assert format_records([], "jsonl") == ""


def test_format_records_csv_has_header_and_one_row_per_record() -> None:
    text = format_records(RECORDS, "csv", EVENT)
    rows = list(csv.reader(io.StringIO(text)))
    assert rows == [
        ["title", "index", "revid", "type", "startDate", "Tags", "open", "description"],
        [
            "Atelier covoiturage, été",
            "0",
            "11",
            "event",
            "2018-07-03",
            "covoiturage, ruralité",
            "true",
            "Premier paragraphe, avec « guillemets ».\n\nSecond : l'après-midi.",
        ],
        ["Meetup", "0", "12", "event", "2023-07", "", "false", ""],
    ]


def test_format_records_csv_quotes_commas_and_uses_crlf_ends() -> None:
    """The dialect of 'wikisync export' (RFC 4180): CRLF row ends, a newline in a cell kept."""
    text = format_records(RECORDS, "csv", EVENT)
    assert text.splitlines()[1].startswith('"Atelier covoiturage, été",0,11,event,2018-07-03,')
    assert text.count("\r\n") == 3 and "paragraphe, avec « guillemets ».\n\nSecond" in text


def test_format_records_csv_takes_columns_from_the_record_type_when_empty() -> None:
    header = "title,index,revid,type,startDate,Tags,open,description\r\n"
    assert format_records([], "csv", EVENT) == header


def test_format_records_csv_takes_columns_from_the_first_record_without_type() -> None:
    header = format_records(RECORDS, "csv").splitlines()[0]
    assert header == "title,index,revid,type,startDate,Tags,open,description"
    assert format_records([], "csv") == "title,index,revid,type\r\n"


def test_format_records_table_aligns_columns() -> None:
    lines = format_records(RECORDS, "table", EVENT, width=20).splitlines()
    assert lines[0].split() == ["title", "startDate", "Tags", "open", "description"]
    assert set(lines[1]) == {"-", " "}
    starts = [lines[0].index(name) for name in ("startDate", "Tags", "open")]
    for line in lines[2:]:
        assert [line[start - 2 : start] for start in starts] == ["  ", "  ", "  "]
    assert lines[3].startswith("Meetup ")
    assert "2023-07" in lines[3]


def test_format_records_table_clips_cells_and_flattens_lines() -> None:
    text = format_records(RECORDS, "table", EVENT, width=12)
    row = text.splitlines()[2]
    assert "Atelier cov…" in row
    assert "Premier par…" in row
    assert all(len(line) <= 5 * 12 + 4 * 2 for line in text.splitlines())


def test_format_records_table_of_nothing_is_just_the_header() -> None:
    assert format_records([], "table", EVENT).splitlines()[0].split() == [
        "title",
        "startDate",
        "Tags",
        "open",
        "description",
    ]


@pytest.mark.parametrize("fmt", FORMATS)
def test_write_records_writes_what_format_records_returns(fmt: str) -> None:
    stream = io.StringIO()
    write_records(RECORDS, fmt, stream, EVENT)
    assert stream.getvalue() == format_records(RECORDS, fmt, EVENT)


@pytest.mark.parametrize("fmt", ["xml", "JSON", ""])
def test_format_records_rejects_unknown_format(fmt: str) -> None:
    with pytest.raises(ValueError, match="unknown format"):
        format_records(RECORDS, fmt)


@pytest.mark.parametrize(
    ("value", "cell"),
    [
        (None, ""),
        (True, "true"),
        (False, "false"),
        (0, "0"),
        (("a", "b, c"), "a, b, c"),
        ((), ""),
        (DateValue(2024, 3, 5, 18, 30, 0, "datetime"), "2024-03-05T18:30:00"),
        ("texte", "texte"),
    ],
)
def test_format_cell_renders_spreadsheet_values(value: object, cell: str) -> None:
    assert format_cell(value) == cell  # type: ignore[arg-type]


def test_format_records_csv_guards_formula_cells_unless_raw() -> None:
    hostile = Record(
        "=cmd|' /C calc'!A0",
        "event",
        13,
        {"startDate": None, "Tags": ("+33 6", "x"), "open": None, "description": "@SUM(A1)"},
    )
    guarded = list(csv.reader(io.StringIO(format_records([hostile], "csv", EVENT))))[1]
    raw = list(csv.reader(io.StringIO(format_records([hostile], "csv", EVENT, raw=True))))[1]
    assert guarded == ["'=cmd|' /C calc'!A0", "0", "13", "event", "", "'+33 6, x", "", "'@SUM(A1)"]
    assert raw == ["=cmd|' /C calc'!A0", "0", "13", "event", "", "+33 6, x", "", "@SUM(A1)"]


@pytest.mark.parametrize("text", ["", "a", "=", "'", "''=", "-1", "\t", "\r\n", "é=", " ="])
def test_restore_cell_inverts_neutralize_cell(text: str) -> None:
    guarded = neutralize_cell(text)
    assert restore_cell(guarded) == text
    assert guarded[:1] not in ("=", "+", "-", "@", "\t", "\r")


_FORMULA_FIRST = "=+-@'\uff1d\uff0b\uff0d\uff20\ufe66\ufe62\ufe63\ufe6b\u2212"


@given(
    st.text(st.sampled_from(" \u00a0\u202f\u2007\u3000\u200b\ufeff\u2060\n"), max_size=4),
    st.sampled_from(_FORMULA_FIRST),
    st.text(max_size=10),
)
@settings(max_examples=300, deadline=None)
def test_neutralize_cell_guards_formulas_behind_any_blank(
    blank: str, first: str, rest: str
) -> None:
    # Issue 18 item 13: a no-break space or a fullwidth sign hides no formula.
    text = blank + first + rest
    guarded = neutralize_cell(text)
    assert guarded == "'" + text
    assert restore_cell(guarded) == text


@given(st.text(max_size=20))
@settings(max_examples=300, deadline=None)
def test_restore_cell_inverts_neutralize_cell_for_any_text(text: str) -> None:
    assert restore_cell(neutralize_cell(text)) == text
